//! What every format reader produces: the document's text as a sequence of
//! blocks, each with where it stands in the file.

/// One block of a document's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// What the format says the block is.
    pub kind: BlockKind,
    /// The block's text, wrapped lines joined.
    pub text: String,
    /// Where it starts.
    pub at: Location,
}

/// What a format says a block is. Most formats say little: a PDF or a text
/// file has only paragraphs, and the outline is read from their markers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockKind {
    /// A paragraph or a line.
    Paragraph,
    /// A heading the format marks, with its level (1 outermost).
    Heading(u8),
    /// An entry of a list the format numbers or bullets itself, with its
    /// nesting level (1 outermost); its marker is not in the text.
    ListEntry(u8),
    /// A row of a table: its cells. Rows of one table share `table`.
    Row {
        /// Which table of the document, counted from 0.
        table: usize,
        /// The cells' text.
        cells: Vec<String>,
    },
}

/// Where a block starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Location {
    /// 1-based page of a PDF.
    pub page: Option<u64>,
    /// 1-based line (of the page, for a PDF; the row of a sheet; the block's
    /// number in formats without lines).
    pub line: u64,
}

impl Block {
    /// A paragraph at `at`.
    pub fn paragraph(text: impl Into<String>, at: Location) -> Block {
        Block { kind: BlockKind::Paragraph, text: text.into(), at }
    }
}

/// Folds a character the way NFKC would for markers and page numbers
/// (full-width forms, the ideographic space, minus signs and hyphens), one
/// character for one, so that positions in the folded text are positions in
/// the original.
pub fn fold(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        '\u{2212}' | '\u{2010}' | '\u{2013}' => '-',
        _ => c,
    }
}
