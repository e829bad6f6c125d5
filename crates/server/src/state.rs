//! What the handlers share, and how the HTTP side is configured.

use std::sync::Arc;

use axum::extract::FromRef;
use axum::http::HeaderValue;

use crate::admission::AdmissionLimits;
use crate::auth::ApiTokens;
use crate::live::{Live, Serving};
use crate::workers::IndexWorkers;

/// How the HTTP side is configured.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Concurrency and time limits of every request.
    pub limits: AdmissionLimits,
    /// Admitted requests whose index work (searching, looking up, writing)
    /// runs at once; the others wait their turn (see [`crate::workers`]).
    pub index_workers: usize,
    /// Origins other than the server's own whose pages may call the API; none
    /// by default, which leaves browsers to their same-origin rule.
    pub cors_origins: Vec<HeaderValue>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            limits: AdmissionLimits::default(),
            index_workers: IndexWorkers::default_count(),
            cors_origins: Vec::new(),
        }
    }
}

/// What the handlers share: what is served, and who may change it.
#[derive(Clone)]
pub struct AppState {
    /// The generation searched and written, and the engine over it.
    pub live: Arc<Live>,
    /// Who may write and reload.
    pub tokens: Arc<ApiTokens>,
}

/// What the handlers share inside the router: the caller's [`AppState`] and
/// the workers its index work runs on.
#[derive(Clone)]
pub(crate) struct RouterState {
    pub(crate) app: AppState,
    pub(crate) workers: IndexWorkers,
}

impl FromRef<RouterState> for AppState {
    fn from_ref(state: &RouterState) -> Self {
        state.app.clone()
    }
}

/// The engine live when the request starts, which it uses to its end.
impl FromRef<RouterState> for Serving {
    fn from_ref(state: &RouterState) -> Self {
        state.app.live.serving()
    }
}

impl FromRef<RouterState> for Arc<Live> {
    fn from_ref(state: &RouterState) -> Self {
        state.app.live.clone()
    }
}

impl FromRef<RouterState> for Arc<ApiTokens> {
    fn from_ref(state: &RouterState) -> Self {
        state.app.tokens.clone()
    }
}

impl FromRef<RouterState> for IndexWorkers {
    fn from_ref(state: &RouterState) -> Self {
        state.workers.clone()
    }
}
