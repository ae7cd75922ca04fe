//! SQL of the support team and its invitations.

use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

pub struct MemberRow {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub is_admin: bool,
    pub two_factor: bool,
    pub deactivated_at: Option<OffsetDateTime>,
    pub last_active: Option<OffsetDateTime>,
    pub assigned_open: i64,
}

/// Every staff member, active first, then by name.
pub async fn list_members(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<MemberRow>> {
    sqlx::query_as!(
        MemberRow,
        r#"select u.id as user_id, u.name, u.email, s.is_admin,
                  u.totp_enabled_at is not null as "two_factor!",
                  s.deactivated_at,
                  (select max(ss.last_seen_at) from staff_session ss where ss.user_id = s.user_id) as last_active,
                  (select count(*) from ticket t
                   where t.assignee_id = s.user_id and t.status in ('open', 'pending')) as "assigned_open!"
           from staff s join app_user u on u.id = s.user_id
           order by s.deactivated_at is not null, lower(u.name), u.id"#
    )
    .fetch_all(db)
    .await
}

pub struct LockedMember {
    pub email: String,
    pub is_admin: bool,
    pub deactivated_at: Option<OffsetDateTime>,
}

/// Locks the active admins' rows and the target's, in one order, so that two
/// admins changing each other at once cannot both succeed and leave the team
/// without an admin: the second sees the first's change. Returns whether
/// `admin_id` is still an active admin, and the target.
pub async fn lock_for_change(
    conn: &mut PgConnection,
    admin_id: Uuid,
    target_id: Uuid,
) -> sqlx::Result<(bool, Option<LockedMember>)> {
    let locked = sqlx::query!(
        r#"select s.user_id, u.email, s.is_admin, s.deactivated_at
           from staff s join app_user u on u.id = s.user_id
           where (s.is_admin and s.deactivated_at is null) or s.user_id = $1
           order by s.user_id
           for update of s"#,
        target_id,
    )
    .fetch_all(conn)
    .await?;
    let admin_ok = locked
        .iter()
        .any(|r| r.user_id == admin_id && r.is_admin && r.deactivated_at.is_none());
    let target = locked
        .into_iter()
        .find(|r| r.user_id == target_id)
        .map(|r| LockedMember {
            email: r.email,
            is_admin: r.is_admin,
            deactivated_at: r.deactivated_at,
        });
    Ok((admin_ok, target))
}

pub async fn set_deactivated(
    conn: &mut PgConnection,
    user_id: Uuid,
    at: Option<OffsetDateTime>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update staff set deactivated_at = $2, updated_at = now() where user_id = $1",
        user_id,
        at,
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_admin(conn: &mut PgConnection, user_id: Uuid, is_admin: bool) -> sqlx::Result<()> {
    sqlx::query!(
        "update staff set is_admin = $2, updated_at = now() where user_id = $1",
        user_id,
        is_admin,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Gives back the tickets still waiting on a staff member: they return to
/// the queue (and its alerts go to everyone). Resolved and closed tickets
/// keep their agent, whose ratings they carry.
pub async fn unassign_open_tickets(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<u64> {
    let done = sqlx::query!(
        r#"update ticket set assignee_id = null, updated_at = now()
           where assignee_id = $1 and status in ('open', 'pending')"#,
        user_id,
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// The staff member with this email, if any: (user id, deactivated).
pub async fn find_by_email(
    db: impl PgExecutor<'_>,
    email: &str,
) -> sqlx::Result<Option<(Uuid, bool)>> {
    let row = sqlx::query!(
        r#"select s.user_id, s.deactivated_at is not null as "deactivated!"
           from staff s join app_user u on u.id = s.user_id
           where u.email = $1"#,
        email,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.user_id, r.deactivated)))
}

// ------------------------------------------------------------ invitations

pub struct InviteRow {
    pub id: Uuid,
    pub email: String,
    pub is_admin: bool,
    pub invited_by: Option<String>,
    pub expires_at: OffsetDateTime,
}

/// Invitations neither accepted nor revoked, newest first.
pub async fn list_open_invitations(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<InviteRow>> {
    sqlx::query_as!(
        InviteRow,
        r#"select i.id, i.email, i.is_admin, u.name as "invited_by?", i.expires_at
           from staff_invitation i left join app_user u on u.id = i.invited_by
           where i.accepted_at is null and i.revoked_at is null
           order by i.created_at desc, i.id"#
    )
    .fetch_all(db)
    .await
}

/// Withdraws every open invitation to `email` (a new one replaces them).
pub async fn revoke_open_to(conn: &mut PgConnection, email: &str) -> sqlx::Result<()> {
    sqlx::query!(
        r#"update staff_invitation set revoked_at = now(), updated_at = now()
           where lower(email) = lower($1) and accepted_at is null and revoked_at is null"#,
        email,
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn insert_invitation(
    conn: &mut PgConnection,
    email: &str,
    is_admin: bool,
    token_hash: &[u8],
    invited_by: Uuid,
    expires_at: OffsetDateTime,
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!(
        r#"insert into staff_invitation (email, is_admin, token_hash, invited_by, expires_at)
           values ($1, $2, $3, $4, $5) returning id"#,
        email,
        is_admin,
        token_hash,
        invited_by,
        expires_at,
    )
    .fetch_one(conn)
    .await
}

/// Withdraws an open invitation; returns its email, `None` if none is open.
pub async fn revoke_invitation(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        r#"update staff_invitation set revoked_at = now(), updated_at = now()
           where id = $1 and accepted_at is null and revoked_at is null
           returning email"#,
        id,
    )
    .fetch_optional(conn)
    .await
}

pub struct InvitationByTokenRow {
    pub id: Uuid,
    pub email: String,
    pub is_admin: bool,
    pub invited_by: Option<String>,
    pub expires_at: OffsetDateTime,
    pub accepted_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
    pub account_exists: bool,
}

pub async fn find_invitation_by_token(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
) -> sqlx::Result<Option<InvitationByTokenRow>> {
    sqlx::query_as!(
        InvitationByTokenRow,
        r#"select i.id, i.email, i.is_admin, u.name as "invited_by?", i.expires_at,
                  i.accepted_at, i.revoked_at,
                  exists(select 1 from app_user a where a.email = i.email) as "account_exists!"
           from staff_invitation i left join app_user u on u.id = i.invited_by
           where i.token_hash = $1"#,
        token_hash,
    )
    .fetch_optional(db)
    .await
}

/// Marks the invitation accepted if, and only if, it is still open and
/// unexpired: one statement, so two concurrent accepts cannot both win.
pub async fn claim_invitation(
    conn: &mut PgConnection,
    id: Uuid,
    user_id: Uuid,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    let claimed = sqlx::query!(
        r#"update staff_invitation set accepted_at = $3, accepted_by = $2, updated_at = now()
           where id = $1 and accepted_at is null and revoked_at is null and expires_at > $3"#,
        id,
        user_id,
        now,
    )
    .execute(conn)
    .await?;
    Ok(claimed.rows_affected() == 1)
}

/// Makes the user staff; `false` if they already are (active or not).
pub async fn insert_staff(
    conn: &mut PgConnection,
    user_id: Uuid,
    is_admin: bool,
) -> sqlx::Result<bool> {
    let inserted = sqlx::query!(
        "insert into staff (user_id, is_admin) values ($1, $2) on conflict (user_id) do nothing",
        user_id,
        is_admin,
    )
    .execute(conn)
    .await?;
    Ok(inserted.rows_affected() == 1)
}
