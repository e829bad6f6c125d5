//! What a search answers, and its JSON form, documented once, next to the
//! types producing it (the server sends these as they are).
//!
//! A [`SearchResults`], as `GET /api/search` serves it:
//!
//! ```json
//! {
//!   "query": "図書館",
//!   "total": 3,
//!   "took_ms": 0.84,
//!   "hits": [{
//!     "id": "komae-2022-policies-009", "score": 12.3,
//!     "year": "令和4年度", "fiscal_year": 2022, "municipality": "狛江市",
//!     "department": "企画財政部", "policy": "人にやさしいまちに向けた取組の推進", "path": [],
//!     "text": "…新図書館整備基本構想を取りまとめます。",
//!     "snippet": "…新<mark>図書館</mark>整備基本構想を取りまとめます。",
//!     "source": {"file": "komae-2022-policies.txt", "line": 20, "page": null,
//!                "title": "令和4年度 各部の方針（案）", "url": null, "ocr": false}
//!   }],
//!   "facets": {"department": [{"value": "企画財政部", "count": 1}],
//!              "fiscal_year": [{"value": 2022, "count": 1}],
//!              "municipality": [{"value": "狛江市", "count": 1}]}
//! }
//! ```
//!
//! When fewer than ten items match every word, items matching most words (or,
//! when none does, any word) follow them: the answer then has `"relaxation": {"exact_total", "words",
//! "minimum_matched"}` and each added hit lists its `"missing_words"`. With
//! `explain=true` every hit carries an `"explanation"` of its score. When the
//! query was widened (a synonym, a resident phrase, a sound-alike, a
//! clipping, a lookalike spelling), the answer
//! lists each in `"expansions": [{"kind", "from", "to"}]`, and an explanation
//! lists those its hit matched.
//!
//! A hit is a `PolicyItem` (as `GET /api/documents/{id}` serves it) with `score`
//! and `snippet`. [`AnalysisTokens`] are the terms one analysis makes of a text,
//! what `GET /api/analyze` lists, like Elasticsearch's `_analyze`.

use hoshin_analysis::PolicyItem;
use serde::Serialize;
use utoipa::ToSchema;

use crate::suggest::Suggestion;

/// One ranked search result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Hit {
    /// The item.
    #[serde(flatten)]
    pub item: PolicyItem,
    /// Relevance score; higher ranks first.
    pub score: f32,
    /// HTML-escaped excerpt of the text with `<mark>` around the matched parts.
    pub snippet: String,
    /// The heading (`policy`), HTML-escaped with `<mark>` around the matched
    /// parts, when some of it matched: a phrase found only in the heading
    /// still shows where.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_snippet: Option<String>,
    /// For a hit found by relaxing the query: the query words it does not match.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing_words: Vec<String>,
    /// With `explain=true`: `{"score", "matched": [{"field", "term", "bm25",
    /// "weight", "score"}], "tree"}`, the terms that matched field by field and
    /// tantivy's full account of the score (see [`crate::explain`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub explanation: Option<serde_json::Value>,
    /// How the item was found: `words` (every word of the query),
    /// `most_words` (a relaxed match), `meaning` (near the query in meaning,
    /// see `similarity`); both ways when the words and meaning found it;
    /// none when nothing was typed (a browse).
    pub matched_by: Vec<MatchedBy>,
    /// When meaning found the item: the cosine similarity of its text to the query.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub similarity: Option<f32>,
}

/// One way a hit was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    /// It matches every word of the query.
    Words,
    /// It matches most words of a query relaxed.
    MostWords,
    /// It is near the query in meaning.
    Meaning,
}

/// How many matching items one department or municipality holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FacetCount {
    /// Department or municipality name.
    pub value: String,
    /// Matching items in it.
    pub count: u64,
}

/// How many matching items are of one fiscal year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct YearCount {
    /// The western fiscal year, e.g. 2024.
    pub value: u64,
    /// Matching items of it.
    pub count: u64,
}

/// Counts of the matching items by facet. Each is counted over every item
/// matching the query, ignoring the `department`, `municipality` and year
/// filters, so a client can show what choosing another value would give.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Facets {
    /// Per department, most items first.
    pub department: Vec<FacetCount>,
    /// Per fiscal year, latest first.
    pub fiscal_year: Vec<YearCount>,
    /// Per municipality, most items first.
    pub municipality: Vec<FacetCount>,
}

/// The answer to a search.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchResults {
    /// The query as received.
    pub query: String,
    /// How many items were found (with the filters applied): those matching
    /// the words, relaxed matches included, and those only meaning found.
    pub total: u64,
    /// How many of `total` only meaning found: at most the fifty nearest
    /// items, and only those near enough.
    pub meaning_total: u64,
    /// Time spent searching, in milliseconds.
    pub took_ms: f64,
    /// The requested page of hits, best first.
    pub hits: Vec<Hit>,
    /// Counts by department.
    pub facets: Facets,
    /// Present when too few items matched every word and items matching most
    /// words were added after them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relaxation: Option<Relaxation>,
    /// How the query was widened beyond what was typed: synonyms, resident
    /// phrases, related words and sound-alikes. With `explain=true` each
    /// hit's explanation lists the ones it matched.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expansions: Vec<Expansion>,
    /// Only when nothing matched: words of the index the query may have
    /// meant, a typing slip away from one of its words or completing its
    /// beginning, so a page can offer them without asking again.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nearby: Vec<Suggestion>,
}

/// One way a query was widened beyond what was typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Expansion {
    /// `synonym` (the city's list, or the same word in Sudachi's synonym
    /// dictionary), `phrase` (the resident phrase table), `related` (a word
    /// of related meaning, only when few items match); for a word that
    /// matched nothing as typed, `sound_alike` (a reading it may have meant:
    /// romaji, kana, a misspelling), `clipped` (a word it may be short for)
    /// or `lookalike` (its spelling with a character that looks like one typed).
    pub kind: &'static str,
    /// What was typed.
    pub from: String,
    /// What was searched as well: a word, or a katakana reading.
    pub to: String,
}

/// How a query was relaxed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Relaxation {
    /// Items matching every word; they rank first.
    pub exact_total: u64,
    /// The words the query was split into.
    pub words: Vec<String>,
    /// How many of them each added item matches at least.
    pub minimum_matched: usize,
}

/// What one analyzer makes of a text (`GET /api/analyze`).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = Analysis)]
pub struct AnalysisTokens {
    /// Analyzer name: `surface`, `normalized`, `reading` or `ngram`.
    pub analyzer: &'static str,
    /// The index fields analysed this way.
    pub fields: Vec<&'static str>,
    /// The terms, in order.
    pub tokens: Vec<AnalyzedToken>,
}

/// One term an analyzer produced.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnalyzedToken {
    /// The term as indexed.
    pub term: String,
    /// Its position (gaps are dropped words).
    pub position: usize,
    /// The part of the input it came from.
    pub source: String,
}

/// An item near another in meaning, as `GET /api/documents/{id}/similar` lists it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Similar {
    /// The item.
    #[serde(flatten)]
    pub item: PolicyItem,
    /// The cosine similarity of its text to the other item's.
    pub similarity: f32,
}
