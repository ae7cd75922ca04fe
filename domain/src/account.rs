use crate::{EmailAddress, FieldErrors};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// How long a login email confirmation link works.
pub const EMAIL_CHANGE_LIFETIME_HOURS: i64 = 24;

/// The settings page's data: what the user may see and change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountSettings {
    pub organization_name: String,
    pub billing_email: Option<String>,
    pub name: String,
    pub email: String,
    /// A login email change waiting for its link to be opened.
    pub pending_email: Option<PendingEmailChange>,
    pub can_manage_organization: bool,
    pub can_manage_billing: bool,
    pub can_view_audit_log: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingEmailChange {
    pub new_email: String,
    /// "2026-11-25 14:03 UTC".
    pub expires_at: String,
}

/// One of the user's signed-in browsers, as the security page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActiveSession {
    pub id: Uuid,
    /// "Chrome on Linux", from the user agent.
    pub device: String,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    pub organization_name: String,
    pub created_at: String,
    pub last_seen_at: String,
    /// The session of the browser asking.
    pub current: bool,
}

/// A short, human name for a user agent ("Firefox on Windows"). Good enough
/// to recognise one's own devices; the full string is shown beside it.
pub fn describe_user_agent(user_agent: Option<&str>) -> String {
    let Some(ua) = user_agent.filter(|ua| !ua.trim().is_empty()) else {
        return "Unknown device".to_owned();
    };
    // Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari".
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Chromium/", "Chromium"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ]
    .iter()
    .find(|(marker, _)| ua.contains(marker))
    .map_or("Browser", |(_, name)| name);
    let system = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(marker, _)| ua.contains(marker))
    .map(|(_, name)| *name);
    match system {
        Some(system) => format!("{browser} on {system}"),
        None => browser.to_owned(),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agents_get_short_names() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
        assert_eq!(describe_user_agent(Some(chrome)), "Chrome on Linux");
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36 Edg/131.0";
        assert_eq!(describe_user_agent(Some(edge)), "Edge on Windows");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(describe_user_agent(Some(iphone)), "Safari on iOS");
        assert_eq!(describe_user_agent(None), "Unknown device");
        assert_eq!(describe_user_agent(Some("reqwest")), "Browser");
    }
}
