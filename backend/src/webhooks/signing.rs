//! Standard Webhooks signatures (<https://www.standardwebhooks.com>): the
//! receiver checks `webhook-signature` against `webhook-id`,
//! `webhook-timestamp` and the exact body with the endpoint's secret.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How the secret is shown and pasted into a receiver's library.
const PREFIX: &str = "whsec_";

/// 32 random bytes: a new endpoint's key.
pub fn new_key() -> Vec<u8> {
    let mut key = vec![0u8; 32];
    #[allow(clippy::expect_used)] // the OS random source failing is not recoverable
    getrandom::fill(&mut key).expect("the OS random number generator");
    key
}

/// `whsec_<base64 key>`, as shown once.
pub fn display(key: &[u8]) -> String {
    format!("{PREFIX}{}", STANDARD.encode(key))
}

/// The `webhook-signature` header's value: `v1,<base64 HMAC-SHA256>` per
/// key, space-separated (both keys during a rotation's overlap).
pub fn signature_header(keys: &[&[u8]], message_id: &str, timestamp: i64, body: &str) -> String {
    keys.iter()
        .map(|key| format!("v1,{}", sign(key, message_id, timestamp, body)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn sign(key: &[u8], message_id: &str, timestamp: i64, body: &str) -> String {
    #[allow(clippy::expect_used)] // HMAC takes a key of any length
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    mac.update(format!("{message_id}.{timestamp}.{body}").as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example in the Standard Webhooks specification's test vectors.
    #[test]
    fn matches_the_specifications_example() {
        let key = STANDARD.decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let header = signature_header(
            &[&key],
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(header, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn every_key_signs_during_an_overlap() {
        let header = signature_header(&[b"new", b"old"], "msg_1", 1, "{}");
        let parts: Vec<&str> = header.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert!(parts.iter().all(|p| p.starts_with("v1,")));
        assert_ne!(parts[0], parts[1]);
        assert!(display(&new_key()).starts_with("whsec_"));
    }
}
