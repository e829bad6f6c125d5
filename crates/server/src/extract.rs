//! Extractors that fail with an [`ApiError`], so every rejection is JSON in
//! the API's one error shape: query strings, path segments and bodies that
//! cannot be decoded, and bodies over the size limit.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::header::CONTENT_LENGTH;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::Json;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, Result};
use crate::params::MAX_BODY_BYTES;

/// axum's `Query` with its rejection turned into a [`ApiError`], so a query
/// string that cannot be decoded gets the same JSON error shape as everything else.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(params)| ApiQuery(params))
            .map_err(|rejection| ApiError::MalformedRequest(rejection.body_text()))
    }
}

/// axum's `Path` with its rejection (an id that is not UTF-8, say) turned into a
/// [`ApiError`].
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| ApiPath(value))
            .map_err(|rejection| ApiError::MalformedRequest(rejection.body_text()))
    }
}

/// axum's `Json` with its rejections (malformed JSON, wrong fields, too large)
/// turned into [`ApiError`]s.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self> {
        refuse_declared_oversize(&request)?;
        Json::<T>::from_request(request, state).await.map(|Json(value)| ApiJson(value)).map_err(|rejection| {
            match rejection.status() {
                StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge { max: MAX_BODY_BYTES },
                _ => ApiError::MalformedRequest(rejection.body_text()),
            }
        })
    }
}

/// A raw request body, size-checked like [`ApiJson`].
pub struct ApiBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for ApiBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self> {
        refuse_declared_oversize(&request)?;
        Bytes::from_request(request, state).await.map(ApiBody).map_err(|rejection| match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge { max: MAX_BODY_BYTES },
            _ => ApiError::MalformedRequest(rejection.body_text()),
        })
    }
}

/// Refuses a body whose declared length is over the limit before reading any
/// of it, rather than waiting for bytes that will be thrown away.
fn refuse_declared_oversize(request: &Request) -> Result<()> {
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    match declared {
        Some(length) if length > MAX_BODY_BYTES as u64 => Err(ApiError::PayloadTooLarge { max: MAX_BODY_BYTES }),
        _ => Ok(()),
    }
}
