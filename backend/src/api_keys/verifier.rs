//! "Is this API key valid?", answered from memory on the hot path.
//!
//! A key's record is cached per server instance for `ttl`. Revocation and
//! rotation publish the key's hash on Redis (`invalidation_channel`); every
//! instance's subscriber (server/src/workers/api_keys.rs) evicts
//! it, so a revoked key is refused everywhere within milliseconds; the TTL
//! bounds the damage if a message is ever missed. "Last used" times collect in
//! memory and are written in one statement per flush.
//!
//! Both caches are bounded (`moka`, least-recently-used out first): known keys
//! up to `capacity`, unknown ones up to a tenth of it, so keys minted by the
//! thousand (the checksum is public) cannot grow the server's memory. The
//! public API also limits, per IP, requests whose key is not in the known
//! cache (`knows`), before any lookup.
//!
//! Plan limits are decided here too (`admit`): each organization's calls this
//! period and its limit are read from Postgres once per `ALLOWANCE_TTL` and
//! counted in memory in between, so a hot key costs no query. Several
//! instances each add their own calls to what the others flushed: an
//! organization may go over by what the others counted since their last flush.

use super::db;
use crate::clock::Clock;
use crate::error::Result;
use crate::settings::Settings;
use domain::{ApiKeyScope, ApiKeySecret};
use moka::sync::Cache;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

/// A key that passed verification.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerifiedKey {
    pub key_id: Uuid,
    pub organization_id: Uuid,
    pub scope: ApiKeyScope,
    pub plan: String,
}

/// What one `flush_calls` wrote.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FlushedCalls {
    pub calls: i64,
    /// The organizations whose usage changed.
    pub organizations: Vec<Uuid>,
}

/// Whether an organization may make one more metered call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quota {
    Allowed,
    /// A hard-limited plan (Free, or an unpaid subscription) used every call
    /// of its period; the next period starts at `resets_at`.
    Exhausted {
        resets_at: OffsetDateTime,
    },
}

/// How long an organization's calls and limit are trusted before Postgres
/// is read again (other instances' calls, plan changes, a payment).
pub const ALLOWANCE_TTL: Duration = Duration::from_secs(30);

struct Allowance {
    limit: i64,
    hard: bool,
    resets_at: OffsetDateTime,
    used: AtomicI64,
}

/// Why a key was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rejection {
    Malformed,
    Unknown,
    Revoked,
    Expired,
}

#[derive(Clone)]
struct KeyRecord {
    id: Uuid,
    organization_id: Uuid,
    scope: ApiKeyScope,
    plan: String,
    expires_at: Option<OffsetDateTime>,
    revoked: bool,
}

struct Inner {
    /// Keys found in Postgres (valid or not: revoked and expired ones too).
    known: Cache<Vec<u8>, KeyRecord>,
    /// Well-formed keys Postgres does not have.
    unknown: Cache<Vec<u8>, ()>,
    last_used: Mutex<HashMap<Uuid, OffsetDateTime>>,
    /// Metered calls not yet written, per (organization, hour).
    calls: Mutex<HashMap<(Uuid, OffsetDateTime), i64>>,
    /// Each organization's calls this period against its limit.
    allowances: Cache<Uuid, Arc<Allowance>>,
    /// The server's clock (expiry and grace periods; tests move it).
    clock: Clock,
}

#[derive(Clone)]
pub struct ApiKeyVerifier {
    inner: Arc<Inner>,
}

/// SHA-256 of a key, as stored in `api_key.key_hash`.
pub fn hash_key(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// The Redis channel that carries hashes of keys to evict.
pub fn invalidation_channel(settings: &Settings) -> String {
    settings.redis_key("api_keys", "invalidate")
}

impl ApiKeyVerifier {
    /// Caches up to `capacity` known keys (and a tenth as many unknown ones)
    /// for `ttl` each.
    pub fn new(ttl: Duration, capacity: u64, clock: Clock) -> Self {
        Self {
            inner: Arc::new(Inner {
                known: Cache::builder()
                    .max_capacity(capacity)
                    .time_to_live(ttl)
                    .build(),
                unknown: Cache::builder()
                    .max_capacity((capacity / 10).max(1))
                    .time_to_live(ttl)
                    .build(),
                last_used: Mutex::default(),
                calls: Mutex::default(),
                allowances: Cache::builder()
                    .max_capacity(capacity)
                    .time_to_live(ALLOWANCE_TTL)
                    .build(),
                clock,
            }),
        }
    }

    fn now(&self) -> OffsetDateTime {
        self.inner.clock.now()
    }

    pub async fn verify(
        &self,
        db: &PgPool,
        presented: &str,
    ) -> Result<Result<VerifiedKey, Rejection>> {
        let Ok(secret) = ApiKeySecret::parse(presented) else {
            return Ok(Err(Rejection::Malformed));
        };
        let hash = hash_key(secret.expose());
        let record = match self.cached(&hash) {
            Some(record) => {
                metrics::counter!("portal_api_key_verifications_total", "cache" => "hit")
                    .increment(1);
                record
            }
            None => {
                metrics::counter!("portal_api_key_verifications_total", "cache" => "miss")
                    .increment(1);
                self.load(db, hash).await?
            }
        };
        let Some(record) = record else {
            return Ok(Err(Rejection::Unknown));
        };
        if record.revoked {
            return Ok(Err(Rejection::Revoked));
        }
        let now = self.now();
        if record.expires_at.is_some_and(|at| at <= now) {
            return Ok(Err(Rejection::Expired));
        }
        self.lock_last_used().insert(record.id, now);
        Ok(Ok(VerifiedKey {
            key_id: record.id,
            organization_id: record.organization_id,
            scope: record.scope,
            plan: record.plan,
        }))
    }

    fn cached(&self, hash: &[u8]) -> Option<Option<KeyRecord>> {
        if let Some(record) = self.inner.known.get(hash) {
            return Some(Some(record));
        }
        self.inner.unknown.get(hash).map(|()| None)
    }

    /// Whether `presented` is a key this instance found in Postgres lately
    /// (answering it costs no lookup).
    pub fn knows(&self, presented: &str) -> bool {
        ApiKeySecret::parse(presented)
            .is_ok_and(|secret| self.inner.known.contains_key(&hash_key(secret.expose())))
    }

    /// How many keys are cached, known and unknown (after pending evictions).
    pub fn cached_len(&self) -> u64 {
        self.inner.known.run_pending_tasks();
        self.inner.unknown.run_pending_tasks();
        self.inner.known.entry_count() + self.inner.unknown.entry_count()
    }

    async fn load(&self, db: &PgPool, hash: Vec<u8>) -> Result<Option<KeyRecord>> {
        let row = db::find_for_verification(db, &hash).await?;
        let record = row.map(|r| KeyRecord {
            id: r.id,
            organization_id: r.organization_id,
            scope: r.scope,
            plan: r.plan_id,
            expires_at: r.expires_at,
            revoked: r.revoked_at.is_some(),
        });
        match &record {
            Some(record) => self.inner.known.insert(hash, record.clone()),
            None => self.inner.unknown.insert(hash, ()),
        }
        Ok(record)
    }

    /// Forgets a key, so its next use reads Postgres.
    pub fn evict(&self, key_hash: &[u8]) {
        self.inner.known.invalidate(key_hash);
        self.inner.unknown.invalidate(key_hash);
    }

    /// Forgets every key (after missing announcements while disconnected).
    pub fn clear(&self) {
        self.inner.known.invalidate_all();
        self.inner.unknown.invalidate_all();
    }

    fn lock_last_used(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, OffsetDateTime>> {
        self.inner
            .last_used
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// Whether the organization may make one more call now, counting it
    /// against a hard limit when it may. Reads Postgres only when this
    /// instance has not looked at the organization for `ALLOWANCE_TTL`.
    pub async fn admit(&self, db: &PgPool, organization_id: Uuid) -> Result<Quota> {
        let allowance = match self.inner.allowances.get(&organization_id) {
            Some(allowance) => allowance,
            None => self.load_allowance(db, organization_id).await?,
        };
        // The period ended; the billing job starts the next within a minute.
        if !allowance.hard || self.now() >= allowance.resets_at {
            return Ok(Quota::Allowed);
        }
        // Each concurrent call takes its own unit: exactly `limit` get through.
        if allowance.used.fetch_add(1, Ordering::Relaxed) < allowance.limit {
            return Ok(Quota::Allowed);
        }
        allowance.used.fetch_sub(1, Ordering::Relaxed);
        Ok(Quota::Exhausted {
            resets_at: allowance.resets_at,
        })
    }

    async fn load_allowance(&self, db: &PgPool, organization_id: Uuid) -> Result<Arc<Allowance>> {
        let row = db::find_allowance(db, organization_id)
            .await?
            .ok_or(domain::AppError::NotFound)?;
        // Calls counted here but not yet written are not in Postgres's total.
        let unflushed: i64 = self
            .inner
            .calls
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|((org, _), _)| *org == organization_id)
            .map(|(_, n)| n)
            .sum();
        let allowance = Arc::new(Allowance {
            limit: row.api_calls_limit,
            hard: row.hard,
            resets_at: row.period_end,
            used: AtomicI64::new(row.used + unflushed),
        });
        self.inner
            .allowances
            .insert(organization_id, allowance.clone());
        Ok(allowance)
    }

    /// Forgets every organization's allowance (tests, after changing a plan
    /// or the usage behind the cache's back).
    pub fn forget_allowances(&self) {
        self.inner.allowances.invalidate_all();
    }

    /// Counts one metered API call for the organization (written by `flush_calls`).
    pub fn count_call(&self, organization_id: Uuid) {
        let now = self.now();
        let hour =
            now.replace_time(time::Time::MIDNIGHT) + time::Duration::hours(now.hour().into());
        let mut calls = self.inner.calls.lock().unwrap_or_else(|p| p.into_inner());
        *calls.entry((organization_id, hour)).or_insert(0) += 1;
    }

    /// Writes the buffered call counts; returns how many calls, and whose.
    pub async fn flush_calls(&self, db: &PgPool) -> Result<FlushedCalls> {
        let batch: Vec<((Uuid, OffsetDateTime), i64)> = self
            .inner
            .calls
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain()
            .collect();
        if batch.is_empty() {
            return Ok(FlushedCalls::default());
        }
        let organizations: Vec<Uuid> = batch.iter().map(|((org, _), _)| *org).collect();
        let periods: Vec<OffsetDateTime> = batch.iter().map(|((_, hour), _)| *hour).collect();
        let counts: Vec<i64> = batch.iter().map(|(_, n)| *n).collect();
        if let Err(e) = db::add_api_calls(db, &organizations, &periods, &counts).await {
            let mut calls = self.inner.calls.lock().unwrap_or_else(|p| p.into_inner());
            for (bucket, n) in batch {
                *calls.entry(bucket).or_insert(0) += n;
            }
            return Err(e.into());
        }
        let mut changed = organizations;
        changed.sort_unstable();
        changed.dedup();
        Ok(FlushedCalls {
            calls: counts.iter().sum(),
            organizations: changed,
        })
    }

    /// Writes the buffered "last used" times; returns how many keys.
    pub async fn flush_last_used(&self, db: &PgPool) -> Result<usize> {
        let batch: Vec<(Uuid, OffsetDateTime)> = self.lock_last_used().drain().collect();
        if batch.is_empty() {
            return Ok(0);
        }
        let (ids, times): (Vec<Uuid>, Vec<OffsetDateTime>) = batch.iter().copied().unzip();
        if let Err(e) = db::record_last_used(db, &ids, &times).await {
            // Put them back (keeping newer uses) for the next flush.
            let mut buffer = self.lock_last_used();
            for (id, at) in batch {
                let entry = buffer.entry(id).or_insert(at);
                *entry = (*entry).max(at);
            }
            return Err(e.into());
        }
        Ok(ids.len())
    }
}
