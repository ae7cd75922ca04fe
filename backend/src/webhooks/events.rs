//! Writing events: a feature calls [`emit`] inside the transaction of the
//! change that caused it, so an event exists if and only if the change
//! committed, and is fanned out to the subscribed endpoints right there.

use super::db;
use crate::error::Result;
use domain::webhooks::EventType;
use serde_json::{json, Value};
use sqlx::PgConnection;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use uuid::Uuid;

/// Records `event` with `data` for every endpoint of the organization
/// subscribed to it (nothing when none is).
pub async fn emit(
    tx: &mut PgConnection,
    organization_id: Uuid,
    event: EventType,
    data: Value,
) -> Result<()> {
    let payload = body(event.as_str(), data);
    db::insert_event(tx, organization_id, event.as_str(), &payload, None).await?;
    Ok(())
}

/// `{"type", "timestamp", "data"}`: the Standard Webhooks payload shape.
pub(super) fn body(event_type: &str, data: Value) -> Value {
    let timestamp = OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default();
    json!({ "type": event_type, "timestamp": timestamp, "data": data })
}

/// The `webhook-id` of an event: the same on every attempt and endpoint.
pub fn message_id(event_id: Uuid) -> String {
    format!("msg_{}", event_id.simple())
}
