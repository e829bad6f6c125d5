//! The operations route: `POST /api/admin/reload`, behind a bearer token
//! ([`Authorized`]), like the writes.
//!
//! | answer | when |
//! |---|---|
//! | 200 [`Reloaded`], `"index": "unchanged"` | the query-time lists are in force; the index needs nothing |
//! | 202 [`Reloaded`], `"index": "rebuilding"` | the same, and a new generation is being built with the changed variants or user dictionary (`rebuild` in `GET /api/health`) |
//! | 409 `rebuild_running` | an earlier reload's rebuild has not ended |
//! | 422 `invalid_word_list` | `file:line: what is wrong`; the lists in force stay |
//!
//! SIGHUP does the same, logging the outcome (see `crate::live`).

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;

use crate::answers::{IndexChange, Reloaded};
use crate::auth::Authorized;
use crate::error::{ApiError, ErrorBody, Result};
use crate::live::Live;

/// Reads the word lists of `data/` again and puts them in force.
#[utoipa::path(post, path = "/api/admin/reload", tag = "operations",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Reloaded; the index needs no rebuild", body = Reloaded),
        (status = 202, description = "Reloaded; the index is being rebuilt in the background", body = Reloaded),
        (status = 401, description = "No valid bearer token", body = ErrorBody),
        (status = 408, description = "The request took too long", body = ErrorBody),
        (status = 409, description = "An earlier reload is still rebuilding the index", body = ErrorBody),
        (status = 422, description = "A word list is malformed (`file:line: what is wrong`); nothing changed", body = ErrorBody),
        (status = 503, description = "Overloaded; retry after a second", body = ErrorBody),
        (status = 500, description = "Internal error, logged by the server", body = ErrorBody),
    ))]
pub(crate) async fn reload(State(live): State<Arc<Live>>, _: Authorized) -> Result<(StatusCode, Json<Reloaded>)> {
    let reloaded = tokio::task::spawn_blocking(move || live.reload())
        .await
        .map_err(|error| ApiError::Internal(format!("reload failed: {error}")))??;
    let status = match reloaded.index {
        IndexChange::Unchanged => StatusCode::OK,
        IndexChange::Rebuilding => StatusCode::ACCEPTED,
    };
    Ok((status, Json(reloaded)))
}
