use crate::billing::model::InvoiceStatus;
use crate::domain::Role;
use crate::support::model::TicketSummary;
use crate::usage::model::{UsageLimits, UsageTotals};
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
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
}

/// "$49.00" from 4900 minor units. Integer arithmetic only: money is never a float.
pub fn format_money(cents: i64, currency: &str) -> String {
    let symbol = match currency {
        "USD" => "$",
        "EUR" => "€",
        "GBP" => "£",
        _ => "",
    };
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    let amount = format!(
        "{sign}{symbol}{}.{:02}",
        group_thousands(cents / 100),
        cents % 100
    );
    if symbol.is_empty() {
        format!("{amount} {currency}")
    } else {
        amount
    }
}

/// "500,000" from 500000.
pub fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_formatted_from_minor_units() {
        assert_eq!(format_money(4900, "USD"), "$49.00");
        assert_eq!(format_money(0, "USD"), "$0.00");
        assert_eq!(format_money(123456789, "EUR"), "€1,234,567.89");
        assert_eq!(format_money(-505, "USD"), "-$5.05");
        assert_eq!(format_money(100, "CHF"), "1.00 CHF");
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1000), "1,000");
        assert_eq!(group_thousands(5_000_000), "5,000,000");
    }
}
