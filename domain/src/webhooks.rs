//! Webhooks: the events an organization's engineers can receive in their own
//! systems, and what the endpoint pages show.

use crate::dates::Moment;
use serde::{Deserialize, Serialize};

/// What happened, as a receiver subscribes to it and reads it in `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventType {
    #[serde(rename = "usage.threshold_crossed")]
    UsageThresholdCrossed,
    #[serde(rename = "invoice.issued")]
    InvoiceIssued,
    #[serde(rename = "invoice.paid")]
    InvoicePaid,
    #[serde(rename = "invoice.payment_failed")]
    InvoicePaymentFailed,
    #[serde(rename = "ticket.replied")]
    TicketReplied,
    #[serde(rename = "ticket.status_changed")]
    TicketStatusChanged,
    #[serde(rename = "member.added")]
    MemberAdded,
    #[serde(rename = "member.removed")]
    MemberRemoved,
    #[serde(rename = "api_key.revoked")]
    ApiKeyRevoked,
}

impl EventType {
    /// In the order the endpoint form lists them.
    pub const ALL: [Self; 9] = [
        Self::UsageThresholdCrossed,
        Self::InvoiceIssued,
        Self::InvoicePaid,
        Self::InvoicePaymentFailed,
        Self::TicketReplied,
        Self::TicketStatusChanged,
        Self::MemberAdded,
        Self::MemberRemoved,
        Self::ApiKeyRevoked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::UsageThresholdCrossed => "usage.threshold_crossed",
            Self::InvoiceIssued => "invoice.issued",
            Self::InvoicePaid => "invoice.paid",
            Self::InvoicePaymentFailed => "invoice.payment_failed",
            Self::TicketReplied => "ticket.replied",
            Self::TicketStatusChanged => "ticket.status_changed",
            Self::MemberAdded => "member.added",
            Self::MemberRemoved => "member.removed",
            Self::ApiKeyRevoked => "api_key.revoked",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == value)
    }

    /// When it is sent, for the endpoint form.
    pub fn description(self) -> &'static str {
        match self {
            Self::UsageThresholdCrossed => "Usage passed 80% or 100% of a plan limit.",
            Self::InvoiceIssued => "An invoice was issued.",
            Self::InvoicePaid => "An invoice was paid.",
            Self::InvoicePaymentFailed => "A payment for an invoice failed.",
            Self::TicketReplied => "Support, or someone in your team, replied to a ticket.",
            Self::TicketStatusChanged => {
                "A ticket was resolved, closed or reopened (a reply says its new status itself)."
            }
            Self::MemberAdded => "Someone joined the organization.",
            Self::MemberRemoved => "Someone was removed from, or left, the organization.",
            Self::ApiKeyRevoked => "An API key was revoked.",
        }
    }
}

/// The type of the event "Send test event" delivers; no endpoint subscribes
/// to it, every endpoint accepts it.
pub const TEST_EVENT: &str = "webhook.test";

/// One endpoint, as its list and page show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointView {
    pub id: uuid::Uuid,
    pub url: String,
    pub description: String,
    pub event_types: Vec<String>,
    pub enabled: bool,
    /// Why the portal turned it off ("answered 410 Gone"), if it did.
    pub disabled_reason: Option<String>,
    pub created: Moment,
    /// Until when the previous secret still signs too, after a rotation.
    pub previous_secret_until: Option<Moment>,
    /// Deliveries that failed and are waiting to retry, or gave up, in the
    /// last 24 hours.
    pub failing: i64,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Not sent yet, or waiting to retry.
    Pending,
    Delivered,
    /// Gave up (retries exhausted, the endpoint answered 410, or it was
    /// disabled).
    Failed,
}

impl DeliveryStatus {
    pub const ALL: [Self; 3] = [Self::Pending, Self::Delivered, Self::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "Retrying",
            Self::Delivered => "Delivered",
            Self::Failed => "Failed",
        }
    }
}

/// One event sent to one endpoint, with every attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryView {
    pub id: uuid::Uuid,
    /// The `webhook-id` every attempt carries (`msg_…`).
    pub message_id: String,
    pub event_type: String,
    pub status: DeliveryStatus,
    pub created: Moment,
    /// When the next attempt is due, while pending.
    pub next_attempt: Option<Moment>,
    /// The JSON body sent, pretty-printed.
    pub payload: String,
    pub attempts: Vec<AttemptView>,
}

/// One HTTP request to the endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptView {
    pub at: Moment,
    /// The response's status, when there was one.
    pub status_code: Option<i32>,
    pub duration_ms: i32,
    /// The first 2 kB of the response body.
    pub response_body: String,
    /// Why there was no (acceptable) response: timeout, refused address…
    pub error: Option<String>,
}

/// An endpoint's page: the endpoint and its newest deliveries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointDetail {
    pub endpoint: EndpointView,
    pub deliveries: Vec<DeliveryView>,
}

/// An endpoint just created or its secret just rotated: the only time the
/// secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewSecret {
    pub endpoint_id: uuid::Uuid,
    /// `whsec_` and the base64 key, as Standard Webhooks libraries take it.
    pub secret: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_types_round_trip_through_their_names_and_serde() {
        for event in EventType::ALL {
            assert_eq!(EventType::parse(event.as_str()), Some(event));
            assert_eq!(
                serde_json::to_value(event).unwrap(),
                serde_json::Value::from(event.as_str())
            );
        }
        assert_eq!(EventType::parse(TEST_EVENT), None);
    }
}
