//! One Redis subscription, kept alive: a dedicated connection that subscribes
//! again after every reconnection and tells its [`Listener`] whenever messages
//! may have been missed, so the listener can make up for them.
//!
//! Pub/sub delivers at most once: messages published while the connection was
//! down, or while the local queue was full, are gone. Every listener therefore
//! has a `gap` answer (drop a cache, re-read totals from Postgres) instead of
//! trusting that it heard everything.

use anyhow::Context;
use fred::clients::SubscriberClient;
use fred::prelude::*;
use fred::types::Message;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::broadcast::Receiver;
use tokio::sync::Notify;

/// Messages the connection may hold for a slow listener before it skips ahead
/// (fred's default, 32, overflowed when one refresh round published for
/// 2,000 organizations).
const QUEUE: usize = 8_192;
/// How long `subscribe` waits for Redis before the server starts without it.
const FIRST_CONNECT: Duration = Duration::from_secs(3);

/// What to subscribe to.
#[derive(Debug, Clone)]
pub enum Topic {
    Channel(String),
    Pattern(String),
}

/// What a subscription does with what it hears.
pub trait Listener: Send + Sync + 'static {
    fn message(&self, message: Message);
    /// Messages may have been missed: the connection was (re)made or the
    /// queue overflowed. Also called once after the first subscription.
    fn gap(&self);
}

/// Subscribes `listener` to `topic`. Returns once subscribed, or after a few
/// seconds if Redis is unreachable; the subscription is then made as soon as
/// Redis answers, and renewed after every reconnection.
pub async fn subscribe(
    redis_url: &str,
    topic: Topic,
    listener: Arc<dyn Listener>,
) -> anyhow::Result<()> {
    let config = fred::types::config::Config::from_url(redis_url).context("parsing REDIS_URL")?;
    let client = fred::types::Builder::from_config(config)
        .with_connection_config(|c| c.connection_timeout = Duration::from_secs(2))
        .with_performance_config(|c| c.broadcast_channel_capacity = QUEUE)
        .set_policy(fred::types::config::ReconnectPolicy::new_exponential(
            0, 100, 5_000, 2,
        ))
        .build_subscriber_client()
        .with_context(|| format!("building the Redis subscriber for {topic:?}"))?;
    // Both receivers exist before the first connection, so none is missed.
    let messages = client.message_rx();
    let connections = client.reconnect_rx();
    tokio::spawn(deliver(messages, listener.clone(), client.clone()));
    let subscribed = Arc::new(Notify::new());
    tokio::spawn(keep_subscribed(
        client.clone(),
        connections,
        topic.clone(),
        listener,
        subscribed.clone(),
    ));
    client.connect();
    if tokio::time::timeout(FIRST_CONNECT, subscribed.notified())
        .await
        .is_err()
    {
        tracing::warn!(
            ?topic,
            "Redis unreachable: subscribing as soon as it answers"
        );
    }
    Ok(())
}

/// Hands every message to the listener; a full queue is a gap, not the end.
async fn deliver(
    mut messages: Receiver<Message>,
    listener: Arc<dyn Listener>,
    _client: SubscriberClient, // the connection lives as long as this task
) {
    loop {
        match messages.recv().await {
            Ok(message) => listener.message(message),
            Err(RecvError::Lagged(missed)) => {
                tracing::warn!(missed, "Redis subscriber fell behind; resynchronising");
                listener.gap();
            }
            Err(RecvError::Closed) => return,
        }
    }
}

/// Subscribes on every (re)connection, then reports the gap: whatever was
/// published while disconnected was lost.
async fn keep_subscribed(
    client: SubscriberClient,
    mut connections: Receiver<Server>,
    topic: Topic,
    listener: Arc<dyn Listener>,
    subscribed: Arc<Notify>,
) {
    loop {
        match connections.recv().await {
            Ok(_) | Err(RecvError::Lagged(_)) => {}
            Err(RecvError::Closed) => return,
        }
        let result = match &topic {
            Topic::Channel(channel) => client.subscribe(channel.as_str()).await,
            Topic::Pattern(pattern) => client.psubscribe(pattern.as_str()).await,
        };
        match result {
            // A failure here means the connection dropped again: the next
            // reconnection brings us back.
            Err(e) => {
                tracing::warn!(error = %e, ?topic, "could not subscribe; retrying on reconnection")
            }
            Ok(()) => {
                listener.gap();
                subscribed.notify_one();
            }
        }
    }
}
