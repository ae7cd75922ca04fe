//! W3C Trace Context (`traceparent`): a request that arrives with one keeps
//! its trace id, one without gets a fresh id, and every answer carries a
//! `traceparent` naming this request's span. The trace id is in every log
//! line of the request (see `trace_layer`), so "reference: 4bf92f…" from a
//! customer, a balancer log or an upstream service finds the request.

use axum::body::Body;
use axum::http::{HeaderValue, Request};
use axum::middleware::Next;
use axum::response::Response;

pub const HEADER: &str = "traceparent";

/// The trace this request belongs to and its own span within it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceContext {
    /// 32 lowercase hex digits.
    pub trace_id: String,
    /// This request's span: 16 lowercase hex digits.
    pub span_id: String,
    /// The caller's sampling decision (`01` sampled), passed on unchanged.
    pub flags: String,
}

impl TraceContext {
    /// Continues the caller's trace when its `traceparent` is valid; a
    /// malformed one is ignored, as the specification asks.
    pub fn continue_or_start(traceparent: Option<&str>) -> Self {
        let (trace_id, flags) = traceparent
            .and_then(parse)
            .unwrap_or_else(|| (random_hex::<16>(), "00".to_owned()));
        Self {
            trace_id,
            span_id: random_hex::<8>(),
            flags,
        }
    }

    pub fn header_value(&self) -> String {
        format!("00-{}-{}-{}", self.trace_id, self.span_id, self.flags)
    }
}

/// The trace id and flags of a version-00-shaped `traceparent`.
fn parse(value: &str) -> Option<(String, String)> {
    let mut parts = value.trim().split('-');
    let (version, trace_id, parent_id, flags) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    // A later version may append fields; version 00 has exactly four.
    if version == "00" && parts.next().is_some() {
        return None;
    }
    let valid = is_hex(version, 2)
        && version != "ff"
        && is_hex(trace_id, 32)
        && is_hex(parent_id, 16)
        && is_hex(flags, 2)
        && trace_id.bytes().any(|b| b != b'0')
        && parent_id.bytes().any(|b| b != b'0');
    valid.then(|| (trace_id.to_owned(), flags.to_owned()))
}

fn is_hex(text: &str, len: usize) -> bool {
    text.len() == len
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn random_hex<const N: usize>() -> String {
    let mut bytes = [0u8; N];
    if getrandom::fill(&mut bytes).is_err() || bytes.iter().all(|&b| b == 0) {
        // All zeros is the invalid id; any other value will do.
        bytes[N - 1] = 1;
    }
    hex::encode(bytes)
}

/// Outermost middleware: gives the request its trace context (read by the
/// request span and error pages) and the response its `traceparent`.
pub async fn propagate(mut request: Request<Body>, next: Next) -> Response {
    let context = TraceContext::continue_or_start(
        request
            .headers()
            .get(HEADER)
            .and_then(|value| value.to_str().ok()),
    );
    let header = HeaderValue::from_str(&context.header_value()).ok();
    request
        .extensions_mut()
        .insert(backend::TraceId(context.trace_id.clone()));
    request.extensions_mut().insert(context);
    let mut response = next.run(request).await;
    if let Some(header) = header {
        response.headers_mut().insert(HEADER, header);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    const CALLER: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn a_callers_trace_is_continued_with_a_new_span() {
        let context = TraceContext::continue_or_start(Some(CALLER));
        assert_eq!(context.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(context.flags, "01");
        assert_ne!(context.span_id, "00f067aa0ba902b7");
        assert!(is_hex(&context.span_id, 16));
    }

    #[test]
    fn malformed_or_zero_parents_start_a_new_trace() {
        for bad in [
            "",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
        ] {
            let context = TraceContext::continue_or_start(Some(bad));
            assert_ne!(
                context.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736",
                "{bad}"
            );
            assert!(is_hex(&context.trace_id, 32), "{bad}");
            assert_eq!(context.flags, "00");
        }
    }

    #[test]
    fn later_versions_may_carry_more_fields() {
        let later = "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-more";
        let context = TraceContext::continue_or_start(Some(later));
        assert_eq!(context.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    }
}
