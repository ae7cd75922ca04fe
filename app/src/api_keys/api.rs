use super::model::{ApiKey, CreatedApiKey};
use crate::error::AppError;
use leptos::prelude::*;
use uuid::Uuid;

/// Owner, admin, member: the organization's API keys (never their secrets).
/// Errors: `Unauthorized`, `Forbidden` (billing role).
#[server(endpoint = "api_keys/list", input = server_fn::codec::GetUrl)]
pub async fn list_api_keys() -> Result<Vec<ApiKey>, AppError> {
    super::service::list().await
}

/// Owner, admin: creates a key and returns its secret, this once.
/// Errors: `Validation` (name, scope, expiry; duplicate name), `Forbidden`.
#[server(endpoint = "api_keys/create")]
pub async fn create_api_key(
    name: String,
    scope: String,
    expires_in: String,
) -> Result<CreatedApiKey, AppError> {
    let input = super::service::NewApiKey::parse(&name, &scope, &expires_in)?;
    super::service::create(input).await
}

/// Owner, admin: revokes a key at once, on every server.
/// Errors: `NotFound` (also for other organizations' keys), `Forbidden`.
#[server(endpoint = "api_keys/revoke")]
pub async fn revoke_api_key(id: Uuid) -> Result<(), AppError> {
    super::service::revoke(id).await
}

/// Owner, admin: issues a replacement key (returned this once); the old key
/// keeps working for the grace period (`grace_hours`: 1, 24 or 168).
/// Errors: `NotFound`, `Validation`, `Forbidden`.
#[server(endpoint = "api_keys/rotate")]
pub async fn rotate_api_key(id: Uuid, grace_hours: String) -> Result<CreatedApiKey, AppError> {
    use crate::error::FieldErrors;
    let grace = super::model::GracePeriod::parse(&grace_hours)
        .map_err(|e| AppError::Validation(FieldErrors::single("grace_hours", e.to_string())))?;
    super::service::rotate(id, grace).await
}
