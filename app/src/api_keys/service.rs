use super::db::{self, ApiKeyRow, NewApiKeyRow};
use super::model::{ApiKey, ApiKeyStatus, CreatedApiKey, GracePeriod, KeyLifetime};
use super::verifier::{hash_key, invalidation_channel};
use crate::domain::api_key::random_body;
use crate::domain::{ApiKeyName, ApiKeyScope, ApiKeySecret, Permission};
use crate::error::{AppError, FieldErrors};
use crate::server::audit;
use crate::server::clock::{display_minutes, new_uuid};
use crate::server::error::violated_constraint;
use crate::server::{require_permission, state, AppState, AuthSession};
use fred::prelude::*;
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use uuid::Uuid;

/// A validated "create key" form.
pub struct NewApiKey {
    pub name: ApiKeyName,
    pub scope: ApiKeyScope,
    pub lifetime: KeyLifetime,
}

impl NewApiKey {
    pub fn parse(name: &str, scope: &str, lifetime: &str) -> Result<Self, AppError> {
        let mut errors = FieldErrors::new();
        let name = errors.check("name", ApiKeyName::parse(name));
        let scope = errors.check("scope", ApiKeyScope::parse(scope));
        let lifetime = errors.check("expires_in", KeyLifetime::parse(lifetime));
        match (name, scope, lifetime) {
            (Some(name), Some(scope), Some(lifetime)) => Ok(Self {
                name,
                scope,
                lifetime,
            }),
            _ => Err(AppError::Validation(errors)),
        }
    }
}

pub async fn list() -> Result<Vec<ApiKey>, AppError> {
    let session = require_permission(Permission::ViewApiKeys)?;
    let state = state()?;
    let now = state.api_keys.now();
    let rows = db::list_api_keys(&state.db, session.organization_id).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| to_wire(row, now))
        .collect())
}

pub async fn create(input: NewApiKey) -> Result<CreatedApiKey, AppError> {
    let session = require_permission(Permission::ManageApiKeys)?;
    let state = state()?;
    let expires_at = match input.lifetime {
        KeyLifetime::Never => None,
        KeyLifetime::Days(days) => Some(state.api_keys.now() + time::Duration::days(days.into())),
    };
    let mut tx = state.db.begin().await?;
    let (id, secret) = insert_new_key(
        &mut tx,
        &session,
        input.name.as_str(),
        input.scope,
        expires_at,
    )
    .await?;
    audit_key(&mut tx, &session, "api_key.created", id, None, Some(json!({
        "name": input.name.as_str(), "scope": input.scope.as_str(), "prefix": secret.display_prefix(),
        "expires_at": expires_at.and_then(|at| at.format(&Rfc3339).ok()),
    })))
    .await?;
    tx.commit().await?;
    created(&state, &session, id, secret).await
}

pub async fn revoke(id: Uuid) -> Result<(), AppError> {
    let session = require_permission(Permission::ManageApiKeys)?;
    let state = state()?;
    let mut tx = state.db.begin().await?;
    // Another organization's id finds nothing here: NotFound, never Forbidden.
    let revoked = db::revoke_api_key(&mut tx, session.organization_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    audit_key(
        &mut tx,
        &session,
        "api_key.revoked",
        id,
        Some(json!({ "name": revoked.name })),
        None,
    )
    .await?;
    tx.commit().await?;
    announce_change(&state, &revoked.key_hash).await;
    Ok(())
}

/// Issues a replacement; the old key keeps working for `grace`, then expires.
pub async fn rotate(id: Uuid, grace: GracePeriod) -> Result<CreatedApiKey, AppError> {
    let session = require_permission(Permission::ManageApiKeys)?;
    let state = state()?;
    let grace_ends = state.api_keys.now() + time::Duration::hours(grace.hours.into());
    let mut tx = state.db.begin().await?;
    let old = db::lock_rotatable(&mut tx, session.organization_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let scope = ApiKeyScope::parse(&old.scope)
        .map_err(|_| anyhow::anyhow!("stored scope {:?} is unknown", old.scope))?;
    let new_id = new_uuid()?;
    // The old row gives up its name first (the unique index only covers current keys).
    db::retire_for_rotation(&mut tx, id, new_id, grace_ends).await?;
    let secret =
        insert_key_with_id(&mut tx, &session, new_id, &old.name, scope, old.expires_at).await?;
    audit_key(
        &mut tx,
        &session,
        "api_key.rotated",
        id,
        Some(json!({ "name": old.name })),
        Some(json!({
            "replaced_by": new_id, "grace_ends": grace_ends.format(&Rfc3339).ok(),
        })),
    )
    .await?;
    tx.commit().await?;
    announce_change(&state, &old.key_hash).await;
    created(&state, &session, new_id, secret).await
}

async fn insert_new_key(
    tx: &mut sqlx::PgConnection,
    session: &AuthSession,
    name: &str,
    scope: ApiKeyScope,
    expires_at: Option<OffsetDateTime>,
) -> Result<(Uuid, ApiKeySecret), AppError> {
    let id = new_uuid()?;
    let secret = insert_key_with_id(tx, session, id, name, scope, expires_at).await?;
    Ok((id, secret))
}

async fn insert_key_with_id(
    tx: &mut sqlx::PgConnection,
    session: &AuthSession,
    id: Uuid,
    name: &str,
    scope: ApiKeyScope,
    expires_at: Option<OffsetDateTime>,
) -> Result<ApiKeySecret, AppError> {
    let secret = generate_secret()?;
    let row = NewApiKeyRow {
        id,
        organization_id: session.organization_id,
        name,
        scope: scope.as_str(),
        key_hash: &hash_key(secret.expose()),
        display_prefix: secret.display_prefix(),
        created_by: session.user_id,
        expires_at,
    };
    match db::insert_api_key(tx, row).await {
        Ok(()) => Ok(secret),
        Err(e) if violated_constraint(&e) == Some("api_key_active_name_key") => {
            Err(AppError::Validation(FieldErrors::single(
                "name",
                "You already have a key with this name. Choose another name.",
            )))
        }
        Err(e) => Err(e.into()),
    }
}

fn generate_secret() -> Result<ApiKeySecret, AppError> {
    // 64 bytes leave ample spare for the ~3% that rejection sampling skips.
    let mut bytes = [0u8; 64];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("OS random source failed: {e}"))?;
    let body =
        random_body(&bytes).ok_or_else(|| anyhow::anyhow!("not enough random bytes for a key"))?;
    ApiKeySecret::from_body(&body)
        .map_err(|e| anyhow::anyhow!("generated key is malformed: {e}").into())
}

async fn created(
    state: &AppState,
    session: &AuthSession,
    id: Uuid,
    secret: ApiKeySecret,
) -> Result<CreatedApiKey, AppError> {
    let now = state.api_keys.now();
    let rows = db::list_api_keys(&state.db, session.organization_id).await?;
    let key = rows
        .into_iter()
        .find(|row| row.id == id)
        .and_then(|row| to_wire(row, now))
        .ok_or(AppError::Internal)?;
    Ok(CreatedApiKey {
        key,
        secret: secret.expose().to_owned(),
    })
}

async fn audit_key(
    tx: &mut sqlx::PgConnection,
    session: &AuthSession,
    action: &str,
    id: Uuid,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<(), AppError> {
    audit::record_member_action(
        tx,
        session,
        action,
        ("api_key", id.to_string()),
        before,
        after,
    )
    .await
}

/// Evicts the key here at once, and on every other instance through Redis.
/// If Redis is down the other instances catch up within the cache TTL.
async fn announce_change(state: &AppState, key_hash: &[u8]) {
    state.api_keys.evict(key_hash);
    let channel = invalidation_channel(&state.settings);
    if let Err(e) = state
        .redis
        .next()
        .publish::<i64, _, _>(channel, hex::encode(key_hash))
        .await
    {
        tracing::warn!(error = %e, "could not announce an API key change; other instances rely on the cache TTL");
    }
}

fn to_wire(row: ApiKeyRow, now: OffsetDateTime) -> Option<ApiKey> {
    let status = if row.revoked_at.is_some() {
        ApiKeyStatus::Revoked
    } else if row.expires_at.is_some_and(|at| at <= now) {
        ApiKeyStatus::Expired
    } else if row.replaced_by.is_some() {
        ApiKeyStatus::Rotating
    } else {
        ApiKeyStatus::Active
    };
    Some(ApiKey {
        id: row.id,
        name: row.name,
        display_prefix: row.display_prefix,
        scope: ApiKeyScope::parse(&row.scope).ok()?,
        created_by: row.created_by,
        created_at: display_minutes(row.created_at),
        last_used_at: row.last_used_at.map(display_minutes),
        expires_at: row.expires_at.map(display_minutes),
        status,
        replaced_by: row.replaced_by,
    })
}
