//! `GET /audit/export.csv`: the audit log of the signed-in organization as
//! CSV, filtered like the audit page (same query parameters).

use app::audit::model::AuditFilterInput;
use app::domain::Permission;
use app::error::AppError;
use app::server::{AppState, AuthSession};
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;

/// The organization comes from the session (the session middleware runs
/// before this route), never from the query. Rows are streamed from Postgres
/// into the body, so the export's size does not matter to the server's memory.
pub async fn export_csv(
    State(state): State<AppState>,
    session: Option<Extension<AuthSession>>,
    Query(input): Query<AuditFilterInput>,
) -> Response {
    let Some(Extension(session)) = session else {
        return refuse(AppError::Unauthorized);
    };
    if !session.role.can(Permission::ViewAuditLog) {
        return refuse(AppError::Forbidden);
    }
    let filter = match input.parse() {
        Ok(filter) => filter,
        Err(error) => return refuse(error),
    };
    let rows = app::audit::service::export_csv(state.db.clone(), session.organization_id, filter);
    (
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
        .into_response()
}

fn refuse(error: AppError) -> Response {
    let status =
        StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, error.to_string()).into_response()
}
