//! Staff sign-in and sessions. Staff are app users with a `staff` row; they
//! sign in on `/staff/sign-in` and get a staff session in a cookie of its own
//! (`portal_staff_session`), stored like customer sessions (only the token's
//! SHA-256) but in `staff_session`, which has no organization. Every staff
//! server function starts with [`require_staff`]; a customer session is never
//! enough.

use super::db;
use super::model::StaffMember;
use crate::auth::service::verify_credentials;
use crate::domain::EmailAddress;
use crate::error::AppError;
use crate::server::audit::{self, AuditEntry};
use crate::server::context::{current_session, set_cookie};
use crate::server::session::{hash_token, new_token};
use crate::server::{client_meta, state, AppState, Settings};
use cookie::{Cookie, SameSite};
use http::request::Parts;
use leptos::prelude::*;
use time::OffsetDateTime;
use uuid::Uuid;

/// `last_seen_at` is written at most this often (as for customer sessions).
const TOUCH_INTERVAL_SECS: i64 = 60;

/// The staff member behind a request.
#[derive(Debug, Clone)]
pub struct StaffSession {
    pub session_id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
}

impl StaffSession {
    pub fn member(&self) -> StaffMember {
        StaffMember {
            user_id: self.user_id,
            name: self.name.clone(),
            email: self.email.clone(),
        }
    }

    /// The audit entry of a staff action: company-side, so no organization
    /// (the customer's audit page never lists staff work such as notes).
    pub fn audit_entry<'a>(&'a self, action: &'a str) -> AuditEntry<'a> {
        AuditEntry {
            organization_id: None,
            actor_user_id: Some(self.user_id),
            actor_email: Some(&self.email),
            action,
            ..AuditEntry::default()
        }
    }
}

/// `__Host-` only with `Secure`, like the customer cookie.
pub fn staff_cookie_name(settings: &Settings) -> &'static str {
    if settings.secure_cookies {
        "__Host-portal_staff_session"
    } else {
        "portal_staff_session"
    }
}

fn staff_cookie(settings: &Settings, token: &str, max_age_secs: i64) -> String {
    Cookie::build((staff_cookie_name(settings), token.to_owned()))
        .path("/")
        .http_only(true)
        .secure(settings.secure_cookies)
        .same_site(SameSite::Lax)
        .max_age(cookie::time::Duration::seconds(max_age_secs))
        .build()
        .to_string()
}

fn staff_token(settings: &Settings) -> Result<Option<String>, AppError> {
    let parts = use_context::<Parts>().ok_or_else(|| {
        tracing::error!("request Parts missing from the Leptos context");
        AppError::Internal
    })?;
    let name = staff_cookie_name(settings);
    Ok(parts
        .headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == name && !cookie.value().is_empty())
        .map(|cookie| cookie.value().to_owned()))
}

/// The signed-in staff member, if this request carries a live staff session.
pub async fn current_staff() -> Result<Option<StaffSession>, AppError> {
    let state = state()?;
    let Some(token) = staff_token(&state.settings)? else {
        return Ok(None);
    };
    lookup(&state, &token).await
}

async fn lookup(state: &AppState, token: &str) -> Result<Option<StaffSession>, AppError> {
    let idle = time::Duration::try_from(state.settings.session_idle_timeout)
        .map_err(|e| anyhow::anyhow!("idle timeout out of range: {e}"))?;
    let Some(row) = db::find_staff_session(
        &state.db,
        &hash_token(token),
        OffsetDateTime::now_utc() - idle,
    )
    .await?
    else {
        return Ok(None);
    };
    if (OffsetDateTime::now_utc() - row.last_seen_at).whole_seconds() >= TOUCH_INTERVAL_SECS {
        db::touch_staff_session(&state.db, row.session_id).await?;
    }
    Ok(Some(StaffSession {
        session_id: row.session_id,
        user_id: row.user_id,
        name: row.name,
        email: row.email,
    }))
}

/// The signed-in staff member. A customer session gets `Forbidden` (it is
/// authenticated, just not as staff); no session at all gets `Unauthorized`.
pub async fn require_staff() -> Result<StaffSession, AppError> {
    match current_staff().await? {
        Some(staff) => Ok(staff),
        None if current_session()?.is_some() => Err(AppError::Forbidden),
        None => Err(AppError::Unauthorized),
    }
}

/// Signs a staff member in. A correct password of an account that is not
/// staff gets the same answer as a wrong one.
pub async fn sign_in(email: &str, password: String) -> Result<(), AppError> {
    let state = state()?;
    let meta = client_meta()?;
    let email = EmailAddress::parse(email).map_err(|_| AppError::InvalidCredentials)?;
    let account = verify_credentials(&state, &email, password, &meta).await?;
    if !db::is_staff(&state.db, account.user_id).await? {
        return Err(AppError::InvalidCredentials);
    }
    let token = new_token()?;
    let absolute = state.settings.session_absolute_timeout;
    let expires_at = OffsetDateTime::now_utc()
        + time::Duration::try_from(absolute)
            .map_err(|e| anyhow::anyhow!("absolute timeout out of range: {e}"))?;
    let mut tx = state.db.begin().await?;
    let session_id = db::insert_staff_session(
        &mut tx,
        &hash_token(&token),
        account.user_id,
        meta.ip.as_deref(),
        meta.user_agent.as_deref(),
        expires_at,
    )
    .await?;
    audit::record(
        &mut tx,
        AuditEntry {
            organization_id: None,
            actor_user_id: Some(account.user_id),
            actor_email: Some(email.as_str()),
            action: "staff.signed_in",
            target_type: Some("staff_session"),
            target_id: Some(session_id.to_string()),
            ..AuditEntry::default()
        },
        &meta,
    )
    .await?;
    tx.commit().await?;
    // A fresh token on every sign-in; one the browser brought is revoked.
    if let Some(previous) = staff_token(&state.settings)? {
        db::revoke_staff_session(&state.db, &hash_token(&previous)).await?;
    }
    set_cookie(&staff_cookie(
        &state.settings,
        &token,
        absolute.as_secs() as i64,
    ))
}

/// Ends the staff session of this request (a no-op without one).
pub async fn sign_out() -> Result<(), AppError> {
    let state = state()?;
    if let Some(token) = staff_token(&state.settings)? {
        if let Some(staff) = lookup(&state, &token).await? {
            let mut tx = state.db.begin().await?;
            audit::record(
                &mut tx,
                AuditEntry {
                    target_type: Some("staff_session"),
                    target_id: Some(staff.session_id.to_string()),
                    ..staff.audit_entry("staff.signed_out")
                },
                &client_meta()?,
            )
            .await?;
            tx.commit().await?;
        }
        db::revoke_staff_session(&state.db, &hash_token(&token)).await?;
    }
    set_cookie(&staff_cookie(&state.settings, "", 0))
}
