//! The read handlers: search, look-ups, suggestions, analysis and health.
//!
//! | route | answer |
//! |---|---|
//! | `GET /api/search?q=…&limit=10&offset=0&department=…&municipality=…&year_from=…&year_to=…&sort=relevance&mode=hybrid&explain=false&exact=false` | `hoshin_search::SearchResults`; without `q`, a browse of the filtered items |
//! | `GET /api/documents/{id}` | the `PolicyItem`, or 404 |
//! | `GET /api/documents/{id}/siblings` | [`Siblings`]: the other items under its heading |
//! | `GET /api/documents/{id}/similar?limit=10&offset=0&department=…&municipality=…&year_from=…&year_to=…` | [`SimilarItems`]: the items nearest it in meaning, or 503 without a model |
//! | `GET /api/suggest?q=…&limit=8` | [`Suggestions`] |
//! | `GET /api/analyze?text=…` | [`AnalyzeResult`]: the terms each analysis makes of `text`, and what a search for it would be widened with |
//! | `GET /api/health` | [`HealthStatus`]: documents, generation, word lists, rebuild, vectors |
//! | `GET /items/{id}` | the search page's shell titled for the item, or 404 |
//!
//! Index work runs on the [`IndexWorkers`]; the suggester and the health
//! answer only read what the engine holds in memory, so they run in place.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use hoshin_analysis::PolicyItem;
use hoshin_search::{SearchRequest, SearchResults};
use hoshin_web::{page, PageHead};

use crate::answers::{AnalyzeResult, HealthStatus, Siblings, SimilarItems, StoreStatus, Suggestions};
use crate::error::{ApiError, ErrorBody, ReadErrors, Result};
use crate::extract::{ApiPath, ApiQuery};
use crate::live::{unix_seconds, Live, Serving};
use crate::params::{
    checked_text, flag, page_size, position, search_mode, sort_order, AnalyzeParams, PageParams, SearchParams,
    SuggestParams, DEFAULT_SUGGESTIONS, MAX_SUGGESTIONS,
};
use crate::workers::IndexWorkers;

/// How long a search with `after` waits for this node to apply that position.
const AFTER_PATIENCE: std::time::Duration = std::time::Duration::from_secs(2);

/// Searches the items: ranked, highlighted, faceted.
#[utoipa::path(get, path = "/api/search", tag = "search",
    params(
        ("q" = Option<String>, Query, min_length = 1, max_length = 1000, pattern = r"\S",
            description = "Words (all must match), \"phrases\", -exclusions; at most 1,000 characters. Left out, the search browses: every item within the filters, in the order the documents list them (by `relevance`) or by year"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Hits per page (default 10)"),
        ("offset" = Option<u32>, Query, minimum = 0, maximum = 10000, description = "Hits to skip (default 0)"),
        ("department" = Option<String>, Query, description = "Only this department"),
        ("municipality" = Option<String>, Query, description = "Only this municipality (exact name, e.g. 狛江市)"),
        ("year_from" = Option<u32>, Query, minimum = 1, maximum = 9999,
            description = "Only fiscal years from this one (western, e.g. 2022), inclusive"),
        ("year_to" = Option<u32>, Query, minimum = 1, maximum = 9999,
            description = "Only fiscal years up to this one, inclusive (before `year_from`, the range is the same)"),
        ("sort" = Option<String>, Query, pattern = "^(relevance|newest|oldest)$",
            description = "Order of the hits: `relevance` (default), `newest` or `oldest` fiscal year first; equal scores by item id"),
        ("mode" = Option<String>, Query, pattern = "^(hybrid|lexical|semantic)$",
            description = "What finds the items: `hybrid` (default: words, and meaning where words find few), `lexical` (words only) or `semantic` (meaning only)"),
        ("explain" = Option<bool>, Query, description = "Attach score explanations"),
        ("exact" = Option<bool>, Query,
            description = "Only the words exactly as typed: no synonym, related word, reading it may have meant or other widening (default false)"),
        ("after" = Option<u64>, Query, minimum = 0,
            description = "A `position` a write answered: the search waits up to 2 s for this node to have applied it, then answers 503 `behind` (read your writes on any node of a fleet); on one machine, a position no write reached is 400 `invalid_after`"),
    ),
    responses(
        (status = 200, description = "Results", body = SearchResults),
        ReadErrors,
    ))]
pub(crate) async fn search(
    State(live): State<Arc<Live>>,
    State(workers): State<IndexWorkers>,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> Result<Json<SearchResults>> {
    if let Some(position) = position(params.after.as_deref())? {
        live.wait_applied(position, AFTER_PATIENCE).await?;
    }
    // The engine after the wait, which has applied the position.
    let engine = live.serving();
    let query = match params.q {
        Some(query) => checked_text(Some(query))?,
        None => String::new(),
    };
    let page = params.page.checked()?;
    let explain = flag("explain", params.explain.as_deref())?;
    let exact = flag("exact", params.exact.as_deref())?;
    let sort = sort_order(params.sort.as_deref())?;
    let mode = search_mode(params.mode.as_deref())?;
    let request = move || engine.search(&SearchRequest { sort, explain, mode, exact, ..page.request(&query) });
    workers.run(request).await.map(Json)
}

/// One item by id.
#[utoipa::path(get, path = "/api/documents/{id}", tag = "documents",
    params(("id" = String, Path, description = "Item id")),
    responses(
        (status = 200, description = "The item", body = PolicyItem),
        (status = 404, description = "No such item", body = ErrorBody),
        ReadErrors,
    ))]
pub(crate) async fn document(
    State(engine): State<Serving>,
    State(workers): State<IndexWorkers>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<PolicyItem>> {
    workers.run(move || engine.document(&id)).await.map(Json)
}

/// An item's page: the search page's shell, titled for the item, or for a
/// missing one with 404, so a shared link to a deleted item says so.
pub(crate) async fn item_page(
    State(engine): State<Serving>,
    State(workers): State<IndexWorkers>,
    ApiPath(id): ApiPath<String>,
) -> Result<Response> {
    match workers.run(move || engine.document(&id)).await {
        Ok(item) => Ok(page(StatusCode::OK, &PageHead::item(&item.policy, &item.department, &item.text))),
        Err(ApiError::DocumentNotFound(_)) => Ok(page(StatusCode::NOT_FOUND, &PageHead::missing_item())),
        Err(error) => Err(error),
    }
}

/// The other items under the same heading.
#[utoipa::path(get, path = "/api/documents/{id}/siblings", tag = "documents",
    params(("id" = String, Path, description = "Item id")),
    responses(
        (status = 200, description = "Its siblings", body = Siblings),
        (status = 404, description = "No such item", body = ErrorBody),
        ReadErrors,
    ))]
pub(crate) async fn siblings(
    State(engine): State<Serving>,
    State(workers): State<IndexWorkers>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Siblings>> {
    workers.run(move || engine.siblings(&id).map(|items| Siblings { items })).await.map(Json)
}

/// The items nearest an item in meaning: the same policy in other years
/// or other cities.
#[utoipa::path(get, path = "/api/documents/{id}/similar", tag = "documents",
    params(
        ("id" = String, Path, description = "Item id"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Items (default 10)"),
        ("offset" = Option<u32>, Query, minimum = 0, maximum = 10000, description = "Items to skip (default 0)"),
        ("department" = Option<String>, Query, description = "Only this department"),
        ("municipality" = Option<String>, Query, description = "Only this municipality (exact name)"),
        ("year_from" = Option<u32>, Query, minimum = 1, maximum = 9999, description = "Only fiscal years from this one, inclusive"),
        ("year_to" = Option<u32>, Query, minimum = 1, maximum = 9999, description = "Only fiscal years up to this one, inclusive"),
    ),
    responses(
        (status = 200, description = "The nearest items, nearest first", body = SimilarItems),
        (status = 404, description = "No such item", body = ErrorBody),
        (status = 503, description = "Semantic search is off: no usable model file", body = ErrorBody),
        ReadErrors,
    ))]
pub(crate) async fn similar(
    State(engine): State<Serving>,
    State(workers): State<IndexWorkers>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(params): ApiQuery<PageParams>,
) -> Result<Json<SimilarItems>> {
    let page = params.checked()?;
    workers.run(move || engine.similar(&id, &page.request("")).map(|items| SimilarItems { items })).await.map(Json)
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
pub(crate) async fn suggest(
    State(engine): State<Serving>,
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
pub(crate) async fn analyze(
    State(engine): State<Serving>,
    State(workers): State<IndexWorkers>,
    ApiQuery(params): ApiQuery<AnalyzeParams>,
) -> Result<Json<AnalyzeResult>> {
    let text = checked_text(params.text)?;
    workers
        .run(move || {
            Ok::<_, ApiError>(AnalyzeResult {
                analyzers: engine.analyze(&text),
                expansions: engine.expansions(&text)?,
                text,
            })
        })
        .await
        .map(Json)
}

/// Whether the server is up, and what it holds.
#[utoipa::path(get, path = "/api/health", tag = "operations",
    responses(
        (status = 200, description = "Up, serving everything written", body = HealthStatus),
        (status = 503, description = "A node of a fleet still catching up with its store", body = HealthStatus),
    ))]
pub(crate) async fn health(State(live): State<Arc<Live>>) -> (StatusCode, Json<HealthStatus>) {
    let engine = live.serving();
    let status = live.status();
    let (store, lag, ready) = match status.store {
        None => (StoreStatus { kind: "journal", state: "available" }, 0, true),
        Some(progress) => {
            let state = if progress.reachable { "available" } else { "unavailable" };
            (StoreStatus { kind: "postgres", state }, progress.lag(), progress.caught_up)
        }
    };
    let answer = HealthStatus {
        status: if ready { "ok" } else { "catching_up" },
        documents: engine.document_count(),
        last_commit: unix_seconds(engine.loaded_at()),
        generation: status.generation,
        word_lists_loaded_at: unix_seconds(status.word_lists_loaded_at),
        rebuild: status.rebuild,
        vectors: status.vectors,
        store,
        applied: status.applied,
        lag,
    };
    (if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE }, Json(answer))
}
