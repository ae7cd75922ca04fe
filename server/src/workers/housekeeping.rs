//! Once a minute, on every instance: removes accounts whose email was never
//! verified within a week (`backend::auth::service::remove_unverified_accounts`),
//! which frees their addresses for their real owners; and forgets webhook
//! events (with their deliveries and attempts) after 30 days. Idempotent and
//! safe to run concurrently (rows are locked with `skip locked`).

use sqlx::PgPool;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::watch;

pub const INTERVAL: Duration = Duration::from_secs(60);
/// How long webhook deliveries stay in the endpoint's log.
pub const WEBHOOK_LOG_KEPT: Duration = Duration::from_secs(30 * 24 * 3600);

pub async fn run(db: PgPool, mut stopped: watch::Receiver<bool>) {
    loop {
        if let Err(e) =
            backend::auth::service::remove_unverified_accounts(&db, OffsetDateTime::now_utc()).await
        {
            tracing::warn!(error = %e, "housekeeping failed; retrying next interval");
        }
        let kept_since = OffsetDateTime::now_utc() - WEBHOOK_LOG_KEPT;
        if let Err(e) = backend::webhooks::db::delete_events_before(&db, kept_since).await {
            tracing::warn!(error = %e, "forgetting old webhook events failed; retrying next interval");
        }
        tokio::select! {
            _ = tokio::time::sleep(INTERVAL) => {}
            _ = stopped.changed() => return,
        }
    }
}
