//! Who is calling: the client's IP and user agent, for the audit log, rate
//! limits and the sessions list. Read once per request from its headers.

use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use std::net::SocketAddr;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientMeta {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl ClientMeta {
    /// From a request: the peer address (or, behind a trusted proxy, the
    /// left-most `X-Forwarded-For` entry) and at most 512 characters of the
    /// user agent.
    pub fn from_parts(parts: &Parts, trust_forwarded_for: bool) -> Self {
        let forwarded = trust_forwarded_for
            .then(|| {
                parts
                    .headers
                    .get("x-forwarded-for")?
                    .to_str()
                    .ok()?
                    .split(',')
                    .next()
                    .map(|ip| ip.trim().to_owned())
            })
            .flatten();
        let peer = || {
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|info| info.0.ip().to_string())
        };
        ClientMeta {
            ip: forwarded.or_else(peer),
            user_agent: parts
                .headers
                .get(axum::http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(|ua| ua.chars().take(512).collect()),
        }
    }
}

/// A short, human name for a user agent ("Firefox on Windows"), from the
/// `woothee` parser: good enough to recognise one's own devices; the full
/// string is shown beside it.
pub fn describe_device(user_agent: Option<&str>) -> String {
    let Some(ua) = user_agent.filter(|ua| !ua.trim().is_empty()) else {
        return "Unknown device".to_owned();
    };
    let unknown = woothee::woothee::VALUE_UNKNOWN;
    let Some(parsed) = woothee::parser::Parser::new().parse(ua) else {
        return "Browser".to_owned();
    };
    let browser = if parsed.name == unknown || parsed.category == "crawler" {
        "Browser"
    } else {
        parsed.name
    };
    let system = match parsed.os {
        os if os == unknown => None,
        os if os.starts_with("Windows") => Some("Windows"),
        "Mac OSX" => Some("macOS"),
        "iPhone" | "iPod" | "iOS" => Some("iOS"),
        "iPad" => Some("iPadOS"),
        os => Some(os),
    };
    match system {
        Some(system) => format!("{browser} on {system}"),
        None => browser.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agents_get_short_names() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
        assert_eq!(describe_device(Some(chrome)), "Chrome on Linux");
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36 Edg/131.0";
        assert_eq!(describe_device(Some(edge)), "Edge on Windows");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(describe_device(Some(iphone)), "Safari on iOS");
        let mac = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15";
        assert_eq!(describe_device(Some(mac)), "Safari on macOS");
        assert_eq!(describe_device(None), "Unknown device");
        assert_eq!(describe_device(Some("reqwest")), "Browser");
    }
}
