//! Keeps every instance's API key cache honest: a Redis subscriber evicts
//! revoked or rotated keys the moment another instance announces them. (The
//! buffered calls and "last used" times are written by `workers::usage`.)

use super::subscriber::{self, Listener, Topic};
use backend::api_keys::verifier::{invalidation_channel, ApiKeyVerifier};
use backend::AppState;
use fred::types::Message;
use std::sync::Arc;

/// Subscribes to key announcements (see [`subscriber::subscribe`] for when it
/// returns). Without Redis, the cache TTL alone bounds staleness.
pub async fn subscribe_to_invalidations(state: &AppState, redis_url: &str) -> anyhow::Result<()> {
    let topic = Topic::Channel(invalidation_channel(&state.settings));
    let listener = Arc::new(KeyCache {
        verifier: state.api_keys.clone(),
    });
    subscriber::subscribe(redis_url, topic, listener).await
}

struct KeyCache {
    verifier: ApiKeyVerifier,
}

impl Listener for KeyCache {
    fn message(&self, message: Message) {
        if let Some(hash) = message
            .value
            .as_string()
            .and_then(|hex| hex::decode(hex).ok())
        {
            self.verifier.evict(&hash);
        }
    }

    /// Announcements were missed: forget every key rather than keep one that
    /// may have been revoked.
    fn gap(&self) {
        self.verifier.clear();
    }
}
