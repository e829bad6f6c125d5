//! The bounds on what one document may make, enforced while it is read, never
//! taken from what its headers claim: a document over one is refused whole
//! with an error naming the bound ([`ImportError::OverLimit`]), before
//! anything of it is sent or journaled.
//!
//! Together they cap the memory one import can take: the inflated zip parts
//! a Word or Excel reader holds, the text every reader keeps, the blocks
//! and items the outline is made of. Each has a name for
//! `--import-limit NAME=VALUE` and an error code of its own.

use std::fmt;
use std::io::{Cursor, Read, Write};

use hoshin_analysis::bounds;

use crate::error::{ImportError, Result};

/// One of the bounds of [`ImportLimits`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Bytes of a document file read from disk.
    FileBytes,
    /// Entries of a zip container (Word, Excel).
    ZipEntries,
    /// Inflated bytes of one zip part.
    ZipPartBytes,
    /// Inflated bytes of all zip parts together.
    ZipTotalBytes,
    /// Bytes of a PDF's laid-out text as `pdftotext` writes it.
    PdfLayoutBytes,
    /// Pages of a PDF.
    PdfPages,
    /// Element nesting of an HTML page.
    HtmlDepth,
    /// Rows of one sheet.
    SheetRows,
    /// Cells of one sheet, empty ones inside its used range included.
    SheetCells,
    /// Characters of text in the whole document.
    TextChars,
    /// Paragraphs, headings, list entries and rows of the whole document.
    Blocks,
    /// Items the document makes.
    Items,
    /// Characters of one item's text (the index's own bound, not configurable).
    ItemChars,
}

impl Limit {
    /// Every bound, in the order they are documented.
    pub const ALL: [Limit; 13] = [
        Limit::FileBytes,
        Limit::ZipEntries,
        Limit::ZipPartBytes,
        Limit::ZipTotalBytes,
        Limit::PdfLayoutBytes,
        Limit::PdfPages,
        Limit::HtmlDepth,
        Limit::SheetRows,
        Limit::SheetCells,
        Limit::TextChars,
        Limit::Blocks,
        Limit::Items,
        Limit::ItemChars,
    ];

    /// Its name in `--import-limit NAME=VALUE`.
    pub fn name(self) -> &'static str {
        match self {
            Limit::FileBytes => "file-bytes",
            Limit::ZipEntries => "zip-entries",
            Limit::ZipPartBytes => "zip-part-bytes",
            Limit::ZipTotalBytes => "zip-total-bytes",
            Limit::PdfLayoutBytes => "pdf-layout-bytes",
            Limit::PdfPages => "pdf-pages",
            Limit::HtmlDepth => "html-depth",
            Limit::SheetRows => "sheet-rows",
            Limit::SheetCells => "sheet-cells",
            Limit::TextChars => "text-chars",
            Limit::Blocks => "blocks",
            Limit::Items => "items",
            Limit::ItemChars => "item-chars",
        }
    }

    /// The stable error code of a document over it.
    pub fn code(self) -> &'static str {
        match self {
            Limit::FileBytes => "file_too_large",
            Limit::ZipEntries => "too_many_zip_entries",
            Limit::ZipPartBytes => "zip_part_too_large",
            Limit::ZipTotalBytes => "zip_too_large",
            Limit::PdfLayoutBytes => "pdf_text_too_large",
            Limit::PdfPages => "too_many_pages",
            Limit::HtmlDepth => "nesting_too_deep",
            Limit::SheetRows => "too_many_rows",
            Limit::SheetCells => "too_many_cells",
            Limit::TextChars => "too_much_text",
            Limit::Blocks => "too_many_blocks",
            Limit::Items => "too_many_items",
            Limit::ItemChars => "item_too_long",
        }
    }

    /// What it bounds, for messages and `--help`.
    pub fn meaning(self) -> &'static str {
        match self {
            Limit::FileBytes => "bytes of a document file (the server's body limit comes first)",
            Limit::ZipEntries => "entries in a Word or Excel file",
            Limit::ZipPartBytes => "inflated bytes of one part of a Word or Excel file",
            Limit::ZipTotalBytes => "inflated bytes of all parts of a Word or Excel file",
            Limit::PdfLayoutBytes => "bytes of a PDF's text layer as pdftotext lays it out",
            Limit::PdfPages => "pages of a PDF",
            Limit::HtmlDepth => "nested elements of an HTML page",
            Limit::SheetRows => "rows of one Excel sheet",
            Limit::SheetCells => "cells of one Excel sheet's used range",
            Limit::TextChars => "characters of text in one document",
            Limit::Blocks => "paragraphs, headings and rows of one document",
            Limit::Items => "items one document makes (one import is one batch)",
            Limit::ItemChars => "characters of one item's text",
        }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.name())
    }
}

/// The bounds one import keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportLimits {
    values: [u64; Limit::ALL.len()],
}

impl Default for ImportLimits {
    fn default() -> Self {
        const MIB: u64 = 1024 * 1024;
        let mut limits = ImportLimits { values: [0; Limit::ALL.len()] };
        for limit in Limit::ALL {
            let value = match limit {
                Limit::FileBytes => 64 * MIB,
                Limit::ZipEntries => 10_000,
                Limit::ZipPartBytes => 32 * MIB,
                Limit::ZipTotalBytes => 96 * MIB,
                Limit::PdfLayoutBytes => 128 * MIB,
                Limit::PdfPages => 2_000,
                Limit::HtmlDepth => 256,
                Limit::SheetRows => 100_000,
                Limit::SheetCells => 2_000_000,
                Limit::TextChars => 4_000_000,
                Limit::Blocks => 100_000,
                Limit::Items => bounds::MAX_BATCH as u64,
                Limit::ItemChars => bounds::MAX_TEXT_CHARS as u64,
            };
            limits.values[limit as usize] = value;
        }
        limits
    }
}

impl ImportLimits {
    /// The bound's value.
    pub fn get(&self, limit: Limit) -> u64 {
        self.values[limit as usize]
    }

    /// Sets one bound from `NAME=VALUE`, as `--import-limit` gives it.
    pub fn set(&mut self, setting: &str) -> std::result::Result<(), String> {
        let names =
            || Limit::ALL[..Limit::ALL.len() - 1].iter().map(|limit| limit.name()).collect::<Vec<_>>().join(", ");
        let (name, value) = setting
            .split_once('=')
            .ok_or_else(|| format!("`{setting}`: expected NAME=VALUE, NAME one of {}", names()))?;
        let limit = Limit::ALL
            .into_iter()
            .find(|limit| limit.name() == name.trim() && *limit != Limit::ItemChars)
            .ok_or_else(|| format!("`{name}` is not an import limit; one of {}", names()))?;
        let value: u64 = value
            .trim()
            .replace('_', "")
            .parse()
            .ok()
            .filter(|&value| value > 0)
            .ok_or_else(|| format!("`{setting}`: the value must be a whole number above 0"))?;
        if limit == Limit::Items && value > bounds::MAX_BATCH as u64 {
            return Err(format!("`{setting}`: an import is one batch, of at most {} items", bounds::MAX_BATCH));
        }
        self.values[limit as usize] = value;
        Ok(())
    }

    /// An error unless `found` is within `limit`.
    pub(crate) fn check(&self, file: &str, limit: Limit, found: u64) -> Result<()> {
        let max = self.get(limit);
        if found > max {
            return Err(ImportError::OverLimit { file: file.to_string(), limit, max });
        }
        Ok(())
    }
}

/// Counts what a reader has taken so far against the document-wide bounds.
pub(crate) struct Budget<'a> {
    pub(crate) limits: &'a ImportLimits,
    pub(crate) file: &'a str,
    chars: u64,
    blocks: u64,
}

impl<'a> Budget<'a> {
    pub(crate) fn new(limits: &'a ImportLimits, file: &'a str) -> Self {
        Budget { limits, file, chars: 0, blocks: 0 }
    }

    /// Takes one block of `text`, refusing when the document goes over the bounds.
    pub(crate) fn take(&mut self, text: &str) -> Result<()> {
        self.take_block()?;
        self.take_text(text)
    }

    /// Takes one block whose text is taken piece by piece.
    pub(crate) fn take_block(&mut self) -> Result<()> {
        self.blocks += 1;
        self.limits.check(self.file, Limit::Blocks, self.blocks)
    }

    /// Takes a piece of text.
    pub(crate) fn take_text(&mut self, text: &str) -> Result<()> {
        self.chars += text.chars().count() as u64;
        self.limits.check(self.file, Limit::TextChars, self.chars)
    }

    /// An error unless `found` is within `limit`.
    pub(crate) fn check(&self, limit: Limit, found: u64) -> Result<()> {
        self.limits.check(self.file, limit, found)
    }

    /// Inflates every part of a zip container within the bounds, counting the
    /// bytes that really come out rather than the sizes its headers state, and
    /// returns a new container of exactly those parts, stored, their sizes
    /// true. The Word and Excel readers are only ever given that one: they
    /// use zip readers of their own, which may take another directory of a
    /// crafted file than this one did, or allocate what a header claims.
    pub(crate) fn inflate_zip(&self, bytes: &[u8], format: &'static str) -> Result<Vec<u8>> {
        let malformed = |message: String| ImportError::Malformed { file: self.file.to_string(), format, message };
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|error| malformed(error.to_string()))?;
        self.check(Limit::ZipEntries, archive.len() as u64)?;
        let (part_max, mut total) = (self.limits.get(Limit::ZipPartBytes), 0u64);
        let mut repacked = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .large_file(true);
        let mut part = Vec::new();
        for index in 0..archive.len() {
            let entry = archive.by_index(index).map_err(|error| malformed(error.to_string()))?;
            let name = entry.name().map_err(|error| malformed(error.to_string()))?.into_owned();
            let is_dir = entry.is_dir();
            part.clear();
            // Reading to the end also checks the part's CRC.
            entry.take(part_max + 1).read_to_end(&mut part).map_err(|error| malformed(format!("{name}: {error}")))?;
            self.check(Limit::ZipPartBytes, part.len() as u64)?;
            total += part.len() as u64;
            self.check(Limit::ZipTotalBytes, total)?;
            let written = if is_dir {
                repacked.add_directory(name.as_str(), stored)
            } else {
                repacked.start_file(name.as_str(), stored).and_then(|()| Ok(repacked.write_all(&part)?))
            };
            written.map_err(|error| malformed(format!("{name}: {error}")))?;
        }
        let repacked = repacked.finish().map_err(|error| malformed(error.to_string()))?;
        Ok(repacked.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_is_set_by_name_and_nonsense_is_refused() {
        let mut limits = ImportLimits::default();
        limits.set("html-depth=64").unwrap();
        assert_eq!(limits.get(Limit::HtmlDepth), 64);
        assert!(limits.set("html-depth").unwrap_err().contains("NAME=VALUE"));
        assert!(limits.set("depth=3").unwrap_err().contains("not an import limit"));
        assert!(limits.set("items=0").is_err());
        assert!(limits.set("items=1001").unwrap_err().contains("one batch"));
        assert!(limits.set("item-chars=5").is_err(), "the index's own bound is not an import setting");
    }

    #[test]
    fn every_limit_has_its_own_name_and_code() {
        let mut names: Vec<_> = Limit::ALL.iter().map(|limit| limit.name()).collect();
        let mut codes: Vec<_> = Limit::ALL.iter().map(|limit| limit.code()).collect();
        names.sort();
        names.dedup();
        codes.sort();
        codes.dedup();
        assert_eq!((names.len(), codes.len()), (Limit::ALL.len(), Limit::ALL.len()));
    }
}
