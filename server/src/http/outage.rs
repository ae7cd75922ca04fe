//! While Postgres is known to be down (its breaker is open, see
//! `backend::breaker` and `workers::breakers`), requests that need it are
//! answered 503 with `Retry-After` at once, instead of each waiting out the
//! pool's acquire timeout and tying up a connection slot meanwhile.

use axum::body::Body;
use axum::extract::{MatchedPath, State};
use axum::http::{header, HeaderValue, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use backend::AppState;
use domain::AppError;

/// Seconds a client is asked to wait: the probe runs twice a second, so the
/// portal is usually back by then.
const RETRY_AFTER_SECONDS: u64 = 2;

pub async fn shed_while_postgres_is_down(
    State(state): State<AppState>,
    request: Request<Body>,
    next: Next,
) -> Response {
    if !state.db_breaker.is_open() {
        return next.run(request).await;
    }
    // Static files and unknown paths need no database; health checks must
    // keep saying what they see.
    let Some(route) = request.extensions().get::<MatchedPath>() else {
        return next.run(request).await;
    };
    let route = route.as_str();
    if route == super::paths::HEALTH || route == super::paths::READY {
        return next.run(request).await;
    }
    let mut response = if route.starts_with("/api/v1/") {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(serde_json::json!({
                "error": "unavailable",
                "message": "Portal is temporarily unavailable. Retry shortly.",
            })),
        )
            .into_response()
    } else if route.starts_with("/api/") {
        server_function_error(route)
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            UNAVAILABLE_PAGE,
        )
            .into_response()
    };
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
    response
}

/// What a server function answers when it fails, so the page shows the
/// usual "temporarily unavailable" message (`server_fns::map_errors` sets
/// the status).
fn server_function_error(route: &str) -> Response {
    let body = serde_json::to_vec(&AppError::Unavailable).unwrap_or_default();
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    if let Ok(path) = HeaderValue::from_str(route) {
        response
            .headers_mut()
            .insert(server_fn::error::SERVER_FN_ERROR_HEADER, path);
    }
    response
}

/// Self-contained (no stylesheet, no script): nothing else may be reachable.
const UNAVAILABLE_PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Portal is temporarily unavailable</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:15vh auto;padding:0 1rem;line-height:1.5;color:#111827;background:#fff}@media (prefers-color-scheme:dark){body{color:#f3f4f6;background:#111827}}</style>
</head><body><main><h1>Portal is temporarily unavailable</h1>
<p>Nothing you saved is lost. Please reload this page in a few seconds.</p></main></body></html>"#;
