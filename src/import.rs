//! `hoshin import`: reads documents locally — OCR included, which is slow and
//! must not hold one of the server's index workers — and sends their items
//! to a running server's write API in batches, with a token; `--dry-run`
//! prints what would be sent and sends nothing.
//!
//! Every file is read before anything is sent, so a file that cannot be read
//! stops the import with nothing written.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use hoshin_analysis::bounds::MAX_BATCH;
use hoshin_analysis::PolicyItem;
use hoshin_import::{import_file, Format, ImportOptions, ImportedDocument, Structure};
use hoshin_indexer::progress::Progress;

/// What to import, and where to send it.
#[derive(Debug, Clone)]
pub struct ImportJob {
    /// Files, and directories to read every document of.
    pub paths: Vec<PathBuf>,
    /// What the import adds to what the documents say.
    pub options: ImportOptions,
    /// Where to send the items, with which token; `None` for a dry run.
    pub target: Option<Target>,
}

/// A running server and a token it accepts for writes.
#[derive(Debug, Clone)]
pub struct Target {
    /// Its base address, e.g. http://127.0.0.1:3000.
    pub server: String,
    /// The bearer token.
    pub token: String,
}

/// Runs an import job.
pub fn run(job: &ImportJob) -> anyhow::Result<()> {
    let files = documents_in(&job.paths)?;
    if files.is_empty() {
        bail!("no documents to import (.pdf, .docx, .xlsx, .html, .htm, .txt) in the paths given");
    }
    let progress = Progress::new("reading documents", files.len() as u64, "files");
    let mut documents = Vec::new();
    let mut failures = Vec::new();
    for (done, file) in files.iter().enumerate() {
        match import_file(file, &job.options) {
            Ok(document) => documents.push(document),
            Err(error) => failures.push(error.to_string()),
        }
        progress.set(done as u64 + 1);
    }
    progress.finish();
    if !failures.is_empty() {
        bail!(
            "{} of {} files cannot be imported, nothing was sent:\n{}",
            failures.len(),
            files.len(),
            failures.join("\n")
        );
    }
    let items: Vec<&PolicyItem> = documents.iter().flat_map(|document| &document.items).collect();
    match &job.target {
        None => {
            for document in &documents {
                print_document(document);
            }
            println!("{} items from {} files; dry run, nothing sent", items.len(), documents.len());
        }
        Some(target) => {
            send(target, &items)?;
            println!("{} items from {} files sent to {}", items.len(), documents.len(), target.server);
        }
    }
    Ok(())
}

/// The documents among `paths`: files as given, directories walked in name order.
fn documents_in(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut files)?;
        } else if path.exists() {
            files.push(path.clone());
        } else {
            bail!("{}: no such file or directory", path.display());
        }
    }
    Ok(files)
}

fn walk(directory: &Path, files: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(directory)
        .with_context(|| format!("reading {}", directory.display()))?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<std::io::Result<_>>()?;
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            walk(&entry, files)?;
        } else if entry.file_name().and_then(|name| name.to_str()).and_then(Format::of_file_name).is_some() {
            files.push(entry);
        }
    }
    Ok(())
}

/// Prints a document's outline, every item under its headings, and its counts.
fn print_document(document: &ImportedDocument) {
    let pages = document.pages.map(|pages| format!(", {pages} pages")).unwrap_or_default();
    let ocr =
        if document.ocr_pages.is_empty() { String::new() } else { format!(", {} by OCR", document.ocr_pages.len()) };
    let structure = match document.structure {
        Structure::Outline => "outline recognised",
        Structure::Paragraphs => "no recognisable outline: one item per paragraph",
    };
    println!(
        "{} — {}{pages}{ocr}, 「{}」, {} ({}), {structure}, {} items",
        document.file,
        document.format.label(),
        document.title,
        document.year.written,
        document.year.western,
        document.items.len()
    );
    for line in &document.outline {
        let indent = "  ".repeat(line.depth + 1);
        if line.heading {
            println!("{indent}{}", line.text);
        }
        if let Some(item) = line.item.and_then(|index| document.items.get(index)) {
            let at = match item.source.page {
                Some(page) => format!("p.{page}"),
                None => format!("l.{}", item.source.line),
            };
            let indent = if line.heading { format!("{indent}  ") } else { indent };
            println!("{indent}- [{} {at}] {}", item.id, item.text.replace('\n', " / "));
        }
    }
}

/// Sends the items in batches the server accepts, each written whole.
fn send(target: &Target, items: &[&PolicyItem]) -> anyhow::Result<()> {
    let url = format!("{}/api/documents", target.server.trim_end_matches('/'));
    let progress = Progress::new("sending items", items.len() as u64, "items");
    let mut sent = 0;
    for batch in items.chunks(MAX_BATCH) {
        let body = serde_json::json!({ "documents": batch });
        let answer = ureq::post(&url).set("Authorization", &format!("Bearer {}", target.token)).send_json(body);
        match answer {
            Ok(_) => sent += batch.len(),
            Err(ureq::Error::Status(status, response)) => {
                let message = response.into_string().unwrap_or_default();
                bail!("{url} answered {status} after {sent} of {} items were written: {message}", items.len());
            }
            Err(error) => bail!("{url}: {error} ({sent} of {} items were written)", items.len()),
        }
        progress.set(sent as u64);
    }
    progress.finish();
    Ok(())
}
