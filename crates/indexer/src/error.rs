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
    /// Seed lines that could not be placed; nothing is indexed until they are fixed.
    #[error("{} line(s) could not be placed:\n{}", .0.len(), join_lines(.0))]
    Unplaced(Vec<UnplacedLine>),
    /// The seeds directory holds no `.txt` file.
    #[error("no seed files (*.txt) in {0}")]
    NoSeeds(PathBuf),
    /// A file or directory could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The path concerned.
        path: PathBuf,
        /// The underlying failure.
        source: std::io::Error,
    },
    /// The dictionary or analyzers could not be prepared.
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    /// tantivy failed to write or open the index.
    #[error("index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, IndexerError>;

impl IndexerError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| IndexerError::Io { path, source }
    }
}

fn join_lines(lines: &[UnplacedLine]) -> String {
    lines.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
}
