//! Fans live events out to this instance's open pages: one Redis subscription
//! (a pattern over every organization's channel) per instance.

use anyhow::Context;
use app::live::{channel_pattern, organization_of_channel, LiveEvent};
use app::server::AppState;
use fred::prelude::*;
use std::time::Duration;

/// Subscribes to every organization's live channel. Returns once subscribed,
/// or at once if Redis is unreachable (then events reach only the instance
/// that published them, and the subscription is made when Redis is back).
pub async fn subscribe(state: &AppState, redis_url: &str) -> anyhow::Result<()> {
    let config = fred::types::config::Config::from_url(redis_url).context("parsing REDIS_URL")?;
    let subscriber = fred::types::Builder::from_config(config)
        .with_connection_config(|c| c.connection_timeout = Duration::from_secs(2))
        .set_policy(fred::types::config::ReconnectPolicy::new_exponential(
            0, 100, 5_000, 2,
        ))
        .build_subscriber_client()
        .context("building the live events subscriber")?;
    let mut messages = subscriber.message_rx();
    let hub = state.live.clone();
    let settings = state.settings.clone();
    let client = subscriber.clone();
    tokio::spawn(async move {
        let _client = client; // the subscription lives as long as this task
        while let Ok(message) = messages.recv().await {
            let Some(organization_id) = organization_of_channel(&settings, &message.channel) else {
                continue;
            };
            let event = message
                .value
                .as_str()
                .and_then(|json| serde_json::from_str::<LiveEvent>(&json).ok());
            if let Some(event) = event {
                hub.deliver(organization_id, event);
            }
        }
    });
    subscriber.connect();
    drop(subscriber.manage_subscriptions());
    let pattern = channel_pattern(&state.settings);
    match tokio::time::timeout(Duration::from_secs(3), subscriber.wait_for_connect()).await {
        Ok(Ok(())) => subscriber
            .psubscribe(pattern)
            .await
            .context("subscribing to live events")?,
        _ => {
            tracing::warn!("Redis unreachable: live events reach only the instance that sent them until it is back");
            tokio::spawn(async move {
                while subscriber.wait_for_connect().await.is_err() {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                if let Err(e) = subscriber.psubscribe(pattern).await {
                    tracing::error!(error = %e, "could not subscribe to live events");
                }
            });
        }
    }
    Ok(())
}
