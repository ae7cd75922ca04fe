//! Live updates: a server event reaches every open page of the organization it
//! belongs to within a second, on any server instance.
//!
//! `publish` sends an event on the organization's Redis channel; each instance
//! subscribes to all organizations once (`server/src/workers/live.rs`) and fans
//! events out to its own open `GET /live` streams through the in-process
//! [`LiveHub`]. The stream is scoped by the session, so a page only ever hears
//! its own organization. Without Redis, events still reach this instance's pages.

use crate::settings::Settings;
use domain::live::LiveEvent;
use fred::prelude::*;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;
use uuid::Uuid;

/// Events a slow page may fall behind by; beyond that it loses the oldest and
/// is told to resync (`LiveEvent::Resync`).
const BUFFER: usize = 64;

/// This instance's open streams, per organization, and how many each
/// session holds.
#[derive(Clone, Default)]
pub struct LiveHub {
    streams: Arc<Mutex<HashMap<Uuid, broadcast::Sender<LiveEvent>>>>,
    per_session: Arc<Mutex<HashMap<Uuid, usize>>>,
}

/// One session's place among its open streams; given back on drop.
pub struct StreamSlot {
    per_session: Arc<Mutex<HashMap<Uuid, usize>>>,
    session_id: Uuid,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.per_session.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = open.get_mut(&self.session_id) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.session_id);
            }
        }
    }
}

impl LiveHub {
    /// A place for one more stream of the session, unless it holds `max`.
    pub fn open_stream(&self, session_id: Uuid, max: usize) -> Option<StreamSlot> {
        let mut open = self.per_session.lock().unwrap_or_else(|p| p.into_inner());
        let count = open.entry(session_id).or_insert(0);
        if *count >= max {
            return None;
        }
        *count += 1;
        Some(StreamSlot {
            per_session: self.per_session.clone(),
            session_id,
        })
    }

    /// Listens to one organization's events (for one `GET /live`).
    pub fn subscribe(&self, organization_id: Uuid) -> broadcast::Receiver<LiveEvent> {
        let mut streams = self.streams.lock().unwrap_or_else(|p| p.into_inner());
        streams.retain(|_, sender| sender.receiver_count() > 0);
        streams
            .entry(organization_id)
            .or_insert_with(|| broadcast::channel(BUFFER).0)
            .subscribe()
    }

    /// Hands an event to this instance's open streams of that organization.
    pub fn deliver(&self, organization_id: Uuid, event: LiveEvent) {
        let streams = self.streams.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(sender) = streams.get(&organization_id) {
            let _ = sender.send(event); // no open stream: nobody to tell
        }
    }

    /// Organizations with an open stream on this instance.
    pub fn organizations(&self) -> Vec<Uuid> {
        let streams = self.streams.lock().unwrap_or_else(|p| p.into_inner());
        streams
            .iter()
            .filter(|(_, sender)| sender.receiver_count() > 0)
            .map(|(organization_id, _)| *organization_id)
            .collect()
    }

    /// Open streams on this instance, all sessions together.
    pub fn open_streams(&self) -> usize {
        let open = self.per_session.lock().unwrap_or_else(|p| p.into_inner());
        open.values().sum()
    }

    /// Open streams of the organization on this instance.
    pub fn listeners(&self, organization_id: Uuid) -> usize {
        let streams = self.streams.lock().unwrap_or_else(|p| p.into_inner());
        streams
            .get(&organization_id)
            .map_or(0, |s| s.receiver_count())
    }
}

/// The Redis channel of one organization's live events.
pub fn channel(settings: &Settings, organization_id: Uuid) -> String {
    settings.redis_key("live", &organization_id.to_string())
}

/// The pattern every instance subscribes to; the organization is the last segment.
pub fn channel_pattern(settings: &Settings) -> String {
    settings.redis_key("live", "*")
}

/// Sends `event` to every open page of the organization, on every instance.
/// Best effort: liveness is never worth failing the write that caused it.
pub async fn publish(
    redis: &fred::clients::Pool,
    settings: &Settings,
    hub: &LiveHub,
    organization_id: Uuid,
    event: LiveEvent,
) {
    let Ok(payload) = serde_json::to_string(&event) else {
        return;
    };
    let sent: Result<i64, _> = redis
        .next()
        .publish(channel(settings, organization_id), payload)
        .await;
    if let Err(e) = sent {
        tracing::debug!(error = %e, "Redis unavailable: live event reaches this instance only");
        hub.deliver(organization_id, event);
    }
}

/// The organization a live channel belongs to.
pub fn organization_of_channel(settings: &Settings, channel: &str) -> Option<Uuid> {
    let prefix = settings.redis_key("live", "");
    channel.strip_prefix(&prefix)?.parse().ok()
}
