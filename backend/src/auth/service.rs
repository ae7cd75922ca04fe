//! Sign-up, sign-in and sign-out. A successful one returns the new session's
//! cookie token; the adapter sets the cookie. The token the browser brought,
//! if any, is revoked, so a token planted before sign-in is worthless after.

use super::db;
use crate::audit::AuditEntry;
use crate::client::ClientMeta;
use crate::ctx::Ctx;
use crate::error::{OnConstraint, Result};
use crate::notifications::service::notify;
use crate::notifications::Email;
use crate::password::{hash_password, verify_password};
use crate::rate_limit::{self, Limit};
use crate::session::{customer as session, AuthSession};
use domain::auth::SignUp;
use domain::{AppError, EmailAddress, FieldErrors, Role};
use serde_json::json;
use uuid::Uuid;

/// Creates an organization with the caller as its owner and signs them in.
/// Errors: `Validation` (an email that is already registered).
pub async fn sign_up(
    ctx: &Ctx,
    client: &ClientMeta,
    previous_token: Option<&str>,
    input: SignUp,
) -> Result<String> {
    let password_hash = hash_password(input.password).await?;

    let mut tx = ctx.db.begin().await?;
    let organization_id = db::insert_organization(&mut tx, &input.organization_name).await?;
    let user_id = db::insert_user(&mut tx, &input.email, &input.name, &password_hash)
        .await
        .on_constraint("app_user_email_key", || {
            FieldErrors::single(
                "email",
                "An account with this email already exists. Sign in instead.",
            )
        })?;
    db::insert_member(&mut tx, organization_id, user_id, Role::Owner).await?;
    let welcome = Email::Welcome {
        name: input.name.to_string(),
        organization_name: input.organization_name.to_string(),
    };
    notify(
        &mut tx,
        &format!("welcome:{user_id}"),
        Some(organization_id),
        &input.email,
        &welcome,
    )
    .await?;
    AuditEntry::new("organization.created", client)
        .organization(organization_id)
        .actor(user_id, input.email.as_str())
        .target("organization", organization_id)
        .after(json!({ "name": input.organization_name.as_str(), "plan": "free" }))
        .record(&mut tx)
        .await?;
    let token = start_session(&mut tx, ctx, client, user_id, &input.email, organization_id).await?;
    tx.commit().await?;
    revoke_previous(ctx, previous_token).await?;
    Ok(token)
}

/// Signs in with email and password. Errors: `InvalidCredentials` (never
/// says which part was wrong), `RateLimited`, `Conflict` (no organization).
pub async fn sign_in(
    ctx: &Ctx,
    client: &ClientMeta,
    previous_token: Option<&str>,
    email: &str,
    password: String,
) -> Result<String> {
    // An unparseable email cannot belong to an account: same answer as a wrong password.
    let email = EmailAddress::parse(email).map_err(|_| AppError::InvalidCredentials)?;
    let account = verify_credentials(ctx, &email, password, client).await?;
    let Some(organization_id) = account.organization_id else {
        // The password was right, so saying why is no leak.
        return Err(AppError::Conflict(
            "Your account is not a member of any organization any more. Ask an owner for a new invitation."
                .into(),
        )
        .into());
    };
    let mut tx = ctx.db.begin().await?;
    let token = start_session(
        &mut tx,
        ctx,
        client,
        account.user_id,
        &email,
        organization_id,
    )
    .await?;
    tx.commit().await?;
    revoke_previous(ctx, previous_token).await?;
    Ok(token)
}

/// Checks an email and password under the sign-in rate limits. A failure is
/// audited and counted, and always answers `InvalidCredentials`.
pub async fn verify_credentials(
    ctx: &Ctx,
    email: &EmailAddress,
    password: String,
    client: &ClientMeta,
) -> Result<db::SignInRow> {
    let limits = sign_in_limits(ctx, email, client);
    rate_limit::check(ctx, &limits).await?;

    let account = db::find_user_for_sign_in(&ctx.db, email).await?;
    let stored_hash = account.as_ref().map(|a| a.password_hash.clone());
    let password_ok = verify_password(password, stored_hash).await?;
    match account {
        Some(account) if password_ok => {
            rate_limit::reset(ctx, &limits[0]).await;
            Ok(account)
        }
        account => {
            let mut tx = ctx.db.begin().await?;
            let mut entry = AuditEntry::new("user.sign_in_failed", client)
                .organization(account.as_ref().and_then(|a| a.organization_id))
                .actor_email(email.as_str());
            if let Some(account) = &account {
                entry = entry.actor(account.user_id, email.as_str());
            }
            entry.record(&mut tx).await?;
            tx.commit().await?;
            rate_limit::record_failure(ctx, &limits).await;
            Err(AppError::InvalidCredentials.into())
        }
    }
}

/// Ends the current session (`token`, of `session` when it is still live).
/// A no-op without one.
pub async fn sign_out(ctx: &Ctx, session: Option<&AuthSession>, token: Option<&str>) -> Result<()> {
    if let Some(current) = session {
        let mut tx = ctx.db.begin().await?;
        current
            .audit("user.signed_out")
            .target("session", current.session_id)
            .record(&mut tx)
            .await?;
        tx.commit().await?;
    }
    if let Some(token) = token {
        session::revoke(ctx, token).await?;
    }
    Ok(())
}

/// Per account first: `sign_in` resets only that one on success, so a
/// successful sign-in does not wipe the count of an IP that is guessing.
fn sign_in_limits<'a>(ctx: &Ctx, email: &EmailAddress, client: &ClientMeta) -> [Limit<'a>; 2] {
    let s = &ctx.settings;
    [
        Limit {
            key: s.redis_key("ratelimit:sign_in:account", email.as_str()),
            max_failures: s.sign_in_limit_per_account,
            window: s.sign_in_window,
            label: "sign_in_account",
        },
        Limit {
            key: s.redis_key(
                "ratelimit:sign_in:ip",
                client.ip.as_deref().unwrap_or("unknown"),
            ),
            max_failures: s.sign_in_limit_per_ip,
            window: s.sign_in_window,
            label: "sign_in_ip",
        },
    ]
}

/// Starts a session of `user_id` in `organization_id` inside `tx`, audited as
/// a sign-in, and returns its cookie token.
pub async fn start_session(
    tx: &mut sqlx::PgConnection,
    ctx: &Ctx,
    client: &ClientMeta,
    user_id: Uuid,
    email: &EmailAddress,
    organization_id: Uuid,
) -> Result<String> {
    let (session_id, token) = session::create(tx, ctx, user_id, organization_id, client).await?;
    AuditEntry::new("user.signed_in", client)
        .organization(organization_id)
        .actor(user_id, email.as_str())
        .target("session", session_id)
        .record(tx)
        .await?;
    Ok(token)
}

/// A sign-in always issues a fresh token; the one the browser brought (if
/// any) is revoked.
pub async fn revoke_previous(ctx: &Ctx, previous_token: Option<&str>) -> Result<()> {
    if let Some(previous) = previous_token {
        session::revoke(ctx, previous).await?;
    }
    Ok(())
}
