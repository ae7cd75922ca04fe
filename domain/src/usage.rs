//! Usage against plan limits: the metrics, warning levels and the forecast.
//! Pure and shared by server and browser, so a gauge that moves live computes
//! its state exactly as the server rendered it.

use crate::Money;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

/// What is metered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(
    feature = "sqlx",
    derive(sqlx::Type),
    sqlx(type_name = "text", rename_all = "snake_case")
)]
pub enum Metric {
    ApiCalls,
    StorageMb,
    Seats,
}

impl Metric {
    pub const ALL: [Metric; 3] = [Metric::ApiCalls, Metric::StorageMb, Metric::Seats];

    pub fn as_str(self) -> &'static str {
        match self {
            Metric::ApiCalls => "api_calls",
            Metric::StorageMb => "storage_mb",
            Metric::Seats => "seats",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Metric::ApiCalls => "API calls",
            Metric::StorageMb => "Storage",
            Metric::Seats => "Seats",
        }
    }

    /// "1,234 MB", "12,000 calls", "3 seats".
    pub fn format(self, amount: i64) -> String {
        let n = crate::money::group_thousands(amount.max(0) as u64);
        match self {
            Metric::ApiCalls if amount == 1 => "1 call".to_owned(),
            Metric::ApiCalls => format!("{n} calls"),
            Metric::StorageMb => format!("{n} MB"),
            Metric::Seats if amount == 1 => "1 seat".to_owned(),
            Metric::Seats => format!("{n} seats"),
        }
    }

    /// A metric the SaaS may report through the events API (seats are
    /// counted from members, never reported).
    pub fn parse_reported(name: &str) -> Option<Metric> {
        match name {
            "api_calls" => Some(Metric::ApiCalls),
            "storage_mb" => Some(Metric::StorageMb),
            _ => None,
        }
    }
}

/// The current period's totals: what the live stream carries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageTotals {
    pub api_calls: i64,
    pub storage_mb: i64,
    pub seats: i64,
}

/// The plan's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageLimits {
    pub api_calls: i64,
    pub storage_mb: i64,
    pub seats: i64,
}

impl UsageTotals {
    pub fn get(&self, metric: Metric) -> i64 {
        match metric {
            Metric::ApiCalls => self.api_calls,
            Metric::StorageMb => self.storage_mb,
            Metric::Seats => self.seats,
        }
    }
}

impl UsageLimits {
    pub fn get(&self, metric: Metric) -> i64 {
        match metric {
            Metric::ApiCalls => self.api_calls,
            Metric::StorageMb => self.storage_mb,
            Metric::Seats => self.seats,
        }
    }
}

/// One metric against its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetricUsage {
    pub metric: Metric,
    pub used: i64,
    pub limit: i64,
}

impl MetricUsage {
    /// Every metric of `totals` against `limits`, in display order.
    pub fn all(totals: &UsageTotals, limits: &UsageLimits) -> Vec<MetricUsage> {
        Metric::ALL
            .iter()
            .map(|&metric| MetricUsage {
                metric,
                used: totals.get(metric),
                limit: limits.get(metric),
            })
            .collect()
    }

    /// Whole percent used, rounded down (99.9% is not yet 100%); above 100 when over.
    pub fn percent(&self) -> u32 {
        percent_of(self.used, self.limit)
    }

    pub fn level(&self) -> UsageLevel {
        UsageLevel::of(self.used, self.limit)
    }
}

/// Whole percent of `limit` that `used` is, rounded down.
pub fn percent_of(used: i64, limit: i64) -> u32 {
    if limit <= 0 {
        return 0;
    }
    let percent = i128::from(used.max(0)) * 100 / i128::from(limit);
    u32::try_from(percent).unwrap_or(u32::MAX)
}

/// The thresholds that warn: each sends one email per period when crossed.
pub const THRESHOLDS: [u32; 3] = [80, 90, 100];

/// How close to its limit a metric is. Shown as colour *and* words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum UsageLevel {
    Normal,
    Warning80,
    Warning90,
    Reached,
}

impl UsageLevel {
    pub fn of(used: i64, limit: i64) -> UsageLevel {
        match highest_threshold(used, limit) {
            Some(100) => UsageLevel::Reached,
            Some(90) => UsageLevel::Warning90,
            Some(_) => UsageLevel::Warning80,
            None => UsageLevel::Normal,
        }
    }

    /// The words that go with the colour; empty when all is well.
    pub fn label(self) -> &'static str {
        match self {
            UsageLevel::Normal => "",
            UsageLevel::Warning80 => "Over 80% used",
            UsageLevel::Warning90 => "Over 90% used",
            UsageLevel::Reached => "Limit reached",
        }
    }
}

/// The highest of [`THRESHOLDS`] that `used` has reached, if any.
pub fn highest_threshold(used: i64, limit: i64) -> Option<u32> {
    // Exact: 80% of 10,000 is reached at 8,000, not at 7,999.5 rounded.
    let reached = |t: u32| i128::from(used) * 100 >= i128::from(limit) * i128::from(t);
    if limit <= 0 {
        return None;
    }
    THRESHOLDS.iter().rev().copied().find(|&t| reached(t))
}

/// When, at the recent rate, a metric reaches its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Forecast {
    /// Already at or over the limit.
    Reached,
    /// At the last 7 days' rate, the limit is reached on this day (UTC).
    ReachesOn(Date),
    /// Not before the period ends (or nothing was used in the last 7 days).
    NotThisPeriod,
}

impl Forecast {
    /// "at your 7-day rate you reach 100% on Dec 12, 2026".
    pub fn describe(self) -> String {
        match self {
            Forecast::Reached => "You have reached this period's limit.".to_owned(),
            Forecast::ReachesOn(day) => format!(
                "At your 7-day rate you reach 100% on {}.",
                crate::format_date(day)
            ),
            Forecast::NotThisPeriod => {
                "At your 7-day rate you stay within your limit this period.".to_owned()
            }
        }
    }
}

/// Extrapolates the last 7 days' total linearly from `now`. Integer arithmetic:
/// the day never flips because of a float rounding.
pub fn forecast(
    used: i64,
    limit: i64,
    last_7_days: i64,
    now: OffsetDateTime,
    period_end: OffsetDateTime,
) -> Forecast {
    if used >= limit {
        return Forecast::Reached;
    }
    if last_7_days <= 0 {
        return Forecast::NotThisPeriod;
    }
    const WEEK_SECS: i128 = 7 * 24 * 60 * 60;
    let remaining = i128::from(limit - used);
    let rate = i128::from(last_7_days);
    // ceil(remaining / (rate per second))
    let seconds = (remaining * WEEK_SECS + rate - 1) / rate;
    let Ok(seconds) = i64::try_from(seconds) else {
        return Forecast::NotThisPeriod;
    };
    match now.checked_add(time::Duration::seconds(seconds)) {
        Some(at) if at < period_end => Forecast::ReachesOn(at.date()),
        _ => Forecast::NotThisPeriod,
    }
}

/// A period's API calls at its end if the last 7 days' rate holds.
pub fn projected_calls(
    used: i64,
    last_7_days: i64,
    now: OffsetDateTime,
    period_end: OffsetDateTime,
) -> i64 {
    const WEEK_SECS: i128 = 7 * 24 * 60 * 60;
    let remaining = i128::from((period_end - now).whole_seconds().max(0));
    let extra = i128::from(last_7_days.max(0)) * remaining / WEEK_SECS;
    used.saturating_add(i64::try_from(extra).unwrap_or(i64::MAX))
}

/// A paid plan's API calls over its limit as money, before tax: what the
/// period has run up so far, and what it comes to at the 7-day rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverageEstimate {
    pub so_far: Money,
    pub projected: Money,
    pub projected_calls: i64,
}

impl OverageEstimate {
    pub fn describe(&self) -> String {
        if self.projected.minor == 0 {
            return "At your 7-day rate this period has no overage charge.".to_owned();
        }
        format!(
            "Overage so far: {}. At your 7-day rate (about {} API calls) the period ends at {} of \
             overage, billed with the next invoice (before tax).",
            self.so_far.display(),
            crate::group_thousands(u64::try_from(self.projected_calls).unwrap_or(0)),
            self.projected.display()
        )
    }
}

/// This period so far against the previous period over the same number of
/// days: "+12% vs the same point last period".
pub fn change_percent(current: i64, previous: i64) -> Option<i64> {
    if previous <= 0 {
        return None;
    }
    let change = (i128::from(current) - i128::from(previous)) * 100 / i128::from(previous);
    i64::try_from(change).ok()
}

/// One day of the history chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyUsage {
    pub day: Date,
    pub api_calls: i64,
    /// The day's last storage report (none: nothing reported that day).
    pub storage_mb: Option<i64>,
}

/// The period's API calls up to and including `day`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunningTotal {
    pub day: Date,
    pub api_calls: i64,
}

/// `daily`'s API calls from `first_day` on, added up day by day.
pub fn running_totals(daily: &[DailyUsage], first_day: Date) -> Vec<RunningTotal> {
    daily
        .iter()
        .filter(|d| d.day >= first_day)
        .scan(0_i64, |total, d| {
            *total = total.saturating_add(d.api_calls);
            Some(RunningTotal {
                day: d.day,
                api_calls: *total,
            })
        })
        .collect()
}

/// A threshold crossing, as the alert history lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageAlert {
    pub metric: Metric,
    pub threshold: u32,
    pub used: i64,
    pub limit: i64,
    pub created_at: crate::dates::Moment,
}

/// Everything the usage page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageOverview {
    pub plan_name: String,
    pub totals: UsageTotals,
    pub limits: UsageLimits,
    #[serde(with = "time::serde::rfc3339")]
    pub period_start: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub period_end: OffsetDateTime,
    /// API calls over the previous period's first N days, N = days elapsed in this one.
    pub previous_period_api_calls: i64,
    pub forecast: Forecast,
    /// Paid plans only: free plans refuse calls over the limit instead.
    pub overage: Option<OverageEstimate>,
    /// Oldest first, `days` entries, today last.
    pub daily: Vec<DailyUsage>,
    /// API calls since the period began, as a running total: one entry per
    /// day from its first day to today.
    pub period_to_date: Vec<RunningTotal>,
    pub alerts: Vec<UsageAlert>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    #[test]
    fn running_totals_add_up_from_the_periods_first_day() {
        use time::macros::date;
        let day = |day, api_calls| DailyUsage {
            day,
            api_calls,
            storage_mb: None,
        };
        let daily = [
            day(date!(2026 - 11 - 30), 500),
            day(date!(2026 - 12 - 01), 10),
            day(date!(2026 - 12 - 02), 0),
            day(date!(2026 - 12 - 03), 25),
        ];
        let totals: Vec<(Date, i64)> = running_totals(&daily, date!(2026 - 12 - 01))
            .into_iter()
            .map(|t| (t.day, t.api_calls))
            .collect();
        assert_eq!(
            totals,
            [
                (date!(2026 - 12 - 01), 10),
                (date!(2026 - 12 - 02), 10),
                (date!(2026 - 12 - 03), 35)
            ],
            "the previous period's day is not counted"
        );
    }

    #[test]
    fn levels_start_exactly_at_their_threshold() {
        assert_eq!(UsageLevel::of(7_999, 10_000), UsageLevel::Normal);
        assert_eq!(UsageLevel::of(8_000, 10_000), UsageLevel::Warning80);
        assert_eq!(UsageLevel::of(8_999, 10_000), UsageLevel::Warning80);
        assert_eq!(UsageLevel::of(9_000, 10_000), UsageLevel::Warning90);
        assert_eq!(UsageLevel::of(9_999, 10_000), UsageLevel::Warning90);
        assert_eq!(UsageLevel::of(10_000, 10_000), UsageLevel::Reached);
        assert_eq!(UsageLevel::of(25_000, 10_000), UsageLevel::Reached);
        // 2 of 3 seats is 66%; 3 of 3 is the limit.
        assert_eq!(UsageLevel::of(2, 3), UsageLevel::Normal);
        assert_eq!(UsageLevel::of(3, 3), UsageLevel::Reached);
    }

    #[test]
    fn percent_rounds_down_and_goes_past_100() {
        let usage = |used| MetricUsage {
            metric: Metric::ApiCalls,
            used,
            limit: 500_000,
        };
        assert_eq!(usage(450_000).percent(), 90);
        assert_eq!(usage(499_999).percent(), 99);
        assert_eq!(usage(750_000).percent(), 150);
        assert_eq!(percent_of(5, 0), 0);
    }

    #[test]
    fn the_projection_adds_the_seven_day_rate_for_the_time_left() {
        let now = datetime!(2026-11-24 0:00 UTC);
        let end = datetime!(2026-12-01 0:00 UTC);
        assert_eq!(projected_calls(10_000, 7_000, now, end), 17_000);
        assert_eq!(projected_calls(10_000, 7_000, end, end), 10_000);
        assert_eq!(projected_calls(10_000, 0, now, end), 10_000);
    }

    #[test]
    fn forecast_extrapolates_the_seven_day_rate() {
        let now = datetime!(2026-12-01 12:00 UTC);
        let end = datetime!(2027-01-01 0:00 UTC);
        // 70,000 calls in 7 days = 10,000 a day; 100,000 left → 10 days.
        assert_eq!(
            forecast(400_000, 500_000, 70_000, now, end),
            Forecast::ReachesOn(time::macros::date!(2026 - 12 - 11))
        );
        // 200,000 left at 10,000 a day is 20 days: 21 Dec.
        assert_eq!(
            forecast(300_000, 500_000, 70_000, now, end),
            Forecast::ReachesOn(time::macros::date!(2026 - 12 - 21))
        );
        // 40 days: after the period ends.
        assert_eq!(
            forecast(100_000, 500_000, 70_000, now, end),
            Forecast::NotThisPeriod
        );
        assert_eq!(forecast(10, 500_000, 0, now, end), Forecast::NotThisPeriod);
        assert_eq!(forecast(500_000, 500_000, 0, now, end), Forecast::Reached);
    }

    #[test]
    fn change_is_against_the_same_point_of_the_last_period() {
        assert_eq!(change_percent(112, 100), Some(12));
        assert_eq!(change_percent(50, 100), Some(-50));
        assert_eq!(change_percent(10, 0), None);
    }

    proptest! {
        #[test]
        fn a_threshold_is_reached_iff_used_is_at_least_that_share(
            used in 0i64..2_000_000, limit in 1i64..1_000_000
        ) {
            let highest = highest_threshold(used, limit);
            for t in THRESHOLDS {
                let reached = used as f64 >= limit as f64 * f64::from(t) / 100.0;
                prop_assert_eq!(highest.is_some_and(|h| h >= t), reached);
            }
            prop_assert_eq!(UsageLevel::of(used, limit) == UsageLevel::Reached, used >= limit);
        }

        #[test]
        fn the_forecast_day_is_when_the_rate_crosses_the_limit(
            used in 0i64..500_000, rate in 1i64..1_000_000, hour in 0u8..24
        ) {
            let limit = 500_000;
            let now = datetime!(2026-12-01 0:00 UTC) + time::Duration::hours(hour.into());
            let end = datetime!(2027-01-01 0:00 UTC);
            match forecast(used, limit, rate, now, end) {
                Forecast::ReachesOn(day) => {
                    // By the end of that day the projection is at the limit,
                    // and at its start it was not yet (unless that is today).
                    let per_sec = rate as f64 / (7.0 * 86_400.0);
                    let end_of_day = day.next_day().unwrap().midnight().assume_utc();
                    let at = |t: OffsetDateTime| used as f64 + per_sec * (t - now).as_seconds_f64();
                    prop_assert!(at(end_of_day) >= limit as f64 - 1e-6);
                    let start = day.midnight().assume_utc().max(now);
                    prop_assert!(start == now || at(start) < limit as f64 + 1e-6);
                    prop_assert!(day < end.date());
                }
                Forecast::NotThisPeriod => {
                    let per_sec = rate as f64 / (7.0 * 86_400.0);
                    prop_assert!(used as f64 + per_sec * (end - now).as_seconds_f64() <= limit as f64 + 1.0);
                }
                Forecast::Reached => prop_assert!(false, "used < limit"),
            }
        }
    }
}
