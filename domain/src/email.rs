use serde::{Deserialize, Serialize};
use std::fmt;

/// An email address as Portal stores it: trimmed and lower-cased, so that
/// `Ada@Example.com` and `ada@example.com` are one account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("Enter an email address.")]
    Empty,
    #[error("Email addresses are at most 254 characters.")]
    TooLong,
    #[error("Enter an email address like name@example.com.")]
    Invalid,
}

impl EmailAddress {
    pub const MAX_LEN: usize = 254;

    /// Deliberately permissive (the only real check is a delivered email), but
    /// it rejects what can never be delivered: no `@`, an empty side, spaces,
    /// a domain without a dot or with empty labels.
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let email = input.trim().to_lowercase();
        if email.is_empty() {
            return Err(EmailError::Empty);
        }
        if email.len() > Self::MAX_LEN {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = email.rsplit_once('@').ok_or(EmailError::Invalid)?;
        let local_ok = !local.is_empty() && local.len() <= 64 && !local.contains('@');
        let domain_ok = domain.contains('.')
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        let no_forbidden = !email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>()[]\\,;:\"".contains(c));
        if local_ok && domain_ok && no_forbidden {
            Ok(Self(email))
        } else {
            Err(EmailError::Invalid)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = EmailError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<EmailAddress> for String {
    fn from(value: EmailAddress) -> Self {
        value.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_whitespace() {
        assert_eq!(
            EmailAddress::parse("  Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
    }

    #[test]
    fn accepts_common_real_addresses() {
        for ok in [
            "a@b.co",
            "first.last+tag@sub.example.org",
            "o'brien@example.ie",
            "x@xn--80ak6aa92e.com",
        ] {
            assert!(EmailAddress::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_what_cannot_be_delivered() {
        for bad in [
            "",
            "   ",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "ada@@example.com",
            "a b@example.com",
            "ada@exa mple.com",
            "ada@.example.com",
            "ada@example..com",
            "ada@-example.com",
            "<ada@example.com>",
        ] {
            assert!(
                EmailAddress::parse(bad).is_err(),
                "{bad:?} should be rejected"
            );
        }
    }

    #[test]
    fn empty_and_too_long_have_their_own_messages() {
        assert_eq!(EmailAddress::parse(" "), Err(EmailError::Empty));
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(EmailAddress::parse(&long), Err(EmailError::TooLong));
    }

    #[test]
    fn deserialising_validates() {
        assert!(serde_json::from_str::<EmailAddress>("\"not-an-email\"").is_err());
        assert!(serde_json::from_str::<EmailAddress>("\"A@B.io\"").is_ok());
    }
}
