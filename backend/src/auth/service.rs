//! Accounts and signing in: sign-up with a verified email, sign-in with an
//! optional second factor, password reset, switching and creating
//! organizations, signing out.
//!
//! A function that signs someone in answers a [`SignInOutcome`]: the cookie token of
//! a new session, or the token of a sign-in challenge when a second factor
//! comes next (never a session). The adapter sets the matching cookie. The
//! token the browser brought, if any, is revoked, so a token planted before
//! sign-in is worthless after it.

use super::db::{self, SignInRow, TokenPurpose};
use crate::audit::AuditEntry;
use crate::client::ClientMeta;
use crate::ctx::Ctx;
use crate::error::{OnConstraint, Result};
use crate::notifications::service::notify;
use crate::notifications::Email;
use crate::password::{hash_new_password, verify_password};
use crate::rate_limit::{self, Limit};
use crate::session::customer::{self as session, evict_cached};
use crate::session::{staff as staff_session, AccountSession};
use crate::tokens::{hash_token, new_token, new_uuid};
use crate::two_factor::service::{self as two_factor, Person};
use crate::uow::UnitOfWork;
use domain::auth::{
    AccountOverview, Membership, SignInChallenge, SignInNext, SignUp,
    PASSWORD_RESET_LIFETIME_MINUTES, UNVERIFIED_ACCOUNT_DAYS, VERIFICATION_LIFETIME_HOURS,
};
use domain::{AppError, EmailAddress, FieldErrors, OrganizationName, Password, Role};
use serde_json::json;
use std::time::Duration;
use uuid::Uuid;

/// How long the second step of a sign-in may take.
pub const CHALLENGE_LIFETIME: Duration = Duration::from_secs(5 * 60);
/// Wrong codes one challenge takes before it is dead (sign in again).
const CHALLENGE_ATTEMPTS: i32 = 5;

/// What a successful first step of signing in leads to.
#[derive(Debug)]
pub enum SignInOutcome {
    /// A new session: its cookie token.
    Session(String),
    /// A second factor comes next: the challenge's token, and where.
    Challenge { token: String, next: SignInNext },
}

/// Which area a sign-in opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    Customer,
    Staff,
}

impl Area {
    fn as_str(self) -> &'static str {
        match self {
            Area::Customer => "customer",
            Area::Staff => "staff",
        }
    }
}

// ------------------------------------------------------------ sign-up

/// Creates an account (unverified), its organization with the person as its
/// owner, and mails the verification link. Signs nobody in: the link does.
///
/// An address that already has an account answers exactly the same, creates
/// nothing and tells the account's owner instead, so the form cannot be used
/// to learn who has an account.
pub async fn sign_up(ctx: &Ctx, client: &ClientMeta, input: SignUp) -> Result<()> {
    // Before any work: each sign-up costs a password hash, an organization
    // and an email.
    let limits = &ctx.settings.limits;
    rate_limit::attempt(
        ctx,
        &[
            Limit::fixed(ctx, "sign_up:ip", client_ip(client), limits.sign_up_per_ip),
            Limit::fixed(ctx, "sign_up:all", "all", limits.sign_up_global),
        ],
    )
    .await?;
    // Hashed whether or not the address is taken: the answer takes as long.
    let password_hash = hash_new_password(input.password, "password").await?;
    if let Some(existing) = db::find_user_by_email(&ctx.db, &input.email).await? {
        let mut tx = ctx.db.begin().await?;
        let hour = ctx.now().unix_timestamp() / 3600;
        notify(
            &mut tx,
            // At most one such email an hour, however often someone tries.
            &format!("sign_up_attempt:{}:{hour}", existing.id),
            None,
            &input.email,
            &Email::SignUpAttempt {
                name: existing.name,
            },
        )
        .await?;
        tx.commit().await?;
        return Ok(());
    }
    let mut tx = ctx.db.begin().await?;
    let organization_id = db::insert_organization(&mut tx, &input.organization_name).await?;
    let inserted = db::insert_user(&mut tx, &input.email, &input.name, &password_hash, false)
        .await
        .on_constraint("app_user_email_key", || AppError::Conflict(String::new()));
    let user_id = match inserted {
        Ok(user_id) => user_id,
        // A sign-up racing this one for the same address: the same quiet
        // answer, and the rollback drops the organization.
        Err(e) if matches!(e.app(), AppError::Conflict(_)) => return Ok(()),
        Err(e) => return Err(e),
    };
    db::insert_member(&mut tx, organization_id, user_id, Role::Owner).await?;
    db::set_last_organization(&mut tx, user_id, organization_id).await?;
    send_verification(&mut tx, ctx, user_id, input.name.as_str(), &input.email).await?;
    AuditEntry::new("organization.created", client)
        .organization(organization_id)
        .actor(user_id, input.email.as_str())
        .target("organization", organization_id)
        .after(json!({ "name": input.organization_name.as_str(), "plan": "free" }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Queues the verification link of `email` (24 h) in the caller's transaction.
async fn send_verification(
    conn: &mut sqlx::PgConnection,
    ctx: &Ctx,
    user_id: Uuid,
    name: &str,
    email: &EmailAddress,
) -> Result<()> {
    let token = new_token()?;
    let expires_at = ctx.now() + time::Duration::hours(VERIFICATION_LIFETIME_HOURS);
    db::insert_account_token(
        conn,
        TokenPurpose::EmailVerification,
        &hash_token(&token),
        user_id,
        email.as_str(),
        expires_at,
    )
    .await?;
    notify(
        conn,
        &format!("verify_email:{user_id}:{}", new_uuid()?),
        None,
        email,
        &Email::VerifyEmail {
            name: name.to_owned(),
            token,
        },
    )
    .await
}

/// Whether a verification link can still be used (opening it changes nothing).
/// Errors: `NotFound` (unknown, used, superseded or expired).
pub async fn check_verification(ctx: &Ctx, token: &str) -> Result<()> {
    check_link(ctx, TokenPurpose::EmailVerification, token).await
}

/// `NotFound` unless a mailed link of this purpose can still be used.
async fn check_link(ctx: &Ctx, purpose: TokenPurpose, token: &str) -> Result<()> {
    db::find_usable_account_token(&ctx.db, purpose, &hash_token(token), ctx.now())
        .await?
        .map(|_| ())
        .ok_or_else(|| AppError::NotFound.into())
}

/// Verifies the address the link went to and signs its account in (the
/// welcome email goes out now, not before: it names the organization).
/// Errors: `NotFound` (unknown, used, expired, or the address changed since).
pub async fn verify_email(
    ctx: &Ctx,
    client: &ClientMeta,
    previous_token: Option<&str>,
    token: &str,
) -> Result<SignInOutcome> {
    let mut tx = ctx.db.begin().await?;
    let link = db::consume_account_token(
        &mut tx,
        TokenPurpose::EmailVerification,
        &hash_token(token),
        ctx.now(),
    )
    .await?
    .ok_or(AppError::NotFound)?;
    if !db::mark_email_verified(&mut tx, link.user_id, &link.email).await? {
        return Err(AppError::NotFound.into());
    }
    let account = db::find_user_for_session(&mut *tx, link.user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let email = EmailAddress::parse(&link.email)
        .map_err(|e| anyhow::anyhow!("stored email is invalid: {e}"))?;
    if let Some(organization_id) = account.organization_id {
        let organization =
            crate::account::db::find_settings(&mut *tx, organization_id, link.user_id)
                .await?
                .organization_name;
        notify(
            &mut tx,
            &format!("welcome:{}", link.user_id),
            Some(organization_id),
            &email,
            &Email::Welcome {
                name: account.name.clone(),
                organization_name: organization,
            },
        )
        .await?;
    }
    AuditEntry::new("user.email_verified", client)
        .organization(account.organization_id)
        .actor(link.user_id, &link.email)
        .target("user", link.user_id)
        .after(json!({ "email": link.email }))
        .record(&mut tx)
        .await?;
    let outcome = open(&mut tx, ctx, client, &account, &email, Area::Customer).await?;
    tx.commit().await?;
    revoke_previous(ctx, previous_token).await?;
    Ok(outcome)
}

/// A new verification link for a signed-in, unverified account (at most 5
/// an hour). Errors: `Conflict` (already verified), `RateLimited`.
pub async fn resend_verification(ctx: &Ctx, account: &AccountSession) -> Result<()> {
    let limits = &ctx.settings.limits;
    rate_limit::attempt(
        ctx,
        &[
            Limit::fixed(
                ctx,
                "verify_email:user",
                &account.user_id.to_string(),
                limits.verification_per_user,
            ),
            Limit::fixed(
                ctx,
                "verify_email:ip",
                client_ip(&account.client),
                limits.verification_per_ip,
            ),
        ],
    )
    .await?;
    let user = db::find_user(&ctx.db, account.user_id).await?;
    if user.email_verified {
        return Err(AppError::Conflict("Your email address is already verified.".into()).into());
    }
    let email = EmailAddress::parse(&user.email)
        .map_err(|e| anyhow::anyhow!("stored email is invalid: {e}"))?;
    let mut tx = ctx.db.begin().await?;
    send_verification(&mut tx, ctx, user.id, &user.name, &email).await?;
    account
        .audit("user.verification_resent")
        .target("user", account.user_id)
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Fixes a mistyped address of an account that was never verified, and
/// mails the link there (the old link stops working).
/// Errors: `Validation` (`email`: taken), `Conflict` (already verified).
pub async fn change_unverified_email(
    ctx: &Ctx,
    account: &AccountSession,
    new_email: EmailAddress,
) -> Result<()> {
    let mut uow = UnitOfWork::begin(ctx).await?;
    let changed = db::change_unverified_email(&mut uow, account.user_id, &new_email)
        .await
        .on_constraint("app_user_email_key", || {
            FieldErrors::single(
                "email",
                "Another account already uses this email. Choose a different one.",
            )
        })?;
    if !changed {
        return Err(AppError::Conflict("Your email address is already verified.".into()).into());
    }
    send_verification(&mut uow, ctx, account.user_id, &account.name, &new_email).await?;
    account
        .audit("user.email_changed")
        .before(json!({ "email": account.email }))
        .after(json!({ "email": new_email.as_str(), "verified": false }))
        .record(&mut uow)
        .await?;
    let hashes =
        crate::account::db::live_token_hashes(&mut *uow, Some(account.user_id), None).await?;
    uow.after_commit(move |ctx| async move { evict_cached(&ctx, &hashes).await });
    uow.commit().await
}

// ------------------------------------------------------------ sign-in

/// Signs in with email and password; a second factor comes next when the
/// account (or, for staff, the console) needs one.
/// Errors: `InvalidCredentials` (never says which part was wrong),
/// `RateLimited`.
pub async fn sign_in(
    ctx: &Ctx,
    client: &ClientMeta,
    previous_token: Option<&str>,
    email: &str,
    password: String,
) -> Result<SignInOutcome> {
    // An unparseable email cannot belong to an account: same answer as a wrong password.
    let email = EmailAddress::parse(email).map_err(|_| AppError::InvalidCredentials)?;
    let account = verify_credentials(ctx, &email, password, client).await?;
    let mut tx = ctx.db.begin().await?;
    let outcome = open(&mut tx, ctx, client, &account, &email, Area::Customer).await?;
    tx.commit().await?;
    if matches!(outcome, SignInOutcome::Session(_)) {
        revoke_previous(ctx, previous_token).await?;
    }
    Ok(outcome)
}

/// After a first step proved who this is: a challenge when a second factor
/// is due (always for staff), else the session itself.
pub async fn open(
    tx: &mut sqlx::PgConnection,
    ctx: &Ctx,
    client: &ClientMeta,
    account: &SignInRow,
    email: &EmailAddress,
    area: Area,
) -> Result<SignInOutcome> {
    let next = match (area, account.two_factor_enabled) {
        (_, true) => Some(SignInNext::TwoFactor),
        (Area::Staff, false) => Some(SignInNext::EnrollTwoFactor),
        (Area::Customer, false) => None,
    };
    if let Some(next) = next {
        let token = new_token()?;
        let purpose = if next == SignInNext::TwoFactor {
            "verify"
        } else {
            "enroll"
        };
        db::insert_challenge(
            tx,
            &hash_token(&token),
            account.user_id,
            area.as_str(),
            purpose,
            ctx.now() + CHALLENGE_LIFETIME,
        )
        .await?;
        // The password was right; the log shows it even if no code follows.
        AuditEntry::new("user.second_factor_requested", client)
            .organization(account.organization_id.filter(|_| area == Area::Customer))
            .actor(account.user_id, email.as_str())
            .target("user", account.user_id)
            .after(json!({ "area": area.as_str(), "step": purpose }))
            .record(tx)
            .await?;
        return Ok(SignInOutcome::Challenge { token, next });
    }
    let token = start_session(
        tx,
        ctx,
        client,
        account.user_id,
        email,
        account.organization_id,
    )
    .await?;
    Ok(SignInOutcome::Session(token))
}

/// The second step: a code (or a recovery code) for the challenge of
/// `challenge_token`. Opens the session of the challenge's area.
/// Errors: `Validation` (`code`), `Unauthorized` (no or dead challenge:
/// sign in again), `RateLimited`.
pub async fn complete_two_factor(
    ctx: &Ctx,
    client: &ClientMeta,
    challenge_token: &str,
    previous_token: Option<&str>,
    code: &str,
) -> Result<(Area, String)> {
    let mut tx = ctx.db.begin().await?;
    let challenge = db::lock_challenge(&mut tx, &hash_token(challenge_token), ctx.now())
        .await?
        .filter(|c| c.purpose == "verify" && c.attempts < CHALLENGE_ATTEMPTS)
        .ok_or(AppError::Unauthorized)?;
    let user = db::find_user(&mut *tx, challenge.user_id).await?;
    let person = Person {
        user_id: user.id,
        email: &user.email,
        name: &user.name,
        organization_id: None,
        client,
    };
    if let Err(refused) = two_factor::verify_in(&mut tx, ctx, person, code, "code").await {
        drop(tx);
        db::count_challenge_attempt(&ctx.db, challenge.id).await?;
        return Err(refused);
    }
    db::use_challenge(&mut tx, challenge.id).await?;
    let email = EmailAddress::parse(&user.email)
        .map_err(|e| anyhow::anyhow!("stored email is invalid: {e}"))?;
    let (area, token) = if challenge.realm == "staff" {
        (
            Area::Staff,
            start_staff_session(&mut tx, ctx, client, user.id, &email).await?,
        )
    } else {
        let account = db::find_user_for_session(&mut *tx, user.id)
            .await?
            .ok_or(AppError::Unauthorized)?;
        let token = start_session(
            &mut tx,
            ctx,
            client,
            user.id,
            &email,
            account.organization_id,
        )
        .await?;
        (Area::Customer, token)
    };
    tx.commit().await?;
    if area == Area::Customer {
        revoke_previous(ctx, previous_token).await?;
    }
    Ok((area, token))
}

/// The live challenge of `challenge_token` (the second step's page shows
/// its form), with the enrollment in progress when it is a staff setup.
pub async fn challenge(ctx: &Ctx, challenge_token: &str) -> Result<Option<SignInChallenge>> {
    let Some(challenge) = db::find_challenge(&ctx.db, &hash_token(challenge_token), ctx.now())
        .await?
        .filter(|c| c.attempts < CHALLENGE_ATTEMPTS)
    else {
        return Ok(None);
    };
    if challenge.purpose != "enroll" {
        return Ok(Some(SignInChallenge {
            next: SignInNext::TwoFactor,
            enrollment: None,
        }));
    }
    let status = two_factor::status(ctx, challenge.user_id).await?;
    Ok(Some(SignInChallenge {
        next: SignInNext::EnrollTwoFactor,
        enrollment: status.pending,
    }))
}

/// Staff who must set up two-factor before their first console session:
/// the secret to scan, for the challenge of `challenge_token`.
pub async fn begin_challenge_enrollment(
    ctx: &Ctx,
    client: &ClientMeta,
    challenge_token: &str,
) -> Result<domain::two_factor::Enrollment> {
    let challenge = db::find_challenge(&ctx.db, &hash_token(challenge_token), ctx.now())
        .await?
        .filter(|c| c.purpose == "enroll")
        .ok_or(AppError::Unauthorized)?;
    let user = db::find_user(&ctx.db, challenge.user_id).await?;
    two_factor::begin_enrollment(ctx, person(&user, client)).await
}

/// Confirms that enrollment with a code and opens the staff session; returns
/// its token and the recovery codes (shown once).
pub async fn confirm_challenge_enrollment(
    ctx: &Ctx,
    client: &ClientMeta,
    challenge_token: &str,
    code: &str,
) -> Result<(String, domain::two_factor::RecoveryCodes)> {
    let challenge = db::find_challenge(&ctx.db, &hash_token(challenge_token), ctx.now())
        .await?
        .filter(|c| c.purpose == "enroll" && c.attempts < CHALLENGE_ATTEMPTS)
        .ok_or(AppError::Unauthorized)?;
    let user = db::find_user(&ctx.db, challenge.user_id).await?;
    let codes = match two_factor::confirm_enrollment(ctx, person(&user, client), code).await {
        Ok(codes) => codes,
        Err(refused) => {
            db::count_challenge_attempt(&ctx.db, challenge.id).await?;
            return Err(refused);
        }
    };
    let email = EmailAddress::parse(&user.email)
        .map_err(|e| anyhow::anyhow!("stored email is invalid: {e}"))?;
    let mut tx = ctx.db.begin().await?;
    let Some(challenge) =
        db::lock_challenge(&mut tx, &hash_token(challenge_token), ctx.now()).await?
    else {
        return Err(AppError::Unauthorized.into());
    };
    db::use_challenge(&mut tx, challenge.id).await?;
    let token = start_staff_session(&mut tx, ctx, client, user.id, &email).await?;
    tx.commit().await?;
    Ok((token, codes))
}

fn person<'a>(user: &'a db::UserRow, client: &'a ClientMeta) -> Person<'a> {
    Person {
        user_id: user.id,
        email: &user.email,
        name: &user.name,
        organization_id: None,
        client,
    }
}

/// Checks an email and password under the sign-in rate limits. A failure is
/// audited and counted, and always answers `InvalidCredentials`.
pub async fn verify_credentials(
    ctx: &Ctx,
    email: &EmailAddress,
    password: String,
    client: &ClientMeta,
) -> Result<SignInRow> {
    let limits = sign_in_limits(ctx, email, client);
    rate_limit::attempt(ctx, &limits).await?;

    let account = db::find_user_for_sign_in(&ctx.db, email).await?;
    let stored_hash = account.as_ref().map(|a| a.password_hash.clone());
    let password_ok = verify_password(password, stored_hash).await?;
    match account {
        Some(account) if password_ok => {
            let [backoff, per_ip] = &limits;
            rate_limit::reset(ctx, backoff).await;
            rate_limit::refund(ctx, per_ip).await;
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
            Err(AppError::InvalidCredentials.into())
        }
    }
}

/// Ends the current session (`token`, of `session` when it is still live).
/// A no-op without one.
pub async fn sign_out(
    ctx: &Ctx,
    session: Option<&AccountSession>,
    token: Option<&str>,
) -> Result<()> {
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

/// Ends every session of the user, customer and staff, this one included.
pub async fn sign_out_everywhere(ctx: &Ctx, account: &AccountSession) -> Result<()> {
    let mut uow = UnitOfWork::begin(ctx).await?;
    let ended = session::end_all_sessions(&mut uow, account.user_id).await?;
    staff_session::end_all_sessions(&mut uow, account.user_id).await?;
    account
        .audit("session.all_revoked")
        .target("user", account.user_id)
        .after(json!({ "sessions_ended": ended.len() }))
        .record(&mut uow)
        .await?;
    uow.after_commit(move |ctx| async move { evict_cached(&ctx, &ended).await });
    uow.commit().await
}

/// Back-off per (account, IP), so a guesser slows down without locking the
/// account's owner out, and failures per IP, whatever the account. The staff
/// console signs in through here too: its accounts are customers' accounts.
fn sign_in_limits(ctx: &Ctx, email: &EmailAddress, client: &ClientMeta) -> [Limit; 2] {
    let limits = &ctx.settings.limits;
    let ip = client_ip(client);
    [
        Limit::backoff(
            ctx,
            "sign_in:account_ip",
            &format!("{}|{ip}", email.as_str()),
            limits.sign_in_backoff,
        ),
        Limit::fixed(ctx, "sign_in:ip", ip, limits.sign_in_per_ip),
    ]
}

pub use crate::client::client_ip;

/// Starts a session of `user_id` in `organization_id` (or at account level)
/// inside `tx`, audited as a sign-in, and returns its cookie token.
pub async fn start_session(
    tx: &mut sqlx::PgConnection,
    ctx: &Ctx,
    client: &ClientMeta,
    user_id: Uuid,
    email: &EmailAddress,
    organization_id: Option<Uuid>,
) -> Result<String> {
    let (session_id, token) = session::create(tx, ctx, user_id, organization_id, client).await?;
    if let Some(organization_id) = organization_id {
        db::set_last_organization(tx, user_id, organization_id).await?;
    }
    AuditEntry::new("user.signed_in", client)
        .organization(organization_id)
        .actor(user_id, email.as_str())
        .target("session", session_id)
        .record(tx)
        .await?;
    Ok(token)
}

async fn start_staff_session(
    tx: &mut sqlx::PgConnection,
    ctx: &Ctx,
    client: &ClientMeta,
    user_id: Uuid,
    email: &EmailAddress,
) -> Result<String> {
    let (session_id, token) = staff_session::create(tx, ctx, user_id, client).await?;
    AuditEntry::new("staff.signed_in", client)
        .actor(user_id, email.as_str())
        .target("staff_session", session_id)
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

// ------------------------------------------------------------ password reset

/// Mails a reset link (1 h) if an account has this address. Answers the same
/// either way; limited per address and per IP.
/// Errors: `RateLimited`.
pub async fn request_password_reset(ctx: &Ctx, client: &ClientMeta, email: &str) -> Result<()> {
    let Ok(email) = EmailAddress::parse(email) else {
        return Err(
            FieldErrors::single("email", "Enter the email address you sign in with.").into(),
        );
    };
    let limits = &ctx.settings.limits;
    // Every request counts, found or not.
    rate_limit::attempt(
        ctx,
        &[
            Limit::fixed(
                ctx,
                "reset:address",
                email.as_str(),
                limits.reset_per_address,
            ),
            Limit::fixed(ctx, "reset:ip", client_ip(client), limits.reset_per_ip),
        ],
    )
    .await?;
    let Some(user) = db::find_user_by_email(&ctx.db, &email).await? else {
        return Ok(());
    };
    let token = new_token()?;
    let mut tx = ctx.db.begin().await?;
    db::insert_account_token(
        &mut tx,
        TokenPurpose::PasswordReset,
        &hash_token(&token),
        user.id,
        email.as_str(),
        ctx.now() + time::Duration::minutes(PASSWORD_RESET_LIFETIME_MINUTES),
    )
    .await?;
    notify(
        &mut tx,
        &format!("password_reset:{}:{}", user.id, new_uuid()?),
        None,
        &email,
        &Email::PasswordReset {
            name: user.name,
            token,
        },
    )
    .await?;
    AuditEntry::new("user.password_reset_requested", client)
        .actor(user.id, email.as_str())
        .target("user", user.id)
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Whether a reset link can still be used (opening it changes nothing).
/// Errors: `NotFound` (unknown, used, superseded or expired).
pub async fn check_password_reset(ctx: &Ctx, token: &str) -> Result<()> {
    check_link(ctx, TokenPurpose::PasswordReset, token).await
}

/// Sets a new password with a reset link, ends every session of the user
/// (customer and staff), and signs in — through the second factor when the
/// account has one. The link also proves the address: an unverified account
/// becomes verified. Errors: `NotFound` (bad link), `Validation`.
pub async fn reset_password(
    ctx: &Ctx,
    client: &ClientMeta,
    previous_token: Option<&str>,
    token: &str,
    new_password: Password,
) -> Result<SignInOutcome> {
    let password_hash = hash_new_password(new_password, "new_password").await?;
    let mut uow = UnitOfWork::begin(ctx).await?;
    let link = db::consume_account_token(
        &mut uow,
        TokenPurpose::PasswordReset,
        &hash_token(token),
        ctx.now(),
    )
    .await?
    .ok_or(AppError::NotFound)?;
    crate::account::db::update_password_hash(&mut uow, link.user_id, &password_hash).await?;
    db::mark_email_verified(&mut uow, link.user_id, &link.email).await?;
    let ended = session::end_all_sessions(&mut uow, link.user_id).await?;
    staff_session::end_all_sessions(&mut uow, link.user_id).await?;
    let account = db::find_user_for_session(&mut *uow, link.user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let email = EmailAddress::parse(&link.email)
        .map_err(|e| anyhow::anyhow!("stored email is invalid: {e}"))?;
    AuditEntry::new("user.password_reset", client)
        .organization(account.organization_id)
        .actor(link.user_id, email.as_str())
        .target("user", link.user_id)
        .after(json!({ "sessions_ended": ended.len() }))
        .record(&mut uow)
        .await?;
    notify(
        &mut uow,
        &format!("security:{}:password_reset:{}", link.user_id, new_uuid()?),
        None,
        &email,
        &Email::SecurityNotice {
            name: account.name.clone(),
            event: "Your password was reset".to_owned(),
        },
    )
    .await?;
    let outcome = open(&mut uow, ctx, client, &account, &email, Area::Customer).await?;
    uow.after_commit(move |ctx| async move { evict_cached(&ctx, &ended).await });
    uow.commit().await?;
    revoke_previous(ctx, previous_token).await?;
    Ok(outcome)
}

// ------------------------------------------------------------ organizations

/// The account page's data: what must happen first, and the organizations.
pub async fn account_overview(ctx: &Ctx, account: &AccountSession) -> Result<AccountOverview> {
    let memberships = memberships(ctx, account.user_id).await?;
    let status = two_factor::status(ctx, account.user_id).await?;
    Ok(AccountOverview {
        name: account.name.clone(),
        email: account.email.clone(),
        setup: account.setup,
        memberships,
        two_factor_enabled: status.enabled,
    })
}

pub async fn memberships(ctx: &Ctx, user_id: Uuid) -> Result<Vec<Membership>> {
    Ok(sqlx::query_as!(
        Membership,
        r#"select o.id as organization_id, o.name as organization_name, m.role as "role: Role",
                  p.name as plan_name
           from member m join organization o on o.id = m.organization_id
           join plan p on p.id = o.plan_id
           where m.user_id = $1
           order by lower(o.name), o.id"#,
        user_id,
    )
    .fetch_all(&ctx.db)
    .await?)
}

/// Moves the user to another of their organizations: a new session there
/// (a new token; the current one ends), audited in that organization.
/// Errors: `NotFound` (not their organization: also for other ids).
pub async fn switch_organization(
    ctx: &Ctx,
    account: &AccountSession,
    current_token: Option<&str>,
    organization_id: Uuid,
) -> Result<String> {
    let mut tx = ctx.db.begin().await?;
    let role: Option<Role> = sqlx::query_scalar!(
        r#"select role as "role: Role" from member where organization_id = $1 and user_id = $2"#,
        organization_id,
        account.user_id,
    )
    .fetch_optional(&mut *tx)
    .await?;
    if role.is_none() {
        return Err(AppError::NotFound.into());
    }
    let (session_id, token) = session::create(
        &mut tx,
        ctx,
        account.user_id,
        Some(organization_id),
        &account.client,
    )
    .await?;
    db::set_last_organization(&mut tx, account.user_id, organization_id).await?;
    AuditEntry::new("session.organization_switched", &account.client)
        .organization(organization_id)
        .actor(account.user_id, &account.email)
        .target("session", session_id)
        .before(json!({ "organization_id": account.organization_id }))
        .after(json!({ "organization_id": organization_id }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    revoke_previous(ctx, current_token).await?;
    Ok(token)
}

/// Creates an organization with the user as its owner and moves their
/// session there (for a user without one, or a second one).
/// Errors: `Conflict` (email not verified).
pub async fn create_organization(
    ctx: &Ctx,
    account: &AccountSession,
    current_token: Option<&str>,
    name: OrganizationName,
) -> Result<String> {
    if account.setup == Some(domain::auth::SetupStep::VerifyEmail) {
        return Err(AppError::SetupRequired(domain::auth::SetupStep::VerifyEmail).into());
    }
    let mut tx = ctx.db.begin().await?;
    let organization_id = db::insert_organization(&mut tx, &name).await?;
    db::insert_member(&mut tx, organization_id, account.user_id, Role::Owner).await?;
    AuditEntry::new("organization.created", &account.client)
        .organization(organization_id)
        .actor(account.user_id, &account.email)
        .target("organization", organization_id)
        .after(json!({ "name": name.as_str(), "plan": "free" }))
        .record(&mut tx)
        .await?;
    let (_, token) = session::create(
        &mut tx,
        ctx,
        account.user_id,
        Some(organization_id),
        &account.client,
    )
    .await?;
    db::set_last_organization(&mut tx, account.user_id, organization_id).await?;
    tx.commit().await?;
    revoke_previous(ctx, current_token).await?;
    Ok(token)
}

// ------------------------------------------------------------ housekeeping

/// Removes accounts never verified within `UNVERIFIED_ACCOUNT_DAYS`, which
/// frees their addresses. Returns how many were removed.
pub async fn remove_unverified_accounts(
    db: &sqlx::PgPool,
    now: time::OffsetDateTime,
) -> Result<u64> {
    let mut tx = db.begin().await?;
    let removed = db::remove_unverified_accounts(
        &mut tx,
        now - time::Duration::days(UNVERIFIED_ACCOUNT_DAYS),
    )
    .await?;
    tx.commit().await?;
    if removed > 0 {
        tracing::info!(removed, "removed accounts that were never verified");
    }
    Ok(removed)
}
