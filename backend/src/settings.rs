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
    /// Failed sign-ins allowed per account, and per client IP, within one window.
    pub sign_in_limit_per_account: u32,
    pub sign_in_limit_per_ip: u32,
    pub sign_in_window: Duration,
    /// Trust the left-most `X-Forwarded-For` address (only behind a proxy that sets it).
    pub trust_forwarded_for: bool,
    /// Bearer token of the SaaS's own backend for `POST /api/v1/keys/verify`;
    /// `None` disables that endpoint.
    pub operator_token: Option<secrecy::SecretString>,
    /// How often buffered API key "last used" times are written.
    pub api_key_flush_interval: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            redis_prefix: "portal".into(),
            session_idle_timeout: Duration::from_secs(30 * 60),
            session_absolute_timeout: Duration::from_secs(12 * 60 * 60),
            secure_cookies: false,
            sign_in_limit_per_account: 5,
            sign_in_limit_per_ip: 50,
            sign_in_window: Duration::from_secs(15 * 60),
            trust_forwarded_for: false,
            operator_token: None,
            api_key_flush_interval: Duration::from_secs(30),
        }
    }
}

impl Settings {
    pub fn redis_key(&self, feature: &str, id: &str) -> String {
        format!("{}:{feature}:{id}", self.redis_prefix)
    }
}
