//! The usage worker: adds reported API calls (queued by the events API) and
//! buffered verified calls to the hourly rollup, writes "last used" times,
//! then refreshes every organization whose usage changed (totals from the
//! ledger, threshold alerts, the Redis copy, live events to open pages).

use backend::usage::service;
use backend::AppState;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

/// How often buffered API calls are written: a crash loses at most this much,
/// and a gauge lags a call by about this much.
pub const ROUND: Duration = Duration::from_millis(200);
/// Reported events wake the worker at once, but rounds are at least this far
/// apart: a burst of events becomes a few updates a second, not hundreds.
const MIN_GAP: Duration = Duration::from_millis(100);

/// Runs until `shutdown`, then writes what is buffered once more.
pub async fn run(state: AppState, last_used_every: Duration, mut shutdown: watch::Receiver<bool>) {
    let mut last_used_flushed = Instant::now();
    let mut last_round = Instant::now();
    loop {
        let stop = tokio::select! {
            _ = tokio::time::sleep(ROUND) => false,
            _ = state.usage.changed() => {
                tokio::time::sleep_until(last_round + MIN_GAP).await;
                false
            }
            _ = shutdown.changed() => true,
        };
        last_round = Instant::now();
        round(&state).await;
        if stop || last_used_flushed.elapsed() >= last_used_every {
            if let Err(e) = state.api_keys.flush_last_used(&state.db).await {
                tracing::warn!(error = ?e, "could not record API key use; will retry");
            }
            last_used_flushed = Instant::now();
        }
        if stop || *shutdown.borrow() {
            return;
        }
    }
}

/// One round: add reported and buffered calls to the rollup, then refresh
/// whoever changed.
pub async fn round(state: &AppState) {
    let mut changed = state.usage.take_changed();
    match service::apply_pending_calls(&state.db).await {
        Ok(organizations) => changed.organizations.extend(organizations),
        Err(e) => {
            tracing::warn!(error = ?e, "could not add reported API calls to the rollup; will retry")
        }
    }
    match state.api_keys.flush_calls(&state.db).await {
        Ok(flushed) => changed.organizations.extend(flushed.organizations),
        Err(e) => tracing::warn!(error = ?e, "could not record metered API calls; will retry"),
    }
    let mut organizations: Vec<_> = changed.organizations.iter().copied().collect();
    organizations.sort_unstable();
    match service::refresh(state, &organizations).await {
        Ok(()) => {
            if let Some(since) = changed.since {
                metrics::histogram!("portal_usage_gauge_lag_seconds")
                    .record(since.elapsed().as_secs_f64());
            }
        }
        Err(e) => {
            tracing::warn!(error = ?e, "could not refresh usage totals; will retry");
            state.usage.retry_later(changed);
        }
    }
}
