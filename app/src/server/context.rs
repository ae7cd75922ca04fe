//! Helpers for server functions: the application state, the signed-in member,
//! and who is calling (IP, user agent). The organization always comes from the
//! session, never from an argument the client sent.

use super::{AppState, AuthSession};
use crate::domain::Permission;
use crate::error::AppError;
use http::request::Parts;
use leptos::prelude::*;
use std::net::SocketAddr;

pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the Leptos context");
        AppError::Internal
    })
}

fn parts() -> Result<Parts, AppError> {
    use_context::<Parts>().ok_or_else(|| {
        tracing::error!("request Parts missing from the Leptos context");
        AppError::Internal
    })
}

/// The signed-in member, resolved once per request by the session middleware.
pub fn current_session() -> Result<Option<AuthSession>, AppError> {
    Ok(parts()?.extensions.get::<AuthSession>().cloned())
}

/// The signed-in member or `Unauthorized`.
pub fn require_member() -> Result<AuthSession, AppError> {
    current_session()?.ok_or(AppError::Unauthorized)
}

/// The signed-in member whose role grants `permission`, or `Forbidden`.
pub fn require_permission(permission: Permission) -> Result<AuthSession, AppError> {
    let session = require_member()?;
    if session.role.can(permission) {
        Ok(session)
    } else {
        Err(AppError::Forbidden)
    }
}

/// Who is calling, for the audit log, rate limits and the sessions list.
#[derive(Debug, Clone, Default)]
pub struct ClientMeta {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

pub fn client_meta() -> Result<ClientMeta, AppError> {
    let parts = parts()?;
    let settings = state()?.settings;
    Ok(client_meta_from_parts(&parts, settings.trust_forwarded_for))
}

pub fn client_meta_from_parts(parts: &Parts, trust_forwarded_for: bool) -> ClientMeta {
    let forwarded = trust_forwarded_for
        .then(|| {
            parts
                .headers
                .get("x-forwarded-for")?
                .to_str()
                .ok()?
                .split(',')
                .next()
                .map(|ip| ip.trim().to_owned())
        })
        .flatten();
    let peer = || {
        parts
            .extensions
            .get::<axum::extract::ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip().to_string())
    };
    ClientMeta {
        ip: forwarded.or_else(peer),
        user_agent: parts
            .headers
            .get(http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(512).collect()),
    }
}

/// Adds a `Set-Cookie` header to the response of this server function or page.
pub fn set_cookie(value: &str) -> Result<(), AppError> {
    let response = use_context::<leptos_axum::ResponseOptions>().ok_or(AppError::Internal)?;
    let value = http::HeaderValue::from_str(value)
        .map_err(|e| anyhow::anyhow!("invalid cookie header: {e}"))?;
    response.append_header(http::header::SET_COOKIE, value);
    Ok(())
}

/// The raw session token of this request, if it carries one.
pub fn session_token() -> Result<Option<String>, AppError> {
    let parts = parts()?;
    let settings = state()?.settings;
    Ok(super::session::token_from_headers(
        &settings,
        &parts.headers,
    ))
}
