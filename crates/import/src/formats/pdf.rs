//! PDF: the text layer through poppler's `pdftotext -bbox-layout` (it handles
//! Japanese CID fonts best), which gives every word with its box; pages
//! without text go through OCR when asked (`tesseract`, Japanese model), or
//! make the import fail with a pointer to `--ocr`.

use std::path::Path;
use std::process::Command;

use scraper::{ElementRef, Html, Selector};

use super::{run_tool, Extracted};
use crate::error::{ImportError, Result};
use crate::layout::{paragraphs, Line, Page, TextBlock, Word};
use crate::limits::{Budget, Limit};

/// Pages with fewer characters than this in their text layer have none to speak of.
const MIN_PAGE_CHARS: usize = 10;
/// Resolution scanned pages are rendered at for OCR, in dots per inch.
const OCR_DPI: &str = "300";

/// Reads the PDF at `path`; `ocr` reads pages without a text layer by OCR.
pub(crate) fn read(
    path: &Path,
    ocr: bool,
    starts_entry: impl Fn(&str) -> bool,
    budget: &mut Budget<'_>,
) -> Result<Extracted> {
    let file = budget.file;
    let max_pages = budget.limits.get(Limit::PdfPages);
    // One page more than allowed tells a document that has too many.
    let last_page = (max_pages + 1).to_string();
    // A compressed stream can inflate to far more text than the file's size.
    let max_output = budget.limits.get(Limit::PdfLayoutBytes);
    let output = run_tool(
        file,
        "pdftotext",
        "poppler-utils",
        Command::new("pdftotext").args(["-enc", "UTF-8", "-bbox-layout", "-l", &last_page]).arg(path).arg("-"),
        max_output,
    )?;
    budget.check(Limit::PdfLayoutBytes, output.stdout.len() as u64)?;
    if !output.status.success() {
        let message = String::from_utf8_lossy(&output.stderr).trim().to_string();
        if message.to_lowercase().contains("password") || message.contains("ncrypt") {
            return Err(ImportError::Encrypted { file: file.to_string() });
        }
        return Err(ImportError::Malformed { file: file.to_string(), format: "PDF", message });
    }
    let html = Html::parse_document(&String::from_utf8_lossy(&output.stdout));
    let mut pages = pages_of(&html);
    if pages.is_empty() {
        return Err(ImportError::Malformed { file: file.to_string(), format: "PDF", message: "no pages".into() });
    }
    budget.check(Limit::PdfPages, pages.len() as u64)?;
    let textless: Vec<u64> =
        pages.iter().filter(|page| page_chars(page) < MIN_PAGE_CHARS).map(|page| page.number).collect();
    if textless.len() == pages.len() && !ocr {
        return Err(ImportError::ImageOnly { file: file.to_string() });
    }
    let mut ocr_pages = Vec::new();
    if ocr {
        for page in pages.iter_mut().filter(|page| textless.contains(&page.number)) {
            *page = ocr_page(path, file, page.number)?;
            ocr_pages.push(page.number);
        }
    }
    let title = selector("title")
        .and_then(|title| html.select(&title).next().map(|element| element.text().collect::<String>()))
        .map(|title| title.trim().to_string())
        .filter(|title| !title.is_empty());
    let blocks = paragraphs(&pages, starts_entry);
    for block in &blocks {
        budget.take(&block.text)?;
    }
    Ok(Extracted { blocks, title, pages: Some(pages.len() as u64), ocr_pages })
}

fn page_chars(page: &Page) -> usize {
    page.blocks
        .iter()
        .flat_map(|block| &block.lines)
        .flat_map(|line| &line.words)
        .map(|word| word.text.chars().count())
        .sum()
}

fn selector(css: &str) -> Option<Selector> {
    Selector::parse(css).ok()
}

/// The pages of `pdftotext -bbox-layout` output.
fn pages_of(html: &Html) -> Vec<Page> {
    let (Some(page), Some(block), Some(line), Some(word)) =
        (selector("page"), selector("block"), selector("line"), selector("word"))
    else {
        return Vec::new();
    };
    let coordinate = |element: &ElementRef<'_>, name: &str| {
        element.value().attr(name).and_then(|value| value.parse::<f32>().ok()).unwrap_or_default()
    };
    html.select(&page)
        .enumerate()
        .map(|(index, page)| Page {
            number: index as u64 + 1,
            blocks: page
                .select(&block)
                .map(|block| TextBlock {
                    lines: block
                        .select(&line)
                        .map(|line| Line {
                            words: line
                                .select(&word)
                                .map(|word| Word {
                                    x_min: coordinate(&word, "xmin"),
                                    x_max: coordinate(&word, "xmax"),
                                    y_min: coordinate(&word, "ymin"),
                                    y_max: coordinate(&word, "ymax"),
                                    text: word.text().collect(),
                                })
                                .collect(),
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect()
}

/// Renders page `number` and reads it with tesseract's Japanese model, as
/// words with boxes (its TSV output), so the page is laid out like a text layer.
fn ocr_page(path: &Path, file: &str, number: u64) -> Result<Page> {
    let scratch = tempfile::tempdir().map_err(ImportError::io(std::env::temp_dir()))?;
    let image = scratch.path().join("page");
    let page = number.to_string();
    let rendered = run_tool(
        file,
        "pdftoppm",
        "poppler-utils",
        Command::new("pdftoppm")
            .args(["-r", OCR_DPI, "-gray", "-png", "-singlefile", "-f", &page, "-l", &page])
            .arg(path)
            .arg(&image),
        u64::MAX,
    )?;
    if !rendered.status.success() {
        let message = String::from_utf8_lossy(&rendered.stderr).trim().to_string();
        return Err(ImportError::Malformed { file: file.to_string(), format: "PDF", message });
    }
    let read = run_tool(
        file,
        "tesseract",
        "tesseract-ocr-jpn",
        Command::new("tesseract").arg(image.with_extension("png")).args(["stdout", "-l", "jpn", "tsv"]),
        u64::MAX,
    )?;
    if !read.status.success() {
        let message = String::from_utf8_lossy(&read.stderr).trim().to_string();
        return Err(ImportError::Tool {
            file: file.to_string(),
            tool: "tesseract",
            package: "tesseract-ocr-jpn",
            message,
        });
    }
    Ok(page_of_tsv(number, &String::from_utf8_lossy(&read.stdout)))
}

/// A page from tesseract's TSV: one row per word, with its block, paragraph
/// and line numbers and its box in pixels.
fn page_of_tsv(number: u64, tsv: &str) -> Page {
    let mut page = Page { number, blocks: Vec::new() };
    let mut current: Option<((u32, u32), u32)> = None;
    for row in tsv.lines().skip(1) {
        let columns: Vec<&str> = row.split('\t').collect();
        let [level, _, block, paragraph, line, _, left, top, width, height, _, text] = columns[..] else { continue };
        let text = text.trim();
        if level != "5" || text.is_empty() {
            continue;
        }
        let number = |value: &str| value.parse::<u32>().unwrap_or_default();
        let (left, top, width, height) =
            (number(left) as f32, number(top) as f32, number(width) as f32, number(height) as f32);
        let paragraph_key = (number(block), number(paragraph));
        let line_key = number(line);
        match current {
            Some((open_paragraph, _)) if open_paragraph != paragraph_key => page.blocks.push(TextBlock::default()),
            None => page.blocks.push(TextBlock::default()),
            _ => {}
        }
        let block = page.blocks.last_mut().expect("a block was just opened");
        if current != Some((paragraph_key, line_key)) {
            block.lines.push(Line::default());
        }
        current = Some((paragraph_key, line_key));
        let word = Word { x_min: left, x_max: left + width, y_min: top, y_max: top + height, text: text.to_string() };
        let line = block.lines.last_mut().expect("a line was just opened");
        // tesseract splits Japanese into words a text layer does not have, with
        // gaps as wide as a space: Japanese meeting Japanese is one word.
        match line.words.last_mut() {
            Some(last) if is_japanese(last.text.chars().last()) && is_japanese(word.text.chars().next()) => {
                last.text.push_str(&word.text);
                last.x_max = word.x_max;
                last.y_min = last.y_min.min(word.y_min);
                last.y_max = last.y_max.max(word.y_max);
            }
            _ => line.words.push(word),
        }
    }
    page
}

/// Whether a character is Japanese (or other wide) script, not Latin letters, digits or ASCII signs.
fn is_japanese(c: Option<char>) -> bool {
    c.is_some_and(|c| !c.is_ascii())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tesseract_rows_become_blocks_lines_and_words() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
                   1\t1\t0\t0\t0\t0\t0\t0\t100\t100\t-1\t\n\
                   5\t1\t1\t1\t1\t1\t10\t10\t40\t40\t90\t令和\n\
                   5\t1\t1\t1\t1\t2\t52\t10\t40\t40\t90\t4年度\n\
                   5\t1\t1\t1\t2\t1\t10\t60\t40\t40\t90\t方針\n\
                   5\t1\t2\t1\t1\t1\t10\t200\t40\t40\t90\t次\n";
        let page = page_of_tsv(3, tsv);
        assert_eq!(page.blocks.len(), 2);
        assert_eq!(page.blocks[0].lines.len(), 2);
        assert_eq!(page.blocks[0].lines[0].text(), "令和4年度");
        assert_eq!(page.blocks[0].lines[0].words.len(), 2);
    }
}
