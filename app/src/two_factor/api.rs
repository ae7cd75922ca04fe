//! Server functions of two-factor authentication: thin adapters over
//! `backend::two_factor::service` (and, for staff setting it up before their
//! first console session, `backend::auth::service`).

use domain::two_factor::{Enrollment, RecoveryCodes, TwoFactorStatus};
use domain::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    crate::request::{challenge_token, client, ctx, require_account, set_cookie},
    backend::auth::service as auth,
    backend::session::{challenge_cookie_name, http_only_cookie, Realm},
    backend::two_factor::service::{self, Person},
};

/// Any signed-in account: whether two-factor is on, and recovery codes left.
#[server(endpoint = "two_factor/status", input = server_fn::codec::GetUrl)]
pub async fn get_two_factor() -> Result<TwoFactorStatus, AppError> {
    let account = require_account()?;
    Ok(service::status(&ctx()?, account.user_id).await?)
}

/// Any signed-in account: a new secret to scan (nothing is on until a code
/// confirms it). Errors: `Conflict` (already on).
#[server(endpoint = "two_factor/begin")]
pub async fn begin_two_factor() -> Result<Enrollment, AppError> {
    let account = require_account()?;
    Ok(service::begin_enrollment(&ctx()?, Person::of(&account)).await?)
}

/// Any signed-in account: turns two-factor on with a code, and returns the
/// recovery codes, this once. Errors: `Validation` (`code`), `Conflict`,
/// `RateLimited`.
#[server(endpoint = "two_factor/confirm")]
pub async fn confirm_two_factor(code: String) -> Result<RecoveryCodes, AppError> {
    let account = require_account()?;
    Ok(service::confirm_enrollment(&ctx()?, Person::of(&account), &code).await?)
}

/// Any signed-in account: new recovery codes after a current code.
/// Errors: `Validation` (`code`), `Conflict` (off), `RateLimited`.
#[server(endpoint = "two_factor/recovery_codes")]
pub async fn regenerate_recovery_codes(code: String) -> Result<RecoveryCodes, AppError> {
    let account = require_account()?;
    Ok(service::regenerate_recovery_codes(&ctx()?, Person::of(&account), &code).await?)
}

/// Any signed-in account: turns two-factor off with the password and a code.
/// Errors: `Validation` (`password`, `code`), `Conflict` (off), `RateLimited`.
#[server(endpoint = "two_factor/disable")]
pub async fn disable_two_factor(password: String, code: String) -> Result<(), AppError> {
    let account = require_account()?;
    Ok(service::disable(&ctx()?, Person::of(&account), password, &code).await?)
}

/// Staff halfway through signing in, without two-factor yet: the secret to
/// scan. Errors: `Unauthorized` (no live challenge: sign in again).
#[server(endpoint = "staff/two_factor/begin")]
pub async fn begin_staff_two_factor() -> Result<Enrollment, AppError> {
    let challenge = challenge_token()?.ok_or(AppError::Unauthorized)?;
    Ok(auth::begin_challenge_enrollment(&ctx()?, &client()?, &challenge).await?)
}

/// Staff halfway through signing in: confirms two-factor with a code and
/// opens the console session; returns the recovery codes, this once.
/// Errors: `Validation` (`code`), `Unauthorized`, `RateLimited`.
#[server(endpoint = "staff/two_factor/confirm")]
pub async fn confirm_staff_two_factor(code: String) -> Result<RecoveryCodes, AppError> {
    let challenge = challenge_token()?.ok_or(AppError::Unauthorized)?;
    let ctx = ctx()?;
    let (token, codes) =
        auth::confirm_challenge_enrollment(&ctx, &client()?, &challenge, &code).await?;
    let settings = &ctx.settings;
    set_cookie(&Realm::Staff.cookie(settings, &token, settings.session_absolute_timeout))?;
    let name = challenge_cookie_name(settings);
    set_cookie(&http_only_cookie(
        name,
        settings,
        "",
        std::time::Duration::ZERO,
    ))?;
    Ok(codes)
}
