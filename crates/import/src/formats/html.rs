//! CMS pages (.html): the main content only — the first of `main`,
//! `[role=main]`, `article` or a content container of the usual ids, else the
//! body — without navigation, headers, footers, side menus and breadcrumbs.
//! Headings `h1`–`h6` keep their level, list items their nesting, table rows
//! their cells; a `br` ends a line as a paragraph does. The block's number
//! stands for its line.
//!
//! The reader walks the page recursively, so a page nested deeper than
//! [`Limit::HtmlDepth`] is refused first, measured without recursion. The
//! parser's own work grows with the square of the nesting, so a page whose
//! tags alone nest far deeper than that is refused before it is parsed.

use ego_tree::iter::Edge;
use scraper::{ElementRef, Html, Node, Selector};

use super::Extracted;
use crate::blocks::{Block, BlockKind, Location};
use crate::error::Result;
use crate::limits::{Budget, Limit};

/// Where the main content is, in the order tried.
const MAIN_CONTENT: &[&str] =
    &["main", "[role=main]", "article", "#tmp_contents", "#main", "#contents", "#content", ".main", "body"];
/// Elements that are never content.
const NEVER_CONTENT: &[&str] = &[
    "nav", "header", "footer", "aside", "script", "style", "noscript", "form", "template", "iframe", "button", "select",
];
/// Class and id words of page furniture in city CMS templates.
const FURNITURE_NAMES: &[&str] =
    &["breadcrumb", "topicpath", "pankuzu", "sidebar", "gnav", "localnav", "footer", "header", "pagetop", "skip"];
/// Elements that start a block of their own.
const BLOCK_ELEMENTS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "main",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "table",
    "tr",
    "blockquote",
    "pre",
    "figure",
    "figcaption",
    "address",
    "hr",
];

/// Reads an HTML page's bytes.
pub(crate) fn read(bytes: &[u8], budget: &mut Budget<'_>) -> Result<Extracted> {
    let text = String::from_utf8_lossy(bytes);
    let raw_depth = tag_depth(&text);
    if raw_depth > budget.limits.get(Limit::HtmlDepth).saturating_mul(TAG_DEPTH_MARGIN) {
        budget.check(Limit::HtmlDepth, raw_depth)?;
    }
    let html = Html::parse_document(&text);
    budget.check(Limit::HtmlDepth, depth(&html))?;
    let root = MAIN_CONTENT
        .iter()
        .filter_map(|css| Selector::parse(css).ok())
        .find_map(|selector| html.select(&selector).next());
    let mut walker = Walker { budget, blocks: Vec::new(), inline: String::new(), tables: 0 };
    if let Some(root) = root {
        walker.walk(root, BlockKind::Paragraph, 0)?;
        walker.flush(&BlockKind::Paragraph)?;
    }
    let title = Selector::parse("title")
        .ok()
        .and_then(|selector| html.select(&selector).next().map(|title| title.text().collect::<String>()))
        .and_then(|title| page_title(&title));
    Ok(Extracted { blocks: walker.blocks, title, pages: None, ocr_pages: Vec::new() })
}

/// How many times deeper than the bound the raw tags may nest before the
/// page is refused unparsed: the count is rough (a parser closes some
/// elements on its own), so only a page far over the bound is refused on it.
const TAG_DEPTH_MARGIN: u64 = 4;
/// Elements without content, and those whose end tag a page may leave out:
/// not counted as nesting.
const UNNESTED: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr",
    "html", "head", "body", "p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "option", "optgroup",
    "colgroup", "caption", "rb", "rt", "rtc", "rp",
];

/// How deeply the start and end tags of `html` nest, counted on the text
/// without building a tree.
fn tag_depth(html: &str) -> u64 {
    let (mut depth, mut deepest) = (0u64, 0u64);
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        rest = &rest[open + 1..];
        if let Some(comment) = rest.strip_prefix("!--") {
            rest = comment.find("-->").map_or("", |end| &comment[end + 3..]);
            continue;
        }
        let closing = rest.starts_with('/');
        let name_start = usize::from(closing);
        let name_length =
            rest[name_start..].find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(rest.len() - name_start);
        let name = rest[name_start..name_start + name_length].to_ascii_lowercase();
        let tag_end = rest.find('>').map_or(rest.len(), |end| end + 1);
        let self_closing = rest[..tag_end].ends_with("/>");
        rest = &rest[tag_end..];
        if name.is_empty() || self_closing || UNNESTED.contains(&name.as_str()) {
            continue;
        }
        if closing {
            depth = depth.saturating_sub(1);
        } else {
            depth += 1;
            deepest = deepest.max(depth);
            if matches!(name.as_str(), "script" | "style" | "textarea" | "title") {
                // Their text is not markup: skip to their end tag.
                let end_tag = rest.match_indices("</").map(|(at, _)| at).find(|&at| {
                    rest.get(at + 2..at + 2 + name.len()).is_some_and(|found| found.eq_ignore_ascii_case(&name))
                });
                rest = end_tag.map_or("", |at| &rest[at..]);
            }
        }
    }
    deepest
}

/// How deeply the page's nodes nest.
fn depth(html: &Html) -> u64 {
    let (mut depth, mut deepest) = (0u64, 0u64);
    for edge in html.tree.root().traverse() {
        match edge {
            Edge::Open(_) => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            Edge::Close(_) => depth -= 1,
        }
    }
    deepest
}

/// A page's title without the site's name after a separator.
fn page_title(title: &str) -> Option<String> {
    let first = title.split(['|', '｜']).next()?.split(" - ").next()?.trim();
    (!first.is_empty()).then(|| first.to_string())
}

struct Walker<'b, 'l> {
    budget: &'b mut Budget<'l>,
    blocks: Vec<Block>,
    inline: String,
    tables: usize,
}

impl Walker<'_, '_> {
    fn flush(&mut self, kind: &BlockKind) -> Result<()> {
        let text = self.inline.split_whitespace().collect::<Vec<_>>().join(" ");
        self.inline.clear();
        if !text.is_empty() {
            self.budget.take(&text)?;
            let at = Location { page: None, line: self.blocks.len() as u64 + 1 };
            self.blocks.push(Block { kind: kind.clone(), text, at });
        }
        Ok(())
    }

    fn walk(&mut self, element: ElementRef<'_>, kind: BlockKind, list_depth: u8) -> Result<()> {
        for child in element.children() {
            match child.value() {
                Node::Text(text) => self.inline.push_str(text),
                Node::Element(_) => {
                    let Some(element) = ElementRef::wrap(child) else { continue };
                    self.element(element, &kind, list_depth)?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn element(&mut self, element: ElementRef<'_>, kind: &BlockKind, list_depth: u8) -> Result<()> {
        let name = element.value().name();
        if is_furniture(element) {
            return Ok(());
        }
        if name == "br" {
            return self.flush(kind);
        }
        if !BLOCK_ELEMENTS.contains(&name) {
            return self.walk(element, kind.clone(), list_depth);
        }
        self.flush(kind)?;
        match name {
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                let level = name[1..].parse().unwrap_or(1);
                self.walk(element, BlockKind::Heading(level), list_depth)?;
                self.flush(&BlockKind::Heading(level))
            }
            "ul" | "ol" => self.walk(element, kind.clone(), list_depth.saturating_add(1)),
            "li" => {
                let entry = BlockKind::ListEntry(list_depth.max(1));
                self.walk(element, entry.clone(), list_depth)?;
                self.flush(&entry)
            }
            "table" => self.table(element),
            _ => {
                self.walk(element, kind.clone(), list_depth)?;
                self.flush(kind)
            }
        }
    }

    fn table(&mut self, table: ElementRef<'_>) -> Result<()> {
        let (Ok(rows), Ok(cells)) = (Selector::parse("tr"), Selector::parse("th, td")) else { return Ok(()) };
        let index = self.tables;
        self.tables += 1;
        for row in table.select(&rows) {
            let cells: Vec<String> = row
                .select(&cells)
                .map(|cell| cell.text().collect::<Vec<_>>().join(" ").split_whitespace().collect::<Vec<_>>().join(" "))
                .collect();
            if cells.iter().any(|cell| !cell.is_empty()) {
                self.budget.take(&cells.concat())?;
                let at = Location { page: None, line: self.blocks.len() as u64 + 1 };
                self.blocks.push(Block { kind: BlockKind::Row { table: index, cells }, text: String::new(), at });
            }
        }
        Ok(())
    }
}

/// Navigation, headers, footers and the like, by element, role, class or id.
fn is_furniture(element: ElementRef<'_>) -> bool {
    let value = element.value();
    if NEVER_CONTENT.contains(&value.name()) {
        return true;
    }
    if matches!(value.attr("role"), Some("navigation" | "banner" | "contentinfo" | "search" | "complementary")) {
        return true;
    }
    let names = value.classes().chain(value.id()).map(str::to_lowercase);
    names.into_iter().any(|name| FURNITURE_NAMES.iter().any(|word| name.contains(word)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ImportError;
    use crate::limits::ImportLimits;

    #[test]
    fn only_the_main_content_is_read() {
        let page = r#"<html><head><title>令和6年度施政方針 | 狛江市</title></head><body>
            <header><a href="/">狛江市</a></header>
            <nav><ul><li>くらし</li><li>子育て</li></ul></nav>
            <div class="breadcrumb">ホーム &gt; 市政</div>
            <main><h1>令和6年度施政方針</h1>
              <h2>1 子育て支援</h2>
              <p>待機児童ゼロを<strong>継続</strong>します。<br>保育士を確保します。</p>
              <ul><li>学童クラブの拡充</li><li>相談体制<ul><li>窓口の一本化</li></ul></li></ul>
              <table><tr><th>方針</th><th>取組状況</th></tr><tr><td>防災</td><td>訓練を実施</td></tr></table>
            </main>
            <footer>Copyright 狛江市</footer></body></html>"#;
        let limits = ImportLimits::default();
        let extracted = read(page.as_bytes(), &mut Budget::new(&limits, "page.html")).unwrap();
        assert_eq!(extracted.title.as_deref(), Some("令和6年度施政方針"));
        let blocks: Vec<(BlockKind, &str)> =
            extracted.blocks.iter().map(|block| (block.kind.clone(), block.text.as_str())).collect();
        assert_eq!(
            blocks[..7],
            [
                (BlockKind::Heading(1), "令和6年度施政方針"),
                (BlockKind::Heading(2), "1 子育て支援"),
                (BlockKind::Paragraph, "待機児童ゼロを継続します。"),
                (BlockKind::Paragraph, "保育士を確保します。"),
                (BlockKind::ListEntry(1), "学童クラブの拡充"),
                (BlockKind::ListEntry(1), "相談体制"),
                (BlockKind::ListEntry(2), "窓口の一本化"),
            ]
        );
        assert!(matches!(&extracted.blocks[7].kind, BlockKind::Row { cells, .. } if cells[1] == "取組状況"));
        assert!(!extracted
            .blocks
            .iter()
            .any(|block| block.text.contains("くらし") || block.text.contains("Copyright")));
    }

    #[test]
    fn tags_nest_as_written_without_the_elements_a_page_may_leave_open() {
        assert_eq!(tag_depth("<div><section><p>a<p>b<ul><li>c<li>d</ul></section></div>"), 3);
        assert_eq!(tag_depth("<div><br><img src=x><span/></div><!-- <div><div> -->"), 1);
        assert_eq!(tag_depth("<script>if (a<b) { x = '<div><div>'; }</script><div>"), 1);
        assert_eq!(tag_depth(&"<div>".repeat(10)), 10);
    }

    #[test]
    fn a_page_nested_deeper_than_the_limit_is_refused_without_recursing() {
        let limits = ImportLimits::default();
        let deep = format!("<html><body>{}本文{}</body></html>", "<div>".repeat(100_000), "</div>".repeat(100_000));
        let refused = read(deep.as_bytes(), &mut Budget::new(&limits, "deep.html")).unwrap_err();
        assert!(matches!(refused, ImportError::OverLimit { limit: Limit::HtmlDepth, .. }), "{refused}");
        let lists = format!("<main>{}項目{}</main>", "<ul><li>".repeat(120), "</li></ul>".repeat(120));
        let read_whole = read(lists.as_bytes(), &mut Budget::new(&limits, "lists.html")).unwrap();
        assert_eq!(read_whole.blocks[0].kind, BlockKind::ListEntry(120));
    }
}
