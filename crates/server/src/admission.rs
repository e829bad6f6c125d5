//! What every request passes through before a handler: a request id, a bound on
//! how many requests run at once, a time limit, and one log line with the
//! latency when it is answered, which the [`Metrics`] count too.
//!
//! A request that finds every slot taken waits up to [`AdmissionLimits::queue_wait`]
//! for one and is then refused with 503 and `Retry-After`, so overload is answered
//! at once rather than by a hang; one that runs longer than
//! [`AdmissionLimits::request_timeout`] is answered 408, unless it has begun
//! writing: a 408 always means nothing was written (see [`WriteCommitment`]).

use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use crate::error::{ApiError, ErrorCode};
use crate::metrics::{Metrics, Route};

/// The header carrying the request id, taken from the client when it sends a
/// sensible one and generated otherwise.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Limits on concurrent and slow requests.
#[derive(Debug, Clone, Copy)]
pub struct AdmissionLimits {
    /// Requests handled at once.
    pub max_in_flight: usize,
    /// How long a request may wait for a slot before it is refused.
    pub queue_wait: Duration,
    /// How long a request may take once admitted.
    pub request_timeout: Duration,
}

impl Default for AdmissionLimits {
    fn default() -> Self {
        AdmissionLimits {
            max_in_flight: 256,
            queue_wait: Duration::from_secs(1),
            request_timeout: Duration::from_secs(10),
        }
    }
}

/// Shared state of the admission middleware.
pub struct Admission {
    limits: AdmissionLimits,
    slots: Semaphore,
    next_id: AtomicU64,
    metrics: Arc<Metrics>,
}

impl Admission {
    /// Admission under `limits`, counting what it answers in `metrics`.
    pub fn new(limits: AdmissionLimits, metrics: Arc<Metrics>) -> Arc<Admission> {
        let slots = Semaphore::new(limits.max_in_flight);
        Arc::new(Admission { limits, slots, next_id: AtomicU64::new(1), metrics })
    }

    fn request_id(&self, request: &Request) -> String {
        request
            .headers()
            .get(&REQUEST_ID_HEADER)
            .and_then(|value| value.to_str().ok())
            .filter(|id| !id.is_empty() && id.len() <= 64 && id.bytes().all(|byte| byte.is_ascii_graphic()))
            .map(str::to_string)
            .unwrap_or_else(|| format!("{:08x}", self.next_id.fetch_add(1, Ordering::Relaxed)))
    }
}

/// Decides, once, between a request's write and its time limit: the write
/// begins only if the request has not been answered 408, and the time limit
/// answers only if no write has begun. So a 408 means nothing was written,
/// and a write that began answers its real outcome, however long it takes.
///
/// The middleware puts one in every request's extensions; a handler calls
/// [`WriteCommitment::begin`] on the index worker, right before it journals.
#[derive(Debug, Clone, Default)]
pub struct WriteCommitment(Arc<AtomicU8>);

const UNDECIDED: u8 = 0;
const WRITING: u8 = 1;
const TIMED_OUT: u8 = 2;

impl WriteCommitment {
    /// Whether the write may begin: false once the request was answered 408.
    pub fn begin(&self) -> bool {
        self.decide(WRITING)
    }

    /// Whether the request may be answered 408: false once a write began.
    fn time_out(&self) -> bool {
        self.decide(TIMED_OUT)
    }

    fn decide(&self, outcome: u8) -> bool {
        match self.0.compare_exchange(UNDECIDED, outcome, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => true,
            Err(decided) => decided == outcome,
        }
    }
}

/// The middleware: `axum::middleware::from_fn_with_state(admission, admit)`.
pub async fn admit(State(admission): State<Arc<Admission>>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id = admission.request_id(&request);
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let limits = admission.limits;
    let commitment = WriteCommitment::default();
    request.extensions_mut().insert(commitment.clone());
    let mut response = match tokio::time::timeout(limits.queue_wait, admission.slots.acquire()).await {
        Ok(Ok(_slot)) => {
            let handled = next.run(request);
            tokio::pin!(handled);
            match tokio::time::timeout(limits.request_timeout, &mut handled).await {
                Ok(response) => response,
                Err(_) if commitment.time_out() => ApiError::Timeout { limit: limits.request_timeout }.into_response(),
                Err(_) => handled.await,
            }
        }
        _ => ApiError::Overloaded.into_response(),
    };
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    let took = started.elapsed();
    let status = response.status().as_u16();
    tracing::info!(request_id, %method, path, status, latency_ms = took.as_secs_f64() * 1e3, "request");
    let route = response.extensions().get::<Route>().map(Route::as_str);
    let error = response.extensions().get::<ErrorCode>().map(|ErrorCode(code)| *code);
    admission.metrics.observe(method.as_str(), route, status, error, took);
    response
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::StatusCode;
    use axum::routing::get;
    use axum::Router;
    use tower::ServiceExt;

    use super::*;

    fn app(limits: AdmissionLimits, handler_sleep: Duration) -> Router {
        Router::new()
            .route(
                "/",
                get(move || async move {
                    tokio::time::sleep(handler_sleep).await;
                    "done"
                }),
            )
            .layer(axum::middleware::from_fn_with_state(Admission::new(limits, Metrics::new()), admit))
    }

    fn request() -> Request {
        Request::builder().uri("/").body(Body::empty()).unwrap()
    }

    const TIGHT: AdmissionLimits = AdmissionLimits {
        max_in_flight: 1,
        queue_wait: Duration::from_millis(50),
        request_timeout: Duration::from_millis(400),
    };

    #[tokio::test]
    async fn a_slow_request_is_answered_408_in_json() {
        let response = app(TIGHT, Duration::from_secs(5)).oneshot(request()).await.unwrap();
        assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
        assert!(response.headers().contains_key(&REQUEST_ID_HEADER));
    }

    fn writing_app(write_after: Duration, write_takes: Duration) -> (Router, Arc<AtomicU8>) {
        let writes = Arc::new(AtomicU8::new(0));
        let counted = writes.clone();
        let handler = move |axum::Extension(commitment): axum::Extension<WriteCommitment>| {
            let writes = counted.clone();
            // Like an index worker, the work goes on when the request is dropped.
            let work = tokio::spawn(async move {
                tokio::time::sleep(write_after).await;
                if !commitment.begin() {
                    return "abandoned";
                }
                tokio::time::sleep(write_takes).await;
                writes.fetch_add(1, Ordering::SeqCst);
                "written"
            });
            async move { work.await.unwrap() }
        };
        let app = Router::new()
            .route("/", get(handler))
            .layer(axum::middleware::from_fn_with_state(Admission::new(TIGHT, Metrics::new()), admit));
        (app, writes)
    }

    #[tokio::test]
    async fn a_write_that_began_answers_its_outcome_past_the_time_limit() {
        let (app, writes) = writing_app(Duration::from_millis(100), Duration::from_millis(600));
        let response = app.oneshot(request()).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(writes.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_request_answered_408_never_writes() {
        let (app, writes) = writing_app(Duration::from_millis(600), Duration::ZERO);
        let response = app.oneshot(request()).await.unwrap();
        assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(writes.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn the_write_and_the_time_limit_are_decided_once() {
        let commitment = WriteCommitment::default();
        assert!(commitment.time_out() && commitment.time_out());
        assert!(!commitment.begin());
        let commitment = WriteCommitment::default();
        assert!(commitment.begin() && !commitment.time_out());
    }

    #[tokio::test]
    async fn a_request_finding_no_free_slot_gets_503_with_retry_after() {
        let app = app(TIGHT, Duration::from_millis(300));
        let first = tokio::spawn(app.clone().oneshot(request()));
        tokio::time::sleep(Duration::from_millis(20)).await;
        let second = app.oneshot(request()).await.unwrap();
        assert_eq!(second.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(second.headers()["retry-after"], "1");
        assert_eq!(first.await.unwrap().unwrap().status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn a_sensible_client_request_id_is_kept_and_a_bad_one_replaced() {
        let app = app(TIGHT, Duration::ZERO);
        let with_id = Request::builder().uri("/").header("x-request-id", "abc-123").body(Body::empty()).unwrap();
        let response = app.clone().oneshot(with_id).await.unwrap();
        assert_eq!(response.headers()[&REQUEST_ID_HEADER], "abc-123");
        let spaced = Request::builder().uri("/").header("x-request-id", "a b").body(Body::empty()).unwrap();
        let response = app.oneshot(spaced).await.unwrap();
        assert_ne!(response.headers()[&REQUEST_ID_HEADER], "a b");
    }
}
