//! Why a rule or a series is refused, with the API field each reason belongs to.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecurrenceError {
    #[error("The end must not be before the start.")]
    EndBeforeStart,
    #[error("Ensure this value is greater than or equal to 1.")]
    IntervalTooSmall,
    #[error("Ensure this value is greater than or equal to 1.")]
    CountTooSmall,
    #[error("Use either end_date or count, not both.")]
    CountAndUntil,
    #[error("A recurrence needs either end_date or count.")]
    NeitherCountNorUntil,
    #[error("The recurrence must end after the event starts.")]
    UntilNotAfterStart,
    #[error("This series would have more than {max} occurrences.")]
    TooManyOccurrences { max: usize, by_count: bool },
    #[error("\"{0}\" is not a valid choice.")]
    UnknownFrequency(String),
    #[error("\"{0}\" is not a known IANA time zone.")]
    UnknownTimeZone(String),
    #[error("This series repeats too sparsely to expand.")]
    IterationLimit,
}

impl RecurrenceError {
    /// The API field the error belongs to.
    pub fn field(&self) -> &'static str {
        match self {
            RecurrenceError::EndBeforeStart | RecurrenceError::UntilNotAfterStart => "end_date",
            RecurrenceError::IntervalTooSmall => "interval",
            RecurrenceError::CountTooSmall => "count",
            RecurrenceError::CountAndUntil
            | RecurrenceError::NeitherCountNorUntil
            | RecurrenceError::IterationLimit => "non_field_errors",
            RecurrenceError::TooManyOccurrences { by_count: true, .. } => "count",
            RecurrenceError::TooManyOccurrences {
                by_count: false, ..
            } => "end_date",
            RecurrenceError::UnknownFrequency(_) => "frequency",
            RecurrenceError::UnknownTimeZone(_) => "timezone",
        }
    }
}
