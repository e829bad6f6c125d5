//! Excel (.xlsx, and the other workbooks `calamine` reads) as tables: every
//! sheet one table, its rows in order, the row number as the line. A workbook
//! of several sheets heads each sheet's rows with the sheet's name.

use std::io::Cursor;

use calamine::{open_workbook_auto_from_rs, Data, Reader};

use super::Extracted;
use crate::blocks::{Block, BlockKind, Location};
use crate::error::{ImportError, Result};

/// Reads a workbook's bytes.
pub fn read(bytes: &[u8], file: &str) -> Result<Extracted> {
    let malformed = |message: String| ImportError::Malformed { file: file.to_string(), format: "Excel", message };
    let mut workbook = open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|error| malformed(error.to_string()))?;
    let names = workbook.sheet_names();
    let mut blocks = Vec::new();
    for (table, name) in names.iter().enumerate() {
        let range = workbook.worksheet_range(name).map_err(|error| malformed(error.to_string()))?;
        let first_row = range.start().map_or(0, |(row, _)| row as u64);
        if names.len() > 1 && !range.is_empty() {
            blocks.push(Block {
                kind: BlockKind::Heading(1),
                text: name.clone(),
                at: Location { page: None, line: 0 },
            });
        }
        for (offset, row) in range.rows().enumerate() {
            let cells: Vec<String> = row.iter().map(cell_text).collect();
            if cells.iter().all(|cell| cell.trim().is_empty()) {
                continue;
            }
            let at = Location { page: None, line: first_row + offset as u64 + 1 };
            blocks.push(Block { kind: BlockKind::Row { table, cells }, text: String::new(), at });
        }
    }
    Ok(Extracted { blocks, title: None, pages: None, ocr_pages: Vec::new() })
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty | Data::Error(_) => String::new(),
        other => other.to_string(),
    }
}
