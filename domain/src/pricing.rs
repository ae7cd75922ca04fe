//! Billing arithmetic: proration, invoice totals, tax, overage and the limit
//! conflicts of a plan change. Integer minor units only; the two places that
//! divide (proration and tax) round half away from zero, once per amount.

use crate::money::{div_round_half_away, Money};
use serde::{Deserialize, Serialize};
use time::{Date, Duration, Month, OffsetDateTime, Time};

/// The seller's tax rate, in basis points (1000 = 10.00 %). One flat rate: the
/// portal does not decide tax law; a tax engine would replace this constant.
pub const TAX_RATE_BP: i32 = 1000;

/// Calls over a paid plan's monthly limit are billed per started block.
pub const OVERAGE_BLOCK_CALLS: i64 = 1000;
/// Price of one block of calls over the limit, in minor units.
pub const OVERAGE_BLOCK_PRICE_MINOR: i64 = 100;

/// What an invoice line is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(
    feature = "sqlx",
    derive(sqlx::Type),
    sqlx(type_name = "text", rename_all = "lowercase")
)]
pub enum LineKind {
    Plan,
    Overage,
    Proration,
}

impl LineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LineKind::Plan => "plan",
            LineKind::Overage => "overage",
            LineKind::Proration => "proration",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "plan" => Some(LineKind::Plan),
            "overage" => Some(LineKind::Overage),
            "proration" => Some(LineKind::Proration),
            _ => None,
        }
    }
}

/// One line before it is stored: `amount = quantity × unit_amount`, exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineDraft {
    pub kind: LineKind,
    pub description: String,
    pub quantity: i64,
    pub unit_amount_minor: i64,
}

impl LineDraft {
    pub fn amount_minor(&self) -> Option<i64> {
        self.quantity.checked_mul(self.unit_amount_minor)
    }
}

/// Subtotal, tax and total of a set of lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvoiceTotals {
    pub subtotal_minor: i64,
    pub tax_minor: i64,
    pub total_minor: i64,
}

impl InvoiceTotals {
    /// Subtotal is the exact sum of the line amounts; tax is rounded once, on
    /// the subtotal (never per line, so lines cannot accumulate rounding);
    /// total = subtotal + tax. `None` on overflow.
    pub fn compute(lines: &[LineDraft], tax_rate_bp: i32) -> Option<Self> {
        let mut subtotal: i64 = 0;
        for line in lines {
            subtotal = subtotal.checked_add(line.amount_minor()?)?;
        }
        let tax = tax_on(subtotal, tax_rate_bp)?;
        Some(Self {
            subtotal_minor: subtotal,
            tax_minor: tax,
            total_minor: subtotal.checked_add(tax)?,
        })
    }
}

/// Tax on `amount` at `rate_bp` basis points, rounded half away from zero.
pub fn tax_on(amount_minor: i64, rate_bp: i32) -> Option<i64> {
    let tax = div_round_half_away(i128::from(amount_minor) * i128::from(rate_bp), 10_000);
    i64::try_from(tax).ok()
}

/// A tax-inclusive amount split at `rate_bp` into (net, tax), the net
/// rounded half away from zero and the tax what is left, so the two always
/// add up to `total_minor` (a credit note of $11.00 at 10 %: $10.00 + $1.00).
pub fn split_tax_included(total_minor: i64, rate_bp: i32) -> Option<(i64, i64)> {
    let divisor = 10_000 + i128::from(rate_bp);
    let net = div_round_half_away(i128::from(total_minor) * 10_000, divisor);
    let net = i64::try_from(net).ok()?;
    Some((net, total_minor.checked_sub(net)?))
}

/// A billing period, in Unix seconds, `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub start: i64,
    pub end: i64,
}

impl Period {
    /// Seconds of the period left at `now`, between 0 and its length.
    pub fn remaining(&self, now: i64) -> i64 {
        (self.end - now.max(self.start)).clamp(0, self.length())
    }

    pub fn length(&self) -> i64 {
        (self.end - self.start).max(1)
    }

    /// Whole days left, counting a started day (what the preview says).
    pub fn days_remaining(&self, now: i64) -> i64 {
        (self.remaining(now) + 86_399) / 86_400
    }
}

/// What switching from `old_price` to `new_price` at `now` costs for the rest
/// of `period`: `(new − old) × remaining ÷ length`, rounded half away from zero
/// to a whole minor unit. Computed at second resolution in 128-bit integers, so
/// it is exact before the one rounding: a switch at the very start costs the
/// full difference and one at the end costs nothing.
pub fn prorate(old_price: Money, new_price: Money, period: Period, now: i64) -> Option<Money> {
    if old_price.currency != new_price.currency {
        return None;
    }
    let difference = i128::from(new_price.minor) - i128::from(old_price.minor);
    let amount = div_round_half_away(
        difference * i128::from(period.remaining(now)),
        i128::from(period.length()),
    );
    Some(Money::new(i64::try_from(amount).ok()?, new_price.currency))
}

/// The overage line for `calls` made in a period whose plan allows `limit`
/// calls, if any. Free plans are hard-limited, so they never get one.
pub fn overage_blocks(calls: i64, limit: i64, plan_price_minor: i64) -> Option<i64> {
    if plan_price_minor == 0 || calls <= limit {
        return None;
    }
    let over = calls - limit;
    Some((over + OVERAGE_BLOCK_CALLS - 1) / OVERAGE_BLOCK_CALLS)
}

/// What `calls` in a period cost beyond what the plan includes, before tax:
/// its started blocks of calls. `None` on a hard-limited plan (no price),
/// which refuses calls over its limit instead of billing them.
pub fn overage_charge(calls: i64, limit: i64, plan_price: Money) -> Option<Money> {
    if plan_price.minor == 0 {
        return None;
    }
    let blocks = overage_blocks(calls, limit, plan_price.minor).unwrap_or(0);
    Some(Money::new(
        blocks.saturating_mul(OVERAGE_BLOCK_PRICE_MINOR),
        plan_price.currency,
    ))
}

/// The limits a plan change is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanLimits {
    pub seats: i64,
    pub storage_mb: i64,
}

/// What the organization uses now. Storage is `None` while nothing measures it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CurrentUsage {
    pub members: i64,
    pub storage_mb: Option<i64>,
}

/// Why an organization cannot move to a smaller plan, one sentence each:
/// "You have 8 members; Free allows 3."
pub fn limit_conflicts(plan_name: &str, limits: PlanLimits, usage: CurrentUsage) -> Vec<String> {
    let mut conflicts = Vec::new();
    if usage.members > limits.seats {
        conflicts.push(format!(
            "You have {} members; {plan_name} allows {}.",
            usage.members, limits.seats
        ));
    }
    if let Some(storage) = usage.storage_mb.filter(|s| *s > limits.storage_mb) {
        conflicts.push(format!(
            "Storage is {} over the new limit ({plan_name} allows {}).",
            megabytes(storage - limits.storage_mb),
            megabytes(limits.storage_mb)
        ));
    }
    conflicts
}

/// "800 MB", "1.2 GB" (decimal units, one decimal, rounded half up).
pub fn megabytes(mb: i64) -> String {
    if mb < 1000 {
        format!("{mb} MB")
    } else {
        let tenths = div_round_half_away(i128::from(mb), 100);
        format!("{}.{} GB", tenths / 10, tenths % 10)
    }
}

// ----- billing periods: calendar months, UTC

/// The same day and time one calendar month later (periods start on the 1st,
/// UTC, so the day always exists).
pub fn next_month(at: OffsetDateTime) -> OffsetDateTime {
    let at = at.to_offset(time::UtcOffset::UTC);
    let d = at.date();
    let (year, month) = if d.month() == Month::December {
        (d.year() + 1, Month::January)
    } else {
        (d.year(), d.month().next())
    };
    let day = d.day().min(time::util::days_in_month(month, year));
    Date::from_calendar_date(year, month, day)
        .map(|date| date.with_time(at.time()).assume_utc())
        .unwrap_or(at + Duration::days(30))
}

/// The start of the calendar month (UTC) that contains `at`.
pub fn month_start(at: OffsetDateTime) -> OffsetDateTime {
    let d = at.to_offset(time::UtcOffset::UTC).date();
    d.replace_day(1)
        .unwrap_or(d)
        .with_time(Time::MIDNIGHT)
        .assume_utc()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use proptest::prelude::*;

    const DAY: i64 = 86_400;

    fn usd(minor: i64) -> Money {
        Money::new(minor, Currency::Usd)
    }

    fn line(kind: LineKind, quantity: i64, unit: i64) -> LineDraft {
        LineDraft {
            kind,
            description: String::new(),
            quantity,
            unit_amount_minor: unit,
        }
    }

    #[test]
    fn an_upgrade_halfway_through_costs_half_the_difference() {
        let period = Period {
            start: 0,
            end: 30 * DAY,
        };
        let cost = prorate(usd(4900), usd(49_900), period, 15 * DAY);
        assert_eq!(cost, Some(usd(22_500)));
    }

    #[test]
    fn proration_rounds_half_a_cent_up() {
        // 100 cents × 1/8 = 12.5 cents → 13.
        let period = Period { start: 0, end: 8 };
        assert_eq!(prorate(usd(0), usd(100), period, 7), Some(usd(13)));
        // 100 × 1/3 = 33.33 → 33.
        let period = Period { start: 0, end: 3 };
        assert_eq!(prorate(usd(0), usd(100), period, 2), Some(usd(33)));
    }

    #[test]
    fn proration_is_bounded_by_the_period() {
        let period = Period {
            start: 100,
            end: 200,
        };
        assert_eq!(prorate(usd(0), usd(999), period, 0), Some(usd(999)));
        assert_eq!(prorate(usd(0), usd(999), period, 500), Some(usd(0)));
        assert_eq!(period.days_remaining(150), 1);
        assert_eq!(
            prorate(usd(0), Money::new(9, Currency::Eur), period, 150),
            None
        );
    }

    #[test]
    fn tax_is_rounded_once_on_the_subtotal() {
        // Three lines of 5 cents at 10 %: per-line tax would be 3 × 1 = 3; once on 15 → 2.
        let lines = vec![line(LineKind::Plan, 3, 5)];
        let totals = InvoiceTotals::compute(&lines, 1000).unwrap();
        assert_eq!(totals.subtotal_minor, 15);
        assert_eq!(totals.tax_minor, 2);
        assert_eq!(totals.total_minor, 17);
    }

    #[test]
    fn overage_is_money_on_paid_plans_and_refusal_on_free() {
        let pro = Money::new(4900, crate::Currency::Usd);
        assert_eq!(
            overage_charge(10_500, 10_000, pro).map(|m| m.minor),
            Some(100)
        );
        assert_eq!(overage_charge(9_000, 10_000, pro).map(|m| m.minor), Some(0));
        assert_eq!(
            overage_charge(99_000, 10_000, Money::zero(crate::Currency::Usd)),
            None
        );
    }

    #[test]
    fn overage_bills_started_blocks_on_paid_plans_only() {
        assert_eq!(overage_blocks(10_500, 10_000, 4900), Some(1));
        assert_eq!(overage_blocks(12_000, 10_000, 4900), Some(2));
        assert_eq!(overage_blocks(10_000, 10_000, 4900), None);
        assert_eq!(overage_blocks(99_000, 10_000, 0), None);
    }

    #[test]
    fn conflicts_name_the_numbers() {
        let limits = PlanLimits {
            seats: 3,
            storage_mb: 1000,
        };
        let usage = CurrentUsage {
            members: 8,
            storage_mb: Some(2200),
        };
        assert_eq!(
            limit_conflicts("Free", limits, usage),
            vec![
                "You have 8 members; Free allows 3.".to_owned(),
                "Storage is 1.2 GB over the new limit (Free allows 1.0 GB).".to_owned(),
            ]
        );
        let fits = CurrentUsage {
            members: 3,
            storage_mb: None,
        };
        assert!(limit_conflicts("Free", limits, fits).is_empty());
    }

    proptest! {
        #[test]
        fn totals_are_the_sum_of_the_lines_plus_tax(
            lines in prop::collection::vec((1i64..1000, -1_000_000i64..10_000_000), 0..12),
            rate in 0i32..=10_000,
        ) {
            let drafts: Vec<_> = lines.iter().map(|(q, u)| line(LineKind::Plan, *q, *u)).collect();
            let totals = InvoiceTotals::compute(&drafts, rate).unwrap();
            let sum: i64 = lines.iter().map(|(q, u)| q * u).sum();
            prop_assert_eq!(totals.subtotal_minor, sum);
            prop_assert_eq!(totals.total_minor, totals.subtotal_minor + totals.tax_minor);
            // The tax is within half a cent of the exact value.
            let exact = i128::from(sum) * i128::from(rate);
            let error = (i128::from(totals.tax_minor) * 10_000 - exact).abs();
            prop_assert!(error * 2 <= 10_000);
        }

        #[test]
        fn proration_never_exceeds_the_difference_and_shrinks_over_time(
            old in 0i64..1_000_000,
            new in 0i64..1_000_000,
            length in 1i64..(400 * DAY),
            at in 0i64..(400 * DAY),
            later in 0i64..DAY,
        ) {
            let period = Period { start: 0, end: length };
            let now = prorate(usd(old), usd(new), period, at).unwrap().minor;
            let after = prorate(usd(old), usd(new), period, at + later).unwrap().minor;
            prop_assert!(now.abs() <= (new - old).abs());
            prop_assert!(after.abs() <= now.abs());
            // Exactly one rounding: within half a cent of the exact amount.
            let exact = i128::from(new - old) * i128::from(period.remaining(at));
            let error = (i128::from(now) * i128::from(period.length()) - exact).abs();
            prop_assert!(error * 2 <= i128::from(period.length()));
        }
    }

    #[test]
    fn periods_are_calendar_months_in_utc() {
        use time::macros::datetime;
        assert_eq!(
            next_month(datetime!(2026-12-01 0:00 UTC)),
            datetime!(2027-01-01 0:00 UTC)
        );
        assert_eq!(
            next_month(datetime!(2026-01-31 12:00 UTC)),
            datetime!(2026-02-28 12:00 UTC)
        );
        assert_eq!(
            month_start(datetime!(2026-11-27 13:45 UTC)),
            datetime!(2026-11-01 0:00 UTC)
        );
    }

    #[test]
    fn a_tax_inclusive_amount_splits_into_parts_that_add_up() {
        assert_eq!(split_tax_included(1100, 1000), Some((1000, 100)));
        assert_eq!(split_tax_included(1, 1000), Some((1, 0)));
        assert_eq!(split_tax_included(999, 1900), Some((839, 160)));
        assert_eq!(split_tax_included(5390, 0), Some((5390, 0)));
    }
}
