use time::{Date, Month, OffsetDateTime};

/// How times are shown across the portal: "2026-11-25 14:03 UTC".
pub fn display_minutes(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!("{} {:02}:{:02} UTC", at.date(), at.hour(), at.minute())
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
}
