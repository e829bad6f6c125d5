//! The JSON HTTP API: routes, parameter validation, and nothing else.
//!
//! | route | answer |
//! |---|---|
//! | `GET /api/search?q=…&limit=10&offset=0&department=…` | [`SearchResults`](crate::SearchResults) |
//! | `GET /api/documents/{id}` | the `PolicyItem`, or 404 |
//! | `GET /api/documents/{id}/siblings` | `{"items": [...]}`: the other items under its heading |
//! | `GET /api/suggest?q=…&limit=8` | `{"query", "suggestions": [{"text", "reading", "count"}]}` |
//! | `GET /api/analyze?text=…` | the terms each analyzer makes of `text` |
//! | `GET /api/openapi.json` | the OpenAPI 3.1 description of all of this |
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
use axum::http::{HeaderValue, Method, Uri};
use axum::middleware;
use axum::routing::{get, post};
use axum::{Json, Router};
use hoshin_analysis::PolicyItem;
use hoshin_indexer::{Batch, DocumentWriter, Operation};
use serde::Deserialize;
use tower_http::cors::{AllowOrigin, CorsLayer};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::admission::{admit, Admission, AdmissionLimits};
use crate::error::{ErrorBody, QueryError, ReadErrors, Result, WriteErrors};
use crate::extract::{ApiBody, ApiJson, ApiPath, ApiQuery, Authorized};
use crate::results::{AnalyzeResult, Deleted, HealthStatus, SearchResults, Siblings, Suggestions, Written};
use crate::search::{SearchEngine, SearchRequest};
use crate::workers::IndexWorkers;
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

/// What the handlers share inside the router: the caller's [`AppState`] and
/// the workers its index work runs on.
#[derive(Clone)]
struct RouterState {
    app: AppState,
    workers: IndexWorkers,
}

impl FromRef<RouterState> for AppState {
    fn from_ref(state: &RouterState) -> Self {
        state.app.clone()
    }
}

impl FromRef<RouterState> for Arc<SearchEngine> {
    fn from_ref(state: &RouterState) -> Self {
        state.app.engine.clone()
    }
}

impl FromRef<RouterState> for IndexWorkers {
    fn from_ref(state: &RouterState) -> Self {
        state.workers.clone()
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
        .route("/api/openapi.json", get(openapi))
        .route("/api/health", get(health))
        .fallback(no_such_endpoint)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(RouterState { app: state, workers: IndexWorkers::new(config.limits.index_workers) })
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

/// Searches the items: ranked, highlighted, faceted.
#[utoipa::path(get, path = "/api/search", tag = "search",
    params(
        ("q" = String, Query, min_length = 1, max_length = 1000, pattern = r"\S",
            description = "Words (all must match), \"phrases\", -exclusions; at most 1,000 characters"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Hits per page (default 10)"),
        ("offset" = Option<u32>, Query, minimum = 0, maximum = 10000, description = "Hits to skip (default 0)"),
        ("department" = Option<String>, Query, description = "Only this department"),
        ("explain" = Option<bool>, Query, description = "Attach score explanations"),
    ),
    responses(
        (status = 200, description = "Results", body = SearchResults),
        ReadErrors,
    ))]
async fn search(
    State(engine): State<Arc<SearchEngine>>,
    State(workers): State<IndexWorkers>,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> Result<Json<SearchResults>> {
    let query = checked_text(params.q)?;
    let limit = page_size(params.limit.as_deref(), DEFAULT_LIMIT, MAX_LIMIT)?;
    let offset = parse_bounded(params.offset.as_deref(), 0, 0, MAX_OFFSET)
        .map_err(|given| QueryError::InvalidOffset { given, max: MAX_OFFSET })?;
    let department = params.department;
    let explain = match params.explain.as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => return Err(QueryError::InvalidFlag { name: "explain", given: other.to_string() }),
    };
    workers
        .run(move || {
            engine.search(&SearchRequest { query: &query, limit, offset, department: department.as_deref(), explain })
        })
        .await
        .map(Json)
}

/// A text to search or analyse: present, not blank, not too long.
fn checked_text(text: Option<String>) -> Result<String> {
    let text = text.unwrap_or_default();
    if is_blank(&text) {
        return Err(QueryError::EmptyQuery);
    }
    let length = text.chars().count();
    if length > MAX_QUERY_CHARS {
        return Err(QueryError::QueryTooLong { length, max: MAX_QUERY_CHARS });
    }
    Ok(text)
}

/// Whether `text` has nothing but white space, white space as the OpenAPI
/// document's `\S` patterns (ECMAScript regular expressions) count it, so that
/// the document and the server agree on every input.
pub(crate) fn is_blank(text: &str) -> bool {
    text.chars().all(|c| {
        matches!(
            c,
            '\t' | '\n' | '\u{B}' | '\u{C}' | '\r' | ' ' | '\u{A0}' | '\u{1680}' | '\u{2000}'
                ..='\u{200A}' | '\u{2028}' | '\u{2029}' | '\u{202F}' | '\u{205F}' | '\u{3000}' | '\u{FEFF}'
        )
    })
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

/// One item by id.
#[utoipa::path(get, path = "/api/documents/{id}", tag = "documents",
    params(("id" = String, Path, description = "Item id")),
    responses(
        (status = 200, description = "The item", body = PolicyItem),
        (status = 404, description = "No such item", body = ErrorBody),
        ReadErrors,
    ))]
async fn document(
    State(engine): State<Arc<SearchEngine>>,
    State(workers): State<IndexWorkers>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<PolicyItem>> {
    workers.run(move || engine.document(&id)).await.map(Json)
}

/// The other items under the same heading.
#[utoipa::path(get, path = "/api/documents/{id}/siblings", tag = "documents",
    params(("id" = String, Path, description = "Item id")),
    responses(
        (status = 200, description = "Its siblings", body = Siblings),
        (status = 404, description = "No such item", body = ErrorBody),
        ReadErrors,
    ))]
async fn siblings(
    State(engine): State<Arc<SearchEngine>>,
    State(workers): State<IndexWorkers>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Siblings>> {
    workers.run(move || Ok(Siblings { items: engine.siblings(&id)? })).await.map(Json)
}

/// Completions of a prefix, by spelling or reading.
#[utoipa::path(get, path = "/api/suggest", tag = "search",
    params(
        ("q" = String, Query, min_length = 1, max_length = 1000, pattern = r"\S", description = "The prefix typed so far"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 20, description = "Suggestions (default 8)"),
    ),
    responses(
        (status = 200, description = "Suggestions", body = Suggestions),
        ReadErrors,
    ))]
async fn suggest(
    State(engine): State<Arc<SearchEngine>>,
    ApiQuery(params): ApiQuery<SuggestParams>,
) -> Result<Json<Suggestions>> {
    let prefix = checked_text(params.q)?;
    let limit = page_size(params.limit.as_deref(), DEFAULT_SUGGESTIONS, MAX_SUGGESTIONS)?;
    let suggestions = engine.suggest(&prefix, limit);
    Ok(Json(Suggestions { query: prefix, suggestions }))
}

/// The terms each analyzer makes of a text.
#[utoipa::path(get, path = "/api/analyze", tag = "search",
    params(("text" = String, Query, min_length = 1, max_length = 1000, pattern = r"\S", description = "Text to analyse")),
    responses(
        (status = 200, description = "Terms per analyzer", body = AnalyzeResult),
        ReadErrors,
    ))]
async fn analyze(
    State(engine): State<Arc<SearchEngine>>,
    State(workers): State<IndexWorkers>,
    ApiQuery(params): ApiQuery<AnalyzeParams>,
) -> Result<Json<AnalyzeResult>> {
    let text = checked_text(params.text)?;
    workers.run(move || Ok(AnalyzeResult { analyzers: engine.analyze(&text), text })).await.map(Json)
}

/// Whether the server is up, and what it holds.
#[utoipa::path(get, path = "/api/health", tag = "operations",
    responses((status = 200, description = "Up", body = HealthStatus)))]
async fn health(State(engine): State<Arc<SearchEngine>>) -> Json<HealthStatus> {
    let last_commit =
        engine.last_commit().and_then(|time| time.duration_since(UNIX_EPOCH).ok()).map(|age| age.as_secs());
    Json(HealthStatus { status: "ok", documents: engine.document_count(), last_commit })
}

/// Journals and commits a batch, then makes it searchable.
async fn write_batch(state: AppState, workers: &IndexWorkers, batch: Batch) -> Result<usize> {
    let written = batch.len();
    workers
        .run(move || {
            state.writer.write(&batch)?;
            state.engine.refresh()
        })
        .await?;
    Ok(written)
}

/// Writes one document, replacing any with its id.
#[utoipa::path(put, path = "/api/documents/{id}", tag = "documents",
    params(("id" = String, Path, pattern = r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$", description = "Item id")),
    request_body = DocumentInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Written and searchable", body = Written),
        WriteErrors,
    ))]
async fn put_document(
    State(state): State<AppState>,
    State(workers): State<IndexWorkers>,
    _: Authorized,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<DocumentInput>,
) -> Result<Json<Written>> {
    let batch = vec![Operation::Put(item_from_input(&id, input)?)];
    let written = write_batch(state, &workers, batch).await?;
    Ok(Json(Written { written, file: None }))
}

/// Writes a batch of documents, all or none.
#[utoipa::path(post, path = "/api/documents", tag = "documents",
    request_body = BatchInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Written and searchable", body = Written),
        WriteErrors,
    ))]
async fn post_documents(
    State(state): State<AppState>,
    State(workers): State<IndexWorkers>,
    _: Authorized,
    ApiJson(input): ApiJson<BatchInput>,
) -> Result<Json<Written>> {
    let written = write_batch(state, &workers, batch_from_input(input)?).await?;
    Ok(Json(Written { written, file: None }))
}

/// Deletes one document.
#[utoipa::path(delete, path = "/api/documents/{id}", tag = "documents",
    params(("id" = String, Path, description = "Item id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Deleted", body = Deleted),
        (status = 404, description = "No such item", body = ErrorBody),
        WriteErrors,
    ))]
async fn delete_document(
    State(state): State<AppState>,
    State(workers): State<IndexWorkers>,
    _: Authorized,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Deleted>> {
    let engine = state.engine.clone();
    let looked_up = id.clone();
    workers.run(move || engine.document(&looked_up)).await?;
    write_batch(state, &workers, vec![Operation::Delete(id.clone())]).await?;
    Ok(Json(Deleted { deleted: id }))
}

/// `/api/import` parameters.
#[derive(Debug, Deserialize)]
struct ImportParams {
    file: Option<String>,
}

/// Imports a policy text file in the seed format.
#[utoipa::path(post, path = "/api/import", tag = "documents",
    params(("file" = String, Query, pattern = r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,123}\.txt$",
        description = "File name, NAME.txt; ids become NAME-001…")),
    request_body(content = String, content_type = "text/plain"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Written and searchable", body = Written),
        WriteErrors,
    ))]
async fn import(
    State(state): State<AppState>,
    State(workers): State<IndexWorkers>,
    _: Authorized,
    ApiQuery(params): ApiQuery<ImportParams>,
    ApiBody(body): ApiBody,
) -> Result<Json<Written>> {
    let file = params.file.unwrap_or_default();
    let text = std::str::from_utf8(&body)
        .map_err(|error| QueryError::InvalidDocument(format!("the policy text is not UTF-8: {error}")))?;
    let batch = batch_from_import(&file, text)?;
    let written = write_batch(state, &workers, batch).await?;
    Ok(Json(Written { written, file: Some(file) }))
}

/// This API's OpenAPI 3.1 description, with the departments the index holds
/// now as the values `department` may take.
async fn openapi(State(engine): State<Arc<SearchEngine>>) -> Json<serde_json::Value> {
    let mut document = serde_json::to_value(ApiDoc::openapi()).expect("the OpenAPI document serialises");
    if let Some(parameters) = document.pointer_mut("/paths/~1api~1search/get/parameters").and_then(|p| p.as_array_mut())
    {
        for parameter in parameters.iter_mut().filter(|parameter| parameter["name"] == "department") {
            parameter["schema"]["enum"] = engine.departments().into();
        }
    }
    Json(document)
}

/// The OpenAPI document, generated from the handlers' annotations.
#[derive(OpenApi)]
#[openapi(
    info(title = "hoshin", description = "Full-text search for Japanese municipal policy text"),
    paths(search, suggest, analyze, document, siblings, health, put_document, post_documents, delete_document, import),
    modifiers(&BearerAuth),
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

async fn no_such_endpoint(uri: Uri) -> QueryError {
    QueryError::NoSuchEndpoint(uri.path().to_string())
}

async fn method_not_allowed() -> QueryError {
    QueryError::MethodNotAllowed
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
