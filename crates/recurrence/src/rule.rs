//! The rule model: how often a series repeats and when it stops (RFC 5545 §3.3.10, restricted to
//! FREQ=DAILY|WEEKLY|MONTHLY with INTERVAL and one of COUNT or UNTIL).

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::RecurrenceError;

/// The unit a series advances by (RFC 5545 FREQ); named in the API by [`Frequency::as_str`].
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

/// Every `interval` days, weeks or months from the event's start, until `end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub frequency: Frequency,
    pub interval: u32,
    pub end: End,
}

impl Rule {
    /// Checks, in this order: interval ≥ 1, exactly one of count and until, count ≥ 1; the first
    /// problem found is returned.
    pub fn new(
        frequency: Frequency,
        interval: u32,
        count: Option<u32>,
        until: Option<Timestamp>,
    ) -> Result<Rule, RecurrenceError> {
        check_interval(interval)?;
        let end = match (count, until) {
            (Some(_), Some(_)) => return Err(RecurrenceError::CountAndUntil),
            (None, None) => return Err(RecurrenceError::NeitherCountNorUntil),
            (Some(count), None) => End::Count(count),
            (None, Some(until)) => End::Until(until),
        };
        let rule = Rule {
            frequency,
            interval,
            end,
        };
        rule.check()?;
        Ok(rule)
    }

    /// What [`Rule::new`] guarantees, re-checked by expansion because the fields are public and a
    /// rule built from them directly could repeat forever in place (interval 0) or not at all.
    pub(crate) fn check(&self) -> Result<(), RecurrenceError> {
        check_interval(self.interval)?;
        match self.end {
            End::Count(0) => Err(RecurrenceError::CountTooSmall),
            End::Count(_) | End::Until(_) => Ok(()),
        }
    }

    /// The rule in words, with weekday, day and until date read on the event's wall clock in
    /// `zone`: "Every 2 weeks on Monday, 10 times", "Monthly on day 31, until 2026-12-31",
    /// "Daily, once".
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

fn check_interval(interval: u32) -> Result<(), RecurrenceError> {
    if interval < 1 {
        return Err(RecurrenceError::IntervalTooSmall);
    }
    Ok(())
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

    fn berlin() -> TimeZone {
        TimeZone::get("Europe/Berlin").expect("zone")
    }

    #[test]
    fn frequencies_parse_from_their_lowercase_names_only() {
        for frequency in [Frequency::Daily, Frequency::Weekly, Frequency::Monthly] {
            assert_eq!(frequency.as_str().parse::<Frequency>(), Ok(frequency));
            assert_eq!(frequency.to_string(), frequency.as_str());
        }
        for text in ["Weekly", "DAILY", " monthly", "", "yearly"] {
            assert_eq!(
                text.parse::<Frequency>(),
                Err(RecurrenceError::UnknownFrequency(text.into()))
            );
        }
    }

    #[test]
    fn an_unknown_frequency_is_reported_like_a_bad_choice() {
        let error = "yearly"
            .parse::<Frequency>()
            .expect_err("yearly is not offered");
        assert_eq!(error.to_string(), "\"yearly\" is not a valid choice.");
        assert_eq!(error.field(), "frequency");
    }

    #[test]
    fn a_rule_reports_the_first_problem_in_a_fixed_order() {
        let until = Some(at("2026-12-31T00:00:00Z"));
        assert_eq!(
            Rule::new(Frequency::Daily, 0, Some(0), until),
            Err(RecurrenceError::IntervalTooSmall)
        );
        assert_eq!(
            Rule::new(Frequency::Daily, 1, Some(0), until),
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
    }

    #[test]
    fn a_valid_rule_keeps_its_parts() {
        let until = at("2026-12-31T00:00:00Z");
        assert_eq!(
            Rule::new(Frequency::Weekly, 2, None, Some(until)),
            Ok(Rule {
                frequency: Frequency::Weekly,
                interval: 2,
                end: End::Until(until)
            })
        );
        assert_eq!(
            Rule::new(Frequency::Monthly, 1, Some(1), None).map(|rule| rule.end),
            Ok(End::Count(1))
        );
    }

    #[test]
    fn every_error_names_its_field_and_says_what_is_wrong() {
        let cases = [
            (
                RecurrenceError::EndBeforeStart,
                "end_date",
                "The end must not be before the start.",
            ),
            (
                RecurrenceError::IntervalTooSmall,
                "interval",
                "Ensure this value is greater than or equal to 1.",
            ),
            (
                RecurrenceError::CountTooSmall,
                "count",
                "Ensure this value is greater than or equal to 1.",
            ),
            (
                RecurrenceError::CountAndUntil,
                "non_field_errors",
                "Use either end_date or count, not both.",
            ),
            (
                RecurrenceError::NeitherCountNorUntil,
                "non_field_errors",
                "A recurrence needs either end_date or count.",
            ),
            (
                RecurrenceError::UntilNotAfterStart,
                "end_date",
                "The recurrence must end after the event starts.",
            ),
            (
                RecurrenceError::TooManyOccurrences {
                    max: 5000,
                    by_count: true,
                },
                "count",
                "This series would have more than 5000 occurrences.",
            ),
            (
                RecurrenceError::TooManyOccurrences {
                    max: 5000,
                    by_count: false,
                },
                "end_date",
                "This series would have more than 5000 occurrences.",
            ),
            (
                RecurrenceError::UnknownFrequency("yearly".into()),
                "frequency",
                "\"yearly\" is not a valid choice.",
            ),
            (
                RecurrenceError::UnknownTimeZone("Mars/Base".into()),
                "timezone",
                "\"Mars/Base\" is not a known IANA time zone.",
            ),
            (
                RecurrenceError::IterationLimit,
                "non_field_errors",
                "This series repeats too sparsely to expand.",
            ),
        ];
        for (error, field, message) in cases {
            assert_eq!(
                (error.field(), error.to_string().as_str()),
                (field, message)
            );
        }
    }

    #[test]
    fn rules_describe_their_cadence_in_words() {
        let utc = TimeZone::UTC;
        let monday_the_15th = at("2026-06-15T09:00:00Z");
        let saturday_the_31st = at("2026-01-31T09:00:00Z");
        let cases = [
            (Frequency::Daily, 1, monday_the_15th, "Daily"),
            (Frequency::Daily, 3, monday_the_15th, "Every 3 days"),
            (Frequency::Weekly, 1, monday_the_15th, "Weekly on Monday"),
            (
                Frequency::Weekly,
                2,
                monday_the_15th,
                "Every 2 weeks on Monday",
            ),
            (
                Frequency::Weekly,
                1,
                saturday_the_31st,
                "Weekly on Saturday",
            ),
            (
                Frequency::Monthly,
                1,
                saturday_the_31st,
                "Monthly on day 31",
            ),
            (
                Frequency::Monthly,
                6,
                monday_the_15th,
                "Every 6 months on day 15",
            ),
        ];
        for (frequency, interval, start, cadence) in cases {
            let rule = Rule::new(frequency, interval, Some(10), None).expect("valid");
            assert_eq!(rule.describe(start, &utc), format!("{cadence}, 10 times"));
        }
    }

    #[test]
    fn a_single_occurrence_is_described_as_once() {
        let rule = Rule::new(Frequency::Daily, 1, Some(1), None).expect("valid");
        assert_eq!(
            rule.describe(at("2026-03-02T08:00:00Z"), &berlin()),
            "Daily, once"
        );
    }

    #[test]
    fn weekday_day_and_until_are_read_on_the_events_wall_clock() {
        // 23:30 UTC on Sunday 2026-03-01 is already Monday the 2nd in Berlin, and an until at
        // 23:30 UTC on New Year's Eve is New Year's Day there.
        let start = at("2026-03-01T23:30:00Z");
        let until = Some(at("2026-12-31T23:30:00Z"));
        let weekly = Rule::new(Frequency::Weekly, 1, None, until).expect("valid");
        assert_eq!(
            weekly.describe(start, &TimeZone::UTC),
            "Weekly on Sunday, until 2026-12-31"
        );
        assert_eq!(
            weekly.describe(start, &berlin()),
            "Weekly on Monday, until 2027-01-01"
        );
        let monthly = Rule::new(Frequency::Monthly, 1, None, until).expect("valid");
        assert_eq!(
            monthly.describe(start, &berlin()),
            "Monthly on day 2, until 2027-01-01"
        );
    }
}
