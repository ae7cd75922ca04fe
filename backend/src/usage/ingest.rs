//! `POST /api/v1/usage/events`: what a batch may contain.
//!
//! A batch is all or nothing: if any event is invalid, the answer is 400 with
//! every offending index and nothing is recorded, so the sender fixes and
//! resends the whole batch without working out which half landed. Events
//! already recorded (same organization and `event_id`) are counted once, so
//! resending a batch after a timeout is always safe.

use domain::usage::Metric;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

pub const MAX_BATCH: usize = 1_000;
/// Late reports are accepted for a day (a sender's retry queue), no longer:
/// older periods may already be invoiced.
pub const MAX_AGE: Duration = Duration::hours(24);
/// Clocks drift; five minutes ahead is a skewed clock, more is a bug.
pub const MAX_SKEW: Duration = Duration::minutes(5);
pub const MAX_EVENT_ID_LEN: usize = 100;
/// No single event reports more than a billion calls or a petabyte.
pub const MAX_QUANTITY: i64 = 1_000_000_000;

/// One event as the sender wrote it; every field is checked by [`validate`].
#[derive(Debug, Clone, Deserialize)]
pub struct RawEvent {
    pub event_id: Option<String>,
    pub organization_id: Option<String>,
    pub metric: Option<String>,
    pub quantity: Option<i64>,
    /// RFC 3339.
    pub timestamp: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RawBatch {
    pub events: Vec<RawEvent>,
}

/// A valid event.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageEvent {
    pub event_id: String,
    pub organization_id: Uuid,
    pub metric: Metric,
    pub quantity: i64,
    pub occurred_at: OffsetDateTime,
}

/// Why one event of a batch was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventError {
    pub index: usize,
    pub field: &'static str,
    pub message: String,
}

/// Why a whole batch was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum BatchError {
    EmptyBatch {
        message: String,
    },
    BatchTooLarge {
        message: String,
        max: usize,
    },
    InvalidEvents {
        message: String,
        errors: Vec<EventError>,
    },
}

impl BatchError {
    pub fn invalid(errors: Vec<EventError>) -> Self {
        BatchError::InvalidEvents {
            message: format!(
                "{} event(s) are invalid; nothing in this batch was recorded.",
                errors.len()
            ),
            errors,
        }
    }
}

/// Checks every event of a batch against `now`.
pub fn validate(batch: Vec<RawEvent>, now: OffsetDateTime) -> Result<Vec<UsageEvent>, BatchError> {
    if batch.is_empty() {
        return Err(BatchError::EmptyBatch {
            message: "Send at least one event.".into(),
        });
    }
    if batch.len() > MAX_BATCH {
        return Err(BatchError::BatchTooLarge {
            message: format!(
                "A batch holds at most {MAX_BATCH} events; this one has {}.",
                batch.len()
            ),
            max: MAX_BATCH,
        });
    }
    let mut valid = Vec::with_capacity(batch.len());
    let mut errors = Vec::new();
    for (index, raw) in batch.into_iter().enumerate() {
        match validate_event(raw, now) {
            Ok(event) => valid.push(event),
            Err((field, message)) => errors.push(EventError {
                index,
                field,
                message,
            }),
        }
    }
    if errors.is_empty() {
        Ok(valid)
    } else {
        Err(BatchError::invalid(errors))
    }
}

fn validate_event(
    raw: RawEvent,
    now: OffsetDateTime,
) -> Result<UsageEvent, (&'static str, String)> {
    let event_id = raw.event_id.filter(|id| !id.trim().is_empty()).ok_or((
        "event_id",
        "Give every event an event_id (your idempotency key).".to_owned(),
    ))?;
    if event_id.len() > MAX_EVENT_ID_LEN || event_id.chars().any(char::is_control) {
        return Err((
            "event_id",
            format!("event_id is at most {MAX_EVENT_ID_LEN} printable characters."),
        ));
    }
    let organization_id = raw
        .organization_id
        .as_deref()
        .and_then(|id| Uuid::parse_str(id).ok())
        .ok_or((
            "organization_id",
            "organization_id must be an organization's id (a UUID).".to_owned(),
        ))?;
    let metric = match raw.metric.as_deref() {
        Some("seats") => {
            return Err((
                "metric",
                "seats are counted from the organization's members and cannot be reported.".into(),
            ))
        }
        Some(name) => Metric::parse_reported(name).ok_or((
            "metric",
            format!("Unknown metric {name:?}: use \"api_calls\" or \"storage_mb\"."),
        ))?,
        None => return Err(("metric", "metric is required.".into())),
    };
    let quantity = raw
        .quantity
        .ok_or(("quantity", "quantity is required.".to_owned()))?;
    if quantity < 0 {
        return Err(("quantity", "quantity cannot be negative.".into()));
    }
    if quantity > MAX_QUANTITY {
        return Err(("quantity", format!("quantity is at most {MAX_QUANTITY}.")));
    }
    let occurred_at = raw
        .timestamp
        .as_deref()
        .and_then(|t| OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok())
        .ok_or((
            "timestamp",
            "timestamp must be an RFC 3339 time, e.g. 2026-11-26T10:00:00Z.".to_owned(),
        ))?;
    if occurred_at < now - MAX_AGE {
        return Err((
            "timestamp",
            "timestamp is more than 24 hours in the past.".into(),
        ));
    }
    if occurred_at > now + MAX_SKEW {
        return Err((
            "timestamp",
            "timestamp is more than 5 minutes in the future.".into(),
        ));
    }
    Ok(UsageEvent {
        event_id,
        organization_id,
        metric,
        quantity,
        occurred_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-26 12:00 UTC);

    fn event(id: &str) -> RawEvent {
        RawEvent {
            event_id: Some(id.into()),
            organization_id: Some("7f0c8f0e-8a4e-4a39-9a55-2f1bd2d3c0aa".into()),
            metric: Some("api_calls".into()),
            quantity: Some(5),
            timestamp: Some("2026-11-26T11:59:00Z".into()),
        }
    }

    fn errors_of(batch: Vec<RawEvent>) -> Vec<(usize, &'static str)> {
        match validate(batch, NOW) {
            Err(BatchError::InvalidEvents { errors, .. }) => {
                errors.iter().map(|e| (e.index, e.field)).collect()
            }
            other => panic!("expected invalid events, got {other:?}"),
        }
    }

    #[test]
    fn a_valid_batch_parses() {
        let events = validate(vec![event("a"), event("b")], NOW).unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].metric, Metric::ApiCalls);
        assert_eq!(events[0].occurred_at, datetime!(2026-11-26 11:59 UTC));
    }

    #[test]
    fn each_bad_field_is_named_with_its_index() {
        let mut unknown = event("c");
        unknown.metric = Some("bandwidth".into());
        let mut negative = event("d");
        negative.quantity = Some(-1);
        let mut old = event("e");
        old.timestamp = Some("2026-11-25T11:59:59Z".into());
        let mut future = event("f");
        future.timestamp = Some("2026-11-26T12:05:01Z".into());
        let mut seats = event("g");
        seats.metric = Some("seats".into());
        let mut no_org = event("h");
        no_org.organization_id = Some("acme".into());
        let errors = errors_of(vec![
            event("a"),
            unknown,
            negative,
            old,
            future,
            seats,
            no_org,
        ]);
        assert_eq!(
            errors,
            vec![
                (1, "metric"),
                (2, "quantity"),
                (3, "timestamp"),
                (4, "timestamp"),
                (5, "metric"),
                (6, "organization_id")
            ]
        );
    }

    #[test]
    fn batch_size_is_bounded() {
        assert!(matches!(
            validate(vec![], NOW),
            Err(BatchError::EmptyBatch { .. })
        ));
        let big = (0..=MAX_BATCH).map(|i| event(&i.to_string())).collect();
        assert!(matches!(
            validate(big, NOW),
            Err(BatchError::BatchTooLarge { .. })
        ));
        let full = (0..MAX_BATCH).map(|i| event(&i.to_string())).collect();
        assert_eq!(validate(full, NOW).unwrap().len(), MAX_BATCH);
    }

    #[test]
    fn the_edges_of_the_time_window_are_accepted() {
        let mut oldest = event("a");
        oldest.timestamp = Some("2026-11-25T12:00:00Z".into());
        let mut newest = event("b");
        newest.timestamp = Some("2026-11-26T12:05:00Z".into());
        assert_eq!(validate(vec![oldest, newest], NOW).unwrap().len(), 2);
    }
}
