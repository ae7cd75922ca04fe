//! The server's one notion of "now", for every expiry it decides: sessions,
//! invitations, API keys, billing periods. Production reads the wall clock;
//! tests move it forward (`advance`) to exercise expiries without sleeping.
//! Every clone shares one offset, so advancing the clock of a `Ctx` moves it
//! for every request the app serves.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use time::OffsetDateTime;

#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_secs: Arc<AtomicI64>,
}

impl Clock {
    pub fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
            + time::Duration::seconds(self.offset_secs.load(Ordering::Relaxed))
    }

    pub fn advance(&self, by: time::Duration) {
        self.offset_secs
            .fetch_add(by.whole_seconds(), Ordering::Relaxed);
    }
}
