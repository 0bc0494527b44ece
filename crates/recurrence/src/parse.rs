//! Reading the datetimes clients send: RFC 3339 instants, or wall-clock times read in the
//! event's zone (gaps and folds resolved as in expansion).

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;

/// An RFC 3339 instant, or a local date-time (`2026-03-02T09:00[:00]`) in `zone`.
pub fn parse_instant(text: &str, zone: &TimeZone) -> Option<Timestamp> {
    let text = text.trim();
    if let Ok(instant) = text.parse::<Timestamp>() {
        return Some(instant);
    }
    // jiff also reads a bare date as midnight; an event time must name its time of day.
    if !text.contains(['T', 't', ' ']) {
        return None;
    }
    let local = text.parse::<DateTime>().ok()?;
    zone.to_ambiguous_timestamp(local).compatible().ok()
}

/// Like [`parse_instant`]; a date alone means the last moment of that day in `zone`, so that an
/// inclusive "until 2026-03-31" includes occurrences on the 31st.
pub fn parse_until(text: &str, zone: &TimeZone) -> Option<Timestamp> {
    if let Some(instant) = parse_instant(text, zone) {
        return Some(instant);
    }
    let date = text.trim().parse::<Date>().ok()?;
    let next_day = zone
        .to_ambiguous_timestamp(
            date.tomorrow()
                .ok()?
                .to_datetime(jiff::civil::Time::midnight()),
        )
        .compatible()
        .ok()?;
    next_day
        .checked_sub(jiff::SignedDuration::from_micros(1))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn berlin() -> TimeZone {
        TimeZone::get("Europe/Berlin").expect("zone")
    }

    #[test]
    fn an_instant_with_an_offset_is_taken_as_is() {
        assert_eq!(
            parse_instant("2026-03-02T09:00:00+01:00", &berlin()).map(|t| t.to_string()),
            Some("2026-03-02T08:00:00Z".into())
        );
        assert_eq!(
            parse_instant("2026-03-02T08:00:00Z", &berlin()).map(|t| t.to_string()),
            Some("2026-03-02T08:00:00Z".into())
        );
    }

    #[test]
    fn a_local_time_is_read_in_the_zone() {
        assert_eq!(
            parse_instant("2026-07-01T12:00", &berlin()).map(|t| t.to_string()),
            Some("2026-07-01T10:00:00Z".into())
        );
    }

    #[test]
    fn garbage_is_not_a_time() {
        assert_eq!(parse_instant("tomorrow", &berlin()), None);
        assert_eq!(
            parse_instant("2026-03-02", &berlin()),
            None,
            "an event time needs a time of day"
        );
    }

    #[test]
    fn an_until_date_includes_that_whole_day() {
        assert_eq!(
            parse_until("2026-03-31", &berlin()).map(|t| t.to_string()),
            Some("2026-03-31T21:59:59.999999Z".into())
        );
    }
}
