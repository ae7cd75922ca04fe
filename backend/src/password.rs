//! Password hashing with argon2id (OWASP's minimum: m = 19 MiB, t = 2, p = 1).
//! Hashing takes tens of milliseconds of CPU, so it runs on the blocking pool,
//! never on the async runtime's threads.
//!
//! At most two hashes per core run at once (`HASHING`): a flood of sign-ins or
//! sign-ups would otherwise fill the blocking pool (512 threads × 19 MiB) and
//! stall every other request. A request that cannot start hashing within
//! `HASH_QUEUE_WAIT` is answered 503 ("try again").

use crate::error::Result;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use domain::Password;
use domain::{AppError, FieldErrors};
use std::collections::HashSet;
use std::sync::{LazyLock, OnceLock};
use std::time::Duration;
use tokio::sync::{Semaphore, SemaphorePermit};

static HASHING: LazyLock<Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    Semaphore::new(2 * cores)
});

const HASH_QUEUE_WAIT: Duration = Duration::from_secs(2);

/// A turn to hash, or `Unavailable` after waiting `wait` for one.
async fn turn(hashing: &'static Semaphore, wait: Duration) -> Result<SemaphorePermit<'static>> {
    match tokio::time::timeout(wait, hashing.acquire()).await {
        Ok(Ok(permit)) => Ok(permit),
        _ => {
            tracing::warn!("too many password hashes queued; refusing one");
            Err(AppError::Unavailable.into())
        }
    }
}

fn hasher() -> Argon2<'static> {
    #[allow(clippy::unwrap_used)] // constant, valid parameters
    let params = Params::new(19 * 1024, 2, 1, None).unwrap();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The 10,000 most common passwords of the SecLists "10 million passwords"
/// list (CC BY-SA 3.0, see backend/data/README.md), most common first.
const COMMON_PASSWORDS: &str = include_str!("../data/common-passwords.txt");

/// Whether `password` is one that guessers try first (ASVS 6.2.11); the
/// comparison ignores case, as guessing tools vary it anyway.
pub fn is_common(password: &str) -> bool {
    static LIST: LazyLock<HashSet<String>> = LazyLock::new(|| {
        COMMON_PASSWORDS
            .lines()
            .map(|line| line.trim().to_lowercase())
            .filter(|line| !line.is_empty())
            .collect()
    });
    LIST.contains(&password.to_lowercase())
}

/// Hashes a password someone chose just now (sign-up, reset, change,
/// invitation): one of the most common ones is refused on `field` first.
pub async fn hash_new_password(password: Password, field: &str) -> Result<String> {
    if is_common(password.expose()) {
        return Err(FieldErrors::single(
            field,
            "This password is one of the most common ones and is guessed first. Choose another.",
        )
        .into());
    }
    hash_password(password).await
}

/// Hashes a password (prefer `hash_new_password` for one a person chose).
pub async fn hash_password(password: Password) -> Result<String> {
    let _turn = turn(&HASHING, HASH_QUEUE_WAIT).await?;
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
    let _turn = turn(&HASHING, HASH_QUEUE_WAIT).await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_common_passwords_are_recognised_whatever_their_case() {
        for common in [
            "12345678",
            "password",
            "Password1",
            "QWERTYUIOP",
            "iloveyou",
        ] {
            assert!(is_common(common), "{common}");
        }
        for fine in ["correct horse battery staple", "vN7#pQ2!xL9z"] {
            assert!(!is_common(fine), "{fine}");
        }
        assert_eq!(COMMON_PASSWORDS.lines().count(), 10_000);
    }

    #[tokio::test]
    async fn a_hash_that_cannot_start_soon_is_refused_not_queued_forever() {
        static BUSY: Semaphore = Semaphore::const_new(1);
        let _held = turn(&BUSY, Duration::from_millis(10)).await.unwrap();
        let refused = turn(&BUSY, Duration::from_millis(50)).await.unwrap_err();
        assert_eq!(*refused.app(), AppError::Unavailable);
    }
}
