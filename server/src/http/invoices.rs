//! `GET /billing/invoices/{id}/pdf`: an invoice as a PDF download, for signed-in
//! members of the invoice's organization who may view billing. Another
//! organization's invoice answers 404, exactly like one that does not exist,
//! so ids cannot be probed.
//!
//! `GET /billing/invoices.csv?number=…&status=…&year=…`: the invoices the
//! billing page's filters keep, as CSV, for the same members.
//!
//! `GET /billing/invoices/{id}/receipt`: a paid invoice's receipt.
//!
//! `GET /invoices/pdf?token=…[&document=receipt]`: the same downloads from an
//! invoice email's link, without signing in; the token opens that one invoice
//! (and its receipt) for 30 days.

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use backend::billing::service::PaidDocument;
use backend::rate_limit;
use backend::{AppState, AuthSession, ClientMeta};
use domain::billing::InvoiceFilter;
use domain::{AppError, Permission};
use std::net::SocketAddr;
use uuid::Uuid;

pub async fn download_invoice(
    state: State<AppState>,
    session: Option<Extension<AuthSession>>,
    id: Path<String>,
) -> Result<Response, backend::Error> {
    download(state, session, id, PaidDocument::Invoice).await
}

/// `GET /billing/invoices/{id}/receipt`: a paid invoice's receipt; 404
/// before it is paid.
pub async fn download_receipt(
    state: State<AppState>,
    session: Option<Extension<AuthSession>>,
    id: Path<String>,
) -> Result<Response, backend::Error> {
    download(state, session, id, PaidDocument::Receipt).await
}

async fn download(
    State(state): State<AppState>,
    session: Option<Extension<AuthSession>>,
    Path(id): Path<String>,
    document: PaidDocument,
) -> Result<Response, backend::Error> {
    let Extension(session) = session.ok_or(AppError::Unauthorized)?;
    session.require(Permission::ViewBilling)?;
    let id = id.parse::<Uuid>().map_err(|_| AppError::NotFound)?;
    let (number, bytes) =
        backend::billing::service::invoice_pdf(&state, &session, id, document).await?;
    Ok(pdf_download(file_prefix(document), &number, bytes))
}

fn file_prefix(document: PaidDocument) -> &'static str {
    match document {
        PaidDocument::Invoice => "invoice",
        PaidDocument::Receipt => "receipt",
    }
}

/// `GET /billing/credit-notes/{id}/pdf`: like an invoice's PDF, for the
/// same members; another organization's credit note is a 404.
pub async fn download_credit_note(
    State(state): State<AppState>,
    session: Option<Extension<AuthSession>>,
    Path(id): Path<String>,
) -> Result<Response, backend::Error> {
    let Extension(session) = session.ok_or(AppError::Unauthorized)?;
    session.require(Permission::ViewBilling)?;
    let id = id.parse::<Uuid>().map_err(|_| AppError::NotFound)?;
    let (number, bytes) = backend::billing::credit_notes::pdf(&state, &session, id).await?;
    Ok(pdf_download("credit-note", &number, bytes))
}

#[derive(serde::Deserialize)]
pub struct FilterQuery {
    #[serde(default)]
    number: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    year: String,
}

pub async fn export_csv(
    State(state): State<AppState>,
    session: Option<Extension<AuthSession>>,
    Query(query): Query<FilterQuery>,
) -> Result<Response, backend::Error> {
    let Extension(session) = session.ok_or(AppError::Unauthorized)?;
    session.require(Permission::ViewBilling)?;
    let filter = InvoiceFilter::parse(&query.number, &query.status, &query.year)
        .map_err(AppError::Validation)?;
    let csv = backend::billing::service::invoices_csv(&state, &session, &filter).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"invoices.csv\"",
            ),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        csv,
    )
        .into_response())
}

#[derive(serde::Deserialize)]
pub struct LinkQuery {
    token: Option<String>,
    /// `receipt` for a paid invoice's receipt; else the invoice.
    document: Option<String>,
}

pub async fn download_by_link(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(query): Query<LinkQuery>,
) -> Result<Response, backend::Error> {
    let client =
        ClientMeta::from_headers(&headers, Some(peer.ip()), state.settings.trusted_proxy_hops);
    let rule = state.settings.limits.invoice_links_per_ip;
    rate_limit::attempt_per_client(&state, "invoice_link", &client, rule).await?;
    let token = query
        .token
        .filter(|t| !t.is_empty())
        .ok_or(AppError::NotFound)?;
    let document = match query.document.as_deref() {
        Some("receipt") => PaidDocument::Receipt,
        _ => PaidDocument::Invoice,
    };
    let (number, bytes) =
        backend::billing::service::invoice_pdf_by_link(&state, &token, document).await?;
    Ok(pdf_download(file_prefix(document), &number, bytes))
}

/// `document` names the file: "invoice", "credit-note".
fn pdf_download(document: &str, number: &str, bytes: Vec<u8>) -> Response {
    // Invoice numbers are [A-Z0-9-] by construction; filter anyway, as this
    // lands inside a header.
    let safe: String = number
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{document}-{safe}.pdf\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}
