//! The billing job: once a minute it closes every billing period that has
//! ended (`backend::billing::service::close_due_periods`): issues the next
//! period's invoice, charges the card on file, applies scheduled downgrades
//! and cancellations; then it retries the failed charges that are due
//! (`backend::billing::dunning`). It is idempotent per (organization, period)
//! and per retry, and safe on every instance at once (rows are locked with
//! `skip locked`).

use backend::billing::dunning;
use domain::billing::RetrySchedule;
use sqlx::PgPool;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::watch;

pub const INTERVAL: Duration = Duration::from_secs(60);

/// Runs one pass; tests call this with a clock of their choosing.
pub async fn process_due(
    db: &PgPool,
    schedule: &RetrySchedule,
    now: OffsetDateTime,
) -> anyhow::Result<usize> {
    // Reported calls still queued belong on the invoices about to be issued.
    backend::usage::service::apply_pending_calls(db)
        .await
        .map_err(|e| anyhow::anyhow!("adding reported API calls to the rollup failed: {e}"))?;
    let closed = backend::billing::service::close_due_periods(db, schedule, now)
        .await
        .map_err(|e| anyhow::anyhow!("closing billing periods failed: {e}"))?;
    let retried = dunning::retry_due_payments(db, schedule, now)
        .await
        .map_err(|e| anyhow::anyhow!("retrying failed payments failed: {e}"))?;
    if retried > 0 {
        tracing::info!(retried, "retried failed payments");
    }
    Ok(closed)
}

pub async fn run(db: PgPool, schedule: RetrySchedule, mut stopped: watch::Receiver<bool>) {
    loop {
        match process_due(&db, &schedule, OffsetDateTime::now_utc()).await {
            Ok(closed) => {
                metrics::counter!("portal_billing_runs_total", "outcome" => "ok").increment(1);
                metrics::counter!("portal_billing_periods_closed_total").increment(closed as u64);
                if closed > 0 {
                    tracing::info!(closed, "closed billing periods");
                }
            }
            Err(e) => {
                metrics::counter!("portal_billing_runs_total", "outcome" => "failed").increment(1);
                tracing::warn!(error = %e, "billing job failed; retrying next interval");
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(INTERVAL) => {}
            _ = stopped.changed() => return,
        }
    }
}
