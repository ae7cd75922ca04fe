use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("Enter a name.")]
    Empty,
    #[error("Use at most {0} characters.")]
    TooLong(usize),
    #[error("Names cannot contain control characters.")]
    ControlCharacter,
}

fn parse_name(input: &str, max_chars: usize) -> Result<String, NameError> {
    // Inner runs of whitespace collapse so "Acme   Inc" and "Acme Inc" look alike.
    let name = input.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.chars().count() > max_chars {
        return Err(NameError::TooLong(max_chars));
    }
    if name.chars().any(char::is_control) {
        return Err(NameError::ControlCharacter);
    }
    Ok(name)
}

macro_rules! name_type {
    ($(#[$doc:meta])* $name:ident, $max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        pub struct $name(String);

        impl $name {
            pub const MAX_CHARS: usize = $max;

            pub fn parse(input: &str) -> Result<Self, NameError> {
                parse_name(input, Self::MAX_CHARS).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

name_type!(
    /// The customer organization's display name.
    OrganizationName,
    100
);
name_type!(
    /// A person's display name.
    PersonName,
    100
);
name_type!(
    /// What a customer calls one of their API keys ("Production server").
    ApiKeyName,
    60
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_collapses_whitespace() {
        assert_eq!(
            OrganizationName::parse("  Acme \t  Inc ").unwrap().as_str(),
            "Acme Inc"
        );
    }

    #[test]
    fn rejects_blank_and_overlong_names() {
        assert_eq!(PersonName::parse("   "), Err(NameError::Empty));
        assert_eq!(
            PersonName::parse(&"é".repeat(101)),
            Err(NameError::TooLong(100))
        );
        assert!(
            PersonName::parse(&"é".repeat(100)).is_ok(),
            "limit counts characters, not bytes"
        );
    }
}
