//! The dashboard's data: at most two round trips per view.
//!
//! 1. One pipelined Redis call reads the organization's cached summary and
//!    its live usage totals. On a hit (with this period's totals) that is all.
//! 2. On a miss, one SQL statement (`db::find_summary`) builds the summary;
//!    it is cached in the background, never delaying the response.
//!
//! Every successful write by a member bumps the cache's generation
//! (`invalidate`, called from the server's write middleware), and a summary is
//! only stored if the generation it was read under is still current, so a
//! read racing a write can never store stale data over the invalidation.

use super::db::{self, SummaryRow};
use crate::ctx::Ctx;
use crate::error::Result;
use crate::session::AuthSession;
use crate::settings::Settings;
use crate::usage::service::{live_totals_from, live_totals_request};
use domain::dashboard::{ApiKeysBrief, DashboardSummary, InvoiceBrief};
use domain::dates::Moment;
use domain::support::TicketSummary;
use domain::usage::{UsageLimits, UsageTotals};
use domain::Permission;
use fred::prelude::*;
use fred::types::Value;
use uuid::Uuid;

/// A cached summary is also dropped after this long: "last used" times and
/// invitation expiry change without a write by a member.
const CACHE_TTL_SECS: i64 = 60;

/// Stores `data` only if the generation is still the one read before the SQL.
const STORE_IF_CURRENT: &str = r#"
local current = redis.call('HGET', KEYS[1], 'gen') or ''
if current == ARGV[1] then
  redis.call('HSET', KEYS[1], 'data', ARGV[2])
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  return 1
end
return 0"#;

fn cache_key(settings: &Settings, organization_id: Uuid) -> String {
    settings.redis_key("dashboard", &organization_id.to_string())
}

/// The dashboard of the session's organization, as the session's role may see it.
pub async fn summary(ctx: &Ctx, session: &AuthSession) -> Result<DashboardSummary> {
    let state = ctx;
    let org = session.organization_id;
    let key = cache_key(&state.settings, org);
    let cached = read_cache(state, &key, org).await;
    let mut summary = match &cached {
        Some(Cached {
            data: Some(data), ..
        }) => match serde_json::from_str::<DashboardSummary>(data) {
            Ok(summary) => summary,
            Err(_) => load(state, org, &key, cached.as_ref()).await?,
        },
        _ => load(state, org, &key, cached.as_ref()).await?,
    };
    if let Some(totals) = cached
        .as_ref()
        .and_then(|c| live_totals_from(&c.live, summary.period_start))
    {
        summary.totals = totals;
    }
    summary.your_role = session.role;
    if !session.role.can(Permission::ViewApiKeys) {
        summary.api_keys = None;
    }
    // The cache is the organization's; times are put in this reader's zone.
    let local = session.local_time(ctx.now());
    for ticket in &mut summary.recent_tickets {
        local.localize(&mut ticket.last_activity_at);
    }
    if let Some(last_used) = summary
        .api_keys
        .as_mut()
        .and_then(|k| k.last_used_at.as_mut())
    {
        local.localize(last_used);
    }
    Ok(summary)
}

struct Cached {
    generation: String,
    data: Option<String>,
    live: Vec<Option<i64>>,
}

/// One round trip: HMGET of the cached summary and of the live totals.
/// `None` when Redis is unavailable (the dashboard then comes from Postgres).
async fn read_cache(state: &Ctx, key: &str, organization_id: Uuid) -> Option<Cached> {
    let (live_key, live_fields) = live_totals_request(&state.settings, organization_id);
    let pipeline = state.redis.next().pipeline();
    let result: Result<Vec<Value>, _> = state
        .redis_call(async {
            let _: () = pipeline.hmget(key, vec!["gen", "data"]).await?;
            let _: () = pipeline.hmget(&live_key, live_fields.to_vec()).await?;
            pipeline.all().await
        })
        .await;
    let mut values = result.ok()?.into_iter();
    let summary: Vec<Option<String>> = values.next()?.convert().ok()?;
    let live: Vec<Option<i64>> = values.next()?.convert().ok()?;
    let mut summary = summary.into_iter();
    Some(Cached {
        generation: summary.next().flatten().unwrap_or_default(),
        data: summary.next().flatten(),
        live,
    })
}

/// Builds the summary from Postgres and caches it in the background.
async fn load(
    state: &Ctx,
    organization_id: Uuid,
    key: &str,
    cached: Option<&Cached>,
) -> Result<DashboardSummary> {
    let row = db::find_summary(&state.db, organization_id, state.now()).await?;
    let summary = from_row(row);
    if let (Some(cached), Ok(data)) = (cached, serde_json::to_string(&summary)) {
        let redis = state.redis.clone();
        let key = key.to_owned();
        let generation = cached.generation.clone();
        tokio::spawn(async move {
            let stored: Result<i64, _> = redis
                .next()
                .eval(
                    STORE_IF_CURRENT,
                    vec![key],
                    vec![generation, data, CACHE_TTL_SECS.to_string()],
                )
                .await;
            if let Err(e) = stored {
                tracing::debug!(error = %e, "could not cache the dashboard");
            }
        });
    }
    Ok(summary)
}

fn from_row(row: SummaryRow) -> DashboardSummary {
    let payment_method = match (&row.card_brand, &row.card_last4) {
        (Some(brand), Some(last4)) => Some(format!(
            "{brand} •••• {last4}, expires {:02}/{}",
            row.card_exp_month.unwrap_or_default(),
            row.card_exp_year.unwrap_or_default()
        )),
        _ => None,
    };
    DashboardSummary {
        organization_name: row.organization_name,
        your_role: domain::Role::Member, // replaced by the caller's
        plan_name: row.plan_name,
        plan_price_cents: row.price_cents,
        currency: row.currency,
        period_start: row.period_start,
        period_end: row.period_end,
        cancel_at_period_end: row.cancel_at_period_end,
        scheduled_plan_name: row.scheduled_plan_name,
        payment_method,
        totals: UsageTotals {
            api_calls: row.api_calls,
            storage_mb: row.storage_mb,
            seats: row.member_count,
        },
        limits: UsageLimits {
            api_calls: row.api_calls_limit,
            storage_mb: row.storage_mb_limit,
            seats: row.seats_limit.into(),
        },
        recent_invoices: row
            .recent_invoices
            .0
            .into_iter()
            .map(|i| InvoiceBrief {
                id: i.id,
                number: i.number,
                status: i.status,
                issued_on: i.issued_on,
                total_cents: i.total_cents,
                currency: i.currency,
            })
            .collect(),
        member_count: row.member_count,
        pending_invitations: row.pending_invitations,
        api_keys: Some(ApiKeysBrief {
            active: row.api_keys_active,
            last_used_at: row.api_key_last_used_at.map(Moment::unread),
        }),
        recent_tickets: row
            .recent_tickets
            .0
            .into_iter()
            .map(|t| TicketSummary {
                id: t.id,
                subject: t.subject,
                status: t.status,
                priority: t.priority,
                category: t.category,
                last_activity_at: Moment::unread(t.last_activity_at),
            })
            .collect(),
    }
}

/// Forgets the organization's cached summary after a write. Best effort: if
/// Redis is down, nothing is cached either (and entries expire in a minute).
pub async fn invalidate(state: &Ctx, organization_id: Uuid) {
    let key = cache_key(&state.settings, organization_id);
    let pipeline = state.redis.next().pipeline();
    let result: Result<(), _> = state
        .redis_call(async {
            let _: () = pipeline.hincrby(&key, "gen", 1).await?;
            let _: () = pipeline.hdel(&key, "data").await?;
            let _: () = pipeline.expire(&key, 86_400, None).await?;
            pipeline.all::<()>().await
        })
        .await;
    if let Err(e) = result {
        tracing::debug!(error = %e, "could not invalidate the dashboard cache");
    }
}
