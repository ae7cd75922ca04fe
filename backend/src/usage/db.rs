use domain::usage::Metric;
use sqlx::{PgConnection, PgExecutor};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// Reported events, column by column (arrays bind as one parameter each).
pub struct EventColumns {
    pub organization_ids: Vec<Uuid>,
    pub event_ids: Vec<String>,
    pub metrics: Vec<String>,
    pub quantities: Vec<i64>,
    pub occurred_at: Vec<OffsetDateTime>,
}

/// Which of `ids` are organizations.
pub async fn existing_organizations(
    db: impl PgExecutor<'_>,
    ids: &[Uuid],
) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar!(r#"select id from organization where id = any($1)"#, ids)
        .fetch_all(db)
        .await
}

/// Records a batch in one statement: new events go into the ledger; the API
/// calls among them (not duplicates of earlier ones) are queued, summed per
/// organization and hour, for [`apply_pending_calls`]; storage reports update
/// their rollup at once. Returns the organizations whose usage changed and how
/// many events were new.
pub async fn insert_events(
    db: impl PgExecutor<'_>,
    events: &EventColumns,
) -> sqlx::Result<(Vec<Uuid>, i64)> {
    let row = sqlx::query!(
        r#"with input as (
               select * from unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[], $5::timestamptz[])
                   as t(organization_id, event_id, metric, quantity, occurred_at)
           ), inserted as (
               insert into usage_event (organization_id, event_id, metric, quantity, occurred_at)
               select organization_id, event_id, metric, quantity, occurred_at from input
               -- Rows are locked in key order, so concurrent batches over the
               -- same organizations wait for each other instead of deadlocking.
               order by organization_id, event_id
               on conflict (organization_id, event_id) do nothing
               returning organization_id, metric, quantity, occurred_at
           ), calls as (
               select organization_id, date_trunc('hour', occurred_at, 'UTC') as hour,
                      sum(quantity)::bigint as calls
               from inserted where metric = 'api_calls'
               group by 1, 2
           ), pending as (
               insert into api_call_usage_pending (organization_ids, hours, calls)
               select array_agg(organization_id), array_agg(hour), array_agg(calls)
               from calls
               having count(*) > 0
           ), storage as (
               insert into storage_usage (organization_id, period_start, megabytes, as_of)
               select distinct on (organization_id, date_trunc('hour', occurred_at, 'UTC'))
                      organization_id, date_trunc('hour', occurred_at, 'UTC'), quantity, occurred_at
               from inserted where metric = 'storage_mb'
               order by organization_id, date_trunc('hour', occurred_at, 'UTC'), occurred_at desc
               on conflict (organization_id, period_start)
               do update set megabytes = excluded.megabytes, as_of = excluded.as_of, updated_at = now()
               where excluded.as_of >= storage_usage.as_of
           )
           select coalesce(array_agg(distinct organization_id), '{}') as "organizations!",
                  count(*) as "inserted!"
           from inserted"#,
        &events.organization_ids,
        &events.event_ids,
        &events.metrics,
        &events.quantities,
        &events.occurred_at,
    )
    .fetch_one(db)
    .await?;
    Ok((row.organizations, row.inserted))
}

/// Adds up to `batches` queued batches of reported API calls to the hourly
/// rollup (and, through its trigger, the period totals) and deletes them, in
/// one statement: a batch is applied exactly once, by one instance
/// (`skip locked`). Returns the organizations whose totals changed.
pub async fn apply_pending_calls(db: impl PgExecutor<'_>, batches: i64) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar!(
        r#"with taken as (
               delete from api_call_usage_pending
               where id in (select id from api_call_usage_pending order by id
                            limit $1 for update skip locked)
               returning organization_ids, hours, calls
           ), sums as (
               select d.organization_id, d.hour, sum(d.calls)::bigint as calls
               from taken, unnest(taken.organization_ids, taken.hours, taken.calls)
                   as d(organization_id, hour, calls)
               -- An organization deleted since is gone with its usage.
               where exists (select 1 from organization o where o.id = d.organization_id)
               group by 1, 2
           ), applied as (
               insert into api_call_usage (organization_id, period_start, calls)
               select organization_id, hour, calls from sums
               order by 1, 2
               on conflict (organization_id, period_start)
               do update set calls = api_call_usage.calls + excluded.calls, updated_at = now()
           )
           select coalesce(array_agg(distinct organization_id), '{}') as "organizations!"
           from sums"#,
        batches,
    )
    .fetch_one(db)
    .await
}

pub struct TotalsRow {
    pub organization_id: Uuid,
    pub plan_name: String,
    pub api_calls: i64,
    pub storage_mb: i64,
    pub seats: i64,
    pub api_calls_limit: i64,
    pub storage_mb_limit: i64,
    pub seats_limit: i32,
    pub period_start: OffsetDateTime,
    pub period_end: OffsetDateTime,
    /// The price of the plan whose limits apply (`limits_plan_id`: Free's
    /// while unpaid) and the plan's currency: a paid plan bills calls over
    /// its limit.
    pub price_cents: i64,
    pub currency: String,
}

/// The current period's totals and limits of each organization in `ids`.
/// Storage is the latest report ever (it is a level, not a count).
pub async fn period_totals(db: impl PgExecutor<'_>, ids: &[Uuid]) -> sqlx::Result<Vec<TotalsRow>> {
    sqlx::query_as!(
        TotalsRow,
        r#"select o.id as organization_id, p.name as plan_name,
                  coalesce((select t.api_calls from usage_period_total t
                             where t.organization_id = o.id
                               and t.period_start = s.current_period_start), 0) as "api_calls!",
                  coalesce((select su.megabytes from storage_usage su
                             where su.organization_id = o.id
                             order by su.period_start desc limit 1), 0) as "storage_mb!",
                  (select count(*) from member m where m.organization_id = o.id) as "seats!",
                  l.api_calls_limit, l.storage_mb_limit, l.seats_limit,
                  s.current_period_start as period_start, s.current_period_end as period_end,
                  l.price_cents, p.currency
           from organization o
           join plan p on p.id = o.plan_id
           join subscription s on s.organization_id = o.id
           join plan l on l.id = limits_plan_id(o.plan_id, s.status)
           where o.id = any($1)"#,
        ids,
    )
    .fetch_all(db)
    .await
}

pub struct NewAlertRow {
    pub organization_id: Uuid,
    pub metric: String,
    pub threshold: i32,
    pub used: i64,
    pub limit_value: i64,
}

/// Columns of threshold crossings to record.
pub struct AlertColumns {
    pub organization_ids: Vec<Uuid>,
    pub metrics: Vec<String>,
    pub period_starts: Vec<OffsetDateTime>,
    pub thresholds: Vec<i32>,
    pub used: Vec<i64>,
    pub limits: Vec<i64>,
}

/// Records crossings; returns only those not recorded before (this period).
pub async fn insert_alerts(
    conn: &mut PgConnection,
    alerts: &AlertColumns,
) -> sqlx::Result<Vec<NewAlertRow>> {
    sqlx::query_as!(
        NewAlertRow,
        r#"insert into usage_alert (organization_id, metric, period_start, threshold, used, limit_value)
           select * from unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::int[], $5::bigint[], $6::bigint[])
           on conflict do nothing
           returning organization_id, metric, threshold, used, limit_value"#,
        &alerts.organization_ids,
        &alerts.metrics,
        &alerts.period_starts,
        &alerts.thresholds,
        &alerts.used,
        &alerts.limits,
    )
    .fetch_all(conn)
    .await
}

pub struct AlertRow {
    pub metric: Metric,
    pub threshold: i32,
    pub used: i64,
    pub limit_value: i64,
    pub created_at: OffsetDateTime,
}

/// The organization's most recent crossings.
pub async fn list_alerts(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    limit: i64,
) -> sqlx::Result<Vec<AlertRow>> {
    sqlx::query_as!(
        AlertRow,
        r#"select metric as "metric: Metric", threshold, used, limit_value, created_at from usage_alert
           where organization_id = $1
           order by created_at desc, threshold desc
           limit $2"#,
        organization_id,
        limit,
    )
    .fetch_all(db)
    .await
}

pub struct DailyRow {
    pub day: Date,
    pub api_calls: i64,
    pub storage_mb: Option<i64>,
}

/// One row per UTC day from `first` to `last`, days without usage included.
pub async fn daily_usage(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    first: Date,
    last: Date,
) -> sqlx::Result<Vec<DailyRow>> {
    sqlx::query_as!(
        DailyRow,
        r#"with days as (
               select d::date as day from generate_series($2::date, $3::date, interval '1 day') d
           ), calls as (
               select (period_start at time zone 'UTC')::date as day, sum(calls)::bigint as calls
               from api_call_usage
               where organization_id = $1
                 and period_start >= ($2::date)::timestamp at time zone 'UTC'
                 and period_start < ($3::date + 1)::timestamp at time zone 'UTC'
               group by 1
           ), storage as (
               select distinct on ((period_start at time zone 'UTC')::date)
                      (period_start at time zone 'UTC')::date as day, megabytes
               from storage_usage
               where organization_id = $1
                 and period_start >= ($2::date)::timestamp at time zone 'UTC'
                 and period_start < ($3::date + 1)::timestamp at time zone 'UTC'
               order by (period_start at time zone 'UTC')::date, period_start desc
           )
           select days.day as "day!", coalesce(calls.calls, 0) as "api_calls!",
                  storage.megabytes as "storage_mb?"
           from days
           left join calls on calls.day = days.day
           left join storage on storage.day = days.day
           order by days.day"#,
        organization_id,
        first,
        last,
    )
    .fetch_all(db)
    .await
}

/// The organization's latest storage report (0 before the first one).
pub async fn current_storage_mb(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select coalesce((select megabytes from storage_usage where organization_id = $1
                            order by period_start desc limit 1), 0) as "megabytes!""#,
        organization_id,
    )
    .fetch_one(db)
    .await
}

/// Metered API calls in `[start, end)`.
pub async fn api_calls_between(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    start: OffsetDateTime,
    end: OffsetDateTime,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select coalesce(sum(calls), 0)::bigint as "calls!" from api_call_usage
           where organization_id = $1 and period_start >= $2 and period_start < $3"#,
        organization_id,
        start,
        end,
    )
    .fetch_one(db)
    .await
}
