//! `GET /metrics`: what a node has answered and what it holds, in the
//! Prometheus text format, for the operators' own monitoring to scrape.
//!
//! Requests are counted by method, route (the route's pattern, such as
//! `/api/documents/{id}`, never the address itself, so the series stay few)
//! and status; their latencies go into one histogram per route; error answers
//! are counted by their code. What the node holds (documents, index bytes,
//! how far it has applied the writes, rebuilds) is read when scraped.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::live::Live;

/// Upper bounds of the latency histogram's buckets, in seconds: from a cached
/// search to a write that rebuilds.
const LATENCY_BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// The route label of a request no route matched.
const UNMATCHED: &str = "unmatched";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CodeLabels {
    code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

/// The route a request matched, carried on its response to where it is counted.
#[derive(Debug, Clone)]
pub struct Route(String);

/// One node's metrics.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    errors: Family<CodeLabels, Counter>,
    documents: Gauge,
    index_bytes: Gauge,
    applied: Gauge,
    lag: Gauge,
    rebuilds: Family<OutcomeLabels, Gauge>,
}

impl Metrics {
    /// Metrics with nothing counted yet.
    pub fn new() -> Arc<Metrics> {
        let mut registry = Registry::with_prefix("hoshin");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register("http_requests", "Requests answered, by method, route and status", requests.clone());
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| Histogram::new(LATENCY_BUCKETS));
        registry.register(
            "http_request_duration_seconds",
            "Time from a request's arrival to its answer",
            latency.clone(),
        );
        let errors = Family::<CodeLabels, Counter>::default();
        registry.register("http_errors", "Error answers, by the code in their body", errors.clone());
        let documents = Gauge::default();
        registry.register("documents", "Items in the served index", documents.clone());
        let index_bytes = Gauge::default();
        registry.register("index_bytes", "Bytes the served index generation takes on disk", index_bytes.clone());
        let applied = Gauge::default();
        registry.register("applied_position", "How far into the written batches the served index is", applied.clone());
        let lag = Gauge::default();
        registry.register("lag", "Written batches' positions the served index has yet to apply", lag.clone());
        let rebuilds = Family::<OutcomeLabels, Gauge>::default();
        registry.register("rebuilds", "Rebuilds since the server started, by outcome", rebuilds.clone());
        Arc::new(Metrics { registry, requests, latency, errors, documents, index_bytes, applied, lag, rebuilds })
    }

    /// Counts one answered request.
    pub fn observe(&self, method: &str, route: Option<&str>, status: u16, error: Option<&str>, took: Duration) {
        let route = route.unwrap_or(UNMATCHED).to_string();
        self.requests.get_or_create(&RequestLabels { method: method.to_string(), route: route.clone(), status }).inc();
        self.latency.get_or_create(&RouteLabels { route }).observe(took.as_secs_f64());
        if let Some(code) = error {
            self.errors.get_or_create(&CodeLabels { code: code.to_string() }).inc();
        }
    }

    /// Everything, in the Prometheus text format, with what `live` holds now.
    pub fn render(&self, live: &Live) -> String {
        let status = live.status();
        self.documents.set(gauge_value(live.serving().document_count()));
        self.index_bytes.set(gauge_value(status.index_bytes));
        self.applied.set(gauge_value(status.applied));
        self.lag.set(gauge_value(status.store.map_or(0, |progress| progress.lag())));
        self.rebuilds
            .get_or_create(&OutcomeLabels { outcome: "succeeded" })
            .set(gauge_value(status.rebuilds.succeeded));
        self.rebuilds.get_or_create(&OutcomeLabels { outcome: "failed" }).set(gauge_value(status.rebuilds.failed));
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut text, &self.registry);
        text
    }
}

fn gauge_value(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// `GET /metrics`.
pub(crate) async fn metrics(State(metrics): State<Arc<Metrics>>, State(live): State<Arc<Live>>) -> Response {
    let text = metrics.render(&live);
    ([(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response()
}

/// A route layer: puts the pattern of the route a request matched on its
/// response, for the admission middleware, which answers last, to count it by.
pub(crate) async fn mark_route(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map(|path| Route(path.as_str().to_string()));
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(route);
    }
    response
}

impl Route {
    /// The route's pattern.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
