//! Recognising a document's outline in its blocks, and making each leaf an item.
//!
//! Japanese administrative documents mark their outline with a small set of
//! styles: 第1章 / 第1節, 1 / 1. / 1), (1), ①, ア / (ア), Ⅰ, bullets (○ ・ ■ ◆ ▽…),
//! and the departmental header 令和4年度「○○部の方針」. Which style sits
//! inside which differs from city to city, so the order is read from the
//! document itself, the way a reader does: a style seen for the first time
//! opens a level below the current one, and a style seen again closes every
//! level opened after it. A short unmarked line followed by marked entries is
//! a heading too (the seed's policy headings). Headings a format marks itself
//! (Word's heading styles, HTML's `h1`–`h6`, Word's numbered lists) join the
//! same order.
//!
//! An entry with entries below it is a heading; every other entry, and every
//! unmarked paragraph, is an item. A table's rows are items too: the column
//! whose header names the policy (方針, 施策, 事業…) heads the row, the columns
//! naming the work (取組, 状況, 内容…) are its text, and a 部 / 課 / 所管
//! column its department. Each item gets its department (the departmental
//! header, or the outermost heading when there are several levels, or the
//! document's title), its policy heading (the innermost) and the headings
//! between. A document with no recognisable outline gives one item per
//! paragraph, under its title, and says so.

use crate::blocks::{fold, Block, BlockKind, Location};
use crate::year::{find_fiscal_year, FiscalYear};

/// What the outline recognition found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Structure {
    /// Headings and markers gave the items their place.
    Outline,
    /// Nothing recognisable: one item per paragraph, under the document's title.
    Paragraphs,
}

/// One item of a document, placed in its outline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutlineItem {
    /// Department, chapter or the document's title.
    pub department: String,
    /// The innermost heading above the item.
    pub policy: String,
    /// The headings between department and policy heading, outermost first.
    pub path: Vec<String>,
    /// The year a departmental header gives the item, if any.
    pub year: Option<FiscalYear>,
    /// The item's text, its marker removed.
    pub text: String,
    /// Where it stands.
    pub at: Location,
}

/// One line of the recognised outline, for showing it (`hoshin import --dry-run`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutlineLine {
    /// Nesting depth, 0 outermost.
    pub depth: usize,
    /// Whether the entry is a heading.
    pub heading: bool,
    /// The item it is, an index into [`Outline::items`]: every entry but a
    /// heading is one, and so is a heading that is a sentence of its own.
    pub item: Option<usize>,
    /// Its text.
    pub text: String,
}

/// A document's outline and its items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outline {
    /// The items, in document order.
    pub items: Vec<OutlineItem>,
    /// Every entry, headings and items, with its depth.
    pub lines: Vec<OutlineLine>,
    /// Whether an outline was recognised.
    pub structure: Structure,
}

/// Longest line, in characters, read as an unmarked heading.
const MAX_PLAIN_HEADING_CHARS: usize = 60;
/// A heading longer than this that ends a sentence is an item as well.
const SENTENCE_HEADING_CHARS: usize = 40;

/// A marker style; the outline's levels are made of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    /// 令和4年度「○○部の方針」.
    DepartmentHeader,
    /// 第1章, 第1節…: the unit.
    Dai(char),
    /// 1 or 1. or 1、
    Number,
    /// 1)
    NumberParen,
    /// (1)
    ParenNumber,
    /// ①
    Circled,
    /// ア
    Katakana,
    /// (ア)
    ParenKatakana,
    /// (a)
    ParenLatin,
    /// Ⅰ
    Roman,
    /// A bullet character.
    Bullet(char),
    /// A short unmarked line heading marked entries.
    PlainHeading,
    /// A heading the format marks, by level.
    FormatHeading(u8),
    /// A list entry the format marks, by level.
    FormatList(u8),
}

/// Whether a line opens an entry of the outline (a marker or a departmental
/// header), so a wrapped line before it does not run into it.
pub fn starts_entry(text: &str) -> bool {
    marker(text).is_some()
}

/// Characters that open a bulleted entry.
const BULLETS: &[char] =
    &['○', '●', '◎', '◯', '・', '■', '□', '◆', '◇', '▽', '▼', '△', '▲', '☆', '★', '•', '-', '*', '◉', '〇'];

/// A block's marker: its style, and where the text after it starts (bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Marker {
    style: Style,
    rest: usize,
}

/// The marker at the start of `text`, if any.
fn marker(text: &str) -> Option<Marker> {
    let chars: Vec<(usize, char)> = text.char_indices().map(|(at, c)| (at, fold(c))).collect();
    let at = |index: usize| chars.get(index).map_or(text.len(), |&(at, _)| at);
    let char_at = |index: usize| chars.get(index).map(|&(_, c)| c);
    let is_space = |c: Option<char>| matches!(c, Some(' ' | '\t'));
    // The text after a marker ending before `index`, which must not be empty.
    let after = |index: usize, style: Style| {
        let mut index = index;
        while is_space(char_at(index)) {
            index += 1;
        }
        (index < chars.len()).then(|| Marker { style, rest: at(index) })
    };
    let digits = |from: usize| chars[from.min(chars.len())..].iter().take_while(|(_, c)| c.is_ascii_digit()).count();
    let first = char_at(0)?;
    if department_header(text).is_some() {
        return Some(Marker { style: Style::DepartmentHeader, rest: 0 });
    }
    if first == '第' {
        let numeral =
            chars[1..].iter().take_while(|(_, c)| c.is_ascii_digit() || "一二三四五六七八九十".contains(*c)).count();
        if numeral > 0 {
            if let Some(unit) = char_at(1 + numeral).filter(|c| "章節款編部".contains(*c)) {
                return after(2 + numeral, Style::Dai(unit)).or(Some(Marker { style: Style::Dai(unit), rest: 0 }));
            }
        }
        return None;
    }
    if first == '(' {
        let inner = digits(1);
        let (style, length) = match char_at(1) {
            _ if (1..=3).contains(&inner) => (Style::ParenNumber, inner),
            Some(c) if is_katakana(c) => (Style::ParenKatakana, 1),
            Some(c) if c.is_ascii_lowercase() => (Style::ParenLatin, 1),
            _ => return None,
        };
        return (char_at(1 + length) == Some(')')).then(|| after(2 + length, style)).flatten();
    }
    if ('\u{2460}'..='\u{2473}').contains(&first) || ('\u{3251}'..='\u{325F}').contains(&first) {
        return after(1, Style::Circled);
    }
    if ('\u{2160}'..='\u{216B}').contains(&first) && matches!(char_at(1), Some(' ' | '.' | '、')) {
        return after(2, Style::Roman);
    }
    let number = digits(0);
    if (1..=3).contains(&number) {
        return match char_at(number) {
            Some(' ' | '\t' | '、') => after(number + 1, Style::Number),
            Some('.') if !char_at(number + 1).is_some_and(|c| c.is_ascii_digit()) => after(number + 1, Style::Number),
            Some(')') => after(number + 1, Style::NumberParen),
            _ => None,
        };
    }
    if is_katakana(first) && matches!(char_at(1), Some(' ' | '.' | '、')) {
        return after(2, Style::Katakana);
    }
    if BULLETS.contains(&first) {
        // `- ▽ text`: a hyphen introducing another bullet is that bullet.
        if first == '-' && is_space(char_at(1)) {
            if let Some(inner) = char_at(2).filter(|c| BULLETS.contains(c) && *c != '-') {
                return after(3, Style::Bullet(inner));
            }
            return after(1, Style::Bullet('-'));
        }
        // A hyphen or asterisk glued to a word is no bullet (-10%, *注).
        if matches!(first, '-' | '*') && !is_space(char_at(1)) {
            return None;
        }
        return after(1, Style::Bullet(first));
    }
    None
}

fn is_katakana(c: char) -> bool {
    ('ア'..='ン').contains(&c) && !"ァィゥェォッャュョヮヵヶー".contains(c)
}

/// `令和4年度「企画財政部の方針」（案）` (the seed format's header): the
/// department, and the year, read as any document's (spaced out by OCR, say).
fn department_header(line: &str) -> Option<(String, Option<FiscalYear>)> {
    let header = hoshin_indexer::seed::department_header(line.trim())?;
    Some((header.department.to_string(), find_fiscal_year(&header.year)))
}

/// What one entry of the outline is.
#[derive(Debug, Clone)]
struct Entry {
    /// Its block's index.
    block: usize,
    style: Option<Style>,
    text: String,
    at: Location,
    /// A departmental header's department and year.
    department: Option<(String, Option<FiscalYear>)>,
    depth: usize,
}

/// A heading open above the entries that follow.
#[derive(Debug, Clone)]
struct OpenHeading {
    depth: usize,
    text: String,
    department: Option<(String, Option<FiscalYear>)>,
}

/// Recognises the outline of `blocks`; `title` stands in for a department or
/// heading the document does not give.
pub fn recognise(blocks: &[Block], title: &str) -> Outline {
    let entries = place(blocks);
    let recognised = entries.iter().any(|entry| entry.style.is_some())
        || blocks.iter().any(|block| matches!(block.kind, BlockKind::Row { .. }));
    let mut items = Vec::new();
    let mut lines = Vec::new();
    let mut open: Vec<OpenHeading> = Vec::new();
    let mut index = 0;
    while index < entries.len() {
        let entry = &entries[index];
        open.retain(|heading| heading.depth < entry.depth);
        let has_children = entries.get(index + 1).is_some_and(|next| next.depth > entry.depth);
        if let (Some(_), true) = (entry.style, has_children) {
            let item = reads_as_sentence(&entry.text).then(|| {
                items.push(place_item(&open, title, None, entry.text.clone(), entry.at));
                items.len() - 1
            });
            lines.push(OutlineLine { depth: entry.depth, heading: true, item, text: entry.text.clone() });
            open.push(OpenHeading {
                depth: entry.depth,
                text: entry.department.as_ref().map_or_else(|| entry.text.clone(), |(name, _)| name.clone()),
                department: entry.department.clone(),
            });
            index += 1;
            continue;
        }
        if let Some(table) = table_at(blocks, entry.block) {
            for row in &table.rows {
                let line =
                    OutlineLine { depth: entry.depth, heading: false, item: Some(items.len()), text: row.text.clone() };
                lines.push(line);
                let mut item = place_item(&open, title, Some(&row.heading), row.text.clone(), row.at);
                if let Some(department) = &row.department {
                    item.department.clone_from(department);
                }
                items.push(item);
            }
            index += table.blocks;
            continue;
        }
        lines.push(OutlineLine {
            depth: entry.depth,
            heading: false,
            item: Some(items.len()),
            text: entry.text.clone(),
        });
        items.push(place_item(&open, title, None, entry.text.clone(), entry.at));
        index += 1;
    }
    Outline { items, lines, structure: if recognised { Structure::Outline } else { Structure::Paragraphs } }
}

/// Whether a heading is a sentence of its own, worth finding as an item.
fn reads_as_sentence(text: &str) -> bool {
    text.chars().count() > SENTENCE_HEADING_CHARS && text.trim_end().ends_with(['。', '.'])
}

/// An item under the `open` headings (and a table row's own `heading`).
fn place_item(open: &[OpenHeading], title: &str, heading: Option<&str>, text: String, at: Location) -> OutlineItem {
    let header = open.iter().rposition(|heading| heading.department.is_some());
    let (mut department, year, from) = match header.map(|index| (index, open[index].department.clone())) {
        Some((index, Some((name, year)))) => (Some(name), year, index + 1),
        _ => (None, None, 0),
    };
    let mut headings: Vec<String> = open[from..].iter().map(|heading| heading.text.clone()).collect();
    headings.extend(heading.map(str::to_string).filter(|heading| !heading.is_empty()));
    if department.is_none() && headings.len() >= 2 {
        department = Some(headings.remove(0));
    }
    let policy = headings.pop().unwrap_or_else(|| title.to_string());
    OutlineItem { department: department.unwrap_or_else(|| title.to_string()), policy, path: headings, year, text, at }
}

/// Gives each block its style and depth.
fn place(blocks: &[Block]) -> Vec<Entry> {
    let marked: Vec<(Option<Style>, String)> = blocks.iter().map(style_of).collect();
    let mut stack: Vec<Style> = Vec::new();
    let mut entries = Vec::with_capacity(blocks.len());
    for (index, block) in blocks.iter().enumerate() {
        let (mut style, text) = marked[index].clone();
        if let BlockKind::Row { .. } = block.kind {
            entries.push(Entry { block: index, style: None, text, at: block.at, department: None, depth: stack.len() });
            continue;
        }
        if style.is_none() {
            let next_style = marked.get(index + 1).and_then(|(next, _)| *next);
            let table_follows = matches!(blocks.get(index + 1).map(|next| &next.kind), Some(BlockKind::Row { .. }));
            if is_plain_heading(&text, next_style, &stack) || (table_follows && is_short(&text)) {
                style = Some(Style::PlainHeading);
            }
        }
        let Some(style) = style else {
            entries.push(Entry { block: index, style: None, text, at: block.at, department: None, depth: stack.len() });
            continue;
        };
        match stack.iter().position(|&open| open == style) {
            Some(depth) => stack.truncate(depth),
            None if style == Style::DepartmentHeader => stack.clear(),
            None => {}
        }
        let depth = stack.len();
        stack.push(style);
        let department = (style == Style::DepartmentHeader).then(|| department_header(&block.text)).flatten();
        entries.push(Entry { block: index, style: Some(style), text, at: block.at, department, depth });
    }
    entries
}

fn is_short(text: &str) -> bool {
    let text = text.trim_end();
    !text.is_empty() && text.chars().count() <= MAX_PLAIN_HEADING_CHARS && !text.ends_with(['。', '、', '.', ','])
}

/// Whether an unmarked line heads what follows: it is short, not a sentence,
/// and the next block is marked with a style that would sit below it.
fn is_plain_heading(text: &str, next: Option<Style>, stack: &[Style]) -> bool {
    let Some(next) = next.filter(|next| !matches!(next, Style::DepartmentHeader | Style::PlainHeading)) else {
        return false;
    };
    if !is_short(text) {
        return false;
    }
    match (stack.iter().position(|&open| open == next), stack.iter().position(|&open| open == Style::PlainHeading)) {
        (None, _) => true,
        (Some(next_depth), Some(plain_depth)) => plain_depth < next_depth,
        (Some(_), None) => false,
    }
}

/// A block's style and its text without the marker.
fn style_of(block: &Block) -> (Option<Style>, String) {
    let found = marker(&block.text);
    let without_marker = |found: Option<Marker>| match found {
        Some(Marker { style: Style::Dai(_) | Style::DepartmentHeader, .. }) | None => block.text.trim().to_string(),
        Some(Marker { rest, .. }) => block.text[rest..].trim().to_string(),
    };
    match &block.kind {
        BlockKind::Heading(level) => (Some(Style::FormatHeading(*level)), without_marker(found)),
        BlockKind::ListEntry(level) => (Some(Style::FormatList(*level)), without_marker(found)),
        BlockKind::Row { cells, .. } => (None, cells.join(" ")),
        BlockKind::Paragraph => (found.map(|found| found.style), without_marker(found)),
    }
}

/// One row of a table made an item.
struct TableRow {
    heading: String,
    text: String,
    department: Option<String>,
    at: Location,
}

/// A table: the rows that make items, and how many blocks it spans.
struct Table {
    rows: Vec<TableRow>,
    blocks: usize,
}

/// What a column of a table holds, read from its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Department,
    Heading,
    Text,
    Other,
}

/// Header words naming a department column.
const DEPARTMENT_WORDS: &[&str] = &["部名", "部署", "所管", "担当", "課名", "部局"];
/// Header words naming the text of a row.
const TEXT_WORDS: &[&str] = &["取組", "状況", "内容", "概要", "説明", "実績", "進捗", "成果", "課題", "本文"];
/// Header words naming the heading of a row.
const HEADING_WORDS: &[&str] = &["方針", "施策", "項目", "事業", "目標", "分野", "テーマ", "名称", "見出し"];

fn column_of(header: &str) -> Column {
    let header = header.trim();
    if header == "部" || header == "課" || DEPARTMENT_WORDS.iter().any(|word| header.contains(word)) {
        Column::Department
    } else if TEXT_WORDS.iter().any(|word| header.contains(word)) {
        Column::Text
    } else if HEADING_WORDS.iter().any(|word| header.contains(word)) {
        Column::Heading
    } else {
        Column::Other
    }
}

/// The table whose first row is block `start`, if that is a row.
fn table_at(blocks: &[Block], start: usize) -> Option<Table> {
    let BlockKind::Row { table, .. } = blocks[start].kind else { return None };
    let rows: Vec<(&Vec<String>, Location)> = blocks[start..]
        .iter()
        .map_while(|block| match &block.kind {
            BlockKind::Row { table: this, cells } if *this == table => Some((cells, block.at)),
            _ => None,
        })
        .collect();
    let width = rows.iter().map(|(cells, _)| cells.len()).max().unwrap_or(0);
    let header_columns: Vec<Column> = rows[0].0.iter().map(|cell| column_of(cell)).collect();
    let has_header = header_columns.iter().any(|column| *column != Column::Other);
    let mut columns: Vec<Column> = if has_header { header_columns } else { vec![Column::Other; width] };
    columns.resize(width, Column::Other);
    if !columns.contains(&Column::Heading) {
        if let Some(first) = columns.iter().position(|column| *column == Column::Other) {
            columns[first] = Column::Heading;
        }
    }
    if !columns.contains(&Column::Text) {
        for column in columns.iter_mut().filter(|column| **column == Column::Other) {
            *column = Column::Text;
        }
    }
    let header = has_header.then(|| rows[0].0.clone());
    let mut heading = String::new();
    let mut department = None;
    let mut table_rows = Vec::new();
    for (cells, at) in rows.iter().skip(usize::from(has_header)) {
        let cell = |index: usize| cells.get(index).map(|cell| cell.trim()).unwrap_or_default();
        let mut texts = Vec::new();
        for (index, column) in columns.iter().enumerate() {
            match column {
                // Merged cells repeat the value above.
                Column::Heading if !cell(index).is_empty() => heading = cell(index).to_string(),
                Column::Department if !cell(index).is_empty() => department = Some(cell(index).to_string()),
                Column::Text if !cell(index).is_empty() => texts.push(index),
                _ => {}
            }
        }
        let text = match (&header, texts.as_slice()) {
            (_, []) => continue,
            (Some(header), several) if several.len() > 1 => several
                .iter()
                // A row may be wider than the header: its extra cells have no name.
                .map(|&index| match header.get(index).map(|name| name.trim()).filter(|name| !name.is_empty()) {
                    Some(name) => format!("{name}：{}", cell(index)),
                    None => cell(index).to_string(),
                })
                .collect::<Vec<_>>()
                .join("\n"),
            (_, several) => several.iter().map(|&index| cell(index)).collect::<Vec<_>>().join("\n"),
        };
        table_rows.push(TableRow { heading: heading.clone(), text, department: department.clone(), at: *at });
    }
    Some(Table { rows: table_rows, blocks: rows.len() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(text: &str) -> Vec<Block> {
        text.lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(index, line)| Block::paragraph(line, Location { page: None, line: index as u64 + 1 }))
            .collect()
    }

    /// Each item's department, policy heading and text.
    fn placed(outline: &Outline) -> Vec<(&str, &str, &str)> {
        outline.items.iter().map(|item| (item.department.as_str(), item.policy.as_str(), item.text.as_str())).collect()
    }

    #[test]
    fn markers_are_read_past_full_width_forms() {
        fn style(text: &str) -> Option<(Style, &str)> {
            marker(text).map(|found| (found.style, &text[found.rest..]))
        }
        assert_eq!(style("（１）　子育て支援"), Some((Style::ParenNumber, "子育て支援")));
        assert_eq!(style("１　はじめに"), Some((Style::Number, "はじめに")));
        assert_eq!(style("1. はじめに"), Some((Style::Number, "はじめに")));
        assert_eq!(style("① 保育"), Some((Style::Circled, "保育")));
        assert_eq!(style("ア　待機児童"), Some((Style::Katakana, "待機児童")));
        assert_eq!(style("（ア）待機児童"), Some((Style::ParenKatakana, "待機児童")));
        assert_eq!(style("- ▽ 本文"), Some((Style::Bullet('▽'), "本文")));
        assert_eq!(style("・本文"), Some((Style::Bullet('・'), "本文")));
        assert_eq!(style("第1章 総論").map(|(style, _)| style), Some(Style::Dai('章')));
        for unmarked in ["2024年度の予算", "1.5倍に増やします", "-10%", "アンケートを実施します", "第三者委員会"]
        {
            assert_eq!(marker(unmarked), None, "{unmarked}");
        }
    }

    #[test]
    fn the_seed_layout_gives_department_heading_and_items() {
        let outline = recognise(
            &blocks("令和4年度「総務部の方針」(案)\n\n安心して暮らせるまち\n\n- ▽ 水防訓練を行います。\n- ▽ 危機管理を強化します。\n防災の推進\n- ▽ 備蓄を進めます。\n令和4年度「教育部の方針」\n学校\n- ▽ 給食を充実します。\n"),
            "title",
        );
        assert_eq!(outline.structure, Structure::Outline);
        assert_eq!(
            placed(&outline),
            [
                ("総務部", "安心して暮らせるまち", "水防訓練を行います。"),
                ("総務部", "安心して暮らせるまち", "危機管理を強化します。"),
                ("総務部", "防災の推進", "備蓄を進めます。"),
                ("教育部", "学校", "給食を充実します。"),
            ]
        );
        assert_eq!(outline.items[0].year.as_ref().map(|year| year.western), Some(2022));
    }

    #[test]
    fn a_plan_outline_nests_by_the_order_its_styles_appear() {
        let plan = "第1章 計画の概要\n1 計画の目的\n(1) 背景\n① 人口が減少しています。\n② 高齢化が進んでいます。\n(2) 位置付け\n本計画は総合計画の分野別計画です。\n2 計画の期間\n令和6年度から5年間とします。\n第2章 施策の展開\n1 子育て\nア 保育所を整備します。\nイ 学童クラブを拡充します。\n";
        let outline = recognise(&blocks(plan), "計画");
        let placed: Vec<(String, String, Vec<String>, String)> = outline
            .items
            .iter()
            .map(|item| (item.department.clone(), item.policy.clone(), item.path.clone(), item.text.clone()))
            .collect();
        let row = |department: &str, policy: &str, path: &[&str], text: &str| {
            (department.to_string(), policy.to_string(), path.iter().map(|s| s.to_string()).collect(), text.to_string())
        };
        assert_eq!(
            placed,
            [
                row("第1章 計画の概要", "背景", &["計画の目的"], "人口が減少しています。"),
                row("第1章 計画の概要", "背景", &["計画の目的"], "高齢化が進んでいます。"),
                row("第1章 計画の概要", "位置付け", &["計画の目的"], "本計画は総合計画の分野別計画です。"),
                row("第1章 計画の概要", "計画の期間", &[], "令和6年度から5年間とします。"),
                row("第2章 施策の展開", "子育て", &[], "保育所を整備します。"),
                row("第2章 施策の展開", "子育て", &[], "学童クラブを拡充します。"),
            ]
        );
    }

    #[test]
    fn a_speech_of_numbered_sections_puts_paragraphs_under_the_title() {
        let speech = "1 はじめに\n市政運営に臨む所信を申し上げます。\n2 子育て支援\n待機児童ゼロを継続します。\n■ 保育\n保育士の確保に取り組みます。\n";
        let outline = recognise(&blocks(speech), "令和6年度施政方針");
        let placed: Vec<(&str, &str)> =
            outline.items.iter().map(|item| (item.department.as_str(), item.policy.as_str())).collect();
        assert_eq!(
            placed,
            [("令和6年度施政方針", "はじめに"), ("令和6年度施政方針", "子育て支援"), ("子育て支援", "保育"),]
        );
    }

    #[test]
    fn a_heading_that_is_a_sentence_of_its_own_is_an_item_too() {
        let text = "○ 子育て支援を充実させるため、保育所の定員を拡大し、待機児童ゼロを継続していきます。\n・保育士を確保します。\n";
        let outline = recognise(&blocks(text), "令和6年度施政方針");
        let texts: Vec<&str> = outline.items.iter().map(|item| item.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "子育て支援を充実させるため、保育所の定員を拡大し、待機児童ゼロを継続していきます。",
                "保育士を確保します。"
            ]
        );
        let lines: Vec<(bool, Option<usize>)> = outline.lines.iter().map(|line| (line.heading, line.item)).collect();
        assert_eq!(lines, [(true, Some(0)), (false, Some(1))]);
    }

    #[test]
    fn text_without_any_outline_gives_one_item_per_paragraph() {
        let outline = recognise(&blocks("市の取組を進めます。\n\n住民との対話を大切にします。\n"), "お知らせ");
        assert_eq!(outline.structure, Structure::Paragraphs);
        assert_eq!(outline.items.len(), 2);
        assert!(outline.items.iter().all(|item| item.department == "お知らせ" && item.policy == "お知らせ"));
    }

    #[test]
    fn table_rows_become_items_under_their_policy_column() {
        let row = |cells: &[&str], line: u64| Block {
            kind: BlockKind::Row { table: 0, cells: cells.iter().map(|cell| cell.to_string()).collect() },
            text: String::new(),
            at: Location { page: None, line },
        };
        let blocks = vec![
            Block::paragraph("令和5年度 部の方針 取組状況", Location { page: None, line: 1 }),
            row(&["部", "方針", "取組状況"], 2),
            row(&["総務部", "防災力の向上", "総合防災訓練を実施しました。"], 3),
            row(&["", "", "備蓄品を更新しました。"], 4),
            row(&["教育部", "学力向上", "少人数指導を行いました。"], 5),
        ];
        let outline = recognise(&blocks, "取組状況");
        assert_eq!(
            placed(&outline),
            [
                ("総務部", "防災力の向上", "総合防災訓練を実施しました。"),
                ("総務部", "防災力の向上", "備蓄品を更新しました。"),
                ("教育部", "学力向上", "少人数指導を行いました。"),
            ]
        );
    }

    /// The HTML fuzzer's table: a header of two cells over rows of three.
    #[test]
    fn a_row_wider_than_its_header_keeps_its_extra_cells_without_a_name() {
        let row = |cells: &[&str], line: u64| Block {
            kind: BlockKind::Row { table: 0, cells: cells.iter().map(|cell| cell.to_string()).collect() },
            text: String::new(),
            at: Location { page: None, line },
        };
        let blocks = vec![row(&["方針", "備考"], 1), row(&["防災", "訓練を実施", "備蓄を更新"], 2)];
        let outline = recognise(&blocks, "令和5年度");
        assert_eq!(placed(&outline), [("令和5年度", "防災", "備考：訓練を実施\n備蓄を更新")]);
    }
}
