use super::db;
use crate::domain::{EmailAddress, OrganizationName, Password, PersonName, Role};
use crate::error::{AppError, FieldErrors};
use crate::notifications::service::notify;
use crate::notifications::Email;
use crate::server::audit::{self, AuditEntry};
use crate::server::context::{client_meta, session_token, set_cookie};
use crate::server::error::violated_constraint;
use crate::server::password::{hash_password, verify_password};
use crate::server::rate_limit::{self, Limit};
use crate::server::{session, state, AppState, ClientMeta};
use serde_json::json;

/// A validated sign-up form.
#[derive(Debug)]
pub struct SignUp {
    pub organization_name: OrganizationName,
    pub name: PersonName,
    pub email: EmailAddress,
    pub password: Password,
}

impl SignUp {
    /// Every field is checked, so the form shows all its problems at once.
    pub fn parse(
        organization_name: &str,
        name: &str,
        email: &str,
        password: &str,
    ) -> Result<Self, AppError> {
        let mut errors = FieldErrors::new();
        let organization_name = errors.check(
            "organization_name",
            OrganizationName::parse(organization_name),
        );
        let name = errors.check("name", PersonName::parse(name));
        let email = errors.check("email", EmailAddress::parse(email));
        let password = errors.check("password", Password::parse(password));
        match (organization_name, name, email, password) {
            (Some(organization_name), Some(name), Some(email), Some(password)) => Ok(Self {
                organization_name,
                name,
                email,
                password,
            }),
            _ => Err(AppError::Validation(errors)),
        }
    }
}

pub async fn sign_up(input: SignUp) -> Result<(), AppError> {
    let state = state()?;
    let meta = client_meta()?;
    let password_hash = hash_password(input.password).await?;

    let mut tx = state.db.begin().await?;
    let organization_id = db::insert_organization(&mut tx, &input.organization_name).await?;
    let user_id = match db::insert_user(&mut tx, &input.email, &input.name, &password_hash).await {
        Ok(id) => id,
        Err(e) if violated_constraint(&e) == Some("app_user_email_key") => {
            return Err(AppError::Validation(FieldErrors::single(
                "email",
                "An account with this email already exists. Sign in instead.",
            )));
        }
        Err(e) => return Err(e.into()),
    };
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
    let actor = AuditEntry {
        organization_id: Some(organization_id),
        actor_user_id: Some(user_id),
        actor_email: Some(input.email.as_str()),
        ..AuditEntry::default()
    };
    audit::record(
        &mut tx,
        AuditEntry {
            action: "organization.created",
            target_type: Some("organization"),
            target_id: Some(organization_id.to_string()),
            after: Some(json!({ "name": input.organization_name.as_str(), "plan": "free" })),
            ..actor.clone()
        },
        &meta,
    )
    .await?;
    let token = start_session(&mut tx, &state, actor, &meta).await?;
    tx.commit().await?;
    replace_session_cookie(&state, &token).await
}

pub async fn sign_in(email: &str, password: String) -> Result<(), AppError> {
    let state = state()?;
    let meta = client_meta()?;
    // An unparseable email cannot belong to an account: same answer as a wrong password.
    let email = EmailAddress::parse(email).map_err(|_| AppError::InvalidCredentials)?;
    let account = verify_credentials(&state, &email, password, &meta).await?;
    let Some(organization_id) = account.organization_id else {
        // The password was right, so saying why is no leak.
        return Err(AppError::Conflict(
            "Your account is not a member of any organization any more. Ask an owner for a new invitation."
                .into(),
        ));
    };
    let actor = AuditEntry {
        organization_id: Some(organization_id),
        actor_user_id: Some(account.user_id),
        actor_email: Some(email.as_str()),
        ..AuditEntry::default()
    };
    let mut tx = state.db.begin().await?;
    let token = start_session(&mut tx, &state, actor, &meta).await?;
    tx.commit().await?;
    replace_session_cookie(&state, &token).await
}

/// Checks an email and password under the sign-in rate limits. A failure is
/// audited and counted, and always answers `InvalidCredentials`.
pub(crate) async fn verify_credentials(
    state: &AppState,
    email: &EmailAddress,
    password: String,
    meta: &ClientMeta,
) -> Result<db::SignInRow, AppError> {
    let limits = sign_in_limits(state, email, meta);
    rate_limit::check(state, &limits).await?;

    let account = db::find_user_for_sign_in(&state.db, email).await?;
    let stored_hash = account.as_ref().map(|a| a.password_hash.clone());
    let password_ok = verify_password(password, stored_hash).await?;
    match account {
        Some(account) if password_ok => {
            rate_limit::reset(state, &limits[0]).await;
            Ok(account)
        }
        account => {
            let mut tx = state.db.begin().await?;
            audit::record(
                &mut tx,
                AuditEntry {
                    organization_id: account.as_ref().and_then(|a| a.organization_id),
                    actor_user_id: account.as_ref().map(|a| a.user_id),
                    actor_email: Some(email.as_str()),
                    action: "user.sign_in_failed",
                    ..AuditEntry::default()
                },
                meta,
            )
            .await?;
            tx.commit().await?;
            rate_limit::record_failure(state, &limits).await;
            Err(AppError::InvalidCredentials)
        }
    }
}

pub async fn sign_out() -> Result<(), AppError> {
    let state = state()?;
    if let Some(current) = crate::server::context::current_session()? {
        let meta = client_meta()?;
        let mut tx = state.db.begin().await?;
        audit::record(
            &mut tx,
            AuditEntry {
                organization_id: Some(current.organization_id),
                actor_user_id: Some(current.user_id),
                actor_email: Some(&current.email),
                action: "user.signed_out",
                target_type: Some("session"),
                target_id: Some(current.session_id.to_string()),
                ..AuditEntry::default()
            },
            &meta,
        )
        .await?;
        tx.commit().await?;
    }
    if let Some(token) = session_token()? {
        session::revoke(&state, &token).await?;
    }
    set_cookie(&session::clear_session_cookie(&state.settings))
}

/// Per account first: `sign_in` resets only that one on success, so a
/// successful sign-in does not wipe the count of an IP that is guessing.
fn sign_in_limits<'a>(state: &AppState, email: &EmailAddress, meta: &ClientMeta) -> [Limit<'a>; 2] {
    let s = &state.settings;
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
                meta.ip.as_deref().unwrap_or("unknown"),
            ),
            max_failures: s.sign_in_limit_per_ip,
            window: s.sign_in_window,
            label: "sign_in_ip",
        },
    ]
}

pub(crate) async fn start_session(
    tx: &mut sqlx::PgConnection,
    state: &AppState,
    actor: AuditEntry<'_>,
    meta: &ClientMeta,
) -> Result<String, AppError> {
    let (user_id, organization_id) = match (actor.actor_user_id, actor.organization_id) {
        (Some(user), Some(org)) => (user, org),
        _ => return Err(anyhow::anyhow!("session needs a user and an organization").into()),
    };
    let (session_id, token) =
        session::create(tx, &state.settings, user_id, organization_id, meta).await?;
    audit::record(
        tx,
        AuditEntry {
            action: "user.signed_in",
            target_type: Some("session"),
            target_id: Some(session_id.to_string()),
            ..actor
        },
        meta,
    )
    .await?;
    Ok(token)
}

/// A sign-in always issues a fresh token; the one the browser brought (if
/// any) is revoked, so a token planted before sign-in is worthless after it.
pub(crate) async fn replace_session_cookie(state: &AppState, token: &str) -> Result<(), AppError> {
    if let Some(previous) = session_token()? {
        session::revoke(state, &previous).await?;
    }
    set_cookie(&session::session_cookie(&state.settings, token))
}
