//! Abuse limits on every door that can be knocked on: counted atomically in
//! Redis, and in this process's memory when Redis is down.
//!
//! An attempt is counted *before* the work it guards, by one Lua script that
//! checks every limit of the attempt and counts it against all of them or
//! none, so a parallel burst cannot slip more attempts through than a limit
//! allows (the old check-then-count could be raced). A success that should not
//! count is given back afterwards (`reset`, `refund`).
//!
//! Two kinds of limit:
//! - **fixed**: at most `max` attempts per `window` (sign-ups per IP, reset
//!   emails per address, card updates per organization…);
//! - **back-off**: `max` attempts go through at once, then each further attempt
//!   waits twice as long as the one before (1 s, 2 s, 4 s…, at most `window`).
//!   Sign-in uses it per (account, IP): a guesser slows to a crawl, while the
//!   account's owner, from any other address, is never locked out.
//!
//! Without Redis the limits **fail closed** to a copy kept in this process,
//! with half the allowance (several instances each count their own), so an
//! outage never opens the doors. Its memory is bounded: when full, old windows
//! are dropped first, and if that frees nothing the attempt is refused.

use crate::client::{client_ip, ClientMeta};
use crate::ctx::Ctx;
use crate::error::Result;
use domain::AppError;
use fred::prelude::*;
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

pub use crate::settings::Rule;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Fixed,
    Backoff,
}

/// One limit applied to one subject (an IP, an address, an organization).
#[derive(Debug, Clone)]
pub struct Limit {
    key: String,
    rule: Rule,
    kind: Kind,
}

impl Limit {
    /// `name` says what is limited (`"sign_up:ip"`), `subject` by whom.
    pub fn fixed(ctx: &Ctx, name: &str, subject: &str, rule: Rule) -> Self {
        Self::new(ctx, name, subject, rule, Kind::Fixed)
    }

    pub fn backoff(ctx: &Ctx, name: &str, subject: &str, rule: Rule) -> Self {
        Self::new(ctx, name, subject, rule, Kind::Backoff)
    }

    fn new(ctx: &Ctx, name: &str, subject: &str, rule: Rule, kind: Kind) -> Self {
        Self {
            key: ctx
                .settings
                .redis_key(&format!("ratelimit:{name}"), &subject.to_lowercase()),
            rule,
            kind,
        }
    }
}

/// Counts one attempt against every limit, or refuses it with
/// `RateLimited { retry_after_secs }` (counting nothing) when any is used up.
pub async fn attempt(ctx: &Ctx, limits: &[Limit]) -> Result<()> {
    let now_ms = now_ms(ctx);
    let wait_ms = match attempt_in_redis(ctx, limits, now_ms).await {
        Ok(wait_ms) => wait_ms,
        Err(e) => {
            tracing::warn!(error = %e, "rate limits unavailable in Redis; counting in memory");
            FALLBACK.attempt(limits, now_ms)
        }
    };
    if wait_ms > 0 {
        return Err(AppError::RateLimited {
            retry_after_secs: wait_ms.div_ceil(1000).max(1),
        }
        .into());
    }
    Ok(())
}

/// Counts one attempt from `client`'s address at a door an emailed link
/// opens without signing in (invoice, rating and invitation links): counted
/// before the token is looked up, so guessing tokens costs attempts too.
pub async fn attempt_per_client(
    ctx: &Ctx,
    door: &str,
    client: &ClientMeta,
    rule: Rule,
) -> Result<()> {
    attempt(ctx, &[Limit::fixed(ctx, door, client_ip(client), rule)]).await
}

/// Forgets one limit (a correct password ends its back-off).
pub async fn reset(ctx: &Ctx, limit: &Limit) {
    FALLBACK.forget(&limit.key);
    if let Err(e) = ctx.redis_call(ctx.redis.del::<i64, _>(&limit.key)).await {
        tracing::warn!(error = %e, "could not reset a rate limit");
    }
}

/// Gives one attempt back (it succeeded, and only failures should count).
pub async fn refund(ctx: &Ctx, limit: &Limit) {
    FALLBACK.refund(&limit.key);
    let refunded: std::result::Result<i64, _> = ctx
        .redis_call(
            ctx.redis
                .next()
                .eval(REFUND, vec![limit.key.clone()], Vec::<String>::new()),
        )
        .await;
    if let Err(e) = refunded {
        tracing::warn!(error = %e, "could not refund a rate-limited attempt");
    }
}

fn now_ms(ctx: &Ctx) -> u64 {
    u64::try_from(ctx.now().unix_timestamp_nanos() / 1_000_000).unwrap_or(0)
}

async fn attempt_in_redis(
    ctx: &Ctx,
    limits: &[Limit],
    now_ms: u64,
) -> std::result::Result<u64, fred::error::Error> {
    let keys: Vec<String> = limits.iter().map(|l| l.key.clone()).collect();
    let mut args = vec![now_ms.to_string()];
    for limit in limits {
        args.push(match limit.kind {
            Kind::Fixed => "f".into(),
            Kind::Backoff => "b".into(),
        });
        args.push(limit.rule.max.to_string());
        args.push(limit.rule.window.as_millis().to_string());
    }
    let wait_ms: i64 = ctx
        .redis_call(ctx.redis.next().eval(ATTEMPT, keys, args))
        .await?;
    Ok(u64::try_from(wait_ms).unwrap_or(0))
}

/// KEYS: one per limit. ARGV: now (ms), then per limit: kind (`f`/`b`), max,
/// window (ms). Returns 0 (counted) or the milliseconds to wait (nothing
/// counted). A fixed limit is a counter that expires with its window; a
/// back-off limit is a hash of attempts `n` and the time `until` which the
/// next one must wait, kept a day after its last attempt.
const ATTEMPT: &str = r#"
local now = tonumber(ARGV[1])
local wait = 0
for i, key in ipairs(KEYS) do
  local kind, max = ARGV[i * 3 - 1], tonumber(ARGV[i * 3])
  if kind == 'f' then
    local n = tonumber(redis.call('GET', key) or '0')
    if n >= max then
      local ttl = redis.call('PTTL', key)
      if ttl < 0 then
        ttl = tonumber(ARGV[i * 3 + 1])
        redis.call('PEXPIRE', key, ttl)
      end
      wait = math.max(wait, ttl)
    end
  else
    local untl = tonumber(redis.call('HGET', key, 'until') or '0')
    if untl > now then wait = math.max(wait, untl - now) end
  end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  local kind, max, window = ARGV[i * 3 - 1], tonumber(ARGV[i * 3]), tonumber(ARGV[i * 3 + 1])
  if kind == 'f' then
    if redis.call('INCR', key) == 1 or redis.call('PTTL', key) < 0 then
      redis.call('PEXPIRE', key, window)
    end
  else
    local n = redis.call('HINCRBY', key, 'n', 1)
    if n >= max then
      redis.call('HSET', key, 'until', now + math.min(1000 * 2 ^ (n - max), window))
    end
    redis.call('PEXPIRE', key, 86400000)
  end
end
return 0
"#;

/// Takes one attempt back from a fixed counter, or ends a back-off.
const REFUND: &str = r#"
local kind = redis.call('TYPE', KEYS[1]).ok
if kind == 'string' then
  if tonumber(redis.call('GET', KEYS[1])) > 0 then return redis.call('DECR', KEYS[1]) end
elseif kind == 'hash' then
  return redis.call('DEL', KEYS[1])
end
return 0
"#;

// ------------------------------------------------------------ in memory

/// This process's copy of the limits, for while Redis is down (one process is
/// one instance; keys carry the deployment's prefix, so tests that share a
/// process never share a count).
static FALLBACK: LazyLock<LocalLimits> = LazyLock::new(LocalLimits::default);

/// The limits this process applies while Redis is unreachable.
#[derive(Debug)]
pub struct LocalLimits {
    entries: Mutex<HashMap<String, LocalEntry>>,
    capacity: usize,
}

#[derive(Debug, Clone, Copy)]
struct LocalEntry {
    attempts: u32,
    /// Fixed: when the window ends. Back-off: when the entry is forgotten.
    expires: Instant,
    /// Back-off: the earliest next attempt (ms, by the app's clock).
    until_ms: u64,
}

impl Default for LocalLimits {
    fn default() -> Self {
        Self::with_capacity(100_000)
    }
}

impl LocalLimits {
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            entries: Mutex::default(),
            capacity,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, LocalEntry>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The same rules as `ATTEMPT`, with half of each allowance. Returns the
    /// milliseconds to wait, 0 when counted.
    fn attempt(&self, limits: &[Limit], now_ms: u64) -> u64 {
        let now = Instant::now();
        let mut entries = self.lock();
        let new_keys = limits
            .iter()
            .filter(|l| entries.get(&l.key).is_none_or(|e| e.expires <= now))
            .count();
        if entries.len() + new_keys > self.capacity {
            entries.retain(|_, e| e.expires > now);
            if entries.len() + new_keys > self.capacity {
                // Full of live windows: refuse rather than grow.
                return 1000;
            }
        }
        let mut wait_ms = 0;
        for limit in limits {
            let allowance = limit.rule.max.div_ceil(2);
            let window_ms = u64::try_from(limit.rule.window.as_millis()).unwrap_or(u64::MAX);
            match (limit.kind, entries.get(&limit.key)) {
                (_, Some(e)) if e.expires <= now => {}
                (Kind::Fixed, Some(e)) if e.attempts >= allowance => {
                    let left = e.expires.saturating_duration_since(now).as_millis();
                    wait_ms = wait_ms.max(u64::try_from(left).unwrap_or(window_ms));
                }
                (Kind::Backoff, Some(e)) if e.until_ms > now_ms => {
                    wait_ms = wait_ms.max(e.until_ms - now_ms);
                }
                _ => {}
            }
        }
        if wait_ms > 0 {
            return wait_ms;
        }
        for limit in limits {
            let allowance = limit.rule.max.div_ceil(2);
            let fresh = LocalEntry {
                attempts: 0,
                expires: now
                    + match limit.kind {
                        Kind::Fixed => limit.rule.window,
                        Kind::Backoff => Duration::from_secs(86_400),
                    },
                until_ms: 0,
            };
            let entry = entries.entry(limit.key.clone()).or_insert(fresh);
            if entry.expires <= now {
                *entry = fresh;
            }
            entry.attempts += 1;
            if limit.kind == Kind::Backoff && entry.attempts >= allowance {
                let doubling = 1000u64.saturating_mul(1 << (entry.attempts - allowance).min(40));
                let cap = u64::try_from(limit.rule.window.as_millis()).unwrap_or(u64::MAX);
                entry.until_ms = now_ms + doubling.min(cap);
            }
        }
        0
    }

    fn forget(&self, key: &str) {
        self.lock().remove(key);
    }

    fn refund(&self, key: &str) {
        let mut entries = self.lock();
        if let Some(entry) = entries.get_mut(key) {
            entry.attempts = entry.attempts.saturating_sub(1);
            entry.until_ms = 0;
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(key: &str, kind: Kind, max: u32, window_secs: u64) -> Limit {
        Limit {
            key: key.into(),
            rule: Rule::new(max, Duration::from_secs(window_secs)),
            kind,
        }
    }

    #[test]
    fn rules_parse_from_the_environment_spelling() {
        assert_eq!(
            Rule::parse("10/1h"),
            Ok(Rule::new(10, Duration::from_secs(3600)))
        );
        assert_eq!(
            Rule::parse(" 5/15m "),
            Ok(Rule::new(5, Duration::from_secs(900)))
        );
        assert_eq!(
            Rule::parse("120/60s"),
            Ok(Rule::new(120, Duration::from_secs(60)))
        );
        for bad in ["10", "10/", "/1h", "0/1h", "10/0s", "10/1d", "x/1h", "10/h"] {
            assert!(Rule::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn in_memory_fixed_limits_allow_half_then_refuse() {
        let local = LocalLimits::default();
        let limits = [limit("a", Kind::Fixed, 4, 60)];
        assert_eq!(local.attempt(&limits, 0), 0);
        assert_eq!(local.attempt(&limits, 0), 0);
        let wait = local.attempt(&limits, 0);
        assert!(wait > 0 && wait <= 60_000, "{wait}");
        local.refund("a");
        assert_eq!(local.attempt(&limits, 0), 0, "a refunded attempt is free");
    }

    #[test]
    fn in_memory_back_off_doubles_and_resets() {
        let local = LocalLimits::default();
        let limits = [limit("b", Kind::Backoff, 2, 900)];
        assert_eq!(local.attempt(&limits, 0), 0);
        assert_eq!(
            local.attempt(&limits, 0),
            1000,
            "the first attempt sets a 1 s wait"
        );
        assert_eq!(local.attempt(&limits, 1000), 0);
        assert_eq!(local.attempt(&limits, 1500), 1500, "then 2 s");
        local.forget("b");
        assert_eq!(local.attempt(&limits, 1500), 0);
    }

    #[test]
    fn a_refused_attempt_counts_against_no_limit() {
        let local = LocalLimits::default();
        let open = limit("open", Kind::Fixed, 100, 60);
        let shut = limit("shut", Kind::Fixed, 2, 60);
        assert_eq!(local.attempt(std::slice::from_ref(&shut), 0), 0);
        assert!(local.attempt(&[open, shut], 0) > 0);
        assert_eq!(
            local.lock().get("open").map(|e| e.attempts),
            None,
            "nothing was counted against the open limit"
        );
    }

    #[test]
    fn in_memory_limits_never_grow_past_their_capacity() {
        let local = LocalLimits::with_capacity(3);
        for i in 0..3 {
            assert_eq!(
                local.attempt(&[limit(&i.to_string(), Kind::Fixed, 10, 60)], 0),
                0
            );
        }
        assert!(local.attempt(&[limit("3", Kind::Fixed, 10, 60)], 0) > 0);
        assert_eq!(local.len(), 3);
    }
}
