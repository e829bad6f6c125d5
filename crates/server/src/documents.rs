//! The documents other systems write: their JSON bodies, and the checks that
//! turn them (or an imported document) into batches for the journal.
//!
//! Every rule here is also in the OpenAPI schema of the types, so that what the
//! document allows is accepted.

use hoshin_analysis::bounds::{MAX_BATCH, MAX_ID_CHARS, MAX_LABEL_CHARS, MAX_PATH_HEADINGS, MAX_TEXT_CHARS};
use hoshin_analysis::{PolicyItem, Source};
use hoshin_import::{
    import_bytes, parse_fiscal_year, Format, ImportError, ImportLimits, ImportOptions, ImportedDocument,
};
use hoshin_indexer::seed::western_fiscal_year;
use hoshin_indexer::{Batch, Operation};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::{ApiError, Result};
use crate::params::is_blank;

/// The source file name of documents written through the API.
pub const API_SOURCE: &str = "api";

/// A document as a client sends it to `PUT /api/documents/{id}`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct DocumentInput {
    /// The year as written: an era (令和, 平成, 昭和) or none, a year (元 or 1–4
    /// digits) and 年度. The western fiscal year is worked out from it.
    #[schema(pattern = r"^(令和|平成|昭和)?(元|[1-9１-９][0-9０-９]{0,3})年度$")]
    pub year: String,
    /// Department.
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub department: String,
    /// Policy heading.
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub policy: String,
    /// Item text.
    #[schema(min_length = 1, max_length = 20000, pattern = r"\S")]
    pub text: String,
    /// The municipality, e.g. 狛江市.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub municipality: Option<String>,
    /// The headings between department and policy heading, outermost first.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub path: Vec<String>,
    /// Where the document was read from (`hoshin import` sends it); `api` when absent.
    #[serde(default)]
    pub source: Option<SourceInput>,
}

/// Where a written document was read from: `hoshin_analysis::Source` as a
/// client sends it, every bound in the schema.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SourceInput {
    /// File name.
    #[schema(max_length = 500)]
    pub file: String,
    /// 1-based line in that file (on its page, for a PDF); 0 when unknown.
    #[serde(default, deserialize_with = "whole_number")]
    pub line: u32,
    /// 1-based page of a PDF.
    #[serde(default, deserialize_with = "optional_whole_number")]
    pub page: Option<u32>,
    /// The document's title.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub title: Option<String>,
    /// Where the city publishes the document.
    #[serde(default)]
    #[schema(pattern = r"^https?://[^\t\n\x0B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]+$")]
    pub url: Option<String>,
    /// Whether the text was read by OCR.
    #[serde(default)]
    pub ocr: bool,
}

/// Largest line or page: what the schema's int32 allows.
const MAX_POSITION: u64 = i32::MAX as u64;

/// A whole number as JSON Schema counts one (`12` or `12.0`), up to [`MAX_POSITION`].
fn whole_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<u32, D::Error> {
    let number = serde_json::Number::deserialize(deserializer)?;
    let whole = number
        .as_u64()
        .or_else(|| number.as_f64().filter(|value| value.fract() == 0.0 && *value >= 0.0).map(|value| value as u64));
    whole
        .filter(|value| *value <= MAX_POSITION)
        .and_then(|value| u32::try_from(value).ok())
        .ok_or_else(|| serde::de::Error::custom(format!("{number} is not a whole number from 0 to {MAX_POSITION}")))
}

fn optional_whole_number<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<Option<u32>, D::Error> {
    Option::<serde_json::Number>::deserialize(deserializer)?
        .map(|number| whole_number(number).map_err(serde::de::Error::custom))
        .transpose()
}

/// A document of a batch: an id and the rest.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct BatchDocument {
    /// The id: 1 to 128 of `A-Z a-z 0-9 - _ .`, not starting with `.`.
    #[schema(pattern = r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$")]
    pub id: String,
    /// The document.
    #[serde(flatten)]
    pub document: DocumentInput,
}

/// `POST /api/documents` body. A later document with an id already in the
/// batch replaces the earlier one.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BatchInput {
    /// The documents.
    #[schema(max_items = 1000)]
    pub documents: Vec<BatchDocument>,
}

/// Checks a document and makes it an item. Every rule here is also in the
/// OpenAPI schema above, so that what the document allows is accepted.
pub fn item_from_input(id: &str, input: DocumentInput) -> Result<PolicyItem> {
    let invalid = |message: String| Err(ApiError::InvalidDocument(message));
    if !is_plain_name(id, MAX_ID_CHARS) {
        return invalid(format!("id `{id}` must be 1 to {MAX_ID_CHARS} of A-Z a-z 0-9 - _ . and not start with ."));
    }
    let labels = [
        ("department", &input.department, MAX_LABEL_CHARS),
        ("policy", &input.policy, MAX_LABEL_CHARS),
        ("text", &input.text, MAX_TEXT_CHARS),
    ];
    let municipality = input.municipality.iter().map(|municipality| ("municipality", municipality, MAX_LABEL_CHARS));
    for (name, value, max) in labels.into_iter().chain(municipality) {
        let length = value.chars().count();
        if is_blank(value) || length > max {
            return invalid(format!(
                "{id}: `{name}` must have 1 to {max} characters, not only spaces; it has {length}"
            ));
        }
    }
    if input.path.len() > MAX_PATH_HEADINGS {
        return invalid(format!("{id}: `path` holds at most {MAX_PATH_HEADINGS} headings, not {}", input.path.len()));
    }
    if let Some(source) = &input.source {
        if let Some(url) = source.url.as_deref().filter(|url| !is_web_address(url)) {
            return invalid(format!("{id}: `source.url` must be an http:// or https:// address, not `{url}`"));
        }
        for (name, value) in [("source.file", Some(&source.file)), ("source.title", source.title.as_ref())] {
            let length = value.map_or(0, |value| value.chars().count());
            if length > MAX_LABEL_CHARS {
                return invalid(format!(
                    "{id}: `{name}` has {length} characters; at most {MAX_LABEL_CHARS} are allowed"
                ));
            }
        }
    }
    let fiscal_year = western_fiscal_year(&input.year).filter(|_| year_is_well_formed(&input.year));
    let Some(fiscal_year) = fiscal_year else {
        return invalid(format!("{id}: cannot read the year `{}` (like 令和5年度 or 2023年度)", input.year));
    };
    Ok(PolicyItem {
        id: id.to_string(),
        year: input.year,
        fiscal_year,
        municipality: input.municipality,
        department: input.department,
        policy: input.policy,
        path: input.path,
        text: input.text,
        source: input.source.map_or_else(
            || Source { file: API_SOURCE.to_string(), ..Source::default() },
            |source| Source {
                file: source.file,
                line: source.line.into(),
                page: source.page.map(u64::from),
                title: source.title,
                url: source.url,
                ocr: source.ocr,
            },
        ),
    })
}

/// An http:// or https:// address without white space, as the page may link it.
fn is_web_address(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://")) && !url.chars().any(char::is_whitespace)
}

/// A file name as a city names its documents (令和6年度施政方針.pdf): 1 to
/// [`MAX_ID_CHARS`] characters, no path separators or control characters, not
/// starting with `.`.
fn is_file_name(name: &str) -> bool {
    let length = name.chars().count();
    (1..=MAX_ID_CHARS).contains(&length)
        && !name.starts_with('.')
        && !name.chars().any(|c| matches!(c, '/' | '\\') || c.is_control())
}

/// 1 to `max` of `A-Z a-z 0-9 - _ .`, not starting with `.`: ids.
fn is_plain_name(name: &str, max: usize) -> bool {
    !name.is_empty()
        && name.chars().count() <= max
        && !name.starts_with('.')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// `(令和|平成|昭和)?(元|[1-9１-９][0-9０-９]{0,3})年度`, exactly.
fn year_is_well_formed(year: &str) -> bool {
    let Some(number) = year.strip_suffix("年度") else { return false };
    let number = ["令和", "平成", "昭和"].iter().find_map(|era| number.strip_prefix(era)).unwrap_or(number);
    let digit = |c: char| c.is_ascii_digit() || ('０'..='９').contains(&c);
    let digits: Vec<char> = number.chars().collect();
    number == "元"
        || (!digits.is_empty()
            && digits.len() <= 4
            && digits.iter().all(|&c| digit(c))
            && !matches!(digits[0], '0' | '０'))
}

/// Checks a batch.
pub fn batch_from_input(input: BatchInput) -> Result<Batch> {
    if input.documents.len() > MAX_BATCH {
        return Err(ApiError::BatchTooLarge { given: input.documents.len(), max: MAX_BATCH });
    }
    input
        .documents
        .into_iter()
        .map(|document| item_from_input(&document.id, document.document).map(Operation::Put))
        .collect()
}

/// What an import request says about its document besides its bytes.
pub struct ImportRequest {
    /// The file name (`NAME.pdf`…): the format comes from its extension, the ids from its
    /// stem (or, for a name that is not plain ASCII, from a digest of it).
    pub file: String,
    /// The `Content-Type`, for a name without a known extension.
    pub media_type: Option<String>,
    /// The municipality the document is of.
    pub municipality: Option<String>,
    /// The fiscal year, for a document that does not say it.
    pub year: Option<String>,
    /// Where the city publishes the document.
    pub url: Option<String>,
}

/// Reads an uploaded document (text-layer formats only: OCR is for `hoshin
/// import`) into a batch, and the document without its items: what it found.
pub fn batch_from_import(
    request: &ImportRequest,
    bytes: &[u8],
    limits: &ImportLimits,
) -> Result<(Batch, ImportedDocument)> {
    let file = request.file.as_str();
    if !is_file_name(file) {
        return Err(ApiError::InvalidDocument(format!(
            "`file` must be a file name, NAME.EXTENSION, of at most {MAX_ID_CHARS} characters, without / \\ or control characters, not `{file}`"
        )));
    }
    let format = Format::of_file_name(file)
        .or_else(|| request.media_type.as_deref().and_then(Format::of_media_type))
        .ok_or_else(|| ImportError::Unsupported {
        file: file.to_string(),
        what: request.media_type.clone().unwrap_or_else(|| "(no Content-Type)".to_string()),
    })?;
    if let Some(url) = request.url.as_deref().filter(|url| !is_web_address(url)) {
        return Err(ApiError::InvalidDocument(format!("`url` must be an http:// or https:// address, not `{url}`")));
    }
    let year = match &request.year {
        Some(year) => Some(parse_fiscal_year(year).ok_or_else(|| ImportError::BadYear(year.clone()))?),
        None => None,
    };
    let options = ImportOptions {
        ocr: false,
        municipality: request.municipality.clone().filter(|municipality| !is_blank(municipality)),
        year,
        url: request.url.clone(),
        limits: *limits,
    };
    let mut document = import_bytes(file, format, bytes, &options)?;
    // The items move into the batch; the rest of the document is the answer's.
    let batch = std::mem::take(&mut document.items).into_iter().map(Operation::Put).collect();
    Ok((batch, document))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> DocumentInput {
        DocumentInput {
            year: "令和5年度".into(),
            department: "教育部".into(),
            policy: "見出し".into(),
            text: "本文".into(),
            municipality: None,
            path: Vec::new(),
            source: None,
        }
    }

    #[test]
    fn documents_are_checked_before_they_are_written() {
        let item = item_from_input("x-1", input()).unwrap();
        assert_eq!((item.fiscal_year, item.source.file.as_str()), (2023, "api"));
        for bad_id in ["", "../etc", "a/b", ".hidden", "スペース", &"x".repeat(129)] {
            assert!(item_from_input(bad_id, input()).is_err(), "{bad_id}");
        }
        for blank in [" ", "\u{3000}", "\u{feff}\n"] {
            let blank_text = DocumentInput { text: blank.into(), ..input() };
            assert!(item_from_input("x", blank_text).is_err(), "{blank:?}");
        }
        for year in ["令和５年度", "2023年度", "平成元年度"] {
            assert!(item_from_input("x", DocumentInput { year: year.into(), ..input() }).is_ok(), "{year}");
        }
        for year in ["来年度", "令和0年度", "令和05年度", "12345年度", "令和5年", " 令和5年度"] {
            assert!(item_from_input("x", DocumentInput { year: year.into(), ..input() }).is_err(), "{year}");
        }
    }

    #[test]
    fn a_source_takes_whole_numbers_as_json_schema_counts_them() {
        let source = |json: &str| serde_json::from_str::<SourceInput>(json);
        assert_eq!(source(r#"{"file": "a.pdf", "line": 12.0, "page": 3}"#).unwrap().line, 12);
        assert!(source(r#"{"file": "a.pdf", "line": 12.5}"#).is_err());
        assert!(source(r#"{"file": "a.pdf", "page": 2147483648}"#).is_err());
        assert_eq!(source(r#"{"file": "a.pdf", "page": null}"#).unwrap().page, None);
    }

    #[test]
    fn a_batch_is_checked_document_by_document_and_bounded_in_size() {
        let with_id = |id: &str| BatchDocument { id: id.into(), document: input() };
        assert_eq!(batch_from_input(BatchInput { documents: vec![with_id("a"), with_id("b")] }).unwrap().len(), 2);
        assert!(batch_from_input(BatchInput { documents: vec![with_id("a"), with_id("../b")] }).is_err());
        let too_many = BatchInput { documents: (0..=MAX_BATCH).map(|n| with_id(&n.to_string())).collect() };
        assert!(matches!(batch_from_input(too_many), Err(ApiError::BatchTooLarge { .. })));
    }
}
