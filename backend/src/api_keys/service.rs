//! API key lifecycle: list, create, rotate (with a grace period) and revoke.
//! The secret exists only in the answer to create/rotate; the database keeps
//! its SHA-256. A revocation or rotation evicts the key from every instance's
//! verifier (`verifier.rs`) after commit. The adapter has already checked
//! `ViewApiKeys` or `ManageApiKeys`.

use super::db::{self, ApiKeyRow, NewApiKeyRow};
use super::verifier::{hash_key, invalidation_channel, ApiKeyVerifier};
use crate::ctx::Ctx;
use crate::error::{OnConstraint, Result};
use crate::local_time::LocalTime;
use crate::session::AuthSession;
use crate::tokens::new_uuid;
use crate::uow::UnitOfWork;
use crate::webhooks::events::emit;
use domain::api_keys::{
    random_body, ApiKey, ApiKeyStatus, CreatedApiKey, GracePeriod, KeyLifetime, NewApiKey,
};
use domain::webhooks::EventType;
use domain::{ApiKeyScope, ApiKeySecret, AppError, FieldErrors};
use fred::prelude::*;
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use uuid::Uuid;

/// The organization's keys, newest first, with their status now.
pub async fn list(ctx: &Ctx, session: &AuthSession) -> Result<Vec<ApiKey>> {
    let now = ctx.now();
    let rows = db::list_api_keys(&ctx.db, session.organization_id).await?;
    let local = session.local_time(now);
    Ok(rows
        .into_iter()
        .map(|row| to_wire(row, now, &local))
        .collect())
}

/// A new key; the answer carries its secret, the only time it is shown.
/// Errors: `Validation` (`name` already used by a current key).
pub async fn create(ctx: &Ctx, session: &AuthSession, input: NewApiKey) -> Result<CreatedApiKey> {
    let expires_at = match input.lifetime {
        KeyLifetime::Never => None,
        KeyLifetime::Days(days) => Some(ctx.now() + time::Duration::days(days.into())),
    };
    let mut tx = ctx.db.begin().await?;
    let (id, secret) = insert_new_key(
        &mut tx,
        session,
        input.name.as_str(),
        input.scope,
        expires_at,
    )
    .await?;
    session
        .audit("api_key.created")
        .target("api_key", id)
        .after(json!({
            "name": input.name.as_str(), "scope": input.scope.as_str(), "prefix": secret.display_prefix(),
            "expires_at": expires_at.and_then(|at| at.format(&Rfc3339).ok()),
        }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    created(ctx, session, id, secret).await
}

/// Revokes a key at once, on every instance. Errors: `NotFound` (another
/// organization's id finds nothing here, never `Forbidden`).
pub async fn revoke(
    ctx: &Ctx,
    verifier: &ApiKeyVerifier,
    session: &AuthSession,
    id: Uuid,
) -> Result<()> {
    let mut uow = UnitOfWork::begin(ctx).await?;
    let revoked = db::revoke_api_key(&mut uow, session.organization_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    session
        .audit("api_key.revoked")
        .target("api_key", id)
        .before(json!({ "name": revoked.name }))
        .record(&mut uow)
        .await?;
    let data = json!({ "id": id, "name": revoked.name });
    emit(
        &mut uow,
        session.organization_id,
        EventType::ApiKeyRevoked,
        data,
    )
    .await?;
    announce_change(&mut uow, verifier, revoked.key_hash);
    uow.commit().await
}

/// Issues a replacement; the old key keeps working for `grace`, then expires.
pub async fn rotate(
    ctx: &Ctx,
    verifier: &ApiKeyVerifier,
    session: &AuthSession,
    id: Uuid,
    grace: GracePeriod,
) -> Result<CreatedApiKey> {
    let grace_ends = ctx.now() + time::Duration::hours(grace.hours.into());
    let mut uow = UnitOfWork::begin(ctx).await?;
    let old = db::lock_rotatable(&mut uow, session.organization_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let new_id = new_uuid()?;
    // The old row gives up its name first (the unique index only covers current keys).
    db::retire_for_rotation(&mut uow, id, new_id, grace_ends).await?;
    let secret = insert_key_with_id(
        &mut uow,
        session,
        new_id,
        &old.name,
        old.scope,
        old.expires_at,
    )
    .await?;
    session
        .audit("api_key.rotated")
        .target("api_key", id)
        .before(json!({ "name": old.name }))
        .after(json!({
            "replaced_by": new_id, "grace_ends": grace_ends.format(&Rfc3339).ok(),
        }))
        .record(&mut uow)
        .await?;
    announce_change(&mut uow, verifier, old.key_hash);
    uow.commit().await?;
    created(ctx, session, new_id, secret).await
}

async fn insert_new_key(
    tx: &mut sqlx::PgConnection,
    session: &AuthSession,
    name: &str,
    scope: ApiKeyScope,
    expires_at: Option<OffsetDateTime>,
) -> Result<(Uuid, ApiKeySecret)> {
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
) -> Result<ApiKeySecret> {
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
    db::insert_api_key(tx, row)
        .await
        .on_constraint("api_key_active_name_key", || {
            FieldErrors::single(
                "name",
                "You already have a key with this name. Choose another name.",
            )
        })?;
    Ok(secret)
}

fn generate_secret() -> Result<ApiKeySecret> {
    // 64 bytes leave ample spare for the ~3% that rejection sampling skips.
    let mut bytes = [0u8; 64];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("OS random source failed: {e}"))?;
    let body =
        random_body(&bytes).ok_or_else(|| anyhow::anyhow!("not enough random bytes for a key"))?;
    ApiKeySecret::from_body(&body)
        .map_err(|e| anyhow::anyhow!("generated key is malformed: {e}").into())
}

async fn created(
    ctx: &Ctx,
    session: &AuthSession,
    id: Uuid,
    secret: ApiKeySecret,
) -> Result<CreatedApiKey> {
    let now = ctx.now();
    let rows = db::list_api_keys(&ctx.db, session.organization_id).await?;
    let key = rows
        .into_iter()
        .find(|row| row.id == id)
        .map(|row| to_wire(row, now, &session.local_time(now)))
        .ok_or(AppError::internal())?;
    Ok(CreatedApiKey {
        key,
        secret: secret.expose().to_owned(),
    })
}

/// After commit, evicts the key here at once, and on every other instance
/// through Redis. If Redis is down the other instances catch up within the
/// cache TTL.
fn announce_change(uow: &mut UnitOfWork<'_>, verifier: &ApiKeyVerifier, key_hash: Vec<u8>) {
    let verifier = verifier.clone();
    uow.after_commit(move |ctx| async move {
        verifier.evict(&key_hash);
        let channel = invalidation_channel(&ctx.settings);
        let published = ctx.redis_call(
            ctx.redis
                .next()
                .publish::<i64, _, _>(channel, hex::encode(&key_hash)),
        );
        if let Err(e) = published.await {
            tracing::warn!(error = %e, "could not announce an API key change; other instances rely on the cache TTL");
        }
    });
}

fn to_wire(row: ApiKeyRow, now: OffsetDateTime, local: &LocalTime) -> ApiKey {
    let status = if row.revoked_at.is_some() {
        ApiKeyStatus::Revoked
    } else if row.expires_at.is_some_and(|at| at <= now) {
        ApiKeyStatus::Expired
    } else if row.replaced_by.is_some() {
        ApiKeyStatus::Rotating
    } else {
        ApiKeyStatus::Active
    };
    ApiKey {
        id: row.id,
        name: row.name,
        display_prefix: row.display_prefix,
        scope: row.scope,
        created_by: row.created_by,
        created_at: local.moment(row.created_at),
        last_used_at: row.last_used_at.map(|at| local.moment(at)),
        expires_at: row.expires_at.map(|at| local.moment(at)),
        status,
        replaced_by: row.replaced_by,
    }
}
