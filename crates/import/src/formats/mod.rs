//! One reader per format, each turning a file into [`Block`](crate::Block)s
//! and, where the format has one, a title.

pub mod docx;
pub mod html;
pub mod pdf;
pub mod text;
pub mod xlsx;

use std::process::Command;

use crate::error::{ImportError, Result};

/// What a reader found in a file.
#[derive(Debug, Clone, Default)]
pub struct Extracted {
    /// The document's text.
    pub blocks: Vec<crate::Block>,
    /// Its title, when the format carries one.
    pub title: Option<String>,
    /// Its pages (PDF).
    pub pages: Option<u64>,
    /// Pages read by OCR (PDF).
    pub ocr_pages: Vec<u64>,
}

/// Runs a third-party reader, taking a panic of it (docx-rs unwraps some
/// reads of a malformed file) as a malformed file, not a crash of hoshin.
pub(crate) fn without_panics<T>(file: &str, format: &'static str, read: impl FnOnce() -> T) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)).map_err(|_| ImportError::Malformed {
        file: file.to_string(),
        format,
        message: "its reader failed on the file's content".to_string(),
    })
}

/// Runs an external program and returns its standard output; a program that
/// is missing or fails is an [`ImportError::Tool`] naming its package.
pub(crate) fn run_tool(
    file: &str,
    tool: &'static str,
    package: &'static str,
    command: &mut Command,
) -> Result<std::process::Output> {
    let output = command.output().map_err(|error| ImportError::Tool {
        file: file.to_string(),
        tool,
        package,
        message: error.to_string(),
    })?;
    Ok(output)
}
