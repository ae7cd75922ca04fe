use domain::ApiKeyScope;
use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

pub struct NewApiKeyRow<'a> {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: &'a str,
    pub scope: &'a str,
    pub key_hash: &'a [u8],
    pub display_prefix: &'a str,
    pub created_by: Uuid,
    pub expires_at: Option<OffsetDateTime>,
}

pub async fn insert_api_key(conn: &mut PgConnection, key: NewApiKeyRow<'_>) -> sqlx::Result<()> {
    sqlx::query!(
        r#"insert into api_key (id, organization_id, name, scope, key_hash, display_prefix, created_by, expires_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8)"#,
        key.id,
        key.organization_id,
        key.name,
        key.scope,
        key.key_hash,
        key.display_prefix,
        key.created_by,
        key.expires_at,
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub struct ApiKeyRow {
    pub id: Uuid,
    pub name: String,
    pub display_prefix: String,
    pub scope: ApiKeyScope,
    pub created_by: Option<String>,
    pub created_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
    pub expires_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
    pub replaced_by: Option<String>,
}

/// The organization's keys, current ones first, then newest first.
pub async fn list_api_keys(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
) -> sqlx::Result<Vec<ApiKeyRow>> {
    sqlx::query_as!(
        ApiKeyRow,
        r#"select k.id, k.name, k.display_prefix, k.scope as "scope: ApiKeyScope", u.name as "created_by?", k.created_at,
                  k.last_used_at, k.expires_at, k.revoked_at, r.name as "replaced_by?"
           from api_key k
           left join app_user u on u.id = k.created_by
           left join api_key r on r.id = k.replaced_by
           where k.organization_id = $1
           order by (k.revoked_at is null) desc, k.created_at desc, k.id"#,
        organization_id,
    )
    .fetch_all(db)
    .await
}

pub struct RevokedKeyRow {
    pub key_hash: Vec<u8>,
    pub name: String,
}

/// Revokes a key of this organization; `None` if it has no such live key.
pub async fn revoke_api_key(
    conn: &mut PgConnection,
    organization_id: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<RevokedKeyRow>> {
    sqlx::query_as!(
        RevokedKeyRow,
        r#"update api_key set revoked_at = now(), updated_at = now()
           where id = $1 and organization_id = $2 and revoked_at is null
           returning key_hash, name"#,
        id,
        organization_id,
    )
    .fetch_optional(conn)
    .await
}

pub struct RotatableKeyRow {
    pub name: String,
    pub scope: ApiKeyScope,
    pub key_hash: Vec<u8>,
    pub expires_at: Option<OffsetDateTime>,
}

/// Locks a current (not revoked, not already rotated, not expired) key.
pub async fn lock_rotatable(
    conn: &mut PgConnection,
    organization_id: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<RotatableKeyRow>> {
    sqlx::query_as!(
        RotatableKeyRow,
        r#"select name, scope as "scope: ApiKeyScope", key_hash, expires_at from api_key
           where id = $1 and organization_id = $2 and revoked_at is null and replaced_by is null
             and (expires_at is null or expires_at > now())
           for update"#,
        id,
        organization_id,
    )
    .fetch_optional(conn)
    .await
}

/// Points the old key at its successor and ends it after the grace period.
pub async fn retire_for_rotation(
    conn: &mut PgConnection,
    id: Uuid,
    replaced_by: Uuid,
    grace_ends: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"update api_key set replaced_by = $2, expires_at = least(coalesce(expires_at, $3), $3), updated_at = now()
           where id = $1"#,
        id,
        replaced_by,
        grace_ends,
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub struct KeyRecordRow {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub scope: ApiKeyScope,
    pub plan_id: String,
    pub expires_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
}

pub async fn find_for_verification(
    db: impl PgExecutor<'_>,
    key_hash: &[u8],
) -> sqlx::Result<Option<KeyRecordRow>> {
    sqlx::query_as!(
        KeyRecordRow,
        r#"select k.id, k.organization_id, k.scope as "scope: ApiKeyScope", o.plan_id, k.expires_at, k.revoked_at
           from api_key k join organization o on o.id = k.organization_id
           where k.key_hash = $1"#,
        key_hash,
    )
    .fetch_optional(db)
    .await
}

/// One statement for a whole batch of "last used" times.
pub async fn record_last_used(
    db: impl PgExecutor<'_>,
    ids: &[Uuid],
    used_at: &[OffsetDateTime],
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"update api_key k set last_used_at = greatest(k.last_used_at, u.used_at)
           from unnest($1::uuid[], $2::timestamptz[]) as u(id, used_at)
           where k.id = u.id"#,
        ids,
        used_at,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Adds a batch of call counts (one row per organization and hour).
pub async fn add_api_calls(
    db: impl PgExecutor<'_>,
    organizations: &[Uuid],
    periods: &[OffsetDateTime],
    calls: &[i64],
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"insert into api_call_usage (organization_id, period_start, calls)
           select * from unnest($1::uuid[], $2::timestamptz[], $3::bigint[]) as t(o, p, c)
           order by o, p -- lock order: other writers of these rows sort the same way
           on conflict (organization_id, period_start)
           do update set calls = api_call_usage.calls + excluded.calls, updated_at = now()"#,
        organizations,
        periods,
        calls,
    )
    .execute(db)
    .await?;
    Ok(())
}

pub struct AllowanceRow {
    pub api_calls_limit: i64,
    /// Free plans and unpaid subscriptions refuse calls over the limit;
    /// paid plans bill them as overage.
    pub hard: bool,
    pub period_end: OffsetDateTime,
    pub used: i64,
}

/// The organization's API calls this period against the limit in force (the
/// Free plan's while its subscription is unpaid).
pub async fn find_allowance(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
) -> sqlx::Result<Option<AllowanceRow>> {
    sqlx::query_as!(
        AllowanceRow,
        r#"select l.api_calls_limit, l.price_cents = 0 as "hard!",
                  s.current_period_end as period_end,
                  coalesce((select sum(u.calls) from api_call_usage u
                            where u.organization_id = o.id and u.period_start >= s.current_period_start
                              and u.period_start < s.current_period_end), 0)::bigint as "used!"
           from organization o join subscription s on s.organization_id = o.id
           join plan l on l.id = limits_plan_id(o.plan_id, s.status)
           where o.id = $1"#,
        organization_id,
    )
    .fetch_optional(db)
    .await
}
