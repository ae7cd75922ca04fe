use super::db;
use super::email::Email;
use crate::error::Result;
use domain::EmailAddress;
use sqlx::PgConnection;
use uuid::Uuid;

/// Queues an email inside the caller's transaction: it is sent if and only if
/// that transaction commits. `idempotency_key` names the intended message
/// (e.g. `welcome:<user id>`); queuing the same key again does nothing, so a
/// retried request cannot send twice.
pub async fn notify(
    tx: &mut PgConnection,
    idempotency_key: &str,
    organization_id: Option<Uuid>,
    recipient: &EmailAddress,
    email: &Email,
) -> Result<()> {
    let stored = serde_json::to_value(email).map_err(anyhow::Error::from)?;
    let template = stored["template"].as_str().unwrap_or_default().to_owned();
    db::insert_notification(
        tx,
        idempotency_key,
        organization_id,
        recipient.as_str(),
        &template,
        &stored["data"],
    )
    .await?;
    Ok(())
}
