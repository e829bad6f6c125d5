//! The write handlers: put, batch, delete and import, each behind a bearer
//! token ([`Authorized`]).
//!
//! | route | body | answer |
//! |---|---|---|
//! | `PUT /api/documents/{id}` | a [`DocumentInput`] | `{"written": 1}` |
//! | `POST /api/documents` | a [`BatchInput`], at most [`MAX_BATCH`](crate::documents::MAX_BATCH) documents | `{"written": n}` |
//! | `DELETE /api/documents/{id}` | | `{"deleted": id}`, or 404 |
//! | `POST /api/import?file=NAME.txt` | policy text in the seed format | `{"written": n, "file"}` |
//!
//! Without a configured token the answer is 401 and nothing changes. A batch
//! is journaled, committed and made searchable whole or not at all (see
//! `hoshin_indexer::writer`) before the answer is sent.

use axum::extract::State;
use axum::Json;
use hoshin_indexer::{Batch, Operation};

use crate::answers::{Deleted, Written};
use crate::auth::Authorized;
use crate::documents::{batch_from_import, batch_from_input, item_from_input, BatchInput, DocumentInput};
use crate::error::{ApiError, ErrorBody, Result, WriteErrors};
use crate::extract::{ApiBody, ApiJson, ApiPath, ApiQuery};
use crate::params::ImportParams;
use crate::state::AppState;
use crate::workers::IndexWorkers;

/// Journals and commits a batch, then makes it searchable.
async fn write_batch(state: AppState, workers: &IndexWorkers, batch: Batch) -> Result<usize> {
    let written = batch.len();
    workers.run(move || state.live.write(&batch)).await?;
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
pub(crate) async fn put_document(
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
pub(crate) async fn post_documents(
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
pub(crate) async fn delete_document(
    State(state): State<AppState>,
    State(workers): State<IndexWorkers>,
    _: Authorized,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Deleted>> {
    let engine = state.live.serving();
    let looked_up = id.clone();
    workers.run(move || engine.document(&looked_up)).await?;
    write_batch(state, &workers, vec![Operation::Delete(id.clone())]).await?;
    Ok(Json(Deleted { deleted: id }))
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
pub(crate) async fn import(
    State(state): State<AppState>,
    State(workers): State<IndexWorkers>,
    _: Authorized,
    ApiQuery(params): ApiQuery<ImportParams>,
    ApiBody(body): ApiBody,
) -> Result<Json<Written>> {
    let file = params.file.unwrap_or_default();
    let text = std::str::from_utf8(&body)
        .map_err(|error| ApiError::InvalidDocument(format!("the policy text is not UTF-8: {error}")))?;
    let batch = batch_from_import(&file, text)?;
    let written = write_batch(state, &workers, batch).await?;
    Ok(Json(Written { written, file: Some(file) }))
}
