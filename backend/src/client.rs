//! Who is calling: the client's IP and user agent, for the audit log, rate
//! limits and the sessions list, and the browser's time zone. Read once per
//! request from its headers.

use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use std::net::{IpAddr, SocketAddr};

/// The request's W3C trace id, put in its extensions by the server's
/// `trace_context::propagate`: the reference an error shows a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceId(pub String);

/// The client's address as a rate-limit subject (one shared bucket when the
/// peer is unknown, which only happens outside a real server).
pub fn client_ip(client: &ClientMeta) -> &str {
    client.ip.as_deref().unwrap_or("unknown")
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientMeta {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The browser's time zone as its page reported it in the
    /// [`TIME_ZONE_COOKIE`], if shaped like a zone name (checked against the
    /// zone database only where it is used or stored).
    pub time_zone: Option<String>,
}

/// Set by every page's boot script from `Intl.DateTimeFormat()`, so the
/// first sign-in can store the reader's zone (`session::customer::create`),
/// and times read local before it is stored.
pub const TIME_ZONE_COOKIE: &str = "portal_tz";

impl ClientMeta {
    /// From a request: the client's address and at most 512 characters of its
    /// user agent. See `client_address` for which address.
    pub fn from_parts(parts: &Parts, trusted_proxy_hops: usize) -> Self {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip());
        Self::from_headers(&parts.headers, peer, trusted_proxy_hops)
    }

    pub fn from_headers(
        headers: &HeaderMap,
        peer: Option<IpAddr>,
        trusted_proxy_hops: usize,
    ) -> Self {
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(",");
        ClientMeta {
            ip: client_address(&forwarded, peer, trusted_proxy_hops).map(|ip| ip.to_string()),
            user_agent: headers
                .get(axum::http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(|ua| ua.chars().take(512).collect()),
            time_zone: cookie_value(TIME_ZONE_COOKIE, headers)
                .filter(|name| crate::local_time::looks_like_zone(name)),
        }
    }
}

/// The value of cookie `name` in a request's headers, if present.
pub fn cookie_value(name: &str, headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == name && !cookie.value().is_empty())
        .map(|cookie| cookie.value().to_owned())
}

/// The client's address behind `hops` trusted proxies. Each proxy appends the
/// address it received the request from to `X-Forwarded-For`, so the client is
/// the entry `hops` places from the right; anything left of it was written by
/// the client and proves nothing. With no trusted proxy, the peer.
fn client_address(forwarded_for: &str, peer: Option<IpAddr>, hops: usize) -> Option<IpAddr> {
    if hops == 0 {
        return peer;
    }
    let entries: Vec<&str> = forwarded_for
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    entries
        .len()
        .checked_sub(hops)
        .and_then(|i| entries[i].parse().ok())
        .or(peer)
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
    fn forwarded_for_is_read_from_the_right_by_trusted_hops() {
        let peer: Option<IpAddr> = "10.0.0.9".parse().ok();
        let ip = |s: &str| s.parse::<IpAddr>().ok();
        // The client wrote "6.6.6.6" itself; our one proxy appended "1.2.3.4".
        let header = "6.6.6.6, 1.2.3.4";
        assert_eq!(client_address(header, peer, 1), ip("1.2.3.4"));
        assert_eq!(client_address(header, peer, 2), ip("6.6.6.6"));
        assert_eq!(
            client_address(header, peer, 0),
            peer,
            "no proxy: the header is ignored"
        );
        assert_eq!(client_address("", peer, 1), peer);
        assert_eq!(client_address("not-an-ip", peer, 1), peer);
        assert_eq!(
            client_address("1.2.3.4", peer, 3),
            peer,
            "fewer entries than hops"
        );
    }

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
