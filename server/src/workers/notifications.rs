//! Delivers the outbox (`app::notifications`): a relay moves committed rows
//! onto a Redis Stream, and workers in a consumer group send them.
//!
//! Exactly once, as far as SMTP allows:
//! - a row is sent while its Postgres row lock is held, and marked sent in the
//!   same transaction, so two workers never send it at once;
//! - a stream entry is acknowledged only after that transaction commits; an
//!   entry left pending by a crashed worker is reclaimed (`XAUTOCLAIM`) after
//!   `reclaim_after` and finds the row already sent, or sends it;
//! - Redis can lose the stream: rows still pending are relayed again once
//!   their entry is `relay_stale_after` old, and while Redis is unreachable the
//!   worker claims due rows from Postgres directly (`FOR UPDATE SKIP LOCKED`).
//!
//! The one gap left is SMTP itself. When Postgres fails between the SMTP
//! server accepting a message and our commit (a restart), the worker keeps
//! recording it on fresh connections rather than sending it again; only a
//! crash of the worker itself in that moment resends it, and the stable
//! Message-ID lets the receiving side drop that duplicate.

use crate::mail::{Mailer, SendError};
use backend::notifications::db::{self, PendingNotification};
use fred::prelude::*;
use fred::types::Value;
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::watch;
use uuid::Uuid;

const GROUP: &str = "senders";
const FIELD: &str = "notification_id";

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// This worker's name in the consumer group (unique per process).
    pub consumer: String,
    pub stream_key: String,
    /// A pending entry idle this long belongs to a crashed worker.
    pub reclaim_after: Duration,
    /// A relayed row still pending after this long is relayed again.
    pub relay_stale_after: Duration,
    pub max_attempts: i32,
    /// First retry delay; doubles with each attempt (capped at an hour).
    pub backoff_base: Duration,
    pub poll_interval: Duration,
    /// Absolute links in emails start with this.
    pub base_url: String,
}

impl WorkerConfig {
    pub fn new(redis_prefix: &str, base_url: &str) -> Self {
        Self {
            consumer: format!("worker-{}", Uuid::new_v4().simple()),
            stream_key: format!("{redis_prefix}:notifications:stream"),
            reclaim_after: Duration::from_secs(30),
            relay_stale_after: Duration::from_secs(60),
            max_attempts: 8,
            backoff_base: Duration::from_secs(30),
            poll_interval: Duration::from_millis(500),
            base_url: base_url.to_owned(),
        }
    }
}

/// What happened to one notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Sent(Uuid),
    /// Already sent (or being sent by another worker): acknowledged, not resent.
    AlreadyHandled,
    RetryLater(Uuid),
    DeadLettered(Uuid),
    /// Not sent: the recipient turned its category off.
    Suppressed(Uuid),
}

/// What the recipient's preferences say about one email.
enum Recipient {
    TurnedOff,
    /// Send it, with this unsubscribe query when they may turn it off.
    Wants {
        unsubscribe: Option<String>,
    },
}

#[derive(Clone)]
pub struct NotificationWorker {
    db: PgPool,
    redis: fred::clients::Pool,
    mailer: Mailer,
    config: Arc<WorkerConfig>,
}

impl NotificationWorker {
    pub fn new(
        db: PgPool,
        redis: fred::clients::Pool,
        mailer: Mailer,
        config: WorkerConfig,
    ) -> Self {
        Self {
            db,
            redis,
            mailer,
            config: Arc::new(config),
        }
    }

    /// Runs relay and delivery until `shutdown` turns true.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!(consumer = %self.config.consumer, "notification worker started");
        while !*shutdown.borrow() {
            if let Err(e) = self.relay_once().await {
                tracing::warn!(error = %e, "relay failed; delivering from Postgres until Redis is back");
            }
            loop {
                match self.process_one().await {
                    Ok(Some(_)) => continue,
                    Ok(None) => break,
                    Err(e) => {
                        tracing::error!(error = ?e, "notification delivery failed");
                        break;
                    }
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(self.config.poll_interval) => {}
                _ = shutdown.changed() => {}
            }
        }
        tracing::info!("notification worker stopped");
    }

    /// Copies due, unrelayed rows onto the stream. Returns how many.
    pub async fn relay_once(&self) -> anyhow::Result<usize> {
        let mut tx = self.db.begin().await?;
        let stale_before = OffsetDateTime::now_utc() - self.config.relay_stale_after;
        let ids = db::lock_due_for_relay(&mut tx, stale_before, 500).await?;
        if ids.is_empty() {
            return Ok(0);
        }
        let pipeline = self.redis.next().pipeline();
        for id in &ids {
            let _: () = pipeline
                .xadd(
                    &self.config.stream_key,
                    false,
                    None,
                    "*",
                    vec![(FIELD, id.to_string())],
                )
                .await?;
        }
        // If Redis fails here the transaction rolls back and the rows stay
        // unrelayed; a duplicate entry (a partial pipeline) is harmless.
        let _: Vec<Value> = pipeline.all().await?;
        db::mark_relayed(&mut tx, &ids).await?;
        tx.commit().await?;
        Ok(ids.len())
    }

    /// Handles at most one notification: a reclaimed or new stream entry, or,
    /// when Redis is unreachable, the most overdue row in Postgres. `None`
    /// when there is nothing to do.
    pub async fn process_one(&self) -> anyhow::Result<Option<Delivery>> {
        match self.next_entry().await {
            Ok(Some((entry_id, notification_id))) => {
                let delivery = match notification_id {
                    Some(id) => self.deliver(id).await?,
                    None => Delivery::AlreadyHandled, // malformed entry: nothing to send
                };
                self.ack(&entry_id).await?;
                Ok(Some(delivery))
            }
            Ok(None) => Ok(None),
            Err(e) => {
                tracing::warn!(error = %e, "stream unavailable; claiming from Postgres");
                self.deliver_next_due().await
            }
        }
    }

    /// Sends one notification by id if it is still pending and due.
    pub async fn deliver(&self, id: Uuid) -> anyhow::Result<Delivery> {
        let mut tx = self.db.begin().await?;
        let Some(row) = db::lock_pending(&mut tx, id).await? else {
            return Ok(Delivery::AlreadyHandled);
        };
        let outcome = self.send_locked(&mut tx, &row).await?;
        self.finish(tx, outcome).await
    }

    async fn deliver_next_due(&self) -> anyhow::Result<Option<Delivery>> {
        let mut tx = self.db.begin().await?;
        let Some(row) = db::lock_next_due(&mut tx).await? else {
            return Ok(None);
        };
        let outcome = self.send_locked(&mut tx, &row).await?;
        Ok(Some(self.finish(tx, outcome).await?))
    }

    /// Commits what [`Self::send_locked`] recorded. A message the SMTP server
    /// has accepted must not be sent again because Postgres restarted before
    /// we recorded it: the record is retried (see [`Self::record_sent`]).
    async fn finish(
        &self,
        tx: sqlx::Transaction<'static, sqlx::Postgres>,
        (delivery, recorded): (Delivery, Result<(), sqlx::Error>),
    ) -> anyhow::Result<Delivery> {
        let failure = match recorded {
            Ok(()) => match tx.commit().await {
                Ok(()) => return Ok(delivery),
                Err(e) => e,
            },
            Err(e) => {
                // Releases the row lock the retry needs (if the connection lives).
                let _ = tx.rollback().await;
                e
            }
        };
        match delivery {
            Delivery::Sent(id) => {
                self.record_sent(id, failure).await?;
                Ok(delivery)
            }
            _ => Err(failure.into()),
        }
    }

    /// Marks a message the SMTP server accepted as sent, on fresh
    /// connections, until Postgres answers or half of `reclaim_after` has
    /// passed (after that another worker may claim the entry and send it
    /// again; the stable Message-ID then lets the receiver drop it).
    async fn record_sent(&self, id: Uuid, failure: sqlx::Error) -> anyhow::Result<()> {
        tracing::warn!(notification = %id, error = %failure, "sent, but not recorded yet; retrying");
        let deadline = tokio::time::Instant::now() + self.config.reclaim_after / 2;
        let mut wait = Duration::from_millis(100);
        loop {
            let attempt = async {
                let mut conn = self.db.acquire().await?;
                db::mark_sent(&mut conn, id).await
            };
            match attempt.await {
                Ok(()) => return Ok(()),
                Err(e) if tokio::time::Instant::now() + wait >= deadline => {
                    return Err(anyhow::Error::from(e).context(format!(
                        "notification {id} was sent but is not recorded; it may be sent again"
                    )));
                }
                Err(_) => {
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(2));
                }
            }
        }
    }

    /// Sends `row` and records the outcome in `tx`. A failure to record a
    /// successful send is returned beside it, for [`Self::finish`].
    async fn send_locked(
        &self,
        tx: &mut sqlx::PgConnection,
        row: &PendingNotification,
    ) -> anyhow::Result<(Delivery, Result<(), sqlx::Error>)> {
        let result = match row.email() {
            Ok(email) => match self.recipient(tx, row, &email).await? {
                Recipient::TurnedOff => {
                    db::mark_suppressed(tx, row.id).await?;
                    metrics::counter!("portal_notifications_total", "outcome" => "suppressed")
                        .increment(1);
                    return Ok((Delivery::Suppressed(row.id), Ok(())));
                }
                Recipient::Wants { unsubscribe } => {
                    let rendered = email.render_for(&self.config.base_url, unsubscribe.as_deref());
                    let one_click = unsubscribe.map(|query| {
                        format!(
                            "{}{}?{query}",
                            self.config.base_url.trim_end_matches('/'),
                            crate::http::paths::UNSUBSCRIBE_ONE_CLICK
                        )
                    });
                    let message_id = format!("<{}@portal.notifications>", row.id);
                    self.mailer
                        .send(&row.recipient, &rendered, &message_id, one_click.as_deref())
                        .await
                }
            },
            Err(e) => Err(SendError::Permanent(format!(
                "unknown template {:?}: {e}",
                row.template
            ))),
        };
        let attempts = row.attempts + 1;
        let delivery = match result {
            Ok(()) => {
                metrics::counter!("portal_notifications_total", "outcome" => "sent").increment(1);
                return Ok((Delivery::Sent(row.id), db::mark_sent(tx, row.id).await));
            }
            Err(SendError::Transient(error)) if attempts < self.config.max_attempts => {
                let retry_at = OffsetDateTime::now_utc() + self.backoff(attempts);
                tracing::warn!(notification = %row.id, attempts, %error, "send failed; will retry");
                db::mark_failed(tx, row.id, &error, Some(retry_at)).await?;
                metrics::counter!("portal_notifications_total", "outcome" => "retry").increment(1);
                Delivery::RetryLater(row.id)
            }
            Err(error) => {
                tracing::error!(notification = %row.id, attempts, error = error.message(), "send failed for good");
                db::mark_failed(tx, row.id, error.message(), None).await?;
                metrics::counter!("portal_notifications_total", "outcome" => "dead").increment(1);
                Delivery::DeadLettered(row.id)
            }
        };
        Ok((delivery, Ok(())))
    }

    /// Whether the recipient wants this email, checked now rather than when
    /// it was queued so that a change applies to queued emails; and, for a
    /// member who may turn its category off, the signed unsubscribe link's
    /// query (a billing address that is no member's gets none).
    async fn recipient(
        &self,
        tx: &mut sqlx::PgConnection,
        row: &PendingNotification,
        email: &backend::notifications::Email,
    ) -> anyhow::Result<Recipient> {
        let (Some(category), Some(organization_id)) = (
            email.category().filter(|c| c.can_turn_off()),
            row.organization_id,
        ) else {
            return Ok(Recipient::Wants { unsubscribe: None });
        };
        let choice =
            db::member_choice(tx, &row.recipient, organization_id, category.as_str()).await?;
        let Some((user, off)) = choice else {
            return Ok(Recipient::Wants { unsubscribe: None });
        };
        if off {
            return Ok(Recipient::TurnedOff);
        }
        let query =
            backend::notifications::unsubscribe::query_for(tx, user, organization_id, category)
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        Ok(Recipient::Wants {
            unsubscribe: Some(query),
        })
    }

    fn backoff(&self, attempts: i32) -> Duration {
        let factor = 2u32.saturating_pow(attempts.saturating_sub(1).max(0) as u32);
        (self.config.backoff_base * factor).min(Duration::from_secs(3600))
    }

    /// A reclaimed entry first (a crashed worker's), else a new one.
    async fn next_entry(&self) -> Result<Option<(String, Option<Uuid>)>, fred::error::Error> {
        self.ensure_group().await?;
        let reclaimed: Value = self
            .redis
            .xautoclaim(
                &self.config.stream_key,
                GROUP,
                &self.config.consumer,
                self.config.reclaim_after.as_millis() as u64,
                "0-0",
                Some(1),
                false,
            )
            .await?;
        if let Some(entry) = first_autoclaimed(reclaimed) {
            return Ok(Some(entry));
        }
        let read: Value = self
            .redis
            .xreadgroup(
                GROUP,
                &self.config.consumer,
                Some(1),
                None,
                false,
                &self.config.stream_key,
                ">",
            )
            .await?;
        Ok(first_read(read))
    }

    /// Creates the consumer group if missing (also after Redis lost it).
    async fn ensure_group(&self) -> Result<(), fred::error::Error> {
        let created: Result<Value, _> = self
            .redis
            .xgroup_create(&self.config.stream_key, GROUP, "0", true)
            .await;
        match created {
            Ok(_) => Ok(()),
            Err(e) if e.details().contains("BUSYGROUP") => Ok(()),
            Err(e) => Err(e),
        }
    }

    async fn ack(&self, entry_id: &str) -> anyhow::Result<()> {
        if let Err(e) = self
            .redis
            .xack::<i64, _, _, _>(&self.config.stream_key, GROUP, entry_id)
            .await
        {
            // Not fatal: the entry is reclaimed later and finds the row handled.
            tracing::warn!(error = %e, "could not acknowledge a stream entry");
        }
        Ok(())
    }
}

/// `[next-id, [[id, [field, value, …]], …], …]` → the first entry.
fn first_autoclaimed(value: Value) -> Option<(String, Option<Uuid>)> {
    let Value::Array(mut parts) = value else {
        return None;
    };
    if parts.len() < 2 {
        return None;
    }
    match parts.swap_remove(1) {
        Value::Array(entries) => entries.into_iter().find_map(entry),
        _ => None,
    }
}

/// `[[stream, [[id, [field, value, …]], …]]]` (RESP2) → the first entry.
fn first_read(value: Value) -> Option<(String, Option<Uuid>)> {
    let Value::Array(streams) = value else {
        return None;
    };
    streams.into_iter().find_map(|stream| match stream {
        Value::Array(mut pair) if pair.len() == 2 => match pair.swap_remove(1) {
            Value::Array(entries) => entries.into_iter().find_map(entry),
            _ => None,
        },
        _ => None,
    })
}

fn entry(value: Value) -> Option<(String, Option<Uuid>)> {
    let Value::Array(mut parts) = value else {
        return None;
    };
    if parts.len() != 2 {
        return None;
    }
    let fields = parts.pop()?;
    let id = parts.pop()?.as_string()?;
    let notification_id = match fields {
        Value::Array(fields) => fields
            .chunks(2)
            .find(|pair| pair.first().and_then(Value::as_string).as_deref() == Some(FIELD))
            .and_then(|pair| pair.get(1)?.as_string()?.parse().ok()),
        _ => None,
    };
    Some((id, notification_id))
}
