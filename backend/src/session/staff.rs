//! Staff sessions: the support console's realm. Staff are app users with a
//! `staff` row; their session lives in `staff_session`, which has no
//! organization, behind a cookie of its own (`Realm::Staff`). Stored like
//! customer sessions (only the token's SHA-256) but not cached: the console
//! has a handful of users.

use crate::client::ClientMeta;
use crate::ctx::Ctx;
use crate::error::Result;
use crate::local_time::LocalTime;
use crate::tokens::{hash_token, new_token};
use domain::support::StaffMember;
use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

/// `last_seen_at` is written at most this often (as for customer sessions).
const TOUCH_INTERVAL_SECS: i64 = 60;

/// The staff member behind a request.
#[derive(Debug, Clone)]
pub struct StaffSession {
    pub session_id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    /// Administers the support team (`crate::staff::members`).
    pub is_admin: bool,
    /// As `AuthSession::time_zone` (staff are app users).
    pub time_zone: Option<String>,
    /// The client of the current request.
    pub client: ClientMeta,
}

impl StaffSession {
    /// As `AuthSession::local_time`.
    pub fn local_time(&self, now: OffsetDateTime) -> LocalTime {
        LocalTime::for_reader(
            self.time_zone.as_deref(),
            self.client.time_zone.as_deref(),
            now,
        )
    }

    pub fn member(&self) -> StaffMember {
        StaffMember {
            user_id: self.user_id,
            name: self.name.clone(),
            email: self.email.clone(),
        }
    }
}

/// Resolves a staff cookie token to a live staff session: not revoked, not
/// past its absolute or idle timeout, and its user still staff.
pub async fn authenticate(ctx: &Ctx, token: &str) -> Result<Option<StaffSession>> {
    let idle = time::Duration::try_from(ctx.settings.session_idle_timeout)
        .map_err(|e| anyhow::anyhow!("idle timeout out of range: {e}"))?;
    let now = ctx.now();
    let Some(row) = find_staff_session(&ctx.db, &hash_token(token), now - idle).await? else {
        return Ok(None);
    };
    if (now - row.last_seen_at).whole_seconds() >= TOUCH_INTERVAL_SECS {
        touch_staff_session(&ctx.db, row.session_id).await?;
    }
    Ok(Some(StaffSession {
        session_id: row.session_id,
        user_id: row.user_id,
        name: row.name,
        email: row.email,
        is_admin: row.is_admin,
        time_zone: row.time_zone,
        client: ClientMeta::default(),
    }))
}

/// Starts a staff session and returns its id and the cookie token.
pub async fn create(
    conn: &mut PgConnection,
    ctx: &Ctx,
    user_id: Uuid,
    meta: &ClientMeta,
) -> Result<(Uuid, String)> {
    let token = new_token()?;
    let absolute = time::Duration::try_from(ctx.settings.session_absolute_timeout)
        .map_err(|e| anyhow::anyhow!("absolute timeout out of range: {e}"))?;
    let id = insert_staff_session(
        conn,
        &hash_token(&token),
        user_id,
        meta.ip.as_deref(),
        meta.user_agent.as_deref(),
        ctx.now() + absolute,
    )
    .await?;
    super::remember_browser_zone(conn, user_id, meta).await?;
    Ok((id, token))
}

/// Ends every staff session of a user (their password was reset or
/// changed, or they were deactivated).
pub async fn end_all_sessions(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        r#"update staff_session set revoked_at = now(), updated_at = now()
           where user_id = $1 and revoked_at is null"#,
        user_id,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Ends the staff session of `token` (a no-op if it is not live).
pub async fn revoke(ctx: &Ctx, token: &str) -> Result<()> {
    revoke_staff_session(&ctx.db, &hash_token(token)).await?;
    Ok(())
}

struct StaffSessionRow {
    session_id: Uuid,
    user_id: Uuid,
    name: String,
    email: String,
    is_admin: bool,
    time_zone: Option<String>,
    last_seen_at: OffsetDateTime,
}

/// A live staff session: not revoked, not past its absolute or idle timeout,
/// and its user still active staff.
async fn find_staff_session(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
    idle_since: OffsetDateTime,
) -> sqlx::Result<Option<StaffSessionRow>> {
    sqlx::query_as!(
        StaffSessionRow,
        r#"select ss.id as session_id, u.id as user_id, u.name, u.email, s.is_admin, u.time_zone, ss.last_seen_at
           from staff_session ss
           join staff s on s.user_id = ss.user_id
           join app_user u on u.id = s.user_id
           where ss.token_hash = $1 and ss.revoked_at is null and s.deactivated_at is null
             and ss.expires_at > now() and ss.last_seen_at > $2"#,
        token_hash,
        idle_since,
    )
    .fetch_optional(db)
    .await
}

async fn insert_staff_session(
    conn: &mut PgConnection,
    token_hash: &[u8],
    user_id: Uuid,
    ip: Option<&str>,
    user_agent: Option<&str>,
    expires_at: OffsetDateTime,
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!(
        r#"insert into staff_session (token_hash, user_id, ip, user_agent, expires_at)
           values ($1, $2, $3, $4, $5) returning id"#,
        token_hash,
        user_id,
        ip,
        user_agent,
        expires_at,
    )
    .fetch_one(conn)
    .await
}

async fn touch_staff_session(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "update staff_session set last_seen_at = now(), updated_at = now() where id = $1",
        id
    )
    .execute(db)
    .await?;
    Ok(())
}

async fn revoke_staff_session(db: impl PgExecutor<'_>, token_hash: &[u8]) -> sqlx::Result<()> {
    sqlx::query!(
        "update staff_session set revoked_at = now(), updated_at = now() where token_hash = $1 and revoked_at is null",
        token_hash,
    )
    .execute(db)
    .await?;
    Ok(())
}
