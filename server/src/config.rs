//! Configuration from the environment. Every variable is listed in README.md.

use crate::http::serve::ConnectionLimits;
use crate::mail::{SmtpConfig, SmtpTls};
use anyhow::{bail, Context};
use backend::calendar::BusinessHours;
use backend::rate_limit::Rule;
use backend::settings::Limits;
use backend::settings::{parse_networks, WebhookSettings};
use backend::Settings;
use domain::billing::RetrySchedule;
use domain::support::ResponseTargets;
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
    /// Where that sink listens (`PORTAL_DEV_MAIL_SINK_ADDR`, default a free
    /// port): `scripts/cluster` points its worker's SMTP at one instance's
    /// sink, so that instance's `/dev/mailbox` shows every email.
    pub dev_mail_sink_addr: std::net::SocketAddr,
    /// Run the notification worker inside this process (`PORTAL_WORKER=inline`,
    /// the default) or not (`off`, when separate `server --worker` processes do).
    pub inline_worker: bool,
    pub connections: ConnectionLimits,
    /// Where `/metrics` answers (`PORTAL_METRICS_ADDR`); `None`: nowhere.
    /// Never the public port: route names and error rates are for operators.
    pub metrics_addr: Option<std::net::SocketAddr>,
    /// After SIGTERM, how long the instance keeps serving with `/ready` at
    /// 503 before it closes its listener (`PORTAL_SHUTDOWN_DRAIN_SECONDS`):
    /// time for the balancer's health check to notice.
    pub shutdown_drain: Duration,
    /// Where ticket attachments go (`PORTAL_ATTACHMENT_STORE`).
    pub attachment_store: AttachmentLocation,
}

/// Local files (the default: `attachments/` under `PORTAL_DATA_DIR`, itself
/// `data` in the working directory by default) or a bucket URL
/// (`s3://bucket/prefix`, configured by the `AWS_*` variables).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttachmentLocation {
    Directory(std::path::PathBuf),
    Url(String),
}

impl AttachmentLocation {
    fn from_env() -> anyhow::Result<Self> {
        match var("PORTAL_ATTACHMENT_STORE") {
            Some(url) if url.contains("://") && !url.starts_with("file://") => Ok(Self::Url(url)),
            Some(path) => Ok(Self::Directory(path.trim_start_matches("file://").into())),
            None => {
                let data: std::path::PathBuf = var("PORTAL_DATA_DIR")
                    .unwrap_or_else(|| "data".into())
                    .into();
                Ok(Self::Directory(data.join("attachments")))
            }
        }
    }

    pub fn open(&self) -> anyhow::Result<backend::support::attachments::AttachmentStore> {
        use backend::support::attachments::AttachmentStore;
        match self {
            Self::Directory(dir) => AttachmentStore::local(dir)
                .with_context(|| format!("opening the attachment folder {}", dir.display())),
            Self::Url(url) => AttachmentStore::from_url(url)
                .with_context(|| format!("opening the attachment store {url}")),
        }
    }
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
        // Said explicitly, never assumed: a production server that forgot it
        // would otherwise run with development's non-Secure cookies and mail sink.
        let environment = match var("PORTAL_ENV").as_deref() {
            Some("development" | "dev") => Environment::Development,
            Some("test") => Environment::Test,
            Some("production" | "prod") => Environment::Production,
            Some(other) => {
                bail!("PORTAL_ENV must be development, test or production, not {other:?}")
            }
            None => bail!(
                "PORTAL_ENV is not set: say production (or development, test; scripts/dev sets it)"
            ),
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
            secure_cookies: secure_cookies(production)?,
            limits: limits()?,
            trusted_proxy_hops: parse_var("PORTAL_TRUSTED_PROXY_HOPS", 0usize)?,
            operator_token: var("PORTAL_OPERATOR_TOKEN").map(SecretString::from),
            api_key_flush_interval: Duration::from_secs(parse_var(
                "PORTAL_API_KEY_FLUSH_SECONDS",
                30u64,
            )?),
            api_key_cache_capacity: parse_var("PORTAL_API_KEY_CACHE_CAPACITY", 100_000u64)?,
            export_slots: parse_var("PORTAL_EXPORT_SLOTS", 3usize)?,
            export_time_limit: Duration::from_secs(parse_var(
                "PORTAL_EXPORT_TIME_LIMIT_SECONDS",
                120u64,
            )?),
            dunning: match var("PORTAL_DUNNING_RETRY_DAYS") {
                None => RetrySchedule::default(),
                Some(days) => RetrySchedule::parse(&days)
                    .map_err(|e| anyhow::anyhow!("PORTAL_DUNNING_RETRY_DAYS: {e}"))?,
            },
            response_targets: ResponseTargets::parse(
                &var("PORTAL_RESPONSE_TARGETS").unwrap_or_default(),
            )
            .map_err(|e| anyhow::anyhow!("PORTAL_RESPONSE_TARGETS: {e}"))?,
            business_hours: match var("PORTAL_BUSINESS_HOURS") {
                None => BusinessHours::default(),
                Some(spec) => BusinessHours::parse(&spec)
                    .map_err(|e| anyhow::anyhow!("PORTAL_BUSINESS_HOURS: {e}"))?,
            },
            webhooks: WebhookSettings {
                // Loopback outside production, so a receiver on this machine
                // can be tried; nothing private in production unless listed.
                allowed_networks: parse_networks(
                    &var("PORTAL_WEBHOOK_ALLOW_NETWORKS").unwrap_or_else(|| {
                        if production {
                            ""
                        } else {
                            "127.0.0.0/8,::1/128"
                        }
                        .into()
                    }),
                )
                .map_err(|e| anyhow::anyhow!("PORTAL_WEBHOOK_ALLOW_NETWORKS: {e}"))?,
                ..WebhookSettings::default()
            },
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
            connections: connection_limits()?,
            metrics_addr: address("PORTAL_METRICS_ADDR")?,
            dev_mail_sink_addr: address("PORTAL_DEV_MAIL_SINK_ADDR")?
                .unwrap_or_else(|| std::net::SocketAddr::from(([127, 0, 0, 1], 0))),
            shutdown_drain: Duration::from_secs(parse_var("PORTAL_SHUTDOWN_DRAIN_SECONDS", 10u64)?),
            attachment_store: AttachmentLocation::from_env()?,
        })
    }
}

/// A listen address from `name`, if set.
fn address(name: &str) -> anyhow::Result<Option<std::net::SocketAddr>> {
    var(name)
        .map(|value| {
            value.parse().map_err(|_| {
                anyhow::anyhow!("{name} must be an address like 127.0.0.1:9464, not {value:?}")
            })
        })
        .transpose()
}

fn connection_limits() -> anyhow::Result<ConnectionLimits> {
    let default = ConnectionLimits::default();
    let limits = ConnectionLimits {
        max_connections: parse_var("PORTAL_MAX_CONNECTIONS", default.max_connections)?,
        header_read_timeout: Duration::from_secs(parse_var(
            "PORTAL_HEADER_READ_TIMEOUT_SECONDS",
            default.header_read_timeout.as_secs(),
        )?),
    };
    if limits.max_connections == 0 || limits.header_read_timeout.is_zero() {
        bail!("PORTAL_MAX_CONNECTIONS and PORTAL_HEADER_READ_TIMEOUT_SECONDS must be above 0");
    }
    Ok(limits)
}

/// Secure cookies are the default in production and cannot be turned off there.
fn secure_cookies(production: bool) -> anyhow::Result<bool> {
    let secure = flag("PORTAL_SECURE_COOKIES", production)?;
    if production && !secure {
        bail!("PORTAL_SECURE_COOKIES cannot be false in production: serve the portal over TLS");
    }
    Ok(secure)
}

/// The defaults, each overridden by its `PORTAL_LIMIT_<NAME>` (`10/1h`).
fn limits() -> anyhow::Result<Limits> {
    let mut limits = Limits::default();
    for (name, rule) in limits.by_name() {
        let variable = format!("PORTAL_LIMIT_{}", name.to_ascii_uppercase());
        if let Some(value) = var(&variable) {
            *rule = Rule::parse(&value).map_err(|e| anyhow::anyhow!("{variable}: {e}"))?;
        }
    }
    Ok(limits)
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
    let mut options = config.leptos_options;
    // `cargo leptos build` writes the hashed asset names beside the binary
    // (hash-files in Cargo.toml); started directly, as scripts and production
    // do, the binary finds them there without a LEPTOS_HASH_FILES variable.
    if !options.hash_files {
        options.hash_files = std::env::current_exe()
            .ok()
            .and_then(|exe| Some(exe.parent()?.join(options.hash_file.as_ref())))
            .is_some_and(|file| file.exists());
    }
    Ok(options)
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
