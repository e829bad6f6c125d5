//! The one error type of the server, and the one place it becomes HTTP: a
//! status, a stable code and `{"error": {"code", "message"}}`.

use axum::http::header::{RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use hoshin_analysis::AnalysisError;
use hoshin_import::ImportError;
use hoshin_indexer::IndexerError;
use hoshin_search::SearchError;
use serde::Serialize;
use utoipa::{IntoResponses, ToSchema};

/// Everything a request can be refused or fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// `q` is missing or only white space.
    #[error("the query is empty: pass the words to search for in `q`")]
    EmptyQuery,
    /// `q` is longer than the documented maximum.
    #[error("the query is {length} characters long; at most {max} are allowed")]
    QueryTooLong {
        /// Characters in the query.
        length: usize,
        /// The maximum.
        max: usize,
    },
    /// `limit` is not a whole number in the allowed range.
    #[error("`limit` must be a whole number from 1 to {max}, got `{given}`")]
    InvalidLimit {
        /// What was given.
        given: String,
        /// The maximum.
        max: usize,
    },
    /// `offset` is not a whole number in the allowed range.
    #[error("`offset` must be a whole number from 0 to {max}, got `{given}`")]
    InvalidOffset {
        /// What was given.
        given: String,
        /// The maximum.
        max: usize,
    },
    /// A true/false parameter has another value.
    #[error("`{name}` must be true or false, got `{given}`")]
    InvalidFlag {
        /// The parameter.
        name: &'static str,
        /// What was given.
        given: String,
    },
    /// `after` is not a position (a whole number a write answered).
    #[error("`after` must be a position a write answered (a whole number), got `{0}`")]
    InvalidAfter(String),
    /// `department` names no department in the index.
    #[error("unknown department `{0}`")]
    UnknownDepartment(String),
    /// `municipality` names no municipality in the index.
    #[error("unknown municipality `{0}`")]
    UnknownMunicipality(String),
    /// `year_from` or `year_to` is not a fiscal year.
    #[error("`{name}` must be a fiscal year as a whole number from 1 to 9999 (like 2024), got `{given}`")]
    InvalidYear {
        /// The parameter.
        name: &'static str,
        /// What was given.
        given: String,
    },
    /// `sort` names no order.
    #[error("`sort` must be relevance, newest or oldest, got `{0}`")]
    InvalidSort(String),
    /// `mode` names no mode.
    #[error("`mode` must be hybrid, lexical or semantic, got `{0}`")]
    InvalidMode(String),
    /// Similar items asked of a server without a model.
    #[error("{0}")]
    MeaningUnavailable(String),
    /// An import of a type hoshin does not read.
    #[error("{0}")]
    UnsupportedDocumentType(String),
    /// An imported document that cannot be made into items as it is.
    #[error("{message}")]
    UnreadableDocument {
        /// Stable code of what is wrong.
        code: &'static str,
        /// What is wrong, naming the file.
        message: String,
    },
    /// An imported document over one of the import limits; `code` names the limit.
    #[error("{message}")]
    OverImportLimit {
        /// Stable code of the limit, e.g. `too_many_items`.
        code: &'static str,
        /// What is over which limit, naming the file.
        message: String,
    },
    /// An import whose ids (its file's stem, numbered) are taken by another document's items.
    #[error(
        "`{id}` and the other items numbered under the stem of `{file}` belong to `{other}`; \
         import with replace=true to replace that document's items, or rename the file"
    )]
    DocumentExists {
        /// An id already taken.
        id: String,
        /// The file imported.
        file: String,
        /// The file the taken ids came from.
        other: String,
    },
    /// A batch over the bounds of every batch, found when it was to be journaled.
    #[error("{0}")]
    OverBounds(String),
    /// The disk under the index or the journal is full; nothing was written.
    #[error("the disk under the index is full; nothing was written")]
    InsufficientStorage,
    /// The query string could not be decoded.
    #[error("malformed query string: {0}")]
    MalformedRequest(String),
    /// No document has this id.
    #[error("no document with id `{0}`")]
    DocumentNotFound(String),
    /// No route matches the path.
    #[error("no such endpoint: {0}")]
    NoSuchEndpoint(String),
    /// A write without a valid bearer token.
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    /// A document or import that cannot be written as it is.
    #[error("invalid document: {0}")]
    InvalidDocument(String),
    /// More documents in one batch than allowed.
    #[error("a batch may hold at most {max} documents, not {given}")]
    BatchTooLarge {
        /// Documents sent.
        given: usize,
        /// The maximum.
        max: usize,
    },
    /// A request body over the size limit.
    #[error("the request body is larger than {max} bytes")]
    PayloadTooLarge {
        /// The limit.
        max: usize,
    },
    /// The request took longer than allowed.
    #[error("the request took longer than {} ms", limit.as_millis())]
    Timeout {
        /// The limit.
        limit: std::time::Duration,
    },
    /// Every request slot is taken; the client should retry shortly.
    #[error("the server is busy; retry in a second")]
    Overloaded,
    /// A node of a fleet cannot reach its store: nothing was written.
    #[error("the store cannot be reached, so nothing was written; retry in a second ({0})")]
    StoreUnavailable(String),
    /// The store went away while committing a write: it may or may not be made.
    #[error("the store went away while committing, so the write may or may not have been made; write it again (a put replaces by id) ({0})")]
    WriteOutcomeUnknown(String),
    /// A search asked to see a position this node has not applied yet.
    #[error("this node has applied the writes up to position {applied}, not yet {wanted}; retry in a second or ask another node")]
    Behind {
        /// The position the node has applied.
        applied: u64,
        /// The position asked for.
        wanted: u64,
    },
    /// The route exists but not for this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// A word list in the data directory cannot be read as it is; the
    /// message is `file:line: what is wrong` when a line is at fault.
    #[error("{0}; the word lists in force stay unchanged")]
    InvalidWordList(String),
    /// A reload asked for while an earlier one is still rebuilding the index.
    #[error("the index is being rebuilt for the last reload; reload again when `rebuild` in /api/health is no longer `running`")]
    RebuildRunning,
    /// The index or the server failed; details are logged, not answered.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, ApiError>;

impl From<SearchError> for ApiError {
    fn from(error: SearchError) -> Self {
        match error {
            SearchError::UnknownDepartment(department) => ApiError::UnknownDepartment(department),
            SearchError::UnknownMunicipality(municipality) => ApiError::UnknownMunicipality(municipality),
            SearchError::DocumentNotFound(id) => ApiError::DocumentNotFound(id),
            SearchError::MeaningOff => ApiError::MeaningUnavailable(SearchError::MeaningOff.to_string()),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

/// Preparing the analysis during a reload reads the data directory (the
/// dictionary was compiled at start), so its errors are the word lists'.
impl From<AnalysisError> for ApiError {
    fn from(error: AnalysisError) -> Self {
        ApiError::InvalidWordList(error.to_string())
    }
}

/// A document that cannot be read is the sender's to fix (4xx); a reader
/// program that is missing or fails is the server's (500, logged).
impl From<ImportError> for ApiError {
    fn from(error: ImportError) -> Self {
        let code = match &error {
            ImportError::Unsupported { .. } => return ApiError::UnsupportedDocumentType(error.to_string()),
            ImportError::BadYear(given) => return ApiError::InvalidYear { name: "year", given: given.clone() },
            ImportError::Tool { .. } | ImportError::Io { .. } => return ApiError::Internal(error.to_string()),
            ImportError::OverLimit { limit, .. } => {
                return ApiError::OverImportLimit { code: limit.code(), message: error.to_string() }
            }
            ImportError::ImageOnly { .. } => "needs_ocr",
            ImportError::Encrypted { .. } => "encrypted_document",
            ImportError::NoText { .. } => "no_text",
            ImportError::NoYear { .. } => "no_fiscal_year",
            ImportError::Malformed { .. } => "unreadable_document",
        };
        ApiError::UnreadableDocument { code, message: error.to_string() }
    }
}

impl From<IndexerError> for ApiError {
    fn from(error: IndexerError) -> Self {
        match error {
            IndexerError::OverBounds(reason) => ApiError::OverBounds(reason),
            full if full.is_storage_full() => {
                tracing::error!(error = %full, "a write failed: the disk is full");
                ApiError::InsufficientStorage
            }
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl ApiError {
    /// The HTTP status and the stable machine-readable code of this error.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::EmptyQuery => (StatusCode::BAD_REQUEST, "empty_query"),
            ApiError::QueryTooLong { .. } => (StatusCode::BAD_REQUEST, "query_too_long"),
            ApiError::InvalidLimit { .. } => (StatusCode::BAD_REQUEST, "invalid_limit"),
            ApiError::InvalidOffset { .. } => (StatusCode::BAD_REQUEST, "invalid_offset"),
            ApiError::InvalidFlag { .. } => (StatusCode::BAD_REQUEST, "invalid_flag"),
            ApiError::InvalidAfter(_) => (StatusCode::BAD_REQUEST, "invalid_after"),
            ApiError::UnknownDepartment(_) => (StatusCode::BAD_REQUEST, "unknown_department"),
            ApiError::UnknownMunicipality(_) => (StatusCode::BAD_REQUEST, "unknown_municipality"),
            ApiError::InvalidYear { .. } => (StatusCode::BAD_REQUEST, "invalid_year"),
            ApiError::InvalidSort(_) => (StatusCode::BAD_REQUEST, "invalid_sort"),
            ApiError::InvalidMode(_) => (StatusCode::BAD_REQUEST, "invalid_mode"),
            ApiError::MeaningUnavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "meaning_unavailable"),
            ApiError::UnsupportedDocumentType(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_document_type"),
            ApiError::UnreadableDocument { code, .. } => (StatusCode::UNPROCESSABLE_ENTITY, code),
            ApiError::OverImportLimit { code, .. } => (StatusCode::PAYLOAD_TOO_LARGE, code),
            ApiError::DocumentExists { .. } => (StatusCode::CONFLICT, "document_exists"),
            ApiError::OverBounds(_) => (StatusCode::PAYLOAD_TOO_LARGE, "over_bounds"),
            ApiError::InsufficientStorage => (StatusCode::INSUFFICIENT_STORAGE, "insufficient_storage"),
            ApiError::MalformedRequest(_) => (StatusCode::BAD_REQUEST, "malformed_request"),
            ApiError::DocumentNotFound(_) => (StatusCode::NOT_FOUND, "document_not_found"),
            ApiError::NoSuchEndpoint(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::InvalidDocument(_) => (StatusCode::BAD_REQUEST, "invalid_document"),
            // A batch over the limit breaks the request schema (maxItems): 400 like
            // every other schema violation; 413 is for bodies over the byte limit.
            ApiError::BatchTooLarge { .. } => (StatusCode::BAD_REQUEST, "batch_too_large"),
            ApiError::PayloadTooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ApiError::Timeout { .. } => (StatusCode::REQUEST_TIMEOUT, "request_timeout"),
            ApiError::Overloaded => (StatusCode::SERVICE_UNAVAILABLE, "overloaded"),
            ApiError::StoreUnavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "store_unavailable"),
            ApiError::WriteOutcomeUnknown(_) => (StatusCode::SERVICE_UNAVAILABLE, "outcome_unknown"),
            ApiError::Behind { .. } => (StatusCode::SERVICE_UNAVAILABLE, "behind"),
            ApiError::RebuildRunning => (StatusCode::CONFLICT, "rebuild_running"),
            ApiError::InvalidWordList(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_word_list"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

/// The body of every error answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// What went wrong, for programs and for people.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `invalid_limit`.
    pub code: String,
    /// Explanation for people.
    pub message: String,
}

/// The errors any read may answer with, for the OpenAPI document.
#[derive(IntoResponses)]
#[allow(dead_code)] // only the derived OpenAPI description is used
pub(crate) enum ReadErrors {
    /// A parameter is missing or out of range.
    #[response(status = 400, description = "Invalid parameters")]
    Invalid(ErrorBody),
    /// Admitted but too slow.
    #[response(status = 408, description = "The request took too long")]
    Timeout(ErrorBody),
    /// No slot free within a second, or the node has not applied `after` yet.
    #[response(
        status = 503,
        description = "Overloaded (`overloaded`), or this node has not yet applied the position `after` asks for (`behind`); retry after a second"
    )]
    Overloaded(ErrorBody),
    /// The index failed; the message says no more, the server log does.
    #[response(status = 500, description = "Internal error, logged by the server")]
    Internal(ErrorBody),
}

/// The errors any write may answer with, for the OpenAPI document.
#[derive(IntoResponses)]
#[allow(dead_code)] // only the derived OpenAPI description is used
pub(crate) enum WriteErrors {
    /// Invalid document, body or batch size.
    #[response(status = 400, description = "Invalid document, body or batch size")]
    Invalid(ErrorBody),
    /// No valid bearer token.
    #[response(status = 401, description = "No valid bearer token")]
    Unauthorized(ErrorBody),
    /// Admitted but too slow.
    #[response(status = 408, description = "The request took too long")]
    Timeout(ErrorBody),
    /// Body over the byte limit, or a batch over the bounds of a batch.
    #[response(status = 413, description = "Body over 8 MiB, or a document over the bounds of an item")]
    TooLarge(ErrorBody),
    /// No slot free within a second, or the store cannot be reached.
    #[response(
        status = 503,
        description = "Overloaded (`overloaded`); a node of a fleet cannot reach its store (`store_unavailable`: nothing was written), lost it while committing (`outcome_unknown`: write again), or has not applied what the store holds (`behind`, a delete or an import); retry after a second"
    )]
    Overloaded(ErrorBody),
    /// The disk is full.
    #[response(status = 507, description = "The disk under the index is full; nothing was written")]
    InsufficientStorage(ErrorBody),
    /// The index failed; the message says no more, the server log does.
    #[response(status = 500, description = "Internal error, logged by the server")]
    Internal(ErrorBody),
}

/// The code of an error answer, kept with the response for whatever counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCode(pub &'static str);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = match &self {
            ApiError::Internal(details) => {
                tracing::error!(%details, "request failed");
                "internal error".to_string()
            }
            answerable => answerable.to_string(),
        };
        let body = ErrorBody { error: ErrorDetail { code: code.to_string(), message } };
        let mut response = (status, Json(body)).into_response();
        // For the metrics, which count errors by code.
        response.extensions_mut().insert(ErrorCode(code));
        match self {
            ApiError::Overloaded
            | ApiError::StoreUnavailable(_)
            | ApiError::WriteOutcomeUnknown(_)
            | ApiError::Behind { .. } => {
                response.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("1"));
            }
            ApiError::Unauthorized(_) => {
                response.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            _ => {}
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_is_507_however_the_indexer_met_it() {
        let enospc = || std::io::Error::from_raw_os_error(28);
        let journal = IndexerError::Io { path: "index/journal.jsonl".into(), error: enospc() };
        let index = IndexerError::Tantivy(tantivy::TantivyError::IoError(std::sync::Arc::new(enospc())));
        for error in [journal, index] {
            let answer = ApiError::from(error).status_and_code();
            assert_eq!(answer, (StatusCode::INSUFFICIENT_STORAGE, "insufficient_storage"));
        }
        let other = IndexerError::Io { path: "index".into(), error: std::io::Error::from_raw_os_error(13) };
        assert_eq!(ApiError::from(other).status_and_code().1, "internal");
    }
}
