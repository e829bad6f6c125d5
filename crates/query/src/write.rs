//! Writing through the API: bearer tokens, document validation, and the
//! handlers that turn requests into journaled batches.
//!
//! | route | body | answer |
//! |---|---|---|
//! | `PUT /api/documents/{id}` | a [`DocumentInput`] | `{"written": 1}` |
//! | `POST /api/documents` | `{"documents": [DocumentInput with "id"]}`, at most [`MAX_BATCH`] | `{"written": n}` |
//! | `DELETE /api/documents/{id}` | | `{"deleted": id}`, or 404 |
//! | `POST /api/import?file=NAME.txt` | policy text in the seed format | `{"written": n}` |
//!
//! Each needs `Authorization: Bearer <token>` with a configured token; without
//! one, or with a wrong one, the answer is 401 and nothing changes. A batch is
//! written whole or not at all (see `hoshin_indexer::writer`).

use std::collections::HashSet;

use axum::http::header::AUTHORIZATION;
use axum::http::HeaderMap;
use hoshin_analysis::{PolicyItem, Source};
use hoshin_indexer::seed::{parse_seed, western_fiscal_year};
use hoshin_indexer::{Batch, IndexerError, Operation};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::error::{QueryError, Result};

/// Most documents in one batch.
pub const MAX_BATCH: usize = 1_000;
/// Largest request body, in bytes.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Longest id, in characters.
const MAX_ID_CHARS: usize = 128;
/// Longest item text, in characters.
const MAX_TEXT_CHARS: usize = 20_000;
/// Longest department, heading or year, in characters.
const MAX_LABEL_CHARS: usize = 500;

/// The API tokens, kept only as SHA-256 digests and compared in constant time.
#[derive(Default)]
pub struct ApiTokens {
    digests: Vec<[u8; 32]>,
}

impl std::fmt::Debug for ApiTokens {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "ApiTokens({} configured)", self.digests.len())
    }
}

impl ApiTokens {
    /// Tokens from configuration; blank ones are ignored.
    pub fn new<'a>(tokens: impl IntoIterator<Item = &'a str>) -> ApiTokens {
        let digests = tokens.into_iter().map(str::trim).filter(|token| !token.is_empty()).map(digest).collect();
        ApiTokens { digests }
    }

    /// How many tokens are configured.
    pub fn len(&self) -> usize {
        self.digests.len()
    }

    /// Whether writing is impossible for lack of tokens.
    pub fn is_empty(&self) -> bool {
        self.digests.is_empty()
    }

    /// Accepts a request bearing one of the tokens.
    pub fn authorize(&self, headers: &HeaderMap) -> Result<()> {
        let presented = headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(|token| digest(token.trim()));
        let Some(presented) = presented else {
            return Err(QueryError::Unauthorized("send `Authorization: Bearer <token>`"));
        };
        // Every configured digest is compared, each in constant time, so the
        // answer's timing says nothing about which bytes matched.
        let matched = self.digests.iter().fold(false, |found, known| found | equal_in_constant_time(known, &presented));
        if matched {
            Ok(())
        } else {
            Err(QueryError::Unauthorized("the token is not valid"))
        }
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn equal_in_constant_time(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |difference, (x, y)| difference | (x ^ y)) == 0
}

/// A document as a client sends it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentInput {
    /// The id; in a batch only (a `PUT` takes it from the path).
    pub id: Option<String>,
    /// The year as written, e.g. 令和5年度.
    pub year: String,
    /// The western fiscal year; worked out from `year` when absent.
    pub fiscal_year: Option<u64>,
    /// Department.
    pub department: String,
    /// Policy heading.
    pub policy: String,
    /// Item text.
    pub text: String,
    /// Where it comes from; `{"file": "api", "line": 0}` when absent.
    pub source: Option<Source>,
}

/// `POST /api/documents` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchInput {
    /// The documents.
    pub documents: Vec<DocumentInput>,
}

/// Checks a document and makes it an item.
pub fn item_from_input(id: &str, input: DocumentInput) -> Result<PolicyItem> {
    let invalid = |message: String| Err(QueryError::InvalidDocument(message));
    let id_ok = !id.is_empty()
        && id.chars().count() <= MAX_ID_CHARS
        && !id.starts_with('.')
        && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !id_ok {
        return invalid(format!("id `{id}` must be 1 to {MAX_ID_CHARS} of A-Z a-z 0-9 - _ . and not start with ."));
    }
    if input.id.as_deref().is_some_and(|body_id| body_id != id) {
        return invalid(format!("the body's id differs from `{id}`"));
    }
    for (name, value, max) in [
        ("year", &input.year, MAX_LABEL_CHARS),
        ("department", &input.department, MAX_LABEL_CHARS),
        ("policy", &input.policy, MAX_LABEL_CHARS),
        ("text", &input.text, MAX_TEXT_CHARS),
    ] {
        let length = value.chars().count();
        if value.trim().is_empty() || length > max {
            return invalid(format!("{id}: `{name}` must have 1 to {max} characters, not {length}"));
        }
    }
    let Some(fiscal_year) = input.fiscal_year.or_else(|| western_fiscal_year(&input.year)) else {
        return invalid(format!("{id}: cannot read the year `{}`; give `fiscal_year` too", input.year));
    };
    Ok(PolicyItem {
        id: id.to_string(),
        year: input.year,
        fiscal_year,
        department: input.department,
        policy: input.policy,
        text: input.text,
        source: input.source.unwrap_or(Source { file: "api".to_string(), line: 0 }),
    })
}

/// Checks a batch; ids must be present and distinct.
pub fn batch_from_input(input: BatchInput) -> Result<Batch> {
    if input.documents.len() > MAX_BATCH {
        return Err(QueryError::BatchTooLarge { given: input.documents.len(), max: MAX_BATCH });
    }
    let mut seen = HashSet::new();
    input
        .documents
        .into_iter()
        .enumerate()
        .map(|(position, document)| {
            let Some(id) = document.id.clone() else {
                return Err(QueryError::InvalidDocument(format!("document {position} has no `id`")));
            };
            if !seen.insert(id.clone()) {
                return Err(QueryError::InvalidDocument(format!("id `{id}` appears twice in the batch")));
            }
            item_from_input(&id, document).map(Operation::Put)
        })
        .collect()
}

/// Parses an uploaded policy text file into a batch.
pub fn batch_from_import(file: &str, text: &str) -> Result<Batch> {
    let file_ok = file.ends_with(".txt")
        && !file.starts_with('.')
        && file.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !file_ok {
        return Err(QueryError::InvalidDocument(format!("`file` must be a plain NAME.txt, not `{file}`")));
    }
    let items = parse_seed(file, text).map_err(|error| match error {
        IndexerError::Unplaced(_) => QueryError::InvalidDocument(error.to_string()),
        other => QueryError::Internal(other.to_string()),
    })?;
    if items.len() > MAX_BATCH {
        return Err(QueryError::BatchTooLarge { given: items.len(), max: MAX_BATCH });
    }
    Ok(items.into_iter().map(Operation::Put).collect())
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(authorization: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_str(authorization).unwrap());
        headers
    }

    #[test]
    fn only_a_configured_bearer_token_is_accepted() {
        let tokens = ApiTokens::new(["s3cret", " other ", ""]);
        assert_eq!(tokens.len(), 2);
        assert!(tokens.authorize(&headers("Bearer s3cret")).is_ok());
        assert!(tokens.authorize(&headers("Bearer other")).is_ok());
        assert!(tokens.authorize(&headers("Bearer s3cre")).is_err());
        assert!(tokens.authorize(&headers("Basic s3cret")).is_err());
        assert!(tokens.authorize(&HeaderMap::new()).is_err());
        assert!(ApiTokens::new([]).authorize(&headers("Bearer ")).is_err());
        assert!(!format!("{tokens:?}").contains("s3cret"), "tokens are never printed");
    }

    fn input() -> DocumentInput {
        DocumentInput {
            id: None,
            year: "令和5年度".into(),
            fiscal_year: None,
            department: "教育部".into(),
            policy: "見出し".into(),
            text: "本文".into(),
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
        let empty_text = DocumentInput { text: " ".into(), ..input() };
        assert!(item_from_input("x", empty_text).is_err());
        let unknown_year = DocumentInput { year: "来年度".into(), ..input() };
        assert!(item_from_input("x", unknown_year).is_err());
    }

    #[test]
    fn a_batch_needs_distinct_ids_and_a_bounded_size() {
        let with_id = |id: &str| DocumentInput { id: Some(id.into()), ..input() };
        assert_eq!(batch_from_input(BatchInput { documents: vec![with_id("a"), with_id("b")] }).unwrap().len(), 2);
        assert!(batch_from_input(BatchInput { documents: vec![with_id("a"), with_id("a")] }).is_err());
        assert!(batch_from_input(BatchInput { documents: vec![input()] }).is_err());
        let too_many = BatchInput { documents: (0..=MAX_BATCH).map(|n| with_id(&n.to_string())).collect() };
        assert!(matches!(batch_from_input(too_many), Err(QueryError::BatchTooLarge { .. })));
    }
}
