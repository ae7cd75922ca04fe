use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;
use uuid::Uuid;

/// Organizations whose usage changed since the usage worker last looked.
/// Marking is cheap and happens on the request path; the worker recomputes
/// totals, alerts and live updates once per organization per round, which
/// coalesces a burst of events into a few updates a second.
#[derive(Clone, Default)]
pub struct UsageMeter {
    dirty: Arc<Mutex<HashSet<Uuid>>>,
    wake: Arc<Notify>,
}

impl UsageMeter {
    pub fn mark_changed(&self, organization_id: Uuid) {
        self.dirty
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(organization_id);
        self.wake.notify_one();
    }

    pub fn mark_all_changed(&self, organization_ids: impl IntoIterator<Item = Uuid>) {
        self.dirty
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(organization_ids);
        self.wake.notify_one();
    }

    /// Puts organizations back after a failed refresh, without waking the
    /// worker (it retries on its next timed round, not in a busy loop).
    pub fn retry_later(&self, organization_ids: impl IntoIterator<Item = Uuid>) {
        self.dirty
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(organization_ids);
    }

    pub fn take_changed(&self) -> Vec<Uuid> {
        self.dirty
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain()
            .collect()
    }

    /// Resolves when something was marked (or at once if a mark is pending).
    pub async fn changed(&self) {
        self.wake.notified().await;
    }
}
