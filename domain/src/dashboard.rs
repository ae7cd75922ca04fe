use crate::billing::InvoiceStatus;
use crate::dates::Moment;
use crate::support::TicketSummary;
use crate::usage::{UsageLimits, UsageTotals};
use crate::Role;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// Everything the dashboard shows, from one SQL statement (and cached per
/// organization), with the live usage totals laid over it from Redis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardSummary {
    pub organization_name: String,
    pub your_role: Role,
    pub plan_name: String,
    pub plan_price_cents: i64,
    pub currency: String,
    #[serde(with = "time::serde::rfc3339")]
    pub period_start: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub period_end: OffsetDateTime,
    pub cancel_at_period_end: bool,
    /// The plan a scheduled downgrade moves to at period end.
    pub scheduled_plan_name: Option<String>,
    /// "Visa •••• 4242, expires 12/2028".
    pub payment_method: Option<String>,
    pub totals: UsageTotals,
    pub limits: UsageLimits,
    pub recent_invoices: Vec<InvoiceBrief>,
    pub member_count: i64,
    pub pending_invitations: i64,
    /// `None` for roles that may not see API keys (billing).
    pub api_keys: Option<ApiKeysBrief>,
    /// The organization's latest tickets, newest activity first.
    pub recent_tickets: Vec<TicketSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvoiceBrief {
    pub id: Uuid,
    pub number: String,
    pub status: InvoiceStatus,
    pub issued_on: Date,
    pub total_cents: i64,
    pub currency: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKeysBrief {
    pub active: i64,
    /// In the reader's zone (the cached copy holds `Moment::unread`).
    pub last_used_at: Option<Moment>,
}
