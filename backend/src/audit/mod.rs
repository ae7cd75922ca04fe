//! The audit log: who did what to which target, from where, with the values
//! before and after. Every mutation records its entry inside its own
//! transaction, so an entry exists exactly when the change does.
//!
//! Entries are built from whoever acted: `session.audit("member.role_changed")`
//! for a signed-in member, `staff.audit(..)` for the support console, or
//! [`AuditEntry::new`] for a visitor (sign-up, a failed sign-in). The audit
//! page reads them back (`service`, `db`) and exports them as CSV (`csv`).

pub mod csv;
pub mod db;
pub mod service;

use crate::client::ClientMeta;
use crate::error::Result;
use crate::session::{AccountSession, AuthSession, StaffSession};
use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

/// One audit entry. `action` is `noun.verb` in the past tense
/// (`user.signed_in`, `member.role_changed`).
#[derive(Debug, Clone)]
#[must_use = "an audit entry does nothing until it is recorded"]
pub struct AuditEntry<'a> {
    organization_id: Option<Uuid>,
    actor_user_id: Option<Uuid>,
    actor_email: Option<&'a str>,
    action: &'a str,
    target_type: Option<&'a str>,
    target_id: Option<String>,
    before: Option<Value>,
    after: Option<Value>,
    client: &'a ClientMeta,
}

impl<'a> AuditEntry<'a> {
    /// An entry with no actor yet, from `client`.
    pub fn new(action: &'a str, client: &'a ClientMeta) -> Self {
        Self {
            organization_id: None,
            actor_user_id: None,
            actor_email: None,
            action,
            target_type: None,
            target_id: None,
            before: None,
            after: None,
            client,
        }
    }

    /// The organization whose log lists the entry (`None`: company-side).
    pub fn organization(mut self, organization_id: impl Into<Option<Uuid>>) -> Self {
        self.organization_id = organization_id.into();
        self
    }

    pub fn actor(mut self, user_id: Uuid, email: &'a str) -> Self {
        self.actor_user_id = Some(user_id);
        self.actor_email = Some(email);
        self
    }

    /// An actor known only by the email they typed (a failed sign-in).
    pub fn actor_email(mut self, email: &'a str) -> Self {
        self.actor_email = Some(email);
        self
    }

    pub fn target(mut self, kind: &'a str, id: impl ToString) -> Self {
        self.target_type = Some(kind);
        self.target_id = Some(id.to_string());
        self
    }

    pub fn before(mut self, value: impl Into<Option<Value>>) -> Self {
        self.before = value.into();
        self
    }

    pub fn after(mut self, value: impl Into<Option<Value>>) -> Self {
        self.after = value.into();
        self
    }

    /// The same actor and client, another action (one workflow, several entries).
    pub fn with_action(&self, action: &'a str) -> Self {
        Self {
            action,
            target_type: None,
            target_id: None,
            before: None,
            after: None,
            ..self.clone()
        }
    }

    pub async fn record(self, conn: &mut PgConnection) -> Result<()> {
        sqlx::query!(
            r#"insert into audit_log
                 (organization_id, actor_user_id, actor_email, action, target_type, target_id, before, after, ip, user_agent)
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"#,
            self.organization_id,
            self.actor_user_id,
            self.actor_email,
            self.action,
            self.target_type,
            self.target_id,
            self.before,
            self.after,
            self.client.ip,
            self.client.user_agent,
        )
        .execute(conn)
        .await?;
        Ok(())
    }
}

impl AuthSession {
    /// What this member did, in their organization's log.
    pub fn audit<'a>(&'a self, action: &'a str) -> AuditEntry<'a> {
        AuditEntry::new(action, &self.client)
            .organization(self.organization_id)
            .actor(self.user_id, &self.email)
    }
}

impl AccountSession {
    /// What this user did to their own account, in the log of the
    /// organization their session works in (if any).
    pub fn audit<'a>(&'a self, action: &'a str) -> AuditEntry<'a> {
        AuditEntry::new(action, &self.client)
            .organization(self.organization_id)
            .actor(self.user_id, &self.email)
    }
}

impl StaffSession {
    /// What this staff member did: company-side, so no organization (the
    /// customer's audit page never lists staff work such as notes).
    pub fn audit<'a>(&'a self, action: &'a str) -> AuditEntry<'a> {
        AuditEntry::new(action, &self.client).actor(self.user_id, &self.email)
    }
}
