//! The one error type of the query crate, and the one place it becomes HTTP.

use axum::http::header::{RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::{IntoResponses, ToSchema};

/// Everything a search or look-up can refuse or fail with.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
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
    /// `department` names no department in the index.
    #[error("unknown department `{0}`")]
    UnknownDepartment(String),
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
    /// The route exists but not for this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The index failed; details are logged, not returned.
    #[error("internal error")]
    Internal(String),
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, QueryError>;

impl From<hoshin_indexer::IndexerError> for QueryError {
    fn from(error: hoshin_indexer::IndexerError) -> Self {
        QueryError::Internal(error.to_string())
    }
}

impl From<tantivy::TantivyError> for QueryError {
    fn from(error: tantivy::TantivyError) -> Self {
        QueryError::Internal(error.to_string())
    }
}

impl QueryError {
    /// The HTTP status and the stable machine-readable code of this error.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            QueryError::EmptyQuery => (StatusCode::BAD_REQUEST, "empty_query"),
            QueryError::QueryTooLong { .. } => (StatusCode::BAD_REQUEST, "query_too_long"),
            QueryError::InvalidLimit { .. } => (StatusCode::BAD_REQUEST, "invalid_limit"),
            QueryError::InvalidOffset { .. } => (StatusCode::BAD_REQUEST, "invalid_offset"),
            QueryError::InvalidFlag { .. } => (StatusCode::BAD_REQUEST, "invalid_flag"),
            QueryError::UnknownDepartment(_) => (StatusCode::BAD_REQUEST, "unknown_department"),
            QueryError::MalformedRequest(_) => (StatusCode::BAD_REQUEST, "malformed_request"),
            QueryError::DocumentNotFound(_) => (StatusCode::NOT_FOUND, "document_not_found"),
            QueryError::NoSuchEndpoint(_) => (StatusCode::NOT_FOUND, "not_found"),
            QueryError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            QueryError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            QueryError::InvalidDocument(_) => (StatusCode::BAD_REQUEST, "invalid_document"),
            // A batch over the limit breaks the request schema (maxItems): 400 like
            // every other schema violation; 413 is for bodies over the byte limit.
            QueryError::BatchTooLarge { .. } => (StatusCode::BAD_REQUEST, "batch_too_large"),
            QueryError::PayloadTooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            QueryError::Timeout { .. } => (StatusCode::REQUEST_TIMEOUT, "request_timeout"),
            QueryError::Overloaded => (StatusCode::SERVICE_UNAVAILABLE, "overloaded"),
            QueryError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
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
    /// No slot free within a second.
    #[response(status = 503, description = "Overloaded; retry after a second")]
    Overloaded(ErrorBody),
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
    /// Body over the byte limit.
    #[response(status = 413, description = "Body over 8 MiB")]
    TooLarge(ErrorBody),
    /// No slot free within a second.
    #[response(status = 503, description = "Overloaded; retry after a second")]
    Overloaded(ErrorBody),
}

impl IntoResponse for QueryError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if let QueryError::Internal(details) = &self {
            tracing::error!(%details, "request failed");
        }
        let body = ErrorBody { error: ErrorDetail { code: code.to_string(), message: self.to_string() } };
        let mut response = (status, Json(body)).into_response();
        match self {
            QueryError::Overloaded => {
                response.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("1"));
            }
            QueryError::Unauthorized(_) => {
                response.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            _ => {}
        }
        response
    }
}
