use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

pub struct SettingsRow {
    pub organization_name: String,
    pub require_two_factor: bool,
    pub billing_email: Option<String>,
    pub name: String,
    pub email: String,
    pub time_zone: Option<String>,
}

pub async fn find_settings(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    user_id: Uuid,
) -> sqlx::Result<SettingsRow> {
    sqlx::query_as!(
        SettingsRow,
        r#"select o.name as organization_name, o.require_two_factor, o.billing_email, u.name, u.email, u.time_zone
           from organization o, app_user u
           where o.id = $1 and u.id = $2"#,
        organization_id,
        user_id,
    )
    .fetch_one(db)
    .await
}

pub struct OrganizationRow {
    pub name: String,
    pub billing_email: Option<String>,
}

/// Locks the organization row so two concurrent edits audit true "before" values.
pub async fn lock_organization(
    conn: &mut PgConnection,
    organization_id: Uuid,
) -> sqlx::Result<OrganizationRow> {
    sqlx::query_as!(
        OrganizationRow,
        "select name, billing_email from organization where id = $1 for update",
        organization_id,
    )
    .fetch_one(conn)
    .await
}

pub async fn update_organization_name(
    conn: &mut PgConnection,
    organization_id: Uuid,
    name: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update organization set name = $2, updated_at = now() where id = $1",
        organization_id,
        name,
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn update_billing_email(
    conn: &mut PgConnection,
    organization_id: Uuid,
    billing_email: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update organization set billing_email = $2, updated_at = now() where id = $1",
        organization_id,
        billing_email,
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub struct UserRow {
    pub name: String,
    pub email: String,
    pub password_hash: String,
}

pub async fn lock_user(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<UserRow> {
    sqlx::query_as!(
        UserRow,
        "select name, email, password_hash from app_user where id = $1 for update",
        user_id,
    )
    .fetch_one(conn)
    .await
}

/// The user's zone as stored (`None` until their first sign-in or choice),
/// locked so two changes audit true "before" values.
pub async fn lock_user_time_zone(
    conn: &mut PgConnection,
    user_id: Uuid,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        "select time_zone from app_user where id = $1 for update",
        user_id
    )
    .fetch_one(conn)
    .await
}

pub async fn update_user_time_zone(
    conn: &mut PgConnection,
    user_id: Uuid,
    time_zone: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update app_user set time_zone = $2, updated_at = now() where id = $1",
        user_id,
        time_zone,
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn find_password_hash(db: impl PgExecutor<'_>, user_id: Uuid) -> sqlx::Result<String> {
    sqlx::query_scalar!("select password_hash from app_user where id = $1", user_id)
        .fetch_one(db)
        .await
}

pub async fn update_user_name(
    conn: &mut PgConnection,
    user_id: Uuid,
    name: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update app_user set name = $2, updated_at = now() where id = $1",
        user_id,
        name,
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn update_password_hash(
    conn: &mut PgConnection,
    user_id: Uuid,
    password_hash: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update app_user set password_hash = $2, updated_at = now() where id = $1",
        user_id,
        password_hash,
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn update_user_email(
    conn: &mut PgConnection,
    user_id: Uuid,
    email: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update app_user set email = $2, updated_at = now() where id = $1",
        user_id,
        email,
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn email_is_taken(db: impl PgExecutor<'_>, email: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"select exists (select 1 from app_user where email = $1) as "taken!""#,
        email
    )
    .fetch_one(db)
    .await
}

/// Revokes every live session of a user except `keep`; returns their token
/// hashes so the caller can evict them from the cache.
pub async fn revoke_sessions_except(
    conn: &mut PgConnection,
    user_id: Uuid,
    keep: Uuid,
) -> sqlx::Result<Vec<Vec<u8>>> {
    sqlx::query_scalar!(
        r#"update session set revoked_at = now(), updated_at = now()
           where user_id = $1 and id <> $2 and revoked_at is null
           returning token_hash"#,
        user_id,
        keep,
    )
    .fetch_all(conn)
    .await
}

/// Revokes one live session of this user; `None` if they have no such session.
pub async fn revoke_session(
    conn: &mut PgConnection,
    user_id: Uuid,
    session_id: Uuid,
) -> sqlx::Result<Option<Vec<u8>>> {
    sqlx::query_scalar!(
        r#"update session set revoked_at = now(), updated_at = now()
           where id = $1 and user_id = $2 and revoked_at is null and expires_at > now()
           returning token_hash"#,
        session_id,
        user_id,
    )
    .fetch_optional(conn)
    .await
}

/// Token hashes of the live sessions of a user, or of every member of an
/// organization: the cache entries to drop after their data changed.
pub async fn live_token_hashes(
    db: impl PgExecutor<'_>,
    user_id: Option<Uuid>,
    organization_id: Option<Uuid>,
) -> sqlx::Result<Vec<Vec<u8>>> {
    sqlx::query_scalar!(
        r#"select token_hash from session
           where revoked_at is null and expires_at > now()
             and (user_id = $1 or organization_id = $2)"#,
        user_id,
        organization_id,
    )
    .fetch_all(db)
    .await
}

pub struct SessionRow {
    pub id: Uuid,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub organization_name: Option<String>,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
}

/// A user's sessions that still work: not revoked, not past their absolute
/// expiry, and seen since `idle_cutoff`. Most recently used first.
pub async fn list_live_sessions(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    idle_cutoff: OffsetDateTime,
) -> sqlx::Result<Vec<SessionRow>> {
    sqlx::query_as!(
        SessionRow,
        r#"select s.id, s.ip, s.user_agent, o.name as "organization_name?", s.created_at, s.last_seen_at
           from session s left join organization o on o.id = s.organization_id
           where s.user_id = $1 and s.revoked_at is null and s.expires_at > now()
             and s.last_seen_at > $2
           order by s.last_seen_at desc, s.id"#,
        user_id,
        idle_cutoff,
    )
    .fetch_all(db)
    .await
}

/// Sets whether the organization requires two-factor authentication;
/// returns the value before.
pub async fn set_require_two_factor(
    conn: &mut PgConnection,
    organization_id: Uuid,
    required: bool,
) -> sqlx::Result<bool> {
    let before = sqlx::query_scalar!(
        "select require_two_factor from organization where id = $1 for update",
        organization_id,
    )
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query!(
        "update organization set require_two_factor = $2, updated_at = now() where id = $1",
        organization_id,
        required,
    )
    .execute(conn)
    .await?;
    Ok(before)
}

/// Ends the user's pending email changes (a new request replaces them).
pub async fn cancel_pending_email_changes(
    conn: &mut PgConnection,
    user_id: Uuid,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"update email_change set cancelled_at = now(), updated_at = now()
           where user_id = $1 and consumed_at is null and cancelled_at is null"#,
        user_id,
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub struct NewEmailChange<'a> {
    pub user_id: Uuid,
    pub organization_id: Uuid,
    pub new_email: &'a str,
    pub token_hash: &'a [u8],
    pub expires_at: OffsetDateTime,
}

pub async fn insert_email_change(
    conn: &mut PgConnection,
    change: NewEmailChange<'_>,
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!(
        r#"insert into email_change (user_id, organization_id, new_email, token_hash, expires_at)
           values ($1, $2, $3, $4, $5) returning id"#,
        change.user_id,
        change.organization_id,
        change.new_email,
        change.token_hash,
        change.expires_at,
    )
    .fetch_one(conn)
    .await
}

pub struct PendingEmailChangeRow {
    pub new_email: String,
    pub expires_at: OffsetDateTime,
}

pub async fn find_pending_email_change(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
) -> sqlx::Result<Option<PendingEmailChangeRow>> {
    sqlx::query_as!(
        PendingEmailChangeRow,
        r#"select new_email, expires_at from email_change
           where user_id = $1 and consumed_at is null and cancelled_at is null and expires_at > now()
           order by created_at desc limit 1"#,
        user_id,
    )
    .fetch_optional(db)
    .await
}

pub struct EmailChangeRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub organization_id: Option<Uuid>,
    pub new_email: String,
    pub old_email: String,
}

/// The usable (unspent, not superseded, not expired) change a token names.
pub async fn find_usable_email_change(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
) -> sqlx::Result<Option<EmailChangeRow>> {
    sqlx::query_as!(
        EmailChangeRow,
        r#"select c.id, c.user_id, c.organization_id, c.new_email, u.email as old_email
           from email_change c join app_user u on u.id = c.user_id
           where c.token_hash = $1 and c.consumed_at is null and c.cancelled_at is null
             and c.expires_at > now()"#,
        token_hash,
    )
    .fetch_optional(db)
    .await
}

/// Marks a usable change spent, atomically: of two concurrent confirmations
/// only one gets the row back.
pub async fn consume_email_change(
    conn: &mut PgConnection,
    token_hash: &[u8],
) -> sqlx::Result<Option<EmailChangeRow>> {
    sqlx::query_as!(
        EmailChangeRow,
        r#"update email_change c set consumed_at = now(), updated_at = now()
           from app_user u
           where u.id = c.user_id and c.token_hash = $1 and c.consumed_at is null
             and c.cancelled_at is null and c.expires_at > now()
           returning c.id as "id!", c.user_id as "user_id!", c.organization_id,
                     c.new_email as "new_email!", u.email as "old_email!""#,
        token_hash,
    )
    .fetch_optional(conn)
    .await
}
