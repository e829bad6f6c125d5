//! What can go wrong reading a document, each naming the file and what to do.

use std::path::PathBuf;

/// Result of reading a document.
pub type Result<T> = std::result::Result<T, ImportError>;

/// Why a document could not be read. Nothing of a document that fails is sent.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file's type is not one hoshin reads.
    #[error("{file}: unsupported type {what}; hoshin reads .pdf, .docx, .xlsx, .html/.htm and .txt")]
    Unsupported {
        /// The file.
        file: String,
        /// What it is.
        what: String,
    },
    /// A PDF that cannot be opened without a password.
    #[error("{file}: the PDF is encrypted; save it without a password and import it again")]
    Encrypted {
        /// The file.
        file: String,
    },
    /// A PDF without a text layer, read without OCR.
    #[error("{file}: the PDF has no text layer (scanned pages?); import it with `hoshin import --ocr`")]
    ImageOnly {
        /// The file.
        file: String,
    },
    /// A document with no text at all.
    #[error("{file}: no text found")]
    NoText {
        /// The file.
        file: String,
    },
    /// A document that does not say its fiscal year.
    #[error(
        "{file}: no fiscal year (like 令和6年度, 2024年度 or R6) in its title or first lines; give one with `year`"
    )]
    NoYear {
        /// The file.
        file: String,
    },
    /// A year given with the import that cannot be read.
    #[error("cannot read the year `{0}` (like 令和6年度, 2024年度 or R6)")]
    BadYear(String),
    /// A file its format's reader cannot parse.
    #[error("{file}: not a readable {format} file: {message}")]
    Malformed {
        /// The file.
        file: String,
        /// The format it claims to be.
        format: &'static str,
        /// What the reader said.
        message: String,
    },
    /// A document over one of the import's bounds; nothing of it is sent.
    #[error(
        "{file}: over the import limit `{limit}` ({}: at most {max}); nothing was imported. \
         Split the document, or raise the limit with --import-limit {limit}=N where that is safe",
        limit.meaning()
    )]
    OverLimit {
        /// The file.
        file: String,
        /// The bound it went over.
        limit: crate::limits::Limit,
        /// The bound's value.
        max: u64,
    },
    /// A program a format needs is missing or failed.
    #[error(
        "{file}: `{tool}` failed: {message} (it comes with Debian's {package}: scripts/install-system-deps import)"
    )]
    Tool {
        /// The file.
        file: String,
        /// The program.
        tool: &'static str,
        /// The Debian package it comes with.
        package: &'static str,
        /// What went wrong.
        message: String,
    },
    /// A file that cannot be read.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

impl ImportError {
    /// An I/O error on `path`, for `map_err`.
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> ImportError {
        let path = path.into();
        move |source| ImportError::Io { path, source }
    }
}
