//! Vectors as hoshin keeps them, and the cache that keeps them: every
//! passage vector computed so far, under its passage's digest, so that
//! rebuilds, reloads, journal replays and repeated texts never embed the same
//! text twice.
//!
//! A [`Vector`] is quantized to one signed byte a value with one scale, a
//! quarter of its `f32` size; the cosine of two quantized unit vectors
//! differs from the exact one by well under what separates two ranks.
//!
//! The cache is one append-only file of fixed-size records, each
//! `digest (u64) · scale (f32) · values (DIMENSIONS × i8) · CRC-32`, after
//! a header naming the model that made them. It is a cache: a torn or damaged
//! record ends what is read (the rest is cut off and computed again), and a
//! file of another model is started afresh. Deleting it costs only the time to
//! embed everything again.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use crate::error::{EmbedError, Result};
use crate::DIMENSIONS;

/// The largest magnitude of a quantized value.
const LEVELS: f32 = 127.0;

/// One unit vector, quantized.
#[derive(Debug, Clone, PartialEq)]
pub struct Vector {
    scale: f32,
    values: Box<[i8; DIMENSIONS]>,
}

impl Vector {
    /// Quantizes `values` (of [`DIMENSIONS`] values; more are ignored, fewer are zeros).
    pub fn quantize(values: &[f32]) -> Vector {
        let largest = values.iter().take(DIMENSIONS).fold(0f32, |largest, value| largest.max(value.abs()));
        let scale = if largest > 0.0 && largest.is_finite() { largest / LEVELS } else { 1.0 };
        let mut quantized = Box::new([0i8; DIMENSIONS]);
        for (quantized, value) in quantized.iter_mut().zip(values) {
            *quantized = (value / scale).round().clamp(-LEVELS, LEVELS) as i8;
        }
        Vector { scale, values: quantized }
    }

    /// The dot product of two vectors: of unit vectors, their cosine similarity.
    pub fn dot(&self, other: &Vector) -> f32 {
        self.dot_values(&other.values[..], other.scale)
    }

    /// The dot product with a vector given as its values and scale, as a
    /// table of many vectors keeps them.
    pub fn dot_values(&self, values: &[i8], scale: f32) -> f32 {
        let values = <&[i8; DIMENSIONS]>::try_from(values).expect("a vector has DIMENSIONS values");
        integer_dot(&self.values, values) as f32 * self.scale * scale
    }

    /// The quantized values.
    pub fn values(&self) -> &[i8] {
        &self.values[..]
    }

    /// What one quantized step is worth.
    pub fn scale(&self) -> f32 {
        self.scale
    }

    /// The vector of `values` (of [`DIMENSIONS`]) at `scale`.
    pub fn from_parts(values: &[i8], scale: f32) -> Vector {
        let mut owned = Box::new([0i8; DIMENSIONS]);
        for (owned, value) in owned.iter_mut().zip(values) {
            *owned = *value;
        }
        Vector { scale, values: owned }
    }

    const BYTES: usize = 4 + DIMENSIONS;

    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.scale.to_le_bytes());
        out.extend(self.values.iter().map(|value| *value as u8));
    }

    fn read(bytes: &[u8]) -> Vector {
        let scale = f32::from_le_bytes(bytes[..4].try_into().expect("four bytes"));
        let mut values = Box::new([0i8; DIMENSIONS]);
        for (value, byte) in values.iter_mut().zip(&bytes[4..]) {
            *value = *byte as i8;
        }
        Vector { scale, values }
    }
}

/// What a cache file starts with: a magic and the model's identity.
const MAGIC: &[u8; 8] = b"HOSHINV1";
const HEADER_BYTES: usize = MAGIC.len() + 8;
/// One record: digest, vector, CRC-32 of both.
const RECORD_BYTES: usize = 8 + Vector::BYTES + 4;

/// Passage vectors by passage digest, in memory and in one file.
pub struct VectorCache {
    path: PathBuf,
    file: Mutex<File>,
    vectors: RwLock<HashMap<u64, Arc<Vector>>>,
}

/// What opening a cache file found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CacheOpened {
    /// Vectors read.
    pub vectors: usize,
    /// Bytes cut off the end: a torn or damaged record and what followed it.
    pub cut_bytes: u64,
    /// The file held another model's vectors and was started afresh.
    pub other_model: bool,
}

impl VectorCache {
    /// Opens (or creates) the cache file at `path` for the model of `identity`
    /// (see [`crate::Embedder::identity`]).
    pub fn open(path: &Path, identity: u64) -> Result<(VectorCache, CacheOpened)> {
        let failed = |error: std::io::Error| EmbedError::Cache { path: path.to_path_buf(), error };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(failed)?;
        }
        // Appending, so that two processes sharing a cache (tests) add whole records.
        let mut file = OpenOptions::new().read(true).append(true).create(true).open(path).map_err(failed)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(failed)?;
        let mut header = MAGIC.to_vec();
        header.extend_from_slice(&identity.to_le_bytes());
        let mut opened = CacheOpened::default();
        let mut vectors = HashMap::new();
        let kept = if bytes.len() >= HEADER_BYTES && bytes[..HEADER_BYTES] == header[..] {
            let mut kept = HEADER_BYTES;
            for record in bytes[HEADER_BYTES..].chunks(RECORD_BYTES) {
                let Some((body, crc)) = record.split_last_chunk::<4>() else { break };
                if record.len() < RECORD_BYTES || crc32fast::hash(body) != u32::from_le_bytes(*crc) {
                    break;
                }
                let digest = u64::from_le_bytes(body[..8].try_into().expect("eight bytes"));
                vectors.insert(digest, Arc::new(Vector::read(&body[8..])));
                kept += RECORD_BYTES;
            }
            kept
        } else {
            opened.other_model = !bytes.is_empty();
            file.set_len(0).map_err(failed)?;
            file.write_all(&header).map_err(failed)?;
            bytes.clear();
            HEADER_BYTES
        };
        if kept < bytes.len() {
            opened.cut_bytes = (bytes.len() - kept) as u64;
            file.set_len(kept as u64).map_err(failed)?;
        }
        opened.vectors = vectors.len();
        if opened.cut_bytes > 0 || opened.other_model {
            let (cut_bytes, other_model) = (opened.cut_bytes, opened.other_model);
            tracing::warn!(path = %path.display(), cut_bytes, other_model, "vector cache partly recomputed");
        }
        tracing::info!(path = %path.display(), vectors = opened.vectors, "vector cache opened");
        let cache = VectorCache { path: path.to_path_buf(), file: Mutex::new(file), vectors: RwLock::new(vectors) };
        Ok((cache, opened))
    }

    /// The vector of the passage of `digest`, if computed.
    pub fn get(&self, digest: u64) -> Option<Arc<Vector>> {
        self.read().get(&digest).cloned()
    }

    /// Looks many digests up under one lock.
    pub fn get_all(&self, digests: impl IntoIterator<Item = u64>) -> Vec<Option<Arc<Vector>>> {
        let vectors = self.read();
        digests.into_iter().map(|digest| vectors.get(&digest).cloned()).collect()
    }

    /// Whether the passage of `digest` has its vector.
    pub fn contains(&self, digest: u64) -> bool {
        self.read().contains_key(&digest)
    }

    /// How many vectors the cache holds.
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// Whether the cache holds no vector.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds vectors, written to the file (and flushed to the disk) before
    /// they are seen in memory.
    pub fn insert(&self, computed: impl IntoIterator<Item = (u64, Vector)>) -> Result<()> {
        let mut bytes = Vec::new();
        let mut added = Vec::new();
        for (digest, vector) in computed {
            let start = bytes.len();
            bytes.extend_from_slice(&digest.to_le_bytes());
            vector.write(&mut bytes);
            let crc = crc32fast::hash(&bytes[start..]);
            bytes.extend_from_slice(&crc.to_le_bytes());
            added.push((digest, Arc::new(vector)));
        }
        let failed = |error: std::io::Error| EmbedError::Cache { path: self.path.clone(), error };
        {
            let mut file = self.file.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            file.write_all(&bytes).map_err(failed)?;
            file.sync_data().map_err(failed)?;
        }
        self.vectors.write().unwrap_or_else(|poisoned| poisoned.into_inner()).extend(added);
        Ok(())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<u64, Arc<Vector>>> {
        self.vectors.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl std::fmt::Debug for VectorCache {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("VectorCache").field("path", &self.path).field("vectors", &self.len()).finish()
    }
}

/// The dot product of two quantized vectors, the inner loop of a semantic
/// scan: sums of i16 products in i32 lanes, which the compiler vectorizes,
/// compiled also for the wider vector units a machine may have and chosen
/// at run time (the binary is built for any x86-64).
#[multiversion::multiversion(targets("x86_64+avx512bw+avx512vl", "x86_64+avx2", "aarch64+neon"))]
fn integer_dot(a: &[i8; DIMENSIONS], b: &[i8; DIMENSIONS]) -> i32 {
    a.iter().zip(b).map(|(a, b)| i32::from(*a) * i32::from(*b)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(seed: u32) -> Vec<f32> {
        let values: Vec<f32> =
            (0..DIMENSIONS as u32).map(|i| ((i * 7919 + seed * 104_729) % 1000) as f32 - 500.0).collect();
        let length = values.iter().map(|v| v * v).sum::<f32>().sqrt();
        values.iter().map(|v| v / length).collect()
    }

    #[test]
    fn quantized_dot_products_stay_near_the_exact_ones() {
        for (a, b) in [(1, 2), (3, 3), (5, 11)] {
            let (a, b) = (unit(a), unit(b));
            let exact: f32 = a.iter().zip(&b).map(|(a, b)| a * b).sum();
            let quantized = Vector::quantize(&a).dot(&Vector::quantize(&b));
            assert!((exact - quantized).abs() < 0.01, "{exact} against {quantized}");
        }
        assert_eq!(Vector::quantize(&[0.0; DIMENSIONS]).dot(&Vector::quantize(&unit(1))), 0.0);
    }

    #[test]
    fn vectors_survive_a_reopening_and_a_torn_record_is_cut_off() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("vectors/cache");
        let (cache, opened) = VectorCache::open(&path, 7).unwrap();
        assert_eq!(opened, CacheOpened::default());
        cache.insert([(1, Vector::quantize(&unit(1))), (2, Vector::quantize(&unit(2)))]).unwrap();
        drop(cache);
        let (cache, opened) = VectorCache::open(&path, 7).unwrap();
        assert_eq!(opened.vectors, 2);
        assert_eq!(cache.get(2).as_deref(), Some(&Vector::quantize(&unit(2))));
        drop(cache);

        // A torn third record, and a changed byte in the second.
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend_from_slice(&[1, 2, 3]);
        std::fs::write(&path, &bytes).unwrap();
        let (cache, opened) = VectorCache::open(&path, 7).unwrap();
        assert_eq!((opened.vectors, opened.cut_bytes), (2, 3));
        drop(cache);
        bytes.truncate(HEADER_BYTES + 2 * RECORD_BYTES);
        bytes[HEADER_BYTES + RECORD_BYTES + 20] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        let (cache, opened) = VectorCache::open(&path, 7).unwrap();
        assert_eq!((opened.vectors, opened.cut_bytes), (1, RECORD_BYTES as u64));
        assert!(cache.contains(1) && !cache.contains(2));
        cache.insert([(3, Vector::quantize(&unit(3)))]).unwrap();
        drop(cache);
        assert_eq!(VectorCache::open(&path, 7).unwrap().1.vectors, 2);

        // Another model's vectors are not used.
        let (cache, opened) = VectorCache::open(&path, 8).unwrap();
        assert!(opened.other_model && cache.is_empty());
    }
}
