//! Any words placed anywhere on any pages (boxes inside out, coordinates NaN or
//! infinite, page numbers repeated) join into paragraphs without panicking; every
//! paragraph has text and stands on one of the pages given. pdftotext is not run:
//! the pages are built from the fuzz bytes.
#![no_main]

use hoshin_import::layout::{paragraphs, Line, Page, TextBlock, Word};
use hoshin_import::outline::starts_entry;
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;

/// Words that make a line an entry's start, a page number, a running header or
/// one half of a wrapped Japanese word.
const WORDS: &[&str] = &[
    "- ▽",
    "○",
    "・",
    "(1)",
    "１",
    "第1章",
    "- 3 -",
    "－３－",
    "3/10",
    "P.3",
    "3ページ",
    "令和4年度",
    "部の方針",
    "障が",
    "い者の支援を行います。",
    "Komae",
    "Designer's",
    "。",
    " ",
    "\u{3000}",
    "",
];

fn coordinate(u: &mut Unstructured<'_>) -> Result<f32> {
    // Mostly points on a page; now and then any float at all.
    Ok(if u.ratio(1, 8)? { u.arbitrary()? } else { f32::from(u.int_in_range(0u16..=1000)?) })
}

fn word(u: &mut Unstructured<'_>) -> Result<Word> {
    let text = if u.ratio(2, 3)? { u.choose(WORDS)?.to_string() } else { u.arbitrary()? };
    Ok(Word { x_min: coordinate(u)?, x_max: coordinate(u)?, y_min: coordinate(u)?, y_max: coordinate(u)?, text })
}

fn pages(u: &mut Unstructured<'_>) -> Result<Vec<Page>> {
    let mut pages = Vec::new();
    for index in 0..u.int_in_range(0u8..=12)? {
        let number = if u.ratio(1, 8)? { u.arbitrary()? } else { u64::from(index) + 1 };
        let mut blocks = Vec::new();
        for _ in 0..u.int_in_range(0u8..=4)? {
            let mut lines = Vec::new();
            for _ in 0..u.int_in_range(0u8..=8)? {
                let words = (0..u.int_in_range(0u8..=6)?).map(|_| word(u)).collect::<Result<_>>()?;
                lines.push(Line { words });
            }
            blocks.push(TextBlock { lines });
        }
        pages.push(Page { number, blocks });
    }
    Ok(pages)
}

fuzz_target!(|data: &[u8]| {
    let Ok(pages) = pages(&mut Unstructured::new(data)) else { return };
    for block in paragraphs(&pages, starts_entry) {
        assert!(!block.text.is_empty());
        assert!(block.at.page.is_some_and(|page| pages.iter().any(|given| given.number == page)));
    }
});
