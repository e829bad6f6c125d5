//! The write handlers: put, batch, delete and import, each behind a bearer
//! token ([`Authorized`]).
//!
//! | route | body | answer |
//! |---|---|---|
//! | `PUT /api/documents/{id}` | a [`DocumentInput`] | `{"written": 1}` |
//! | `POST /api/documents` | a [`BatchInput`], at most [`MAX_BATCH`](hoshin_analysis::bounds::MAX_BATCH) documents | `{"written": n}` |
//! | `DELETE /api/documents/{id}` | | `{"deleted": id}`, or 404 |
//! | `POST /api/import?file=NAME.pdf` | a PDF with a text layer, Word, Excel, HTML or outline text | [`Imported`] |
//!
//! Without a configured token the answer is 401 and nothing changes. A batch
//! is journaled, committed and made searchable whole or not at all (see
//! `hoshin_indexer::writer`) before the answer is sent; on a node of a fleet,
//! committed to the store, then applied by this node (see `following.rs`).
//! Every answer says the `position` the write reached, which a search on any
//! node can ask to see (`after`). A write begins only
//! if its request has not timed out, and once begun it answers its outcome
//! ([`WriteCommitment`]): a 408 means nothing was written.
//!
//! Imports run one at a time, each within the import limits. Ids are the
//! file's stem numbered (`STEM-001`…); importing a file again replaces all
//! of its earlier items, and a document whose stem another document's items
//! already use is refused (409 `document_exists`) unless `replace=true` says
//! to replace that document.

use std::collections::HashSet;
use std::time::Duration;

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::HeaderMap;
use axum::{Extension, Json};
use hoshin_import::Structure;
use hoshin_indexer::{Batch, Operation};

use crate::admission::WriteCommitment;
use crate::answers::{Deleted, Imported, Written};
use crate::auth::Authorized;
use crate::documents::{
    batch_from_import, batch_from_input, item_from_input, BatchInput, DocumentInput, ImportRequest,
};
use crate::error::{ApiError, ErrorBody, Result, WriteErrors};
use crate::extract::{ApiBody, ApiJson, ApiPath, ApiQuery};
use crate::params::{flag, ImportParams};
use crate::state::{AppState, RouterState};
use crate::workers::IndexWorkers;

/// How long a write through a node of a fleet waits, once the store has
/// committed it, for this node to have applied it before answering anyway.
const APPLY_PATIENCE: Duration = Duration::from_secs(5);

/// Journals and commits a batch, then makes it searchable, unless the
/// request timed out before the write could begin: the position it reached.
async fn write_batch(
    state: AppState,
    workers: &IndexWorkers,
    commitment: WriteCommitment,
    batch: Batch,
) -> Result<u64> {
    let not_begun = || ApiError::Internal("the request timed out before its write began".to_string());
    if let Some(following) = state.live.following() {
        if !commitment.begin() {
            return Err(not_begun());
        }
        let position = following.append(&batch).await?;
        // Committed: the answer is a success whether or not this node has
        // applied it within the patience (then `after` finds it once it has).
        following.wait_applied(position, APPLY_PATIENCE).await;
        return Ok(position);
    }
    workers
        .run(move || {
            if !commitment.begin() {
                return Err(not_begun());
            }
            state.live.write(&batch)
        })
        .await
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
    Extension(commitment): Extension<WriteCommitment>,
    _: Authorized,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<DocumentInput>,
) -> Result<Json<Written>> {
    let batch = vec![Operation::Put(item_from_input(&id, input)?)];
    let position = write_batch(state, &workers, commitment, batch).await?;
    Ok(Json(Written { written: 1, position }))
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
    Extension(commitment): Extension<WriteCommitment>,
    _: Authorized,
    ApiJson(input): ApiJson<BatchInput>,
) -> Result<Json<Written>> {
    let batch = batch_from_input(input)?;
    let written = batch.len();
    let position = write_batch(state, &workers, commitment, batch).await?;
    Ok(Json(Written { written, position }))
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
    Extension(commitment): Extension<WriteCommitment>,
    _: Authorized,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Deleted>> {
    if let Some(following) = state.live.following() {
        following.wait_caught_up(APPLY_PATIENCE).await?;
    }
    let engine = state.live.serving();
    let looked_up = id.clone();
    workers.run(move || engine.document(&looked_up)).await?;
    let position = write_batch(state, &workers, commitment, vec![Operation::Delete(id.clone())]).await?;
    Ok(Json(Deleted { deleted: id, position }))
}

/// Imports a document as a city publishes it: its outline becomes items
/// with department, headings, fiscal year and source, written all or none.
#[utoipa::path(post, path = "/api/import", tag = "documents",
    params(
        ("file" = String, Query, pattern = r"^[^./\\\x00-\x1f\x7f-\x9f][^/\\\x00-\x1f\x7f-\x9f]{0,118}\.(txt|pdf|docx|xlsx|html|htm)$",
            description = "File name, NAME.EXTENSION (令和6年度施政方針.pdf): the format comes from the extension (pdf, docx, xlsx, html, htm, txt); ids become NAME-001… for a plain ASCII name, doc-DIGEST-001… for another"),
        ("municipality" = Option<String>, Query, min_length = 1, max_length = 500, pattern = r"\S",
            description = "The municipality the document is of, e.g. 狛江市"),
        ("year" = Option<String>, Query, description = "The fiscal year (令和6年度, 2024年度, R6 or 2024), for a document that does not say it"),
        ("url" = Option<String>, Query, pattern = r"^https?://[^\t\n\x0B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]+$", description = "Where the city publishes the document"),
        ("replace" = Option<bool>, Query, description = "Replace the items of another document whose ids share this file's stem (`false`: such an import is refused with 409 `document_exists`); an earlier import of the same file is always replaced whole"),
    ),
    request_body(description = "The document, at most 8 MiB: a PDF with a text layer (scanned PDFs need `hoshin import --ocr`), Word, Excel, HTML or outline text (UTF-8 or Shift_JIS)",
        content(
            (Vec<u8> = "application/pdf"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (String = "text/html"),
            (String = "text/plain"),
        )),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Written and searchable", body = Imported),
        (status = 409, description = "Another document's items already use this file's stem (`document_exists`)", body = ErrorBody),
        (status = 413, description = "The document is over an import limit; the code names it (`too_many_items`, `zip_part_too_large`, `nesting_too_deep`…)", body = ErrorBody),
        (status = 415, description = "A type hoshin does not read", body = ErrorBody),
        (status = 422, description = "A document that cannot be read as it is: scanned (`needs_ocr`), encrypted, without text or fiscal year", body = ErrorBody),
        WriteErrors,
    ))]
pub(crate) async fn import(
    State(RouterState { app: state, workers, imports, .. }): State<RouterState>,
    Extension(commitment): Extension<WriteCommitment>,
    _: Authorized,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<ImportParams>,
    ApiBody(body): ApiBody,
) -> Result<Json<Imported>> {
    let replace_other = flag("replace", params.replace.as_deref())?;
    let request = ImportRequest {
        file: params.file.unwrap_or_default(),
        media_type: headers.get(CONTENT_TYPE).and_then(|value| value.to_str().ok()).map(str::to_string),
        municipality: params.municipality,
        year: params.year,
        url: params.url,
    };
    // One import at a time: each may take as much memory as its limits allow.
    let _turn = imports.turn.acquire().await.map_err(|_| ApiError::Internal("imports closed".to_string()))?;
    let limits = imports.limits;
    // Reading runs a PDF through pdftotext: blocking work, bounded like a search.
    let (batch, document) = workers.run(move || batch_from_import(&request, &body, &limits)).await?;
    if let Some(following) = state.live.following() {
        following.wait_caught_up(APPLY_PATIENCE).await?;
    }
    let engine = state.live.serving();
    let stem = document.id_prefix.clone();
    let earlier = workers.run(move || engine.documents_numbered_under(&stem)).await?;
    let (batch, replaced) = replacing(batch, earlier, &document.file, replace_other)?;
    let written = batch.len() - replaced.stale;
    let position = write_batch(state, &workers, commitment, batch).await?;
    Ok(Json(Imported {
        written,
        position,
        file: document.file,
        title: document.title,
        year: document.year.written,
        structure: match document.structure {
            Structure::Outline => "outline",
            Structure::Paragraphs => "paragraphs",
        },
        pages: document.pages,
        replaced: replaced.total,
    }))
}

/// Items an import replaced: all of them, and those only removed.
struct Replaced {
    total: usize,
    stale: usize,
}

/// The import's batch with the earlier items numbered under its stem
/// removed that it does not overwrite, or a refusal when they belong to
/// another document and `replace_other` was not asked for.
fn replacing(
    mut batch: Batch,
    earlier: Vec<hoshin_analysis::PolicyItem>,
    file: &str,
    replace_other: bool,
) -> Result<(Batch, Replaced)> {
    if let Some(other) = earlier.iter().find(|item| item.source.file != file) {
        if !replace_other {
            return Err(ApiError::DocumentExists {
                id: other.id.clone(),
                file: file.to_string(),
                other: other.source.file.clone(),
            });
        }
    }
    let new_ids: HashSet<String> = batch
        .iter()
        .filter_map(|operation| match operation {
            Operation::Put(item) => Some(item.id.clone()),
            Operation::Delete(_) => None,
        })
        .collect();
    let total = earlier.len();
    let stale: Vec<Operation> =
        earlier.into_iter().filter(|item| !new_ids.contains(&item.id)).map(|item| Operation::Delete(item.id)).collect();
    let replaced = Replaced { total, stale: stale.len() };
    batch.extend(stale);
    Ok((batch, replaced))
}
