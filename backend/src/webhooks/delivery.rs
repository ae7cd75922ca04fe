//! Sending due deliveries: at least once, with the same `webhook-id` on
//! every attempt, so receivers can drop duplicates.
//!
//! A worker leases a batch (a row lock only long enough to stamp
//! `locked_until`), sends each with its own 10 s timeout, and records the
//! attempt and what comes next in one transaction. A worker killed in
//! between leaves the lease to run out; the delivery is then sent again.

use super::outbound::{Outbound, Response};
use super::{db, events, signing, WebhookSettings};
use crate::notifications::{service::notify, Email};
use domain::EmailAddress;
use futures::StreamExt;
use sqlx::{PgConnection, PgPool};
use std::time::Duration;
use time::OffsetDateTime;

/// How many deliveries one worker sends at once (and leases per batch: each
/// takes at most the timeout, well inside the lease).
const CONCURRENCY: usize = 16;

/// What one attempt came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// Failed; tried again later.
    WillRetry,
    /// Failed for good: retries ran out, or the endpoint answered 410 or
    /// was turned off.
    Failed,
}

/// Sends every due delivery a batch holds; how many there were.
pub async fn deliver_due(
    db: &PgPool,
    outbound: &Outbound,
    settings: &WebhookSettings,
) -> anyhow::Result<Vec<Outcome>> {
    let leased = db::lease_due(db, CONCURRENCY as i64, settings.lease.as_secs_f64()).await?;
    let outcomes = futures::stream::iter(leased)
        .map(|delivery| attempt(db, outbound, settings, delivery))
        .buffer_unordered(CONCURRENCY)
        .collect::<Vec<_>>()
        .await;
    outcomes.into_iter().collect()
}

async fn attempt(
    db: &PgPool,
    outbound: &Outbound,
    settings: &WebhookSettings,
    delivery: db::Leased,
) -> anyhow::Result<Outcome> {
    if !delivery.enabled {
        db::fail_unattempted(&mut *db.acquire().await?, delivery.id).await?;
        return Ok(count(Outcome::Failed));
    }
    let message_id = events::message_id(delivery.event_id);
    let timestamp = OffsetDateTime::now_utc().unix_timestamp();
    let body = delivery.payload.to_string();
    let mut keys: Vec<&[u8]> = vec![&delivery.secret];
    keys.extend(delivery.previous_secret.as_deref());
    let signature = signing::signature_header(&keys, &message_id, timestamp, &body);
    let headers = [
        ("webhook-id", message_id),
        ("webhook-timestamp", timestamp.to_string()),
        ("webhook-signature", signature),
    ];
    let response = outbound.post(&delivery.url, &headers, body).await;
    let mut tx = db.begin().await?;
    let outcome = record(&mut tx, settings, &delivery, &response).await?;
    tx.commit().await?;
    Ok(count(outcome))
}

/// Stores the attempt and decides what comes next.
async fn record(
    tx: &mut PgConnection,
    settings: &WebhookSettings,
    delivery: &db::Leased,
    response: &Response,
) -> anyhow::Result<Outcome> {
    let status_code = response.status_code.map(i32::from);
    let duration_ms = i32::try_from(response.duration.as_millis()).unwrap_or(i32::MAX);
    db::insert_attempt(
        tx,
        delivery.id,
        status_code,
        duration_ms,
        &response.body,
        response.error.as_deref(),
    )
    .await?;
    if response.delivered() {
        db::finish_delivery(tx, delivery.id, "delivered", None).await?;
        db::endpoint_succeeded(tx, delivery.endpoint_id).await?;
        return Ok(Outcome::Delivered);
    }
    if status_code == Some(410) {
        db::finish_delivery(tx, delivery.id, "failed", None).await?;
        disable(
            tx,
            delivery,
            "It answered 410 Gone, which asks for no more deliveries.",
        )
        .await?;
        return Ok(Outcome::Failed);
    }
    db::endpoint_failed(tx, delivery.endpoint_id).await?;
    let failing_for = delivery
        .failing_since
        .map(|since| OffsetDateTime::now_utc() - since);
    if failing_for.is_some_and(|f| f >= settings.disable_after) {
        let days = settings.disable_after.as_secs() / 86_400;
        let reason = format!("Every delivery failed for {days} days.");
        disable(tx, delivery, &reason).await?;
    }
    let wait = usize::try_from(delivery.retry_step)
        .ok()
        .and_then(|step| settings.retry_schedule.get(step));
    match wait {
        Some(wait) => {
            let retry_at = OffsetDateTime::now_utc() + jittered(*wait);
            db::finish_delivery(tx, delivery.id, "pending", Some(retry_at)).await?;
            Ok(Outcome::WillRetry)
        }
        None => {
            db::finish_delivery(tx, delivery.id, "failed", None).await?;
            Ok(Outcome::Failed)
        }
    }
}

/// Turns the endpoint off and tells every owner, once.
async fn disable(tx: &mut PgConnection, delivery: &db::Leased, reason: &str) -> anyhow::Result<()> {
    let Some(organization_name) = db::disable_endpoint(tx, delivery.endpoint_id, reason).await?
    else {
        return Ok(()); // already off
    };
    tracing::warn!(endpoint = %delivery.endpoint_id, reason, "webhook endpoint disabled");
    let now = OffsetDateTime::now_utc().unix_timestamp();
    for (email, name) in db::owners(&mut *tx, delivery.organization_id).await? {
        let Ok(address) = EmailAddress::parse(&email) else {
            continue;
        };
        let message = Email::WebhookEndpointDisabled {
            name,
            organization_name: organization_name.clone(),
            url: delivery.url.clone(),
            reason: reason.to_owned(),
            endpoint_id: delivery.endpoint_id,
        };
        let key = format!("webhook-disabled:{}:{now}:{email}", delivery.endpoint_id);
        notify(tx, &key, Some(delivery.organization_id), &address, &message)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    }
    Ok(())
}

/// `wait` give or take a fifth, so endpoints that failed together do not
/// all retry in the same second.
fn jittered(wait: Duration) -> Duration {
    let mut random = [0u8; 4];
    if getrandom::fill(&mut random).is_err() {
        return wait;
    }
    let unit = f64::from(u32::from_le_bytes(random)) / f64::from(u32::MAX);
    wait.mul_f64(0.8 + 0.4 * unit)
}

fn count(outcome: Outcome) -> Outcome {
    let label = match outcome {
        Outcome::Delivered => "delivered",
        Outcome::WillRetry => "retry",
        Outcome::Failed => "failed",
    };
    metrics::counter!("portal_webhook_deliveries_total", "outcome" => label).increment(1);
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_within_a_fifth() {
        for _ in 0..100 {
            let wait = jittered(Duration::from_secs(100));
            assert!((80..=120).contains(&wait.as_secs()), "{wait:?}");
        }
        assert_eq!(jittered(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn the_default_schedule_retries_for_about_three_days() {
        let total: Duration = WebhookSettings::default().retry_schedule.iter().sum();
        let hours = total.as_secs() / 3600;
        assert!((60..=80).contains(&hours), "{hours} h");
    }
}
