//! Sessions. The cookie holds a random 256-bit token; Postgres stores only its
//! SHA-256 (the record), and Redis caches the resolved session for a minute so
//! most requests cost one Redis GET. Losing Redis costs speed, never a session.

use super::{AppState, ClientMeta, Settings};
use crate::domain::Role;
use crate::error::AppError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use cookie::{Cookie, SameSite};
use fred::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
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
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthSession {
    pub session_id: Uuid,
    pub user_id: Uuid,
    pub organization_id: Uuid,
    pub role: Role,
    pub email: String,
    pub name: String,
    pub organization_name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub last_seen_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// A new random session token, as it goes into the cookie.
pub fn new_token() -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("OS random source failed: {e}"))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

pub fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn cache_key(settings: &Settings, token_hash: &[u8]) -> String {
    settings.redis_key("session", &hex::encode(token_hash))
}

/// Starts a session for a user in an organization and returns the cookie token.
pub async fn create(
    conn: &mut PgConnection,
    settings: &Settings,
    user_id: Uuid,
    organization_id: Uuid,
    meta: &ClientMeta,
) -> Result<(Uuid, String), AppError> {
    let token = new_token()?;
    let expires_at = OffsetDateTime::now_utc() + settings.session_absolute_timeout;
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
    .fetch_one(conn)
    .await?;
    Ok((id, token))
}

/// Resolves a cookie token to a live session, or `None` when it is unknown,
/// revoked, expired (absolute) or idle too long.
pub async fn authenticate(state: &AppState, token: &str) -> Result<Option<AuthSession>, AppError> {
    let token_hash = hash_token(token);
    let key = cache_key(&state.settings, &token_hash);
    let now = OffsetDateTime::now_utc();

    let cached = match state.redis.get::<Option<String>, _>(&key).await {
        Ok(value) => value.and_then(|json| serde_json::from_str::<AuthSession>(&json).ok()),
        Err(e) => {
            tracing::warn!(error = %e, "session cache unavailable, reading Postgres");
            None
        }
    };
    let from_cache = cached.is_some();
    let session = match cached {
        Some(session) => session,
        None => match load(&state.db, &token_hash).await? {
            Some(session) => session,
            None => return Ok(None),
        },
    };

    if now >= session.expires_at
        || now - session.last_seen_at >= state.settings.session_idle_timeout
    {
        revoke_by_hash(state, &token_hash).await?;
        return Ok(None);
    }
    let stale = (now - session.last_seen_at).whole_seconds() >= TOUCH_INTERVAL_SECS;
    let session = if stale {
        touch(&state.db, session.session_id).await?;
        AuthSession {
            last_seen_at: now,
            ..session
        }
    } else {
        session
    };
    // A cache hit that was not touched is already cached as is: no second round trip.
    if !from_cache || stale {
        cache(state, &key, &session).await;
    }
    Ok(Some(session))
}

async fn load(db: &sqlx::PgPool, token_hash: &[u8]) -> Result<Option<AuthSession>, AppError> {
    let row = sqlx::query!(
        r#"select s.id, s.user_id, s.organization_id, s.last_seen_at, s.expires_at,
                  m.role, u.email, u.name, o.name as organization_name
           from session s
           join member m on m.organization_id = s.organization_id and m.user_id = s.user_id
           join app_user u on u.id = s.user_id
           join organization o on o.id = s.organization_id
           where s.token_hash = $1 and s.revoked_at is null and s.expires_at > now()"#,
        token_hash,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.and_then(|r| {
        Some(AuthSession {
            session_id: r.id,
            user_id: r.user_id,
            organization_id: r.organization_id,
            role: r.role.parse().ok()?,
            email: r.email,
            name: r.name,
            organization_name: r.organization_name,
            last_seen_at: r.last_seen_at,
            expires_at: r.expires_at,
        })
    }))
}

async fn touch(db: &sqlx::PgPool, session_id: Uuid) -> Result<(), AppError> {
    sqlx::query!(
        "update session set last_seen_at = now(), updated_at = now() where id = $1",
        session_id
    )
    .execute(db)
    .await?;
    Ok(())
}

async fn cache(state: &AppState, key: &str, session: &AuthSession) {
    let Ok(json) = serde_json::to_string(session) else {
        return;
    };
    let ttl = CACHE_TTL_SECS
        .min((session.expires_at - OffsetDateTime::now_utc()).whole_seconds())
        .max(1);
    if let Err(e) = state
        .redis
        .set::<(), _, _>(key, json, Some(Expiration::EX(ttl)), None, false)
        .await
    {
        tracing::warn!(error = %e, "could not cache session");
    }
}

/// Ends a session everywhere: the Postgres row first (the record), then the
/// cache entry. If Redis is down the cached copy expires within a minute, but
/// `revoked_at` already makes every Postgres lookup fail.
pub async fn revoke(state: &AppState, token: &str) -> Result<(), AppError> {
    revoke_by_hash(state, &hash_token(token)).await
}

async fn revoke_by_hash(state: &AppState, token_hash: &[u8]) -> Result<(), AppError> {
    sqlx::query!(
        "update session set revoked_at = now(), updated_at = now() where token_hash = $1 and revoked_at is null",
        token_hash,
    )
    .execute(&state.db)
    .await?;
    let key = cache_key(&state.settings, token_hash);
    if let Err(e) = state.redis.del::<i64, _>(&key).await {
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
pub async fn evict_cached(state: &AppState, token_hashes: &[Vec<u8>]) {
    if token_hashes.is_empty() {
        return;
    }
    let keys: Vec<String> = token_hashes
        .iter()
        .map(|hash| cache_key(&state.settings, hash))
        .collect();
    if let Err(e) = state.redis.del::<i64, _>(keys).await {
        tracing::warn!(error = %e, "could not evict sessions from cache");
    }
}

/// `Set-Cookie` value that stores the session token.
pub fn session_cookie(settings: &Settings, token: &str) -> String {
    Cookie::build((settings.session_cookie_name(), token.to_owned()))
        .path("/")
        .http_only(true)
        .secure(settings.secure_cookies)
        .same_site(SameSite::Lax)
        .max_age(cookie::time::Duration::seconds(
            settings.session_absolute_timeout.as_secs() as i64,
        ))
        .build()
        .to_string()
}

/// `Set-Cookie` value that removes the session cookie.
pub fn clear_session_cookie(settings: &Settings) -> String {
    Cookie::build((settings.session_cookie_name(), ""))
        .path("/")
        .http_only(true)
        .secure(settings.secure_cookies)
        .same_site(SameSite::Lax)
        .max_age(cookie::time::Duration::ZERO)
        .build()
        .to_string()
}

/// The session token from a `Cookie` header, if present.
pub fn token_from_headers(settings: &Settings, headers: &http::HeaderMap) -> Option<String> {
    let name = settings.session_cookie_name();
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == name && !cookie.value().is_empty())
        .map(|cookie| cookie.value().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_bit_and_unique() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_ne!(a, b);
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).unwrap().len(), 32);
    }

    #[test]
    fn only_the_hash_is_derived_for_storage() {
        let token = new_token().unwrap();
        let hash = hash_token(&token);
        assert_eq!(hash.len(), 32);
        assert!(!hex::encode(&hash).contains(&token));
    }

    #[test]
    fn cookie_is_http_only_and_same_site_lax() {
        let settings = Settings {
            secure_cookies: true,
            ..Settings::default()
        };
        let cookie = session_cookie(&settings, "abc");
        assert!(cookie.starts_with("__Host-portal_session=abc"), "{cookie}");
        for attribute in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
            assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
        }
    }

    #[test]
    fn token_is_read_from_the_right_cookie() {
        let settings = Settings::default();
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::COOKIE,
            "theme=dark; portal_session=tok123".parse().unwrap(),
        );
        assert_eq!(
            token_from_headers(&settings, &headers).as_deref(),
            Some("tok123")
        );
    }
}
