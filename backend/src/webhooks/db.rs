use serde_json::Value;
use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

pub struct EndpointRow {
    pub id: Uuid,
    pub url: String,
    pub description: String,
    pub event_types: Vec<String>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub created_at: OffsetDateTime,
    pub previous_secret_until: Option<OffsetDateTime>,
    pub failing: i64,
}

/// The organization's endpoints, oldest first, with their recent failures.
pub async fn endpoints(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    id: Option<Uuid>,
) -> sqlx::Result<Vec<EndpointRow>> {
    sqlx::query_as!(
        EndpointRow,
        r#"select e.id, e.url, e.description, e.event_types, e.enabled, e.disabled_reason,
                  e.created_at,
                  case when e.previous_secret_until > now() then e.previous_secret_until end
                      as previous_secret_until,
                  (select count(*) from webhook_delivery d
                    where d.endpoint_id = e.id and d.attempts > 0 and d.status <> 'delivered'
                      and d.updated_at > now() - interval '24 hours') as "failing!"
           from webhook_endpoint e
           where e.organization_id = $1 and ($2::uuid is null or e.id = $2)
           order by e.created_at, e.id"#,
        organization_id,
        id,
    )
    .fetch_all(db)
    .await
}

pub async fn insert_endpoint(
    conn: &mut PgConnection,
    organization_id: Uuid,
    url: &str,
    description: &str,
    event_types: &[String],
    secret: &[u8],
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!(
        r#"insert into webhook_endpoint (organization_id, url, description, event_types, secret)
           values ($1, $2, $3, $4, $5) returning id"#,
        organization_id,
        url,
        description,
        event_types,
        secret,
    )
    .fetch_one(conn)
    .await
}

pub async fn count_endpoints(conn: &mut PgConnection, organization_id: Uuid) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "n!" from webhook_endpoint where organization_id = $1"#,
        organization_id
    )
    .fetch_one(conn)
    .await
}

/// Changes what a person may change; `true` when the endpoint exists here.
pub async fn update_endpoint(
    conn: &mut PgConnection,
    organization_id: Uuid,
    id: Uuid,
    url: &str,
    description: &str,
    event_types: &[String],
    enabled: bool,
) -> sqlx::Result<bool> {
    let updated = sqlx::query!(
        r#"update webhook_endpoint
           set url = $3, description = $4, event_types = $5, enabled = $6,
               disabled_reason = case when $6 then null else disabled_reason end,
               failing_since = case when $6 and not enabled then null else failing_since end,
               updated_at = now()
           where organization_id = $1 and id = $2"#,
        organization_id,
        id,
        url,
        description,
        event_types,
        enabled,
    )
    .execute(conn)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// The new key signs from now on; the old one also signs until `until`.
pub async fn rotate_secret(
    conn: &mut PgConnection,
    organization_id: Uuid,
    id: Uuid,
    secret: &[u8],
    until: OffsetDateTime,
) -> sqlx::Result<bool> {
    let updated = sqlx::query!(
        r#"update webhook_endpoint
           set previous_secret = secret, previous_secret_until = $4, secret = $3, updated_at = now()
           where organization_id = $1 and id = $2"#,
        organization_id,
        id,
        secret,
        until,
    )
    .execute(conn)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Removes the endpoint (and its log); its URL for the audit log.
pub async fn delete_endpoint(
    conn: &mut PgConnection,
    organization_id: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        "delete from webhook_endpoint where organization_id = $1 and id = $2 returning url",
        organization_id,
        id,
    )
    .fetch_optional(conn)
    .await
}

/// Writes an event and one delivery per enabled endpoint subscribed to it
/// (only to `only` for a test event). Nothing at all when no endpoint
/// wants it, so organizations without webhooks store no events.
pub async fn insert_event(
    conn: &mut PgConnection,
    organization_id: Uuid,
    event_type: &str,
    payload: &Value,
    only: Option<Uuid>,
) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar!(
        r#"with subscribed as (
               select e.id from webhook_endpoint e
               where e.organization_id = $1 and e.enabled
                 and (case when $4::uuid is null then $2 = any(e.event_types) else e.id = $4 end))
           , event as (
               insert into webhook_event (organization_id, event_type, payload)
               select $1, $2, $3 where exists (select 1 from subscribed)
               returning id)
           , fanned as (
               insert into webhook_delivery (event_id, endpoint_id)
               select event.id, subscribed.id from event, subscribed)
           select id as "id!" from event"#,
        organization_id,
        event_type,
        payload,
        only,
    )
    .fetch_optional(conn)
    .await
}

pub struct DeliveryRow {
    pub id: Uuid,
    pub event_id: Uuid,
    pub event_type: String,
    pub status: String,
    pub created_at: OffsetDateTime,
    pub next_attempt_at: OffsetDateTime,
    pub payload: Value,
}

/// An endpoint's newest deliveries, optionally of one status.
pub async fn deliveries(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    endpoint_id: Uuid,
    status: Option<&str>,
    limit: i64,
) -> sqlx::Result<Vec<DeliveryRow>> {
    sqlx::query_as!(
        DeliveryRow,
        r#"select d.id, d.event_id, v.event_type, d.status, d.created_at, d.next_attempt_at,
                  v.payload
           from webhook_delivery d
           join webhook_endpoint e on e.id = d.endpoint_id
           join webhook_event v on v.id = d.event_id
           where e.organization_id = $1 and d.endpoint_id = $2
             and ($3::text is null or d.status = $3)
           order by d.created_at desc, d.id
           limit $4"#,
        organization_id,
        endpoint_id,
        status,
        limit,
    )
    .fetch_all(db)
    .await
}

pub struct AttemptRow {
    pub delivery_id: Uuid,
    pub attempted_at: OffsetDateTime,
    pub status_code: Option<i32>,
    pub duration_ms: i32,
    pub response_body: String,
    pub error: Option<String>,
}

pub async fn attempts(
    db: impl PgExecutor<'_>,
    deliveries: &[Uuid],
) -> sqlx::Result<Vec<AttemptRow>> {
    sqlx::query_as!(
        AttemptRow,
        r#"select delivery_id, attempted_at, status_code, duration_ms, response_body, error
           from webhook_attempt where delivery_id = any($1)
           order by attempted_at, id"#,
        deliveries,
    )
    .fetch_all(db)
    .await
}

/// Sends a delivery again now, with the same webhook-id, the retry schedule
/// starting over. `false` when it is not this organization's.
pub async fn resend(
    conn: &mut PgConnection,
    organization_id: Uuid,
    delivery_id: Uuid,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        r#"update webhook_delivery d
           set status = 'pending', retry_step = 0, next_attempt_at = now(), updated_at = now()
           from webhook_endpoint e
           where d.id = $2 and e.id = d.endpoint_id and e.organization_id = $1
           returning e.url"#,
        organization_id,
        delivery_id,
    )
    .fetch_optional(conn)
    .await
}

/// A delivery a worker holds, with what it needs to send it.
pub struct Leased {
    pub id: Uuid,
    pub event_id: Uuid,
    pub retry_step: i32,
    pub payload: Value,
    pub organization_id: Uuid,
    pub endpoint_id: Uuid,
    pub url: String,
    pub enabled: bool,
    pub secret: Vec<u8>,
    pub previous_secret: Option<Vec<u8>>,
    pub failing_since: Option<OffsetDateTime>,
}

/// Takes up to `limit` due deliveries nobody holds, for `lease_seconds`.
pub async fn lease_due(
    db: impl PgExecutor<'_>,
    limit: i64,
    lease_seconds: f64,
) -> sqlx::Result<Vec<Leased>> {
    sqlx::query_as!(
        Leased,
        r#"with due as (
               select id from webhook_delivery
               where status = 'pending' and next_attempt_at <= now()
                 and (locked_until is null or locked_until < now())
               order by next_attempt_at
               limit $1
               for update skip locked)
           update webhook_delivery d
           set locked_until = now() + make_interval(secs => $2)
           from due, webhook_endpoint e, webhook_event v
           where d.id = due.id and e.id = d.endpoint_id and v.id = d.event_id
           returning d.id, d.event_id, d.retry_step, v.payload, e.organization_id,
                     e.id as endpoint_id, e.url, e.enabled, e.secret,
                     case when e.previous_secret_until > now() then e.previous_secret end
                         as previous_secret,
                     e.failing_since"#,
        limit,
        lease_seconds,
    )
    .fetch_all(db)
    .await
}

pub async fn insert_attempt(
    conn: &mut PgConnection,
    delivery_id: Uuid,
    status_code: Option<i32>,
    duration_ms: i32,
    response_body: &str,
    error: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"insert into webhook_attempt (delivery_id, status_code, duration_ms, response_body, error)
           values ($1, $2, $3, $4, $5)"#,
        delivery_id,
        status_code,
        duration_ms,
        response_body,
        error,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Where a delivery goes after an attempt: delivered, failed for good, or
/// pending again at `retry_at`.
pub async fn finish_delivery(
    conn: &mut PgConnection,
    id: Uuid,
    status: &str,
    retry_at: Option<OffsetDateTime>,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"update webhook_delivery
           set status = $2, attempts = attempts + 1,
               retry_step = retry_step + case when $3::timestamptz is null then 0 else 1 end,
               next_attempt_at = coalesce($3, next_attempt_at), locked_until = null,
               updated_at = now()
           where id = $1"#,
        id,
        status,
        retry_at,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A delivery not attempted: its endpoint was turned off meanwhile.
pub async fn fail_unattempted(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "update webhook_delivery set status = 'failed', locked_until = null, updated_at = now()
         where id = $1",
        id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// After a success: the endpoint is healthy again.
pub async fn endpoint_succeeded(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "update webhook_endpoint set failing_since = null where id = $1 and failing_since is not null",
        id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// After a failure: when it started failing, if this is the first.
pub async fn endpoint_failed(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "update webhook_endpoint set failing_since = now() where id = $1 and failing_since is null",
        id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Turns an endpoint off for `reason`; `true` if it was on (so its owners
/// are told once), with the organization's name.
pub async fn disable_endpoint(
    conn: &mut PgConnection,
    id: Uuid,
    reason: &str,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        r#"update webhook_endpoint e set enabled = false, disabled_reason = $2, updated_at = now()
           from organization o
           where e.id = $1 and e.enabled and o.id = e.organization_id
           returning o.name"#,
        id,
        reason,
    )
    .fetch_optional(conn)
    .await
}

/// Every owner of an organization: who hears that an endpoint was disabled.
pub async fn owners(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query!(
        "select u.email, u.name from member m join app_user u on u.id = m.user_id
         where m.organization_id = $1 and m.role = 'owner' order by u.email",
        organization_id,
    )
    .fetch_all(db)
    .await
    .map(|rows| rows.into_iter().map(|r| (r.email, r.name)).collect())
}

/// Forgets events (with their deliveries and attempts) older than `before`.
pub async fn delete_events_before(
    db: impl PgExecutor<'_>,
    before: OffsetDateTime,
) -> sqlx::Result<u64> {
    sqlx::query!("delete from webhook_event where created_at < $1", before)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}
