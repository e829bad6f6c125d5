//! Documents as cities publish them made into policy items: PDF (a text
//! layer, or scanned pages through OCR), Word, Excel, CMS pages and outline
//! text.
//!
//! Reading a document takes two steps. A format reader ([`formats`]) turns
//! the file into [`Block`]s — paragraphs, the headings and list entries a
//! format marks itself, table rows — each with the page and line it stands
//! on; for a PDF, [`layout`] joins wrapped lines and drops running headers,
//! footers and page numbers. [`outline`] then recognises the outline in the
//! common Japanese heading and bullet styles and makes each leaf an item
//! under its department and headings; [`year`] finds the fiscal year.
//! Every step keeps the [`ImportLimits`], so a hostile document is refused
//! as it is read.
//!
//! Nothing here writes to an index: the server's `POST /api/import` and the
//! `hoshin import` command send the items on, so OCR — slow, and only for
//! the command — never holds one of the server's index workers.

pub mod blocks;
mod error;
pub mod formats;
pub mod layout;
pub mod limits;
pub mod outline;
pub mod year;

use std::path::Path;

use hoshin_analysis::{PolicyItem, Source};
use sha2::{Digest, Sha256};

pub use blocks::{Block, BlockKind, Location};
pub use error::{ImportError, Result};
pub use limits::{ImportLimits, Limit};
pub use outline::{OutlineLine, Structure};
pub use year::{find_fiscal_year, parse_fiscal_year, FiscalYear};

use crate::formats::Extracted;
use crate::limits::Budget;

/// The formats hoshin reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// PDF, with a text layer or (through OCR) scanned.
    Pdf,
    /// Word (.docx).
    Docx,
    /// Excel (.xlsx).
    Xlsx,
    /// A web page (.html, .htm).
    Html,
    /// Plain text in an outline (.txt).
    Text,
}

impl Format {
    /// Every format, with its file extensions and media type.
    pub const ALL: [(Format, &'static [&'static str], &'static str); 5] = [
        (Format::Pdf, &["pdf"], "application/pdf"),
        (Format::Docx, &["docx"], "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (Format::Xlsx, &["xlsx"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (Format::Html, &["html", "htm"], "text/html"),
        (Format::Text, &["txt"], "text/plain"),
    ];

    /// The format a file name's extension names.
    pub fn of_file_name(name: &str) -> Option<Format> {
        let (_, extension) = name.rsplit_once('.')?;
        let extension = extension.to_ascii_lowercase();
        Format::ALL
            .iter()
            .find(|(_, extensions, _)| extensions.contains(&extension.as_str()))
            .map(|(format, ..)| *format)
    }

    /// The format a media type (`Content-Type`, parameters allowed) names.
    pub fn of_media_type(media_type: &str) -> Option<Format> {
        let essence = media_type.split(';').next()?.trim().to_ascii_lowercase();
        Format::ALL.iter().find(|(.., media)| *media == essence).map(|(format, ..)| *format)
    }

    /// Its name, for messages and listings.
    pub fn label(self) -> &'static str {
        match self {
            Format::Pdf => "PDF",
            Format::Docx => "Word",
            Format::Xlsx => "Excel",
            Format::Html => "HTML",
            Format::Text => "text",
        }
    }
}

/// What an import adds to what the documents say.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Read PDF pages without a text layer by OCR (slow).
    pub ocr: bool,
    /// The municipality the documents are of.
    pub municipality: Option<String>,
    /// The fiscal year, for documents that do not say it (or say it wrongly).
    pub year: Option<FiscalYear>,
    /// Where the city publishes the document.
    pub url: Option<String>,
    /// The bounds the document must keep.
    pub limits: ImportLimits,
}

/// A document read into items.
#[derive(Debug, Clone)]
pub struct ImportedDocument {
    /// Its file name.
    pub file: String,
    /// Its format.
    pub format: Format,
    /// Its title: the format's, its first line when that reads as one, or the file's stem.
    pub title: String,
    /// Its fiscal year.
    pub year: FiscalYear,
    /// Pages, for a PDF.
    pub pages: Option<u64>,
    /// Pages read by OCR.
    pub ocr_pages: Vec<u64>,
    /// The outline recognised, headings and items.
    pub outline: Vec<OutlineLine>,
    /// Whether an outline was recognised or the items are the paragraphs.
    pub structure: Structure,
    /// What the items' ids are numbered under: `STEM` of `STEM-001`…
    pub id_prefix: String,
    /// The items, ids `STEM-001`…
    pub items: Vec<PolicyItem>,
}

/// Reads a document from disk.
pub fn import_file(path: &Path, options: &ImportOptions) -> Result<ImportedDocument> {
    let file = path.file_name().map_or_else(String::new, |name| name.to_string_lossy().into_owned());
    let format = Format::of_file_name(&file).ok_or_else(|| unsupported(&file))?;
    let size = std::fs::metadata(path).map_err(ImportError::io(path))?.len();
    options.limits.check(&file, Limit::FileBytes, size)?;
    let extracted = match format {
        // pdftotext reads the file where it is.
        Format::Pdf => {
            formats::pdf::read(path, options.ocr, outline::starts_entry, &mut Budget::new(&options.limits, &file))?
        }
        _ => extract(format, &std::fs::read(path).map_err(ImportError::io(path))?, &file, options)?,
    };
    structure(file, format, extracted, options)
}

/// Reads a document sent as bytes, named `file`, of `format`.
pub fn import_bytes(file: &str, format: Format, bytes: &[u8], options: &ImportOptions) -> Result<ImportedDocument> {
    options.limits.check(file, Limit::FileBytes, bytes.len() as u64)?;
    structure(file.to_string(), format, extract(format, bytes, file, options)?, options)
}

fn unsupported(file: &str) -> ImportError {
    let what =
        file.rsplit_once('.').map_or_else(|| "(no extension)".to_string(), |(_, extension)| format!(".{extension}"));
    ImportError::Unsupported { file: file.to_string(), what }
}

fn extract(format: Format, bytes: &[u8], file: &str, options: &ImportOptions) -> Result<Extracted> {
    let budget = &mut Budget::new(&options.limits, file);
    match format {
        Format::Pdf => {
            let mut scratch = tempfile::NamedTempFile::new().map_err(ImportError::io(std::env::temp_dir()))?;
            std::io::Write::write_all(&mut scratch, bytes).map_err(ImportError::io(scratch.path()))?;
            formats::pdf::read(scratch.path(), options.ocr, outline::starts_entry, budget)
        }
        Format::Docx => formats::docx::read(bytes, budget),
        Format::Xlsx => formats::xlsx::read(bytes, budget),
        Format::Html => formats::html::read(bytes, budget),
        Format::Text => formats::text::read(bytes, budget),
    }
}

/// The longest first line taken as the document's title.
const MAX_TITLE_CHARS: usize = 60;

fn structure(
    file: String,
    format: Format,
    mut extracted: Extracted,
    options: &ImportOptions,
) -> Result<ImportedDocument> {
    if extracted.blocks.iter().all(|block| block.text.trim().is_empty() && !matches!(block.kind, BlockKind::Row { .. }))
    {
        return Err(ImportError::NoText { file });
    }
    let stem = file.rsplit_once('.').map_or(file.as_str(), |(stem, _)| stem).to_string();
    let title = match extracted.title.take() {
        Some(title) => title,
        None => take_title_line(&mut extracted.blocks).unwrap_or_else(|| stem.clone()),
    };
    let recognised = outline::recognise(&extracted.blocks, &title);
    let document_year = options
        .year
        .clone()
        .or_else(|| find_fiscal_year(&title))
        .or_else(|| recognised.items.iter().find_map(|item| item.year.clone()))
        .or_else(|| extracted.blocks.iter().take(10).find_map(|block| find_fiscal_year(&block.text)))
        .or_else(|| find_fiscal_year(&stem));
    let Some(document_year) = document_year else {
        return Err(ImportError::NoYear { file });
    };
    options.limits.check(&file, Limit::Items, recognised.items.len() as u64)?;
    if let Some(longest) = recognised.items.iter().map(|item| item.text.chars().count()).max() {
        options.limits.check(&file, Limit::ItemChars, longest as u64)?;
    }
    let prefix = id_prefix(&stem);
    let items = recognised
        .items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            let year = if options.year.is_some() {
                document_year.clone()
            } else {
                item.year.unwrap_or_else(|| document_year.clone())
            };
            PolicyItem {
                id: format!("{prefix}-{:03}", index + 1),
                year: year.written,
                fiscal_year: year.western,
                municipality: options.municipality.clone(),
                department: item.department,
                policy: item.policy,
                path: item.path,
                text: item.text,
                source: Source {
                    file: file.clone(),
                    line: item.at.line,
                    page: item.at.page,
                    title: Some(title.clone()),
                    url: options.url.clone(),
                    ocr: item.at.page.is_some_and(|page| extracted.ocr_pages.contains(&page)),
                },
            }
        })
        .collect();
    Ok(ImportedDocument {
        file,
        format,
        title,
        year: document_year,
        pages: extracted.pages,
        ocr_pages: extracted.ocr_pages,
        outline: recognised.lines,
        structure: recognised.structure,
        id_prefix: prefix,
        items,
    })
}

/// Takes the first block as the title when it reads as one: a top heading,
/// or a short unmarked line that is not a sentence.
fn take_title_line(blocks: &mut Vec<Block>) -> Option<String> {
    let first = blocks.first()?;
    let short = first.text.chars().count() <= MAX_TITLE_CHARS && !first.text.trim_end().ends_with('。');
    let is_title = match first.kind {
        BlockKind::Heading(1) => true,
        BlockKind::Paragraph => short && blocks.len() > 1 && !outline::starts_entry(&first.text),
        _ => false,
    };
    is_title.then(|| blocks.remove(0).text.trim().to_string())
}

/// The ids' prefix: the file's stem when it is a plain name (`A-Z a-z 0-9 - _ .`),
/// else `doc-` and a digest of the name, so ids stay plain and stable.
fn id_prefix(stem: &str) -> String {
    let plain = !stem.is_empty()
        && !stem.starts_with('.')
        && stem.len() <= 100
        && stem.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if plain {
        stem.to_string()
    } else {
        let digest = Sha256::digest(stem.as_bytes());
        format!("doc-{}", digest.iter().take(6).map(|byte| format!("{byte:02x}")).collect::<String>())
    }
}
