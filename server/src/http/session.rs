//! Resolves who is calling, once per request, before any page, server
//! function or handler runs: the client (IP, user agent) and, for each session
//! realm whose cookie the request carries, the live session. They go into the
//! request extensions, where server functions find them
//! (`app::request::require_member`, `require_staff`) and handlers extract them:
//! an `AccountSession` for every live customer session, an `AuthSession` too
//! when it is a member's (verified, in an organization, two-factor as required).
//! A cookie that no longer names a live session is cleared from the browser.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use backend::session::{customer, staff, CustomerSession, Realm};
use backend::{AppState, ClientMeta};
use domain::AppError;

pub async fn resolve_session(
    State(state): State<AppState>,
    request: Request<Body>,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let client = ClientMeta::from_parts(&parts, state.settings.trusted_proxy_hops);
    let mut stale = Vec::new();

    if let Some(token) = Realm::Customer.token(&state.settings, &parts.headers) {
        match customer::authenticate(&state, &token, client.clone()).await {
            Ok(Some(CustomerSession::Member(session))) => {
                parts.extensions.insert(session.account());
                parts.extensions.insert(session);
            }
            Ok(Some(CustomerSession::Restricted(account))) => {
                parts.extensions.insert(account);
            }
            Ok(None) => stale.push(Realm::Customer),
            Err(error) => return unavailable(error),
        }
    }
    if let Some(token) = Realm::Staff.token(&state.settings, &parts.headers) {
        match staff::authenticate(&state, &token).await {
            Ok(Some(mut session)) => {
                session.client = client.clone();
                parts.extensions.insert(session);
            }
            Ok(None) => stale.push(Realm::Staff),
            Err(error) => return unavailable(error),
        }
    }
    parts.extensions.insert(client);

    let mut response = next.run(Request::from_parts(parts, body)).await;
    for realm in stale {
        if let Ok(clear) = HeaderValue::from_str(&realm.clear_cookie(&state.settings)) {
            response.headers_mut().append(header::SET_COOKIE, clear);
        }
    }
    response
}

/// Without the record we cannot tell who this is; pretending they are signed
/// out would bounce them to the sign-in page for no reason.
fn unavailable(error: backend::Error) -> Response {
    let status = backend::error::status_of(error.app());
    (status, AppError::Unavailable.to_string()).into_response()
}
