//! The reader's clock: every instant a page shows goes through [`LocalTime`],
//! in the reader's own time zone, so "Dec 7, 2026, 14:03 CET" reads the same
//! on every page of both the customer portal and the staff console. Dates
//! that are dates (an invoice's issue date, a usage day) stay as they are.

use crate::calendar::timestamp;
use domain::dates::{format_date, format_day_month, relative, rfc3339, Moment};
use jiff::tz::TimeZone;
use jiff::Zoned;
use time::OffsetDateTime;

/// The longest zone name accepted (the longest IANA name is 32 characters).
const MAX_ZONE_NAME: usize = 64;

/// A time zone by its IANA name ("Europe/Berlin"), if Jiff's bundled
/// database knows it. Anything else (a typo, a hostile cookie) is `None`.
pub fn parse_zone(name: &str) -> Option<TimeZone> {
    if name.is_empty() || name.len() > MAX_ZONE_NAME {
        return None;
    }
    TimeZone::get(name).ok()
}

/// Whether `name` could be a zone name ("America/Argentina/Buenos_Aires",
/// "Etc/GMT+5"): a cheap check for every request's cookie, before the
/// database lookup that happens only where a zone is used.
pub fn looks_like_zone(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_ZONE_NAME
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/_+-".contains(&b))
}

/// The reader's zone: the one they stored, else the one their browser
/// reports, else UTC.
pub fn reader_zone(stored: Option<&str>, browser: Option<&str>) -> TimeZone {
    stored
        .and_then(parse_zone)
        .or_else(|| browser.and_then(parse_zone))
        .unwrap_or(TimeZone::UTC)
}

/// The zones a person may choose in settings: the "Area/City" names and
/// UTC, sorted. Legacy aliases ("US/Eastern", "Etc/GMT+5") are left out of
/// the list but still accepted, since a browser may report one.
pub fn zone_names() -> Vec<String> {
    let mut names: Vec<String> = jiff::tz::db()
        .available()
        .map(|name| name.as_str().to_owned())
        .filter(|name| {
            let area = name.split('/').next().unwrap_or_default();
            name.contains('/')
                && matches!(
                    area,
                    "Africa"
                        | "America"
                        | "Antarctica"
                        | "Arctic"
                        | "Asia"
                        | "Atlantic"
                        | "Australia"
                        | "Europe"
                        | "Indian"
                        | "Pacific"
                )
        })
        .collect();
    names.push("UTC".to_owned());
    names.sort();
    names.dedup();
    names
}

/// The name a zone is stored and shown under ("UTC" for the fixed zone).
pub fn zone_name(zone: &TimeZone) -> String {
    zone.iana_name().unwrap_or("UTC").to_owned()
}

/// Instants as one reader sees them, relative to one "now".
#[derive(Debug, Clone)]
pub struct LocalTime {
    zone: TimeZone,
    now: Zoned,
}

impl LocalTime {
    /// For a reader: their stored zone, else their browser's, else UTC.
    pub fn for_reader(stored: Option<&str>, browser: Option<&str>, now: OffsetDateTime) -> Self {
        Self::new(&reader_zone(stored, browser), now)
    }

    pub fn new(zone: &TimeZone, now: OffsetDateTime) -> Self {
        Self {
            zone: zone.clone(),
            now: timestamp(now).to_zoned(zone.clone()),
        }
    }

    /// The reader's zone by name ("Europe/Berlin", "UTC").
    pub fn zone_name(&self) -> String {
        zone_name(&self.zone)
    }

    /// To the minute: "Dec 7, 2026, 14:03 CET", relative "3 minutes ago".
    pub fn moment(&self, at: OffsetDateTime) -> Moment {
        self.build(at, false)
    }

    /// To the second, for the audit log: "Dec 7, 2026, 14:03:07 CET".
    pub fn precise(&self, at: OffsetDateTime) -> Moment {
        self.build(at, true)
    }

    /// Puts a [`Moment::unread`] (or any moment) in this reader's words.
    pub fn localize(&self, moment: &mut Moment) {
        if let Some(at) = moment.instant() {
            *moment = self.moment(at);
        }
    }

    /// The instant the reader's day `day` begins (midnight, or the first
    /// hour that exists when a clock change skips midnight).
    pub fn start_of_day(&self, day: time::Date) -> OffsetDateTime {
        let civil = jiff::civil::date(day.year() as i16, day.month() as i8, day.day() as i8);
        match civil.to_zoned(self.zone.clone()) {
            Ok(start) => crate::calendar::offset_date_time(start.timestamp()),
            Err(_) => day.midnight().assume_utc(),
        }
    }

    /// The reader's calendar date of an instant: "Dec 7, 2026".
    pub fn date(&self, at: OffsetDateTime) -> String {
        format_date(calendar_date(&self.zoned(at)))
    }

    fn build(&self, at: OffsetDateTime, seconds: bool) -> Moment {
        let local = self.zoned(at);
        let day = calendar_date(&local);
        let clock = if seconds {
            local.strftime("%H:%M:%S %Z")
        } else {
            local.strftime("%H:%M %Z")
        };
        // Beyond a week the date itself; the year only when it is not this one.
        let short_date = if local.year() == self.now.year() {
            format_day_month(day)
        } else {
            format_date(day)
        };
        let from_now = local.timestamp().as_second() - self.now.timestamp().as_second();
        Moment {
            at: rfc3339(at),
            exact: format!("{}, {clock}", format_date(day)),
            relative: relative(from_now, &short_date),
        }
    }

    fn zoned(&self, at: OffsetDateTime) -> Zoned {
        timestamp(at).to_zoned(self.zone.clone())
    }
}

/// The same day as a `time` date, for the portal's one date format.
fn calendar_date(local: &Zoned) -> time::Date {
    let month = time::Month::try_from(local.month() as u8).unwrap_or(time::Month::January);
    time::Date::from_calendar_date(i32::from(local.year()), month, local.day() as u8)
        .unwrap_or(time::Date::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn berlin() -> TimeZone {
        parse_zone("Europe/Berlin").unwrap()
    }

    #[test]
    fn an_instant_reads_in_the_readers_zone_with_its_abbreviation() {
        let clock = LocalTime::new(&berlin(), datetime!(2026-12-07 13:06:30 UTC));
        let moment = clock.moment(datetime!(2026-12-07 13:03:07 UTC));
        assert_eq!(moment.exact, "Dec 7, 2026, 14:03 CET");
        assert_eq!(moment.relative, "3 minutes ago");
        assert_eq!(moment.at, "2026-12-07T13:03:07Z");
        assert_eq!(
            clock.precise(datetime!(2026-12-07 13:03:07 UTC)).exact,
            "Dec 7, 2026, 14:03:07 CET"
        );
        // Summer time in the same zone.
        assert_eq!(
            clock.moment(datetime!(2026-07-01 10:00 UTC)).exact,
            "Jul 1, 2026, 12:00 CEST"
        );
    }

    #[test]
    fn the_calendar_date_is_the_readers_not_utcs() {
        let late_evening_utc = datetime!(2026-12-07 23:30 UTC);
        let tokyo = parse_zone("Asia/Tokyo").unwrap();
        let clock = LocalTime::new(&tokyo, late_evening_utc);
        assert_eq!(clock.date(late_evening_utc), "Dec 8, 2026");
        let new_york = parse_zone("America/New_York").unwrap();
        let early_utc = datetime!(2026-12-08 02:00 UTC);
        assert_eq!(
            LocalTime::new(&new_york, early_utc).date(early_utc),
            "Dec 7, 2026"
        );
    }

    #[test]
    fn older_instants_read_as_dates_with_the_year_only_when_it_differs() {
        let clock = LocalTime::new(&TimeZone::UTC, datetime!(2026-12-07 12:00 UTC));
        assert_eq!(
            clock.moment(datetime!(2026-11-02 12:00 UTC)).relative,
            "Nov 2"
        );
        assert_eq!(
            clock.moment(datetime!(2025-11-02 12:00 UTC)).relative,
            "Nov 2, 2025"
        );
        assert_eq!(
            clock.moment(datetime!(2026-12-10 12:00 UTC)).relative,
            "in 3 days"
        );
        assert_eq!(
            clock.moment(datetime!(2026-12-07 11:00 UTC)).exact,
            "Dec 7, 2026, 11:00 UTC"
        );
    }

    #[test]
    fn a_day_starts_at_the_readers_midnight() {
        let clock = LocalTime::new(&berlin(), datetime!(2026-12-07 12:00 UTC));
        assert_eq!(
            clock.start_of_day(time::macros::date!(2026 - 12 - 07)),
            datetime!(2026-12-06 23:00 UTC)
        );
        // São Paulo once skipped midnight for summer time (Nov 4, 2018).
        let sao_paulo = parse_zone("America/Sao_Paulo").unwrap();
        let clock = LocalTime::new(&sao_paulo, datetime!(2018-11-04 12:00 UTC));
        assert_eq!(
            clock.start_of_day(time::macros::date!(2018 - 11 - 04)),
            datetime!(2018-11-04 03:00 UTC)
        );
    }

    #[test]
    fn a_cached_instant_is_put_in_each_readers_words() {
        let at = datetime!(2026-12-07 13:03 UTC);
        let mut cached = Moment::unread(at);
        let clock = LocalTime::new(&berlin(), datetime!(2026-12-07 15:03 UTC));
        clock.localize(&mut cached);
        assert_eq!(cached.exact, "Dec 7, 2026, 14:03 CET");
        assert_eq!(cached.relative, "2 hours ago");
        assert_eq!(cached.instant(), Some(at));
    }

    #[test]
    fn only_known_zones_are_accepted() {
        assert!(parse_zone("Europe/Berlin").is_some());
        assert!(parse_zone("UTC").is_some());
        for bad in [
            "",
            "Mars/Olympus",
            "Europe/Berlin\n",
            &"A".repeat(65),
            "../etc/passwd",
        ] {
            assert!(parse_zone(bad).is_none(), "{bad:?}");
        }
        let names = zone_names();
        assert!(names.contains(&"America/Sao_Paulo".to_owned()));
        assert!(names.contains(&"UTC".to_owned()));
        assert!(!names
            .iter()
            .any(|n| n.starts_with("Etc/") || n.starts_with("US/")));
        assert!(names.len() > 300, "{}", names.len());
    }
}
