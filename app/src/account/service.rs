use super::db::{self, NewEmailChange};
use super::model::{
    describe_user_agent, AccountSettings, ActiveSession, PendingEmailChange,
    EMAIL_CHANGE_LIFETIME_HOURS,
};
use crate::domain::{EmailAddress, OrganizationName, Password, Permission, PersonName};
use crate::error::{AppError, FieldErrors};
use crate::notifications::service::notify;
use crate::notifications::Email;
use crate::server::audit::{self, AuditEntry};
use crate::server::context::current_session;
use crate::server::error::violated_constraint;
use crate::server::password::{hash_password, verify_password};
use crate::server::rate_limit::{self, Limit};
use crate::server::session::{evict_cached, hash_token, new_token};
use crate::server::{
    client_meta, require_member, require_permission, state, AppState, AuthSession,
};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

/// `""` means "none"; anything else must be a valid email.
pub fn parse_optional_email(field: &str, input: &str) -> Result<Option<EmailAddress>, AppError> {
    if input.trim().is_empty() {
        return Ok(None);
    }
    EmailAddress::parse(input)
        .map(Some)
        .map_err(|e| AppError::Validation(FieldErrors::single(field, e.to_string())))
}

pub async fn settings() -> Result<AccountSettings, AppError> {
    let session = require_member()?;
    let state = state()?;
    let row = db::find_settings(&state.db, session.organization_id, session.user_id).await?;
    let pending = db::find_pending_email_change(&state.db, session.user_id).await?;
    Ok(AccountSettings {
        organization_name: row.organization_name,
        billing_email: row.billing_email,
        name: row.name,
        email: row.email,
        pending_email: pending.map(|p| PendingEmailChange {
            new_email: p.new_email,
            expires_at: minutes(p.expires_at),
        }),
        can_manage_organization: session.role.can(Permission::ManageOrganization),
        can_manage_billing: session.role.can(Permission::ManageBilling),
        can_view_audit_log: session.role.can(Permission::ViewAuditLog),
    })
}

pub async fn rename_organization(name: OrganizationName) -> Result<(), AppError> {
    let session = require_permission(Permission::ManageOrganization)?;
    let state = state()?;
    let mut tx = state.db.begin().await?;
    let before = db::lock_organization(&mut tx, session.organization_id).await?;
    if before.name == name.as_str() {
        return Ok(());
    }
    db::update_organization_name(&mut tx, session.organization_id, name.as_str()).await?;
    audit_organization(
        &mut tx,
        &session,
        "organization.renamed",
        json!({ "name": before.name }),
        json!({ "name": name.as_str() }),
    )
    .await?;
    tx.commit().await?;
    // Every member's cached session carries the organization's name.
    evict_sessions(&state, None, Some(session.organization_id)).await
}

pub async fn change_billing_email(email: Option<EmailAddress>) -> Result<(), AppError> {
    let session = require_permission(Permission::ManageBilling)?;
    let state = state()?;
    let new = email.as_ref().map(EmailAddress::as_str);
    let mut tx = state.db.begin().await?;
    let before = db::lock_organization(&mut tx, session.organization_id).await?;
    if before.billing_email.as_deref() == new {
        return Ok(());
    }
    db::update_billing_email(&mut tx, session.organization_id, new).await?;
    audit_organization(
        &mut tx,
        &session,
        "organization.billing_email_changed",
        json!({ "billing_email": before.billing_email }),
        json!({ "billing_email": new }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn rename_user(name: PersonName) -> Result<(), AppError> {
    let session = require_member()?;
    let state = state()?;
    let mut tx = state.db.begin().await?;
    let before = db::lock_user(&mut tx, session.user_id).await?;
    if before.name == name.as_str() {
        return Ok(());
    }
    db::update_user_name(&mut tx, session.user_id, name.as_str()).await?;
    audit_user(
        &mut tx,
        &session,
        "user.renamed",
        Some(json!({ "name": before.name })),
        Some(json!({ "name": name.as_str() })),
    )
    .await?;
    tx.commit().await?;
    evict_sessions(&state, Some(session.user_id), None).await
}

pub async fn change_password(current: String, new: Password) -> Result<(), AppError> {
    let session = require_member()?;
    let state = state()?;
    check_current_password(&state, &session, current, "current_password").await?;
    let new_hash = hash_password(new).await?;
    let mut tx = state.db.begin().await?;
    db::lock_user(&mut tx, session.user_id).await?;
    db::update_password_hash(&mut tx, session.user_id, &new_hash).await?;
    let ended = db::revoke_sessions_except(&mut tx, session.user_id, session.session_id).await?;
    // No hashes in the log: "after" records only what else happened.
    audit_user(
        &mut tx,
        &session,
        "user.password_changed",
        None,
        Some(json!({ "other_sessions_ended": ended.len() })),
    )
    .await?;
    tx.commit().await?;
    evict_cached(&state, &ended).await;
    Ok(())
}

pub async fn request_email_change(
    new_email: EmailAddress,
    password: String,
) -> Result<(), AppError> {
    let session = require_member()?;
    let state = state()?;
    if new_email.as_str() == session.email {
        return Err(AppError::Validation(FieldErrors::single(
            "new_email",
            "This is already your login email.",
        )));
    }
    check_current_password(&state, &session, password, "password").await?;
    if db::email_is_taken(&state.db, new_email.as_str()).await? {
        return Err(taken_email());
    }
    let token = new_token()?;
    let expires_at = OffsetDateTime::now_utc() + time::Duration::hours(EMAIL_CHANGE_LIFETIME_HOURS);
    let old_email = EmailAddress::parse(&session.email)
        .map_err(|e| anyhow::anyhow!("stored email is invalid: {e}"))?;

    let mut tx = state.db.begin().await?;
    db::cancel_pending_email_changes(&mut tx, session.user_id).await?;
    let id = db::insert_email_change(
        &mut tx,
        NewEmailChange {
            user_id: session.user_id,
            organization_id: session.organization_id,
            new_email: new_email.as_str(),
            token_hash: &hash_token(&token),
            expires_at,
        },
    )
    .await?;
    let confirm = Email::ConfirmEmailChange {
        name: session.name.clone(),
        new_email: new_email.to_string(),
        token,
    };
    notify(
        &mut tx,
        &format!("email_change:{id}:confirm"),
        Some(session.organization_id),
        &new_email,
        &confirm,
    )
    .await?;
    let heads_up = Email::EmailChangeRequested {
        name: session.name.clone(),
        new_email: new_email.to_string(),
    };
    notify(
        &mut tx,
        &format!("email_change:{id}:notice"),
        Some(session.organization_id),
        &old_email,
        &heads_up,
    )
    .await?;
    audit_user(
        &mut tx,
        &session,
        "user.email_change_requested",
        Some(json!({ "email": session.email })),
        Some(json!({ "email": new_email.as_str(), "expires_at": minutes(expires_at) })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn check_email_change(token: &str) -> Result<String, AppError> {
    let state = state()?;
    db::find_usable_email_change(&state.db, &hash_token(token))
        .await?
        .map(|change| change.new_email)
        .ok_or(AppError::NotFound)
}

/// Needs no session: the link itself proves the new address works, and the
/// password was checked when the change was asked for.
pub async fn confirm_email_change(token: &str) -> Result<(), AppError> {
    let state = state()?;
    let meta = client_meta()?;
    let mut tx = state.db.begin().await?;
    let change = db::consume_email_change(&mut tx, &hash_token(token))
        .await?
        .ok_or(AppError::NotFound)?;
    match db::update_user_email(&mut tx, change.user_id, &change.new_email).await {
        Ok(()) => {}
        Err(e) if violated_constraint(&e) == Some("app_user_email_key") => {
            return Err(AppError::Conflict(
                "This email now belongs to another account. Ask for a change to a different address."
                    .into(),
            ));
        }
        Err(e) => return Err(e.into()),
    }
    let by_self = current_session()?.filter(|s| s.user_id == change.user_id);
    audit::record(
        &mut tx,
        AuditEntry {
            organization_id: change.organization_id,
            actor_user_id: Some(change.user_id),
            actor_email: Some(
                by_self
                    .as_ref()
                    .map_or(change.old_email.as_str(), |s| s.email.as_str()),
            ),
            action: "user.email_changed",
            target_type: Some("user"),
            target_id: Some(change.user_id.to_string()),
            before: Some(json!({ "email": change.old_email })),
            after: Some(json!({ "email": change.new_email, "email_change_id": change.id })),
        },
        &meta,
    )
    .await?;
    tx.commit().await?;
    evict_sessions(&state, Some(change.user_id), None).await
}

pub async fn list_sessions() -> Result<Vec<ActiveSession>, AppError> {
    let session = require_member()?;
    let state = state()?;
    let idle_cutoff = OffsetDateTime::now_utc() - state.settings.session_idle_timeout;
    let rows = db::list_live_sessions(&state.db, session.user_id, idle_cutoff).await?;
    Ok(rows
        .into_iter()
        .map(|row| ActiveSession {
            id: row.id,
            device: describe_user_agent(row.user_agent.as_deref()),
            user_agent: row.user_agent,
            ip: row.ip,
            organization_name: row.organization_name,
            created_at: minutes(row.created_at),
            last_seen_at: minutes(row.last_seen_at),
            current: row.id == session.session_id,
        })
        .collect())
}

pub async fn revoke_session(id: Uuid) -> Result<(), AppError> {
    let session = require_member()?;
    if id == session.session_id {
        return Err(AppError::Conflict(
            "This is the browser you are using. To end it, sign out.".into(),
        ));
    }
    let state = state()?;
    let mut tx = state.db.begin().await?;
    // Another user's session id finds nothing: NotFound, never Forbidden.
    let token_hash = db::revoke_session(&mut tx, session.user_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    audit_session(
        &mut tx,
        &session,
        "session.revoked",
        id.to_string(),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    evict_cached(&state, &[token_hash]).await;
    Ok(())
}

pub async fn revoke_other_sessions() -> Result<(), AppError> {
    let session = require_member()?;
    let state = state()?;
    let mut tx = state.db.begin().await?;
    let ended = db::revoke_sessions_except(&mut tx, session.user_id, session.session_id).await?;
    audit_session(
        &mut tx,
        &session,
        "session.others_revoked",
        session.session_id.to_string(),
        json!({ "sessions_ended": ended.len() }),
    )
    .await?;
    tx.commit().await?;
    evict_cached(&state, &ended).await;
    Ok(())
}

/// Re-authentication for sensitive changes. Counted against a per-user limit,
/// so a stolen session cannot be used to guess the password.
async fn check_current_password(
    state: &AppState,
    session: &AuthSession,
    candidate: String,
    field: &str,
) -> Result<(), AppError> {
    let limit = [Limit {
        key: state
            .settings
            .redis_key("ratelimit:reauth", &session.user_id.to_string()),
        max_failures: state.settings.sign_in_limit_per_account,
        window: state.settings.sign_in_window,
        label: "reauth",
    }];
    rate_limit::check(state, &limit).await?;
    let hash = db::find_password_hash(&state.db, session.user_id).await?;
    if verify_password(candidate, Some(hash)).await? {
        rate_limit::reset(state, &limit[0]).await;
        Ok(())
    } else {
        rate_limit::record_failure(state, &limit).await;
        Err(AppError::Validation(FieldErrors::single(
            field,
            "Your current password is not correct.",
        )))
    }
}

fn taken_email() -> AppError {
    AppError::Validation(FieldErrors::single(
        "new_email",
        "Another account already uses this email. Choose a different one.",
    ))
}

async fn evict_sessions(
    state: &AppState,
    user_id: Option<Uuid>,
    organization_id: Option<Uuid>,
) -> Result<(), AppError> {
    let hashes = db::live_token_hashes(&state.db, user_id, organization_id).await?;
    evict_cached(state, &hashes).await;
    Ok(())
}

async fn audit_organization(
    tx: &mut sqlx::PgConnection,
    session: &AuthSession,
    action: &str,
    before: serde_json::Value,
    after: serde_json::Value,
) -> Result<(), AppError> {
    audit::record_member_action(
        tx,
        session,
        action,
        ("organization", session.organization_id.to_string()),
        Some(before),
        Some(after),
    )
    .await
}

async fn audit_user(
    tx: &mut sqlx::PgConnection,
    session: &AuthSession,
    action: &str,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<(), AppError> {
    audit::record_member_action(
        tx,
        session,
        action,
        ("user", session.user_id.to_string()),
        before,
        after,
    )
    .await
}

async fn audit_session(
    tx: &mut sqlx::PgConnection,
    session: &AuthSession,
    action: &str,
    target_id: String,
    after: serde_json::Value,
) -> Result<(), AppError> {
    audit::record_member_action(
        tx,
        session,
        action,
        ("session", target_id),
        None,
        Some(after),
    )
    .await
}

/// "2026-11-25 14:03 UTC".
pub fn minutes(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!("{} {:02}:{:02} UTC", at.date(), at.hour(), at.minute())
}
