//! Server functions have no CSRF protection of their own, so every request
//! that can change something must come from our own pages. Browsers tell us
//! with `Sec-Fetch-Site` (all current ones) or at least `Origin` (older ones).
//! Requests with neither are not from a browser (curl, the SaaS's backend) and
//! cannot carry a victim's cookies cross-site, so they pass.

//!
//! `Origin` is compared whole, scheme included: the portal's own scheme is
//! https exactly when its cookies are `Secure`, so a page on
//! `http://portal.example.com` cannot post as `https://portal.example.com`.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, Method, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use backend::AppState;

pub async fn reject_cross_site_writes(
    State(state): State<AppState>,
    request: Request<Body>,
    next: Next,
) -> Response {
    let scheme = if state.settings.secure_cookies {
        "https"
    } else {
        "http"
    };
    if is_safe_method(request.method()) || is_same_origin(&request, scheme) {
        next.run(request).await
    } else {
        tracing::warn!(path = %request.uri().path(), "rejected a cross-site request");
        (
            StatusCode::FORBIDDEN,
            "Cross-site requests are not allowed.",
        )
            .into_response()
    }
}

fn is_safe_method(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn is_same_origin(request: &Request<Body>, scheme: &str) -> bool {
    let headers = request.headers();
    if let Some(site) = headers.get("sec-fetch-site") {
        // Only our own pages. "none" (a typed or bookmarked navigation) never
        // legitimately posts, and is what some extensions and tools send.
        return matches!(site.to_str(), Ok("same-origin"));
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    match (origin.to_str().ok(), host) {
        (Some(origin), Some(host)) => origin
            .trim_end_matches('/')
            .eq_ignore_ascii_case(&format!("{scheme}://{host}")),
        _ => false, // includes `Origin: null` (sandboxed frames, redirects from elsewhere)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(headers: &[(&str, &str)]) -> Request<Body> {
        let mut builder =
            Request::post("/api/auth/sign_in").header(header::HOST, "portal.example.com");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(Body::empty()).unwrap()
    }

    #[test]
    fn same_origin_requests_pass() {
        assert!(is_same_origin(
            &post(&[("sec-fetch-site", "same-origin")]),
            "https"
        ));
        assert!(is_same_origin(
            &post(&[("origin", "https://portal.example.com")]),
            "https"
        ));
        assert!(
            is_same_origin(&post(&[]), "https"),
            "non-browser clients send neither header"
        );
    }

    #[test]
    fn cross_site_requests_are_refused() {
        for refused in [
            ("sec-fetch-site", "cross-site"),
            ("sec-fetch-site", "same-site"),
            ("sec-fetch-site", "none"),
            ("origin", "https://evil.example"),
            ("origin", "null"),
            ("origin", "https://portal.example.com.evil.example"),
            ("origin", "http://portal.example.com"),
        ] {
            assert!(!is_same_origin(&post(&[refused]), "https"), "{refused:?}");
        }
    }
}
