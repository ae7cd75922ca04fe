//! HTTP concerns around the Leptos app: middleware (sessions, CSRF, server
//! function errors, tracing) and endpoints that are not server functions.

pub mod api_v1;
pub mod audit_export;
pub mod csrf;
pub mod headers;
pub mod health;
pub mod invoices;
pub mod live;
pub mod server_fns;
pub mod session;
pub mod two_factor;
pub mod writes;

use axum::body::Body;
use http::Request;
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::TraceLayer;

pub type RequestTraceLayer =
    TraceLayer<SharedClassifier<ServerErrorsAsFailures>, fn(&Request<Body>) -> tracing::Span>;

/// One span per request; everything logged while handling it carries the
/// method, path and a request id.
pub fn trace_layer() -> RequestTraceLayer {
    TraceLayer::new_for_http().make_span_with(|request: &Request<Body>| {
        tracing::info_span!(
            "request",
            method = %request.method(),
            path = %request.uri().path(),
            request_id = %uuid::Uuid::new_v4(),
        )
    })
}
