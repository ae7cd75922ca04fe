//! Runtime settings the backend reads: timeouts, limits, the Redis namespace.

use std::time::Duration;

/// Runtime settings that features read. Loaded once by the server binary from
/// the environment (`server/src/config.rs`); tests build their own.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Namespace of every Redis key (`{prefix}:{feature}:{id}`), so several
    /// deployments, or several tests, can share one Redis.
    pub redis_prefix: String,
    pub session_idle_timeout: Duration,
    pub session_absolute_timeout: Duration,
    /// Send cookies with `Secure` and the `__Host-` prefix (when served over TLS).
    pub secure_cookies: bool,
    /// The abuse limits of every open door (README: "Abuse limits").
    pub limits: Limits,
    /// How many proxies in front of the portal append to `X-Forwarded-For`:
    /// the client is the entry that many places from the right. 0 ignores the
    /// header (the peer address is the client).
    pub trusted_proxy_hops: usize,
    /// Bearer token of the SaaS's own backend for `POST /api/v1/keys/verify`;
    /// `None` disables that endpoint.
    pub operator_token: Option<secrecy::SecretString>,
    /// How often buffered API key "last used" times are written.
    pub api_key_flush_interval: Duration,
    /// API keys each instance keeps verified in memory (unknown keys: a tenth).
    pub api_key_cache_capacity: u64,
    /// Audit CSV exports running at once per instance (each holds a pooled
    /// connection while its client reads), and the longest one may take.
    pub export_slots: usize,
    pub export_time_limit: Duration,
    /// When a failed period charge is retried.
    pub dunning: domain::billing::RetrySchedule,
    /// How soon staff should answer, by priority (the console's "due in").
    pub response_targets: domain::support::ResponseTargets,
    /// When business-time targets count.
    pub business_hours: crate::calendar::BusinessHours,
    /// Webhook retries and the networks endpoints may reach.
    pub webhooks: WebhookSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            redis_prefix: "portal".into(),
            session_idle_timeout: Duration::from_secs(30 * 60),
            session_absolute_timeout: Duration::from_secs(12 * 60 * 60),
            secure_cookies: false,
            limits: Limits::default(),
            trusted_proxy_hops: 0,
            operator_token: None,
            api_key_flush_interval: Duration::from_secs(30),
            api_key_cache_capacity: 100_000,
            export_slots: 3,
            export_time_limit: Duration::from_secs(120),
            dunning: Default::default(),
            response_targets: Default::default(),
            business_hours: Default::default(),
            webhooks: Default::default(),
        }
    }
}

/// How webhook deliveries are retried and where they may go.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Private networks endpoints may reach besides public addresses (none
    /// in production; loopback in development and tests).
    pub allowed_networks: Vec<ipnet::IpNet>,
    /// The wait before each retry; once it runs out the delivery fails.
    pub retry_schedule: Vec<Duration>,
    /// An endpoint failing this long without a success is turned off.
    pub disable_after: Duration,
    /// How long a worker holds a delivery it is sending.
    pub lease: Duration,
    /// How long the previous secret still signs after a rotation.
    pub secret_overlap: Duration,
    /// How long an endpoint has to answer, body included.
    pub timeout: Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        let minute = 60;
        let hour = 60 * minute;
        let mut retry_schedule: Vec<Duration> = [5, 5 * minute, 30 * minute, 2 * hour, 5 * hour]
            .into_iter()
            .map(Duration::from_secs)
            .collect();
        // Then every 10 hours: about three days in all.
        retry_schedule.extend(std::iter::repeat_n(Duration::from_secs(10 * hour), 6));
        Self {
            allowed_networks: Vec::new(),
            retry_schedule,
            disable_after: Duration::from_secs(5 * 24 * hour),
            lease: Duration::from_secs(60),
            secret_overlap: Duration::from_secs(24 * hour),
            timeout: Duration::from_secs(10),
        }
    }
}

/// `127.0.0.0/8,::1/128`: networks in CIDR notation, comma-separated.
pub fn parse_networks(list: &str) -> Result<Vec<ipnet::IpNet>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<ipnet::IpNet>().map_err(|e| format!("{s:?}: {e}")))
        .collect()
}

impl Settings {
    pub fn redis_key(&self, feature: &str, id: &str) -> String {
        format!("{}:{feature}:{id}", self.redis_prefix)
    }
}

/// Every abuse limit, each configurable (`PORTAL_LIMIT_<NAME>=10/1h`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Sign-ups per client IP, and from everyone together.
    pub sign_up_per_ip: Rule,
    pub sign_up_global: Rule,
    /// Sign-ins per (account, IP): `max` free attempts, then waits doubling
    /// from 1 s up to `window`. A success ends the back-off.
    pub sign_in_backoff: Rule,
    /// Failed sign-ins per client IP, whatever the account.
    pub sign_in_per_ip: Rule,
    /// Wrong passwords when confirming a sensitive change, per user.
    pub reauth_per_user: Rule,
    /// Wrong second-factor codes per user.
    pub two_factor_per_user: Rule,
    /// Password-reset emails per address, and per client IP.
    pub reset_per_address: Rule,
    pub reset_per_ip: Rule,
    /// Verification emails per account, and per client IP.
    pub verification_per_user: Rule,
    pub verification_per_ip: Rule,
    /// Card updates (and declines) per organization.
    pub card_updates_per_org: Rule,
    /// Cards tokenized by the sandbox processor per client IP.
    pub card_tokens_per_ip: Rule,
    /// Invitation emails (sent and resent) per organization.
    pub invites_per_org: Rule,
    /// Public API requests per client IP whose key is not one this instance
    /// verified recently (unknown, malformed or missing keys: the 401s).
    pub api_lookups_per_ip: Rule,
    /// Invoice PDFs opened through emailed links, per client IP.
    pub invoice_links_per_ip: Rule,
    /// Ticket rating links opened and used, per client IP.
    pub rating_links_per_ip: Rule,
    /// Staff invitation links opened and accepted, per client IP.
    pub staff_invitation_links_per_ip: Rule,
    /// Team invitation links opened and accepted, per client IP.
    pub invitation_links_per_ip: Rule,
    /// Unsubscribe links opened and used, per client IP.
    pub unsubscribe_links_per_ip: Rule,
}

const MINUTE: u64 = 60;
const HOUR: u64 = 3600;

const fn rule(max: u32, secs: u64) -> Rule {
    Rule::new(max, Duration::from_secs(secs))
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            sign_up_per_ip: rule(10, HOUR),
            sign_up_global: rule(200, HOUR),
            sign_in_backoff: rule(5, 15 * MINUTE),
            sign_in_per_ip: rule(50, 15 * MINUTE),
            reauth_per_user: rule(5, 15 * MINUTE),
            two_factor_per_user: rule(10, 15 * MINUTE),
            reset_per_address: rule(3, HOUR),
            reset_per_ip: rule(20, HOUR),
            verification_per_user: rule(5, HOUR),
            verification_per_ip: rule(20, HOUR),
            card_updates_per_org: rule(10, HOUR),
            card_tokens_per_ip: rule(30, HOUR),
            invites_per_org: rule(50, HOUR),
            api_lookups_per_ip: rule(120, MINUTE),
            invoice_links_per_ip: rule(60, HOUR),
            rating_links_per_ip: rule(60, HOUR),
            staff_invitation_links_per_ip: rule(30, HOUR),
            invitation_links_per_ip: rule(30, HOUR),
            unsubscribe_links_per_ip: rule(60, HOUR),
        }
    }
}

impl Limits {
    /// Each limit by its environment name (`sign_up_per_ip` is
    /// `PORTAL_LIMIT_SIGN_UP_PER_IP`), for configuration and the README.
    pub fn by_name(&mut self) -> [(&'static str, &mut Rule); 19] {
        [
            ("sign_up_per_ip", &mut self.sign_up_per_ip),
            ("sign_up_global", &mut self.sign_up_global),
            ("sign_in_backoff", &mut self.sign_in_backoff),
            ("sign_in_per_ip", &mut self.sign_in_per_ip),
            ("reauth_per_user", &mut self.reauth_per_user),
            ("two_factor_per_user", &mut self.two_factor_per_user),
            ("reset_per_address", &mut self.reset_per_address),
            ("reset_per_ip", &mut self.reset_per_ip),
            ("verification_per_user", &mut self.verification_per_user),
            ("verification_per_ip", &mut self.verification_per_ip),
            ("card_updates_per_org", &mut self.card_updates_per_org),
            ("card_tokens_per_ip", &mut self.card_tokens_per_ip),
            ("invites_per_org", &mut self.invites_per_org),
            ("api_lookups_per_ip", &mut self.api_lookups_per_ip),
            ("invoice_links_per_ip", &mut self.invoice_links_per_ip),
            ("rating_links_per_ip", &mut self.rating_links_per_ip),
            (
                "staff_invitation_links_per_ip",
                &mut self.staff_invitation_links_per_ip,
            ),
            ("invitation_links_per_ip", &mut self.invitation_links_per_ip),
            (
                "unsubscribe_links_per_ip",
                &mut self.unsubscribe_links_per_ip,
            ),
        ]
    }
}

/// At most `max` attempts per `window` (fixed), or `max` free attempts then
/// waits doubling up to `window` (back-off).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub max: u32,
    pub window: Duration,
}

impl Rule {
    pub const fn new(max: u32, window: Duration) -> Self {
        Self { max, window }
    }

    /// `"10/1h"`, `"5/15m"`, `"120/60s"`: attempts, then a window in seconds,
    /// minutes or hours.
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        let invalid = || format!("{text:?} is not a limit like 10/1h, 5/15m or 120/60s");
        let (max, window) = text.trim().split_once('/').ok_or_else(invalid)?;
        let max: u32 = max.trim().parse().map_err(|_| invalid())?;
        let window = window.trim();
        let (amount, unit) = window.split_at(window.len().saturating_sub(1));
        let amount: u64 = amount.parse().map_err(|_| invalid())?;
        let seconds = match unit {
            "s" => amount,
            "m" => amount * 60,
            "h" => amount * 3600,
            _ => return Err(invalid()),
        };
        if max == 0 || seconds == 0 {
            return Err(invalid());
        }
        Ok(Self::new(max, Duration::from_secs(seconds)))
    }
}
