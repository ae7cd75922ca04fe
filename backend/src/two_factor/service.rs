//! Two-factor workflows. Each change runs in one transaction with its audit
//! entry and a security email to the user (which cannot be turned off), and
//! drops the user's cached sessions after commit (they carry whether
//! two-factor is on, which organizations that require it look at).

use super::{db, totp};
use crate::audit::AuditEntry;
use crate::client::ClientMeta;
use crate::ctx::Ctx;
use crate::error::Result;
use crate::notifications::service::notify;
use crate::notifications::Email;
use crate::password::verify_password;
use crate::rate_limit::{self, Limit};
use crate::session::customer::evict_cached;
use crate::session::AccountSession;
use crate::tokens::{hash_token, new_uuid};
use crate::uow::UnitOfWork;
use domain::two_factor::{
    format_recovery_code, Enrollment, RecoveryCodes, SecondFactor, TwoFactorStatus, RECOVERY_CODES,
};
use domain::{AppError, EmailAddress, FieldErrors};
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

/// Who a two-factor change is for: a signed-in account, or a user halfway
/// through signing in (staff enrolling before their first console session).
#[derive(Debug, Clone, Copy)]
pub struct Person<'a> {
    pub user_id: Uuid,
    pub email: &'a str,
    pub name: &'a str,
    /// The organization whose log lists the change, if any.
    pub organization_id: Option<Uuid>,
    pub client: &'a ClientMeta,
}

impl<'a> Person<'a> {
    pub fn of(account: &'a AccountSession) -> Self {
        Self {
            user_id: account.user_id,
            email: &account.email,
            name: &account.name,
            organization_id: account.organization_id,
            client: &account.client,
        }
    }

    fn audit(&self, action: &'a str) -> AuditEntry<'a> {
        AuditEntry::new(action, self.client)
            .organization(self.organization_id)
            .actor(self.user_id, self.email)
            .target("user", self.user_id)
    }
}

/// Whether two-factor is on, how many recovery codes are left, and the
/// setup in progress (what to scan), if any.
pub async fn status(ctx: &Ctx, user_id: Uuid) -> Result<TwoFactorStatus> {
    let row = db::find_totp(&ctx.db, user_id).await?;
    let left = db::count_unused_recovery_codes(&ctx.db, user_id).await?;
    let pending = match (&row.secret, row.enabled) {
        (Some(secret), false) => Some(enrollment(secret, &row.email)?),
        _ => None,
    };
    Ok(TwoFactorStatus {
        enabled: row.enabled,
        recovery_codes_left: u32::try_from(left).unwrap_or(0),
        pending,
    })
}

/// Starts (or restarts) enrollment: a new secret to scan. Nothing is on
/// until a code confirms it. Errors: `Conflict` (already on).
pub async fn begin_enrollment(ctx: &Ctx, person: Person<'_>) -> Result<Enrollment> {
    let secret = totp::new_secret()?;
    let mut tx = ctx.db.begin().await?;
    if !db::set_pending_secret(&mut tx, person.user_id, &secret).await? {
        return Err(already_on().into());
    }
    person
        .audit("user.two_factor_setup_started")
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    enrollment(&secret, person.email)
}

fn enrollment(secret: &str, email: &str) -> Result<Enrollment> {
    let otpauth_url = totp::otpauth_url(secret, email)?;
    Ok(Enrollment {
        secret: secret.to_owned(),
        qr_svg: totp::qr_svg(&otpauth_url)?,
        otpauth_url,
    })
}

/// Turns two-factor on with a code from the enrolled secret, and returns the
/// recovery codes (shown this once). Errors: `Validation` (`code`),
/// `Conflict` (no enrollment started, or already on), `RateLimited`.
pub async fn confirm_enrollment(
    ctx: &Ctx,
    person: Person<'_>,
    code: &str,
) -> Result<RecoveryCodes> {
    let limits = attempt_limit(ctx, person.user_id);
    rate_limit::attempt(ctx, &limits).await?;
    let Ok(SecondFactor::Totp(code)) = SecondFactor::parse(code) else {
        return Err(wrong_code("code").into());
    };
    let row = db::find_totp(&ctx.db, person.user_id).await?;
    if row.enabled {
        return Err(already_on().into());
    }
    let Some(secret) = row.secret else {
        return Err(AppError::Conflict("Start the setup again: scan a new code.".into()).into());
    };
    let Some(step) = totp::matching_step(&secret, &code, unix_now(ctx))? else {
        return Err(wrong_code("code").into());
    };
    let codes = new_recovery_codes()?;
    let mut uow = UnitOfWork::begin(ctx).await?;
    if !db::enable(&mut uow, person.user_id, step_i64(step)?).await? {
        return Err(already_on().into());
    }
    db::replace_recovery_codes(&mut uow, person.user_id, &hashes(&codes)).await?;
    person
        .audit("user.two_factor_enabled")
        .after(json!({ "method": "totp", "recovery_codes": codes.codes.len() }))
        .record(&mut uow)
        .await?;
    security_email(
        &mut uow,
        &person,
        "two_factor_enabled",
        "Two-factor authentication was turned on",
    )
    .await?;
    evict_sessions_after_commit(&mut uow, person.user_id).await?;
    uow.commit().await?;
    rate_limit::reset(ctx, &limits[0]).await;
    Ok(codes)
}

/// Replaces the recovery codes after a current code (TOTP or recovery).
/// Errors: `Validation` (`code`), `Conflict` (two-factor is off), `RateLimited`.
pub async fn regenerate_recovery_codes(
    ctx: &Ctx,
    person: Person<'_>,
    code: &str,
) -> Result<RecoveryCodes> {
    require_on(ctx, person.user_id).await?;
    let codes = new_recovery_codes()?;
    let mut uow = UnitOfWork::begin(ctx).await?;
    verify_in(&mut uow, ctx, person, code, "code").await?;
    db::replace_recovery_codes(&mut uow, person.user_id, &hashes(&codes)).await?;
    person
        .audit("user.recovery_codes_regenerated")
        .after(json!({ "recovery_codes": codes.codes.len() }))
        .record(&mut uow)
        .await?;
    security_email(
        &mut uow,
        &person,
        "recovery_codes",
        "New recovery codes were made; the old ones no longer work",
    )
    .await?;
    uow.commit().await?;
    Ok(codes)
}

/// Turns two-factor off: needs the password and a current code.
/// Errors: `Validation` (`password`, `code`), `Conflict` (already off), `RateLimited`.
pub async fn disable(ctx: &Ctx, person: Person<'_>, password: String, code: &str) -> Result<()> {
    require_on(ctx, person.user_id).await?;
    let limits = attempt_limit(ctx, person.user_id);
    rate_limit::attempt(ctx, &limits).await?;
    let hash = crate::account::db::find_password_hash(&ctx.db, person.user_id).await?;
    if !verify_password(password, Some(hash)).await? {
        return Err(FieldErrors::single("password", "Your password is not correct.").into());
    }
    let mut uow = UnitOfWork::begin(ctx).await?;
    verify_in(&mut uow, ctx, person, code, "code").await?;
    db::disable(&mut uow, person.user_id).await?;
    person
        .audit("user.two_factor_disabled")
        .before(json!({ "method": "totp" }))
        .record(&mut uow)
        .await?;
    security_email(
        &mut uow,
        &person,
        "two_factor_disabled",
        "Two-factor authentication was turned off",
    )
    .await?;
    evict_sessions_after_commit(&mut uow, person.user_id).await?;
    uow.commit().await
}

/// Checks a second factor inside the caller's transaction: a TOTP code of a
/// step not used before, or an unused recovery code (which is then used up,
/// audited and emailed). A wrong code counts against the user's limit.
/// Errors: `Validation` on `field`, `RateLimited`.
pub async fn verify_in(
    conn: &mut PgConnection,
    ctx: &Ctx,
    person: Person<'_>,
    input: &str,
    field: &str,
) -> Result<()> {
    let limits = attempt_limit(ctx, person.user_id);
    rate_limit::attempt(ctx, &limits).await?;
    let accepted = match SecondFactor::parse(input) {
        Ok(SecondFactor::Totp(code)) => {
            let row = db::find_totp(&mut *conn, person.user_id).await?;
            match (row.enabled, row.secret) {
                (true, Some(secret)) => match totp::matching_step(&secret, &code, unix_now(ctx))? {
                    Some(step) => db::accept_step(conn, person.user_id, step_i64(step)?).await?,
                    None => false,
                },
                _ => false,
            }
        }
        Ok(SecondFactor::Recovery(code)) => {
            let used = db::use_recovery_code(conn, person.user_id, &hash_token(&code)).await?;
            if used {
                person.audit("user.recovery_code_used").record(conn).await?;
                security_email(
                    conn,
                    &person,
                    "recovery_code",
                    "A recovery code was used to sign in",
                )
                .await?;
            }
            used
        }
        Err(_) => false,
    };
    if accepted {
        rate_limit::reset(ctx, &limits[0]).await;
        Ok(())
    } else {
        // Counted already (outside the caller's transaction, which the error rolls back).
        Err(wrong_code(field).into())
    }
}

async fn require_on(ctx: &Ctx, user_id: Uuid) -> Result<()> {
    if db::find_totp(&ctx.db, user_id).await?.enabled {
        Ok(())
    } else {
        Err(AppError::Conflict("Two-factor authentication is not on.".into()).into())
    }
}

/// Wrong codes per user, across sign-in, setup and changes.
fn attempt_limit(ctx: &Ctx, user_id: Uuid) -> [Limit; 1] {
    [Limit::fixed(
        ctx,
        "two_factor",
        &user_id.to_string(),
        ctx.settings.limits.two_factor_per_user,
    )]
}

fn wrong_code(field: &str) -> FieldErrors {
    FieldErrors::single(
        field,
        "That code is not right (or was used already). Enter the current code from your app, or a recovery code.",
    )
}

fn already_on() -> AppError {
    AppError::Conflict("Two-factor authentication is already on.".into())
}

fn unix_now(ctx: &Ctx) -> u64 {
    u64::try_from(ctx.now().unix_timestamp()).unwrap_or(0)
}

fn step_i64(step: u64) -> Result<i64> {
    Ok(i64::try_from(step).map_err(|e| anyhow::anyhow!("TOTP step out of range: {e}"))?)
}

/// Ten codes of ten random letters and digits (≈ 51 bits each).
fn new_recovery_codes() -> Result<RecoveryCodes> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut codes = Vec::with_capacity(RECOVERY_CODES);
    while codes.len() < RECOVERY_CODES {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("OS random source failed: {e}"))?;
        // Rejection sampling keeps every character equally likely.
        let limit = 256 - 256 % ALPHABET.len();
        let compact: String = bytes
            .iter()
            .filter(|b| usize::from(**b) < limit)
            .take(10)
            .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
            .collect();
        if compact.len() == 10 {
            codes.push(format_recovery_code(&compact));
        }
    }
    Ok(RecoveryCodes { codes })
}

fn hashes(codes: &RecoveryCodes) -> Vec<Vec<u8>> {
    codes.codes.iter().map(|c| hash_token(c)).collect()
}

/// Tells the user, by email, what changed about how they sign in.
async fn security_email(
    conn: &mut PgConnection,
    person: &Person<'_>,
    kind: &str,
    event: &str,
) -> Result<()> {
    let Ok(address) = EmailAddress::parse(person.email) else {
        return Ok(());
    };
    let email = Email::SecurityNotice {
        name: person.name.to_owned(),
        event: event.to_owned(),
    };
    let key = format!("security:{}:{kind}:{}", person.user_id, new_uuid()?);
    notify(conn, &key, person.organization_id, &address, &email).await
}

/// Cached sessions say whether two-factor is on: drop them after commit.
async fn evict_sessions_after_commit(uow: &mut UnitOfWork<'_>, user_id: Uuid) -> Result<()> {
    let hashes = crate::account::db::live_token_hashes(&mut **uow, Some(user_id), None).await?;
    uow.after_commit(move |ctx| async move { evict_cached(&ctx, &hashes).await });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_are_ten_distinct_codes_in_two_groups_of_five() {
        let codes = new_recovery_codes().unwrap().codes;
        assert_eq!(codes.len(), RECOVERY_CODES);
        for code in &codes {
            assert_eq!(code.len(), 11, "{code}");
            assert_eq!(&code[5..6], "-");
            assert!(SecondFactor::parse(code).is_ok(), "{code}");
        }
        let distinct: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(distinct.len(), codes.len());
    }
}
