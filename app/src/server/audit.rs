//! The audit log: one helper that every mutation calls inside its own
//! transaction, so an entry exists exactly when the change does.

use super::{AuthSession, ClientMeta};
use crate::error::AppError;
use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

/// One audit entry. `action` is `noun.verb` in the past tense
/// (`user.signed_in`, `member.role_changed`).
#[derive(Debug, Clone, Default)]
pub struct AuditEntry<'a> {
    pub organization_id: Option<Uuid>,
    pub actor_user_id: Option<Uuid>,
    pub actor_email: Option<&'a str>,
    pub action: &'a str,
    pub target_type: Option<&'a str>,
    pub target_id: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

pub async fn record(
    conn: &mut PgConnection,
    entry: AuditEntry<'_>,
    meta: &ClientMeta,
) -> Result<(), AppError> {
    sqlx::query!(
        r#"insert into audit_log
             (organization_id, actor_user_id, actor_email, action, target_type, target_id, before, after, ip, user_agent)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"#,
        entry.organization_id,
        entry.actor_user_id,
        entry.actor_email,
        entry.action,
        entry.target_type,
        entry.target_id,
        entry.before,
        entry.after,
        meta.ip,
        meta.user_agent,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// What the signed-in member of `session` did to `target` (type, id), from
/// the client making the current request.
pub async fn record_member_action(
    conn: &mut PgConnection,
    session: &AuthSession,
    action: &str,
    target: (&str, String),
    before: Option<Value>,
    after: Option<Value>,
) -> Result<(), AppError> {
    let entry = AuditEntry {
        organization_id: Some(session.organization_id),
        actor_user_id: Some(session.user_id),
        actor_email: Some(&session.email),
        action,
        target_type: Some(target.0),
        target_id: Some(target.1),
        before,
        after,
    };
    record(conn, entry, &super::context::client_meta()?).await
}
