//! RRULE text (RFC 5545 §3.3.10 and §3.8.5.3): reading the parts this engine supports, refusing
//! every other one by name, and printing a rule in one canonical order.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;

use crate::rule::{parse_weekday_code, weekday_code};
use crate::{End, Frequency, RecurrenceError, Rule, RulePart, RuleParts, WeekdayNum};

/// Parts RFC 5545 (and RFC 7529's RSCALE and SKIP, and the BYEASTER extension) defines that this
/// engine does not implement: refused by name rather than ignored, since ignoring one would
/// silently change which dates the rule means.
const UNSUPPORTED_PARTS: [&str; 8] = [
    "BYWEEKNO",
    "BYYEARDAY",
    "BYHOUR",
    "BYMINUTE",
    "BYSECOND",
    "BYEASTER",
    "RSCALE",
    "SKIP",
];

/// The parts this engine reads, in the order [`print`] writes them.
const SUPPORTED_PARTS: [&str; 9] = [
    "FREQ",
    "INTERVAL",
    "BYMONTH",
    "BYMONTHDAY",
    "BYDAY",
    "BYSETPOS",
    "WKST",
    "COUNT",
    "UNTIL",
];

fn error(message: String) -> RecurrenceError {
    RecurrenceError::Rrule(message)
}

/// The RRULE name under which a part of the structured model is written.
fn rrule_name(part: RulePart) -> &'static str {
    match part {
        RulePart::Frequency => "FREQ",
        RulePart::Interval => "INTERVAL",
        RulePart::ByWeekday => "BYDAY",
        RulePart::ByMonthDay => "BYMONTHDAY",
        RulePart::ByMonth => "BYMONTH",
        RulePart::BySetPosition => "BYSETPOS",
        RulePart::WeekStart => "WKST",
        RulePart::Count => "COUNT",
        RulePart::Until => "UNTIL",
    }
}

pub(crate) fn parse(text: &str, zone: &TimeZone) -> Result<Rule, RecurrenceError> {
    let text = text.trim();
    let body = match text.get(..6) {
        Some(prefix) if prefix.eq_ignore_ascii_case("RRULE:") => &text[6..],
        _ => text,
    };
    let mut frequency = None;
    let mut parts = RuleParts::new(Frequency::Daily);
    let mut count = None;
    let mut until = None;
    // Each part as written, so that a value the structured validation refuses is quoted back.
    let mut written: Vec<(&'static str, &str)> = Vec::new();
    for piece in body.split(';') {
        if piece.is_empty() {
            return Err(error(
                "An RRULE part is empty: parts are NAME=VALUE, separated by single semicolons."
                    .to_owned(),
            ));
        }
        let Some((name, value)) = piece.split_once('=') else {
            return Err(error(format!(
                "\"{piece}\" is not an RRULE part: parts are NAME=VALUE, such as FREQ=WEEKLY."
            )));
        };
        let Some(name) = SUPPORTED_PARTS
            .into_iter()
            .find(|known| known.eq_ignore_ascii_case(name))
        else {
            return Err(
                match UNSUPPORTED_PARTS
                    .into_iter()
                    .find(|known| known.eq_ignore_ascii_case(name))
                {
                    Some(known) => error(format!("{known} is not supported.")),
                    None => error(format!("{name} is not an RRULE part.")),
                },
            );
        };
        if written.iter().any(|(seen, _)| *seen == name) {
            return Err(error(format!("{name} appears more than once.")));
        }
        written.push((name, value));
        let malformed = |reason: String| error(format!("{name}={value}: {reason}"));
        match name {
            "FREQ" => frequency = Some(parse_frequency(value)?),
            "INTERVAL" => {
                parts.interval = parse_number(value)
                    .ok_or_else(|| malformed("the interval is a whole number from 1.".into()))?;
            }
            "COUNT" => {
                count = Some(
                    parse_number(value)
                        .ok_or_else(|| malformed("the count is a whole number from 1.".into()))?,
                );
            }
            "UNTIL" => until = Some(parse_until(value, zone).map_err(malformed)?),
            "BYDAY" => {
                parts.by_weekday = list(value, |item| {
                    item.parse::<WeekdayNum>()
                        .map_err(|refused| refused.to_string())
                })
                .map_err(malformed)?;
            }
            "BYMONTHDAY" => {
                parts.by_month_day = list(value, |item| {
                    parse_integer(item).ok_or_else(|| {
                        format!(
                            "{item} is not a day of the month: use 1 to 31, or -1 (the last day) \
                             to -31."
                        )
                    })
                })
                .map_err(malformed)?;
            }
            "BYMONTH" => {
                parts.by_month = list(value, |item| {
                    parse_integer(item).ok_or_else(|| {
                        format!("{item} is not a month: use 1 (January) to 12 (December).")
                    })
                })
                .map_err(malformed)?;
            }
            "BYSETPOS" => {
                parts.by_set_position = list(value, |item| {
                    parse_integer(item).ok_or_else(|| {
                        format!(
                            "{item} is not a position in a set: use 1 to 366 (from the first), \
                             or -1 (the last) to -366."
                        )
                    })
                })
                .map_err(malformed)?;
            }
            _ => {
                parts.week_start = parse_weekday_code(value).ok_or_else(|| {
                    malformed(format!(
                        "\"{value}\" is not a weekday: use MO, TU, WE, TH, FR, SA or SU."
                    ))
                })?;
            }
        }
    }
    parts.frequency = frequency.ok_or_else(|| {
        error("FREQ is missing: every RRULE needs one, such as FREQ=WEEKLY.".to_owned())
    })?;
    parts.end = match (count, until) {
        (Some(_), Some(_)) => {
            return Err(error(
                "COUNT and UNTIL cannot both be given: a rule ends one way.".to_owned(),
            ));
        }
        (Some(count), None) => End::Count(count),
        (None, Some(until)) => End::Until(until),
        (None, None) => End::Never,
    };
    Rule::new(parts).map_err(|refused| {
        let part = match &refused {
            RecurrenceError::IntervalTooSmall => RulePart::Interval,
            RecurrenceError::CountTooSmall => RulePart::Count,
            RecurrenceError::InvalidPart { part, .. } => *part,
            other => return error(other.to_string()),
        };
        let name = rrule_name(part);
        let value = written
            .iter()
            .find(|(seen, _)| *seen == name)
            .map_or("", |(_, value)| value);
        error(format!("{name}={value}: {refused}"))
    })
}

fn parse_frequency(value: &str) -> Result<Frequency, RecurrenceError> {
    match value.to_ascii_uppercase().as_str() {
        "DAILY" => Ok(Frequency::Daily),
        "WEEKLY" => Ok(Frequency::Weekly),
        "MONTHLY" => Ok(Frequency::Monthly),
        "YEARLY" => Ok(Frequency::Yearly),
        finer @ ("HOURLY" | "MINUTELY" | "SECONDLY") => Err(error(format!(
            "FREQ={finer} is not supported: the finest frequency is DAILY."
        ))),
        _ => Err(error(format!(
            "FREQ={value}: use DAILY, WEEKLY, MONTHLY or YEARLY."
        ))),
    }
}

/// Digits only (no sign): INTERVAL and COUNT are positive integers in RFC 5545's grammar.
fn parse_number(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// An optionally signed integer, as BYMONTHDAY, BYMONTH and BYSETPOS write them. A number too
/// large for the type is refused here; one in range but not allowed, by the rule's validation.
fn parse_integer<T: std::str::FromStr>(text: &str) -> Option<T> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.trim_start_matches('+').parse().ok()
}

fn list<T>(value: &str, item: impl Fn(&str) -> Result<T, String>) -> Result<Vec<T>, String> {
    value.split(',').map(item).collect()
}

/// UNTIL as RFC 5545 §3.3.10 writes it: a UTC date-time (`19971224T000000Z`), a local one in
/// the rule's zone (`19971224T000000`; RFC 5545 §3.3.5 "floating" time, resolved as occurrences
/// are), or a date, meaning the whole of that day in the zone (until 23:59:59).
fn parse_until(value: &str, zone: &TimeZone) -> Result<Timestamp, String> {
    let unreadable = || {
        "use a date-time such as 19971224T000000Z (UTC) or 19971224T000000 (local time), or a \
         date such as 19971224, in the years 1 to 9999."
            .to_owned()
    };
    let bytes = value.as_bytes();
    let number = |range: std::ops::Range<usize>| -> Option<i16> {
        let digits = value.get(range)?;
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok()
    };
    let date = (|| {
        let year = number(0..4)?;
        if year < 1 {
            return None;
        }
        Date::new(
            year,
            i8::try_from(number(4..6)?).ok()?,
            i8::try_from(number(6..8)?).ok()?,
        )
        .ok()
    })()
    .ok_or_else(unreadable)?;
    let (time, utc) = match bytes.len() {
        8 => (Time::constant(23, 59, 59, 0), false),
        15 | 16 => {
            if !bytes[8].eq_ignore_ascii_case(&b'T')
                || (bytes.len() == 16 && !bytes[15].eq_ignore_ascii_case(&b'Z'))
            {
                return Err(unreadable());
            }
            let field = |range| number(range).and_then(|n| i8::try_from(n).ok());
            let time = (|| Time::new(field(9..11)?, field(11..13)?, field(13..15)?, 0).ok())()
                .ok_or_else(unreadable)?;
            (time, bytes.len() == 16)
        }
        _ => return Err(unreadable()),
    };
    let local = DateTime::from_parts(date, time);
    let resolved = if utc {
        TimeZone::UTC.to_ambiguous_timestamp(local).compatible()
    } else {
        zone.to_ambiguous_timestamp(local).compatible()
    };
    resolved.map_err(|_| unreadable())
}

/// The rule in canonical order; with `end` (the zone, and whether the series is all-day), its
/// COUNT or UNTIL too.
pub(crate) fn print(rule: &Rule, end: Option<(&TimeZone, bool)>) -> String {
    let parts = rule.parts();
    let joined = |items: Vec<String>| items.join(",");
    let mut fields = vec![format!(
        "FREQ={}",
        parts.frequency.as_str().to_ascii_uppercase()
    )];
    if parts.interval != 1 {
        fields.push(format!("INTERVAL={}", parts.interval));
    }
    if !parts.by_month.is_empty() {
        fields.push(format!(
            "BYMONTH={}",
            joined(parts.by_month.iter().map(i8::to_string).collect())
        ));
    }
    if !parts.by_month_day.is_empty() {
        fields.push(format!(
            "BYMONTHDAY={}",
            joined(parts.by_month_day.iter().map(i8::to_string).collect())
        ));
    }
    if !parts.by_weekday.is_empty() {
        fields.push(format!(
            "BYDAY={}",
            joined(parts.by_weekday.iter().map(WeekdayNum::to_string).collect())
        ));
    }
    if !parts.by_set_position.is_empty() {
        fields.push(format!(
            "BYSETPOS={}",
            joined(parts.by_set_position.iter().map(i16::to_string).collect())
        ));
    }
    if parts.week_start != jiff::civil::Weekday::Monday {
        fields.push(format!("WKST={}", weekday_code(parts.week_start)));
    }
    if let Some((zone, all_day)) = end {
        match parts.end {
            End::Count(count) => fields.push(format!("COUNT={count}")),
            End::Until(until) if all_day => fields.push(format!(
                "UNTIL={}",
                zone.to_datetime(until).date().strftime("%Y%m%d")
            )),
            End::Until(until) => {
                fields.push(format!("UNTIL={}", until.strftime("%Y%m%dT%H%M%SZ")));
            }
            End::Never => {}
        }
    }
    fields.join(";")
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::Weekday;

    fn zone(name: &str) -> TimeZone {
        TimeZone::get(name).expect("known zone")
    }

    fn new_york() -> TimeZone {
        zone("America/New_York")
    }

    fn at(text: &str) -> Timestamp {
        text.parse().expect("valid timestamp")
    }

    fn parse_error(text: &str) -> String {
        match Rule::parse_rrule(text, &new_york()) {
            Err(RecurrenceError::Rrule(message)) => message,
            other => panic!("{text}: expected an RRULE error, got {other:?}"),
        }
    }

    fn round_trip(text: &str) -> String {
        Rule::parse_rrule(text, &new_york())
            .expect("valid rule")
            .to_rrule(&new_york(), false)
    }

    #[test]
    fn a_rule_reads_every_supported_part() {
        let rule = Rule::parse_rrule(
            "RRULE:FREQ=MONTHLY;INTERVAL=2;BYDAY=MO,-1FR;BYMONTHDAY=1,-1;BYMONTH=1,7;BYSETPOS=1,-1;\
             WKST=SU;COUNT=10",
            &new_york(),
        )
        .expect("valid rule");
        let parts = rule.parts();
        assert_eq!(parts.frequency, Frequency::Monthly);
        assert_eq!(parts.interval, 2);
        assert_eq!(
            parts.by_weekday,
            [
                WeekdayNum {
                    ordinal: None,
                    weekday: Weekday::Monday
                },
                WeekdayNum {
                    ordinal: Some(-1),
                    weekday: Weekday::Friday
                },
            ]
        );
        assert_eq!(parts.by_month_day, [-1, 1]);
        assert_eq!(parts.by_month, [1, 7]);
        assert_eq!(parts.by_set_position, [-1, 1]);
        assert_eq!(parts.week_start, Weekday::Sunday);
        assert_eq!(parts.end, End::Count(10));
    }

    #[test]
    fn names_and_enumerated_values_are_case_insensitive_and_the_prefix_optional() {
        assert_eq!(
            round_trip("rrule:freq=monthly;byday=mo,+2tu;wkst=su"),
            "FREQ=MONTHLY;BYDAY=MO,2TU;WKST=SU"
        );
        assert_eq!(round_trip("  FREQ=Daily;Count=2 "), "FREQ=DAILY;COUNT=2");
    }

    #[test]
    fn a_rule_without_count_or_until_never_ends() {
        let rule = Rule::parse_rrule("FREQ=DAILY", &new_york()).expect("valid rule");
        assert_eq!(rule.end(), End::Never);
    }

    #[test]
    fn a_utc_until_is_that_instant() {
        let rule =
            Rule::parse_rrule("FREQ=DAILY;UNTIL=19971224T000000Z", &new_york()).expect("valid");
        assert_eq!(rule.end(), End::Until(at("1997-12-24T00:00:00Z")));
    }

    #[test]
    fn a_local_until_is_read_on_the_zones_wall_clock() {
        let rule =
            Rule::parse_rrule("FREQ=DAILY;UNTIL=19971224T000000", &new_york()).expect("valid");
        assert_eq!(rule.end(), End::Until(at("1997-12-24T05:00:00Z")));
    }

    #[test]
    fn a_local_until_in_a_gap_moves_forward_by_the_gap() {
        // 02:30 did not exist in New York on 2026-03-08.
        let rule =
            Rule::parse_rrule("FREQ=DAILY;UNTIL=20260308T023000", &new_york()).expect("valid");
        assert_eq!(rule.end(), End::Until(at("2026-03-08T07:30:00Z")));
    }

    #[test]
    fn a_date_until_is_the_last_second_of_that_day_in_the_zone() {
        let rule = Rule::parse_rrule("FREQ=DAILY;UNTIL=19971224", &new_york()).expect("valid");
        assert_eq!(rule.end(), End::Until(at("1997-12-25T04:59:59Z")));
    }

    #[test]
    fn a_malformed_until_is_refused_with_the_forms_it_accepts() {
        for until in [
            "1997-12-24",
            "19971324",
            "19970230",
            "00001224",
            "19971224T240000Z",
            "19971224T000000+0100",
            "19971224X000000",
            "1997122",
            "",
        ] {
            let message = parse_error(&format!("FREQ=DAILY;UNTIL={until}"));
            assert!(
                message.starts_with(&format!("UNTIL={until}: use a date-time such as")),
                "{message}"
            );
        }
    }

    #[test]
    fn unsupported_parts_are_refused_by_name() {
        for name in UNSUPPORTED_PARTS {
            assert_eq!(
                parse_error(&format!("FREQ=YEARLY;{name}=1")),
                format!("{name} is not supported.")
            );
        }
        assert_eq!(
            parse_error("FREQ=YEARLY;byweekno=20"),
            "BYWEEKNO is not supported."
        );
    }

    #[test]
    fn frequencies_finer_than_daily_are_refused() {
        for finer in ["SECONDLY", "MINUTELY", "HOURLY"] {
            assert_eq!(
                parse_error(&format!("FREQ={finer}")),
                format!("FREQ={finer} is not supported: the finest frequency is DAILY.")
            );
        }
        assert_eq!(
            parse_error("FREQ=FORTNIGHTLY"),
            "FREQ=FORTNIGHTLY: use DAILY, WEEKLY, MONTHLY or YEARLY."
        );
    }

    #[test]
    fn unknown_names_are_refused() {
        assert_eq!(parse_error("FREQ=DAILY;FOO=1"), "FOO is not an RRULE part.");
        assert_eq!(
            parse_error("FREQ=DAILY;COUNT"),
            "\"COUNT\" is not an RRULE part: parts are NAME=VALUE, such as FREQ=WEEKLY."
        );
        assert_eq!(
            parse_error("FREQ=DAILY;;COUNT=2"),
            "An RRULE part is empty: parts are NAME=VALUE, separated by single semicolons."
        );
        assert_eq!(
            parse_error("FREQ=DAILY;"),
            "An RRULE part is empty: parts are NAME=VALUE, separated by single semicolons."
        );
    }

    #[test]
    fn a_repeated_part_is_refused() {
        assert_eq!(
            parse_error("FREQ=DAILY;COUNT=2;count=3"),
            "COUNT appears more than once."
        );
    }

    #[test]
    fn freq_is_required() {
        assert_eq!(
            parse_error("COUNT=2"),
            "FREQ is missing: every RRULE needs one, such as FREQ=WEEKLY."
        );
        assert_eq!(
            parse_error(""),
            "An RRULE part is empty: parts are NAME=VALUE, separated by single semicolons."
        );
    }

    #[test]
    fn count_and_until_together_are_refused() {
        assert_eq!(
            parse_error("FREQ=DAILY;COUNT=2;UNTIL=19971224T000000Z"),
            "COUNT and UNTIL cannot both be given: a rule ends one way."
        );
    }

    #[test]
    fn malformed_numbers_name_their_part() {
        let cases = [
            (
                "INTERVAL=two",
                "INTERVAL=two: the interval is a whole number from 1.",
            ),
            (
                "INTERVAL=-2",
                "INTERVAL=-2: the interval is a whole number from 1.",
            ),
            (
                "INTERVAL=0",
                "INTERVAL=0: Ensure this value is greater than or equal to 1.",
            ),
            ("COUNT=", "COUNT=: the count is a whole number from 1."),
            (
                "COUNT=0",
                "COUNT=0: Ensure this value is greater than or equal to 1.",
            ),
            (
                "COUNT=99999999999",
                "COUNT=99999999999: the count is a whole number from 1.",
            ),
        ];
        for (part, message) in cases {
            assert_eq!(parse_error(&format!("FREQ=DAILY;{part}")), message);
        }
    }

    #[test]
    fn values_out_of_range_reuse_the_rules_reasons() {
        let cases = [
            (
                "FREQ=YEARLY;BYMONTH=13",
                "BYMONTH=13: 13 is not a month: use 1 (January) to 12 (December).",
            ),
            (
                "FREQ=YEARLY;BYMONTH=1,x",
                "BYMONTH=1,x: x is not a month: use 1 (January) to 12 (December).",
            ),
            (
                "FREQ=MONTHLY;BYMONTHDAY=0",
                "BYMONTHDAY=0: 0 is not a day of the month: use 1 to 31, or -1 (the last day) to \
                 -31.",
            ),
            (
                "FREQ=MONTHLY;BYMONTHDAY=1000",
                "BYMONTHDAY=1000: 1000 is not a day of the month: use 1 to 31, or -1 (the last \
                 day) to -31.",
            ),
            (
                "FREQ=WEEKLY;BYMONTHDAY=1",
                "BYMONTHDAY=1: A weekly rule cannot use by_month_day.",
            ),
            (
                "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=400",
                "BYSETPOS=400: 400 is not a position in a set: use 1 to 366 (from the first), or \
                 -1 (the last) to -366.",
            ),
            (
                "FREQ=MONTHLY;BYSETPOS=1",
                "BYSETPOS=1: by_set_position needs by_weekday, by_month_day or by_month.",
            ),
            (
                "FREQ=MONTHLY;BYDAY=XY",
                "BYDAY=XY: \"XY\" is not a weekday: use MO, TU, WE, TH, FR, SA or SU, optionally \
                 after an ordinal such as 2TU or -1FR.",
            ),
            (
                "FREQ=MONTHLY;BYDAY=6MO",
                "BYDAY=6MO: \"6MO\" cannot occur: a month has at most 5 of each weekday, so a \
                 monthly ordinal is between 1 and 5 or -5 and -1.",
            ),
            (
                "FREQ=MONTHLY;BYDAY=",
                "BYDAY=: \"\" is not a weekday: use MO, TU, WE, TH, FR, SA or SU, optionally \
                 after an ordinal such as 2TU or -1FR.",
            ),
            (
                "FREQ=WEEKLY;WKST=XX",
                "WKST=XX: \"XX\" is not a weekday: use MO, TU, WE, TH, FR, SA or SU.",
            ),
        ];
        for (text, message) in cases {
            assert_eq!(parse_error(text), message, "{text}");
        }
    }

    #[test]
    fn a_rule_prints_its_parts_in_canonical_order() {
        assert_eq!(
            round_trip("COUNT=10;BYDAY=WE,MO;INTERVAL=2;FREQ=WEEKLY"),
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;COUNT=10"
        );
        assert_eq!(
            round_trip("WKST=SU;BYSETPOS=-1;BYDAY=FR;BYMONTHDAY=-1,1;BYMONTH=7,1;FREQ=YEARLY"),
            "FREQ=YEARLY;BYMONTH=1,7;BYMONTHDAY=-1,1;BYDAY=FR;BYSETPOS=-1;WKST=SU"
        );
    }

    #[test]
    fn interval_1_and_monday_weeks_are_left_out() {
        assert_eq!(round_trip("FREQ=DAILY;INTERVAL=1;WKST=MO"), "FREQ=DAILY");
    }

    #[test]
    fn a_timed_until_prints_in_utc_truncated_to_the_second() {
        let rule = Rule::new(RuleParts {
            end: End::Until(at("1997-12-24T04:59:59.999Z")),
            ..RuleParts::new(Frequency::Daily)
        })
        .expect("valid");
        assert_eq!(
            rule.to_rrule(&new_york(), false),
            "FREQ=DAILY;UNTIL=19971224T045959Z"
        );
    }

    #[test]
    fn an_all_day_until_prints_as_its_date_in_the_zone() {
        let rule = Rule::new(RuleParts {
            end: End::Until(at("1997-12-25T04:59:59Z")),
            ..RuleParts::new(Frequency::Daily)
        })
        .expect("valid");
        assert_eq!(
            rule.to_rrule(&new_york(), true),
            "FREQ=DAILY;UNTIL=19971224"
        );
        assert_eq!(
            Rule::parse_rrule(&rule.to_rrule(&new_york(), true), &new_york()),
            Ok(rule)
        );
    }

    #[test]
    fn the_pattern_leaves_out_the_end() {
        let rule =
            Rule::parse_rrule("FREQ=MONTHLY;BYDAY=-1FR;COUNT=3", &new_york()).expect("valid");
        assert_eq!(rule.pattern(), "FREQ=MONTHLY;BYDAY=-1FR");
        assert_eq!(
            Rule::parse_rrule(&rule.pattern(), &new_york())
                .and_then(|pattern| pattern.with_end(End::Count(3))),
            Ok(rule)
        );
    }
}
