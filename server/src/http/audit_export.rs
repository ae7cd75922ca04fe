//! `GET /audit/export.csv`: the audit log of the signed-in organization as
//! CSV, filtered like the audit page (same query parameters).

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use backend::{AppState, AuthSession};
use domain::audit::AuditFilterInput;
use domain::{AppError, Permission};

/// The organization comes from the session (the session middleware runs
/// before this route), never from the query. Rows are streamed from Postgres
/// into the body, so the export's size does not matter to the server's memory;
/// a few run at once, for a limited time, so slow readers cannot hold the
/// connection pool (503 when all are busy).
pub async fn export_csv(
    State(state): State<AppState>,
    session: Option<Extension<AuthSession>>,
    Query(input): Query<AuditFilterInput>,
) -> Result<Response, backend::Error> {
    let Extension(session) = session.ok_or(AppError::Unauthorized)?;
    session.require(Permission::ViewAuditLog)?;
    let filter = input.parse()?;
    let slot = state.exports.start()?;
    let rows = backend::audit::service::export_csv(
        state.db.clone(),
        slot,
        session.organization_id,
        filter,
        &session.local_time(state.now()),
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit-log.csv\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        Body::from_stream(rows),
    )
        .into_response())
}
