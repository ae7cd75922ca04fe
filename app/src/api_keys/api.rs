//! Server functions of API keys: thin adapters over `backend::api_keys::service`.

use domain::api_keys::{ApiKey, CreatedApiKey};
use domain::AppError;
use leptos::prelude::*;
use uuid::Uuid;

#[cfg(feature = "ssr")]
use {
    crate::request::{ctx, require_permission, state},
    backend::api_keys::service,
    domain::api_keys::{GracePeriod, NewApiKey},
    domain::Permission,
};

/// Owner, admin, member: the organization's API keys (never their secrets).
/// Errors: `Unauthorized`, `Forbidden` (billing role).
#[server(endpoint = "api_keys/list", input = server_fn::codec::GetUrl)]
pub async fn list_api_keys() -> Result<Vec<ApiKey>, AppError> {
    let session = require_permission(Permission::ViewApiKeys)?;
    Ok(service::list(&ctx()?, &session).await?)
}

/// Owner, admin: creates a key and returns its secret, this once.
/// Errors: `Validation` (name, scope, expiry; duplicate name), `Forbidden`.
#[server(endpoint = "api_keys/create")]
pub async fn create_api_key(
    name: String,
    scope: String,
    expires_in: String,
) -> Result<CreatedApiKey, AppError> {
    let session = require_permission(Permission::ManageApiKeys)?;
    let input = NewApiKey::parse(&name, &scope, &expires_in)?;
    Ok(service::create(&ctx()?, &session, input).await?)
}

/// Owner, admin: revokes a key at once, on every server.
/// Errors: `NotFound` (also for other organizations' keys), `Forbidden`.
#[server(endpoint = "api_keys/revoke")]
pub async fn revoke_api_key(id: Uuid) -> Result<(), AppError> {
    let session = require_permission(Permission::ManageApiKeys)?;
    let state = state()?;
    Ok(service::revoke(&state, &state.api_keys, &session, id).await?)
}

/// Owner, admin: issues a replacement key (returned this once); the old key
/// keeps working for the grace period (`grace_hours`: 1, 24 or 168).
/// Errors: `NotFound`, `Validation`, `Forbidden`.
#[server(endpoint = "api_keys/rotate")]
pub async fn rotate_api_key(id: Uuid, grace_hours: String) -> Result<CreatedApiKey, AppError> {
    let session = require_permission(Permission::ManageApiKeys)?;
    let grace = GracePeriod::from_form(&grace_hours)?;
    let state = state()?;
    Ok(service::rotate(&state, &state.api_keys, &session, id, grace).await?)
}
