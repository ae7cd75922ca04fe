use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::Notify;
use uuid::Uuid;

/// Organizations whose usage changed since the usage worker last looked.
/// Marking is cheap and happens on the request path; the worker recomputes
/// totals, alerts and live updates once per organization per round, which
/// coalesces a burst of events into a few updates a second.
#[derive(Clone, Default)]
pub struct UsageMeter {
    dirty: Arc<Mutex<Changed>>,
    wake: Arc<Notify>,
}

/// What a round of the usage worker refreshes.
#[derive(Debug, Default)]
pub struct Changed {
    pub organizations: HashSet<Uuid>,
    /// When the oldest change among them was marked: how long a gauge on an
    /// open page has been behind (`portal_usage_gauge_lag_seconds`).
    pub since: Option<Instant>,
}

impl Changed {
    fn extend(&mut self, organizations: impl IntoIterator<Item = Uuid>, since: Instant) {
        let before = self.organizations.len();
        self.organizations.extend(organizations);
        if self.organizations.len() > before {
            self.since = Some(self.since.map_or(since, |s| s.min(since)));
        }
    }
}

impl UsageMeter {
    pub fn mark_changed(&self, organization_id: Uuid) {
        self.mark_all_changed([organization_id]);
    }

    pub fn mark_all_changed(&self, organization_ids: impl IntoIterator<Item = Uuid>) {
        self.lock().extend(organization_ids, Instant::now());
        self.wake.notify_one();
    }

    /// Puts organizations back after a failed refresh, without waking the
    /// worker (it retries on its next timed round, not in a busy loop). The
    /// lag keeps counting from the original change.
    pub fn retry_later(&self, changed: Changed) {
        let since = changed.since.unwrap_or_else(Instant::now);
        self.lock().extend(changed.organizations, since);
    }

    pub fn take_changed(&self) -> Changed {
        std::mem::take(&mut *self.lock())
    }

    /// Resolves when something was marked (or at once if a mark is pending).
    pub async fn changed(&self) {
        self.wake.notified().await;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Changed> {
        self.dirty.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_lag_counts_from_the_oldest_change_and_survives_a_retry() {
        let meter = UsageMeter::default();
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        meter.mark_changed(a);
        let first = meter.lock().since.expect("a mark starts the clock");
        std::thread::sleep(Duration::from_millis(5));
        meter.mark_all_changed([a, b]);
        let changed = meter.take_changed();
        assert_eq!(
            changed.since,
            Some(first),
            "a later mark must not reset the clock"
        );
        assert_eq!(changed.organizations.len(), 2);
        assert!(
            meter.take_changed().since.is_none(),
            "taking resets the meter"
        );

        meter.retry_later(changed);
        let retried = meter.take_changed();
        assert_eq!(
            retried.since,
            Some(first),
            "a retry keeps the original time"
        );
    }
}
