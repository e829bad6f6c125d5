//! What the handlers share, and how the HTTP side is configured.

use std::sync::Arc;

use axum::extract::FromRef;
use axum::http::HeaderValue;
use hoshin_indexer::DocumentWriter;
use hoshin_search::SearchEngine;

use crate::admission::AdmissionLimits;
use crate::auth::ApiTokens;
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

/// What the handlers share: the engine that reads, the writer, the tokens.
#[derive(Clone)]
pub struct AppState {
    /// Searches and look-ups.
    pub engine: Arc<SearchEngine>,
    /// Writes into the live index.
    pub writer: Arc<DocumentWriter>,
    /// Who may write.
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

impl FromRef<RouterState> for Arc<SearchEngine> {
    fn from_ref(state: &RouterState) -> Self {
        state.app.engine.clone()
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
