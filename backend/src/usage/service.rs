//! Usage: recording events, keeping the live totals, alerts, and the page's data.
//!
//! Writes go to Postgres first. After each change the usage worker calls
//! [`refresh`]: it recomputes the period totals from the ledger, records
//! threshold crossings (and queues their emails) in one transaction, then
//! copies the totals to Redis and publishes them to open pages. Redis is only
//! ever a copy: when it is empty (restarted), the next refresh or read rebuilds
//! it from Postgres.

use super::db::{self, AlertColumns, EventColumns, TotalsRow};
use super::ingest::{BatchError, EventError, UsageEvent};
use super::meter::UsageMeter;
use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::local_time::LocalTime;
use crate::notifications::email::Email;
use crate::settings::Settings;
use domain::live::LiveEvent;
use domain::pricing::overage_charge;
use domain::usage::{
    forecast, highest_threshold, projected_calls, running_totals, DailyUsage, Metric, MetricUsage,
    OverageEstimate, UsageAlert, UsageLimits, UsageOverview, UsageTotals, THRESHOLDS,
};
use domain::{AppError, Currency, EmailAddress, Money};
use fred::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// How long Redis keeps a copy of totals nobody refreshed (an idle organization).
const LIVE_TOTALS_TTL_SECS: i64 = 3_600;

/// What `POST /api/v1/usage/events` answers with 202.
#[derive(Debug, Clone, Serialize)]
pub struct IngestReceipt {
    /// Events recorded now.
    pub accepted: i64,
    /// Events recorded earlier (same organization and event_id): counted once.
    pub duplicates: i64,
}

#[derive(Debug)]
pub enum IngestFailure {
    Invalid(BatchError),
    Backend(Error),
}

impl From<Error> for IngestFailure {
    fn from(error: Error) -> Self {
        IngestFailure::Backend(error)
    }
}

impl From<sqlx::Error> for IngestFailure {
    fn from(error: sqlx::Error) -> Self {
        IngestFailure::Backend(error.into())
    }
}

/// Records a validated batch. When this returns `Ok`, every event is committed
/// to Postgres (the ledger): that is what the 202 promises.
pub async fn record_events(
    state: &Ctx,
    meter: &UsageMeter,
    events: Vec<UsageEvent>,
) -> Result<IngestReceipt, IngestFailure> {
    let requested: Vec<Uuid> = events
        .iter()
        .map(|e| e.organization_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let known: HashSet<Uuid> = db::existing_organizations(&state.db, &requested)
        .await?
        .into_iter()
        .collect();
    let unknown: Vec<EventError> = events
        .iter()
        .enumerate()
        .filter(|(_, e)| !known.contains(&e.organization_id))
        .map(|(index, _)| EventError {
            index,
            field: "organization_id",
            message: "No organization has this id.".into(),
        })
        .collect();
    if !unknown.is_empty() {
        return Err(IngestFailure::Invalid(BatchError::invalid(unknown)));
    }
    let total = events.len() as i64;
    let columns = EventColumns {
        organization_ids: events.iter().map(|e| e.organization_id).collect(),
        event_ids: events.iter().map(|e| e.event_id.clone()).collect(),
        metrics: events
            .iter()
            .map(|e| e.metric.as_str().to_owned())
            .collect(),
        quantities: events.iter().map(|e| e.quantity).collect(),
        occurred_at: events.iter().map(|e| e.occurred_at).collect(),
    };
    let (changed, inserted) = db::insert_events(&state.db, &columns).await?;
    meter.mark_all_changed(changed);
    Ok(IngestReceipt {
        accepted: inserted,
        duplicates: total - inserted,
    })
}

/// Queued batches of reported API calls one call adds to the rollup: a backlog
/// (after the workers were down) drains over several rounds, not one long
/// statement.
const PENDING_BATCHES_PER_ROUND: i64 = 200;

/// Adds reported API calls queued by [`record_events`] to the hourly rollup
/// and the period totals. Returns the organizations whose totals changed.
pub async fn apply_pending_calls(db: &sqlx::PgPool) -> Result<Vec<Uuid>> {
    Ok(db::apply_pending_calls(db, PENDING_BATCHES_PER_ROUND).await?)
}

/// Recomputes the totals of `organization_ids` from Postgres, records and
/// emails new threshold crossings, and updates Redis and open pages.
pub async fn refresh(state: &Ctx, organization_ids: &[Uuid]) -> Result<()> {
    if organization_ids.is_empty() {
        return Ok(());
    }
    let rows = db::period_totals(&state.db, organization_ids).await?;
    record_alerts(state, &rows).await?;
    let updates: Vec<(Uuid, OffsetDateTime, UsageTotals)> = rows
        .iter()
        .map(|row| (row.organization_id, row.period_start, totals_of(row)))
        .collect();
    publish_totals(state, &updates).await;
    Ok(())
}

/// Copies the totals to Redis and publishes them, for every organization in
/// one pipelined round trip. Without Redis, this instance's pages still hear.
async fn publish_totals(state: &Ctx, updates: &[(Uuid, OffsetDateTime, UsageTotals)]) {
    let pipeline = state.redis.next().pipeline();
    let sent: Result<(), fred::error::Error> = state
        .redis_call(async {
            for (organization_id, period_start, totals) in updates {
                let key = live_totals_key(&state.settings, *organization_id);
                let fields: Vec<(&str, i64)> = vec![
                    ("period_start", period_start.unix_timestamp()),
                    ("api_calls", totals.api_calls),
                    ("storage_mb", totals.storage_mb),
                    ("seats", totals.seats),
                ];
                let _: () = pipeline.hset(&key, fields).await?;
                let _: () = pipeline.expire(&key, LIVE_TOTALS_TTL_SECS, None).await?;
                let event = serde_json::to_string(&LiveEvent::Usage(*totals)).unwrap_or_default();
                let _: () = pipeline
                    .publish(
                        crate::live::channel(&state.settings, *organization_id),
                        event,
                    )
                    .await?;
            }
            pipeline.all::<()>().await
        })
        .await;
    if let Err(e) = sent {
        tracing::debug!(error = %e, "Redis unavailable: live totals reach this instance only");
        for (organization_id, _, totals) in updates {
            state
                .live
                .deliver(*organization_id, LiveEvent::Usage(*totals));
        }
    }
}

fn totals_of(row: &TotalsRow) -> UsageTotals {
    UsageTotals {
        api_calls: row.api_calls,
        storage_mb: row.storage_mb,
        seats: row.seats,
    }
}

fn limits_of(row: &TotalsRow) -> UsageLimits {
    UsageLimits {
        api_calls: row.api_calls_limit,
        storage_mb: row.storage_mb_limit,
        seats: row.seats_limit.into(),
    }
}

/// Metrics that warn by email. Seats cannot pass their limit (invitations
/// stop at it), and the team page already says when it is full.
const ALERTING: [Metric; 2] = [Metric::ApiCalls, Metric::StorageMb];

/// Records every threshold reached this period; each new crossing emails the
/// billing email and the owners once. Jumping from 70% to 100% records 80,
/// 90 and 100 but sends only the 100% email: one message that says it all.
async fn record_alerts(state: &Ctx, rows: &[TotalsRow]) -> Result<()> {
    let mut columns = AlertColumns {
        organization_ids: vec![],
        metrics: vec![],
        period_starts: vec![],
        thresholds: vec![],
        used: vec![],
        limits: vec![],
    };
    for row in rows {
        let totals = totals_of(row);
        let limits = limits_of(row);
        for metric in ALERTING {
            let (used, limit) = (totals.get(metric), limits.get(metric));
            let Some(highest) = highest_threshold(used, limit) else {
                continue;
            };
            for threshold in THRESHOLDS.into_iter().filter(|t| *t <= highest) {
                columns.organization_ids.push(row.organization_id);
                columns.metrics.push(metric.as_str().to_owned());
                columns.period_starts.push(row.period_start);
                columns.thresholds.push(threshold as i32);
                columns.used.push(used);
                columns.limits.push(limit);
            }
        }
    }
    if columns.thresholds.is_empty() {
        return Ok(());
    }
    let period_of: HashMap<Uuid, OffsetDateTime> = rows
        .iter()
        .map(|r| (r.organization_id, r.period_start))
        .collect();
    let mut tx = state.db.begin().await?;
    let new = db::insert_alerts(&mut tx, &columns).await?;
    // The highest new crossing per organization and metric.
    let mut to_send: BTreeMap<(Uuid, String), db::NewAlertRow> = BTreeMap::new();
    for alert in new {
        let key = (alert.organization_id, alert.metric.clone());
        if to_send
            .get(&key)
            .is_none_or(|a| a.threshold < alert.threshold)
        {
            to_send.insert(key, alert);
        }
    }
    for ((organization_id, _), alert) in to_send {
        let Some(metric) = Metric::parse_reported(&alert.metric) else {
            continue;
        };
        let data = serde_json::json!({
            "metric": metric.as_str(),
            "threshold_percent": alert.threshold,
            "used": alert.used,
            "limit": alert.limit_value,
        });
        let event = domain::webhooks::EventType::UsageThresholdCrossed;
        crate::webhooks::events::emit(&mut tx, organization_id, event, data).await?;
        let recipients =
            crate::notifications::db::organization_recipients(&mut *tx, organization_id).await?;
        let period = period_of
            .get(&organization_id)
            .map_or_else(String::new, |p| p.unix_timestamp().to_string());
        let email = Email::UsageAlert {
            organization_name: recipients.organization_name.clone(),
            metric: metric.label().to_owned(),
            threshold: alert.threshold as u32,
            used: metric.format(alert.used),
            limit: metric.format(alert.limit_value),
        };
        for address in recipients.emails {
            let Ok(recipient) = EmailAddress::parse(&address) else {
                continue;
            };
            let key = format!(
                "usage-alert:{organization_id}:{}:{period}:{}:{address}",
                alert.metric, alert.threshold
            );
            crate::notifications::service::notify(
                &mut tx,
                &key,
                Some(organization_id),
                &recipient,
                &email,
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

fn live_totals_key(settings: &Settings, organization_id: Uuid) -> String {
    settings.redis_key("usage", &organization_id.to_string())
}

/// The Redis key and fields [`live_totals_from`] reads (for one pipelined call).
pub fn live_totals_request(
    settings: &Settings,
    organization_id: Uuid,
) -> (String, [&'static str; 4]) {
    (
        live_totals_key(settings, organization_id),
        ["period_start", "api_calls", "storage_mb", "seats"],
    )
}

/// Totals from an HMGET of [`live_totals_request`], if they are this period's.
pub fn live_totals_from(
    values: &[Option<i64>],
    period_start: OffsetDateTime,
) -> Option<UsageTotals> {
    match values {
        [Some(period), Some(api_calls), Some(storage_mb), Some(seats)]
            if *period == period_start.unix_timestamp() =>
        {
            Some(UsageTotals {
                api_calls: *api_calls,
                storage_mb: *storage_mb,
                seats: *seats,
            })
        }
        _ => None,
    }
}

/// The organization's current totals, from the ledger.
pub async fn current_totals(state: &Ctx, organization_id: Uuid) -> Result<UsageTotals> {
    let row = db::period_totals(&state.db, &[organization_id])
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound)?;
    Ok(totals_of(&row))
}

/// The current totals of each organization, from the ledger (one statement).
pub async fn current_totals_of(
    state: &Ctx,
    organization_ids: &[Uuid],
) -> Result<Vec<(Uuid, UsageTotals)>> {
    let rows = db::period_totals(&state.db, organization_ids).await?;
    Ok(rows
        .iter()
        .map(|row| (row.organization_id, totals_of(row)))
        .collect())
}

/// Each metric of the organization against its limit, from the ledger.
pub async fn current_usage(state: &Ctx, organization_id: Uuid) -> Result<Vec<MetricUsage>> {
    let row = db::period_totals(&state.db, &[organization_id])
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound)?;
    Ok(MetricUsage::all(&totals_of(&row), &limits_of(&row)))
}

/// How many days of history the page may ask for.
pub fn history_days(requested: u32) -> u32 {
    if requested > 30 {
        90
    } else {
        30
    }
}

/// The usage page of an organization, its alerts' times in `local`.
pub async fn overview(
    state: &Ctx,
    organization_id: Uuid,
    days: u32,
    local: &LocalTime,
) -> Result<UsageOverview> {
    let now = state.now();
    let row = db::period_totals(&state.db, &[organization_id])
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound)?;
    let today = now.date();
    let first_day = today - Duration::days(i64::from(history_days(days)) - 1);
    // The running total needs every day of the period, which may have begun
    // before the history shown.
    let period_first_day = row.period_start.date();
    let elapsed = now - row.period_start;
    // Periods are calendar months: the previous one starts on the 1st before.
    let previous_start = domain::pricing::month_start(row.period_start - Duration::seconds(1));
    let (daily_rows, last_week, previous, alerts) = futures::try_join!(
        db::daily_usage(
            &state.db,
            organization_id,
            first_day.min(period_first_day),
            today
        ),
        db::api_calls_between(&state.db, organization_id, now - Duration::days(7), now),
        db::api_calls_between(
            &state.db,
            organization_id,
            previous_start,
            (previous_start + elapsed).min(row.period_start)
        ),
        db::list_alerts(&state.db, organization_id, 20),
    )?;
    let daily: Vec<DailyUsage> = daily_rows
        .into_iter()
        .map(|d| DailyUsage {
            day: d.day,
            api_calls: d.api_calls,
            storage_mb: d.storage_mb,
        })
        .collect();
    let totals = totals_of(&row);
    let price = Money::new(
        row.price_cents,
        Currency::parse(&row.currency).unwrap_or(Currency::Usd),
    );
    let projected = projected_calls(totals.api_calls, last_week, now, row.period_end);
    let overage = overage_charge(totals.api_calls, row.api_calls_limit, price).and_then(|so_far| {
        Some(OverageEstimate {
            so_far,
            projected: overage_charge(projected, row.api_calls_limit, price)?,
            projected_calls: projected,
        })
    });
    Ok(UsageOverview {
        overage,
        plan_name: row.plan_name.clone(),
        forecast: forecast(
            totals.api_calls,
            row.api_calls_limit,
            last_week,
            now,
            row.period_end,
        ),
        totals,
        limits: limits_of(&row),
        period_start: row.period_start,
        period_end: row.period_end,
        previous_period_api_calls: previous,
        period_to_date: running_totals(&daily, period_first_day),
        daily: daily.into_iter().filter(|d| d.day >= first_day).collect(),
        alerts: alerts
            .into_iter()
            .map(|a| UsageAlert {
                metric: a.metric,
                threshold: a.threshold as u32,
                used: a.used,
                limit: a.limit_value,
                created_at: local.moment(a.created_at),
            })
            .collect(),
    })
}
