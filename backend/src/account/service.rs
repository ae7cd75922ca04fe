//! Account settings: the organization's name and billing email, the user's
//! name, password and login email (confirmed by a link), and their sessions.
//! Each change runs in one transaction with its audit entry; cached sessions
//! that carry a changed name or email are evicted after commit. The adapter
//! has already checked the permission each function names.

use super::db::{self, NewEmailChange};
use crate::audit::AuditEntry;
use crate::client::describe_device;
use crate::client::ClientMeta;
use crate::ctx::Ctx;
use crate::error::{OnConstraint, Result};
use crate::local_time::{self, LocalTime};
use crate::notifications::service::notify;
use crate::notifications::Email;
use crate::password::{hash_new_password, verify_password};
use crate::rate_limit::{self, Limit};
use crate::session::customer::evict_cached;
use crate::session::AuthSession;
use crate::tokens::{hash_token, new_token};
use crate::uow::UnitOfWork;
use domain::account::{
    AccountSettings, ActiveSession, PendingEmailChange, EMAIL_CHANGE_LIFETIME_HOURS,
};
use domain::dates::rfc3339;
use domain::{
    AppError, EmailAddress, FieldErrors, OrganizationName, Password, Permission, PersonName,
};
use serde_json::json;
use uuid::Uuid;

/// Any member: their account and organization as the settings page shows them.
pub async fn settings(ctx: &Ctx, session: &AuthSession) -> Result<AccountSettings> {
    let row = db::find_settings(&ctx.db, session.organization_id, session.user_id).await?;
    let pending = db::find_pending_email_change(&ctx.db, session.user_id).await?;
    let local = LocalTime::for_reader(
        row.time_zone.as_deref(),
        session.client.time_zone.as_deref(),
        ctx.now(),
    );
    Ok(AccountSettings {
        organization_name: row.organization_name,
        require_two_factor: row.require_two_factor,
        can_manage_security_policy: session.role.can(Permission::ManageSecurityPolicy),
        billing_email: row.billing_email,
        name: row.name,
        email: row.email,
        pending_email: pending.map(|p| PendingEmailChange {
            new_email: p.new_email,
            expires_at: local.moment(p.expires_at),
        }),
        time_zone: local.zone_name(),
        time_zone_detected: row.time_zone.is_none(),
        time_zones: local_time::zone_names(),
        can_manage_organization: session.role.can(Permission::ManageOrganization),
        can_manage_billing: session.role.can(Permission::ManageBilling),
        can_view_audit_log: session.role.can(Permission::ViewAuditLog),
    })
}

/// `ManageOrganization`: renames the organization (the same name changes nothing).
pub async fn rename_organization(
    ctx: &Ctx,
    session: &AuthSession,
    name: OrganizationName,
) -> Result<()> {
    let mut uow = UnitOfWork::begin(ctx).await?;
    let before = db::lock_organization(&mut uow, session.organization_id).await?;
    if before.name == name.as_str() {
        return Ok(());
    }
    db::update_organization_name(&mut uow, session.organization_id, name.as_str()).await?;
    session
        .audit("organization.renamed")
        .target("organization", session.organization_id)
        .before(json!({ "name": before.name }))
        .after(json!({ "name": name.as_str() }))
        .record(&mut uow)
        .await?;
    // Every member's cached session carries the organization's name.
    let hashes = db::live_token_hashes(&mut *uow, None, Some(session.organization_id)).await?;
    evict_after_commit(&mut uow, hashes);
    uow.commit().await
}

/// `ManageBilling`: where invoices and receipts go (`None`: the owners).
pub async fn change_billing_email(
    ctx: &Ctx,
    session: &AuthSession,
    email: Option<EmailAddress>,
) -> Result<()> {
    let new = email.as_ref().map(EmailAddress::as_str);
    let mut tx = ctx.db.begin().await?;
    let before = db::lock_organization(&mut tx, session.organization_id).await?;
    if before.billing_email.as_deref() == new {
        return Ok(());
    }
    db::update_billing_email(&mut tx, session.organization_id, new).await?;
    session
        .audit("organization.billing_email_changed")
        .target("organization", session.organization_id)
        .before(json!({ "billing_email": before.billing_email }))
        .after(json!({ "billing_email": new }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Any member: their own display name.
pub async fn rename_user(ctx: &Ctx, session: &AuthSession, name: PersonName) -> Result<()> {
    let mut uow = UnitOfWork::begin(ctx).await?;
    let before = db::lock_user(&mut uow, session.user_id).await?;
    if before.name == name.as_str() {
        return Ok(());
    }
    db::update_user_name(&mut uow, session.user_id, name.as_str()).await?;
    session
        .audit("user.renamed")
        .target("user", session.user_id)
        .before(json!({ "name": before.name }))
        .after(json!({ "name": name.as_str() }))
        .record(&mut uow)
        .await?;
    let hashes = db::live_token_hashes(&mut *uow, Some(session.user_id), None).await?;
    evict_after_commit(&mut uow, hashes);
    uow.commit().await
}

/// Any member: the zone every time they read is shown in, on every page and
/// in the staff console alike. Errors: `Validation` (`time_zone`).
pub async fn set_time_zone(ctx: &Ctx, session: &AuthSession, name: &str) -> Result<()> {
    let Some(zone) = local_time::parse_zone(name.trim()) else {
        return Err(FieldErrors::single("time_zone", "Choose a time zone from the list.").into());
    };
    let name = local_time::zone_name(&zone);
    let mut uow = UnitOfWork::begin(ctx).await?;
    let before = db::lock_user_time_zone(&mut uow, session.user_id).await?;
    if before.as_deref() == Some(name.as_str()) {
        return Ok(());
    }
    db::update_user_time_zone(&mut uow, session.user_id, &name).await?;
    session
        .audit("user.time_zone_changed")
        .target("user", session.user_id)
        .before(json!({ "time_zone": before }))
        .after(json!({ "time_zone": name }))
        .record(&mut uow)
        .await?;
    // Cached sessions carry the zone.
    let hashes = db::live_token_hashes(&mut *uow, Some(session.user_id), None).await?;
    evict_after_commit(&mut uow, hashes);
    uow.commit().await
}

/// Any member: a new password, after the current one. Every session of
/// theirs ends (customer and staff) and this browser continues on a new
/// session, whose cookie token is returned (ASVS 7.2.4: a new token after a
/// change of credentials). Errors: `Validation` (`current_password`), `RateLimited`.
pub async fn change_password(
    ctx: &Ctx,
    session: &AuthSession,
    current: String,
    new: Password,
) -> Result<String> {
    check_current_password(ctx, session, current, "current_password").await?;
    let new_hash = hash_new_password(new, "new_password").await?;
    let mut uow = UnitOfWork::begin(ctx).await?;
    db::lock_user(&mut uow, session.user_id).await?;
    db::update_password_hash(&mut uow, session.user_id, &new_hash).await?;
    let ended = crate::session::customer::end_all_sessions(&mut uow, session.user_id).await?;
    crate::session::staff::end_all_sessions(&mut uow, session.user_id).await?;
    let (_, token) = crate::session::customer::create(
        &mut uow,
        ctx,
        session.user_id,
        Some(session.organization_id),
        &session.client,
    )
    .await?;
    // No hashes in the log: "after" records only what else happened.
    session
        .audit("user.password_changed")
        .target("user", session.user_id)
        .after(json!({ "other_sessions_ended": ended.len().saturating_sub(1) }))
        .record(&mut uow)
        .await?;
    security_notice(&mut uow, session, "Your password was changed").await?;
    evict_after_commit(&mut uow, ended);
    uow.commit().await?;
    Ok(token)
}

/// Owner: requires (or stops requiring) two-factor authentication of every
/// member; members without it are sent to set it up on their next request.
pub async fn set_require_two_factor(
    ctx: &Ctx,
    session: &AuthSession,
    required: bool,
) -> Result<()> {
    if required && !session.two_factor_enabled {
        return Err(AppError::Conflict(
            "Turn on two-factor authentication for your own account first.".into(),
        )
        .into());
    }
    let mut uow = UnitOfWork::begin(ctx).await?;
    let before = db::set_require_two_factor(&mut uow, session.organization_id, required).await?;
    if before == required {
        return Ok(());
    }
    session
        .audit(if required {
            "organization.two_factor_required"
        } else {
            "organization.two_factor_optional"
        })
        .target("organization", session.organization_id)
        .before(json!({ "require_two_factor": before }))
        .after(json!({ "require_two_factor": required }))
        .record(&mut uow)
        .await?;
    // Every member's cached session carries the requirement.
    let hashes = db::live_token_hashes(&mut *uow, None, Some(session.organization_id)).await?;
    evict_after_commit(&mut uow, hashes);
    uow.commit().await
}

/// A security email to the member about their own account.
async fn security_notice(
    conn: &mut sqlx::PgConnection,
    session: &AuthSession,
    event: &str,
) -> Result<()> {
    let Ok(address) = EmailAddress::parse(&session.email) else {
        return Ok(());
    };
    let key = format!(
        "security:{}:{}",
        session.user_id,
        crate::tokens::new_uuid()?
    );
    let email = Email::SecurityNotice {
        name: session.name.clone(),
        event: event.to_owned(),
    };
    notify(conn, &key, Some(session.organization_id), &address, &email).await
}

/// Any member: emails a confirmation link to `new_email` (and a heads-up to
/// the current address). Errors: `Validation` (`new_email`, `password`).
pub async fn request_email_change(
    ctx: &Ctx,
    session: &AuthSession,
    new_email: EmailAddress,
    password: String,
) -> Result<()> {
    if new_email.as_str() == session.email {
        return Err(FieldErrors::single("new_email", "This is already your login email.").into());
    }
    check_current_password(ctx, session, password, "password").await?;
    if db::email_is_taken(&ctx.db, new_email.as_str()).await? {
        return Err(taken_email().into());
    }
    let token = new_token()?;
    let expires_at = ctx.now() + time::Duration::hours(EMAIL_CHANGE_LIFETIME_HOURS);
    let old_email = EmailAddress::parse(&session.email)
        .map_err(|e| anyhow::anyhow!("stored email is invalid: {e}"))?;

    let mut tx = ctx.db.begin().await?;
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
    session
        .audit("user.email_change_requested")
        .target("user", session.user_id)
        .before(json!({ "email": session.email }))
        .after(json!({ "email": new_email.as_str(), "expires_at": rfc3339(expires_at) }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Anyone with the link: the address a pending change would confirm.
/// Errors: `NotFound` (unknown, used or expired).
pub async fn check_email_change(ctx: &Ctx, token: &str) -> Result<String> {
    Ok(db::find_usable_email_change(&ctx.db, &hash_token(token))
        .await?
        .map(|change| change.new_email)
        .ok_or(AppError::NotFound)?)
}

/// Needs no session: the link itself proves the new address works, and the
/// password was checked when the change was asked for. `session` is the
/// caller's, if any (it names the actor when it is the same user).
/// Errors: `NotFound`, `Conflict` (the address was taken meanwhile).
pub async fn confirm_email_change(
    ctx: &Ctx,
    client: &ClientMeta,
    session: Option<&AuthSession>,
    token: &str,
) -> Result<()> {
    let mut uow = UnitOfWork::begin(ctx).await?;
    let change = db::consume_email_change(&mut uow, &hash_token(token))
        .await?
        .ok_or(AppError::NotFound)?;
    db::update_user_email(&mut uow, change.user_id, &change.new_email)
        .await
        .on_constraint("app_user_email_key", || {
            AppError::Conflict(
                "This email now belongs to another account. Ask for a change to a different address."
                    .into(),
            )
        })?;
    let by_self = session.filter(|s| s.user_id == change.user_id);
    let actor_email = by_self.map_or(change.old_email.as_str(), |s| s.email.as_str());
    AuditEntry::new("user.email_changed", client)
        .organization(change.organization_id)
        .actor(change.user_id, actor_email)
        .target("user", change.user_id)
        .before(json!({ "email": change.old_email }))
        .after(json!({ "email": change.new_email, "email_change_id": change.id }))
        .record(&mut uow)
        .await?;
    let hashes = db::live_token_hashes(&mut *uow, Some(change.user_id), None).await?;
    evict_after_commit(&mut uow, hashes);
    uow.commit().await
}

/// Any member: their live sessions, in every organization, this one marked.
pub async fn list_sessions(ctx: &Ctx, session: &AuthSession) -> Result<Vec<ActiveSession>> {
    let idle_cutoff = ctx.now() - ctx.settings.session_idle_timeout;
    let rows = db::list_live_sessions(&ctx.db, session.user_id, idle_cutoff).await?;
    let local = session.local_time(ctx.now());
    Ok(rows
        .into_iter()
        .map(|row| ActiveSession {
            id: row.id,
            device: describe_device(row.user_agent.as_deref()),
            user_agent: row.user_agent,
            ip: row.ip,
            organization_name: row.organization_name,
            created_at: local.moment(row.created_at),
            last_seen_at: local.moment(row.last_seen_at),
            current: row.id == session.session_id,
        })
        .collect())
}

/// Any member: ends one of their other sessions.
/// Errors: `Conflict` (the current one), `NotFound` (not theirs, or not live).
pub async fn revoke_session(ctx: &Ctx, session: &AuthSession, id: Uuid) -> Result<()> {
    if id == session.session_id {
        return Err(AppError::Conflict(
            "This is the browser you are using. To end it, sign out.".into(),
        )
        .into());
    }
    let mut uow = UnitOfWork::begin(ctx).await?;
    // Another user's session id finds nothing: NotFound, never Forbidden.
    let token_hash = db::revoke_session(&mut uow, session.user_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    session
        .audit("session.revoked")
        .target("session", id)
        .after(json!({}))
        .record(&mut uow)
        .await?;
    evict_after_commit(&mut uow, vec![token_hash]);
    uow.commit().await
}

/// Any member: ends every session but this one.
pub async fn revoke_other_sessions(ctx: &Ctx, session: &AuthSession) -> Result<()> {
    let mut uow = UnitOfWork::begin(ctx).await?;
    let ended = db::revoke_sessions_except(&mut uow, session.user_id, session.session_id).await?;
    session
        .audit("session.others_revoked")
        .target("session", session.session_id)
        .after(json!({ "sessions_ended": ended.len() }))
        .record(&mut uow)
        .await?;
    evict_after_commit(&mut uow, ended);
    uow.commit().await
}

/// Re-authentication for sensitive changes. Counted against a per-user limit,
/// so a stolen session cannot be used to guess the password.
async fn check_current_password(
    ctx: &Ctx,
    session: &AuthSession,
    candidate: String,
    field: &str,
) -> Result<()> {
    let limit = Limit::fixed(
        ctx,
        "reauth",
        &session.user_id.to_string(),
        ctx.settings.limits.reauth_per_user,
    );
    rate_limit::attempt(ctx, std::slice::from_ref(&limit)).await?;
    let hash = db::find_password_hash(&ctx.db, session.user_id).await?;
    if verify_password(candidate, Some(hash)).await? {
        rate_limit::reset(ctx, &limit).await;
        Ok(())
    } else {
        Err(FieldErrors::single(field, "Your current password is not correct.").into())
    }
}

fn taken_email() -> FieldErrors {
    FieldErrors::single(
        "new_email",
        "Another account already uses this email. Choose a different one.",
    )
}

/// Cached sessions carry the user's name and email and the organization's
/// name: drop the copies once the change is committed.
fn evict_after_commit(uow: &mut UnitOfWork<'_>, token_hashes: Vec<Vec<u8>>) {
    uow.after_commit(move |ctx| async move { evict_cached(&ctx, &token_hashes).await });
}
