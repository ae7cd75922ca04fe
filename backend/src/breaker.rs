//! Circuit breakers: while a dependency is known to be down, requests do not
//! wait on it. Measured before this existed: with Redis killed, every
//! dashboard request waited ~1.5 s for three command timeouts; with Postgres
//! stopped, requests hung for the pool's 5 s acquire timeout.
//!
//! A breaker opens after a few consecutive failures (or at once when a
//! connection is reported lost) and is closed only by a background probe
//! (`server::workers::breakers`) that reaches the dependency again, so no
//! request is ever the one that finds out it is still down.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;

/// Consecutive failures that open a breaker: one slow command is noise,
/// three in a row is an outage.
pub const FAILURES_TO_OPEN: u32 = 3;

#[derive(Clone, Default)]
pub struct Breaker {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    open: AtomicBool,
    consecutive_failures: AtomicU32,
}

impl Breaker {
    /// Whether calls should skip the dependency and take their fallback.
    pub fn is_open(&self) -> bool {
        self.inner.open.load(Ordering::Acquire)
    }

    pub fn record_success(&self) {
        self.inner.consecutive_failures.store(0, Ordering::Release);
    }

    pub fn record_failure(&self) {
        let failures = self
            .inner
            .consecutive_failures
            .fetch_add(1, Ordering::AcqRel)
            + 1;
        if failures >= FAILURES_TO_OPEN {
            self.open();
        }
    }

    /// Opens at once (a lost connection needs no second opinion). Returns
    /// whether it was closed before.
    pub fn open(&self) -> bool {
        !self.inner.open.swap(true, Ordering::AcqRel)
    }

    /// The probe reached the dependency. Returns whether it was open before.
    pub fn close(&self) -> bool {
        self.inner.consecutive_failures.store(0, Ordering::Release);
        self.inner.open.swap(false, Ordering::AcqRel)
    }
}

/// Whether a Redis error says Redis (or the way to it) is down, rather than
/// that one command was wrong.
pub fn is_outage(error: &fred::error::Error) -> bool {
    use fred::error::ErrorKind;
    matches!(
        error.kind(),
        ErrorKind::IO | ErrorKind::Timeout | ErrorKind::Canceled | ErrorKind::Backpressure
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_consecutive_failures_only() {
        let breaker = Breaker::default();
        breaker.record_failure();
        breaker.record_failure();
        breaker.record_success();
        breaker.record_failure();
        breaker.record_failure();
        assert!(!breaker.is_open(), "a success in between resets the count");
        breaker.record_failure();
        assert!(breaker.is_open());
    }

    #[test]
    fn stays_open_until_the_probe_closes_it() {
        let breaker = Breaker::default();
        assert!(breaker.open());
        assert!(!breaker.open(), "already open");
        breaker.record_success();
        assert!(breaker.is_open(), "only the probe closes it");
        assert!(breaker.close());
        assert!(!breaker.is_open());
        breaker.record_failure();
        assert!(!breaker.is_open(), "the count starts again from zero");
    }
}
