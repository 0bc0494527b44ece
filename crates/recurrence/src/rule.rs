//! The rule model (RFC 5545 §3.3.10, the subset Almanac supports): its parts, their validation
//! and their canonical form.

use jiff::Timestamp;
use jiff::civil::Weekday;
use jiff::tz::TimeZone;

use crate::{RecurrenceError, RulePart};

/// The unit a series advances by (RFC 5545 FREQ); named in the API by [`Frequency::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Frequency {
    Daily,
    Weekly,
    Monthly,
    Yearly,
}

impl Frequency {
    pub fn as_str(self) -> &'static str {
        match self {
            Frequency::Daily => "daily",
            Frequency::Weekly => "weekly",
            Frequency::Monthly => "monthly",
            Frequency::Yearly => "yearly",
        }
    }
}

impl std::fmt::Display for Frequency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Frequency {
    type Err = RecurrenceError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "daily" => Ok(Frequency::Daily),
            "weekly" => Ok(Frequency::Weekly),
            "monthly" => Ok(Frequency::Monthly),
            "yearly" => Ok(Frequency::Yearly),
            other => Err(RecurrenceError::UnknownFrequency(other.to_owned())),
        }
    }
}

/// One BYDAY entry: a weekday, with an ordinal within the month or year for monthly and yearly
/// rules (`2TU`, the second Tuesday; `-1FR`, the last Friday).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WeekdayNum {
    pub ordinal: Option<i8>,
    pub weekday: Weekday,
}

/// Every weekday, Monday first (the order in which rules list them).
pub(crate) const WEEKDAYS: [Weekday; 7] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
    Weekday::Friday,
    Weekday::Saturday,
    Weekday::Sunday,
];

/// The largest ordinal RFC 5545 allows in BYDAY (a year has at most 53 of each weekday).
const MAX_ORDINAL: i8 = 53;

/// RFC 5545's two-letter name of a weekday.
pub(crate) fn weekday_code(weekday: Weekday) -> &'static str {
    match weekday {
        Weekday::Monday => "MO",
        Weekday::Tuesday => "TU",
        Weekday::Wednesday => "WE",
        Weekday::Thursday => "TH",
        Weekday::Friday => "FR",
        Weekday::Saturday => "SA",
        Weekday::Sunday => "SU",
    }
}

/// A two-letter weekday (`MO`…`SU`), in any case.
pub(crate) fn parse_weekday_code(text: &str) -> Option<Weekday> {
    WEEKDAYS
        .into_iter()
        .find(|day| weekday_code(*day).eq_ignore_ascii_case(text))
}

impl std::fmt::Display for WeekdayNum {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(ordinal) = self.ordinal {
            write!(f, "{ordinal}")?;
        }
        f.write_str(weekday_code(self.weekday))
    }
}

impl std::str::FromStr for WeekdayNum {
    type Err = RecurrenceError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let not_a_weekday = || RecurrenceError::InvalidPart {
            part: RulePart::ByWeekday,
            reason: format!(
                "\"{text}\" is not a weekday: use MO, TU, WE, TH, FR, SA or SU, optionally after \
                 an ordinal such as 2TU or -1FR."
            ),
        };
        // The weekday is the last two characters; everything before them is the ordinal.
        let split = text
            .char_indices()
            .rev()
            .nth(1)
            .map_or(0, |(index, _)| index);
        let (ordinal_text, code) = text.split_at(split);
        let weekday = parse_weekday_code(code).ok_or_else(not_a_weekday)?;
        if ordinal_text.is_empty() {
            return Ok(WeekdayNum {
                ordinal: None,
                weekday,
            });
        }
        let digits = ordinal_text
            .strip_prefix(['+', '-'])
            .unwrap_or(ordinal_text);
        if digits.is_empty() || digits.len() > 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(not_a_weekday());
        }
        let ordinal: i8 = ordinal_text
            .trim_start_matches('+')
            .parse()
            .map_err(|_| not_a_weekday())?;
        let weekday_num = WeekdayNum {
            ordinal: Some(ordinal),
            weekday,
        };
        check_ordinal_range(weekday_num)?;
        Ok(weekday_num)
    }
}

/// An ordinal names the n-th weekday from the start (1..=53) or the end (-53..=-1).
fn check_ordinal_range(weekday_num: WeekdayNum) -> Result<(), RecurrenceError> {
    match weekday_num.ordinal {
        Some(ordinal) if ordinal == 0 || ordinal.unsigned_abs() > MAX_ORDINAL.unsigned_abs() => {
            Err(RecurrenceError::InvalidPart {
                part: RulePart::ByWeekday,
                reason: format!(
                    "\"{weekday_num}\" has the ordinal {ordinal}: an ordinal is between 1 and 53 \
                     (from the start) or -53 and -1 (from the end)."
                ),
            })
        }
        _ => Ok(()),
    }
}

/// When a series stops: after `Count` occurrences (the first included), with the last
/// occurrence starting at or before `Until` (inclusive, as RFC 5545's UNTIL), or never.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    Count(u32),
    Until(Timestamp),
    Never,
}

/// A rule as written, not yet validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleParts {
    pub frequency: Frequency,
    pub interval: u32,
    pub by_weekday: Vec<WeekdayNum>,
    pub by_month_day: Vec<i8>,
    pub by_month: Vec<i8>,
    pub by_set_position: Vec<i16>,
    pub week_start: Weekday,
    pub end: End,
}

impl RuleParts {
    /// Every period of `frequency`, forever: interval 1, no BY parts, weeks starting on Monday.
    pub fn new(frequency: Frequency) -> RuleParts {
        RuleParts {
            frequency,
            interval: 1,
            by_weekday: Vec::new(),
            by_month_day: Vec::new(),
            by_month: Vec::new(),
            by_set_position: Vec::new(),
            week_start: Weekday::Monday,
            end: End::Never,
        }
    }
}

/// A validated rule in canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    parts: RuleParts,
}

impl Rule {
    /// Checks the parts (the first problem found is returned, in the order of the fields), then
    /// sorts and deduplicates every list so that equal rules compare equal and print alike.
    pub fn new(parts: RuleParts) -> Result<Rule, RecurrenceError> {
        check(&parts)?;
        Ok(Rule {
            parts: canonical(parts),
        })
    }

    pub fn parts(&self) -> &RuleParts {
        &self.parts
    }

    pub fn end(&self) -> End {
        self.parts.end
    }

    pub fn with_end(&self, end: End) -> Result<Rule, RecurrenceError> {
        Rule::new(RuleParts {
            end,
            ..self.parts.clone()
        })
    }

    pub fn parse_rrule(text: &str, zone: &TimeZone) -> Result<Rule, RecurrenceError> {
        crate::rrule::parse(text, zone)
    }

    pub fn to_rrule(&self, zone: &TimeZone, all_day: bool) -> String {
        crate::rrule::print(self, Some((zone, all_day)))
    }

    pub fn pattern(&self) -> String {
        crate::rrule::print(self, None)
    }
}

fn invalid(part: RulePart, reason: String) -> RecurrenceError {
    RecurrenceError::InvalidPart { part, reason }
}

fn check(parts: &RuleParts) -> Result<(), RecurrenceError> {
    if parts.interval < 1 {
        return Err(RecurrenceError::IntervalTooSmall);
    }
    if parts.end == End::Count(0) {
        return Err(RecurrenceError::CountTooSmall);
    }
    let period_has_ordinals = matches!(parts.frequency, Frequency::Monthly | Frequency::Yearly);
    for &weekday_num in &parts.by_weekday {
        check_ordinal_range(weekday_num)?;
        let Some(ordinal) = weekday_num.ordinal else {
            continue;
        };
        // RFC 5545 §3.3.10: "The BYDAY rule part MUST NOT be specified with a numeric value when
        // the FREQ rule part is not set to MONTHLY or YEARLY."
        if !period_has_ordinals {
            return Err(invalid(
                RulePart::ByWeekday,
                format!(
                    "Ordinals such as 2TU need a monthly or yearly rule, so \"{weekday_num}\" \
                     cannot be used in a {} rule.",
                    parts.frequency
                ),
            ));
        }
        // No month has a sixth of any weekday.
        if parts.frequency == Frequency::Monthly && ordinal.unsigned_abs() > 5 {
            return Err(invalid(
                RulePart::ByWeekday,
                format!(
                    "\"{weekday_num}\" cannot occur: a month has at most 5 of each weekday, so a \
                     monthly ordinal is between 1 and 5 or -5 and -1."
                ),
            ));
        }
    }
    for &day in &parts.by_month_day {
        if day == 0 || day.unsigned_abs() > 31 {
            return Err(invalid(
                RulePart::ByMonthDay,
                format!(
                    "{day} is not a day of the month: use 1 to 31, or -1 (the last day) to -31."
                ),
            ));
        }
    }
    // RFC 5545 §3.3.10: "The BYMONTHDAY rule part MUST NOT be specified when the FREQ rule part
    // is set to WEEKLY."
    if parts.frequency == Frequency::Weekly && !parts.by_month_day.is_empty() {
        return Err(invalid(
            RulePart::ByMonthDay,
            "A weekly rule cannot use by_month_day.".to_owned(),
        ));
    }
    for &month in &parts.by_month {
        if !(1..=12).contains(&month) {
            return Err(invalid(
                RulePart::ByMonth,
                format!("{month} is not a month: use 1 (January) to 12 (December)."),
            ));
        }
    }
    for &position in &parts.by_set_position {
        if position == 0 || position.unsigned_abs() > 366 {
            return Err(invalid(
                RulePart::BySetPosition,
                format!(
                    "{position} is not a position in a set: use 1 to 366 (from the first), or -1 \
                     (the last) to -366."
                ),
            ));
        }
    }
    // RFC 5545 §3.3.10: BYSETPOS "MUST only be used in conjunction with another BYxxx rule part".
    if !parts.by_set_position.is_empty()
        && parts.by_weekday.is_empty()
        && parts.by_month_day.is_empty()
        && parts.by_month.is_empty()
    {
        return Err(invalid(
            RulePart::BySetPosition,
            "by_set_position needs by_weekday, by_month_day or by_month.".to_owned(),
        ));
    }
    Ok(())
}

/// The order in which weekdays are listed: Monday first, and a plain weekday before its ordinals.
fn weekday_order(weekday_num: &WeekdayNum) -> (i8, Option<i8>) {
    (
        weekday_num.weekday.to_monday_zero_offset(),
        weekday_num.ordinal,
    )
}

fn canonical(mut parts: RuleParts) -> RuleParts {
    parts.by_weekday.sort_by_key(weekday_order);
    parts.by_weekday.dedup();
    parts.by_month_day.sort_unstable();
    parts.by_month_day.dedup();
    parts.by_month.sort_unstable();
    parts.by_month.dedup();
    parts.by_set_position.sort_unstable();
    parts.by_set_position.dedup();
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weekly() -> RuleParts {
        RuleParts::new(Frequency::Weekly)
    }

    fn reason(error: RecurrenceError) -> (RulePart, String) {
        match error {
            RecurrenceError::InvalidPart { part, reason } => (part, reason),
            other => panic!("expected an invalid part, got {other:?}"),
        }
    }

    fn day(ordinal: Option<i8>, weekday: Weekday) -> WeekdayNum {
        WeekdayNum { ordinal, weekday }
    }

    #[test]
    fn frequencies_parse_from_their_lowercase_names_only() {
        for frequency in [
            Frequency::Daily,
            Frequency::Weekly,
            Frequency::Monthly,
            Frequency::Yearly,
        ] {
            assert_eq!(frequency.as_str().parse::<Frequency>(), Ok(frequency));
            assert_eq!(frequency.to_string(), frequency.as_str());
        }
        for text in ["Weekly", "DAILY", " monthly", "", "hourly"] {
            assert_eq!(
                text.parse::<Frequency>(),
                Err(RecurrenceError::UnknownFrequency(text.into()))
            );
        }
    }

    #[test]
    fn an_unknown_frequency_is_reported_like_a_bad_choice() {
        let error = "hourly".parse::<Frequency>().expect_err("not offered");
        assert_eq!(error.to_string(), "\"hourly\" is not a valid choice.");
    }

    #[test]
    fn weekdays_parse_in_any_case_with_an_optional_signed_ordinal() {
        let cases = [
            ("MO", day(None, Weekday::Monday)),
            ("su", day(None, Weekday::Sunday)),
            ("2TU", day(Some(2), Weekday::Tuesday)),
            ("+2tu", day(Some(2), Weekday::Tuesday)),
            ("-1FR", day(Some(-1), Weekday::Friday)),
            ("53sa", day(Some(53), Weekday::Saturday)),
            ("-53SA", day(Some(-53), Weekday::Saturday)),
        ];
        for (text, expected) in cases {
            assert_eq!(text.parse::<WeekdayNum>(), Ok(expected), "{text}");
        }
    }

    #[test]
    fn weekdays_print_with_their_ordinal_and_without_a_plus_sign() {
        assert_eq!(
            "+2TU".parse::<WeekdayNum>().map(|d| d.to_string()),
            Ok("2TU".into())
        );
        assert_eq!(day(Some(-1), Weekday::Friday).to_string(), "-1FR");
        assert_eq!(day(None, Weekday::Wednesday).to_string(), "WE");
    }

    #[test]
    fn a_bad_weekday_is_refused_with_a_sentence_naming_it() {
        let (part, message) = reason("XY".parse::<WeekdayNum>().expect_err("not a weekday"));
        assert_eq!(part, RulePart::ByWeekday);
        assert_eq!(
            message,
            "\"XY\" is not a weekday: use MO, TU, WE, TH, FR, SA or SU, optionally after an \
             ordinal such as 2TU or -1FR."
        );
        for text in [
            "", "M", "MON", "2", "+TU", "--1FR", "1.5MO", "123MO", " MO", "2 TU", "éMO",
        ] {
            assert!(text.parse::<WeekdayNum>().is_err(), "{text:?}");
        }
    }

    #[test]
    fn an_ordinal_is_between_1_and_53_in_magnitude() {
        for text in ["0MO", "+0MO", "-0MO", "54MO", "-54MO", "99MO"] {
            let (part, message) = reason(text.parse::<WeekdayNum>().expect_err("out of range"));
            assert_eq!(part, RulePart::ByWeekday);
            assert!(
                message.contains("an ordinal is between 1 and 53"),
                "{message}"
            );
        }
    }

    #[test]
    fn new_parts_repeat_every_period_forever_with_monday_weeks() {
        assert_eq!(
            RuleParts::new(Frequency::Monthly),
            RuleParts {
                frequency: Frequency::Monthly,
                interval: 1,
                by_weekday: vec![],
                by_month_day: vec![],
                by_month: vec![],
                by_set_position: vec![],
                week_start: Weekday::Monday,
                end: End::Never,
            }
        );
    }

    #[test]
    fn a_rule_reports_the_first_problem_in_a_fixed_order() {
        let mut parts = RuleParts {
            interval: 0,
            end: End::Count(0),
            by_month: vec![13],
            ..weekly()
        };
        assert_eq!(
            Rule::new(parts.clone()),
            Err(RecurrenceError::IntervalTooSmall)
        );
        parts.interval = 1;
        assert_eq!(
            Rule::new(parts.clone()),
            Err(RecurrenceError::CountTooSmall)
        );
        parts.end = End::Count(1);
        assert_eq!(
            reason(Rule::new(parts).expect_err("bad month")).0,
            RulePart::ByMonth
        );
    }

    #[test]
    fn ordinals_need_a_monthly_or_yearly_rule() {
        for frequency in [Frequency::Daily, Frequency::Weekly] {
            let parts = RuleParts {
                by_weekday: vec![day(Some(2), Weekday::Tuesday)],
                ..RuleParts::new(frequency)
            };
            let (part, message) = reason(Rule::new(parts).expect_err("no ordinals"));
            assert_eq!(part, RulePart::ByWeekday);
            assert!(
                message.starts_with("Ordinals such as 2TU need a monthly or yearly rule"),
                "{message}"
            );
            assert!(message.contains("\"2TU\""), "{message}");
        }
        for frequency in [Frequency::Monthly, Frequency::Yearly] {
            let parts = RuleParts {
                by_weekday: vec![day(Some(-1), Weekday::Friday)],
                ..RuleParts::new(frequency)
            };
            assert!(Rule::new(parts).is_ok());
        }
    }

    #[test]
    fn a_monthly_ordinal_is_at_most_5_in_magnitude_but_a_yearly_one_up_to_53() {
        let monthly = |ordinal| RuleParts {
            by_weekday: vec![day(Some(ordinal), Weekday::Monday)],
            ..RuleParts::new(Frequency::Monthly)
        };
        assert!(Rule::new(monthly(5)).is_ok());
        assert!(Rule::new(monthly(-5)).is_ok());
        for ordinal in [6, -6, 53] {
            let (part, message) = reason(Rule::new(monthly(ordinal)).expect_err("no 6th"));
            assert_eq!(part, RulePart::ByWeekday);
            assert!(message.contains("at most 5"), "{message}");
        }
        let yearly = RuleParts {
            by_weekday: vec![day(Some(-53), Weekday::Monday)],
            ..RuleParts::new(Frequency::Yearly)
        };
        assert!(Rule::new(yearly).is_ok());
    }

    #[test]
    fn an_ordinal_built_by_hand_is_still_checked() {
        let parts = RuleParts {
            by_weekday: vec![day(Some(0), Weekday::Monday)],
            ..RuleParts::new(Frequency::Yearly)
        };
        assert_eq!(
            reason(Rule::new(parts).expect_err("zero")).0,
            RulePart::ByWeekday
        );
    }

    #[test]
    fn month_days_are_1_to_31_or_minus_1_to_minus_31() {
        let monthly = |day| RuleParts {
            by_month_day: vec![day],
            ..RuleParts::new(Frequency::Monthly)
        };
        for good in [1, 31, -1, -31] {
            assert!(Rule::new(monthly(good)).is_ok(), "{good}");
        }
        for bad in [0, 32, -32] {
            let (part, message) = reason(Rule::new(monthly(bad)).expect_err("out of range"));
            assert_eq!(part, RulePart::ByMonthDay);
            assert_eq!(
                message,
                format!(
                    "{bad} is not a day of the month: use 1 to 31, or -1 (the last day) to -31."
                )
            );
        }
    }

    #[test]
    fn a_weekly_rule_cannot_use_month_days() {
        let parts = RuleParts {
            by_month_day: vec![15],
            ..weekly()
        };
        assert_eq!(
            reason(Rule::new(parts).expect_err("weekly")),
            (
                RulePart::ByMonthDay,
                "A weekly rule cannot use by_month_day.".to_owned()
            )
        );
    }

    #[test]
    fn months_are_1_to_12() {
        for bad in [0, 13, -1] {
            let parts = RuleParts {
                by_month: vec![bad],
                ..RuleParts::new(Frequency::Yearly)
            };
            let (part, message) = reason(Rule::new(parts).expect_err("not a month"));
            assert_eq!(part, RulePart::ByMonth);
            assert!(
                message.starts_with(&format!("{bad} is not a month")),
                "{message}"
            );
        }
    }

    #[test]
    fn set_positions_are_1_to_366_or_minus_1_to_minus_366() {
        let with = |position| RuleParts {
            by_month: vec![1],
            by_set_position: vec![position],
            ..RuleParts::new(Frequency::Yearly)
        };
        for good in [1, 366, -1, -366] {
            assert!(Rule::new(with(good)).is_ok(), "{good}");
        }
        for bad in [0, 367, -367] {
            let (part, message) = reason(Rule::new(with(bad)).expect_err("out of range"));
            assert_eq!(part, RulePart::BySetPosition);
            assert!(
                message.starts_with(&format!("{bad} is not a position")),
                "{message}"
            );
        }
    }

    #[test]
    fn a_set_position_needs_another_by_part() {
        let alone = RuleParts {
            by_set_position: vec![1],
            ..RuleParts::new(Frequency::Monthly)
        };
        assert_eq!(
            reason(Rule::new(alone.clone()).expect_err("alone")),
            (
                RulePart::BySetPosition,
                "by_set_position needs by_weekday, by_month_day or by_month.".to_owned()
            )
        );
        for with_another in [
            RuleParts {
                by_month: vec![1],
                ..alone.clone()
            },
            RuleParts {
                by_month_day: vec![1],
                ..alone.clone()
            },
            RuleParts {
                by_weekday: vec![day(None, Weekday::Monday)],
                ..alone
            },
        ] {
            assert!(Rule::new(with_another).is_ok());
        }
    }

    #[test]
    fn a_rule_sorts_and_deduplicates_its_lists() {
        let rule = Rule::new(RuleParts {
            by_weekday: vec![
                day(Some(-1), Weekday::Friday),
                day(None, Weekday::Sunday),
                day(Some(2), Weekday::Monday),
                day(None, Weekday::Monday),
                day(Some(-1), Weekday::Monday),
                day(Some(2), Weekday::Monday),
            ],
            by_month_day: vec![15, -1, 1, 15],
            by_month: vec![12, 3, 3],
            by_set_position: vec![-1, 2, 1, -1],
            ..RuleParts::new(Frequency::Yearly)
        })
        .expect("valid");
        let parts = rule.parts();
        let by_weekday: Vec<String> = parts.by_weekday.iter().map(|d| d.to_string()).collect();
        assert_eq!(by_weekday, ["MO", "-1MO", "2MO", "-1FR", "SU"]);
        assert_eq!(parts.by_month_day, [-1, 1, 15]);
        assert_eq!(parts.by_month, [3, 12]);
        assert_eq!(parts.by_set_position, [-1, 1, 2]);
    }

    #[test]
    fn with_end_changes_only_the_end_and_revalidates_it() {
        let rule = Rule::new(RuleParts {
            interval: 2,
            by_weekday: vec![day(None, Weekday::Monday)],
            ..weekly()
        })
        .expect("valid");
        let counted = rule.with_end(End::Count(5)).expect("valid count");
        assert_eq!(counted.end(), End::Count(5));
        assert_eq!(
            RuleParts {
                end: End::Never,
                ..counted.parts().clone()
            },
            *rule.parts()
        );
        assert_eq!(
            rule.with_end(End::Count(0)),
            Err(RecurrenceError::CountTooSmall)
        );
    }
}
