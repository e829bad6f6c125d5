//! Plain text: UTF-8 (with or without a byte-order mark) or Shift_JIS, which
//! many cities' older files still are; one block per non-blank line, page
//! numbers standing alone dropped.

use super::Extracted;
use crate::blocks::{Block, Location};
use crate::error::{ImportError, Result};
use crate::layout::is_page_number;

/// Reads a text file's bytes.
pub fn read(bytes: &[u8], file: &str) -> Result<Extracted> {
    let text = decode(bytes).ok_or_else(|| ImportError::Malformed {
        file: file.to_string(),
        format: "text",
        message: "neither UTF-8 nor Shift_JIS".into(),
    })?;
    let blocks = text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty() && !is_page_number(line))
        .map(|(index, line)| Block::paragraph(line.trim_end(), Location { page: None, line: index as u64 + 1 }))
        .collect();
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

    #[test]
    fn shift_jis_text_is_read_and_bad_bytes_are_refused() {
        let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode("１　はじめに\n本文です。\n");
        let extracted = read(&bytes, "x.txt").unwrap();
        assert_eq!(extracted.blocks[1].text, "本文です。");
        assert!(read(&[0x82, 0x0a, 0x81], "bad.txt").is_err());
    }
}
