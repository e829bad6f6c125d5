//! One reader per format, each turning a file into [`Block`](crate::Block)s
//! and, where the format has one, a title.

pub mod docx;
pub mod html;
pub mod pdf;
pub mod text;
pub mod xlsx;

use std::io::Read;
use std::process::{Command, Output, Stdio};

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

/// Runs an external program and returns what it wrote, keeping at most one
/// byte more of its standard output than `max_output` (the program is
/// stopped there), so that the caller can tell output over its bound without
/// holding all of it; a program that is missing or fails to run is an
/// [`ImportError::Tool`] naming its package.
pub(crate) fn run_tool(
    file: &str,
    tool: &'static str,
    package: &'static str,
    command: &mut Command,
    max_output: u64,
) -> Result<Output> {
    let tool_error =
        |error: std::io::Error| ImportError::Tool { file: file.to_string(), tool, package, message: error.to_string() };
    let mut child =
        command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().map_err(tool_error)?;
    let mut stderr = child.stderr.take().expect("stderr is piped");
    // Read aside, so that a program filling its error pipe never blocks.
    let errors = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stderr.read_to_end(&mut bytes);
        bytes
    });
    let mut stdout = Vec::new();
    let kept = max_output.saturating_add(1);
    let read = child.stdout.take().expect("stdout is piped").take(kept).read_to_end(&mut stdout);
    if read.is_err() || stdout.len() as u64 > max_output {
        let _ = child.kill();
    }
    let status = child.wait().map_err(tool_error)?;
    let stderr = errors.join().unwrap_or_default();
    read.map_err(tool_error)?;
    Ok(Output { status, stdout, stderr })
}
