//! The period-end billing job: once a minute it closes every billing period
//! that has ended (`backend::billing::service::close_due_periods`): issues the
//! next period's invoice, charges the card on file, applies scheduled
//! downgrades and cancellations. It is idempotent per (organization, period)
//! and safe on every instance at once (rows are locked with `skip locked`).

use sqlx::PgPool;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::watch;

pub const INTERVAL: Duration = Duration::from_secs(60);

/// Runs one pass; tests call this with a clock of their choosing.
pub async fn process_due(db: &PgPool, now: OffsetDateTime) -> anyhow::Result<usize> {
    // Reported calls still queued belong on the invoices about to be issued.
    backend::usage::service::apply_pending_calls(db)
        .await
        .map_err(|e| anyhow::anyhow!("adding reported API calls to the rollup failed: {e}"))?;
    backend::billing::service::close_due_periods(db, now)
        .await
        .map_err(|e| anyhow::anyhow!("closing billing periods failed: {e}"))
}

pub async fn run(db: PgPool, mut stopped: watch::Receiver<bool>) {
    loop {
        match process_due(&db, OffsetDateTime::now_utc()).await {
            Ok(0) => {}
            Ok(closed) => tracing::info!(closed, "closed billing periods"),
            Err(e) => tracing::warn!(error = %e, "billing job failed; retrying next interval"),
        }
        tokio::select! {
            _ = tokio::time::sleep(INTERVAL) => {}
            _ = stopped.changed() => return,
        }
    }
}
