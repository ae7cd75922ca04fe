//! What a server function (or a server-rendered page) reads from the request
//! it serves: the backend's state, who is calling, and the cookies to set.
//! This is the only place that takes them from the Leptos context; services
//! in `backend` get them as arguments.
//!
//! The server's session middleware has already resolved both session cookies
//! (customer and staff) into request extensions, and the caller's IP and user
//! agent into a `ClientMeta`. The organization therefore always comes from
//! the session, never from an argument the client sent.

use backend::session::{challenge_cookie_name, cookie_value, AccountSession, Realm};
use backend::{AppState, AuthSession, ClientMeta, Ctx, StaffSession};
use domain::{AppError, Permission};
use http::request::Parts;
use leptos::prelude::*;

/// The backend's state, provided to every server function and page.
pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the Leptos context");
        AppError::internal()
    })
}

/// The plumbing services run on (the state without its feature parts).
pub fn ctx() -> Result<Ctx, AppError> {
    Ok(state()?.ctx)
}

fn parts() -> Result<Parts, AppError> {
    use_context::<Parts>().ok_or_else(|| {
        tracing::error!("request Parts missing from the Leptos context");
        AppError::internal()
    })
}

/// This request's trace id: the reference an error quotes to the customer.
pub fn trace_reference() -> Option<String> {
    let parts = use_context::<Parts>()?;
    parts
        .extensions
        .get::<backend::TraceId>()
        .map(|t| t.0.clone())
}

/// The signed-in member, if this request carries a live customer session.
pub fn session() -> Result<Option<AuthSession>, AppError> {
    Ok(parts()?.extensions.get::<AuthSession>().cloned())
}

/// The signed-in member. An account that is signed in but must first verify
/// its email, create an organization or set up two-factor gets
/// `SetupRequired`; no session at all gets `Unauthorized`.
pub fn require_member() -> Result<AuthSession, AppError> {
    if let Some(session) = session()? {
        return Ok(session);
    }
    match account()?.and_then(|a| a.setup) {
        Some(step) => Err(AppError::SetupRequired(step)),
        None => Err(AppError::Unauthorized),
    }
}

/// Whoever holds a customer session, member or not (account pages).
pub fn account() -> Result<Option<AccountSession>, AppError> {
    Ok(parts()?.extensions.get::<AccountSession>().cloned())
}

/// The signed-in account or `Unauthorized`.
pub fn require_account() -> Result<AccountSession, AppError> {
    account()?.ok_or(AppError::Unauthorized)
}

/// The token of this request's half-finished sign-in, if it carries one.
pub fn challenge_token() -> Result<Option<String>, AppError> {
    let settings = ctx()?.settings;
    Ok(cookie_value(
        challenge_cookie_name(&settings),
        &parts()?.headers,
    ))
}

/// The signed-in member whose role grants `permission`, or `Unauthorized` /
/// `Forbidden`.
pub fn require_permission(permission: Permission) -> Result<AuthSession, AppError> {
    let session = require_member()?;
    session.require(permission)?;
    Ok(session)
}

/// The signed-in staff member, if this request carries a live staff session.
pub fn staff() -> Result<Option<StaffSession>, AppError> {
    Ok(parts()?.extensions.get::<StaffSession>().cloned())
}

/// The signed-in staff member. A customer session gets `Forbidden` (it is
/// authenticated, just not as staff); no session at all gets `Unauthorized`.
pub fn require_staff() -> Result<StaffSession, AppError> {
    match staff()? {
        Some(staff) => Ok(staff),
        None if session()?.is_some() => Err(AppError::Forbidden),
        None => Err(AppError::Unauthorized),
    }
}

/// Who is calling (IP, user agent), for the audit log and rate limits.
pub fn client() -> Result<ClientMeta, AppError> {
    Ok(parts()?
        .extensions
        .get::<ClientMeta>()
        .cloned()
        .unwrap_or_default())
}

/// The raw token of this request's cookie of `realm`, if it carries one.
pub fn session_token(realm: Realm) -> Result<Option<String>, AppError> {
    let settings = ctx()?.settings;
    Ok(realm.token(&settings, &parts()?.headers))
}

/// Adds a `Set-Cookie` header to the response of this server function or page.
pub fn set_cookie(value: &str) -> Result<(), AppError> {
    let response = use_context::<leptos_axum::ResponseOptions>().ok_or(AppError::internal())?;
    let value = http::HeaderValue::from_str(value).map_err(|e| {
        tracing::error!(error = %e, "invalid cookie header");
        AppError::internal()
    })?;
    response.append_header(http::header::SET_COOKIE, value);
    Ok(())
}
