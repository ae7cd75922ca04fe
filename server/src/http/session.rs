use app::error::AppError;
use app::server::{session, AppState};
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Resolves the session cookie once per request and puts the `AuthSession`
/// into the request extensions, where server functions and pages find it
/// (`app::server::require_member`). A cookie that no longer names a live
/// session is cleared from the browser.
pub async fn resolve_session(
    State(state): State<AppState>,
    mut request: Request<Body>,
    next: Next,
) -> Response {
    let Some(token) = session::token_from_headers(&state.settings, request.headers()) else {
        return next.run(request).await;
    };
    match session::authenticate(&state, &token).await {
        Ok(Some(auth)) => {
            request.extensions_mut().insert(auth);
            next.run(request).await
        }
        Ok(None) => {
            let mut response = next.run(request).await;
            if let Ok(clear) =
                HeaderValue::from_str(&session::clear_session_cookie(&state.settings))
            {
                response.headers_mut().append(header::SET_COOKIE, clear);
            }
            response
        }
        // Without the record we cannot tell who this is; pretending they are
        // signed out would bounce them to the sign-in page for no reason.
        Err(error) => {
            let status = StatusCode::from_u16(error.status_code())
                .unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            (status, AppError::Unavailable.to_string()).into_response()
        }
    }
}
