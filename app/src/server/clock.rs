//! The server's notion of "now". Production reads the wall clock; tests move it
//! forward (`advance`) to exercise expiries without sleeping. Every clone
//! shares one offset, so advancing the clock in `Settings` moves it for every
//! request the app serves.

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

pub use crate::domain::dates::display_minutes;

/// A random (v4) UUID from the OS random source.
pub fn new_uuid() -> Result<uuid::Uuid, crate::error::AppError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("OS random source failed: {e}"))?;
    Ok(uuid::Builder::from_random_bytes(bytes).into_uuid())
}
