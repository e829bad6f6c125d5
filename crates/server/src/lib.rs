//! hoshin's HTTP server: the JSON API over `hoshin_search` and
//! `hoshin_indexer`, and the search page of `hoshin_web`, composed by [`app`].
//!
//! [`read`] and [`write`] hold the handlers, [`params`] and [`documents`] the
//! checks on what they receive, [`auth`] the bearer tokens, [`admin`] the
//! reload of the word lists and [`openapi`] the document describing it all.
//! [`Live`] is what is served (generation, writer, engine) and how it changes
//! while serving; a node of a fleet follows its store ([`following`]) instead
//! of keeping a journal. Every request passes through [`admission`] (request id,
//! slots, time limit, log line, [`metrics`]); index work runs on the [`workers`] pool;
//! [`connections`] accepts them, with a deadline on headers and a cap.
//! Every error, unknown routes and methods included, is one [`ApiError`]
//! answered as `{"error": {"code", "message"}}`.
//!
//! ```
//! use std::sync::Arc;
//! use hoshin_analysis::PreparedAnalysis;
//! use hoshin_indexer::IndexLayout;
//! use hoshin_server::{app, ApiTokens, AppState, HttpConfig, Live, MeaningConfig, Sources};
//! # let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
//! # let (dictionary, data, seeds) = (root.join("index/dictionary"), root.join("data"), root.join("seeds"));
//! # let index_root = tempfile::tempdir()?;
//!
//! let analysis = PreparedAnalysis::prepare(&dictionary, &data)?;
//! let meaning = MeaningConfig::default();
//! // One machine: the index root's journal keeps what the API writes.
//! let store = None;
//! let sources = Sources { layout: IndexLayout::new(index_root.path()), seeds, dictionary, data, meaning, store };
//! let state = AppState {
//!     live: Live::open(sources, &analysis)?,
//!     tokens: Arc::new(ApiTokens::new(["a-secret-token"])),
//! };
//! let router = app(state, &HttpConfig::default());
//! # drop(router);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod admin;
pub mod admission;
mod answers;
pub mod auth;
pub mod connections;
pub mod documents;
mod error;
mod extract;
pub mod following;
pub mod live;
pub mod metrics;
mod openapi;
pub mod params;
mod read;
mod state;
mod vectors;
pub mod workers;
mod write;

use axum::extract::DefaultBodyLimit;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{Method, StatusCode, Uri};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};

pub use auth::ApiTokens;
pub use error::{ApiError, ErrorBody, Result};
pub use following::{follow_store, Following};
pub use live::{follow_published, Live, Serving, Sources};
pub use state::{AppState, HttpConfig};
pub use vectors::{MeaningConfig, DEFAULT_QUERY_VECTORS};

use admission::{admit, Admission};
use hoshin_web::{page, PageHead};
use metrics::Metrics;
use params::MAX_BODY_BYTES;
use state::{Imports, RouterState};
use workers::IndexWorkers;

/// The whole application: the API and the search page, with cross-origin
/// access as configured, answers compressed (gzip or Brotli) when the client
/// accepts it, every request behind admission control.
pub fn app(state: AppState, config: &HttpConfig) -> Router {
    let metrics = Metrics::new();
    let api = Router::new()
        .route("/api/search", get(read::search))
        .route("/api/documents", post(write::post_documents))
        .route("/api/documents/{id}", get(read::document).put(write::put_document).delete(write::delete_document))
        .route("/api/import", post(write::import))
        .route("/api/documents/{id}/siblings", get(read::siblings))
        .route("/api/documents/{id}/similar", get(read::similar))
        .route("/api/suggest", get(read::suggest))
        .route("/api/analyze", get(read::analyze))
        .route("/api/openapi.json", get(openapi::openapi))
        .route("/api/health", get(read::health))
        .route("/api/admin/reload", post(admin::reload))
        .route("/metrics", get(metrics::metrics))
        .route("/items/{id}", get(read::item_page))
        .fallback(no_such_endpoint)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(RouterState {
            app: state,
            workers: IndexWorkers::new(config.index_workers),
            imports: Imports::new(config.import_limits),
            metrics: metrics.clone(),
        })
        .merge(hoshin_web::router())
        .route_layer(middleware::from_fn(metrics::mark_route));
    let app = if config.cors_origins.is_empty() {
        api
    } else {
        api.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(config.cors_origins.clone()))
                .allow_methods([Method::GET, Method::PUT, Method::POST, Method::DELETE])
                .allow_headers([CONTENT_TYPE, AUTHORIZATION]),
        )
    };
    let admission = Admission::new(config.limits, metrics);
    app.layer(CompressionLayer::new()).layer(middleware::from_fn_with_state(admission, admit))
}

/// An address nothing serves: the API's JSON error under `/api/`, where
/// programs ask; elsewhere the page's 404, in Japanese, for a resident's
/// browser following a wrong link.
async fn no_such_endpoint(uri: Uri) -> Response {
    match uri.path().starts_with("/api/") {
        true => ApiError::NoSuchEndpoint(uri.path().to_string()).into_response(),
        false => page(StatusCode::NOT_FOUND, &PageHead::missing_page()),
    }
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
