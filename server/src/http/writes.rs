//! After every request of a signed-in member. A successful write drops the
//! organization's cached dashboard and lets the usage worker recount (a member
//! joined or left changes seats); a refusal (403) goes into the organization's
//! audit log, so an owner sees a member probing what their role does not
//! allow. One place, so no feature can forget either.

use axum::body::Body;
use axum::extract::State;
use axum::http::{Method, Request, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use backend::{AppState, AuthSession};
use domain::AppError;

pub async fn after_member_writes(
    State(state): State<AppState>,
    request: Request<Body>,
    next: Next,
) -> Response {
    let session = request.extensions().get::<AuthSession>().cloned();
    let organization_id = (request.method() == Method::POST)
        .then(|| session.as_ref().map(|s| s.organization_id))
        .flatten();
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    if let Some(session) = &session {
        let forbidden;
        (response, forbidden) = is_forbidden(response).await;
        if forbidden {
            record_denial(&state, session, &path).await;
        }
    }
    let failed = response
        .headers()
        .contains_key(server_fn::error::SERVER_FN_ERROR_HEADER)
        || response.status().is_client_error()
        || response.status().is_server_error();
    if let (Some(organization_id), false) = (organization_id, failed) {
        backend::dashboard::service::invalidate(&state, organization_id).await;
        state.usage.mark_changed(organization_id);
    }
    response
}

/// Whether the response refuses with 403: a handler's status, or a server
/// function's encoded `Forbidden` (its status is set further out, by
/// `server_fns::map_errors`). The response is handed back whole.
async fn is_forbidden(response: Response) -> (Response, bool) {
    if response.status() == StatusCode::FORBIDDEN {
        return (response, true);
    }
    if !response
        .headers()
        .contains_key(server_fn::error::SERVER_FN_ERROR_HEADER)
    {
        return (response, false);
    }
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    let forbidden = serde_json::from_slice::<AppError>(&bytes).ok() == Some(AppError::Forbidden);
    (Response::from_parts(parts, Body::from(bytes)), forbidden)
}

async fn record_denial(state: &AppState, session: &AuthSession, path: &str) {
    let recorded: backend::Result<()> = async {
        let mut tx = state.db.begin().await?;
        session
            .audit("access.denied")
            .after(serde_json::json!({ "path": path, "role": session.role }))
            .record(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    if let Err(e) = recorded {
        tracing::warn!(error = ?e, "could not audit a refused request");
    }
}
