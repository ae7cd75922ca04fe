use serde::{Deserialize, Serialize};
use std::fmt;

/// An ISO 4217 currency the portal bills in. Every one of them has two decimal
/// places, so one minor unit is always a hundredth (a cent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
#[cfg_attr(
    feature = "sqlx",
    derive(sqlx::Type),
    sqlx(type_name = "text", rename_all = "UPPERCASE")
)]
pub enum Currency {
    Usd,
    Eur,
    Gbp,
}

impl Currency {
    pub fn parse(code: &str) -> Result<Self, UnknownCurrency> {
        match code.trim().to_ascii_uppercase().as_str() {
            "USD" => Ok(Currency::Usd),
            "EUR" => Ok(Currency::Eur),
            "GBP" => Ok(Currency::Gbp),
            _ => Err(UnknownCurrency),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Currency::Usd => "USD",
            Currency::Eur => "EUR",
            Currency::Gbp => "GBP",
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            Currency::Usd => "$",
            Currency::Eur => "\u{20ac}",
            Currency::Gbp => "\u{a3}",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("We bill in USD, EUR or GBP.")]
pub struct UnknownCurrency;

/// An amount of money: an integer count of minor units (cents) and its
/// currency. Never a float, so sums are exact; rounding happens only where a
/// rule divides (proration, tax), and each such rule documents how it rounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub const fn new(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    pub const fn zero(currency: Currency) -> Self {
        Self::new(0, currency)
    }

    /// The sum, or `None` when the currencies differ or it would overflow.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        (self.currency == other.currency)
            .then(|| self.minor.checked_add(other.minor))
            .flatten()
            .map(|minor| Money::new(minor, self.currency))
    }

    /// "$1,234.50", "-$3.00", "€12.00".
    pub fn display(self) -> String {
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        let units = group_thousands(abs / 100);
        format!("{sign}{}{units}.{:02}", self.currency.symbol(), abs % 100)
    }

    /// "1234.50 USD": plain ASCII, for documents whose fonts lack € and £.
    pub fn display_ascii(self) -> String {
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        format!(
            "{sign}{}.{:02} {}",
            group_thousands(abs / 100),
            abs % 100,
            self.currency.code()
        )
    }
}

impl Money {
    /// "1234.50", "-3.00": no symbol, no grouping, a dot; for CSV and other
    /// files a program reads (the currency goes in a column of its own).
    pub fn decimal(self) -> String {
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

/// "500,000" from 500000.
pub fn group_thousands(mut n: u64) -> String {
    let mut groups = Vec::new();
    loop {
        if n < 1000 {
            groups.push(n.to_string());
            break;
        }
        groups.push(format!("{:03}", n % 1000));
        n /= 1000;
    }
    groups.reverse();
    groups.join(",")
}

/// "$49.00" from 4900 minor units of a currency code as stored ("USD"); a
/// currency the portal does not bill in shows its code ("1.00 CHF").
pub fn format_money(minor: i64, currency: &str) -> String {
    match Currency::parse(currency) {
        Ok(currency) => Money::new(minor, currency).display(),
        Err(UnknownCurrency) => {
            let sign = if minor < 0 { "-" } else { "" };
            let abs = minor.unsigned_abs();
            format!(
                "{sign}{}.{:02} {currency}",
                group_thousands(abs / 100),
                abs % 100
            )
        }
    }
}

/// `numerator / denominator` rounded to the nearest integer, halves away from
/// zero (so 0.5 cent becomes 1 cent, -0.5 becomes -1), in exact integer math.
/// `denominator` must be positive.
pub fn div_round_half_away(numerator: i128, denominator: i128) -> i128 {
    debug_assert!(denominator > 0);
    let half_up = (numerator.abs() * 2 + denominator) / (denominator * 2);
    if numerator < 0 {
        -half_up
    } else {
        half_up
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_display_with_symbol_grouping_and_cents() {
        assert_eq!(Money::new(4900, Currency::Usd).display(), "$49.00");
        assert_eq!(
            Money::new(123_456_705, Currency::Usd).display(),
            "$1,234,567.05"
        );
        assert_eq!(Money::new(-300, Currency::Usd).display(), "-$3.00");
        assert_eq!(Money::new(5, Currency::Eur).display(), "\u{20ac}0.05");
        assert_eq!(
            Money::new(1_000_000, Currency::Gbp).display_ascii(),
            "10,000.00 GBP"
        );
        assert_eq!(
            Money::new(123_456_705, Currency::Usd).decimal(),
            "1234567.05"
        );
        assert_eq!(Money::new(-5, Currency::Eur).decimal(), "-0.05");
    }

    #[test]
    fn money_is_formatted_from_minor_units_and_a_code() {
        assert_eq!(format_money(4900, "USD"), "$49.00");
        assert_eq!(format_money(0, "USD"), "$0.00");
        assert_eq!(format_money(123456789, "EUR"), "\u{20ac}1,234,567.89");
        assert_eq!(format_money(-505, "USD"), "-$5.05");
        assert_eq!(format_money(100, "CHF"), "1.00 CHF");
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1000), "1,000");
        assert_eq!(group_thousands(5_000_000), "5,000,000");
        assert_eq!(group_thousands(1_000_005), "1,000,005");
    }

    #[test]
    fn different_currencies_do_not_add() {
        let usd = Money::new(1, Currency::Usd);
        assert_eq!(usd.checked_add(usd), Some(Money::new(2, Currency::Usd)));
        assert_eq!(usd.checked_add(Money::new(1, Currency::Eur)), None);
    }

    #[test]
    fn rounding_sends_halves_away_from_zero() {
        assert_eq!(div_round_half_away(5, 10), 1);
        assert_eq!(div_round_half_away(4, 10), 0);
        assert_eq!(div_round_half_away(-5, 10), -1);
        assert_eq!(div_round_half_away(15, 10), 2);
        assert_eq!(div_round_half_away(100, 1), 100);
    }

    #[test]
    fn currency_codes_parse_case_insensitively() {
        assert_eq!(Currency::parse("usd"), Ok(Currency::Usd));
        assert!(Currency::parse("JPY").is_err());
    }
}
