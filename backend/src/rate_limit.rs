//! Fixed-window counters in Redis for failed attempts (sign-in today).
//!
//! If Redis is unavailable the limiter lets requests through and logs it:
//! refusing every sign-in during a cache outage would turn a degraded cache
//! into a full outage, and argon2's cost still bounds guessing speed.

use crate::ctx::Ctx;
use crate::error::Result;
use domain::AppError;
use fred::prelude::*;
use std::time::Duration;

pub struct Limit<'a> {
    pub key: String,
    pub max_failures: u32,
    pub window: Duration,
    pub label: &'a str,
}

/// `Err(RateLimited)` with the seconds left in the window when any limit is reached.
pub async fn check(ctx: &Ctx, limits: &[Limit<'_>]) -> Result<()> {
    for limit in limits {
        let count = match ctx.redis.get::<Option<u32>, _>(&limit.key).await {
            Ok(count) => count.unwrap_or(0),
            Err(e) => {
                tracing::warn!(error = %e, limit = limit.label, "rate limiter unavailable; allowing");
                continue;
            }
        };
        if count >= limit.max_failures {
            let ttl: i64 = ctx
                .redis
                .ttl(&limit.key)
                .await
                .unwrap_or(limit.window.as_secs() as i64);
            return Err(AppError::RateLimited {
                retry_after_secs: ttl.max(1) as u64,
            }
            .into());
        }
    }
    Ok(())
}

/// Counts one failure against every limit.
pub async fn record_failure(ctx: &Ctx, limits: &[Limit<'_>]) {
    for limit in limits {
        let result: Result<(), fred::error::Error> = async {
            let count: i64 = ctx.redis.incr(&limit.key).await?;
            if count == 1 {
                ctx.redis
                    .expire::<(), _>(&limit.key, limit.window.as_secs() as i64, None)
                    .await?;
            }
            Ok(())
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, limit = limit.label, "could not count a failed attempt");
        }
    }
}

/// Forgets the failures of one limit (after a successful sign-in).
pub async fn reset(ctx: &Ctx, limit: &Limit<'_>) {
    if let Err(e) = ctx.redis.del::<i64, _>(&limit.key).await {
        tracing::warn!(error = %e, limit = limit.label, "could not reset a rate limit");
    }
}
