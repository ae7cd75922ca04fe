//! Password hashing with argon2id (OWASP's minimum: m = 19 MiB, t = 2, p = 1).
//! Hashing takes tens of milliseconds of CPU, so it runs on the blocking pool,
//! never on the async runtime's threads.

use crate::error::Result;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use domain::Password;
use std::sync::OnceLock;

fn hasher() -> Argon2<'static> {
    #[allow(clippy::unwrap_used)] // constant, valid parameters
    let params = Params::new(19 * 1024, 2, 1, None).unwrap();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub async fn hash_password(password: Password) -> Result<String> {
    Ok(tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(password.expose().as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| anyhow::anyhow!("argon2 hash failed: {e}"))
    })
    .await??)
}

/// `hash` is `None` when no account has that email: the same work is done
/// against a fixed dummy hash, so the response time does not reveal whether an
/// account exists.
pub async fn verify_password(candidate: String, hash: Option<String>) -> Result<bool> {
    let exists = hash.is_some();
    let hash = hash.unwrap_or_else(|| dummy_hash().to_owned());
    let matches = tokio::task::spawn_blocking(move || match PasswordHash::new(&hash) {
        Ok(parsed) => hasher()
            .verify_password(candidate.as_bytes(), &parsed)
            .is_ok(),
        Err(e) => {
            tracing::error!(error = %e, "stored password hash is malformed");
            false
        }
    })
    .await?;
    Ok(exists && matches)
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(b"portal-dummy-password", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}
