//! Business hours: the days and hours a support desk works, in its own time
//! zone, and time added inside them (a response target of "one business
//! day"). Plumbing: `Settings` holds one, and the support feature uses it
//! (`support::due`).

use domain::support::Target;
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use std::time::Duration;
use time::OffsetDateTime;

/// The days and daily hours in which business-time targets count, in one
/// time zone (`PORTAL_BUSINESS_HOURS`, default `mon-fri 09:00-17:00 UTC`).
#[derive(Debug, Clone, PartialEq)]
pub struct BusinessHours {
    /// Monday first.
    days: [bool; 7],
    open: Time,
    close: Time,
    zone: TimeZone,
}

impl Default for BusinessHours {
    fn default() -> Self {
        Self {
            days: [true, true, true, true, true, false, false],
            open: Time::constant(9, 0, 0, 0),
            close: Time::constant(17, 0, 0, 0),
            zone: TimeZone::UTC,
        }
    }
}

const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl BusinessHours {
    /// `mon-fri 09:00-17:00 Europe/Berlin`: the days (a range, or names
    /// separated by commas), the hours, and an IANA time zone (UTC if left
    /// out).
    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut parts = spec.split_whitespace();
        let (Some(days), Some(hours)) = (parts.next(), parts.next()) else {
            return Err(format!(
                "{spec:?}: write days and hours, like mon-fri 09:00-17:00 Europe/Berlin"
            ));
        };
        let zone = match parts.next() {
            None => TimeZone::UTC,
            Some(name) => TimeZone::get(name)
                .map_err(|_| format!("{name:?} is not a time zone (like Europe/Berlin)"))?,
        };
        if parts.next().is_some() {
            return Err(format!(
                "{spec:?}: days, hours and a time zone, nothing more"
            ));
        }
        let (open, close) = hours
            .split_once('-')
            .and_then(|(open, close)| {
                Some((open.parse::<Time>().ok()?, close.parse::<Time>().ok()?))
            })
            .filter(|(open, close)| open < close)
            .ok_or_else(|| {
                format!("{hours:?}: hours are like 09:00-17:00, opening before closing")
            })?;
        Ok(Self {
            days: parse_days(days)?,
            open,
            close,
            zone,
        })
    }

    /// When a response is due: `target` after `from`.
    pub fn due(&self, from: OffsetDateTime, target: Target) -> OffsetDateTime {
        match target {
            Target::Calendar(span) => from + span,
            Target::BusinessHours(span) => self.add(from, span),
            Target::BusinessDays(days) => self.add(from, self.day_length() * days),
        }
    }

    /// How long the desk is open on a business day.
    fn day_length(&self) -> Duration {
        Duration::try_from(self.close.duration_since(self.open)).unwrap_or_default()
    }

    /// `from` plus `span` counted inside business hours only.
    fn add(&self, from: OffsetDateTime, span: Duration) -> OffsetDateTime {
        let Ok(mut left) = SignedDuration::try_from(span) else {
            return from + span;
        };
        let mut cursor = timestamp(from);
        // Each week has a business day (`parse_days`), so a target of a year
        // of business time ends within a few years of days.
        for _ in 0..(366 * 10) {
            let date = cursor.to_zoned(self.zone.clone()).date();
            if let Some((open, close)) = self.window(date) {
                let start = cursor.max(open);
                if start < close {
                    let available = close.duration_since(start);
                    if left <= available {
                        return offset_date_time(start.checked_add(left).unwrap_or(close));
                    }
                    left -= available;
                }
            }
            let Some(next) = date
                .tomorrow()
                .ok()
                .and_then(|d| d.to_zoned(self.zone.clone()).ok())
            else {
                break;
            };
            cursor = next.timestamp();
        }
        from + span
    }

    /// The instants the desk opens and closes on `date`, if it is a business day.
    fn window(&self, date: Date) -> Option<(Timestamp, Timestamp)> {
        if !self.days[usize::from(date.weekday().to_monday_zero_offset().unsigned_abs())] {
            return None;
        }
        let at = |time: Time| {
            date.to_datetime(time)
                .to_zoned(self.zone.clone())
                .ok()
                .map(|z| z.timestamp())
        };
        Some((at(self.open)?, at(self.close)?))
    }
}

/// `mon-fri`, `mon,wed,fri` or `sat`; at least one day.
fn parse_days(text: &str) -> Result<[bool; 7], String> {
    let index = |name: &str| {
        DAY_NAMES
            .iter()
            .position(|day| name.eq_ignore_ascii_case(day))
    };
    let mut days = [false; 7];
    for item in text.split(',') {
        let range = match item.split_once('-') {
            Some((first, last)) => index(first).zip(index(last)).filter(|(a, b)| a <= b),
            None => index(item).map(|day| (day, day)),
        };
        let (first, last) =
            range.ok_or_else(|| format!("{text:?}: days are like mon-fri or mon,wed,fri"))?;
        days[first..=last].fill(true);
    }
    Ok(days)
}

pub(crate) fn timestamp(at: OffsetDateTime) -> Timestamp {
    Timestamp::from_nanosecond(at.unix_timestamp_nanos()).unwrap_or(Timestamp::UNIX_EPOCH)
}

pub(crate) fn offset_date_time(at: Timestamp) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(at.as_nanosecond())
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn hours(n: u64) -> Duration {
        Duration::from_secs(n * 3600)
    }

    #[test]
    fn business_time_skips_nights_and_weekends() {
        let desk = BusinessHours::default();
        // Friday 16:00 plus a business day: Monday 16:00.
        let friday = datetime!(2026-11-27 16:00 UTC);
        assert_eq!(
            desk.due(friday, Target::BusinessDays(1)),
            datetime!(2026-11-30 16:00 UTC)
        );
        // Before opening, the clock starts at 09:00.
        let early = datetime!(2026-12-01 07:30 UTC);
        assert_eq!(
            desk.due(early, Target::BusinessHours(hours(4))),
            datetime!(2026-12-01 13:00 UTC)
        );
        // On Saturday it starts on Monday; three days end on Wednesday's close.
        let saturday = datetime!(2026-11-28 12:00 UTC);
        assert_eq!(
            desk.due(saturday, Target::BusinessDays(3)),
            datetime!(2026-12-02 17:00 UTC)
        );
        // Calendar targets ignore the desk.
        assert_eq!(
            desk.due(saturday, Target::Calendar(hours(1))),
            datetime!(2026-11-28 13:00 UTC)
        );
    }

    #[test]
    fn business_hours_are_the_desks_local_hours_across_a_clock_change() {
        let berlin = BusinessHours::parse("mon-fri 09:00-17:00 Europe/Berlin").unwrap();
        // Friday 23 October 2026 16:00 in Berlin is 14:00 UTC (summer time);
        // Monday 09:00 after the change is 08:00 UTC (winter time).
        let friday = datetime!(2026-10-23 14:00 UTC);
        assert_eq!(
            berlin.due(friday, Target::BusinessHours(hours(2))),
            datetime!(2026-10-26 09:00 UTC)
        );
    }

    #[test]
    fn the_schedule_is_read_or_refused_with_the_reason() {
        let weekend = BusinessHours::parse("sat,sun 10:00-14:00").unwrap();
        let friday = datetime!(2026-11-27 16:00 UTC);
        assert_eq!(
            weekend.due(friday, Target::BusinessDays(1)),
            datetime!(2026-11-28 14:00 UTC)
        );
        for bad in [
            "",
            "mon-fri",
            "fri-mon 09:00-17:00",
            "mon-fri 17:00-09:00",
            "mon-fri 9-5",
            "mon-fri 09:00-17:00 Mars/Olympus",
            "mon-fri 09:00-17:00 UTC extra",
            "funday 09:00-17:00",
        ] {
            assert!(BusinessHours::parse(bad).is_err(), "{bad}");
        }
    }
}
