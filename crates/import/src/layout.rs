//! From words placed on pages (a PDF's text layer, or OCR) to paragraphs.
//!
//! A page's text comes as blocks of lines of words with their boxes. Words
//! are joined with a space only where the gap between them is a space's width:
//! a PDF often sets Latin letters and digits in another font than the kanji
//! around them, and a text extractor then reports 令和 4 年度 as three words
//! with narrow gaps. A line that reaches the right edge of the text continues
//! in the next line of its block (or on the next page) unless that line starts
//! a new entry with a marker; the join takes no space between Japanese
//! characters, so a wrapped 障が|い is one word again. Running headers and
//! footers (the same text at the top or bottom of most pages, numbers aside)
//! and page numbers are dropped.

use std::collections::HashMap;

use crate::blocks::{fold, Block, Location};

/// A word and its box, in points from the page's top left.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    /// Left edge.
    pub x_min: f32,
    /// Right edge.
    pub x_max: f32,
    /// Top edge.
    pub y_min: f32,
    /// Bottom edge.
    pub y_max: f32,
    /// The word.
    pub text: String,
}

/// One line of words.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Line {
    /// Its words, left to right.
    pub words: Vec<Word>,
}

/// Lines the extractor grouped together (close lines of one column).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TextBlock {
    /// Its lines, top to bottom.
    pub lines: Vec<Line>,
}

/// One page's text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    /// 1-based page number.
    pub number: u64,
    /// Its blocks, in reading order.
    pub blocks: Vec<TextBlock>,
}

/// A gap wider than this share of the line's height is a space (a space is
/// about half an em; a change of font leaves a sixth or less).
const SPACE_GAP: f32 = 0.35;
/// A line ending within this many line heights of the text's right edge is full.
const FULL_LINE_SLACK: f32 = 1.5;
/// How many lines at the top and at the bottom of a page may be a running header or footer.
const FURNITURE_LINES: usize = 2;

impl Line {
    fn height(&self) -> f32 {
        self.words.iter().map(|word| word.y_max - word.y_min).fold(0.0, f32::max)
    }

    fn right(&self) -> f32 {
        self.words.iter().map(|word| word.x_max).fold(0.0, f32::max)
    }

    /// The line's text: words joined by a space where the gap is a space's width.
    pub fn text(&self) -> String {
        let height = self.height();
        let mut text = String::new();
        for (index, word) in self.words.iter().enumerate() {
            if index > 0 && word.x_min - self.words[index - 1].x_max > SPACE_GAP * height {
                text.push(' ');
            }
            text.push_str(&word.text);
        }
        text
    }
}

/// The paragraphs of `pages`, page furniture dropped; `starts_entry` tells
/// a line that opens a new entry (it is never joined to the line before).
pub fn paragraphs(pages: &[Page], starts_entry: impl Fn(&str) -> bool) -> Vec<Block> {
    let furniture = running_furniture(pages);
    let mut blocks: Vec<Block> = Vec::new();
    // Whether the last paragraph's last line was full, so the next line may continue it.
    let mut open = false;
    for page in pages {
        let right = page.blocks.iter().flat_map(|block| &block.lines).map(Line::right).fold(0.0, f32::max);
        let count = page.blocks.iter().map(|block| block.lines.len()).sum::<usize>();
        let mut line_number = 0;
        for (block_index, block) in page.blocks.iter().enumerate() {
            for line in &block.lines {
                line_number += 1;
                let text = line.text();
                let text = text.trim();
                let at_edge = line_number <= FURNITURE_LINES || line_number + FURNITURE_LINES > count;
                if text.is_empty() || (at_edge && (is_page_number(text) || furniture.contains(&shape(text)))) {
                    continue;
                }
                match blocks.last_mut() {
                    Some(last) if open && !starts_entry(text) => join_wrapped(&mut last.text, text),
                    _ => blocks
                        .push(Block::paragraph(text, Location { page: Some(page.number), line: line_number as u64 })),
                }
                open = line.right() >= right - FULL_LINE_SLACK * line.height();
            }
            // A block ends its paragraph within the page; across a page break a full line goes on.
            open = open && block_index + 1 == page.blocks.len();
        }
    }
    blocks
}

/// Appends a wrapped line's continuation: a space only between two Latin
/// letters or digits, as a wrapped English phrase needs.
fn join_wrapped(paragraph: &mut String, continuation: &str) {
    let before = paragraph.chars().last().is_some_and(|c| c.is_ascii_alphanumeric());
    let after = continuation.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if before && after {
        paragraph.push(' ');
    }
    paragraph.push_str(continuation);
}

/// A line's text with its digits made one, so that "- 3 -" and "- 4 -", or a
/// header carrying the page number, compare equal.
fn shape(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).map(|c| if c.is_numeric() { '#' } else { c }).collect()
}

/// Texts standing at the top or bottom of at least half of the pages (and of
/// more than one): running headers and footers.
fn running_furniture(pages: &[Page]) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for page in pages {
        let lines: Vec<&Line> = page.blocks.iter().flat_map(|block| &block.lines).collect();
        let mut edges: Vec<String> = Vec::new();
        for line in lines.iter().take(FURNITURE_LINES).chain(lines.iter().rev().take(FURNITURE_LINES)) {
            let shape = shape(&line.text());
            if !shape.is_empty() && !edges.contains(&shape) {
                edges.push(shape);
            }
        }
        for shape in edges {
            *seen.entry(shape).or_default() += 1;
        }
    }
    seen.into_iter().filter(|(_, count)| *count > 1 && *count * 2 >= pages.len()).map(|(shape, _)| shape).collect()
}

/// A page number standing alone: 3, - 3 -, －３－, 3/10, P.3, 3ページ.
pub fn is_page_number(text: &str) -> bool {
    let folded: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(fold)
        // Dashes around a page number (―3―) are no marker elsewhere, so only here.
        .map(|c| if matches!(c, '\u{2014}' | '\u{2015}') { '-' } else { c })
        .collect();
    let core = folded.trim_matches(|c| matches!(c, '-' | '(' | ')' | '[' | ']'));
    let core = core.strip_prefix("P.").or_else(|| core.strip_prefix("p.")).unwrap_or(core);
    let core = core.strip_suffix("ページ").or_else(|| core.strip_suffix('頁')).unwrap_or(core);
    let mut parts = core.splitn(2, '/');
    let number = |part: Option<&str>| {
        part.is_some_and(|part| !part.is_empty() && part.len() <= 4 && part.chars().all(|c| c.is_ascii_digit()))
    };
    let first = parts.next();
    number(first) && parts.next().is_none_or(|total| number(Some(total)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(x_min: f32, x_max: f32, y: f32, text: &str) -> Word {
        Word { x_min, x_max, y_min: y, y_max: y + 12.0, text: text.into() }
    }

    fn line(words: Vec<Word>) -> Line {
        Line { words }
    }

    #[test]
    fn narrow_gaps_between_fonts_are_no_spaces_and_wide_ones_are() {
        let header =
            line(vec![word(0.0, 20.0, 0.0, "令和"), word(22.0, 28.0, 0.0, "4"), word(30.0, 100.0, 0.0, "年度")]);
        assert_eq!(header.text(), "令和4年度");
        let phrase = line(vec![word(0.0, 30.0, 0.0, "Komae"), word(36.0, 90.0, 0.0, "Designer's")]);
        assert_eq!(phrase.text(), "Komae Designer's");
    }

    #[test]
    fn wrapped_lines_join_furniture_goes_and_markers_start_entries() {
        let page = |number: u64, lines: Vec<Line>| Page { number, blocks: vec![TextBlock { lines }] };
        let pages = vec![
            page(
                1,
                vec![
                    line(vec![word(0.0, 100.0, 0.0, "令和4年度 部の方針")]),
                    line(vec![word(0.0, 500.0, 20.0, "- ▽ 障が")]),
                    line(vec![word(0.0, 200.0, 40.0, "い者の支援を行います。")]),
                    line(vec![word(0.0, 500.0, 60.0, "- ▽ 次の項目は次のページに続きます")]),
                    line(vec![word(250.0, 260.0, 80.0, "- 1 -")]),
                ],
            ),
            page(
                2,
                vec![
                    line(vec![word(0.0, 100.0, 0.0, "令和4年度 部の方針")]),
                    line(vec![word(0.0, 200.0, 20.0, "が、ここで終わります。")]),
                    line(vec![word(0.0, 500.0, 40.0, "- ▽ 満行の項目です。")]),
                    line(vec![word(0.0, 300.0, 60.0, "- ▽ 次の項目です。")]),
                    line(vec![word(250.0, 260.0, 80.0, "- 2 -")]),
                ],
            ),
        ];
        let texts: Vec<String> =
            paragraphs(&pages, |text| text.starts_with("- ▽")).into_iter().map(|block| block.text).collect();
        assert_eq!(
            texts,
            [
                "- ▽ 障がい者の支援を行います。",
                "- ▽ 次の項目は次のページに続きますが、ここで終わります。",
                "- ▽ 満行の項目です。",
                "- ▽ 次の項目です。",
            ]
        );
    }

    #[test]
    fn page_numbers_are_recognised_in_their_usual_forms() {
        for number in ["3", "- 3 -", "－３－", "3/10", "P.3", "3ページ", "(3)"] {
            assert!(is_page_number(number), "{number}");
        }
        for text in ["3月", "第3章", "2024年度", "12345"] {
            assert!(!is_page_number(text), "{text}");
        }
    }
}
