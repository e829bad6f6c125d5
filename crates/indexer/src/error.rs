//! The one error type of the indexer crate.

use std::fmt;
use std::path::PathBuf;

use hoshin_analysis::AnalysisError;

/// A line of a seed file that could not be placed in the document structure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnplacedLine {
    /// The file the line is in.
    pub file: String,
    /// The 1-based line number.
    pub line: usize,
    /// Why the line could not be placed.
    pub reason: String,
}

impl fmt::Display for UnplacedLine {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}:{}: {}", self.file, self.line, self.reason)
    }
}

/// What can go wrong while reading seeds or building an index.
#[derive(Debug, thiserror::Error)]
pub enum IndexerError {
    /// The model failed to embed a passage, or the vector cache could not be written.
    #[error(transparent)]
    Embedding(hoshin_embed::EmbedError),
    /// Seed lines that could not be placed; nothing is indexed until they are fixed.
    #[error("{} line(s) could not be placed:\n{}", .0.len(), join_lines(.0))]
    Unplaced(Vec<UnplacedLine>),
    /// A seed file's metadata is not the JSON it should be.
    #[error("{}: {message} (expected {{\"municipality\", \"title\", \"url\"}}, each optional)", .path.display())]
    Metadata {
        /// The metadata file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The items a corpus is generated from give no clause, department or
    /// heading to recombine.
    #[error("the seed items give no clauses, departments and headings to generate a corpus from")]
    NoGeneratorMaterial,
    /// The index root holds no published generation.
    #[error("no index has been built in {}", .0.display())]
    NoIndex(PathBuf),
    /// The journal of API writes is shorter than what the live index says it
    /// applied: it was moved or deleted, and rebuilding or writing would lose
    /// documents written through the API.
    #[error(
        "{}: the index holds {applied} bytes of API writes but the journal has {found}; \
         restore the journal from a backup. To rebuild from the seeds and the journal as it \
         is now instead, remove only the generated CURRENT and generations/ beside it: \
         never the journal",
        journal.display()
    )]
    JournalMissing {
        /// Where the journal should be.
        journal: PathBuf,
        /// Journal bytes the live index has applied.
        applied: u64,
        /// Journal bytes found.
        found: u64,
    },
    /// A line of the journal is damaged: hoshin starts and builds nothing
    /// over it and leaves the file exactly as it is.
    #[error(
        "{}: line {line} (byte {offset}) is damaged: {reason}. The journal was left exactly as it is; \
         `hoshin journal check --journal {}` lists every damaged line and \
         `hoshin journal repair --journal {} --to NEW_FILE` copies every intact entry to NEW_FILE, \
         to put in its place once you have looked at what it left out",
        journal.display(), journal.display(), journal.display()
    )]
    JournalDamaged {
        /// The journal.
        journal: PathBuf,
        /// The 1-based line.
        line: usize,
        /// The line's first byte.
        offset: u64,
        /// What is wrong with it.
        reason: String,
    },
    /// A store's log could not be read for a build.
    #[error("reading the store: {0}")]
    Store(String),
    /// A journal and a store's log were mixed: a journaled index asked to
    /// follow a store, or the reverse.
    #[error("{0}")]
    MixedLog(String),
    /// A batch larger than the bounds every batch keeps (`hoshin_analysis::bounds`);
    /// nothing of it was journaled.
    #[error("{0}")]
    OverBounds(String),
    /// The live generation was analysed with another dictionary or other
    /// index-time word lists than the ones loaded to serve it.
    #[error(
        "generation {generation} was built with another dictionary or other word lists \
         (variants.tsv, userdict.csv) than those loaded now"
    )]
    AnalysisMismatch {
        /// The generation's name.
        generation: String,
    },
    /// A file or directory could not be read or written.
    #[error("{}: {error}", path.display())]
    Io {
        /// The path concerned.
        path: PathBuf,
        /// The underlying failure, part of the message rather than a `source()`.
        error: std::io::Error,
    },
    /// The dictionary or analyzers could not be prepared.
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    /// tantivy failed to write or open the index.
    #[error("index: {0}")]
    Tantivy(tantivy::TantivyError),
}

impl From<tantivy::TantivyError> for IndexerError {
    fn from(error: tantivy::TantivyError) -> Self {
        IndexerError::Tantivy(error)
    }
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, IndexerError>;

impl IndexerError {
    /// Whether the error is a full disk (ENOSPC), however deep tantivy wrapped it.
    pub fn is_storage_full(&self) -> bool {
        let io_full = |error: &std::io::Error| error.kind() == std::io::ErrorKind::StorageFull;
        match self {
            IndexerError::Io { error, .. } => io_full(error),
            IndexerError::Tantivy(tantivy::TantivyError::IoError(error)) => io_full(error),
            IndexerError::Tantivy(tantivy::TantivyError::OpenWriteError(
                tantivy::directory::error::OpenWriteError::IoError { io_error, .. },
            )) => io_full(io_error),
            // Errors tantivy's threads report as text.
            IndexerError::Tantivy(other) => other.to_string().contains("No space left on device"),
            _ => false,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |error| IndexerError::Io { path, error }
    }
}

fn join_lines(lines: &[UnplacedLine]) -> String {
    lines.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
}
