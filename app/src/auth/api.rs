use super::model::CurrentUser;
use crate::error::AppError;
use leptos::prelude::*;

/// Anyone: creates an organization with the caller as its owner and signs them in.
/// Errors: `Validation` (per field, including an email that is already registered).
#[server(endpoint = "auth/sign_up")]
pub async fn sign_up(
    organization_name: String,
    name: String,
    email: String,
    password: String,
) -> Result<(), AppError> {
    let input = super::service::SignUp::parse(&organization_name, &name, &email, &password)?;
    super::service::sign_up(input).await?;
    leptos_axum::redirect("/");
    Ok(())
}

/// Anyone: signs in with email and password.
/// Errors: `InvalidCredentials` (never says which part was wrong), `RateLimited`.
#[server(endpoint = "auth/sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<(), AppError> {
    super::service::sign_in(&email, password).await?;
    leptos_axum::redirect("/");
    Ok(())
}

/// Anyone: ends the current session (a no-op when there is none).
#[server(endpoint = "auth/sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    super::service::sign_out().await?;
    leptos_axum::redirect("/sign-in");
    Ok(())
}

/// Anyone: the signed-in user, or `None`.
#[server(endpoint = "auth/current_user", input = server_fn::codec::GetUrl)]
pub async fn get_current_user() -> Result<Option<CurrentUser>, AppError> {
    Ok(
        crate::server::context::current_session()?.map(|s| CurrentUser {
            user_id: s.user_id,
            name: s.name,
            email: s.email,
            role: s.role,
            organization_id: s.organization_id,
            organization_name: s.organization_name,
        }),
    )
}
