//! `/dev/mailbox`: the emails the development SMTP sink received, newest
//! first, so an invitation link can be clicked without a mail server. Mounted
//! only outside production (see `startup::build_router`), and it answers
//! only this machine: it shows every tenant's links (password resets too), so
//! a development server reachable from a network must not hand them out.

use super::smtp_sink::{CapturedMail, SmtpSink};
use crate::http::paths;
use axum::extract::{ConnectInfo, Path, Query, Request};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use backend::notifications::email::escape_html;
use serde::Deserialize;
use std::net::SocketAddr;

pub fn routes<S: Clone + Send + Sync + 'static>(sink: SmtpSink) -> Router<S> {
    Router::new()
        .route(paths::DEV_MAILBOX, get(list))
        .route(paths::DEV_MAILBOX_MAIL, get(show))
        .layer(Extension(sink))
        .layer(middleware::from_fn(this_machine_only))
}

/// 404 unless the peer is a loopback address and no proxy forwarded the
/// request (a proxy on this machine would make every visitor look local).
async fn this_machine_only(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    let forwarded = ["forwarded", "x-forwarded-for", "x-real-ip"]
        .iter()
        .any(|name| request.headers().contains_key(*name));
    if peer.ip().is_loopback() && !forwarded {
        next.run(request).await
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}

#[derive(Deserialize)]
struct Filter {
    to: Option<String>,
}

async fn list(Extension(sink): Extension<SmtpSink>, Query(filter): Query<Filter>) -> Response {
    let mut mails: Vec<CapturedMail> = sink
        .mails()
        .into_iter()
        .filter(|m| {
            filter
                .to
                .as_deref()
                .is_none_or(|to| m.to.iter().any(|r| r.eq_ignore_ascii_case(to)))
        })
        .collect();
    mails.reverse();
    let rows: String = mails
        .iter()
        .map(|m| {
            format!(
                "<tr><td><a href=\"/dev/mailbox/{id}\">{subject}</a></td><td>{to}</td><td>{at}</td></tr>",
                id = m.id,
                subject = escape_html(&m.subject()),
                to = escape_html(&m.to.join(", ")),
                at = m.received_at.time(),
            )
        })
        .collect();
    let body = if mails.is_empty() {
        "<p>No email yet. Anything the portal sends in development shows up here.</p>".to_owned()
    } else {
        format!(
            "<table><caption>Received emails, newest first</caption><thead><tr><th scope=\"col\">Subject</th>\
             <th scope=\"col\">To</th><th scope=\"col\">Received (UTC)</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    };
    page("Dev mailbox", &body)
}

async fn show(Extension(sink): Extension<SmtpSink>, Path(id): Path<u64>) -> Response {
    let Some(mail) = sink.mail(id) else {
        return (
            StatusCode::NOT_FOUND,
            page(
                "Email not found",
                "<p><a href=\"/dev/mailbox\">Back to the mailbox</a></p>",
            ),
        )
            .into_response();
    };
    // The HTML part is shown in a sandboxed frame: no scripts, no same-origin access.
    let body = format!(
        "<p><a href=\"/dev/mailbox\">← All emails</a></p>\
         <dl><dt>From</dt><dd>{from}</dd><dt>To</dt><dd>{to}</dd><dt>Message-ID</dt><dd>{message_id}</dd></dl>\
         <h2>HTML</h2><iframe title=\"HTML part\" sandbox srcdoc=\"{html}\"></iframe>\
         <h2>Plain text</h2><pre>{text}</pre>",
        from = escape_html(&mail.from),
        to = escape_html(&mail.to.join(", ")),
        message_id = escape_html(&mail.message_id()),
        html = escape_html(&mail.html()),
        text = linkify(&escape_html(&mail.text())),
    );
    page(&mail.subject(), &body)
}

/// Makes the links of an (already escaped) plain-text body clickable.
fn linkify(escaped: &str) -> String {
    escaped
        .split_inclusive(char::is_whitespace)
        .map(|word| {
            let trimmed = word.trim_end();
            if trimmed.starts_with("http://") || trimmed.starts_with("https://") {
                format!(
                    "<a href=\"{trimmed}\">{trimmed}</a>{}",
                    &word[trimmed.len()..]
                )
            } else {
                word.to_owned()
            }
        })
        .collect()
}

/// A page of the mailbox, under a policy that runs no script (the emails'
/// HTML is shown in a sandboxed frame).
fn page(title: &str, body: &str) -> Response {
    let html = Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"color-scheme\" content=\"light dark\"><title>{title} · Portal</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5}}\
         table{{border-collapse:collapse;width:100%}}th,td{{text-align:left;padding:.4rem;border-bottom:1px solid #8884}}\
         caption{{text-align:left;font-weight:600;padding:.4rem 0}}iframe{{width:100%;height:24rem;border:1px solid #8886;background:#fff}}\
         pre{{white-space:pre-wrap}}dt{{font-weight:600}}a{{color:#4f46e5}}</style></head>\
         <body><p><strong>Development only.</strong> This page does not exist in production.</p>\
         <h1>{title}</h1>{body}</body></html>",
        title = escape_html(title),
    ));
    (
        [(
            header::CONTENT_SECURITY_POLICY,
            crate::http::headers::NO_SCRIPT_POLICY,
        )],
        html,
    )
        .into_response()
}
