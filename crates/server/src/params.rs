//! Request parameters as received, and the checks that make them values:
//! every bound the API promises lives here.

use hoshin_search::{SearchMode, SearchRequest, SortOrder};
use serde::Deserialize;

use crate::error::{ApiError, Result};

/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 1_000;
/// Largest page size.
pub const MAX_LIMIT: usize = 100;
/// Page size when `limit` is not given.
pub const DEFAULT_LIMIT: usize = 10;
/// Suggestions when `limit` is not given.
pub const DEFAULT_SUGGESTIONS: usize = 8;
/// Most suggestions asked for at once.
pub const MAX_SUGGESTIONS: usize = 20;
/// Deepest `offset` accepted; paging further is not a resident's need and would
/// make the engine rank that many items.
pub const MAX_OFFSET: usize = 10_000;
/// Largest request body, in bytes.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// `/api/search` parameters as received: strings, so that a bad number gets our
/// own error message rather than the extractor's.
#[derive(Debug, Deserialize)]
pub struct SearchParams {
    /// The query.
    pub q: Option<String>,
    /// The page and the filters.
    #[serde(flatten)]
    pub page: PageParams,
    /// `relevance`, `newest` or `oldest`.
    pub sort: Option<String>,
    /// `true` or `false`.
    pub explain: Option<String>,
    /// `true` or `false`.
    pub exact: Option<String>,
    /// `hybrid`, `lexical` or `semantic`.
    pub mode: Option<String>,
    /// A position a write answered, to see at least.
    pub after: Option<String>,
}

/// The page and filters of a list of items, as received: `/api/search` and
/// `/api/documents/{id}/similar` take them alike.
#[derive(Debug, Deserialize)]
pub struct PageParams {
    /// Items per page.
    pub limit: Option<String>,
    /// Items to skip.
    pub offset: Option<String>,
    /// Only this department.
    pub department: Option<String>,
    /// Only this municipality.
    pub municipality: Option<String>,
    /// Fiscal years from this one.
    pub year_from: Option<String>,
    /// Fiscal years up to this one.
    pub year_to: Option<String>,
}

/// A page and filters, checked.
#[derive(Debug, Clone)]
pub struct Page {
    limit: usize,
    offset: usize,
    department: Option<String>,
    municipality: Option<String>,
    fiscal_years: (Option<u64>, Option<u64>),
}

impl PageParams {
    /// The page and filters, each within its bounds.
    pub fn checked(self) -> Result<Page> {
        Ok(Page {
            limit: page_size(self.limit.as_deref(), DEFAULT_LIMIT, MAX_LIMIT)?,
            offset: offset(self.offset.as_deref())?,
            department: self.department,
            municipality: self.municipality,
            fiscal_years: fiscal_years(self.year_from.as_deref(), self.year_to.as_deref())?,
        })
    }
}

impl Page {
    /// A request for `query` on this page, with these filters, by relevance.
    pub fn request<'a>(&'a self, query: &'a str) -> SearchRequest<'a> {
        SearchRequest {
            limit: self.limit,
            offset: self.offset,
            department: self.department.as_deref(),
            municipality: self.municipality.as_deref(),
            fiscal_years: self.fiscal_years,
            ..SearchRequest::new(query)
        }
    }
}

/// `/api/suggest` parameters.
#[derive(Debug, Deserialize)]
pub struct SuggestParams {
    /// The prefix.
    pub q: Option<String>,
    /// How many suggestions.
    pub limit: Option<String>,
}

/// `/api/analyze` parameters.
#[derive(Debug, Deserialize)]
pub struct AnalyzeParams {
    /// The text to analyse.
    pub text: Option<String>,
}

/// `/api/import` parameters.
#[derive(Debug, Deserialize)]
pub struct ImportParams {
    /// The file name the ids are made from.
    pub file: Option<String>,
    /// The municipality the document is of.
    pub municipality: Option<String>,
    /// The fiscal year, when the document does not say it.
    pub year: Option<String>,
    /// Where the city publishes the document.
    pub url: Option<String>,
    /// `true` to replace the items of another document whose ids share this one's stem.
    pub replace: Option<String>,
}

/// A text to search or analyse: present, not blank, not too long.
pub fn checked_text(text: Option<String>) -> Result<String> {
    let text = text.unwrap_or_default();
    if is_blank(&text) {
        return Err(ApiError::EmptyQuery);
    }
    let length = text.chars().count();
    if length > MAX_QUERY_CHARS {
        return Err(ApiError::QueryTooLong { length, max: MAX_QUERY_CHARS });
    }
    Ok(text)
}

/// Whether `text` has nothing but white space, white space as the OpenAPI
/// document's `\S` patterns (ECMAScript regular expressions) count it, so that
/// the document and the server agree on every input.
pub fn is_blank(text: &str) -> bool {
    text.chars().all(|c| {
        matches!(
            c,
            '\t' | '\n' | '\u{B}' | '\u{C}' | '\r' | ' ' | '\u{A0}' | '\u{1680}' | '\u{2000}'
                ..='\u{200A}' | '\u{2028}' | '\u{2029}' | '\u{202F}' | '\u{205F}' | '\u{3000}' | '\u{FEFF}'
        )
    })
}

/// A `limit` parameter: 1 to `max`, `default` when absent.
pub fn page_size(given: Option<&str>, default: usize, max: usize) -> Result<usize> {
    parse_bounded(given, default, 1, max).map_err(|given| ApiError::InvalidLimit { given, max })
}

/// An `offset` parameter: 0 to [`MAX_OFFSET`], 0 when absent.
pub fn offset(given: Option<&str>) -> Result<usize> {
    parse_bounded(given, 0, 0, MAX_OFFSET).map_err(|given| ApiError::InvalidOffset { given, max: MAX_OFFSET })
}

/// An `after` parameter: a position a write answered, none when absent.
pub fn position(given: Option<&str>) -> Result<Option<u64>> {
    given.map(|text| text.trim().parse::<u64>().map_err(|_| ApiError::InvalidAfter(text.to_string()))).transpose()
}

/// A true/false parameter, false when absent.
pub fn flag(name: &'static str, given: Option<&str>) -> Result<bool> {
    match given {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(ApiError::InvalidFlag { name, given: other.to_string() }),
    }
}

/// Earliest and latest fiscal year a filter accepts.
pub const FISCAL_YEARS: std::ops::RangeInclusive<u64> = 1..=9999;

/// `year_from` and `year_to`: fiscal years (whole numbers), either absent.
/// Given the other way round they are the same range, as a resident who
/// picks 2024 to 2022 means.
pub fn fiscal_years(from: Option<&str>, to: Option<&str>) -> Result<(Option<u64>, Option<u64>)> {
    let year = |name: &'static str, given: Option<&str>| match given {
        None => Ok(None),
        Some(text) => text
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|year| FISCAL_YEARS.contains(year))
            .map(Some)
            .ok_or_else(|| ApiError::InvalidYear { name, given: text.to_string() }),
    };
    let (from, to) = (year("year_from", from)?, year("year_to", to)?);
    match (from, to) {
        (Some(from), Some(to)) if from > to => Ok((Some(to), Some(from))),
        range => Ok(range),
    }
}

/// A `sort` parameter, relevance when absent.
pub fn sort_order(given: Option<&str>) -> Result<SortOrder> {
    match given {
        None => Ok(SortOrder::Relevance),
        Some(name) => SortOrder::named(name).ok_or_else(|| ApiError::InvalidSort(name.to_string())),
    }
}

/// A `mode` parameter, hybrid when absent.
pub fn search_mode(given: Option<&str>) -> Result<SearchMode> {
    match given {
        None => Ok(SearchMode::Hybrid),
        Some(name) => SearchMode::named(name).ok_or_else(|| ApiError::InvalidMode(name.to_string())),
    }
}

/// A whole number within `min..=max`, `default` when absent; the offending
/// text otherwise.
fn parse_bounded(given: Option<&str>, default: usize, min: usize, max: usize) -> std::result::Result<usize, String> {
    let Some(text) = given else {
        return Ok(default);
    };
    text.trim().parse::<usize>().ok().filter(|value| (min..=max).contains(value)).ok_or_else(|| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_whole_and_within_bounds() {
        assert_eq!(parse_bounded(None, 10, 1, 100), Ok(10));
        assert_eq!(parse_bounded(Some("100"), 10, 1, 100), Ok(100));
        assert_eq!(parse_bounded(Some("0"), 10, 1, 100), Err("0".to_string()));
        assert_eq!(parse_bounded(Some("-1"), 0, 0, 100), Err("-1".to_string()));
        assert_eq!(parse_bounded(Some("ten"), 0, 0, 100), Err("ten".to_string()));
        assert_eq!(parse_bounded(Some("1e3"), 0, 0, 100), Err("1e3".to_string()));
    }

    #[test]
    fn year_ranges_are_whole_years_in_order_and_may_be_open() {
        assert_eq!(fiscal_years(None, None).unwrap(), (None, None));
        assert_eq!(fiscal_years(Some("2022"), None).unwrap(), (Some(2022), None));
        assert_eq!(fiscal_years(Some("2022"), Some("2022")).unwrap(), (Some(2022), Some(2022)));
        assert_eq!(fiscal_years(Some("2024"), Some("2022")).unwrap(), (Some(2022), Some(2024)));
        for bad in ["令和4", "0", "10000", "-1", "2022.5"] {
            assert!(matches!(fiscal_years(None, Some(bad)), Err(ApiError::InvalidYear { name: "year_to", .. })));
        }
        assert_eq!(sort_order(Some("newest")).unwrap(), SortOrder::Newest);
        assert!(matches!(sort_order(Some("date")), Err(ApiError::InvalidSort(_))));
    }

    #[test]
    fn flags_are_true_or_false() {
        assert!(!flag("explain", None).unwrap());
        assert!(flag("explain", Some("true")).unwrap());
        assert!(matches!(flag("explain", Some("1")), Err(ApiError::InvalidFlag { name: "explain", .. })));
    }
}
