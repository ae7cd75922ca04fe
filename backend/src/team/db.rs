//! All SQL of the team feature. Every query names the organization, which the
//! service always takes from the session.

use domain::{EmailAddress, Role};
use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

pub struct MemberRow {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub joined_at: OffsetDateTime,
    pub last_active: Option<OffsetDateTime>,
}

/// One page of members matching `pattern` (an ILIKE pattern, already
/// escaped), owners first, then by name. The organization's rows come from
/// the member primary key; "last active" is looked up for this page only.
pub async fn list_members(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    pattern: Option<&str>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<MemberRow>> {
    sqlx::query_as!(
        MemberRow,
        r#"select p.user_id as "user_id!", p.name as "name!", p.email as "email!", p.role as "role!: Role",
                  p.joined_at as "joined_at!",
                  (select max(s.last_seen_at) from session s
                   where s.organization_id = $1 and s.user_id = p.user_id) as last_active
           from (select u.id as user_id, u.name, u.email, m.role, m.created_at as joined_at
                 from member m join app_user u on u.id = m.user_id
                 where m.organization_id = $1
                   and ($2::text is null or u.name ilike $2 or u.email ilike $2)
                 order by case m.role when 'owner' then 0 when 'admin' then 1 when 'billing' then 2 else 3 end,
                          lower(u.name), u.id
                 limit $3 offset $4) p
           order by case p.role when 'owner' then 0 when 'admin' then 1 when 'billing' then 2 else 3 end,
                    lower(p.name), p.user_id"#,
        organization_id,
        pattern,
        limit,
        offset,
    )
    .fetch_all(db)
    .await
}

pub async fn count_members(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    pattern: Option<&str>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "count!"
           from member m join app_user u on u.id = m.user_id
           where m.organization_id = $1
             and ($2::text is null or u.name ilike $2 or u.email ilike $2)"#,
        organization_id,
        pattern,
    )
    .fetch_one(db)
    .await
}

pub struct SeatRow {
    pub members: i64,
    pub pending_invitations: i64,
    pub seats_limit: i64,
    pub plan_name: String,
    pub organization_name: String,
}

/// Seats in use: members plus invitations that can still be accepted, and
/// the seats of the plan that allows fewest among the plan in force, a
/// scheduled downgrade, and Free when the subscription is canceled at the
/// period end or unpaid: a seat taken now must still exist then.
pub async fn seat_usage(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    now: OffsetDateTime,
) -> sqlx::Result<SeatRow> {
    sqlx::query_as!(
        SeatRow,
        r#"select (select count(*) from member m where m.organization_id = o.id) as "members!",
                  (select count(*) from invitation i
                   where i.organization_id = o.id and i.accepted_at is null and i.revoked_at is null
                     and i.expires_at > $2) as "pending_invitations!",
                  p.seats_limit::bigint as "seats_limit!", p.name as plan_name, o.name as organization_name
           from organization o join subscription s on s.organization_id = o.id
           cross join lateral (
               select seats_limit, name from plan
               where id = o.plan_id or id = s.scheduled_plan_id
                  or (id = 'free' and (s.cancel_at_period_end or s.status = 'unpaid'))
               order by seats_limit, id = o.plan_id desc
               limit 1) p
           where o.id = $1"#,
        organization_id,
        now,
    )
    .fetch_one(db)
    .await
}

/// Serializes every change to an organization's team (seats, owners): the
/// checks that follow read counts that no concurrent transaction can change.
pub async fn lock_team(conn: &mut PgConnection, organization_id: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "select id from organization where id = $1 for update",
        organization_id
    )
    .fetch_one(conn)
    .await?;
    Ok(())
}

pub struct TeamMemberRow {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub role: Role,
}

pub async fn find_member(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    user_id: Uuid,
) -> sqlx::Result<Option<TeamMemberRow>> {
    sqlx::query_as!(
        TeamMemberRow,
        r#"select u.id as user_id, u.name, u.email, m.role as "role: Role"
           from member m join app_user u on u.id = m.user_id
           where m.organization_id = $1 and m.user_id = $2"#,
        organization_id,
        user_id,
    )
    .fetch_optional(db)
    .await
}

pub async fn is_member_email(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    email: &EmailAddress,
) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"select exists(select 1 from member m join app_user u on u.id = m.user_id
                         where m.organization_id = $1 and u.email = $2) as "exists!""#,
        organization_id,
        email.as_str(),
    )
    .fetch_one(db)
    .await
}

pub async fn count_owners(conn: &mut PgConnection, organization_id: Uuid) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "count!" from member where organization_id = $1 and role = 'owner'"#,
        organization_id,
    )
    .fetch_one(conn)
    .await
}

pub async fn update_role(
    conn: &mut PgConnection,
    organization_id: Uuid,
    user_id: Uuid,
    role: Role,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update member set role = $3, updated_at = now() where organization_id = $1 and user_id = $2",
        organization_id,
        user_id,
        role.as_str(),
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete_member(
    conn: &mut PgConnection,
    organization_id: Uuid,
    user_id: Uuid,
) -> sqlx::Result<()> {
    sqlx::query!(
        "delete from member where organization_id = $1 and user_id = $2",
        organization_id,
        user_id,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Adds a member unless they already are one; `false` when they were.
pub async fn insert_member_if_absent(
    conn: &mut PgConnection,
    organization_id: Uuid,
    user_id: Uuid,
    role: Role,
) -> sqlx::Result<bool> {
    let inserted = sqlx::query!(
        r#"insert into member (organization_id, user_id, role) values ($1, $2, $3)
           on conflict on constraint member_pkey do nothing"#,
        organization_id,
        user_id,
        role.as_str(),
    )
    .execute(conn)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

pub struct NewInvitationRow<'a> {
    pub organization_id: Uuid,
    pub email: &'a EmailAddress,
    pub role: Role,
    pub token_hash: &'a [u8],
    pub invited_by: Uuid,
    pub expires_at: OffsetDateTime,
}

pub async fn insert_invitation(
    conn: &mut PgConnection,
    row: NewInvitationRow<'_>,
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!(
        r#"insert into invitation (organization_id, email, role, token_hash, invited_by, expires_at)
           values ($1, $2, $3, $4, $5, $6) returning id"#,
        row.organization_id,
        row.email.as_str(),
        row.role.as_str(),
        row.token_hash,
        row.invited_by,
        row.expires_at,
    )
    .fetch_one(conn)
    .await
}

pub struct InvitationRow {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    pub invited_by: Option<String>,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// Invitations that were neither accepted nor revoked (expired ones included,
/// so they can be resent), newest first.
pub async fn list_open_invitations(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
) -> sqlx::Result<Vec<InvitationRow>> {
    sqlx::query_as!(
        InvitationRow,
        r#"select i.id, i.email, i.role as "role: Role", u.name as "invited_by?", i.created_at, i.expires_at
           from invitation i left join app_user u on u.id = i.invited_by
           where i.organization_id = $1 and i.accepted_at is null and i.revoked_at is null
           order by i.created_at desc, i.id"#,
        organization_id,
    )
    .fetch_all(db)
    .await
}

pub struct OpenInvitationRow {
    pub email: String,
    pub role: Role,
}

/// Locks one open invitation of this organization; `None` for any other id.
pub async fn lock_open_invitation(
    conn: &mut PgConnection,
    organization_id: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<OpenInvitationRow>> {
    sqlx::query_as!(
        OpenInvitationRow,
        r#"select email, role as "role: Role" from invitation
           where id = $1 and organization_id = $2 and accepted_at is null and revoked_at is null
           for update"#,
        id,
        organization_id,
    )
    .fetch_optional(conn)
    .await
}

/// `reason` is `revoked` or `resent`.
pub async fn revoke_invitation(
    conn: &mut PgConnection,
    id: Uuid,
    reason: &str,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update invitation set revoked_at = $2, revoked_reason = $3, updated_at = now() where id = $1",
        id,
        now,
        reason,
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub struct InvitationByTokenRow {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub organization_name: String,
    pub invited_by: Option<String>,
    pub email: String,
    pub role: Role,
    pub expires_at: OffsetDateTime,
    pub accepted_at: Option<OffsetDateTime>,
    pub revoked_reason: Option<String>,
    pub account_exists: bool,
}

pub async fn find_invitation_by_token(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
) -> sqlx::Result<Option<InvitationByTokenRow>> {
    sqlx::query_as!(
        InvitationByTokenRow,
        r#"select i.id, i.organization_id, o.name as organization_name, u.name as "invited_by?",
                  i.email, i.role as "role: Role", i.expires_at, i.accepted_at, i.revoked_reason,
                  exists(select 1 from app_user a where a.email = i.email) as "account_exists!"
           from invitation i
           join organization o on o.id = i.organization_id
           left join app_user u on u.id = i.invited_by
           where i.token_hash = $1"#,
        token_hash,
    )
    .fetch_optional(db)
    .await
}

/// Marks the invitation accepted if, and only if, it is still open and
/// unexpired. One statement, so concurrent accepts cannot both win: the row
/// lock makes the others re-check and find `accepted_at` set.
pub async fn claim_invitation(
    conn: &mut PgConnection,
    id: Uuid,
    user_id: Uuid,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    let claimed = sqlx::query!(
        r#"update invitation set accepted_at = $3, accepted_by = $2, updated_at = now()
           where id = $1 and accepted_at is null and revoked_at is null and expires_at > $3"#,
        id,
        user_id,
        now,
    )
    .execute(conn)
    .await?;
    Ok(claimed.rows_affected() == 1)
}
