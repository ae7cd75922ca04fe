use crate::dates::Moment;
use crate::{ApiKeyName, FieldErrors};
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

/// Live keys only for now: organizations have no test mode yet. The prefix
/// makes leaked keys easy for secret scanners to find.
pub const LIVE_PREFIX: &str = "sk_live_";
/// Characters of randomness after the prefix: 32 base62 characters ≈ 190 bits.
pub const BODY_LEN: usize = 32;
/// Base62 CRC32 of prefix + body, so a mistyped or invented key is rejected
/// without touching the database.
pub const CHECKSUM_LEN: usize = 6;
pub const KEY_LEN: usize = LIVE_PREFIX.len() + BODY_LEN + CHECKSUM_LEN;
/// What the list shows of a key: the prefix and the first 4 random characters.
pub const DISPLAY_LEN: usize = LIVE_PREFIX.len() + 4;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Why a presented key was rejected before any lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MalformedKey {
    #[error("API keys start with sk_live_")]
    Prefix,
    #[error("API keys are {KEY_LEN} characters long")]
    Length,
    #[error("API keys contain only letters and digits after the prefix")]
    Alphabet,
    #[error("the key's checksum does not match: it was mistyped or made up")]
    Checksum,
}

/// A well-formed API key secret. Its `Debug` hides the secret, and it is not
/// `Serialize`: the only time it crosses the wire is `CreatedApiKey`, once.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKeySecret(String);

impl ApiKeySecret {
    /// Builds a key from 32 random base62 characters (the caller draws them
    /// from the OS CSPRNG; see `random_body`).
    pub fn from_body(body: &str) -> Result<Self, MalformedKey> {
        let unchecked = format!("{LIVE_PREFIX}{body}");
        Self::parse(&format!("{unchecked}{}", checksum(&unchecked)))
    }

    pub fn parse(input: &str) -> Result<Self, MalformedKey> {
        let rest = input
            .strip_prefix(LIVE_PREFIX)
            .ok_or(MalformedKey::Prefix)?;
        if input.len() != KEY_LEN {
            return Err(MalformedKey::Length);
        }
        if !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(MalformedKey::Alphabet);
        }
        let (unchecked, sum) = input.split_at(KEY_LEN - CHECKSUM_LEN);
        if checksum(unchecked) != sum {
            return Err(MalformedKey::Checksum);
        }
        Ok(Self(input.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn display_prefix(&self) -> &str {
        &self.0[..DISPLAY_LEN]
    }
}

impl fmt::Debug for ApiKeySecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKeySecret({}…)", self.display_prefix())
    }
}

/// Maps uniformly random bytes to base62 characters by rejection sampling
/// (bytes ≥ 248 are skipped, so every character is equally likely). Returns
/// `None` if `bytes` ran out before `BODY_LEN` characters.
pub fn random_body(bytes: &[u8]) -> Option<String> {
    let body: String = bytes
        .iter()
        .filter(|&&b| b < 248)
        .map(|&b| BASE62[(b % 62) as usize] as char)
        .take(BODY_LEN)
        .collect();
    (body.len() == BODY_LEN).then_some(body)
}

fn checksum(text: &str) -> String {
    let mut n = crc32(text.as_bytes()) as u64;
    let mut out = [b'0'; CHECKSUM_LEN];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    out.iter().map(|&b| b as char).collect()
}

/// CRC-32 (IEEE), bitwise: keys are short and this runs once per request.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in bytes {
        crc ^= byte as u32;
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(
    feature = "sqlx",
    derive(sqlx::Type),
    sqlx(type_name = "text", rename_all = "snake_case")
)]
pub enum ApiKeyScope {
    Full,
    ReadOnly,
}

impl ApiKeyScope {
    pub fn as_str(self) -> &'static str {
        match self {
            ApiKeyScope::Full => "full",
            ApiKeyScope::ReadOnly => "read_only",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ApiKeyScope::Full => "Full access",
            ApiKeyScope::ReadOnly => "Read only",
        }
    }

    pub fn parse(input: &str) -> Result<Self, UnknownScope> {
        match input {
            "full" => Ok(ApiKeyScope::Full),
            "read_only" => Ok(ApiKeyScope::ReadOnly),
            _ => Err(UnknownScope),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Choose full access or read only.")]
pub struct UnknownScope;

// ----- wire models of the API keys pages
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
    pub created_at: Moment,
    pub last_used_at: Option<Moment>,
    pub expires_at: Option<Moment>,
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

    /// The rotate form's `grace_hours` field, with its error under that name.
    pub fn from_form(grace_hours: &str) -> Result<Self, FieldErrors> {
        Self::parse(grace_hours).map_err(|e| FieldErrors::single("grace_hours", e.to_string()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Choose one of the options.")]
pub struct InvalidChoice;

/// A validated "create key" form.
pub struct NewApiKey {
    pub name: ApiKeyName,
    pub scope: ApiKeyScope,
    pub lifetime: KeyLifetime,
}

impl NewApiKey {
    pub fn parse(name: &str, scope: &str, lifetime: &str) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = errors.check("name", ApiKeyName::parse(name));
        let scope = errors.check("scope", ApiKeyScope::parse(scope));
        let lifetime = errors.check("expires_in", KeyLifetime::parse(lifetime));
        match (name, scope, lifetime) {
            (Some(name), Some(scope), Some(lifetime)) => Ok(Self {
                name,
                scope,
                lifetime,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = "aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE";

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

    #[test]
    fn a_generated_key_parses_and_has_the_documented_shape() {
        let key = ApiKeySecret::from_body(BODY).unwrap();
        assert_eq!(key.expose().len(), KEY_LEN);
        assert!(key.expose().starts_with("sk_live_aB3dE5gH"));
        assert_eq!(ApiKeySecret::parse(key.expose()), Ok(key.clone()));
        assert_eq!(key.display_prefix(), "sk_live_aB3d");
    }

    #[test]
    fn the_checksum_rejects_every_single_character_change() {
        let key = ApiKeySecret::from_body(BODY).unwrap().expose().to_owned();
        for i in LIVE_PREFIX.len()..key.len() {
            for replacement in ['0', 'Z', 'z', 'q'] {
                let mut changed = key.clone().into_bytes();
                if changed[i] == replacement as u8 {
                    continue;
                }
                changed[i] = replacement as u8;
                let changed = String::from_utf8(changed).unwrap();
                assert_eq!(
                    ApiKeySecret::parse(&changed),
                    Err(MalformedKey::Checksum),
                    "{changed}"
                );
            }
        }
    }

    #[test]
    fn malformed_keys_say_why() {
        assert_eq!(ApiKeySecret::parse("pk_live_x"), Err(MalformedKey::Prefix));
        assert_eq!(
            ApiKeySecret::parse("sk_live_short"),
            Err(MalformedKey::Length)
        );
        let bad_alphabet = format!("{LIVE_PREFIX}{}", "-".repeat(BODY_LEN + CHECKSUM_LEN));
        assert_eq!(
            ApiKeySecret::parse(&bad_alphabet),
            Err(MalformedKey::Alphabet)
        );
    }

    #[test]
    fn random_bodies_use_the_whole_alphabet_evenly() {
        let mut counts = std::collections::HashMap::new();
        for byte in 0..=255u8 {
            match random_body(&[byte; BODY_LEN]) {
                Some(body) => *counts.entry(body.chars().next().unwrap()).or_insert(0) += 1,
                None => assert!(byte >= 248, "only the top 8 byte values are rejected"),
            }
        }
        assert_eq!(counts.len(), 62, "every base62 character is reachable");
        assert!(
            counts.values().all(|&n| n == 4),
            "and equally likely: {counts:?}"
        );
    }

    #[test]
    fn debug_output_hides_the_secret() {
        let key = ApiKeySecret::from_body(BODY).unwrap();
        assert!(!format!("{key:?}").contains(BODY));
    }
}
