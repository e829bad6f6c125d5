//! multilingual-e5-small's encoder on candle: a 12-layer post-LayerNorm BERT
//! (not XLM-R: positions count from 0, every token has type 0) whose output
//! is averaged over all tokens, `<s>` and `</s>` included.
//!
//! The word table stays in its 4-bit Q4_0 blocks and only the rows a text
//! uses are decoded. The layers' weights are decoded to f32 once at load and
//! multiplied with plain f32 matrix products, which on CPU beat candle's
//! 4-bit products; they are stored transposed, so a product is `x · Wᵀ`
//! without a strided operand, and the query, key and value weights are one
//! matrix, so a layer starts with one product. Biases and LayerNorms are f32.
//!
//! Everything runs on the calling thread: [`Encoder::new`] makes gemm, the
//! crate candle's CPU products call, compute every product on one thread, and
//! the element-wise steps are this crate's own ops ([`crate::ops`]).

use candle_core::quantized::QTensor;
use candle_core::{Device, Tensor};

use crate::model_file::ModelFile;
use crate::ops::{AddBias, Norm, ResidualNorm, Softmax};
use crate::Result;

/// The encoder's weights.
pub(crate) struct Encoder {
    /// `[vocabulary rows, hidden]`, Q4_0.
    word: QTensor,
    /// `[positions, hidden]`: each position's row plus the row of token type
    /// 0, the part of a token's embedding that does not depend on the word.
    position: Tensor,
    embedding_norm: Norm,
    layers: Vec<Layer>,
    heads: usize,
    head_width: usize,
    positions: usize,
}

struct Layer {
    /// `[hidden, 3 × hidden]`: query, key and value weights side by side, the
    /// query's pre-divided by √head width so the attention scores need no scaling.
    qkv: Tensor,
    qkv_bias: Vec<f32>,
    /// `[hidden, hidden]`, attention's output.
    output: Tensor,
    output_bias: Vec<f32>,
    attention_norm: Norm,
    /// `[hidden, intermediate]`.
    up: Tensor,
    up_bias: Vec<f32>,
    /// `[intermediate, hidden]`.
    down: Tensor,
    down_bias: Vec<f32>,
    output_norm: Norm,
}

impl Encoder {
    /// The encoder of the model in `file`.
    pub(crate) fn new(file: &ModelFile) -> Result<Encoder> {
        // candle hands gemm a thread count, and gemm splits any product above
        // this threshold across rayon's global pool; never splitting keeps an
        // embedding on the thread that asked for it.
        gemm::set_threading_threshold(usize::MAX);

        let shape = &file.shape;
        let (hidden, intermediate) = (shape.hidden, shape.intermediate);
        let word = file.q4_0("emb.word", shape.vocabulary_rows, hidden)?;
        let mut position = file.f32s("emb.pos", shape.positions * hidden)?;
        let token_type = file.f32s("emb.type", shape.token_types * hidden)?;
        for row in position.chunks_exact_mut(hidden) {
            for (value, type_value) in row.iter_mut().zip(&token_type[..hidden]) {
                *value += type_value;
            }
        }
        let position = Tensor::from_vec(position, (shape.positions, hidden), &Device::Cpu)?;
        let norm = |name: &str| -> Result<Norm> {
            Ok(Norm {
                weight: file.f32s(&format!("{name}.w"), hidden)?,
                bias: file.f32s(&format!("{name}.b"), hidden)?,
                eps: shape.eps,
            })
        };
        let embedding_norm = norm("emb.ln")?;

        let head_width = hidden / shape.heads;
        let scale = 1.0 / (head_width as f64).sqrt();
        let mut layers = Vec::with_capacity(shape.layers);
        for layer in 0..shape.layers {
            let name = |part: &str| format!("l{layer}.{part}");
            // `[out, in]` in the file, `[in, out]` here.
            let transposed = |part: &str, rows: usize, columns: usize| -> Result<Tensor> {
                Ok(file.q4_0(&name(part), rows, columns)?.dequantize(&Device::Cpu)?.t()?.contiguous()?)
            };
            let query = (transposed("q.w", hidden, hidden)? * scale)?;
            let qkv = Tensor::cat(&[query, transposed("k.w", hidden, hidden)?, transposed("v.w", hidden, hidden)?], 1)?;
            let mut qkv_bias: Vec<f32> = file.f32s(&name("q.b"), hidden)?.iter().map(|b| b * scale as f32).collect();
            qkv_bias.extend(file.f32s(&name("k.b"), hidden)?);
            qkv_bias.extend(file.f32s(&name("v.b"), hidden)?);
            layers.push(Layer {
                qkv,
                qkv_bias,
                output: transposed("ao.w", hidden, hidden)?,
                output_bias: file.f32s(&name("ao.b"), hidden)?,
                attention_norm: norm(&name("aln"))?,
                up: transposed("fi.w", intermediate, hidden)?,
                up_bias: file.f32s(&name("fi.b"), intermediate)?,
                down: transposed("fo.w", hidden, intermediate)?,
                down_bias: file.f32s(&name("fo.b"), hidden)?,
                output_norm: norm(&name("oln"))?,
            });
        }
        Ok(Encoder {
            word,
            position,
            embedding_norm,
            layers,
            heads: shape.heads,
            head_width,
            positions: shape.positions,
        })
    }

    /// The mean of the last layer's states of `ids`, a whole sequence with
    /// `<s>` and `</s>`, of at most the model's positions.
    pub(crate) fn mean(&self, ids: &[u32]) -> Result<Vec<f32>> {
        let len = ids.len();
        if len == 0 || len > self.positions {
            let message = format!("{len} tokens for a model of {} positions", self.positions);
            return Err(candle_core::Error::Msg(message).into());
        }
        let words = self.word.embedding(&Tensor::from_slice(ids, len, &Device::Cpu)?)?;
        let norm = ResidualNorm { bias: None, norm: &self.embedding_norm };
        let mut x = words.apply_op2_no_bwd(&self.position.narrow(0, 0, len)?, &norm)?;
        for layer in &self.layers {
            x = self.layer(layer, &x)?;
        }
        let states = x.to_vec2::<f32>()?;
        let mut mean = vec![0f32; states[0].len()];
        for state in &states {
            for (sum, value) in mean.iter_mut().zip(state) {
                *sum += value;
            }
        }
        let inverse = 1.0 / len as f32;
        mean.iter_mut().for_each(|value| *value *= inverse);
        Ok(mean)
    }

    fn layer(&self, layer: &Layer, x: &Tensor) -> Result<Tensor> {
        let (len, hidden) = x.dims2()?;
        let qkv = x.matmul(&layer.qkv)?;
        qkv.inplace_op1(&AddBias { bias: &layer.qkv_bias, gelu: false })?;
        // [3, heads, len, head width]
        let qkv = qkv.reshape((len, 3, self.heads, self.head_width))?.permute((1, 2, 0, 3))?.contiguous()?;
        let (query, key, value) = (qkv.get(0)?, qkv.get(1)?, qkv.get(2)?);
        let scores = query.matmul(&key.t()?)?;
        scores.inplace_op1(&Softmax)?;
        let context = scores.matmul(&value)?.transpose(0, 1)?.contiguous()?.reshape((len, hidden))?;
        let attention = ResidualNorm { bias: Some(&layer.output_bias), norm: &layer.attention_norm };
        let x = context.matmul(&layer.output)?.apply_op2_no_bwd(x, &attention)?;

        let up = x.matmul(&layer.up)?;
        up.inplace_op1(&AddBias { bias: &layer.up_bias, gelu: true })?;
        let output = ResidualNorm { bias: Some(&layer.down_bias), norm: &layer.output_norm };
        Ok(up.matmul(&layer.down)?.apply_op2_no_bwd(&x, &output)?)
    }
}
