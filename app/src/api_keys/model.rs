use crate::domain::ApiKeyScope;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ApiKeyStatus {
    Active,
    /// Rotated: still accepted until its grace period ends.
    Rotating,
    Expired,
    Revoked,
}

impl ApiKeyStatus {
    pub fn label(self) -> &'static str {
        match self {
            ApiKeyStatus::Active => "Active",
            ApiKeyStatus::Rotating => "Rotating out",
            ApiKeyStatus::Expired => "Expired",
            ApiKeyStatus::Revoked => "Revoked",
        }
    }

    pub fn is_usable(self) -> bool {
        matches!(self, ApiKeyStatus::Active | ApiKeyStatus::Rotating)
    }
}

/// One key as the list shows it. Never contains the secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKey {
    pub id: Uuid,
    pub name: String,
    pub display_prefix: String,
    pub scope: ApiKeyScope,
    pub created_by: Option<String>,
    /// Times are shown as sent: "2026-11-25 14:03 UTC".
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub expires_at: Option<String>,
    pub status: ApiKeyStatus,
    /// Name of the key that replaced this one, while it rotates out.
    pub replaced_by: Option<String>,
}

/// A key that was just created or rotated: the only response that carries
/// the secret, which is never stored and cannot be shown again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatedApiKey {
    pub key: ApiKey,
    pub secret: String,
}

/// How long a new key lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyLifetime {
    Never,
    Days(u32),
}

impl KeyLifetime {
    pub const CHOICES: [(&'static str, &'static str); 4] = [
        ("never", "Never expires"),
        ("30", "30 days"),
        ("90", "90 days"),
        ("365", "1 year"),
    ];

    pub fn parse(input: &str) -> Result<Self, InvalidChoice> {
        match input {
            "never" | "" => Ok(KeyLifetime::Never),
            "30" => Ok(KeyLifetime::Days(30)),
            "90" => Ok(KeyLifetime::Days(90)),
            "365" => Ok(KeyLifetime::Days(365)),
            _ => Err(InvalidChoice),
        }
    }
}

/// How long a rotated key keeps working beside its replacement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GracePeriod {
    pub hours: u32,
}

impl GracePeriod {
    pub const CHOICES: [(&'static str, &'static str); 3] =
        [("1", "1 hour"), ("24", "24 hours"), ("168", "7 days")];

    pub fn parse(input: &str) -> Result<Self, InvalidChoice> {
        match input {
            "1" | "24" | "168" => Ok(GracePeriod {
                hours: input.parse().map_err(|_| InvalidChoice)?,
            }),
            _ => Err(InvalidChoice),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Choose one of the options.")]
pub struct InvalidChoice;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_offered_choices_parse() {
        assert_eq!(KeyLifetime::parse("90"), Ok(KeyLifetime::Days(90)));
        assert_eq!(KeyLifetime::parse("never"), Ok(KeyLifetime::Never));
        assert!(KeyLifetime::parse("1000").is_err());
        for (value, _) in GracePeriod::CHOICES {
            assert!(GracePeriod::parse(value).is_ok(), "{value}");
        }
        assert!(GracePeriod::parse("2").is_err());
    }
}
