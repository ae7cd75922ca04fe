//! `GET /billing/invoices/{id}/pdf`: an invoice as a PDF download, for signed-in
//! members of the invoice's organization who may view billing. Another
//! organization's invoice answers 404, exactly like one that does not exist,
//! so ids cannot be probed.

use app::error::AppError;
use app::server::{AppState, AuthSession};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use uuid::Uuid;

pub async fn download_invoice(
    State(state): State<AppState>,
    session: Option<Extension<AuthSession>>,
    Path(id): Path<String>,
) -> Response {
    let Some(Extension(session)) = session else {
        return error(AppError::Unauthorized);
    };
    let Ok(id) = id.parse::<Uuid>() else {
        return error(AppError::NotFound);
    };
    match app::billing::service::invoice_pdf(&state.db, &session, id).await {
        Ok((number, bytes)) => {
            // Invoice numbers are [A-Z0-9-] by construction; filter anyway, as
            // this lands inside a header.
            let safe: String = number
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            (
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
                .into_response()
        }
        Err(e) => error(e),
    }
}

fn error(e: AppError) -> Response {
    let status = StatusCode::from_u16(e.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, e.to_string()).into_response()
}
