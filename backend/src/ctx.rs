//! `Ctx`: the plumbing every service runs on — Postgres (the record), Redis
//! (caches, limits, pub/sub), settings, the clock, and this instance's live
//! streams. Cheap to clone. Services take `&Ctx` explicitly, so a worker, a
//! test or another service calls them the same way a server function does.

use crate::breaker::{self, Breaker};
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
    /// Open while Redis is known to be down: Redis calls made through
    /// [`Ctx::redis_call`] fail at once and take their fallback.
    pub redis_breaker: Breaker,
    /// Open while Postgres is known to be down: requests are answered 503
    /// at once (`server::http::outage`) instead of waiting for a connection.
    pub db_breaker: Breaker,
}

impl Ctx {
    pub fn new(db: PgPool, redis: fred::clients::Pool, settings: Settings) -> Self {
        Self {
            db,
            redis,
            settings: Arc::new(settings),
            clock: Clock::default(),
            live: LiveHub::default(),
            redis_breaker: Breaker::default(),
            db_breaker: Breaker::default(),
        }
    }

    /// Runs one Redis call (or pipeline) unless Redis is known to be down,
    /// in which case it fails at once instead of waiting out its timeout.
    /// Every caller already has a fallback for a failed call.
    pub async fn redis_call<T>(
        &self,
        call: impl std::future::Future<Output = Result<T, fred::error::Error>>,
    ) -> Result<T, fred::error::Error> {
        if self.redis_breaker.is_open() {
            return Err(fred::error::Error::new(
                fred::error::ErrorKind::Canceled,
                "Redis is unavailable (circuit open)",
            ));
        }
        let result = call.await;
        match &result {
            Err(e) if breaker::is_outage(e) => self.redis_breaker.record_failure(),
            _ => self.redis_breaker.record_success(),
        }
        result
    }

    /// "Now" by the one clock.
    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// Sends `event` to every open page of the organization, on every
    /// instance (best effort; see `live::publish`).
    pub async fn publish(&self, organization_id: Uuid, event: LiveEvent) {
        if self.redis_breaker.is_open() {
            // Redis is down: this instance's pages hear it, as on a failure.
            self.live.deliver(organization_id, event);
            return;
        }
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
