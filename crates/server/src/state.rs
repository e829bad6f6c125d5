//! What the handlers share, and how the HTTP side is configured.

use std::sync::Arc;

use axum::extract::FromRef;
use axum::http::HeaderValue;
use hoshin_import::ImportLimits;
use tokio::sync::Semaphore;

use crate::admission::AdmissionLimits;
use crate::auth::ApiTokens;
use crate::connections::ConnectionLimits;
use crate::live::{Live, Serving};
use crate::metrics::Metrics;
use crate::workers::IndexWorkers;

/// How the HTTP side is configured.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Concurrency and time limits of every request.
    pub limits: AdmissionLimits,
    /// Admitted requests whose index work (searching, looking up, writing)
    /// runs at once; the others wait their turn (see [`crate::workers`]).
    pub index_workers: usize,
    /// Threads of the async runtime, which read and write the sockets and
    /// turn answers into JSON while the index work runs on the workers' own
    /// threads.
    pub http_threads: usize,
    /// Origins other than the server's own whose pages may call the API; none
    /// by default, which leaves browsers to their same-origin rule.
    pub cors_origins: Vec<HeaderValue>,
    /// The bounds every imported document keeps.
    pub import_limits: ImportLimits,
    /// Bounds on open connections and on how long their headers may take.
    pub connections: ConnectionLimits,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            limits: AdmissionLimits::default(),
            index_workers: IndexWorkers::default_count(),
            http_threads: HttpConfig::default_http_threads(),
            cors_origins: Vec::new(),
            import_limits: ImportLimits::default(),
            connections: ConnectionLimits::default(),
        }
    }
}

impl HttpConfig {
    /// One async thread per four cores, at least one. Searching is most of a
    /// request's work and has the workers; a second async thread on two cores
    /// only takes turns with them (docs/performance.md).
    pub fn default_http_threads() -> usize {
        std::thread::available_parallelism().map_or(1, usize::from).div_ceil(4)
    }

    /// The async runtime to serve on, with [`HttpConfig::http_threads`] threads.
    pub fn runtime(&self) -> std::io::Result<tokio::runtime::Runtime> {
        tokio::runtime::Builder::new_multi_thread().worker_threads(self.http_threads).enable_all().build()
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

/// What the handlers share inside the router: the caller's [`AppState`],
/// the workers its index work runs on and the imports' turn.
#[derive(Clone)]
pub(crate) struct RouterState {
    pub(crate) app: AppState,
    pub(crate) workers: IndexWorkers,
    pub(crate) imports: Imports,
    pub(crate) metrics: Arc<Metrics>,
}

/// Imports take turns, one at a time, each within the same limits: so the
/// memory imports take is that of one import within its limits.
#[derive(Clone)]
pub(crate) struct Imports {
    pub(crate) turn: Arc<Semaphore>,
    pub(crate) limits: ImportLimits,
}

impl Imports {
    pub(crate) fn new(limits: ImportLimits) -> Self {
        Imports { turn: Arc::new(Semaphore::new(1)), limits }
    }
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

impl FromRef<RouterState> for Arc<Metrics> {
    fn from_ref(state: &RouterState) -> Self {
        state.metrics.clone()
    }
}

impl FromRef<RouterState> for IndexWorkers {
    fn from_ref(state: &RouterState) -> Self {
        state.workers.clone()
    }
}
