//! An instance's life: serving, then draining before it stops. On SIGTERM
//! the instance drains: `/ready` answers 503 so the balancer stops sending it
//! new work, and live streams end with a hint to reconnect (elsewhere), while
//! requests already on their way are still answered.

use std::sync::Arc;
use tokio::sync::watch;

#[derive(Clone)]
pub struct Lifecycle {
    draining: Arc<watch::Sender<bool>>,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Self {
            draining: Arc::new(watch::channel(false).0),
        }
    }
}

impl Lifecycle {
    pub fn begin_draining(&self) {
        self.draining.send_replace(true);
    }

    pub fn is_draining(&self) -> bool {
        *self.draining.borrow()
    }

    /// Resolves once draining has begun (at once if it has).
    pub async fn draining(&self) {
        let mut draining = self.draining.subscribe();
        let _ = draining.wait_for(|&draining| draining).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn waiters_hear_when_draining_begins() {
        let lifecycle = Lifecycle::default();
        let waiter = tokio::spawn({
            let lifecycle = lifecycle.clone();
            async move { lifecycle.draining().await }
        });
        assert!(!lifecycle.is_draining());
        lifecycle.begin_draining();
        tokio::time::timeout(Duration::from_secs(1), waiter)
            .await
            .expect("woken")
            .expect("joined");
        assert!(lifecycle.is_draining());
        // A stream opened later learns at once.
        tokio::time::timeout(Duration::from_secs(1), lifecycle.draining())
            .await
            .expect("already draining");
    }
}
