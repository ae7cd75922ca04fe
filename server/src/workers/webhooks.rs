//! Delivers webhooks (`backend::webhooks::delivery`): leases due
//! deliveries from Postgres, a batch at a time, until shut down. Runs
//! wherever the notification worker runs.

use backend::webhooks::delivery::{self, Outcome};
use backend::webhooks::outbound::{AddressPolicy, Outbound};
use backend::webhooks::WebhookSettings;
use sqlx::PgPool;
use std::time::Duration;
use tokio::sync::watch;

#[derive(Clone)]
pub struct WebhookWorker {
    db: PgPool,
    outbound: Outbound,
    settings: WebhookSettings,
    poll_interval: Duration,
}

impl WebhookWorker {
    pub fn new(db: PgPool, settings: WebhookSettings) -> anyhow::Result<Self> {
        Ok(Self {
            db,
            outbound: Outbound::new(AddressPolicy::of(&settings), settings.timeout)?,
            settings,
            poll_interval: Duration::from_millis(500),
        })
    }

    /// Sends one batch of due deliveries; what each came to (empty: none due).
    pub async fn process_batch(&self) -> anyhow::Result<Vec<Outcome>> {
        delivery::deliver_due(&self.db, &self.outbound, &self.settings).await
    }

    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!("webhook worker started");
        while !*shutdown.borrow() {
            let idle = match self.process_batch().await {
                Ok(outcomes) => outcomes.is_empty(),
                Err(e) => {
                    tracing::warn!(error = %e, "webhook delivery failed; retrying shortly");
                    true
                }
            };
            if idle {
                tokio::select! {
                    _ = tokio::time::sleep(self.poll_interval) => {}
                    _ = shutdown.changed() => {}
                }
            }
        }
        tracing::info!("webhook worker stopped");
    }
}
