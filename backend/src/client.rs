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
