//! Server functions have no CSRF protection of their own, so every request
//! that can change something must come from our own pages. Browsers tell us
//! with `Sec-Fetch-Site` (all current ones) or at least `Origin` (older ones).
//! Requests with neither are not from a browser (curl, the SaaS's backend) and
//! cannot carry a victim's cookies cross-site, so they pass.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub async fn reject_cross_site_writes(request: Request<Body>, next: Next) -> Response {
    if is_safe_method(request.method()) || is_same_origin(&request) {
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

fn is_same_origin(request: &Request<Body>) -> bool {
    let headers = request.headers();
    if let Some(site) = headers.get("sec-fetch-site") {
        // "none" is a navigation the user typed or bookmarked.
        return matches!(site.to_str(), Ok("same-origin" | "none"));
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    match (origin.to_str().ok().and_then(authority_of), host) {
        (Some(origin), Some(host)) => origin.eq_ignore_ascii_case(host),
        _ => false, // includes `Origin: null` (sandboxed frames, redirects from elsewhere)
    }
}

fn authority_of(origin: &str) -> Option<&str> {
    origin
        .split_once("://")
        .map(|(_, rest)| rest.trim_end_matches('/'))
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
        assert!(is_same_origin(&post(&[("sec-fetch-site", "same-origin")])));
        assert!(is_same_origin(&post(&[(
            "origin",
            "https://portal.example.com"
        )])));
        assert!(
            is_same_origin(&post(&[])),
            "non-browser clients send neither header"
        );
    }

    #[test]
    fn cross_site_requests_are_refused() {
        assert!(!is_same_origin(&post(&[("sec-fetch-site", "cross-site")])));
        assert!(!is_same_origin(&post(&[("sec-fetch-site", "same-site")])));
        assert!(!is_same_origin(&post(&[(
            "origin",
            "https://evil.example"
        )])));
        assert!(!is_same_origin(&post(&[("origin", "null")])));
        assert!(!is_same_origin(&post(&[(
            "origin",
            "https://portal.example.com.evil.example"
        )])));
    }
}
