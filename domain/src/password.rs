use std::fmt;

/// A password that meets the policy. Not `Serialize` and not `Display`, so it
/// cannot end up in a response or a log line by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("Use at least {} characters.", Password::MIN_CHARS)]
    TooShort,
    #[error("Use at most {} characters.", Password::MAX_CHARS)]
    TooLong,
}

impl Password {
    /// NIST SP 800-63B: at least 8, allow at least 64, no composition rules.
    pub const MIN_CHARS: usize = 8;
    pub const MAX_CHARS: usize = 128;

    /// Spaces are kept: they are part of passphrases.
    pub fn parse(input: &str) -> Result<Self, PasswordError> {
        let chars = input.chars().count();
        if chars < Self::MIN_CHARS {
            Err(PasswordError::TooShort)
        } else if chars > Self::MAX_CHARS {
            Err(PasswordError::TooLong)
        } else {
            Ok(Self(input.to_owned()))
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_bounds_are_inclusive() {
        assert_eq!(Password::parse("1234567"), Err(PasswordError::TooShort));
        assert!(Password::parse("12345678").is_ok());
        assert!(Password::parse(&"x".repeat(128)).is_ok());
        assert_eq!(
            Password::parse(&"x".repeat(129)),
            Err(PasswordError::TooLong)
        );
    }

    #[test]
    fn length_counts_characters_and_keeps_spaces() {
        assert!(
            Password::parse("ñññññññ").is_err(),
            "7 characters even if 14 bytes"
        );
        assert_eq!(
            Password::parse("  four words  ").unwrap().expose(),
            "  four words  "
        );
    }

    #[test]
    fn debug_output_hides_the_secret() {
        let password = Password::parse("hunter2hunter2").unwrap();
        assert!(!format!("{password:?}").contains("hunter2"));
    }
}
