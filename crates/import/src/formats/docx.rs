//! Word (.docx) through `docx-rs`: paragraphs in order, headings by their
//! style's outline level, numbered and bulleted paragraphs as list entries
//! by their level (Word keeps their numbers out of the text), tables row by
//! row. A paragraph's number in the document stands for its line. The
//! container is inflated within the import's bounds before docx-rs reads it.

use docx_rs::{DocumentChild, Docx, Paragraph, Table, TableCellContent, TableChild, TableRowChild};

use super::{without_panics, Extracted};
use crate::blocks::{Block, BlockKind, Location};
use crate::error::{ImportError, Result};
use crate::limits::Budget;

const FORMAT: &str = "Word (.docx)";

/// Reads a .docx file's bytes.
pub(crate) fn read(bytes: &[u8], budget: &mut Budget<'_>) -> Result<Extracted> {
    let bytes = budget.inflate_zip(bytes, FORMAT)?;
    let docx = without_panics(budget.file, FORMAT, || docx_rs::read_docx(&bytes))?.map_err(|error| {
        ImportError::Malformed { file: budget.file.to_string(), format: FORMAT, message: error.to_string() }
    })?;
    let mut reader = Reader { docx: &docx, budget, blocks: Vec::new(), paragraphs: 0, tables: 0 };
    for child in &docx.document.children {
        match child {
            DocumentChild::Paragraph(paragraph) => reader.paragraph(paragraph)?,
            DocumentChild::Table(table) => reader.table(table)?,
            _ => {}
        }
    }
    // docx-rs keeps the core properties' title private; the first heading or line stands in.
    Ok(Extracted { blocks: reader.blocks, ..Extracted::default() })
}

struct Reader<'a, 'b, 'l> {
    docx: &'a Docx,
    budget: &'b mut Budget<'l>,
    blocks: Vec<Block>,
    paragraphs: u64,
    tables: usize,
}

impl Reader<'_, '_, '_> {
    fn at(&mut self) -> Location {
        self.paragraphs += 1;
        Location { page: None, line: self.paragraphs }
    }

    fn paragraph(&mut self, paragraph: &Paragraph) -> Result<()> {
        let text = paragraph.raw_text();
        let at = self.at();
        if text.trim().is_empty() {
            return Ok(());
        }
        self.budget.take(&text)?;
        let kind = match (self.heading_level(paragraph), &paragraph.property.numbering_property) {
            (Some(level), _) => BlockKind::Heading(level),
            (None, Some(numbering)) if numbering.id.is_some() => {
                BlockKind::ListEntry(numbering.level.as_ref().map_or(1, |level| list_level(level.val)))
            }
            _ => BlockKind::Paragraph,
        };
        self.blocks.push(Block { kind, text: text.trim().to_string(), at });
        Ok(())
    }

    /// A heading's level, 1 outermost: the outline level the paragraph or its style sets.
    fn heading_level(&self, paragraph: &Paragraph) -> Option<u8> {
        let own = paragraph.property.outline_lvl.as_ref().map(|level| level.v);
        let styled = || {
            let id = &paragraph.property.style.as_ref()?.val;
            let style = self.docx.styles.styles.iter().find(|style| &style.style_id == id)?;
            style.paragraph_property.outline_lvl.as_ref().map(|level| level.v)
        };
        // Level 9 is Word's "body text".
        own.or_else(styled).filter(|&level| level < 9).map(|level| level as u8 + 1)
    }

    fn table(&mut self, table: &Table) -> Result<()> {
        let index = self.tables;
        self.tables += 1;
        for TableChild::TableRow(row) in &table.rows {
            let at = self.at();
            let cells: Vec<String> = row
                .cells
                .iter()
                .map(|TableRowChild::TableCell(cell)| {
                    cell.children
                        .iter()
                        .filter_map(|content| match content {
                            TableCellContent::Paragraph(paragraph) => Some(paragraph.raw_text()),
                            _ => None,
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                })
                .collect();
            if cells.iter().any(|cell| !cell.trim().is_empty()) {
                self.budget.take(&cells.concat())?;
                self.blocks.push(Block { kind: BlockKind::Row { table: index, cells }, text: String::new(), at });
            }
        }
        Ok(())
    }
}

/// A list entry's level, 1 outermost, from Word's 0-based `ilvl` (which a
/// file may set to anything).
fn list_level(ilvl: usize) -> u8 {
    u8::try_from(ilvl).unwrap_or(u8::MAX).saturating_add(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::ImportLimits;

    fn read_testdata(name: &str) -> Result<Extracted> {
        let bytes =
            std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata").join(name)).unwrap();
        let limits = ImportLimits::default();
        read(&bytes, &mut Budget::new(&limits, name))
    }

    /// Files the fuzzer and its probes made: each took the reader down or past the bounds.
    #[test]
    fn files_that_crashed_the_word_reader_are_refused_or_read() {
        let crafted = read_testdata("two-zip-directories.docx").unwrap_err();
        assert!(matches!(crafted, ImportError::Malformed { .. }), "{crafted}");
        // docx-rs would have read the other directory's gigabyte; it is only given what was measured.
        let bomb = read_testdata("two-zip-directories-1gib.docx").unwrap_err();
        assert!(matches!(bomb, ImportError::Malformed { .. }), "{bomb}");
        // Its header claims 4 GiB; the part given to docx-rs says its true size.
        read_testdata("declared-4gib.docx").unwrap();
        let deep = read_testdata("list-level-255.docx").unwrap();
        assert!(deep.blocks.iter().any(|block| block.kind == BlockKind::ListEntry(u8::MAX)), "{:?}", deep.blocks);
    }
}
