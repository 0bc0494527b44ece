//! Why a rule or a series is refused. The service decides which API field each reason belongs to.

/// A part of a rule, named so that the service can file an error under its own field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RulePart {
    Frequency,
    Interval,
    ByWeekday,
    ByMonthDay,
    ByMonth,
    BySetPosition,
    WeekStart,
    Count,
    Until,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecurrenceError {
    #[error("The end must not be before the start.")]
    EndBeforeStart,
    #[error("An all-day event ends at least one day after it starts (the end date is exclusive).")]
    AllDayEndNotAfterStart,
    #[error("Years must be between 1 and 9999.")]
    StartOutOfRange,
    #[error("Years must be between 1 and 9999.")]
    EndOutOfRange,
    #[error("Ensure this value is greater than or equal to 1.")]
    IntervalTooSmall,
    #[error("Ensure this value is greater than or equal to 1.")]
    CountTooSmall,
    #[error("Use either end_date or count, not both.")]
    CountAndUntil,
    #[error("The recurrence must end after the event starts.")]
    UntilNotAfterStart,
    #[error("\"{0}\" is not a valid choice.")]
    UnknownFrequency(String),
    #[error("\"{0}\" is not a known IANA time zone.")]
    UnknownTimeZone(String),
    /// A list part or the week start is out of range, or not allowed with this frequency.
    #[error("{reason}")]
    InvalidPart { part: RulePart, reason: String },
    /// RRULE text that cannot be read, or that uses a part this engine does not support; the
    /// message names the part.
    #[error("{0}")]
    Rrule(String),
    #[error("This series would have more than {max} occurrences.")]
    TooManyOccurrences { max: usize, by_count: bool },
    #[error("This series would run past the year 9999.")]
    RunsPastYear9999,
    #[error("This rule never produces an occurrence.")]
    NeverOccurs,
    #[error("These dates exclude every occurrence of the series.")]
    EveryOccurrenceExcluded,
    #[error("This series has no end, so it cannot be expanded whole.")]
    OpenEnded,
    #[error("This series repeats too sparsely to expand.")]
    IterationLimit,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_says_what_is_wrong() {
        let cases = [
            (
                RecurrenceError::EndBeforeStart,
                "The end must not be before the start.",
            ),
            (
                RecurrenceError::IntervalTooSmall,
                "Ensure this value is greater than or equal to 1.",
            ),
            (
                RecurrenceError::CountTooSmall,
                "Ensure this value is greater than or equal to 1.",
            ),
            (
                RecurrenceError::UntilNotAfterStart,
                "The recurrence must end after the event starts.",
            ),
            (
                RecurrenceError::TooManyOccurrences {
                    max: 5000,
                    by_count: true,
                },
                "This series would have more than 5000 occurrences.",
            ),
            (
                RecurrenceError::UnknownFrequency("hourly".into()),
                "\"hourly\" is not a valid choice.",
            ),
            (
                RecurrenceError::UnknownTimeZone("Mars/Base".into()),
                "\"Mars/Base\" is not a known IANA time zone.",
            ),
            (
                RecurrenceError::InvalidPart {
                    part: RulePart::ByMonth,
                    reason: "13 is not a month.".into(),
                },
                "13 is not a month.",
            ),
            (
                RecurrenceError::Rrule("BYWEEKNO is not supported.".into()),
                "BYWEEKNO is not supported.",
            ),
            (
                RecurrenceError::NeverOccurs,
                "This rule never produces an occurrence.",
            ),
            (
                RecurrenceError::IterationLimit,
                "This series repeats too sparsely to expand.",
            ),
        ];
        for (error, message) in cases {
            assert_eq!(error.to_string(), message);
        }
    }
}
