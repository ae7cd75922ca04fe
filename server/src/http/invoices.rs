//! `GET /billing/invoices/{id}/pdf`: an invoice as a PDF download, for signed-in
//! members of the invoice's organization who may view billing. Another
//! organization's invoice answers 404, exactly like one that does not exist,
//! so ids cannot be probed.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use backend::{AppState, AuthSession};
use domain::{AppError, Permission};
use uuid::Uuid;

pub async fn download_invoice(
    State(state): State<AppState>,
    session: Option<Extension<AuthSession>>,
    Path(id): Path<String>,
) -> Result<Response, backend::Error> {
    let Extension(session) = session.ok_or(AppError::Unauthorized)?;
    session.require(Permission::ViewBilling)?;
    let id = id.parse::<Uuid>().map_err(|_| AppError::NotFound)?;
    let (number, bytes) = backend::billing::service::invoice_pdf(&state, &session, id).await?;
    // Invoice numbers are [A-Z0-9-] by construction; filter anyway, as this
    // lands inside a header.
    let safe: String = number
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"invoice-{safe}.pdf\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}
