//! Customer sessions. The cookie holds a random 256-bit token; Postgres stores
//! only its SHA-256 (the record), and Redis caches the resolved session for a
//! minute so most requests cost one Redis GET. Losing Redis costs speed, never
//! a session.

use super::Realm;
use crate::client::ClientMeta;
use crate::ctx::Ctx;
use crate::error::Result;
use crate::local_time::LocalTime;
use crate::settings::Settings;
use crate::tokens::{hash_token, new_token};
use domain::auth::{Membership, SetupStep};
use domain::{AppError, Permission, Role};
use fred::prelude::*;
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

/// How long Redis may serve a session without asking Postgres. It bounds how
/// stale a cached role can be if an invalidation message is ever lost.
const CACHE_TTL_SECS: i64 = 60;
/// `last_seen_at` is written at most this often: the idle timeout is
/// measured in minutes, so a write per request would buy nothing.
const TOUCH_INTERVAL_SECS: i64 = 60;

/// The signed-in member behind a request: who, in which organization, with
/// which role. Inserted into request extensions by the session middleware.
#[derive(Debug, Clone)]
pub struct AuthSession {
    pub session_id: Uuid,
    pub user_id: Uuid,
    pub organization_id: Uuid,
    pub role: Role,
    pub email: String,
    pub name: String,
    pub organization_name: String,
    /// Every organization of the user (for the switcher).
    pub memberships: Vec<Membership>,
    pub two_factor_enabled: bool,
    pub last_seen_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    /// The zone the person chose or their first sign-in stored (`None`
    /// until then); see [`AuthSession::local_time`].
    pub time_zone: Option<String>,
    /// The client of the current request.
    pub client: ClientMeta,
}

impl AuthSession {
    /// Instants as this person reads them (their zone, else their
    /// browser's, else UTC), relative to `now`.
    pub fn local_time(&self, now: OffsetDateTime) -> LocalTime {
        LocalTime::for_reader(
            self.time_zone.as_deref(),
            self.client.time_zone.as_deref(),
            now,
        )
    }

    /// `Forbidden` unless this member's role grants `permission`.
    pub fn require(&self, permission: Permission) -> Result<()> {
        if self.role.can(permission) {
            Ok(())
        } else {
            Err(AppError::Forbidden.into())
        }
    }

    /// The same person, at account level.
    pub fn account(&self) -> AccountSession {
        AccountSession {
            session_id: self.session_id,
            user_id: self.user_id,
            email: self.email.clone(),
            name: self.name.clone(),
            organization_id: Some(self.organization_id),
            setup: None,
            client: self.client.clone(),
        }
    }
}

/// Whoever holds a customer session, member of an organization or not: the
/// account pages (setup, security, organizations) work with this. Inserted
/// into request extensions for every live customer session.
#[derive(Debug, Clone)]
pub struct AccountSession {
    pub session_id: Uuid,
    pub user_id: Uuid,
    pub email: String,
    pub name: String,
    /// The organization the session works in, while the user is its member
    /// (its log lists what the account does).
    pub organization_id: Option<Uuid>,
    /// What the account must do before it sees organization data; `None`
    /// when it is a member session.
    pub setup: Option<SetupStep>,
    pub client: ClientMeta,
}

/// A live customer session, as the middleware hands it on.
#[derive(Debug, Clone)]
pub enum CustomerSession {
    Member(AuthSession),
    Restricted(AccountSession),
}

/// What Postgres knows of a session, cached in Redis as is. Whether it is a
/// member session is decided from it on every request (`into_session`).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SessionRecord {
    session_id: Uuid,
    user_id: Uuid,
    email: String,
    name: String,
    email_verified: bool,
    two_factor_enabled: bool,
    /// The session's organization, while the user is still its member.
    organization: Option<CurrentOrganization>,
    memberships: Vec<Membership>,
    #[serde(with = "time::serde::rfc3339")]
    last_seen_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    expires_at: OffsetDateTime,
    /// Default: records cached before the column existed.
    #[serde(default)]
    time_zone: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct CurrentOrganization {
    id: Uuid,
    name: String,
    role: Role,
    require_two_factor: bool,
}

impl SessionRecord {
    fn into_session(self, client: ClientMeta) -> CustomerSession {
        let account = |setup| AccountSession {
            session_id: self.session_id,
            user_id: self.user_id,
            email: self.email.clone(),
            name: self.name.clone(),
            organization_id: self.organization.as_ref().map(|o| o.id),
            setup: Some(setup),
            client: client.clone(),
        };
        if !self.email_verified {
            return CustomerSession::Restricted(account(SetupStep::VerifyEmail));
        }
        let Some(organization) = &self.organization else {
            return CustomerSession::Restricted(account(SetupStep::CreateOrganization));
        };
        if organization.require_two_factor && !self.two_factor_enabled {
            return CustomerSession::Restricted(account(SetupStep::EnrollTwoFactor));
        }
        CustomerSession::Member(AuthSession {
            session_id: self.session_id,
            user_id: self.user_id,
            organization_id: organization.id,
            role: organization.role,
            email: self.email,
            name: self.name,
            organization_name: organization.name.clone(),
            memberships: self.memberships,
            two_factor_enabled: self.two_factor_enabled,
            last_seen_at: self.last_seen_at,
            expires_at: self.expires_at,
            time_zone: self.time_zone,
            client,
        })
    }
}

fn cache_key(settings: &Settings, token_hash: &[u8]) -> String {
    settings.redis_key("session", &hex::encode(token_hash))
}

/// Starts a session for a user, in an organization or (none) at account
/// level, and returns its id and the cookie token.
pub async fn create(
    conn: &mut PgConnection,
    ctx: &Ctx,
    user_id: Uuid,
    organization_id: Option<Uuid>,
    meta: &ClientMeta,
) -> Result<(Uuid, String)> {
    let token = new_token()?;
    let expires_at = ctx.now() + ctx.settings.session_absolute_timeout;
    let id = sqlx::query_scalar!(
        r#"insert into session (token_hash, user_id, organization_id, ip, user_agent, expires_at)
           values ($1, $2, $3, $4, $5, $6) returning id"#,
        hash_token(&token),
        user_id,
        organization_id,
        meta.ip,
        meta.user_agent,
        expires_at,
    )
    .fetch_one(&mut *conn)
    .await?;
    super::remember_browser_zone(conn, user_id, meta).await?;
    Ok((id, token))
}

/// Resolves a cookie token to a live session, or `None` when it is unknown,
/// revoked, expired (absolute) or idle too long.
pub async fn authenticate(
    ctx: &Ctx,
    token: &str,
    client: ClientMeta,
) -> Result<Option<CustomerSession>> {
    let token_hash = hash_token(token);
    let key = cache_key(&ctx.settings, &token_hash);
    let now = ctx.now();
    let Some((record, from_cache)) = find(ctx, &token_hash, &key).await? else {
        return Ok(None);
    };
    if expired(ctx, &record) {
        revoke_by_hash(ctx, &token_hash).await?;
        return Ok(None);
    }
    let stale = (now - record.last_seen_at).whole_seconds() >= TOUCH_INTERVAL_SECS;
    let record = if stale {
        touch(&ctx.db, record.session_id).await?;
        SessionRecord {
            last_seen_at: now,
            ..record
        }
    } else {
        record
    };
    // A cache hit that was not touched is already cached as is: no second round trip.
    if !from_cache || stale {
        cache(ctx, &key, &record).await;
    }
    Ok(Some(record.into_session(client)))
}

/// What `token` names now, without touching it: for a long-lived stream that
/// checks every few seconds whether its session still stands, and must not
/// keep that session alive by doing so.
pub async fn peek(ctx: &Ctx, token: &str) -> Result<Option<CustomerSession>> {
    let token_hash = hash_token(token);
    let key = cache_key(&ctx.settings, &token_hash);
    Ok(find(ctx, &token_hash, &key)
        .await?
        .filter(|(record, _)| !expired(ctx, record))
        .map(|(record, _)| record.into_session(ClientMeta::default())))
}

/// The session's record from the cache, else Postgres (`true` when cached).
async fn find(ctx: &Ctx, token_hash: &[u8], key: &str) -> Result<Option<(SessionRecord, bool)>> {
    let cached = match ctx
        .redis_call(ctx.redis.get::<Option<String>, _>(key))
        .await
    {
        Ok(value) => value.and_then(|json| serde_json::from_str::<SessionRecord>(&json).ok()),
        Err(e) => {
            tracing::warn!(error = %e, "session cache unavailable, reading Postgres");
            None
        }
    };
    if let Some(record) = cached {
        return Ok(Some((record, true)));
    }
    Ok(load(&ctx.db, token_hash)
        .await?
        .map(|record| (record, false)))
}

fn expired(ctx: &Ctx, record: &SessionRecord) -> bool {
    let now = ctx.now();
    now >= record.expires_at || now - record.last_seen_at >= ctx.settings.session_idle_timeout
}

async fn load(db: &sqlx::PgPool, token_hash: &[u8]) -> Result<Option<SessionRecord>> {
    let row = sqlx::query!(
        r#"select s.id, s.user_id, s.last_seen_at, s.expires_at, u.email, u.name, u.time_zone,
                  u.email_verified_at is not null as "email_verified!",
                  u.totp_enabled_at is not null as "two_factor_enabled!",
                  o.id as "organization_id?", o.name as "organization_name?",
                  m.role as "role?: Role", o.require_two_factor as "require_two_factor?",
                  coalesce((select json_agg(json_build_object(
                                'organization_id', mo.id, 'organization_name', mo.name,
                                'role', mm.role, 'plan_name', p.name) order by lower(mo.name), mo.id)
                            from member mm
                            join organization mo on mo.id = mm.organization_id
                            join plan p on p.id = mo.plan_id
                            where mm.user_id = s.user_id), '[]') as "memberships!: Json<Vec<Membership>>"
           from session s
           join app_user u on u.id = s.user_id
           left join member m on m.organization_id = s.organization_id and m.user_id = s.user_id
           left join organization o on o.id = m.organization_id
           where s.token_hash = $1 and s.revoked_at is null and s.expires_at > now()"#,
        token_hash,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| SessionRecord {
        session_id: r.id,
        user_id: r.user_id,
        email: r.email,
        name: r.name,
        email_verified: r.email_verified,
        two_factor_enabled: r.two_factor_enabled,
        organization: match (r.organization_id, r.organization_name, r.role) {
            (Some(id), Some(name), Some(role)) => Some(CurrentOrganization {
                id,
                name,
                role,
                require_two_factor: r.require_two_factor.unwrap_or(false),
            }),
            _ => None,
        },
        memberships: r.memberships.0,
        last_seen_at: r.last_seen_at,
        expires_at: r.expires_at,
        time_zone: r.time_zone,
    }))
}

async fn touch(db: &sqlx::PgPool, session_id: Uuid) -> Result<()> {
    sqlx::query!(
        "update session set last_seen_at = now(), updated_at = now() where id = $1",
        session_id
    )
    .execute(db)
    .await?;
    Ok(())
}

async fn cache(ctx: &Ctx, key: &str, session: &SessionRecord) {
    let Ok(json) = serde_json::to_string(session) else {
        return;
    };
    let ttl = CACHE_TTL_SECS
        .min((session.expires_at - ctx.now()).whole_seconds())
        .max(1);
    let stored = ctx.redis_call(ctx.redis.set::<(), _, _>(
        key,
        json,
        Some(Expiration::EX(ttl)),
        None,
        false,
    ));
    if let Err(e) = stored.await {
        tracing::warn!(error = %e, "could not cache session");
    }
}

/// Ends a session everywhere: the Postgres row first (the record), then the
/// cache entry. If Redis is down the cached copy expires within a minute, but
/// `revoked_at` already makes every Postgres lookup fail.
pub async fn revoke(ctx: &Ctx, token: &str) -> Result<()> {
    revoke_by_hash(ctx, &hash_token(token)).await
}

async fn revoke_by_hash(ctx: &Ctx, token_hash: &[u8]) -> Result<()> {
    sqlx::query!(
        "update session set revoked_at = now(), updated_at = now() where token_hash = $1 and revoked_at is null",
        token_hash,
    )
    .execute(&ctx.db)
    .await?;
    let key = cache_key(&ctx.settings, token_hash);
    if let Err(e) = ctx.redis_call(ctx.redis.del::<i64, _>(&key)).await {
        tracing::warn!(error = %e, "could not evict revoked session from cache");
    }
    Ok(())
}

/// Revokes every live session of one member in one organization (removed,
/// or left) and returns their token hashes, for `evict_cached` after commit.
pub async fn end_member_sessions(
    conn: &mut PgConnection,
    organization_id: Uuid,
    user_id: Uuid,
) -> sqlx::Result<Vec<Vec<u8>>> {
    sqlx::query_scalar!(
        r#"update session set revoked_at = now(), updated_at = now()
           where organization_id = $1 and user_id = $2 and revoked_at is null
           returning token_hash"#,
        organization_id,
        user_id,
    )
    .fetch_all(conn)
    .await
}

/// Revokes every live customer session of a user (a reset or changed
/// password, "sign out everywhere") and returns their token hashes, for
/// `evict_cached` after commit.
pub async fn end_all_sessions(
    conn: &mut PgConnection,
    user_id: Uuid,
) -> sqlx::Result<Vec<Vec<u8>>> {
    sqlx::query_scalar!(
        r#"update session set revoked_at = now(), updated_at = now()
           where user_id = $1 and revoked_at is null
           returning token_hash"#,
        user_id,
    )
    .fetch_all(conn)
    .await
}

/// Token hashes of one member's live sessions in one organization: their
/// cached copies carry the role, so a role change must drop them.
pub async fn member_session_hashes(
    conn: &mut PgConnection,
    organization_id: Uuid,
    user_id: Uuid,
) -> sqlx::Result<Vec<Vec<u8>>> {
    sqlx::query_scalar!(
        r#"select token_hash from session
           where organization_id = $1 and user_id = $2 and revoked_at is null"#,
        organization_id,
        user_id,
    )
    .fetch_all(conn)
    .await
}

/// Drops the cached copies of sessions whose record changed (revoked, or the
/// user's name, email or organization changed). If Redis is down the copies
/// expire within `CACHE_TTL_SECS`; a revocation is already final in Postgres.
pub async fn evict_cached(ctx: &Ctx, token_hashes: &[Vec<u8>]) {
    if token_hashes.is_empty() {
        return;
    }
    let keys: Vec<String> = token_hashes
        .iter()
        .map(|hash| cache_key(&ctx.settings, hash))
        .collect();
    if let Err(e) = ctx.redis_call(ctx.redis.del::<i64, _>(keys)).await {
        tracing::warn!(error = %e, "could not evict sessions from cache");
    }
}

/// `Set-Cookie` value that stores the session token.
pub fn session_cookie(settings: &Settings, token: &str) -> String {
    Realm::Customer.cookie(settings, token, settings.session_absolute_timeout)
}

/// `Set-Cookie` value that removes the session cookie.
pub fn clear_session_cookie(settings: &Settings) -> String {
    Realm::Customer.clear_cookie(settings)
}
