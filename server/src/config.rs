//! Configuration from the environment. Every variable is listed in README.md.

use crate::mail::{SmtpConfig, SmtpTls};
use anyhow::{bail, Context};
use backend::Settings;
use leptos::config::LeptosOptions;
use secrecy::SecretString;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Test,
    Production,
}

pub struct Config {
    pub environment: Environment,
    pub database_url: SecretString,
    pub redis_url: SecretString,
    pub leptos_options: LeptosOptions,
    pub settings: Settings,
    pub demo_data: bool,
    pub json_logs: bool,
    /// Absolute links in emails start with this.
    pub base_url: String,
    /// `None` outside production: a built-in SMTP sink catches every email
    /// and `/dev/mailbox` shows it.
    pub smtp: Option<SmtpConfig>,
    /// Run the notification worker inside this process (`PORTAL_WORKER=inline`,
    /// the default) or not (`off`, when separate `server --worker` processes do).
    pub inline_worker: bool,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn parse_var<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T>
where
    T::Err: std::fmt::Display,
{
    match var(name) {
        Some(value) => value
            .parse()
            .map_err(|e| anyhow::anyhow!("{name}={value:?}: {e}")),
        None => Ok(default),
    }
}

/// A yes/no variable: `1`/`true`/`yes`/`on` or `0`/`false`/`no`/`off`.
fn flag(name: &str, default: bool) -> anyhow::Result<bool> {
    parse_flag(name, var(name).as_deref(), default)
}

fn parse_flag(name: &str, value: Option<&str>, default: bool) -> anyhow::Result<bool> {
    match value.map(str::to_ascii_lowercase).as_deref() {
        None => Ok(default),
        Some("1" | "true" | "yes" | "on") => Ok(true),
        Some("0" | "false" | "no" | "off") => Ok(false),
        Some(other) => bail!("{name} must be true or false (or 1 or 0), not {other:?}"),
    }
}

impl Config {
    pub fn from_env() -> anyhow::Result<Self> {
        let environment = match var("PORTAL_ENV").as_deref().unwrap_or("development") {
            "development" | "dev" => Environment::Development,
            "test" => Environment::Test,
            "production" | "prod" => Environment::Production,
            other => bail!("PORTAL_ENV must be development, test or production, not {other:?}"),
        };
        let database_url = var("DATABASE_URL")
            .context("DATABASE_URL is not set (scripts/services env prints one)")?;
        let redis_url =
            var("REDIS_URL").context("REDIS_URL is not set (scripts/services env prints one)")?;
        let leptos_options = leptos_options()?;
        let production = environment == Environment::Production;
        let settings = Settings {
            redis_prefix: var("PORTAL_REDIS_PREFIX").unwrap_or_else(|| "portal".into()),
            session_idle_timeout: Duration::from_secs(
                60 * parse_var("PORTAL_SESSION_IDLE_MINUTES", 30u64)?,
            ),
            session_absolute_timeout: Duration::from_secs(
                3600 * parse_var("PORTAL_SESSION_ABSOLUTE_HOURS", 12u64)?,
            ),
            secure_cookies: flag("PORTAL_SECURE_COOKIES", production)?,
            sign_in_limit_per_account: parse_var("PORTAL_SIGN_IN_LIMIT_PER_ACCOUNT", 5u32)?,
            sign_in_limit_per_ip: parse_var("PORTAL_SIGN_IN_LIMIT_PER_IP", 50u32)?,
            sign_in_window: Duration::from_secs(
                60 * parse_var("PORTAL_SIGN_IN_WINDOW_MINUTES", 15u64)?,
            ),
            trust_forwarded_for: flag("PORTAL_TRUST_FORWARDED_FOR", false)?,
            operator_token: var("PORTAL_OPERATOR_TOKEN").map(SecretString::from),
            api_key_flush_interval: Duration::from_secs(parse_var(
                "PORTAL_API_KEY_FLUSH_SECONDS",
                30u64,
            )?),
        };
        let base_url = var("PORTAL_BASE_URL")
            .unwrap_or_else(|| format!("http://{}", leptos_options.site_addr));
        let smtp = smtp_config(production)?;
        let inline_worker = match var("PORTAL_WORKER").as_deref().unwrap_or("inline") {
            "inline" => true,
            "off" => false,
            other => bail!("PORTAL_WORKER must be inline or off, not {other:?}"),
        };
        Ok(Self {
            environment,
            base_url,
            smtp,
            inline_worker,
            database_url: database_url.into(),
            redis_url: redis_url.into(),
            leptos_options,
            settings,
            demo_data: flag("PORTAL_DEMO_DATA", false)?,
            json_logs: flag("PORTAL_JSON_LOGS", production)?,
        })
    }
}

fn smtp_config(production: bool) -> anyhow::Result<Option<SmtpConfig>> {
    let Some(host) = var("SMTP_HOST") else {
        if production {
            bail!("SMTP_HOST must be set in production (the development mail sink is never used there)");
        }
        return Ok(None);
    };
    let tls = match var("SMTP_TLS").as_deref().unwrap_or("starttls") {
        "none" => SmtpTls::None,
        "starttls" => SmtpTls::StartTls,
        "tls" => SmtpTls::Tls,
        other => bail!("SMTP_TLS must be none, starttls or tls, not {other:?}"),
    };
    let default_port = match tls {
        SmtpTls::None => 25,
        SmtpTls::StartTls => 587,
        SmtpTls::Tls => 465,
    };
    Ok(Some(SmtpConfig {
        host,
        port: parse_var("SMTP_PORT", default_port)?,
        tls,
        username: var("SMTP_USERNAME"),
        password: var("SMTP_PASSWORD").map(SecretString::from),
        from: var("MAIL_FROM").unwrap_or_else(|| DEFAULT_FROM.to_owned()),
    }))
}

pub const DEFAULT_FROM: &str = "Portal <no-reply@portal.localhost>";

/// cargo-leptos sets LEPTOS_* variables when it runs the server; when the
/// binary is started directly, the workspace Cargo.toml supplies them.
fn leptos_options() -> anyhow::Result<LeptosOptions> {
    let from_env = leptos::config::get_configuration(None);
    let config = match from_env {
        Ok(config) => config,
        Err(_) => leptos::config::get_configuration(Some(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../Cargo.toml"
        )))
        .context("reading Leptos options")?,
    };
    Ok(config.leptos_options)
}

#[cfg(test)]
mod tests {
    use super::parse_flag;

    #[test]
    fn flags_accept_the_usual_spellings() {
        for yes in ["1", "true", "TRUE", "yes", "on"] {
            assert!(parse_flag("X", Some(yes), false).unwrap(), "{yes}");
        }
        for no in ["0", "false", "No", "off"] {
            assert!(!parse_flag("X", Some(no), true).unwrap(), "{no}");
        }
        assert!(parse_flag("X", None, true).unwrap());
        assert!(parse_flag("X", Some("maybe"), true).is_err());
    }
}
