//! Reading the datetimes and dates clients send: RFC 3339 instants, or wall-clock times read in
//! the event's zone (gaps and folds resolved as in expansion, RFC 5545 §3.3.5), within the years
//! 1 to 9999.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Time};
use jiff::fmt::temporal::Pieces;
use jiff::tz::TimeZone;

/// Why a datetime or date could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeError {
    Malformed,
    YearOutOfRange,
}

/// RFC 3339 allows offsets up to ±23:59; jiff reads up to ±25:59:59.
const MAX_OFFSET_SECONDS: i32 = 23 * 3600 + 59 * 60;

/// An RFC 3339 instant (`2026-03-02T09:00:00+01:00`, `…Z`), or a local date-time
/// (`2026-03-02T09:00[:00[.ffffff]]`, or with a space for the `T`) read in `zone`.
pub fn parse_instant(text: &str, zone: &TimeZone) -> Result<Timestamp, TimeError> {
    let text = text.trim();
    let Ok(pieces) = Pieces::parse(text) else {
        return Err(refusal(text));
    };
    // A bare date is not an event time, and an annotation such as `[Europe/Berlin]` would be a
    // second, possibly contradicting, zone: neither is silently dropped.
    let (Some(time), None) = (pieces.time(), pieces.time_zone_annotation()) else {
        return Err(TimeError::Malformed);
    };
    if !has_date_and_clock_shape(text) {
        return Err(TimeError::Malformed);
    }
    let date = pieces.date();
    check_year(date.year())?;
    let local = date.to_datetime(time);
    let instant = match pieces.offset() {
        None => zone.to_ambiguous_timestamp(local).compatible(),
        Some(offset) => {
            let offset = offset.to_numeric_offset();
            if offset.seconds().abs() > MAX_OFFSET_SECONDS {
                return Err(TimeError::Malformed);
            }
            offset.to_timestamp(local)
        }
    }
    // Valid fields that jiff cannot place on its timeline are past its first or last instant.
    .map_err(|_| TimeError::YearOutOfRange)?;
    check_year(TimeZone::UTC.to_datetime(instant).year())?;
    Ok(instant)
}

/// A date written `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Result<Date, TimeError> {
    let text = text.trim();
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes.iter().enumerate().all(|(index, byte)| match index {
            4 | 7 => *byte == b'-',
            _ => byte.is_ascii_digit(),
        });
    if !shaped {
        return Err(refusal(text));
    }
    let date: Date = text.parse().map_err(|_| TimeError::Malformed)?;
    check_year(date.year())?;
    Ok(date)
}

/// Like [`parse_instant`]; a date alone means the end of that day in `zone` (23:59:59, whole
/// seconds as RRULE's UNTIL), so that an inclusive "until 2026-03-31" includes the 31st.
pub fn parse_until(text: &str, zone: &TimeZone) -> Result<Timestamp, TimeError> {
    match parse_date(text) {
        Ok(date) => zone
            .to_ambiguous_timestamp(date.to_datetime(Time::constant(23, 59, 59, 0)))
            .compatible()
            .map_err(|_| TimeError::YearOutOfRange),
        Err(TimeError::YearOutOfRange) => Err(TimeError::YearOutOfRange),
        Err(TimeError::Malformed) => parse_instant(text, zone),
    }
}

/// 00:00 of `date` in `zone`; a day that starts in a gap starts at the gap's end (jiff's
/// "compatible" disambiguation, as RFC 5545 §3.3.5 asks for a time in a gap).
pub fn start_of_day(date: Date, zone: &TimeZone) -> Result<Timestamp, TimeError> {
    check_year(date.year())?;
    zone.to_ambiguous_timestamp(DateTime::from_parts(date, Time::midnight()))
        .compatible()
        .map_err(|_| TimeError::YearOutOfRange)
}

fn check_year(year: i16) -> Result<(), TimeError> {
    if (1..=9999).contains(&year) {
        Ok(())
    } else {
        Err(TimeError::YearOutOfRange)
    }
}

/// Why text jiff could not read was refused: a year written outside 1..=9999 (`-0001-…`,
/// `+010000-…`), which jiff refuses along with real garbage, is reported as such.
fn refusal(text: &str) -> TimeError {
    let (negative, rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let Some((digits, _)) = rest.split_once('-') else {
        return TimeError::Malformed;
    };
    let is_year = digits.len() == 4 || digits.len() == 6;
    if !is_year || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return TimeError::Malformed;
    }
    match digits.parse::<i32>() {
        Ok(year) if negative || !(1..=9999).contains(&year) => TimeError::YearOutOfRange,
        _ => TimeError::Malformed,
    }
}

/// The forms this API documents: an extended date (`2026-03-02`, or with a signed six-digit
/// year) and a clock time with at least hours and minutes (`T09:00`), which jiff's more
/// permissive reader (basic format, hours alone) would otherwise let through.
fn has_date_and_clock_shape(text: &str) -> bool {
    let Some(separator) = text.find(['T', 't', ' ']) else {
        return false;
    };
    let (date, clock) = (
        &text.as_bytes()[..separator],
        &text.as_bytes()[separator + 1..],
    );
    let date_shaped = match date.len() {
        10 => date[4] == b'-' && date[7] == b'-',
        13 => matches!(date[0], b'+' | b'-') && date[7] == b'-' && date[10] == b'-',
        _ => false,
    };
    let clock_shaped = clock.len() >= 5
        && clock[..2].iter().all(u8::is_ascii_digit)
        && clock[2] == b':'
        && clock[3..5].iter().all(u8::is_ascii_digit);
    date_shaped && clock_shaped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn berlin() -> TimeZone {
        TimeZone::get("Europe/Berlin").expect("zone")
    }

    fn instant(text: &str) -> Result<String, TimeError> {
        parse_instant(text, &berlin()).map(|t| t.to_string())
    }

    #[test]
    fn an_instant_with_an_offset_is_taken_as_is() {
        assert_eq!(
            instant("2026-03-02T09:00:00+01:00"),
            Ok("2026-03-02T08:00:00Z".into())
        );
        assert_eq!(
            instant("2026-03-02T08:00:00Z"),
            Ok("2026-03-02T08:00:00Z".into())
        );
        assert_eq!(
            instant("2026-03-02t08:00:00z"),
            Ok("2026-03-02T08:00:00Z".into())
        );
        assert_eq!(
            instant(" 2026-03-02T09:00:00.5-23:59 "),
            Ok("2026-03-03T08:59:00.5Z".into())
        );
    }

    #[test]
    fn an_offset_beyond_23_59_is_refused() {
        assert_eq!(
            instant("2026-03-02T09:00:00+24:00"),
            Err(TimeError::Malformed)
        );
        assert_eq!(
            instant("2026-03-02T09:00:00-25:30"),
            Err(TimeError::Malformed)
        );
    }

    #[test]
    fn a_local_time_is_read_in_the_zone() {
        assert_eq!(
            instant("2026-07-01T12:00"),
            Ok("2026-07-01T10:00:00Z".into())
        );
        assert_eq!(
            instant("2026-07-01 12:00:30"),
            Ok("2026-07-01T10:00:30Z".into())
        );
        assert_eq!(
            instant("2026-07-01T12:00:30.123456"),
            Ok("2026-07-01T10:00:30.123456Z".into())
        );
    }

    #[test]
    fn a_local_time_in_a_gap_moves_forward_and_one_in_a_fold_takes_the_earlier_offset() {
        assert_eq!(
            instant("2026-03-29T02:30"),
            Ok("2026-03-29T01:30:00Z".into())
        );
        assert_eq!(
            instant("2026-10-25T02:30"),
            Ok("2026-10-25T00:30:00Z".into())
        );
    }

    #[test]
    fn garbage_is_malformed() {
        for text in [
            "tomorrow",
            "",
            "2026-03-02",
            "2026-03-02T09",
            "20260302T0900",
            "2026-13-02T09:00",
            "2026-02-30T09:00",
            "2026-03-02T25:00",
            "2026-03-02T09:00[Europe/Berlin]",
            "2026-03-02T09:00+01:00[Europe/Berlin]",
            "99999-01-01T00:00:00Z",
        ] {
            assert_eq!(
                parse_instant(text, &berlin()),
                Err(TimeError::Malformed),
                "{text}"
            );
        }
    }

    #[test]
    fn years_outside_1_to_9999_are_out_of_range_as_written_or_in_utc() {
        for text in [
            "9999-12-31T23:00:00-05:00",
            "-0001-06-01T00:00:00Z",
            "+010000-01-01T00:00:00Z",
            "-000001-06-01T00:00:00Z",
            "0000-06-01T00:00:00Z",
            "0001-01-01T00:30:00+01:00",
            "0001-01-01T00:30",
            "9999-12-31T23:00",
        ] {
            assert_eq!(
                parse_instant(text, &berlin()),
                Err(TimeError::YearOutOfRange),
                "{text}"
            );
        }
        assert_eq!(
            instant("+002026-03-02T08:00:00Z"),
            Ok("2026-03-02T08:00:00Z".into())
        );
    }

    #[test]
    fn a_date_is_yyyy_mm_dd_in_the_years_1_to_9999() {
        assert_eq!(parse_date(" 2026-03-02 "), Ok(Date::constant(2026, 3, 2)));
        for text in [
            "2026-3-2",
            "2026-03-02T00:00",
            "20260302",
            "2026-02-30",
            "x",
        ] {
            assert_eq!(parse_date(text), Err(TimeError::Malformed), "{text}");
        }
        for text in ["0000-01-01", "-0001-01-01", "+010000-01-01"] {
            assert_eq!(parse_date(text), Err(TimeError::YearOutOfRange), "{text}");
        }
    }

    #[test]
    fn an_until_date_includes_that_whole_day_to_the_second() {
        assert_eq!(
            parse_until("2026-03-31", &berlin()).map(|t| t.to_string()),
            Ok("2026-03-31T21:59:59Z".into())
        );
    }

    #[test]
    fn an_until_instant_is_read_as_an_instant() {
        assert_eq!(
            parse_until("2026-03-31T12:00", &berlin()).map(|t| t.to_string()),
            Ok("2026-03-31T10:00:00Z".into())
        );
        assert_eq!(parse_until("soon", &berlin()), Err(TimeError::Malformed));
        assert_eq!(
            parse_until("0000-12-31", &berlin()),
            Err(TimeError::YearOutOfRange)
        );
        assert_eq!(
            parse_until("9999-12-31", &TimeZone::UTC),
            Err(TimeError::YearOutOfRange),
            "past jiff's last instant"
        );
    }

    #[test]
    fn a_day_starting_in_a_gap_starts_at_the_gaps_end() {
        let sao_paulo = TimeZone::get("America/Sao_Paulo").expect("zone");
        assert_eq!(
            start_of_day(Date::constant(2018, 11, 4), &sao_paulo).map(|t| t.to_string()),
            Ok("2018-11-04T03:00:00Z".into())
        );
        assert_eq!(
            start_of_day(Date::constant(2026, 7, 1), &berlin()).map(|t| t.to_string()),
            Ok("2026-06-30T22:00:00Z".into())
        );
    }

    #[test]
    fn a_day_that_cannot_start_is_out_of_range() {
        assert_eq!(
            start_of_day(Date::constant(0, 1, 1), &berlin()),
            Err(TimeError::YearOutOfRange)
        );
        assert_eq!(
            start_of_day(Date::constant(9999, 12, 31), &TimeZone::UTC),
            Err(TimeError::YearOutOfRange)
        );
    }
}
