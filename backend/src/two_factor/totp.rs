//! The TOTP maths, on top of `totp-rs`: secrets, the otpauth URL, its QR code,
//! and a check that says which time step a code matched (to refuse replays).

use crate::error::Result;
use constant_time_eq::constant_time_eq;
use totp_rs::{Algorithm, Secret, TOTP};

/// Seconds per code.
const STEP: u64 = 30;
/// Codes of the step before and after the current one are accepted too
/// (clocks drift, people type slowly).
const SKEW: u8 = 1;

/// A new random 160-bit secret, base32 as authenticator apps take it.
pub fn new_secret() -> Result<String> {
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("OS random source failed: {e}"))?;
    Ok(Secret::Raw(bytes.to_vec()).to_encoded().to_string())
}

fn totp(secret_base32: &str, account: &str) -> Result<TOTP> {
    let bytes = Secret::Encoded(secret_base32.to_owned())
        .to_bytes()
        .map_err(|e| anyhow::anyhow!("stored TOTP secret is not base32: {e:?}"))?;
    Ok(TOTP::new(
        Algorithm::SHA1,
        6,
        SKEW,
        STEP,
        bytes,
        Some("Portal".to_owned()),
        account.to_owned(),
    )
    .map_err(|e| anyhow::anyhow!("TOTP parameters refused: {e:?}"))?)
}

/// The `otpauth://` URL an authenticator app scans.
pub fn otpauth_url(secret_base32: &str, account: &str) -> Result<String> {
    Ok(totp(secret_base32, account)?.get_url())
}

/// The URL as a QR code, an SVG document without its XML declaration.
pub fn qr_svg(url: &str) -> Result<String> {
    let svg = qrcode::QrCode::new(url.as_bytes())
        .map_err(|e| anyhow::anyhow!("QR code: {e:?}"))?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build();
    Ok(svg
        .split_once("?>")
        .map_or(svg.as_str(), |(_, rest)| rest)
        .trim()
        .to_owned())
}

/// The 30-second step a 6-digit `code` belongs to at `unix_time`, if it is
/// right for the previous, current or next step. Every candidate is compared
/// in constant time, so the timing says nothing about a near miss.
pub fn matching_step(secret_base32: &str, code: &str, unix_time: u64) -> Result<Option<u64>> {
    let totp = totp(secret_base32, "check")?;
    let current = unix_time / STEP;
    let mut matched = None;
    for step in current.saturating_sub(u64::from(SKEW))..=current + u64::from(SKEW) {
        let expected = totp.generate(step * STEP);
        if constant_time_eq(expected.as_bytes(), code.as_bytes()) && matched.is_none() {
            matched = Some(step);
        }
    }
    Ok(matched)
}

/// The code of `unix_time` (tests and the development sign-in helper).
pub fn code_at(secret_base32: &str, unix_time: u64) -> Result<String> {
    Ok(totp(secret_base32, "check")?.generate(unix_time))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_of_the_neighbouring_steps_match_and_say_which() {
        let secret = new_secret().unwrap();
        let now = 1_800_000_000;
        for offset in [-30i64, 0, 30] {
            let at = (now as i64 + offset) as u64;
            let code = code_at(&secret, at).unwrap();
            assert_eq!(matching_step(&secret, &code, now).unwrap(), Some(at / 30));
        }
        let old = code_at(&secret, now - 90).unwrap();
        assert_eq!(matching_step(&secret, &old, now).unwrap(), None);
    }

    #[test]
    fn the_enrollment_url_names_the_issuer_and_account() {
        let url = otpauth_url(&new_secret().unwrap(), "ada@example.com").unwrap();
        assert!(
            url.starts_with("otpauth://totp/Portal:ada%40example.com?"),
            "{url}"
        );
        assert!(qr_svg(&url).unwrap().starts_with("<svg"));
    }
}
