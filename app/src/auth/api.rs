//! Server functions of accounts and signing in: thin adapters over
//! `backend::auth::service`. They set the cookie the service's answer names:
//! a session's, or a half-finished sign-in's (the second factor comes next).

use domain::auth::{AccountOverview, CurrentUser, SignInChallenge};
use domain::AppError;
use leptos::prelude::*;
use uuid::Uuid;

#[cfg(feature = "ssr")]
use {
    crate::request::{
        account, challenge_token, client, ctx, require_account, session, session_token, set_cookie,
    },
    backend::auth::service::{self, Area, SignInOutcome, CHALLENGE_LIFETIME},
    backend::session::{challenge_cookie_name, http_only_cookie, Realm},
    domain::{EmailAddress, FieldErrors, OrganizationName, Password},
    std::time::Duration,
};

/// Sets the cookie of a sign-in outcome and sends the browser on: home, or
/// the second step.
#[cfg(feature = "ssr")]
fn continue_sign_in(outcome: SignInOutcome, area: Area) -> Result<(), AppError> {
    let settings = ctx()?.settings;
    match outcome {
        SignInOutcome::Session(token) => {
            let (realm, home) = match area {
                Area::Customer => (Realm::Customer, "/"),
                Area::Staff => (Realm::Staff, "/staff/tickets"),
            };
            set_cookie(&realm.cookie(&settings, &token, settings.session_absolute_timeout))?;
            leptos_axum::redirect(home);
        }
        SignInOutcome::Challenge { token, .. } => {
            let name = challenge_cookie_name(&settings);
            set_cookie(&http_only_cookie(
                name,
                &settings,
                &token,
                CHALLENGE_LIFETIME,
            ))?;
            leptos_axum::redirect(match area {
                Area::Customer => "/sign-in/two-factor",
                Area::Staff => "/staff/sign-in/two-factor",
            });
        }
    }
    Ok(())
}

#[cfg(feature = "ssr")]
fn clear_challenge_cookie() -> Result<(), AppError> {
    let settings = ctx()?.settings;
    let name = challenge_cookie_name(&settings);
    set_cookie(&http_only_cookie(name, &settings, "", Duration::ZERO))
}

/// Anyone: creates an account and its organization, and mails a link that
/// verifies the address and signs in. An address that already has an
/// account gets the same answer (its owner is told instead).
/// Errors: `Validation` (per field).
#[server(endpoint = "auth/sign_up")]
pub async fn sign_up(
    organization_name: String,
    name: String,
    email: String,
    password: String,
) -> Result<(), AppError> {
    let input = domain::auth::SignUp::parse(&organization_name, &name, &email, &password)?;
    let address = domain::query::url("/sign-up/check-email", &[("email", input.email.as_str())]);
    service::sign_up(&ctx()?, &client()?, input).await?;
    leptos_axum::redirect(&address);
    Ok(())
}

/// Anyone holding a verification link: whether it still works (opening it
/// changes nothing). Errors: `NotFound`.
#[server(endpoint = "auth/verify_email/check", input = server_fn::codec::GetUrl)]
pub async fn check_verification(token: String) -> Result<(), AppError> {
    Ok(service::check_verification(&ctx()?, &token).await?)
}

/// Anyone holding a verification link: verifies the address and signs in.
/// Errors: `NotFound` (unknown, used, expired, or the address changed).
#[server(endpoint = "auth/verify_email")]
pub async fn verify_email(token: String) -> Result<(), AppError> {
    let previous = session_token(Realm::Customer)?;
    let outcome = service::verify_email(&ctx()?, &client()?, previous.as_deref(), &token).await?;
    continue_sign_in(outcome, Area::Customer)
}

/// A signed-in, unverified account: mails a new verification link.
/// Errors: `Conflict` (already verified), `RateLimited`.
#[server(endpoint = "auth/verify_email/resend")]
pub async fn resend_verification() -> Result<(), AppError> {
    let account = require_account()?;
    Ok(service::resend_verification(&ctx()?, &account).await?)
}

/// A signed-in, unverified account: corrects its address and mails the link
/// there. Errors: `Validation` (`email`), `Conflict` (already verified).
#[server(endpoint = "auth/verify_email/change_address")]
pub async fn change_sign_up_email(email: String) -> Result<(), AppError> {
    let account = require_account()?;
    let email =
        EmailAddress::parse(&email).map_err(|e| FieldErrors::single("email", e.to_string()))?;
    Ok(service::change_unverified_email(&ctx()?, &account, email).await?)
}

/// Anyone: signs in with email and password; the second factor follows when
/// the account has one. Errors: `InvalidCredentials` (never says which part
/// was wrong), `RateLimited`.
#[server(endpoint = "auth/sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<(), AppError> {
    let previous = session_token(Realm::Customer)?;
    let outcome =
        service::sign_in(&ctx()?, &client()?, previous.as_deref(), &email, password).await?;
    continue_sign_in(outcome, Area::Customer)
}

/// Anyone halfway through signing in: what the second step asks for, or
/// `None` when there is no live challenge (sign in again).
#[server(endpoint = "auth/two_factor/challenge", input = server_fn::codec::GetUrl)]
pub async fn get_sign_in_challenge() -> Result<Option<SignInChallenge>, AppError> {
    match challenge_token()? {
        Some(token) => Ok(service::challenge(&ctx()?, &token).await?),
        None => Ok(None),
    }
}

/// Anyone halfway through signing in: the code from their authenticator, or
/// a recovery code. Opens the session (customer or staff) the first step
/// asked for. Errors: `Validation` (`code`), `Unauthorized` (no live
/// challenge), `RateLimited`.
#[server(endpoint = "auth/two_factor/verify")]
pub async fn verify_sign_in_code(code: String) -> Result<(), AppError> {
    let challenge = challenge_token()?.ok_or(AppError::Unauthorized)?;
    let previous = session_token(Realm::Customer)?;
    let (area, token) =
        service::complete_two_factor(&ctx()?, &client()?, &challenge, previous.as_deref(), &code)
            .await?;
    clear_challenge_cookie()?;
    continue_sign_in(SignInOutcome::Session(token), area)
}

/// Anyone: the signed-in member, or `None` (also for an account that must
/// finish setting up: its member functions answer `SetupRequired`).
#[server(endpoint = "auth/current_user", input = server_fn::codec::GetUrl)]
pub async fn get_current_user() -> Result<Option<CurrentUser>, AppError> {
    if let Some(step) = account()?.and_then(|a| a.setup) {
        return Err(AppError::SetupRequired(step));
    }
    Ok(session()?.map(|s| CurrentUser {
        user_id: s.user_id,
        name: s.name,
        email: s.email,
        role: s.role,
        organization_id: s.organization_id,
        organization_name: s.organization_name,
        memberships: s.memberships,
        two_factor_enabled: s.two_factor_enabled,
    }))
}

/// Any signed-in account: what it must do first, and its organizations.
/// Errors: `Unauthorized`.
#[server(endpoint = "auth/account", input = server_fn::codec::GetUrl)]
pub async fn get_account() -> Result<AccountOverview, AppError> {
    let account = require_account()?;
    Ok(service::account_overview(&ctx()?, &account).await?)
}

/// Anyone: ends the current session (a no-op when there is none).
#[server(endpoint = "auth/sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    let ctx = ctx()?;
    let token = session_token(Realm::Customer)?;
    service::sign_out(&ctx, account()?.as_ref(), token.as_deref()).await?;
    set_cookie(&Realm::Customer.clear_cookie(&ctx.settings))?;
    leptos_axum::redirect("/sign-in");
    Ok(())
}

/// Any signed-in account: ends every session of the user, customer and
/// staff, this one included. Errors: `Unauthorized`.
#[server(endpoint = "auth/sign_out_everywhere")]
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    let account = require_account()?;
    let ctx = ctx()?;
    service::sign_out_everywhere(&ctx, &account).await?;
    set_cookie(&Realm::Customer.clear_cookie(&ctx.settings))?;
    leptos_axum::redirect("/sign-in");
    Ok(())
}

/// Anyone: mails a password reset link if an account has this address, and
/// says the same either way. Errors: `Validation` (`email`), `RateLimited`.
#[server(endpoint = "auth/password_reset/request")]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    service::request_password_reset(&ctx()?, &client()?, &email).await?;
    leptos_axum::redirect("/forgot-password?sent=1");
    Ok(())
}

/// Anyone holding a reset link: whether it still works (opening it changes
/// nothing). Errors: `NotFound`.
#[server(endpoint = "auth/password_reset/check", input = server_fn::codec::GetUrl)]
pub async fn check_password_reset(token: String) -> Result<(), AppError> {
    Ok(service::check_password_reset(&ctx()?, &token).await?)
}

/// Anyone holding a reset link: sets a new password, ends every session of
/// the account and signs in (through the second factor when it has one).
/// Errors: `NotFound` (bad link), `Validation` (`new_password`).
#[server(endpoint = "auth/password_reset")]
pub async fn reset_password(token: String, new_password: String) -> Result<(), AppError> {
    let password = Password::parse(&new_password)
        .map_err(|e| FieldErrors::single("new_password", e.to_string()))?;
    let previous = session_token(Realm::Customer)?;
    let outcome =
        service::reset_password(&ctx()?, &client()?, previous.as_deref(), &token, password).await?;
    continue_sign_in(outcome, Area::Customer)
}

/// Any signed-in account: works in another of their organizations from now
/// on (a new session). Errors: `NotFound` (not theirs), `Unauthorized`.
#[server(endpoint = "auth/switch_organization")]
pub async fn switch_organization(organization_id: Uuid) -> Result<(), AppError> {
    let account = require_account()?;
    let ctx = ctx()?;
    let current = session_token(Realm::Customer)?;
    let token =
        service::switch_organization(&ctx, &account, current.as_deref(), organization_id).await?;
    continue_sign_in(SignInOutcome::Session(token), Area::Customer)
}

/// Any verified account: creates an organization they own and works in it.
/// Errors: `Validation` (`organization_name`), `SetupRequired` (unverified).
#[server(endpoint = "auth/create_organization")]
pub async fn create_organization(organization_name: String) -> Result<(), AppError> {
    let account = require_account()?;
    let name = OrganizationName::parse(&organization_name)
        .map_err(|e| FieldErrors::single("organization_name", e.to_string()))?;
    let ctx = ctx()?;
    let current = session_token(Realm::Customer)?;
    let token = service::create_organization(&ctx, &account, current.as_deref(), name).await?;
    continue_sign_in(SignInOutcome::Session(token), Area::Customer)
}
