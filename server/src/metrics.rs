//! Prometheus metrics: what an operator watches and alerts on
//! (docs/operations.md lists each series with a suggested alert).
//!
//! Code anywhere records through the `metrics` facade (a relaxed atomic add
//! per event); `metrics-exporter-prometheus` renders the text format. The
//! endpoint is its own router on `PORTAL_METRICS_ADDR`, never the public port:
//! route names, queue depths and error rates are for operators only.
//!
//! Gauges that are cheap to read where they live (pool, outbox, caches, open
//! streams) are read at scrape time rather than kept up to date on every change.

use axum::extract::{MatchedPath, State};
use axum::http::{header, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use backend::AppState;
use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Where the endpoint answers on the metrics listener.
pub const PATH: &str = "/metrics";

/// Request latencies from a cache hit (~100 µs) to the 5 s pool timeout.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's recorder, installed on first use. One per process: tests
/// that build several routers share it, as the instances of a real process
/// would share one registry.
pub fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed; /metrics will be empty");
        }
        describe();
        handle
    })
}

/// The metrics listener's router: `GET /metrics` and nothing else.
pub fn router(state: AppState) -> Router {
    handle();
    Router::new().route(PATH, get(scrape)).with_state(state)
}

async fn scrape(State(state): State<AppState>) -> Response {
    sample_gauges(&state).await;
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle().render(),
    )
        .into_response()
}

/// Drains histogram samples into their buckets even when nobody scrapes, so
/// they cannot grow without bound.
pub async fn upkeep(mut stopped: watch::Receiver<bool>) {
    loop {
        handle().run_upkeep();
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(5)) => {}
            _ = stopped.changed() => return,
        }
    }
}

async fn sample_gauges(state: &AppState) {
    let pool = &state.db;
    let idle = pool.num_idle() as f64;
    gauge!("portal_db_pool_connections", "state" => "idle").set(idle);
    gauge!("portal_db_pool_connections", "state" => "in_use").set(f64::from(pool.size()) - idle);
    gauge!("portal_db_pool_max_connections").set(f64::from(pool.options().get_max_connections()));
    gauge!("portal_api_key_cache_entries").set(state.api_keys.cached_len() as f64);
    gauge!("portal_live_streams").set(state.live.open_streams() as f64);
    // A scrape must answer even while Postgres is down: the outbox gauges
    // then keep their last value and the pool gauges tell the story.
    let depth = tokio::time::timeout(
        Duration::from_secs(1),
        backend::notifications::db::outbox_depth(pool),
    )
    .await;
    if let Ok(Ok(depth)) = depth {
        gauge!("portal_outbox_pending").set(depth.pending as f64);
        gauge!("portal_outbox_oldest_pending_seconds").set(depth.oldest_pending_seconds);
    }
}

/// Counts every request by route template (never the raw path: ids would make
/// a series per customer) and times it until its response starts.
pub async fn track_requests(request: Request<axum::body::Body>, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let elapsed = started.elapsed().as_secs_f64();
    let status = response.status();
    if let Some(name) = server_function_name(&route) {
        counter!("portal_server_fn_calls_total", "name" => name.to_owned(), "outcome" => outcome(status))
            .increment(1);
    }
    counter!(
        "portal_http_requests_total",
        "method" => method.clone(),
        "route" => route.clone(),
        "status" => status_class(status),
    )
    .increment(1);
    histogram!("portal_http_request_duration_seconds", "method" => method, "route" => route)
        .record(elapsed);
    response
}

/// `billing/pay_invoice` for a server function's route; `None` for the
/// public API (`/api/v1/…`) and everything else.
fn server_function_name(route: &str) -> Option<&str> {
    route
        .strip_prefix("/api/")
        .filter(|name| !name.starts_with("v1/"))
}

fn status_class(status: StatusCode) -> &'static str {
    match status.as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// A server function's result as an operator reads it: refused (the caller's
/// fault or a limit) is not failed (ours).
fn outcome(status: StatusCode) -> &'static str {
    if status.is_server_error() {
        "failed"
    } else if status.is_client_error() {
        "refused"
    } else {
        "ok"
    }
}

/// Redis errors and reconnections, counted from the pool's event streams.
pub fn watch_redis(pool: &fred::clients::Pool) {
    use fred::interfaces::EventInterface;
    for client in pool.clients() {
        let mut errors = client.error_rx();
        tokio::spawn(async move {
            while errors.recv().await.is_ok() {
                counter!("portal_redis_errors_total").increment(1);
            }
        });
        let mut reconnects = client.reconnect_rx();
        tokio::spawn(async move {
            while reconnects.recv().await.is_ok() {
                counter!("portal_redis_reconnects_total").increment(1);
            }
        });
    }
}

/// Statement and connection-wait durations, read from the events sqlx emits:
/// one per statement (target `sqlx::query`, at debug; slow ones at warn) and
/// one per pool checkout (`sqlx::pool::acquire`, enabled in
/// `startup::pool_options`). sqlx keeps its wait queue to itself, so time to
/// acquire is how waiting for a connection shows. Add with [`sqlx_timings`].
struct SqlxTimings;

/// The layer with its own filter: these events reach it whatever `RUST_LOG`
/// says, and only they do.
pub fn sqlx_timings<S>() -> impl tracing_subscriber::Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::Layer;
    SqlxTimings.with_filter(
        Targets::new()
            .with_target(QUERY_TARGET, tracing::Level::DEBUG)
            .with_target(ACQUIRE_TARGET, tracing::Level::DEBUG),
    )
}

const QUERY_TARGET: &str = "sqlx::query";
const ACQUIRE_TARGET: &str = "sqlx::pool::acquire";

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for SqlxTimings {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        let mut fields = SqlxFields::default();
        event.record(&mut fields);
        let Some(seconds) = fields.seconds else {
            return;
        };
        match event.metadata().target() {
            QUERY_TARGET => histogram!("portal_db_query_seconds", "statement" => fields.statement)
                .record(seconds),
            ACQUIRE_TARGET => histogram!("portal_db_acquire_seconds").record(seconds),
            _ => {}
        }
    }
}

#[derive(Default)]
struct SqlxFields {
    seconds: Option<f64>,
    /// The statement's first keyword: a label with a handful of values.
    statement: &'static str,
}

impl tracing::field::Visit for SqlxFields {
    fn record_f64(&mut self, field: &tracing::field::Field, value: f64) {
        // "aquired" is sqlx's spelling.
        if matches!(field.name(), "elapsed_secs" | "aquired_after_secs") {
            self.seconds = Some(value);
        }
    }

    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "summary" {
            self.statement = statement_kind(value);
        }
    }

    fn record_debug(&mut self, _: &tracing::field::Field, _: &dyn std::fmt::Debug) {}
}

fn statement_kind(summary: &str) -> &'static str {
    let first = summary.split_whitespace().next().unwrap_or_default();
    [
        "select", "insert", "update", "delete", "with", "begin", "commit", "rollback", "set",
    ]
    .into_iter()
    .find(|kind| first.eq_ignore_ascii_case(kind))
    .unwrap_or("other")
}

fn describe() {
    describe_counter!(
        "portal_http_requests_total",
        "HTTP requests by method, route template and status class."
    );
    describe_histogram!(
        "portal_http_request_duration_seconds",
        metrics::Unit::Seconds,
        "Time from a request's arrival to its response's start, by route template."
    );
    describe_counter!(
        "portal_server_fn_calls_total",
        "Server function calls by name and outcome (ok, refused, failed)."
    );
    describe_gauge!(
        "portal_db_pool_connections",
        "Postgres pool connections by state (in_use, idle)."
    );
    describe_gauge!(
        "portal_db_pool_max_connections",
        "The Postgres pool's size limit."
    );
    describe_histogram!(
        "portal_db_query_seconds",
        metrics::Unit::Seconds,
        "Postgres statement durations by kind (select, insert, update, delete, with, ...)."
    );
    describe_histogram!(
        "portal_db_acquire_seconds",
        metrics::Unit::Seconds,
        "Time to get a Postgres connection from the pool: rises when requests wait for one."
    );
    describe_histogram!(
        "portal_usage_gauge_lag_seconds",
        metrics::Unit::Seconds,
        "From a usage change being committed to its totals being published to open pages."
    );
    describe_counter!(
        "portal_redis_errors_total",
        "Errors reported by the Redis connections."
    );
    describe_counter!("portal_redis_reconnects_total", "Redis reconnections.");
    describe_gauge!(
        "portal_outbox_pending",
        "Emails in the outbox not yet sent (including those waiting to retry)."
    );
    describe_gauge!(
        "portal_outbox_oldest_pending_seconds",
        metrics::Unit::Seconds,
        "Age of the oldest email not yet sent."
    );
    describe_counter!(
        "portal_notifications_total",
        "Email delivery attempts by outcome (sent, retry, dead)."
    );
    describe_counter!(
        "portal_usage_events_total",
        "Reported usage events by result (accepted, duplicate)."
    );
    describe_counter!(
        "portal_api_key_verifications_total",
        "API key lookups by cache result (hit, miss)."
    );
    describe_gauge!(
        "portal_api_key_cache_entries",
        "API keys (known and unknown) cached on this instance."
    );
    describe_gauge!(
        "portal_live_streams",
        "Open live-event streams (dashboards) on this instance."
    );
    describe_counter!(
        "portal_billing_runs_total",
        "Billing job passes by outcome (ok, failed)."
    );
    describe_counter!(
        "portal_billing_periods_closed_total",
        "Billing periods closed (invoices issued)."
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_app_server_functions_are_named() {
        assert_eq!(
            server_function_name("/api/billing/pay_invoice"),
            Some("billing/pay_invoice")
        );
        assert_eq!(server_function_name("/api/v1/keys/verify"), None);
        assert_eq!(server_function_name("/support/{id}"), None);
    }

    #[test]
    fn statements_are_labelled_by_their_first_keyword_only() {
        assert_eq!(statement_kind("SELECT id from ticket …"), "select");
        assert_eq!(statement_kind("with taken as ( …"), "with");
        assert_eq!(statement_kind("listen portal"), "other");
        assert_eq!(statement_kind(""), "other");
    }

    #[test]
    fn refusals_are_not_failures() {
        assert_eq!(outcome(StatusCode::UNPROCESSABLE_ENTITY), "refused");
        assert_eq!(outcome(StatusCode::SERVICE_UNAVAILABLE), "failed");
        assert_eq!(outcome(StatusCode::SEE_OTHER), "ok");
    }
}
