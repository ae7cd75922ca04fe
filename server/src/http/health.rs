use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use backend::AppState;
use fred::prelude::*;
use serde_json::{json, Value};
use std::time::Duration;

/// The process is up and serving HTTP.
pub async fn health() -> &'static str {
    "ok"
}

/// Whether a balancer should send this instance traffic: Postgres answers
/// and the instance is not draining. Redis is reported but does not decide:
/// without it the portal serves (slower, less live), and since every
/// instance shares one Redis, failing on it took them all out of rotation
/// at once (scripts/cluster --chaos: 45% of views answered 503 by the
/// balancer during Redis restarts).
///
/// A draining instance says so at once, whatever its dependencies: the
/// balancer must stop sending it work before it stops.
pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    if state.lifecycle.is_draining() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "draining" })),
        );
    }
    let timeout = Duration::from_secs(2);
    // A known outage is reported at once rather than waited for.
    let postgres = !state.db_breaker.is_open()
        && tokio::time::timeout(timeout, sqlx::query("select 1").execute(&state.db))
            .await
            .map(|r| r.is_ok())
            .unwrap_or(false);
    let redis = !state.redis_breaker.is_open()
        && tokio::time::timeout(timeout, state.redis.ping::<String>(None))
            .await
            .map(|r| r.is_ok())
            .unwrap_or(false);
    let status = if postgres {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let word = |ok: bool| if ok { "ok" } else { "unavailable" };
    (
        status,
        Json(json!({ "postgres": word(postgres), "redis": word(redis) })),
    )
}
