//! After every successful write by a signed-in member: drop the organization's
//! cached dashboard and let the usage worker recount (a member joined or left
//! changes seats). One place, so no feature can forget it.

use axum::body::Body;
use axum::extract::State;
use axum::http::{Method, Request};
use axum::middleware::Next;
use axum::response::Response;
use backend::{AppState, AuthSession};

pub async fn after_member_writes(
    State(state): State<AppState>,
    request: Request<Body>,
    next: Next,
) -> Response {
    let organization_id = (request.method() == Method::POST)
        .then(|| request.extensions().get::<AuthSession>())
        .flatten()
        .map(|session| session.organization_id);
    let response = next.run(request).await;
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
