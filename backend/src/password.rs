//! Password hashing with argon2id (OWASP's minimum: m = 19 MiB, t = 2, p = 1).
//! Hashing takes tens of milliseconds of CPU, so it runs on the blocking pool,
//! never on the async runtime's threads.
//!
//! At most two hashes per core run at once (`HASHING`): a flood of sign-ins or
//! sign-ups would otherwise fill the blocking pool (512 threads × 19 MiB) and
//! stall every other request. A request that cannot start hashing within
//! `HASH_QUEUE_WAIT` is answered 503 ("try again").
//!
//! Each hash needs a 19 MiB work area. They are kept and reused (`WORK_AREAS`):
//! at most one per turn exists, so hashing holds at most turns × 19 MiB by
//! construction, however many requests come and whatever the allocator keeps
//! of freed memory, and a flood allocates nothing new (scripts/bench-abuse).

use crate::error::Result;
use argon2::password_hash::{rand_core::OsRng, Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use domain::Password;
use domain::{AppError, FieldErrors};
use std::collections::HashSet;
use std::sync::{LazyLock, Mutex, OnceLock};
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

fn params() -> Params {
    #[allow(clippy::unwrap_used)] // constant, valid parameters
    Params::new(19 * 1024, 2, 1, None).unwrap()
}

/// Work areas of `params()`'s size that no hash is using right now.
static WORK_AREAS: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

/// Runs argon2 in a reused work area (a fresh one for other parameters, as
/// an old hash may have).
fn derive(
    argon2: &Argon2<'_>,
    params: &Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<()> {
    let standard = params.block_count() == self::params().block_count();
    let reused = standard
        .then(|| WORK_AREAS.lock().ok().and_then(|mut areas| areas.pop()))
        .flatten();
    let mut area = reused.unwrap_or_else(|| vec![Block::new(); params.block_count()]);
    let derived = argon2.hash_password_into_with_memory(password, salt, out, &mut area);
    if standard {
        if let Ok(mut areas) = WORK_AREAS.lock() {
            areas.push(area);
        }
    }
    derived.map_err(|e| anyhow::anyhow!("argon2 failed: {e}").into())
}

/// A new argon2id hash of `password` in PHC form (`$argon2id$v=19$m=…`).
fn hash_now(password: &[u8]) -> Result<String> {
    let params = params();
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes).map_err(phc_error)?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    derive(&argon2, &params, password, salt_bytes, &mut out)?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(phc_error)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(phc_error)?),
    };
    Ok(hash.to_string())
}

/// Whether `candidate` is the password of the PHC-form `hash`; the output
/// comparison is constant-time (`Output`'s `PartialEq`).
fn matches(candidate: &[u8], hash: &str) -> Result<bool> {
    let parsed = PasswordHash::new(hash).map_err(phc_error)?;
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return Ok(false);
    };
    let algorithm = Algorithm::try_from(parsed.algorithm).map_err(phc_error)?;
    let version = match parsed.version {
        Some(v) => Version::try_from(v).map_err(|e| anyhow::anyhow!("argon2 version: {e}"))?,
        None => Version::default(),
    };
    let params = Params::try_from(&parsed).map_err(phc_error)?;
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes).map_err(phc_error)?;
    let mut out = vec![0u8; expected.len()];
    let argon2 = Argon2::new(algorithm, version, params.clone());
    derive(&argon2, &params, candidate, salt_bytes, &mut out)?;
    Ok(Output::new(&out).map_err(phc_error)? == expected)
}

fn phc_error(e: argon2::password_hash::Error) -> crate::error::Error {
    anyhow::anyhow!("password hash: {e}").into()
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
    tokio::task::spawn_blocking(move || hash_now(password.expose().as_bytes())).await?
}

/// `hash` is `None` when no account has that email: the same work is done
/// against a fixed dummy hash, so the response time does not reveal whether an
/// account exists.
pub async fn verify_password(candidate: String, hash: Option<String>) -> Result<bool> {
    let exists = hash.is_some();
    let hash = hash.unwrap_or_else(|| dummy_hash().to_owned());
    let _turn = turn(&HASHING, HASH_QUEUE_WAIT).await?;
    let matches = tokio::task::spawn_blocking(move || {
        matches(candidate.as_bytes(), &hash).unwrap_or_else(|e| {
            tracing::error!(error = %e, "stored password hash is malformed");
            false
        })
    })
    .await?;
    Ok(exists && matches)
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_now(b"portal-dummy-password").unwrap_or_default())
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

    #[test]
    fn hashes_are_standard_phc_argon2id_both_ways() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let ours = hash_now(b"correct horse battery staple").unwrap();
        assert!(
            ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{ours}"
        );
        let parsed = PasswordHash::new(&ours).unwrap();
        let reference = Argon2::new(Algorithm::Argon2id, Version::V0x13, params());
        assert!(reference
            .verify_password(b"correct horse battery staple", &parsed)
            .is_ok());
        // Hashes stored before work areas were reused still verify.
        let salt = SaltString::generate(&mut OsRng);
        let theirs = reference
            .hash_password(b"older password", &salt)
            .unwrap()
            .to_string();
        assert!(matches(b"older password", &theirs).unwrap());
        assert!(!matches(b"older passwore", &theirs).unwrap());
        assert!(!matches(b"correct horse battery stapler", &ours).unwrap());
        // Other parameters (a hash from before a cost change) verify too.
        let cheap = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8 * 1024, 1, 1, None).unwrap(),
        );
        let old = cheap.hash_password(b"cheap", &salt).unwrap().to_string();
        assert!(matches(b"cheap", &old).unwrap());
        // Reused, not piled up: no more areas than hashes that ever ran at
        // once (at most one per test thread).
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        assert!(WORK_AREAS.lock().unwrap().len() <= threads);
    }

    #[tokio::test]
    async fn a_hash_that_cannot_start_soon_is_refused_not_queued_forever() {
        static BUSY: Semaphore = Semaphore::const_new(1);
        let _held = turn(&BUSY, Duration::from_millis(10)).await.unwrap();
        let refused = turn(&BUSY, Duration::from_millis(50)).await.unwrap_err();
        assert_eq!(*refused.app(), AppError::Unavailable);
    }
}
