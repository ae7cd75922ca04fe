//! Security headers on every response. The app's pages carry their own
//! Content-Security-Policy with a per-request nonce (set while the shell
//! renders, `app::request::set_content_security_policy`); any other HTML (the
//! development mailbox, error pages rendered outside Leptos) gets a policy
//! that runs no script at all.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Request};
use axum::middleware::Next;
use axum::response::Response;
use backend::AppState;

/// Pages whose URL carries a one-time token (verification, reset, invitation,
/// email change): the token must not leave in a `Referer` header.
const TOKEN_PAGES: &[&str] = &[
    "/verify-email",
    "/reset-password",
    "/invitations/accept",
    "/account/confirm-email",
];

const NO_SCRIPT_POLICY: &str =
    "default-src 'none'; style-src 'self' 'unsafe-inline'; frame-src 'self'; \
    img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

pub async fn security_headers(
    State(state): State<AppState>,
    request: Request<Body>,
    next: Next,
) -> Response {
    let token_page = TOKEN_PAGES.contains(&request.uri().path());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static(if token_page {
            "no-referrer"
        } else {
            "strict-origin-when-cross-origin"
        }),
    );
    if state.settings.secure_cookies {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    if is_html(headers) && !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(NO_SCRIPT_POLICY),
        );
    }
    if is_dynamic(headers) && !headers.contains_key(header::CACHE_CONTROL) {
        // Pages, data and documents belong to whoever is signed in: no shared
        // cache (or the browser's back button after sign-out) may keep them.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

fn content_type(headers: &HeaderMap) -> &str {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn is_html(headers: &HeaderMap) -> bool {
    content_type(headers).starts_with("text/html")
}

/// Generated per request (as opposed to the build's static files: scripts,
/// WebAssembly, styles, images), and so possibly someone's own data.
fn is_dynamic(headers: &HeaderMap) -> bool {
    let kind = content_type(headers);
    kind.is_empty()
        || [
            "text/html",
            "text/plain",
            "text/csv",
            "text/event-stream",
            "application/json",
            "application/pdf",
            "application/x-www-form-urlencoded",
            "application/cbor",
        ]
        .iter()
        .any(|dynamic| kind.starts_with(dynamic))
}
