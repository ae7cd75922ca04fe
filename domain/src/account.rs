use crate::dates::Moment;
use crate::{EmailAddress, FieldErrors};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// How long a login email confirmation link works.
pub const EMAIL_CHANGE_LIFETIME_HOURS: i64 = 24;

/// The settings page's data: what the user may see and change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountSettings {
    pub organization_name: String,
    /// Members must use two-factor authentication.
    pub require_two_factor: bool,
    /// Owners set `require_two_factor`.
    pub can_manage_security_policy: bool,
    pub billing_email: Option<String>,
    pub name: String,
    pub email: String,
    /// A login email change waiting for its link to be opened.
    pub pending_email: Option<PendingEmailChange>,
    pub can_manage_organization: bool,
    pub can_manage_billing: bool,
    pub can_view_audit_log: bool,
    /// The zone the person's times are shown in ("Europe/Berlin").
    pub time_zone: String,
    /// `time_zone` is their browser's (or UTC): they have not chosen or
    /// stored one yet.
    pub time_zone_detected: bool,
    /// The zones they may choose, sorted.
    pub time_zones: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingEmailChange {
    pub new_email: String,
    pub expires_at: Moment,
}

/// One of the user's signed-in browsers, as the security page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActiveSession {
    pub id: Uuid,
    /// "Chrome on Linux", from the user agent.
    pub device: String,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    /// `None` for a session at account level (no organization).
    pub organization_name: Option<String>,
    pub created_at: Moment,
    pub last_seen_at: Moment,
    /// The session of the browser asking.
    pub current: bool,
}

/// `""` means "none"; anything else must be a valid email.
pub fn parse_optional_email(field: &str, input: &str) -> Result<Option<EmailAddress>, FieldErrors> {
    if input.trim().is_empty() {
        return Ok(None);
    }
    EmailAddress::parse(input)
        .map(Some)
        .map_err(|e| FieldErrors::single(field, e.to_string()))
}
