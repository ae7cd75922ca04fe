//! Security headers on every response. Every HTML response gets a
//! Content-Security-Policy with a nonce made here for the request: Leptos puts
//! the same nonce on the hydration and theme scripts (the router's context
//! provides it, `startup::build_router`), so only they, and what they load,
//! run. HTML that is not the app's (the development mailbox) sets its own,
//! stricter policy that runs no script at all.
//!
//! The nonce is chosen here, not by Leptos, so that the header never depends
//! on the page's `ResponseOptions` reaching the response: with them, one page
//! in a few hundred under parallel load came out without its policy.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Request};
use axum::middleware::Next;
use axum::response::Response;
use backend::AppState;
use leptos::config::{Env, LeptosOptions};
use std::sync::Arc;

/// Pages whose URL carries a token (verification, reset, invitation, email
/// change, an emailed invoice): the token must not leave in a `Referer` header.
const TOKEN_PAGES: &[&str] = &[
    "/verify-email",
    "/reset-password",
    "/invitations/accept",
    "/account/confirm-email",
    "/invoices/pdf",
    "/staff/join",
];

pub(crate) const NO_SCRIPT_POLICY: &str =
    "default-src 'none'; style-src 'self' 'unsafe-inline'; frame-src 'self'; \
    img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// The nonce of this request's scripts (`backend::tokens::new_token`).
#[derive(Clone)]
pub struct ScriptNonce(pub String);

/// What the headers need besides the app's state.
#[derive(Clone)]
pub struct HeaderState {
    pub app: AppState,
    /// Sources the app's pages may also connect to: `scripts/watch`
    /// reloads pages over a WebSocket on its own port.
    pub live_reload: Arc<str>,
}

impl HeaderState {
    pub fn new(app: AppState, options: &LeptosOptions) -> Self {
        let live_reload = match options.env {
            Env::DEV => format!(
                " ws://127.0.0.1:{port} ws://localhost:{port}",
                port = options.reload_port
            ),
            Env::PROD => String::new(),
        };
        Self {
            app,
            live_reload: live_reload.into(),
        }
    }
}

/// The app's policy: only scripts that carry `nonce` run, and what they load
/// (`'strict-dynamic'`: the app's JS and its WebAssembly); injected markup
/// cannot run script, be framed, post forms elsewhere or rewrite relative URLs.
fn app_policy(nonce: &str, live_reload: &str) -> String {
    format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'{live_reload}; \
         object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )
}

pub async fn security_headers(
    State(HeaderState {
        app: state,
        live_reload,
    }): State<HeaderState>,
    mut request: Request<Body>,
    next: Next,
) -> Response {
    let token_page = TOKEN_PAGES.contains(&request.uri().path());
    // Without a nonce (the OS's random source failed), pages run no script.
    let nonce = backend::tokens::new_token().ok().map(ScriptNonce);
    if let Some(nonce) = &nonce {
        request.extensions_mut().insert(nonce.clone());
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // A page that shows a secret (recovery codes, a new API key) sets
    // `no-referrer` itself; it is kept.
    let referrer_policy = HeaderValue::from_static(if token_page {
        "no-referrer"
    } else {
        "strict-origin-when-cross-origin"
    });
    if token_page {
        headers.insert(header::REFERRER_POLICY, referrer_policy);
    } else {
        headers
            .entry(header::REFERRER_POLICY)
            .or_insert(referrer_policy);
    }
    if state.settings.secure_cookies {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    if is_html(headers) && !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        let policy = nonce
            .and_then(|n| HeaderValue::from_str(&app_policy(&n.0, &live_reload)).ok())
            .unwrap_or(HeaderValue::from_static(NO_SCRIPT_POLICY));
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
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
pub(crate) fn is_dynamic(headers: &HeaderMap) -> bool {
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
