//! The rule model: how often a series repeats and when it stops (RFC 5545 §3.3.10, restricted to
//! FREQ=DAILY|WEEKLY|MONTHLY with INTERVAL and one of COUNT or UNTIL).

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::RecurrenceError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Frequency {
    Daily,
    Weekly,
    Monthly,
}

impl Frequency {
    pub fn as_str(self) -> &'static str {
        match self {
            Frequency::Daily => "daily",
            Frequency::Weekly => "weekly",
            Frequency::Monthly => "monthly",
        }
    }
}

impl std::str::FromStr for Frequency {
    type Err = RecurrenceError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "daily" => Ok(Frequency::Daily),
            "weekly" => Ok(Frequency::Weekly),
            "monthly" => Ok(Frequency::Monthly),
            other => Err(RecurrenceError::UnknownFrequency(other.to_owned())),
        }
    }
}

impl std::fmt::Display for Frequency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// When a series stops: after `Count` occurrences (the first included), or with the last
/// occurrence starting at or before `Until` (inclusive, as RFC 5545's UNTIL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    Count(u32),
    Until(Timestamp),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub frequency: Frequency,
    pub interval: u32,
    pub end: End,
}

impl Rule {
    /// Checks, in this order: interval ≥ 1, exactly one of count and until, count ≥ 1.
    pub fn new(
        frequency: Frequency,
        interval: u32,
        count: Option<u32>,
        until: Option<Timestamp>,
    ) -> Result<Rule, RecurrenceError> {
        if interval < 1 {
            return Err(RecurrenceError::IntervalTooSmall);
        }
        let end = match (count, until) {
            (Some(_), Some(_)) => return Err(RecurrenceError::CountAndUntil),
            (None, None) => return Err(RecurrenceError::NeitherCountNorUntil),
            (Some(0), None) => return Err(RecurrenceError::CountTooSmall),
            (Some(count), None) => End::Count(count),
            (None, Some(until)) => End::Until(until),
        };
        Ok(Rule {
            frequency,
            interval,
            end,
        })
    }

    /// The rule in words: "Every 2 weeks on Monday, 10 times".
    pub fn describe(&self, start: Timestamp, zone: &TimeZone) -> String {
        let local = zone.to_datetime(start);
        let cadence = match (self.frequency, self.interval) {
            (Frequency::Daily, 1) => "Daily".to_owned(),
            (Frequency::Daily, n) => format!("Every {n} days"),
            (Frequency::Weekly, 1) => format!("Weekly on {}", weekday_name(local.date().weekday())),
            (Frequency::Weekly, n) => format!(
                "Every {n} weeks on {}",
                weekday_name(local.date().weekday())
            ),
            (Frequency::Monthly, 1) => format!("Monthly on day {}", local.date().day()),
            (Frequency::Monthly, n) => format!("Every {n} months on day {}", local.date().day()),
        };
        match self.end {
            End::Count(1) => format!("{cadence}, once"),
            End::Count(count) => format!("{cadence}, {count} times"),
            End::Until(until) => format!("{cadence}, until {}", zone.to_datetime(until).date()),
        }
    }
}

fn weekday_name(weekday: jiff::civil::Weekday) -> &'static str {
    use jiff::civil::Weekday;
    match weekday {
        Weekday::Monday => "Monday",
        Weekday::Tuesday => "Tuesday",
        Weekday::Wednesday => "Wednesday",
        Weekday::Thursday => "Thursday",
        Weekday::Friday => "Friday",
        Weekday::Saturday => "Saturday",
        Weekday::Sunday => "Sunday",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().expect("valid timestamp")
    }

    #[test]
    fn frequencies_parse_from_their_lowercase_names_only() {
        assert_eq!("weekly".parse::<Frequency>(), Ok(Frequency::Weekly));
        assert_eq!(
            "Weekly".parse::<Frequency>(),
            Err(RecurrenceError::UnknownFrequency("Weekly".into()))
        );
        assert_eq!(Frequency::Monthly.to_string(), "monthly");
    }

    #[test]
    fn a_rule_needs_exactly_one_end_and_positive_numbers() {
        let until = Some(at("2026-12-31T00:00:00Z"));
        assert_eq!(
            Rule::new(Frequency::Daily, 0, Some(3), None),
            Err(RecurrenceError::IntervalTooSmall)
        );
        assert_eq!(
            Rule::new(Frequency::Daily, 1, Some(3), until),
            Err(RecurrenceError::CountAndUntil)
        );
        assert_eq!(
            Rule::new(Frequency::Daily, 1, None, None),
            Err(RecurrenceError::NeitherCountNorUntil)
        );
        assert_eq!(
            Rule::new(Frequency::Daily, 1, Some(0), None),
            Err(RecurrenceError::CountTooSmall)
        );
        assert!(Rule::new(Frequency::Daily, 1, None, until).is_ok());
    }

    #[test]
    fn errors_name_their_fields() {
        assert_eq!(
            RecurrenceError::TooManyOccurrences {
                max: 5,
                by_count: true
            }
            .field(),
            "count"
        );
        assert_eq!(
            RecurrenceError::TooManyOccurrences {
                max: 5,
                by_count: false
            }
            .field(),
            "end_date"
        );
        assert_eq!(RecurrenceError::CountAndUntil.field(), "non_field_errors");
        assert_eq!(
            RecurrenceError::UnknownTimeZone("x".into()).field(),
            "timezone"
        );
    }

    #[test]
    fn rules_describe_themselves_in_words() {
        let zone = TimeZone::get("Europe/Berlin").expect("zone");
        let monday = at("2026-03-02T08:00:00Z");
        let every_two_weeks = Rule::new(Frequency::Weekly, 2, Some(10), None).expect("valid");
        assert_eq!(
            every_two_weeks.describe(monday, &zone),
            "Every 2 weeks on Monday, 10 times"
        );
        let monthly = Rule::new(
            Frequency::Monthly,
            1,
            None,
            Some(at("2026-12-31T12:00:00Z")),
        )
        .expect("valid");
        assert_eq!(
            monthly.describe(monday, &zone),
            "Monthly on day 2, until 2026-12-31"
        );
        let daily = Rule::new(Frequency::Daily, 1, Some(1), None).expect("valid");
        assert_eq!(daily.describe(monday, &zone), "Daily, once");
    }
}
