//! Excel (.xlsx) as tables: every sheet one table, its rows in order, the row
//! number as the line. A workbook of several sheets heads each sheet's rows
//! with the sheet's name.
//!
//! The container is inflated within the import's bounds first; a sheet is
//! then read cell by cell, so a sheet of more rows or cells than the bounds
//! allow is refused as it is read, never held whole.

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use super::{without_panics, Extracted};
use crate::blocks::{Block, BlockKind, Location};
use crate::error::{ImportError, Result};
use crate::limits::{Budget, Limit};

const FORMAT: &str = "Excel";

/// Reads a workbook's bytes.
pub(crate) fn read(bytes: &[u8], budget: &mut Budget<'_>) -> Result<Extracted> {
    let bytes = budget.inflate_zip(bytes, FORMAT)?;
    let file = budget.file.to_string();
    let malformed = |message: String| ImportError::Malformed { file: file.clone(), format: FORMAT, message };
    let opened = without_panics(&file, FORMAT, || Xlsx::new(Cursor::new(bytes.as_slice())))?;
    let mut workbook: Xlsx<_> = opened.map_err(|error| malformed(error.to_string()))?;
    let names = workbook.sheet_names();
    let mut blocks = Vec::new();
    for (table, name) in names.iter().enumerate() {
        let rows = sheet_rows(&mut workbook, name, budget).map_err(|error| match error {
            SheetError::Calamine(message) => malformed(message),
            SheetError::Import(error) => error,
        })?;
        if names.len() > 1 && !rows.is_empty() {
            budget.take(name)?;
            blocks.push(Block {
                kind: BlockKind::Heading(1),
                text: name.clone(),
                at: Location { page: None, line: 0 },
            });
        }
        for (line, cells) in rows {
            let at = Location { page: None, line };
            blocks.push(Block { kind: BlockKind::Row { table, cells }, text: String::new(), at });
        }
    }
    Ok(Extracted { blocks, title: None, pages: None, ocr_pages: Vec::new() })
}

enum SheetError {
    Calamine(String),
    Import(ImportError),
}

impl From<ImportError> for SheetError {
    fn from(error: ImportError) -> Self {
        SheetError::Import(error)
    }
}

/// The non-blank rows of a sheet, each with its 1-based row number and its
/// cells from the sheet's first used column to its last.
fn sheet_rows(
    workbook: &mut Xlsx<Cursor<&[u8]>>,
    name: &str,
    budget: &mut Budget<'_>,
) -> std::result::Result<Vec<(u64, Vec<String>)>, SheetError> {
    let calamine = |error: calamine::XlsxError| SheetError::Calamine(error.to_string());
    let mut cells = match workbook.worksheet_cells_reader(name) {
        Ok(cells) => cells,
        // A chart sheet: no cells to read.
        Err(calamine::XlsxError::NotAWorksheet(_)) => return Ok(Vec::new()),
        Err(error) => return Err(calamine(error)),
    };
    // Sparse while reading: a cell far to the right costs nothing until the
    // rows are laid out, and then no more than the cell bound allows.
    let mut rows: BTreeMap<u32, Vec<(u32, String)>> = BTreeMap::new();
    let (mut first_column, mut last_column) = (u32::MAX, 0u32);
    while let Some(cell) = cells.next_cell().map_err(calamine)? {
        let text = cell_text(&Data::from(cell.get_value().clone()));
        if text.trim().is_empty() {
            continue;
        }
        let (row, column) = cell.get_position();
        budget.take_text(&text)?;
        first_column = first_column.min(column);
        last_column = last_column.max(column);
        rows.entry(row).or_default().push((column, text));
        budget.check(Limit::SheetRows, rows.len() as u64)?;
    }
    let width = u64::from(last_column.saturating_sub(first_column)) + 1;
    budget.check(Limit::SheetCells, rows.len() as u64 * width)?;
    let mut laid_out = Vec::with_capacity(rows.len());
    for (row, sparse) in rows {
        budget.take_block()?;
        let mut dense = vec![String::new(); width as usize];
        for (column, text) in sparse {
            dense[(column - first_column) as usize] = text;
        }
        laid_out.push((u64::from(row) + 1, dense));
    }
    Ok(laid_out)
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty | Data::Error(_) => String::new(),
        other => other.to_string(),
    }
}
