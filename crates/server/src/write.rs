//! The write handlers: put, batch, delete and import, each behind a bearer
//! token ([`Authorized`]).
//!
//! | route | body | answer |
//! |---|---|---|
//! | `PUT /api/documents/{id}` | a [`DocumentInput`] | `{"written": 1}` |
//! | `POST /api/documents` | a [`BatchInput`], at most [`MAX_BATCH`](crate::documents::MAX_BATCH) documents | `{"written": n}` |
//! | `DELETE /api/documents/{id}` | | `{"deleted": id}`, or 404 |
//! | `POST /api/import?file=NAME.pdf` | a PDF with a text layer, Word, Excel, HTML or outline text | [`Imported`] |
//!
//! Without a configured token the answer is 401 and nothing changes. A batch
//! is journaled, committed and made searchable whole or not at all (see
//! `hoshin_indexer::writer`) before the answer is sent.

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::HeaderMap;
use axum::Json;
use hoshin_import::Structure;
use hoshin_indexer::{Batch, Operation};

use crate::answers::{Deleted, Imported, Written};
use crate::auth::Authorized;
use crate::documents::{
    batch_from_import, batch_from_input, item_from_input, BatchInput, DocumentInput, ImportRequest,
};
use crate::error::{ErrorBody, Result, WriteErrors};
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
    Ok(Json(Written { written }))
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
    Ok(Json(Written { written }))
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

/// Imports a document as a city publishes it: its outline becomes items
/// with department, headings, fiscal year and source, written all or none.
#[utoipa::path(post, path = "/api/import", tag = "documents",
    params(
        ("file" = String, Query, pattern = r"^[^./\\\x00-\x1f\x7f-\x9f][^/\\\x00-\x1f\x7f-\x9f]{0,118}\.(txt|pdf|docx|xlsx|html|htm)$",
            description = "File name, NAME.EXTENSION (令和6年度施政方針.pdf): the format comes from the extension (pdf, docx, xlsx, html, htm, txt); ids become NAME-001… for a plain ASCII name, doc-DIGEST-001… for another"),
        ("municipality" = Option<String>, Query, min_length = 1, max_length = 500, pattern = r"\S",
            description = "The municipality the document is of, e.g. 狛江市"),
        ("year" = Option<String>, Query, description = "The fiscal year (令和6年度, 2024年度, R6 or 2024), for a document that does not say it"),
        ("url" = Option<String>, Query, pattern = r"^https?://\S+$", description = "Where the city publishes the document"),
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
        (status = 415, description = "A type hoshin does not read", body = ErrorBody),
        (status = 422, description = "A document that cannot be read as it is: scanned (`needs_ocr`), encrypted, without text or fiscal year", body = ErrorBody),
        WriteErrors,
    ))]
pub(crate) async fn import(
    State(state): State<AppState>,
    State(workers): State<IndexWorkers>,
    _: Authorized,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<ImportParams>,
    ApiBody(body): ApiBody,
) -> Result<Json<Imported>> {
    let request = ImportRequest {
        file: params.file.unwrap_or_default(),
        media_type: headers.get(CONTENT_TYPE).and_then(|value| value.to_str().ok()).map(str::to_string),
        municipality: params.municipality,
        year: params.year,
        url: params.url,
    };
    // Reading runs a PDF through pdftotext: blocking work, bounded like a search.
    let (batch, document) = workers.run(move || batch_from_import(&request, &body)).await?;
    let written = write_batch(state, &workers, batch).await?;
    Ok(Json(Imported {
        written,
        file: document.file,
        title: document.title,
        year: document.year.written,
        structure: match document.structure {
            Structure::Outline => "outline",
            Structure::Paragraphs => "paragraphs",
        },
        pages: document.pages,
    }))
}
