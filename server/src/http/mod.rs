//! HTTP concerns around the Leptos app: middleware (sessions, CSRF, server
//! function errors, tracing) and endpoints that are not server functions.

pub mod api_keys;
pub mod api_v1;
pub mod assets;
pub mod attachments;
pub mod audit_export;
pub mod csrf;
pub mod headers;
pub mod health;
pub mod invoices;
pub mod live;
pub mod outage;
pub mod paced;
pub mod sandbox;
pub mod serve;
pub mod server_fns;
pub mod session;
pub mod shown_once;
pub mod trace_context;
pub mod two_factor;
pub mod unsubscribe;
pub mod webhooks;
pub mod writes;

/// The paths the router mounts besides pages and server functions. The router
/// uses these constants and the access-matrix test (`server/tests/matrix.rs`)
/// requires an expectation for each one in `ALL`, so a new route cannot
/// appear without someone deciding who may call it.
pub mod paths {
    pub const AUDIT_EXPORT: &str = "/audit/export.csv";
    pub const LIVE: &str = "/live";
    pub const TWO_FACTOR_CONFIRM: &str = "/settings/two-factor/confirm";
    pub const RECOVERY_CODES: &str = "/settings/two-factor/recovery-codes";
    pub const API_KEY_CREATE: &str = "/api-keys/create";
    pub const API_KEY_ROTATE: &str = "/api-keys/rotate";
    pub const WEBHOOK_CREATE: &str = "/webhooks/create";
    pub const WEBHOOK_ROTATE: &str = "/webhooks/rotate";
    pub const STAFF_TWO_FACTOR_CONFIRM: &str = "/staff/sign-in/two-factor/confirm";
    pub const INVOICE_PDF: &str = "/billing/invoices/{id}/pdf";
    pub const INVOICES_CSV: &str = "/billing/invoices.csv";
    pub const RECEIPT_PDF: &str = "/billing/invoices/{id}/receipt";
    pub const CREDIT_NOTE_PDF: &str = "/billing/credit-notes/{id}/pdf";
    pub const TICKET_OPEN: &str = "/support/open";
    pub const TICKET_ATTACHMENTS: &str = "/support/{id}/attachments";
    pub const ATTACHMENT: &str = "/support/attachments/{id}";
    pub const ATTACHMENT_PREVIEW: &str = "/support/attachments/{id}/preview";
    pub const STAFF_TICKET_ATTACHMENTS: &str = "/staff/tickets/{id}/attachments";
    pub const STAFF_ATTACHMENT: &str = "/staff/attachments/{id}";
    pub const STAFF_ATTACHMENT_PREVIEW: &str = "/staff/attachments/{id}/preview";
    pub const INVOICE_LINK: &str = "/invoices/pdf";
    pub const UNSUBSCRIBE_ONE_CLICK: &str = "/unsubscribe/one-click";
    pub const SANDBOX_CARD_TOKENS: &str = "/sandbox/v1/tokens";
    pub const HEALTH: &str = "/health";
    pub const READY: &str = "/ready";
    pub const API_PING: &str = "/api/v1/ping";
    pub const API_VERIFY_KEY: &str = "/api/v1/keys/verify";
    pub const API_USAGE_EVENTS: &str = "/api/v1/usage/events";
    pub const DEV_MAILBOX: &str = "/dev/mailbox";
    pub const DEV_MAILBOX_MAIL: &str = "/dev/mailbox/{id}";

    pub const ALL: &[&str] = &[
        AUDIT_EXPORT,
        UNSUBSCRIBE_ONE_CLICK,
        LIVE,
        TWO_FACTOR_CONFIRM,
        RECOVERY_CODES,
        API_KEY_CREATE,
        API_KEY_ROTATE,
        WEBHOOK_CREATE,
        WEBHOOK_ROTATE,
        STAFF_TWO_FACTOR_CONFIRM,
        INVOICE_PDF,
        INVOICES_CSV,
        RECEIPT_PDF,
        CREDIT_NOTE_PDF,
        TICKET_OPEN,
        TICKET_ATTACHMENTS,
        ATTACHMENT,
        ATTACHMENT_PREVIEW,
        STAFF_TICKET_ATTACHMENTS,
        STAFF_ATTACHMENT,
        STAFF_ATTACHMENT_PREVIEW,
        INVOICE_LINK,
        SANDBOX_CARD_TOKENS,
        HEALTH,
        READY,
        API_PING,
        API_VERIFY_KEY,
        API_USAGE_EVENTS,
        DEV_MAILBOX,
        DEV_MAILBOX_MAIL,
    ];
}

use axum::body::Body;
use http::Request;
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::TraceLayer;

pub type RequestTraceLayer =
    TraceLayer<SharedClassifier<ServerErrorsAsFailures>, fn(&Request<Body>) -> tracing::Span>;

/// One span per request; everything logged while handling it carries the
/// method, path and the trace id (`trace_context::propagate` runs first).
pub fn trace_layer() -> RequestTraceLayer {
    TraceLayer::new_for_http().make_span_with(|request: &Request<Body>| {
        let trace_id = request
            .extensions()
            .get::<trace_context::TraceContext>()
            .map(|context| context.trace_id.as_str())
            .unwrap_or_default();
        tracing::info_span!(
            "request",
            method = %request.method(),
            path = %request.uri().path(),
            trace_id = %trace_id,
        )
    })
}
