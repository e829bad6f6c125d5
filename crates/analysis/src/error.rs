//! The one error type of the analysis crate.

use std::path::PathBuf;

/// What can go wrong while preparing the dictionary or the analyzers.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    /// No IPADIC source files were found where hoshin looks for them.
    #[error(
        "IPADIC source not found at {path}: install it with `apt-get install mecab-ipadic` \
         (or point HOSHIN_IPADIC_SOURCE at a directory holding IPADIC's .csv and .def files)"
    )]
    DictionarySourceMissing {
        /// The directory that was searched.
        path: PathBuf,
    },
    /// lindera failed to compile or load the dictionary.
    #[error("lindera dictionary at {path}: {message}")]
    Dictionary {
        /// The dictionary directory concerned.
        path: PathBuf,
        /// lindera's own description of the failure.
        message: String,
    },
    /// A line of a word list in the data directory is malformed.
    #[error("{}:{line}: {message}", path.display())]
    DataFile {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// Sudachi's synonym dictionary is not where hoshin looks for it.
    #[error(
        "Sudachi synonym dictionary not found at {}: install it with `scripts/install-sudachi-synonyms` \
         (or point HOSHIN_SUDACHI_SYNONYMS at a copy of sudachi-synonyms-dictionary.json)",
        path.display()
    )]
    SynonymDictionaryMissing {
        /// The file looked for.
        path: PathBuf,
    },
    /// Sudachi's synonym dictionary is not the JSON hoshin reads.
    #[error("{}: {message}", path.display())]
    SynonymDictionary {
        /// The file.
        path: PathBuf,
        /// What is wrong, and where.
        message: String,
    },
    /// A file or directory could not be read or written.
    #[error("{}: {error}", path.display())]
    Io {
        /// The path concerned.
        path: PathBuf,
        /// The underlying failure, part of the message rather than a `source()`.
        error: std::io::Error,
    },
    /// An index was opened for searching without hoshin's analyzers registered.
    #[error("the index has no analyzer `{name}` registered: register `Analyzers` with it first")]
    AnalyzerNotRegistered {
        /// The tokenizer name looked up.
        name: &'static str,
    },
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, AnalysisError>;

impl AnalysisError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |error| AnalysisError::Io { path, error }
    }
}
