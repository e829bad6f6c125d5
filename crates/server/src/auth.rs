//! Who may write: bearer tokens, kept as digests, and the extractor that
//! checks them before a write handler reads its body.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use sha2::{Digest, Sha256};

use crate::error::{ApiError, Result};

/// The API tokens, kept only as SHA-256 digests and compared in constant time.
#[derive(Default)]
pub struct ApiTokens {
    digests: Vec<[u8; 32]>,
}

impl std::fmt::Debug for ApiTokens {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "ApiTokens({} configured)", self.digests.len())
    }
}

impl ApiTokens {
    /// Tokens from configuration; blank ones are ignored.
    pub fn new<'a>(tokens: impl IntoIterator<Item = &'a str>) -> ApiTokens {
        let digests = tokens.into_iter().map(str::trim).filter(|token| !token.is_empty()).map(digest).collect();
        ApiTokens { digests }
    }

    /// How many tokens are configured.
    pub fn len(&self) -> usize {
        self.digests.len()
    }

    /// Whether writing is impossible for lack of tokens.
    pub fn is_empty(&self) -> bool {
        self.digests.is_empty()
    }

    /// Accepts a request bearing one of the tokens.
    pub fn authorize(&self, headers: &HeaderMap) -> Result<()> {
        let presented = headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(|token| digest(token.trim()));
        let Some(presented) = presented else {
            return Err(ApiError::Unauthorized("send `Authorization: Bearer <token>`"));
        };
        // Every configured digest is compared, each in constant time, so the
        // answer's timing says nothing about which bytes matched.
        let matched = self.digests.iter().fold(false, |found, known| found | equal_in_constant_time(known, &presented));
        if matched {
            Ok(())
        } else {
            Err(ApiError::Unauthorized("the token is not valid"))
        }
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn equal_in_constant_time(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |difference, (x, y)| difference | (x ^ y)) == 0
}

/// A request bearing a valid API token; checked before the body is read.
pub struct Authorized;

impl<S: Send + Sync> FromRequestParts<S> for Authorized
where
    Arc<ApiTokens>: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self> {
        Arc::<ApiTokens>::from_ref(state).authorize(&parts.headers).map(|()| Authorized)
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(authorization: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_str(authorization).unwrap());
        headers
    }

    #[test]
    fn only_a_configured_bearer_token_is_accepted() {
        let tokens = ApiTokens::new(["s3cret", " other ", ""]);
        assert_eq!(tokens.len(), 2);
        assert!(tokens.authorize(&headers("Bearer s3cret")).is_ok());
        assert!(tokens.authorize(&headers("Bearer other")).is_ok());
        assert!(tokens.authorize(&headers("Bearer s3cre")).is_err());
        assert!(tokens.authorize(&headers("Basic s3cret")).is_err());
        assert!(tokens.authorize(&HeaderMap::new()).is_err());
        assert!(ApiTokens::new([]).authorize(&headers("Bearer ")).is_err());
        assert!(!format!("{tokens:?}").contains("s3cret"), "tokens are never printed");
    }
}
