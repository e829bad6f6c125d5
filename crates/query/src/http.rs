//! The JSON HTTP API: routes, parameter validation, and nothing else.
//!
//! | route | answer |
//! |---|---|
//! | `GET /api/search?q=…&limit=10&offset=0&department=…` | [`SearchResults`](crate::SearchResults) |
//! | `GET /api/documents/{id}` | the `PolicyItem`, or 404 |
//! | `GET /api/documents/{id}/siblings` | `{"items": [...]}`: the other items under its heading |
//! | `GET /api/suggest?q=…&limit=8` | `{"query", "suggestions": [{"text", "reading", "count"}]}` |
//! | `GET /api/analyze?text=…` | the terms each analyzer makes of `text` |
//! | `GET /api/health` | `{"status": "ok", "documents": 118, "last_commit": 1795514506}` |
//!
//! Writes (`PUT`/`DELETE /api/documents/{id}`, `POST /api/documents`,
//! `POST /api/import`) are described in [`crate::write`].
//!
//! Every error, unknown routes and methods included, is
//! `{"error": {"code", "message"}}` with a 4xx status (see [`QueryError`]), but
//! for 503 when the server is overloaded. Every request passes through
//! [`crate::admission`]; cross-origin calls are allowed only from the origins
//! in [`HttpConfig::cors_origins`].

use std::sync::Arc;

use std::time::UNIX_EPOCH;

use axum::extract::{DefaultBodyLimit, FromRef, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::Uri;
use axum::http::{HeaderValue, Method};
use axum::middleware;
use axum::routing::{get, post};
use axum::{Json, Router};
use hoshin_analysis::PolicyItem;
use serde::Deserialize;
use serde_json::{json, Value};

use tower_http::cors::{AllowOrigin, CorsLayer};

use hoshin_indexer::{Batch, DocumentWriter, Operation};

use crate::admission::{admit, Admission, AdmissionLimits};
use crate::error::{QueryError, Result};
use crate::extract::{ApiBody, ApiJson, ApiPath, ApiQuery, Authorized};
use crate::results::SearchResults;
use crate::search::{SearchEngine, SearchRequest};
use crate::write::{
    batch_from_import, batch_from_input, item_from_input, ApiTokens, BatchInput, DocumentInput, MAX_BODY_BYTES,
};

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

/// How the HTTP layer is configured.
#[derive(Debug, Clone, Default)]
pub struct HttpConfig {
    /// Concurrency and time limits.
    pub limits: AdmissionLimits,
    /// Origins other than the server's own whose pages may call the API; none
    /// by default, which leaves browsers to their same-origin rule.
    pub cors_origins: Vec<HeaderValue>,
}

/// What the handlers share: the engine that reads, the writer, the tokens.
#[derive(Clone)]
pub struct AppState {
    /// Searches and look-ups.
    pub engine: Arc<SearchEngine>,
    /// Writes into the live index.
    pub writer: Arc<DocumentWriter>,
    /// Who may write.
    pub tokens: Arc<ApiTokens>,
}

impl FromRef<AppState> for Arc<SearchEngine> {
    fn from_ref(state: &AppState) -> Self {
        state.engine.clone()
    }
}

/// Builds the API router, with `extra` routes (the search page) behind the
/// same admission control.
pub fn router(state: AppState, config: &HttpConfig, extra: Router) -> Router {
    let api = Router::new()
        .route("/api/search", get(search))
        .route("/api/documents", post(post_documents))
        .route("/api/documents/{id}", get(document).put(put_document).delete(delete_document))
        .route("/api/import", post(import))
        .route("/api/documents/{id}/siblings", get(siblings))
        .route("/api/suggest", get(suggest))
        .route("/api/analyze", get(analyze))
        .route("/api/health", get(health))
        .fallback(no_such_endpoint)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
        .merge(extra);
    let api = if config.cors_origins.is_empty() {
        api
    } else {
        api.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(config.cors_origins.clone()))
                .allow_methods([Method::GET, Method::PUT, Method::POST, Method::DELETE])
                .allow_headers([CONTENT_TYPE, AUTHORIZATION]),
        )
    };
    api.layer(middleware::from_fn_with_state(Admission::new(config.limits), admit))
}

/// `/api/search` parameters as received: strings, so that a bad number gets our
/// own error message rather than the extractor's.
#[derive(Debug, Deserialize)]
struct SearchParams {
    q: Option<String>,
    limit: Option<String>,
    offset: Option<String>,
    department: Option<String>,
    explain: Option<String>,
}

/// `/api/suggest` parameters.
#[derive(Debug, Deserialize)]
struct SuggestParams {
    q: Option<String>,
    limit: Option<String>,
}

/// `/api/analyze` parameters.
#[derive(Debug, Deserialize)]
struct AnalyzeParams {
    text: Option<String>,
}

async fn search(
    State(engine): State<Arc<SearchEngine>>,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> Result<Json<SearchResults>> {
    let query = checked_text(params.q)?;
    let limit = page_size(params.limit.as_deref(), DEFAULT_LIMIT, MAX_LIMIT)?;
    let offset = parse_bounded(params.offset.as_deref(), 0, 0, MAX_OFFSET)
        .map_err(|given| QueryError::InvalidOffset { given, max: MAX_OFFSET })?;
    let department = params.department.filter(|department| !department.is_empty());
    let explain = match params.explain.as_deref() {
        None | Some("false") | Some("0") => false,
        Some("true") | Some("1") => true,
        Some(other) => return Err(QueryError::InvalidFlag { name: "explain", given: other.to_string() }),
    };
    blocking(move || {
        engine.search(&SearchRequest { query: &query, limit, offset, department: department.as_deref(), explain })
    })
    .await
    .map(Json)
}

/// A text to search or analyse: present, not blank, not too long.
fn checked_text(text: Option<String>) -> Result<String> {
    let text = text.unwrap_or_default();
    if text.trim().is_empty() {
        return Err(QueryError::EmptyQuery);
    }
    let length = text.chars().count();
    if length > MAX_QUERY_CHARS {
        return Err(QueryError::QueryTooLong { length, max: MAX_QUERY_CHARS });
    }
    Ok(text)
}

/// A `limit` parameter: 1 to `max`, `default` when absent.
fn page_size(given: Option<&str>, default: usize, max: usize) -> Result<usize> {
    parse_bounded(given, default, 1, max).map_err(|given| QueryError::InvalidLimit { given, max })
}

/// A whole number within `min..=max`, `default` when absent; the offending
/// text otherwise.
fn parse_bounded(given: Option<&str>, default: usize, min: usize, max: usize) -> std::result::Result<usize, String> {
    let Some(text) = given else {
        return Ok(default);
    };
    text.trim().parse::<usize>().ok().filter(|value| (min..=max).contains(value)).ok_or_else(|| text.to_string())
}

async fn document(State(engine): State<Arc<SearchEngine>>, ApiPath(id): ApiPath<String>) -> Result<Json<PolicyItem>> {
    blocking(move || engine.document(&id)).await.map(Json)
}

async fn siblings(State(engine): State<Arc<SearchEngine>>, ApiPath(id): ApiPath<String>) -> Result<Json<Value>> {
    blocking(move || Ok(json!({ "items": engine.siblings(&id)? }))).await.map(Json)
}

async fn suggest(
    State(engine): State<Arc<SearchEngine>>,
    ApiQuery(params): ApiQuery<SuggestParams>,
) -> Result<Json<Value>> {
    let prefix = checked_text(params.q)?;
    let limit = page_size(params.limit.as_deref(), DEFAULT_SUGGESTIONS, MAX_SUGGESTIONS)?;
    Ok(Json(json!({ "query": prefix, "suggestions": engine.suggest(&prefix, limit) })))
}

async fn analyze(
    State(engine): State<Arc<SearchEngine>>,
    ApiQuery(params): ApiQuery<AnalyzeParams>,
) -> Result<Json<Value>> {
    let text = checked_text(params.text)?;
    blocking(move || Ok(json!({ "text": text, "analyzers": engine.analyze(&text) }))).await.map(Json)
}

async fn health(State(engine): State<Arc<SearchEngine>>) -> Json<Value> {
    let last_commit =
        engine.last_commit().and_then(|time| time.duration_since(UNIX_EPOCH).ok()).map(|age| age.as_secs());
    Json(json!({ "status": "ok", "documents": engine.document_count(), "last_commit": last_commit }))
}

/// Journals and commits a batch, then makes it searchable.
async fn write_batch(state: AppState, batch: Batch) -> Result<usize> {
    let written = batch.len();
    blocking(move || {
        state.writer.write(&batch)?;
        state.engine.refresh()
    })
    .await?;
    Ok(written)
}

async fn put_document(
    State(state): State<AppState>,
    _: Authorized,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<DocumentInput>,
) -> Result<Json<Value>> {
    let batch = vec![Operation::Put(item_from_input(&id, input)?)];
    let written = write_batch(state, batch).await?;
    Ok(Json(json!({ "written": written })))
}

async fn post_documents(
    State(state): State<AppState>,
    _: Authorized,
    ApiJson(input): ApiJson<BatchInput>,
) -> Result<Json<Value>> {
    let written = write_batch(state, batch_from_input(input)?).await?;
    Ok(Json(json!({ "written": written })))
}

async fn delete_document(
    State(state): State<AppState>,
    _: Authorized,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Value>> {
    let engine = state.engine.clone();
    let looked_up = id.clone();
    blocking(move || engine.document(&looked_up)).await?;
    write_batch(state, vec![Operation::Delete(id.clone())]).await?;
    Ok(Json(json!({ "deleted": id })))
}

/// `/api/import` parameters.
#[derive(Debug, Deserialize)]
struct ImportParams {
    file: Option<String>,
}

async fn import(
    State(state): State<AppState>,
    _: Authorized,
    ApiQuery(params): ApiQuery<ImportParams>,
    ApiBody(body): ApiBody,
) -> Result<Json<Value>> {
    let file = params.file.unwrap_or_default();
    let text = std::str::from_utf8(&body)
        .map_err(|error| QueryError::InvalidDocument(format!("the policy text is not UTF-8: {error}")))?;
    let batch = batch_from_import(&file, text)?;
    let written = write_batch(state, batch).await?;
    Ok(Json(json!({ "written": written, "file": file })))
}

async fn no_such_endpoint(uri: Uri) -> QueryError {
    QueryError::NoSuchEndpoint(uri.path().to_string())
}

async fn method_not_allowed() -> QueryError {
    QueryError::MethodNotAllowed
}

/// Runs index work off the async threads.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| QueryError::Internal(format!("search task failed: {error}")))?
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
}
