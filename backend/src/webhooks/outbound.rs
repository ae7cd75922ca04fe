//! Requests to customers' endpoints, which must never reach inside our own
//! network (SSRF): the host is resolved by our resolver, which drops every
//! private, loopback, link-local or metadata address, and the connection goes
//! to an address it kept. Addresses in URLs are checked the same way, no
//! proxy is used (it would resolve for us) and redirects are not followed.

use crate::settings::WebhookSettings;
use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};
use url::Url;

/// How much of a response is kept for the delivery log.
pub const RESPONSE_KEPT: usize = 2048;

/// Which addresses webhooks may reach: public ones, plus the networks an
/// operator allows (loopback in development and tests).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressPolicy {
    pub allowed_networks: Vec<IpNet>,
}

impl AddressPolicy {
    /// The operator's choice (`WebhookSettings::allowed_networks`).
    pub fn of(settings: &WebhookSettings) -> Self {
        Self {
            allowed_networks: settings.allowed_networks.clone(),
        }
    }

    /// `127.0.0.0/8,::1/128`.
    pub fn parse(list: &str) -> Result<Self, String> {
        let allowed_networks = crate::settings::parse_networks(list)?;
        Ok(Self { allowed_networks })
    }

    pub fn allows(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        is_public(ip) || self.allowed_networks.iter().any(|n| n.contains(&ip))
    }
}

/// An IPv4 address written as IPv6 (`::ffff:10.0.0.1`) is that IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local() // 169.254/16, where cloud metadata answers
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // IETF protocol assignments
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || a >= 240) // reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || ip.is_unique_local() // fc00::/7
        || ip.is_unicast_link_local() // fe80::/10
        || first == 0x64 // 64:ff9b::/96 NAT64 reaches IPv4 behind it
        || first == 0x2001 && ip.segments()[1] == 0xdb8 // documentation
        || ip.to_ipv4().is_some()) // IPv4-compatible, checked as IPv4 if mapped
}

/// Refused before any connection: the error text is what the delivery log
/// shows the customer.
#[derive(Debug, thiserror::Error)]
#[error("{0} resolves only to private or reserved addresses, which webhooks may not reach")]
pub struct Refused(String);

struct GuardedResolver {
    policy: Arc<AddressPolicy>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let kept: Vec<SocketAddr> = found.filter(|a| policy.allows(a.ip())).collect();
            if kept.is_empty() {
                return Err(Box::new(Refused(host)) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(kept.into_iter()) as Addrs)
        })
    }
}

/// What one request to an endpoint came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status_code: Option<u16>,
    pub duration: Duration,
    /// Up to [`RESPONSE_KEPT`] bytes, lossily decoded.
    pub body: String,
    /// No response, or one that cannot count (a redirect).
    pub error: Option<String>,
}

impl Response {
    pub fn delivered(&self) -> bool {
        self.error.is_none() && self.status_code.is_some_and(|c| (200..300).contains(&c))
    }
}

/// One shared client: connections to an endpoint are reused across
/// deliveries, through the guarded resolver only.
#[derive(Clone)]
pub struct Outbound {
    client: reqwest::Client,
    policy: Arc<AddressPolicy>,
    timeout: Duration,
}

impl Outbound {
    /// `timeout`: how long an endpoint has to answer, body included.
    pub fn new(policy: AddressPolicy, timeout: Duration) -> anyhow::Result<Self> {
        let policy = Arc::new(policy);
        let client = reqwest::Client::builder()
            .dns_resolver(Arc::new(GuardedResolver {
                policy: policy.clone(),
            }))
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .user_agent("Portal-Webhooks/1")
            .build()?;
        Ok(Self {
            client,
            policy,
            timeout,
        })
    }

    /// POSTs `body` with `headers`; never fails, the outcome is recorded.
    pub async fn post(&self, url: &str, headers: &[(&str, String)], body: String) -> Response {
        let started = Instant::now();
        let failed = |error: String| Response {
            status_code: None,
            duration: started.elapsed(),
            body: String::new(),
            error: Some(error),
        };
        let url = match self.checked(url) {
            Ok(url) => url,
            Err(error) => return failed(error),
        };
        let mut request = self
            .client
            .post(url)
            .header("content-type", "application/json");
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let mut response = match request.body(body).send().await {
            Ok(response) => response,
            Err(error) => return failed(describe(&error, self.timeout)),
        };
        let status = response.status();
        let mut kept = Vec::new();
        let mut error = None;
        while kept.len() < RESPONSE_KEPT {
            match response.chunk().await {
                Ok(Some(chunk)) => kept.extend_from_slice(&chunk),
                Ok(None) => break,
                Err(e) => {
                    error = Some(describe(&e, self.timeout));
                    break;
                }
            }
        }
        kept.truncate(RESPONSE_KEPT);
        if status.is_redirection() {
            let to = response
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .unwrap_or("elsewhere");
            error = Some(format!(
                "Redirects are not followed (it answered {status} to {to})"
            ));
        }
        Response {
            status_code: Some(status.as_u16()),
            duration: started.elapsed(),
            body: String::from_utf8_lossy(&kept).into_owned(),
            error,
        }
    }

    /// The URL, when its scheme is allowed and an address written in it is
    /// one webhooks may reach (names are checked when they resolve).
    fn checked(&self, url: &str) -> Result<Url, String> {
        let url = Url::parse(url).map_err(|e| format!("Not a valid URL: {e}"))?;
        let address = match url.host() {
            Some(url::Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
            Some(url::Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
            _ => None,
        };
        if let Some(ip) = address.filter(|ip| !self.policy.allows(*ip)) {
            return Err(Refused(ip.to_string()).to_string());
        }
        Ok(url)
    }
}

/// The customer-facing reason a request got no response.
fn describe(error: &reqwest::Error, timeout: Duration) -> String {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if let Some(refused) = e.downcast_ref::<Refused>() {
            return refused.to_string();
        }
        source = e.source();
    }
    if error.is_timeout() {
        format!("No response within {:.1} seconds", timeout.as_secs_f64())
    } else if error.is_connect() {
        "Could not connect".to_owned()
    } else {
        "The request failed before a response arrived".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_loopback_link_local_and_metadata_addresses_are_refused() {
        let policy = AddressPolicy::default();
        for refused in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:1",
        ] {
            assert!(!policy.allows(refused.parse().unwrap()), "{refused}");
        }
        for allowed in ["93.184.215.14", "2606:4700::6810:84e5", "::ffff:8.8.8.8"] {
            assert!(policy.allows(allowed.parse().unwrap()), "{allowed}");
        }
    }

    #[test]
    fn an_allow_list_opens_only_its_networks() {
        let policy = AddressPolicy::parse("127.0.0.0/8, ::1/128").unwrap();
        assert!(policy.allows("127.0.0.1".parse().unwrap()));
        assert!(policy.allows("::1".parse().unwrap()));
        assert!(!policy.allows("10.0.0.1".parse().unwrap()));
        assert!(AddressPolicy::parse("not a network").is_err());
    }
}
