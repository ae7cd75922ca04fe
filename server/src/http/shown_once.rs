//! The answer to a plain form post (JavaScript off) that creates a secret:
//! a page that shows it this once, never cached, never sent on as a
//! referrer. A server function would answer such a post with a redirect and
//! the secret would be lost; here it exists nowhere but in this response.
//! A refused post goes back to the form's page with the error in `?__err`,
//! as server functions do.

use super::server_fns::back_with_error;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use backend::notifications::email::escape_html;
use domain::AppError;

/// What the page says around the secret. `secret_html` is already escaped.
pub struct ShownOnce<'a> {
    pub title: &'a str,
    pub lead: &'a str,
    /// The warning: what to do now (in bold), and why.
    pub notice: (&'a str, &'a str),
    pub secret_html: String,
    /// Where to go next, and the link's text.
    pub next: (&'a str, &'a str),
}

impl ShownOnce<'_> {
    pub fn into_response(self) -> Response {
        let (next, next_label) = self.next;
        let (notice, why) = self.notice;
        let html = format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <meta name=\"color-scheme\" content=\"light dark\"><meta name=\"referrer\" content=\"no-referrer\">\
             <title>{title} · Portal</title>\
             <style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5}}\
             ol{{columns:2;font-size:1.1rem}}code{{font-family:ui-monospace,monospace;word-break:break-all}}\
             a{{color:#4f46e5;font-weight:600}}\
             .note{{border:1px solid #d97706;border-radius:.5rem;padding:.75rem 1rem}}</style></head>\
             <body><main><h1>{title}</h1><p>{lead}</p>\
             <p class=\"note\" role=\"status\"><strong>{notice}</strong> {why}</p>\
             {secret}<p><a href=\"{next}\">{next_label}</a></p></main></body></html>",
            title = escape_html(self.title),
            lead = escape_html(self.lead),
            notice = escape_html(notice),
            why = escape_html(why),
            secret = self.secret_html,
            next = escape_html(next),
            next_label = escape_html(next_label),
        );
        (
            [
                (header::CACHE_CONTROL, "no-store"),
                (header::REFERRER_POLICY, "no-referrer"),
            ],
            Html(html),
        )
            .into_response()
    }
}

/// Back to the page the form was on (or `fallback`), with the error for the
/// form whose post went to `path` to show.
pub fn back(headers: &HeaderMap, fallback: &str, path: &str, error: &AppError) -> Response {
    let referer = headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .unwrap_or(fallback);
    back_to(referer, path, error)
}

/// To `page` (an address on this site), with the error for the form whose
/// post went to `path` to show.
pub fn back_to(page: &str, path: &str, error: &AppError) -> Response {
    let encoded = serde_json::to_vec(error).unwrap_or_default();
    match back_with_error(page, path, &encoded)
        .and_then(|target| HeaderValue::from_str(&target).ok())
    {
        Some(location) => (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response(),
        None => (backend::error::status_of(error), error.to_string()).into_response(),
    }
}

/// A `303 See Other` to `to`.
pub fn redirect(to: &'static str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
}
