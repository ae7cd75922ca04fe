//! `Ctx`: the plumbing every service runs on — Postgres (the record), Redis
//! (caches, limits, pub/sub), settings, the clock, and this instance's live
//! streams. Cheap to clone. Services take `&Ctx` explicitly, so a worker, a
//! test or another service calls them the same way a server function does.

use crate::clock::Clock;
use crate::live::LiveHub;
use crate::settings::Settings;
use domain::live::LiveEvent;
use sqlx::PgPool;
use std::sync::Arc;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Clone)]
pub struct Ctx {
    pub db: PgPool,
    pub redis: fred::clients::Pool,
    pub settings: Arc<Settings>,
    pub clock: Clock,
    /// This instance's open live streams (see `live`).
    pub live: LiveHub,
}

impl Ctx {
    pub fn new(db: PgPool, redis: fred::clients::Pool, settings: Settings) -> Self {
        Self {
            db,
            redis,
            settings: Arc::new(settings),
            clock: Clock::default(),
            live: LiveHub::default(),
        }
    }

    /// "Now" by the one clock.
    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// Sends `event` to every open page of the organization, on every
    /// instance (best effort; see `live::publish`).
    pub async fn publish(&self, organization_id: Uuid, event: LiveEvent) {
        crate::live::publish(
            &self.redis,
            &self.settings,
            &self.live,
            organization_id,
            event,
        )
        .await;
    }
}
