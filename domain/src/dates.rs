use serde::{Deserialize, Serialize};
use time::{Date, Month, OffsetDateTime};

/// An instant as the reader sees it, formatted once on the server in the
/// reader's time zone (`backend::local_time`), so the server's page and its
/// hydration show the same words. Views render it as
/// `<time datetime=at title=exact>relative</time>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moment {
    /// RFC 3339 in UTC, for `datetime` and for machines.
    pub at: String,
    /// "Dec 7, 2026, 14:03 CET" in the reader's zone.
    pub exact: String,
    /// "3 minutes ago", "in 2 days", "Nov 2" (see [`relative`]).
    pub relative: String,
}

impl Moment {
    /// An instant not yet put in anyone's zone: what a cache shared by
    /// readers in several zones holds (the dashboard's). The server fills in
    /// the words per reader (`backend::local_time::LocalTime::localize`).
    pub fn unread(at: OffsetDateTime) -> Self {
        Self {
            at: rfc3339(at),
            exact: String::new(),
            relative: String::new(),
        }
    }

    /// The instant itself.
    pub fn instant(&self) -> Option<OffsetDateTime> {
        OffsetDateTime::parse(&self.at, &time::format_description::well_known::Rfc3339).ok()
    }
}

/// How far `at` is from now, as a person says it: "just now", "5 minutes
/// ago", "in 3 hours", "yesterday", "in 6 days". Beyond a week the reader
/// wants the date, which the caller passes as `date` ("Nov 2").
pub fn relative(seconds_from_now: i64, date: &str) -> String {
    const MINUTE: i64 = 60;
    const HOUR: i64 = 60 * MINUTE;
    const DAY: i64 = 24 * HOUR;
    let distance = seconds_from_now.unsigned_abs() as i64;
    let (count, unit) = match distance {
        d if d < MINUTE => return "just now".to_owned(),
        d if d < HOUR => (d / MINUTE, "minute"),
        d if d < DAY => (d / HOUR, "hour"),
        d if d < 2 * DAY && seconds_from_now < 0 => return "yesterday".to_owned(),
        d if d < 2 * DAY => return "tomorrow".to_owned(),
        d if d < 7 * DAY => (d / DAY, "day"),
        _ => return date.to_owned(),
    };
    let unit = if count == 1 {
        unit.to_owned()
    } else {
        format!("{unit}s")
    };
    if seconds_from_now < 0 {
        format!("{count} {unit} ago")
    } else {
        format!("in {count} {unit}")
    }
}

/// UTC as a machine reads it ("2026-11-25T14:03:07Z"), for `datetime`.
pub fn rfc3339(at: OffsetDateTime) -> String {
    use time::format_description::well_known::Rfc3339;
    at.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// "Dec 14, 2026, 14:03 UTC": for an email to someone whose zone the portal
/// does not know yet (an invitation). Pages use the reader's zone instead.
pub fn utc_minutes(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{}, {:02}:{:02} UTC",
        format_date(at.date()),
        at.hour(),
        at.minute()
    )
}

/// "Dec 12, 2026": unambiguous in every locale our customers use.
pub fn format_date(d: Date) -> String {
    format!("{} {}, {}", short_month(d.month()), d.day(), d.year())
}

/// "Dec 12".
pub fn format_day_month(d: Date) -> String {
    format!("{} {}", short_month(d.month()), d.day())
}

pub fn short_month(m: Month) -> &'static str {
    match m {
        Month::January => "Jan",
        Month::February => "Feb",
        Month::March => "Mar",
        Month::April => "Apr",
        Month::May => "May",
        Month::June => "Jun",
        Month::July => "Jul",
        Month::August => "Aug",
        Month::September => "Sep",
        Month::October => "Oct",
        Month::November => "Nov",
        Month::December => "Dec",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_month_day_year() {
        assert_eq!(
            format_date(time::macros::date!(2026 - 12 - 01)),
            "Dec 1, 2026"
        );
        assert_eq!(
            format_day_month(time::macros::date!(2027 - 01 - 31)),
            "Jan 31"
        );
    }

    #[test]
    fn relative_times_read_as_a_person_says_them() {
        let cases = [
            (0, "just now"),
            (-59, "just now"),
            (-60, "1 minute ago"),
            (-59 * 60, "59 minutes ago"),
            (-3600, "1 hour ago"),
            (5 * 3600 + 10, "in 5 hours"),
            (-30 * 3600, "yesterday"),
            (30 * 3600, "tomorrow"),
            (-3 * 86_400, "3 days ago"),
            (6 * 86_400, "in 6 days"),
            (-7 * 86_400, "Nov 2"),
            (40 * 86_400, "Nov 2"),
        ];
        for (seconds, expected) in cases {
            assert_eq!(relative(seconds, "Nov 2"), expected, "{seconds} s");
        }
    }
}
