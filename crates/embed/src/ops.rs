//! The encoder's element-wise steps as candle custom ops, run on the calling
//! thread: adding a bias (then GELU, for the feed-forward layer), softmax over
//! the last dimension, and LayerNorm of a sum with the residual.
//!
//! candle has all of these, but its own element-wise kernels hand tensors
//! past a size to a pool of spinning threads, and candle-nn's softmax and
//! LayerNorm to rayon's global pool. Written here they stay on the thread
//! that embeds, so an embedding uses one core and callers choose the
//! parallelism by how many threads they embed from.

use candle_core::{bail, CpuStorage, CustomOp2, InplaceOp1, Layout, Result, Shape};

/// A LayerNorm's parameters.
pub(crate) struct Norm {
    /// The scale of each dimension.
    pub(crate) weight: Vec<f32>,
    /// The shift of each dimension.
    pub(crate) bias: Vec<f32>,
    /// Added to the variance.
    pub(crate) eps: f32,
}

/// Adds `bias` to every row, in place, then applies the exact (erf) GELU if `gelu`.
pub(crate) struct AddBias<'a> {
    /// One value per column.
    pub(crate) bias: &'a [f32],
    /// Whether to apply GELU after the bias.
    pub(crate) gelu: bool,
}

impl InplaceOp1 for AddBias<'_> {
    fn name(&self) -> &'static str {
        "add-bias"
    }

    fn cpu_fwd(&self, storage: &mut CpuStorage, layout: &Layout) -> Result<()> {
        let values = f32s_mut(storage, layout, self.name(), self.bias.len())?;
        for row in values.chunks_exact_mut(self.bias.len()) {
            for (value, bias) in row.iter_mut().zip(self.bias) {
                *value += bias;
            }
            if self.gelu {
                for value in row.iter_mut() {
                    *value =
                        0.5 * *value * (1.0 + candle_core::cpu::erf::erf_f32(*value * std::f32::consts::FRAC_1_SQRT_2));
                }
            }
        }
        Ok(())
    }
}

/// Softmax over the last dimension, in place.
pub(crate) struct Softmax;

impl InplaceOp1 for Softmax {
    fn name(&self) -> &'static str {
        "softmax"
    }

    fn cpu_fwd(&self, storage: &mut CpuStorage, layout: &Layout) -> Result<()> {
        let width = layout.shape().dims().last().copied().unwrap_or(0);
        let values = f32s_mut(storage, layout, self.name(), width)?;
        for row in values.chunks_exact_mut(width) {
            let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let mut sum = 0.0;
            for value in row.iter_mut() {
                *value = (*value - max).exp();
                sum += *value;
            }
            let inverse = 1.0 / sum;
            for value in row.iter_mut() {
                *value *= inverse;
            }
        }
        Ok(())
    }
}

/// LayerNorm of `x + bias + residual`, row by row: BERT's step after attention
/// and after the feed-forward layer, and after summing the embeddings.
pub(crate) struct ResidualNorm<'a> {
    /// Added to every row of `x` first, if any.
    pub(crate) bias: Option<&'a [f32]>,
    /// The LayerNorm applied to the sum.
    pub(crate) norm: &'a Norm,
}

impl CustomOp2 for ResidualNorm<'_> {
    fn name(&self) -> &'static str {
        "residual-norm"
    }

    fn cpu_fwd(
        &self,
        x: &CpuStorage,
        x_layout: &Layout,
        residual: &CpuStorage,
        r_layout: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let width = self.norm.weight.len();
        if x_layout.shape() != r_layout.shape() {
            bail!("{}: shapes {:?} and {:?} differ", self.name(), x_layout.shape(), r_layout.shape());
        }
        let x = f32s(x, x_layout, self.name(), width)?;
        let residual = f32s(residual, r_layout, self.name(), width)?;
        let zeros;
        let bias: &[f32] = match self.bias {
            Some(bias) => bias,
            None => {
                zeros = vec![0.0; width];
                &zeros
            }
        };
        let mut out = Vec::with_capacity(x.len());
        for (row, residual) in x.chunks_exact(width).zip(residual.chunks_exact(width)) {
            let start = out.len();
            out.extend(row.iter().zip(bias).zip(residual).map(|((x, b), r)| x + b + r));
            let sum = &mut out[start..];
            let mean = sum.iter().sum::<f32>() / width as f32;
            let variance = sum.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / width as f32;
            let inverse = 1.0 / (variance + self.norm.eps).sqrt();
            for ((value, weight), shift) in sum.iter_mut().zip(&self.norm.weight).zip(&self.norm.bias) {
                *value = (*value - mean) * inverse * weight + shift;
            }
        }
        Ok((CpuStorage::F32(out), x_layout.shape().clone()))
    }
}

/// The values of a contiguous f32 tensor whose last dimension is `width`.
fn f32s<'a>(storage: &'a CpuStorage, layout: &Layout, op: &str, width: usize) -> Result<&'a [f32]> {
    let (start, end) = contiguous(layout, op, width)?;
    match storage {
        CpuStorage::F32(values) => Ok(&values[start..end]),
        _ => bail!("{op}: the tensor is not f32"),
    }
}

fn f32s_mut<'a>(storage: &'a mut CpuStorage, layout: &Layout, op: &str, width: usize) -> Result<&'a mut [f32]> {
    let (start, end) = contiguous(layout, op, width)?;
    match storage {
        CpuStorage::F32(values) => Ok(&mut values[start..end]),
        _ => bail!("{op}: the tensor is not f32"),
    }
}

fn contiguous(layout: &Layout, op: &str, width: usize) -> Result<(usize, usize)> {
    let Some((start, end)) = layout.contiguous_offsets() else { bail!("{op}: the tensor is not contiguous") };
    if width == 0 || layout.shape().dims().last() != Some(&width) {
        bail!("{op}: shape {:?} does not end in {width}", layout.shape());
    }
    Ok((start, end))
}

#[cfg(test)]
mod tests {
    use candle_core::{Device, Tensor};

    use super::*;

    #[test]
    fn match_candle_s_own_operations() -> Result<()> {
        let x = Tensor::arange(0f32, 24.0, &Device::Cpu)?.affine(0.37, -4.0)?.reshape((4, 6))?.sin()?;
        let bias: Vec<f32> = (0..6).map(|i| i as f32 * 0.1 - 0.2).collect();
        let bias_t = Tensor::new(bias.as_slice(), &Device::Cpu)?;
        let close = |a: &Tensor, b: &Tensor| -> Result<()> {
            let difference = (a - b)?.abs()?.max_all()?.to_scalar::<f32>()?;
            assert!(difference < 1e-5, "{a} differs from {b}");
            Ok(())
        };

        let mine = x.copy()?;
        mine.inplace_op1(&AddBias { bias: &bias, gelu: true })?;
        close(&mine, &x.broadcast_add(&bias_t)?.gelu_erf()?)?;

        let mine = x.copy()?;
        mine.inplace_op1(&Softmax)?;
        let exp = x.exp()?;
        close(&mine, &exp.broadcast_div(&exp.sum_keepdim(1)?)?)?;

        let norm = Norm { weight: (0..6).map(|i| 1.0 + i as f32 * 0.5).collect(), bias: bias.clone(), eps: 1e-12 };
        let residual = x.sqr()?;
        let mine = x.apply_op2_no_bwd(&residual, &ResidualNorm { bias: Some(&bias), norm: &norm })?;
        let sum = (x.broadcast_add(&bias_t)? + &residual)?;
        let centred = sum.broadcast_sub(&sum.mean_keepdim(1)?)?;
        let normed = centred.broadcast_div(&(centred.sqr()?.mean_keepdim(1)? + 1e-12)?.sqrt()?)?;
        let weight = Tensor::new(norm.weight.as_slice(), &Device::Cpu)?;
        close(&mine, &normed.broadcast_mul(&weight)?.broadcast_add(&bias_t)?)?;
        Ok(())
    }
}
