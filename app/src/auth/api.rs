//! Server functions of sign-up, sign-in and sign-out: thin adapters over
//! `backend::auth::service`. They set the session cookie the service's
//! answer names.

use domain::auth::CurrentUser;
use domain::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    crate::request::{client, session, session_token, set_cookie, state},
    backend::auth::service,
    backend::session::{customer::clear_session_cookie, customer::session_cookie, Realm},
};

/// Anyone: creates an organization with the caller as its owner and signs them in.
/// Errors: `Validation` (per field, including an email that is already registered).
#[server(endpoint = "auth/sign_up")]
pub async fn sign_up(
    organization_name: String,
    name: String,
    email: String,
    password: String,
) -> Result<(), AppError> {
    let input = domain::auth::SignUp::parse(&organization_name, &name, &email, &password)?;
    let state = state()?;
    let previous = session_token(Realm::Customer)?;
    let token = service::sign_up(&state, &client()?, previous.as_deref(), input).await?;
    set_cookie(&session_cookie(&state.settings, &token))?;
    leptos_axum::redirect("/");
    Ok(())
}

/// Anyone: signs in with email and password.
/// Errors: `InvalidCredentials` (never says which part was wrong), `RateLimited`.
#[server(endpoint = "auth/sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<(), AppError> {
    let state = state()?;
    let previous = session_token(Realm::Customer)?;
    let token = service::sign_in(&state, &client()?, previous.as_deref(), &email, password).await?;
    set_cookie(&session_cookie(&state.settings, &token))?;
    leptos_axum::redirect("/");
    Ok(())
}

/// Anyone: ends the current session (a no-op when there is none).
#[server(endpoint = "auth/sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    let state = state()?;
    let token = session_token(Realm::Customer)?;
    service::sign_out(&state, session()?.as_ref(), token.as_deref()).await?;
    set_cookie(&clear_session_cookie(&state.settings))?;
    leptos_axum::redirect("/sign-in");
    Ok(())
}

/// Anyone: the signed-in user, or `None`.
#[server(endpoint = "auth/current_user", input = server_fn::codec::GetUrl)]
pub async fn get_current_user() -> Result<Option<CurrentUser>, AppError> {
    Ok(session()?.map(|s| CurrentUser {
        user_id: s.user_id,
        name: s.name,
        email: s.email,
        role: s.role,
        organization_id: s.organization_id,
        organization_name: s.organization_name,
    }))
}
