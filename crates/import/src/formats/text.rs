//! Plain text: UTF-8 (with or without a byte-order mark) or Shift_JIS, which
//! many cities' older files still are; one block per non-blank line, page
//! numbers standing alone dropped.

use super::Extracted;
use crate::blocks::{Block, Location};
use crate::error::{ImportError, Result};
use crate::layout::is_page_number;
use crate::limits::Budget;

/// Reads a text file's bytes.
pub(crate) fn read(bytes: &[u8], budget: &mut Budget<'_>) -> Result<Extracted> {
    let text = decode(bytes).ok_or_else(|| ImportError::Malformed {
        file: budget.file.to_string(),
        format: "text",
        message: "neither UTF-8 nor Shift_JIS".into(),
    })?;
    let mut blocks = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() || is_page_number(line) {
            continue;
        }
        budget.take(line)?;
        blocks.push(Block::paragraph(line.trim_end(), Location { page: None, line: index as u64 + 1 }));
    }
    Ok(Extracted { blocks, ..Extracted::default() })
}

fn decode(bytes: &[u8]) -> Option<String> {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Some(text.to_string());
    }
    let (text, _, had_errors) = encoding_rs::SHIFT_JIS.decode(bytes);
    (!had_errors).then(|| text.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::{ImportLimits, Limit};

    #[test]
    fn shift_jis_text_is_read_and_bad_bytes_are_refused() {
        let limits = ImportLimits::default();
        let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode("１　はじめに\n本文です。\n");
        let extracted = read(&bytes, &mut Budget::new(&limits, "x.txt")).unwrap();
        assert_eq!(extracted.blocks[1].text, "本文です。");
        assert!(read(&[0x82, 0x0a, 0x81], &mut Budget::new(&limits, "bad.txt")).is_err());
    }

    #[test]
    fn a_text_of_more_lines_than_the_bound_is_refused_while_it_is_read() {
        let limits = ImportLimits::default();
        let lines = "あ\n".repeat(limits.get(Limit::Blocks) as usize + 1);
        let refused = read(lines.as_bytes(), &mut Budget::new(&limits, "many.txt")).unwrap_err();
        assert!(matches!(refused, ImportError::OverLimit { limit: Limit::Blocks, .. }), "{refused}");
    }
}
