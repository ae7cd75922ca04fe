//! Two-factor authentication: the codes a user types, and what the security
//! page shows of their setup. The TOTP maths itself runs on the server.

use serde::{Deserialize, Serialize};

/// Recovery codes issued at once; each works one time.
pub const RECOVERY_CODES: usize = 10;

/// What a user typed at the second step: a 6-digit code from the
/// authenticator, or one of their recovery codes (`xxxxx-xxxxx`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecondFactor {
    Totp(String),
    Recovery(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Enter the 6-digit code from your authenticator app, or a recovery code.")]
pub struct InvalidCode;

impl SecondFactor {
    /// Spaces and dashes people copy along are ignored; case is too.
    pub fn parse(input: &str) -> Result<Self, InvalidCode> {
        let compact: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect::<String>()
            .to_ascii_lowercase();
        match compact.len() {
            6 if compact.bytes().all(|b| b.is_ascii_digit()) => Ok(SecondFactor::Totp(compact)),
            10 if compact.bytes().all(|b| b.is_ascii_alphanumeric()) => {
                Ok(SecondFactor::Recovery(format_recovery_code(&compact)))
            }
            _ => Err(InvalidCode),
        }
    }
}

/// The displayed form of a recovery code: two groups of five.
pub fn format_recovery_code(compact: &str) -> String {
    let (a, b) = compact.split_at(compact.len().min(5));
    format!("{a}-{b}")
}

/// Two-factor on the security page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TwoFactorStatus {
    pub enabled: bool,
    /// Unused recovery codes left.
    pub recovery_codes_left: u32,
    /// A setup started and not yet confirmed: what to scan.
    pub pending: Option<Enrollment>,
}

/// What the user scans to set up their authenticator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Enrollment {
    /// The base32 secret, for typing in by hand.
    pub secret: String,
    /// The `otpauth://` URL the QR code holds.
    pub otpauth_url: String,
    /// The QR code as an SVG document (rendered on the server).
    pub qr_svg: String,
}

/// Codes shown once, after enrollment or regeneration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecoveryCodes {
    pub codes: Vec<String>,
}

impl RecoveryCodes {
    /// The text file a user downloads and keeps.
    pub fn as_text(&self) -> String {
        let mut text = String::from(
            "Portal recovery codes\n\nEach code signs you in once if you lose your authenticator.\n\n",
        );
        for code in &self.codes {
            text.push_str(code);
            text.push('\n');
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_read_the_way_people_type_them() {
        assert_eq!(
            SecondFactor::parse(" 123 456 "),
            Ok(SecondFactor::Totp("123456".into()))
        );
        assert_eq!(
            SecondFactor::parse("ABCDE-12345"),
            Ok(SecondFactor::Recovery("abcde-12345".into()))
        );
        assert_eq!(
            SecondFactor::parse("abcde12345"),
            Ok(SecondFactor::Recovery("abcde-12345".into()))
        );
        assert!(SecondFactor::parse("12345").is_err());
        assert!(SecondFactor::parse("12345a").is_err());
        assert!(SecondFactor::parse("").is_err());
    }

    #[test]
    fn the_downloaded_file_lists_every_code() {
        let codes = RecoveryCodes {
            codes: vec!["aaaaa-bbbbb".into(), "ccccc-ddddd".into()],
        };
        let text = codes.as_text();
        assert!(text.contains("aaaaa-bbbbb\nccccc-ddddd\n"), "{text}");
    }
}
