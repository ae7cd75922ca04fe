use crate::domain::Role;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardSummary {
    pub organization_name: String,
    pub plan_name: String,
    pub plan_price_cents: i64,
    pub currency: String,
    pub member_count: i64,
    pub seats_limit: i32,
    pub api_calls_limit: i64,
    pub storage_mb_limit: i64,
    pub your_role: Role,
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
