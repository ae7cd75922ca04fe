//! Keeps every instance's API key cache honest: a Redis subscriber evicts
//! revoked or rotated keys the moment another instance announces them. (The
//! buffered calls and "last used" times are written by `workers::usage`.)

use anyhow::Context;
use app::api_keys::verifier::invalidation_channel;
use app::server::AppState;
use fred::prelude::*;
use std::time::Duration;

/// Subscribes to key announcements. Returns once subscribed (or once Redis
/// proved unreachable: then the cache TTL alone bounds staleness, and the
/// client keeps reconnecting and resubscribing in the background).
pub async fn subscribe_to_invalidations(state: &AppState, redis_url: &str) -> anyhow::Result<()> {
    let config = fred::types::config::Config::from_url(redis_url).context("parsing REDIS_URL")?;
    let subscriber = fred::types::Builder::from_config(config)
        .with_connection_config(|c| c.connection_timeout = Duration::from_secs(2))
        .set_policy(fred::types::config::ReconnectPolicy::new_exponential(
            0, 100, 5_000, 2,
        ))
        .build_subscriber_client()
        .context("building the Redis subscriber")?;
    let verifier = state.api_keys.clone();
    let mut messages = subscriber.message_rx();
    let client = subscriber.clone();
    tokio::spawn(async move {
        let _client = client; // the subscription lives as long as this task
        loop {
            let message = match messages.recv().await {
                Ok(message) => message,
                // Announcements were missed: forget every key rather than
                // keep one that may have been revoked.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    verifier.clear();
                    continue;
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            };
            if let Some(hash) = message
                .value
                .as_string()
                .and_then(|hex| hex::decode(hex).ok())
            {
                verifier.evict(&hash);
            }
        }
    });
    // Announcements sent while we were disconnected are lost: start afresh.
    let verifier = state.api_keys.clone();
    let mut reconnections = subscriber.reconnect_rx();
    tokio::spawn(async move {
        while reconnections.recv().await.is_ok() {
            verifier.clear();
        }
    });
    subscriber.connect();
    // Re-subscribes after every reconnection (the handle only detaches the task).
    drop(subscriber.manage_subscriptions());
    let channel = invalidation_channel(&state.settings);
    match tokio::time::timeout(Duration::from_secs(3), subscriber.wait_for_connect()).await {
        Ok(Ok(())) => subscriber
            .subscribe(channel)
            .await
            .context("subscribing to API key changes")?,
        _ => {
            tracing::warn!("Redis unreachable: API key revocations reach this instance within the cache TTL until it is back");
            tokio::spawn(async move {
                while subscriber.wait_for_connect().await.is_err() {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                if let Err(e) = subscriber.subscribe(channel).await {
                    tracing::error!(error = %e, "could not subscribe to API key changes");
                }
            });
        }
    }
    Ok(())
}
