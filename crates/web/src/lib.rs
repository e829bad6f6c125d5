//! The search page residents use, compiled into the binary: one HTML shell, one
//! script and one stylesheet, nothing fetched from elsewhere.
//!
//! `/` is the search page and `/items/{id}` an item's own page; both load the
//! same shell, whose script reads the address, calls the JSON API and renders.
//! Every answer carries a Content-Security-Policy that only allows this origin,
//! so the page cannot load, or be made to load, anything from another host.
//!
//! `hoshin_server::app` merges these routes with the API:
//!
//! ```
//! let api = axum::Router::new();
//! let app: axum::Router = api.merge(hoshin_web::router());
//! # drop(app);
//! ```

use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

const PAGE: &str = include_str!("../assets/index.html");
const SCRIPT: &str = include_str!("../assets/app.js");
const STYLE: &str = include_str!("../assets/app.css");

/// Only this origin, for everything; no inline script or style.
const POLICY: &str =
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// The page's routes, to merge with the API router.
pub fn router() -> Router {
    Router::new()
        .route("/", get(page))
        .route("/items/{id}", get(page))
        .route("/assets/app.js", get(script))
        .route("/assets/app.css", get(style))
}

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, content_type),
            (CONTENT_SECURITY_POLICY, POLICY),
            (X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
}

async fn page() -> impl IntoResponse {
    asset("text/html; charset=utf-8", PAGE)
}

async fn script() -> impl IntoResponse {
    asset("text/javascript; charset=utf-8", SCRIPT)
}

async fn style() -> impl IntoResponse {
    asset("text/css; charset=utf-8", STYLE)
}
