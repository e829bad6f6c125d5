//! The one error type of the embed crate.

use std::path::PathBuf;

/// What can go wrong while loading the model or embedding a text.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// There is no model file at the path.
    #[error(
        "{}: no e5 model file here; scripts/install-e5-model installs it (or set {} to where it is)",
        .0.display(),
        crate::MODEL_PATH_ENV
    )]
    Missing(PathBuf),
    /// The model file could not be read.
    #[error("{}: {error}", path.display())]
    Io {
        /// The model file.
        path: PathBuf,
        /// The underlying failure, part of the message rather than a `source()`.
        error: std::io::Error,
    },
    /// The file is not the e5-small-q4.bin this crate reads: another file, a
    /// damaged or truncated copy, or a model of another shape.
    #[error("{}: not a usable e5-small-q4.bin: {message}", path.display())]
    Format {
        /// The model file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The vector cache file could not be read or written.
    #[error("{}: vector cache: {error}", path.display())]
    Cache {
        /// The cache file.
        path: PathBuf,
        /// The underlying failure.
        error: std::io::Error,
    },
    /// candle failed to compute; with a model that loaded this is a bug.
    #[error("candle: {0}")]
    Candle(#[from] candle_core::Error),
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, EmbedError>;
