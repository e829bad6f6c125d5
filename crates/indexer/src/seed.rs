//! Reading policy documents in the seed's text format into searchable items.
//!
//! A seed file is a city's yearly department policies, one department after another:
//!
//! ```text
//! 令和4年度「企画財政部の方針」（案）      ← department header (（案） or (案), optional)
//! 持続可能な行財政運営の推進              ← policy heading
//! - ▽ 狛江市総合基本計画に基づく…          ← item under that heading
//! ```
//!
//! Blank lines are skipped. Every other line must find its place: a line that
//! cannot (an item before any heading, a heading before any department, an empty
//! item, a header whose era is unknown) is reported with its file and line, and
//! the whole file is refused rather than silently indexed without it.
//!
//! What the text does not say — the municipality, the document's title and
//! where it is published — comes from an optional [`SeedMetadata`] JSON file
//! beside it (`komae-2022-policies.json` for `komae-2022-policies.txt`).
//! Other layouts and formats come in through `hoshin_import`.

use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use unicode_normalization::UnicodeNormalization;

use hoshin_analysis::numerals::era_base;
use hoshin_analysis::{PolicyItem, Source};

use crate::error::{IndexerError, Result, UnplacedLine};
use crate::progress::Progress;

/// The marker that starts an item line.
const ITEM_MARKER: &str = "- ▽";

/// What a seed file's text does not say about it, read from the JSON file of
/// the same stem beside it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedMetadata {
    /// The municipality, e.g. 狛江市.
    pub municipality: Option<String>,
    /// The document's title.
    pub title: Option<String>,
    /// Where the city publishes the document.
    pub url: Option<String>,
}

/// Reads every `*.txt` file of `seeds_dir`, in file-name order, with its
/// metadata. A missing or empty directory gives no items: the index starts
/// empty and is filled through the API.
pub fn read_seeds_dir(seeds_dir: &Path) -> Result<Vec<PolicyItem>> {
    let mut items = Vec::new();
    for_each_seed_file(seeds_dir, "reading seed files", |file_items| {
        items.extend(file_items);
        Ok(())
    })?;
    Ok(items)
}

/// Hands the items of each seed file of `seeds_dir` to `visit`, one file at a
/// time and in file-name order, so that a corpus is never held whole in memory;
/// `stage` names the work in progress reports. Returns how many items were
/// visited.
///
/// Lines that cannot be placed are collected from every file and reported
/// together; once one is found, the remaining files are still read for their
/// own such lines but no longer visited, since the build will be refused.
pub fn for_each_seed_file(
    seeds_dir: &Path,
    stage: &'static str,
    mut visit: impl FnMut(Vec<PolicyItem>) -> Result<()>,
) -> Result<usize> {
    let paths = seed_files(seeds_dir)?;
    if paths.is_empty() {
        tracing::warn!(dir = %seeds_dir.display(), "no seed files (*.txt): starting with an empty index");
    }
    let files = paths.len();
    let mut items = 0;
    let mut unplaced = Vec::new();
    let progress = Progress::new(stage, files as u64, "files");
    for (done, path) in paths.into_iter().enumerate() {
        progress.set(done as u64);
        match read_seed_file(&path) {
            Ok(file_items) if unplaced.is_empty() => {
                tracing::debug!(file = %path.display(), items = file_items.len(), "seed file parsed");
                items += file_items.len();
                visit(file_items)?;
            }
            Ok(_) => {}
            Err(IndexerError::Unplaced(lines)) => unplaced.extend(lines),
            Err(other) => return Err(other),
        }
    }
    progress.finish();
    if unplaced.is_empty() {
        // One line per directory: a generated corpus has thousands of files.
        tracing::info!(dir = %seeds_dir.display(), files, items, "seed files parsed");
        Ok(items)
    } else {
        Err(IndexerError::Unplaced(unplaced))
    }
}

/// The seed files of `seeds_dir` (`*.txt`), in file-name order; none when
/// the directory does not exist.
pub fn seed_files(seeds_dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = match fs::read_dir(seeds_dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(IndexerError::io(seeds_dir)(error)),
    };
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry.map_err(IndexerError::io(seeds_dir))?.path();
        if path.extension().is_some_and(|extension| extension == "txt") {
            paths.push(path);
        }
    }
    paths.sort();
    Ok(paths)
}

/// Where the metadata of the seed file at `path` is: the JSON file of its stem.
pub fn metadata_path(path: &Path) -> PathBuf {
    path.with_extension("json")
}

/// Reads one seed file, with the metadata beside it.
pub fn read_seed_file(path: &Path) -> Result<Vec<PolicyItem>> {
    let metadata = read_metadata(&metadata_path(path))?;
    let mut items = read_seed_text(path)?;
    for item in &mut items {
        item.municipality.clone_from(&metadata.municipality);
        item.source.title.clone_from(&metadata.title);
        item.source.url.clone_from(&metadata.url);
    }
    Ok(items)
}

/// The metadata in `path`, or none when there is no such file.
fn read_metadata(path: &Path) -> Result<SeedMetadata> {
    match fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|error| IndexerError::Metadata { path: path.to_path_buf(), message: error.to_string() }),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(SeedMetadata::default()),
        Err(error) => Err(IndexerError::io(path)(error)),
    }
}

fn read_seed_text(path: &Path) -> Result<Vec<PolicyItem>> {
    let bytes = fs::read(path).map_err(IndexerError::io(path))?;
    let file_name = path.file_name().map_or_else(String::new, |name| name.to_string_lossy().into_owned());
    let text = String::from_utf8(bytes).map_err(|error| {
        IndexerError::Unplaced(vec![UnplacedLine {
            file: file_name.clone(),
            line: 1 + error.as_bytes()[..error.utf8_error().valid_up_to()]
                .iter()
                .filter(|&&byte| byte == b'\n')
                .count(),
            reason: "not valid UTF-8".to_string(),
        }])
    })?;
    parse_seed(&file_name, &text)
}

/// Parses seed text; `file_name` names the source and, without its extension,
/// prefixes the item ids.
pub fn parse_seed(file_name: &str, text: &str) -> Result<Vec<PolicyItem>> {
    let stem = file_name.rsplit_once('.').map_or(file_name, |(stem, _)| stem);
    let mut items = Vec::new();
    let mut unplaced = Vec::new();
    let mut department: Option<DepartmentHeader> = None;
    let mut policy: Option<String> = None;
    for (index, raw_line) in text.lines().enumerate() {
        let line_number = index + 1;
        let line = raw_line.trim_end();
        let mut refuse = |reason: &str| {
            unplaced.push(UnplacedLine { file: file_name.to_string(), line: line_number, reason: reason.to_string() });
        };
        if line.trim().is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix(ITEM_MARKER) {
            let item_text = rest.trim_start();
            match (&department, &policy) {
                (None, _) => refuse("item before any department header"),
                (Some(_), None) => refuse("item before any policy heading"),
                (Some(_), Some(_)) if item_text.is_empty() => refuse("item without text"),
                (Some(header), Some(heading)) => items.push(PolicyItem {
                    id: format!("{stem}-{:03}", items.len() + 1),
                    year: header.year.clone(),
                    fiscal_year: header.fiscal_year,
                    municipality: None,
                    department: header.department.clone(),
                    policy: heading.clone(),
                    path: Vec::new(),
                    text: item_text.to_string(),
                    source: Source { file: file_name.to_string(), line: line_number as u64, ..Source::default() },
                }),
            }
            continue;
        }
        match parse_department_header(line) {
            Some(Ok(header)) => {
                department = Some(header);
                policy = None;
            }
            Some(Err(reason)) => refuse(&reason),
            None if department.is_none() => refuse("text before any department header"),
            None if line.starts_with(['-', '▽', '・']) => {
                refuse("looks like an item but does not start with `- ▽ `")
            }
            None => policy = Some(line.trim().to_string()),
        }
    }
    if unplaced.is_empty() {
        Ok(items)
    } else {
        Err(IndexerError::Unplaced(unplaced))
    }
}

/// An open department of a seed file.
#[derive(Debug, Clone)]
struct DepartmentHeader {
    year: String,
    fiscal_year: u64,
    department: String,
}

/// A departmental header, `令和4年度「企画財政部の方針」（案）`, as written:
/// the seed format's, and the one `hoshin_import` recognises in any document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderLine<'a> {
    /// The year as written, e.g. 令和4年度.
    pub year: String,
    /// The department, e.g. 企画財政部.
    pub department: &'a str,
}

/// Recognises a departmental header: `None` when the line is not one.
pub fn department_header(line: &str) -> Option<HeaderLine<'_>> {
    let (year, rest) = line.split_once("年度「")?;
    let (department, suffix) = rest.split_once("の方針」")?;
    let suffix: String = suffix.trim().nfkc().collect();
    if !(suffix.is_empty() || suffix == "(案)") || department.is_empty() {
        return None;
    }
    Some(HeaderLine { year: format!("{}年度", year.trim()), department })
}

/// A departmental header and its western year: `None` when the line is not a
/// header at all, an error when it is one whose year cannot be read.
fn parse_department_header(line: &str) -> Option<std::result::Result<DepartmentHeader, String>> {
    let HeaderLine { year, department } = department_header(line)?;
    Some(match western_fiscal_year(&year) {
        Some(fiscal_year) => Ok(DepartmentHeader { year, fiscal_year, department: department.to_string() }),
        None => Err(format!("cannot read the year of `{year}`")),
    })
}

/// Japanese eras and the western year before their first year.
/// Converts 令和4年度 to 2022; accepts 元 for the first year, full-width digits,
/// and a western year such as 2022年度.
pub fn western_fiscal_year(year: &str) -> Option<u64> {
    let normalized: String = year.nfkc().collect();
    let number = normalized.strip_suffix("年度")?;
    let era_length = number.find(|c: char| c.is_ascii_digit() || c == '元').unwrap_or(0);
    let (era, number) = number.split_at(era_length);
    let within = if number == "元" { 1 } else { number.parse::<u64>().ok()? };
    let base = if era.is_empty() { 0 } else { era_base(era)? };
    (within > 0).then_some(base + within)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\n令和4年度「総務部の方針」(案)\n\n安心して暮らせる安全なまちを実現します\n\n- ▽ 総合水防訓練を行います。\n- ▽ 危機管理の強化を図ります。\n";

    #[test]
    fn items_carry_their_department_heading_and_line() {
        let items = parse_seed("sample.txt", SAMPLE).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].id, "sample-001");
        assert_eq!(items[0].department, "総務部");
        assert_eq!(items[0].policy, "安心して暮らせる安全なまちを実現します");
        assert_eq!(items[0].text, "総合水防訓練を行います。");
        assert_eq!(items[0].year, "令和4年度");
        assert_eq!(items[0].fiscal_year, 2022);
        assert_eq!(items[1].source.line, 7);
    }

    #[test]
    fn full_and_half_width_parentheses_both_open_a_department() {
        for header in ["令和4年度「教育部の方針」（案）", "令和4年度「教育部の方針」(案)", "令和4年度「教育部の方針」"]
        {
            let text = format!("{header}\n見出し\n- ▽ 本文\n");
            let items = parse_seed("x.txt", &text).unwrap();
            assert_eq!(items[0].department, "教育部", "{header}");
        }
    }

    #[test]
    fn lines_that_cannot_be_placed_are_all_reported_with_file_and_line() {
        let text = "- ▽ 孤立した項目\n令和4年度「教育部の方針」(案)\n- ▽ 見出しのない項目\n見出し\n- ▽\n・ 箇条書き\n";
        let Err(IndexerError::Unplaced(lines)) = parse_seed("bad.txt", text) else {
            panic!("bad lines must be refused");
        };
        let places: Vec<String> = lines.iter().map(|l| format!("{}:{}", l.file, l.line)).collect();
        assert_eq!(places, ["bad.txt:1", "bad.txt:3", "bad.txt:5", "bad.txt:6"]);
    }

    #[test]
    fn an_unknown_era_is_refused_not_guessed() {
        let text = "明治4年度「教育部の方針」(案)\n見出し\n- ▽ 本文\n";
        let Err(IndexerError::Unplaced(lines)) = parse_seed("era.txt", text) else {
            panic!("an unknown era must be refused");
        };
        assert!(lines[0].reason.contains("明治4年度"), "{}", lines[0].reason);
    }

    #[test]
    fn eras_convert_to_western_fiscal_years() {
        assert_eq!(western_fiscal_year("令和4年度"), Some(2022));
        assert_eq!(western_fiscal_year("令和元年度"), Some(2019));
        assert_eq!(western_fiscal_year("令和４年度"), Some(2022));
        assert_eq!(western_fiscal_year("平成31年度"), Some(2019));
        assert_eq!(western_fiscal_year("2023年度"), Some(2023));
        assert_eq!(
            western_fiscal_year("令和７５４４年度"),
            Some(9562),
            "a year header takes any number the API admits"
        );
        assert_eq!(western_fiscal_year("令和0年度"), None);
        assert_eq!(western_fiscal_year("来年度"), None);
    }

    #[test]
    fn invalid_utf8_is_reported_with_its_line() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("broken.txt");
        fs::write(&path, b"\xe4\xbb\xa4\n\xff\xfe\n").unwrap();
        let Err(IndexerError::Unplaced(lines)) = read_seed_file(&path) else {
            panic!("invalid UTF-8 must be refused");
        };
        assert_eq!((lines[0].file.as_str(), lines[0].line), ("broken.txt", 2));
    }
}
