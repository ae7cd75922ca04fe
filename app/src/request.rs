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
        AppError::Internal
    })
}

/// The plumbing services run on (the state without its feature parts).
pub fn ctx() -> Result<Ctx, AppError> {
    Ok(state()?.ctx)
}

fn parts() -> Result<Parts, AppError> {
    use_context::<Parts>().ok_or_else(|| {
        tracing::error!("request Parts missing from the Leptos context");
        AppError::Internal
    })
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
    let response = use_context::<leptos_axum::ResponseOptions>().ok_or(AppError::Internal)?;
    let value = http::HeaderValue::from_str(value).map_err(|e| {
        tracing::error!(error = %e, "invalid cookie header");
        AppError::Internal
    })?;
    response.append_header(http::header::SET_COOKIE, value);
    Ok(())
}

/// Sends this page's Content-Security-Policy, built around the response's
/// nonce (leptos_axum makes one per request and puts it on the hydration
/// scripts; the theme script carries it too). Only those scripts, and what
/// they load (`'strict-dynamic'`: the app's JS and its WebAssembly), run:
/// injected markup cannot run script, be framed, post forms elsewhere or
/// rewrite relative URLs.
pub fn set_content_security_policy(options: &leptos::config::LeptosOptions) {
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    // `scripts/watch` reloads pages over a WebSocket on its own port.
    let reload = match options.env {
        leptos::config::Env::DEV => format!(
            " ws://127.0.0.1:{port} ws://localhost:{port}",
            port = options.reload_port
        ),
        leptos::config::Env::PROD => String::new(),
    };
    let policy = format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'{reload}; \
         object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    );
    match http::HeaderValue::from_str(&policy) {
        Ok(value) => response.insert_header(http::header::CONTENT_SECURITY_POLICY, value),
        Err(e) => tracing::error!(error = %e, "invalid Content-Security-Policy"),
    }
}
