//! What clients send for an event, and its validation into what storage keeps: every field read,
//! merged over the current event for an update, the whole series checked by the engine, and each
//! problem filed under the field the client sent it in.

use recurrence::{
    Date, End, Frequency, RecurrenceError, Rule, RulePart, RuleParts, Series, TimeError, TimeZone,
    Timing, WeekdayNum,
};

use super::changes::OccurrenceInput;
use super::{DEFAULT_TIMEZONE, SeriesLimits};
use crate::storage::Timestamp;
use crate::storage::events::{Event, EventFields, RecurrenceFields};
use crate::storage::exceptions::Exception;
use crate::validation::FieldErrors;

pub const TITLE_MAX_LENGTH: usize = 255;
/// Room for a long agenda, not for a document: every list of events carries descriptions.
pub const DESCRIPTION_MAX_LENGTH: usize = 16_384;
/// Twice the longest IANA name (`America/Argentina/ComodRivadavia`, 32).
pub const TIMEZONE_MAX_LENGTH: usize = 64;
/// A datetime with nanoseconds, an offset and spaces around it fits with room to spare.
pub const DATETIME_MAX_LENGTH: usize = 64;
/// A frequency, weekday or week start (`monthly`, `-53MO`).
pub const CHOICE_MAX_LENGTH: usize = 16;
/// Every part of a rule written out, each list at its longest, fits in well under this.
pub const RRULE_MAX_LENGTH: usize = 1_024;
const RECURRENCE: &str = "recurrence";
const DATETIME_FORMAT_ERROR: &str = "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].";
const DATE_FORMAT_ERROR: &str =
    "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.";
const YEAR_RANGE_ERROR: &str = "Years must be between 1 and 9999.";

/// What a client sent for an event; `None` means the field was absent. For a recurrence,
/// `Some(None)` is an explicit `null` (no rule).
#[derive(Debug, Clone, Default)]
pub struct EventInput {
    pub title: Option<String>,
    pub description: Option<String>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub timezone: Option<String>,
    pub all_day: Option<bool>,
    pub recurrence: Option<Option<RecurrenceInput>>,
}

/// A recurrence as sent: the rule, and the exclusion dates (`None`: keep the current ones).
#[derive(Debug, Clone)]
pub struct RecurrenceInput {
    pub rule: RuleInput,
    pub exdates: Option<Vec<String>>,
}

/// A rule as separate fields, or as RFC 5545 RRULE text.
#[derive(Debug, Clone)]
pub enum RuleInput {
    Fields(RuleFieldsInput),
    Text(String),
}

#[derive(Debug, Clone, Default)]
pub struct RuleFieldsInput {
    pub frequency: String,
    pub interval: Option<i64>,
    pub end_date: Option<String>,
    pub count: Option<i64>,
    pub by_weekday: Vec<String>,
    pub by_month_day: Vec<i64>,
    pub by_month: Vec<i64>,
    pub by_set_position: Vec<i64>,
    pub week_start: Option<String>,
}

/// Merges the input over the current event (if any) and validates the result as a whole series.
pub fn resolve(
    current: Option<&Event>,
    input: EventInput,
    limits: SeriesLimits,
) -> Result<EventFields, FieldErrors> {
    let mut errors = FieldErrors::new();

    check_length(
        &mut errors,
        "title",
        input.title.as_deref(),
        TITLE_MAX_LENGTH,
    );
    check_length(
        &mut errors,
        "description",
        input.description.as_deref(),
        DESCRIPTION_MAX_LENGTH,
    );
    let title = input
        .title
        .or_else(|| current.map(|event| event.title.clone()))
        .unwrap_or_default();
    let description = input
        .description
        .or_else(|| current.map(|event| event.description.clone()))
        .unwrap_or_default();

    // A zone as sent is read strictly and stored as the database names it; a stored one as is.
    let zone = match (&input.timezone, current) {
        (Some(sent), _) => {
            if !fits(&mut errors, "timezone", sent, TIMEZONE_MAX_LENGTH) {
                return Err(errors);
            }
            recurrence::canonical_time_zone(sent)
        }
        (None, Some(event)) => {
            recurrence::time_zone(&event.timezone).map(|zone| (event.timezone.clone(), zone))
        }
        (None, None) => recurrence::canonical_time_zone(DEFAULT_TIMEZONE),
    };
    let (timezone, zone) = match zone {
        Ok(zone) => zone,
        Err(error) => {
            errors.add("timezone", error.to_string());
            return Err(errors);
        }
    };
    // The zone the current event's dates and wall-clock times were written in.
    let current_zone = current
        .and_then(|event| recurrence::time_zone(&event.timezone).ok())
        .unwrap_or_else(|| zone.clone());

    let all_day = input
        .all_day
        .or(current.map(|event| event.all_day))
        .unwrap_or(false);
    let switching = current.is_some_and(|event| event.all_day != all_day);
    if switching && (input.start_date.is_none() || input.end_date.is_none()) {
        errors.add(
            "all_day",
            "Send start_date and end_date with all_day when changing it.",
        );
        return Err(errors);
    }
    let timing = if all_day {
        let current_date = |instant: Timestamp| current_zone.to_datetime(instant.as_jiff()).date();
        let start = date(
            &mut errors,
            "start_date",
            input.start_date.as_deref(),
            current.map(|event| current_date(event.start)),
        );
        let end = date(
            &mut errors,
            "end_date",
            input.end_date.as_deref(),
            current.map(|event| current_date(event.end)),
        );
        start
            .zip(end)
            .map(|(start, end)| Timing::AllDay { start, end })
    } else {
        let start = instant(
            &mut errors,
            "start_date",
            input.start_date.as_deref(),
            &zone,
            current.map(|event| event.start.as_jiff()),
        );
        let end = instant(
            &mut errors,
            "end_date",
            input.end_date.as_deref(),
            &zone,
            current.map(|event| event.end.as_jiff()),
        );
        start.zip(end).map(|(start, end)| Timing::At { start, end })
    };

    // Where the rule came from decides where its errors are reported.
    let mut rule_as_text = false;
    let recurrence = match input.recurrence {
        Some(Some(sent)) => {
            rule_as_text = matches!(sent.rule, RuleInput::Text(_));
            let rule = parse_rule(&mut errors, sent.rule, &zone);
            let exdates = match sent.exdates {
                Some(texts) => exdates(&mut errors, &texts, &zone, all_day, limits.max_occurrences),
                None => Some(kept_exdates(current, &current_zone, &zone, all_day)),
            };
            rule.zip(exdates)
        }
        Some(None) => None,
        None => current
            .and_then(|event| event.recurrence.as_ref())
            .map(|kept| {
                let rule = match kept.rule.end() {
                    End::Until(until) if all_day => kept
                        .rule
                        .with_end(End::Until(rebase(until, &current_zone, &zone)))
                        .unwrap_or_else(|_| kept.rule.clone()),
                    _ => kept.rule.clone(),
                };
                (rule, kept_exdates(current, &current_zone, &zone, all_day))
            }),
    };
    errors.clone().into_result()?;
    let Some(timing) = timing else {
        return Err(errors);
    };

    let (rule, exdates) = match recurrence {
        Some((rule, exdates)) => (Some(rule), exdates),
        None => (None, Vec::new()),
    };
    let series = Series::new(
        timing,
        zone,
        rule.clone(),
        exdates.iter().map(|at| at.as_jiff()).collect(),
    )
    .and_then(|series| {
        series
            .validate(limits.max_occurrences)
            .map(|extent| (series, extent))
    });
    let (series, extent) = match series {
        Ok(valid) => valid,
        Err(error) => {
            file_series_error(&mut errors, &error, rule_as_text);
            return Err(errors);
        }
    };
    let first = series.first();
    Ok(EventFields {
        title,
        description,
        start: first.start.into(),
        end: first.end.into(),
        all_day,
        series_end: match extent {
            recurrence::Extent::Ends { last, .. } => last.end.into(),
            recurrence::Extent::Forever => Timestamp::MAX,
        },
        timezone,
        recurrence: rule.map(|rule| RecurrenceFields { rule, exdates }),
    })
}

/// A sent text's length in characters, as DRF's `max_length` counts it. Only what is sent is
/// checked, so an event stored before a limit existed can still be changed.
fn check_length(errors: &mut FieldErrors, field: &str, sent: Option<&str>, max: usize) {
    if let Some(text) = sent {
        fits(errors, field, text, max);
    }
}

/// Whether `text` is at most `max` characters; if not, says so under `field`. Texts are bounded
/// before they are read, so that no message quotes back more than that.
fn fits(errors: &mut FieldErrors, field: &str, text: &str, max: usize) -> bool {
    let fits = text.chars().count() <= max;
    if !fits {
        errors.add(
            field,
            format!("Ensure this field has no more than {max} characters."),
        );
    }
    fits
}

/// A provided datetime read in the event's zone, or the current value.
fn instant(
    errors: &mut FieldErrors,
    field: &str,
    text: Option<&str>,
    zone: &TimeZone,
    current: Option<recurrence::Timestamp>,
) -> Option<recurrence::Timestamp> {
    match text {
        Some(text) => match recurrence::parse_instant(text, zone) {
            Ok(instant) => Some(instant),
            Err(error) => {
                errors.add(field, time_error(error, DATETIME_FORMAT_ERROR));
                None
            }
        },
        None => current,
    }
}

/// A provided date (an all-day event's), or the current one.
fn date(
    errors: &mut FieldErrors,
    field: &str,
    text: Option<&str>,
    current: Option<Date>,
) -> Option<Date> {
    match text {
        Some(text) => match recurrence::parse_date(text) {
            Ok(date) => Some(date),
            Err(error) => {
                errors.add(field, time_error(error, DATE_FORMAT_ERROR));
                None
            }
        },
        None => current,
    }
}

fn time_error(error: TimeError, format_error: &'static str) -> &'static str {
    match error {
        TimeError::Malformed => format_error,
        TimeError::YearOutOfRange => YEAR_RANGE_ERROR,
    }
}

/// The same wall-clock time in another zone: an all-day event's dates are floating, so its
/// exclusion dates and until move with its zone.
fn rebase(instant: recurrence::Timestamp, from: &TimeZone, to: &TimeZone) -> recurrence::Timestamp {
    to.to_ambiguous_timestamp(from.to_datetime(instant))
        .compatible()
        .unwrap_or(instant)
}

/// The current event's exclusion dates, moved to the new zone for an all-day event.
fn kept_exdates(
    current: Option<&Event>,
    current_zone: &TimeZone,
    zone: &TimeZone,
    all_day: bool,
) -> Vec<Timestamp> {
    let Some(recurrence) = current.and_then(|event| event.recurrence.as_ref()) else {
        return Vec::new();
    };
    recurrence
        .exdates
        .iter()
        .map(|exdate| {
            if all_day {
                rebase(exdate.as_jiff(), current_zone, zone).into()
            } else {
                *exdate
            }
        })
        .collect()
}

/// Exclusion dates as sent: instants (a local time read in the event's zone), or dates for an
/// all-day event. Errors are filed under `recurrence.exdates`.
fn exdates(
    errors: &mut FieldErrors,
    texts: &[String],
    zone: &TimeZone,
    all_day: bool,
    max: usize,
) -> Option<Vec<Timestamp>> {
    let mut problems = Vec::new();
    if texts.len() > max {
        problems.push(format!(
            "Ensure this field has no more than {max} elements."
        ));
    }
    let mut parsed = Vec::with_capacity(texts.len().min(max));
    for text in texts.iter().take(max) {
        if text.chars().count() > DATETIME_MAX_LENGTH {
            problems.push(format!(
                "Ensure each date has no more than {DATETIME_MAX_LENGTH} characters."
            ));
            continue;
        }
        let instant = if all_day {
            recurrence::parse_date(text)
                .and_then(|date| recurrence::start_of_day(date, zone))
                .map_err(|error| time_error(error, DATE_FORMAT_ERROR))
        } else {
            recurrence::parse_instant(text, zone)
                .map_err(|error| time_error(error, DATETIME_FORMAT_ERROR))
        };
        match instant {
            Ok(instant) => parsed.push(Timestamp::from(instant)),
            Err(message) => problems.push(format!("{text:?}: {message}")),
        }
    }
    if problems.is_empty() {
        parsed.sort();
        parsed.dedup();
        return Some(parsed);
    }
    let mut nested = FieldErrors::new();
    for problem in problems {
        nested.add("exdates", problem);
    }
    errors.add_nested(RECURRENCE, nested);
    None
}

/// Reads a rule; its errors are filed under `recurrence`.
fn parse_rule(errors: &mut FieldErrors, input: RuleInput, zone: &TimeZone) -> Option<Rule> {
    let mut nested = FieldErrors::new();
    let rule = match input {
        RuleInput::Text(text) if !fits(&mut nested, "rrule", &text, RRULE_MAX_LENGTH) => None,
        RuleInput::Text(text) => match Rule::parse_rrule(&text, zone) {
            Ok(rule) => Some(rule),
            Err(error) => {
                nested.add("rrule", error.to_string());
                None
            }
        },
        RuleInput::Fields(fields) => rule_from_fields(&mut nested, fields, zone),
    };
    if !nested.is_empty() {
        errors.add_nested(RECURRENCE, nested);
        return None;
    }
    rule
}

fn rule_from_fields(
    errors: &mut FieldErrors,
    input: RuleFieldsInput,
    zone: &TimeZone,
) -> Option<Rule> {
    let frequency = if fits(errors, "frequency", &input.frequency, CHOICE_MAX_LENGTH) {
        match input.frequency.parse::<Frequency>() {
            Ok(frequency) => Some(frequency),
            Err(error) => {
                errors.add("frequency", error.to_string());
                None
            }
        }
    } else {
        None
    };
    let interval = positive(
        errors,
        "interval",
        input.interval.unwrap_or(1),
        RecurrenceError::IntervalTooSmall,
    );
    let count = input
        .count
        .and_then(|count| positive(errors, "count", count, RecurrenceError::CountTooSmall));
    let until =
        input
            .end_date
            .as_deref()
            .and_then(|text| match recurrence::parse_until(text, zone) {
                Ok(until) => Some(until),
                Err(error) => {
                    errors.add("end_date", time_error(error, DATETIME_FORMAT_ERROR));
                    None
                }
            });
    let mut by_weekday = Vec::with_capacity(input.by_weekday.len());
    for text in &input.by_weekday {
        if !fits(errors, "by_weekday", text, CHOICE_MAX_LENGTH) {
            continue;
        }
        match text.parse::<WeekdayNum>() {
            Ok(day) => by_weekday.push(day),
            Err(error) => errors.add("by_weekday", error.to_string()),
        }
    }
    let by_month_day = numbers(
        errors,
        "by_month_day",
        &input.by_month_day,
        "day of the month",
    );
    let by_month = numbers(errors, "by_month", &input.by_month, "month");
    let by_set_position = numbers(
        errors,
        "by_set_position",
        &input.by_set_position,
        "position",
    );
    let week_start = match input.week_start.as_deref() {
        None => Some(recurrence::Weekday::Monday),
        Some(text) if !fits(errors, "week_start", text, CHOICE_MAX_LENGTH) => None,
        Some(text) => match text.parse::<WeekdayNum>() {
            Ok(WeekdayNum {
                ordinal: None,
                weekday,
            }) => Some(weekday),
            _ => {
                errors.add(
                    "week_start",
                    format!("\"{text}\" is not a valid choice: use MO, TU, WE, TH, FR, SA or SU."),
                );
                None
            }
        },
    };
    if !errors.is_empty() {
        return None;
    }
    let end = match (count, until) {
        (Some(_), Some(_)) => {
            errors.add(
                recurrence_field(&RecurrenceError::CountAndUntil),
                RecurrenceError::CountAndUntil.to_string(),
            );
            return None;
        }
        (Some(count), None) => End::Count(count),
        (None, Some(until)) => End::Until(until),
        (None, None) => End::Never,
    };
    let (frequency, interval, week_start) = (frequency?, interval?, week_start?);
    let parts = RuleParts {
        frequency,
        interval,
        by_weekday,
        by_month_day: by_month_day?,
        by_month: by_month?,
        by_set_position: by_set_position?,
        week_start,
        end,
    };
    match Rule::new(parts) {
        Ok(rule) => Some(rule),
        Err(error) => {
            errors.add(recurrence_field(&error), error.to_string());
            None
        }
    }
}

/// A count or interval: at least 1 (the engine's message otherwise) and at most `i32::MAX`.
fn positive(
    errors: &mut FieldErrors,
    field: &str,
    value: i64,
    too_small: RecurrenceError,
) -> Option<u32> {
    if value < 1 {
        errors.add(field, too_small.to_string());
        return None;
    }
    match i32::try_from(value)
        .ok()
        .and_then(|value| u32::try_from(value).ok())
    {
        Some(value) => Some(value),
        None => {
            errors.add(
                field,
                format!("Ensure this value is less than or equal to {}.", i32::MAX),
            );
            None
        }
    }
}

/// A list of day, month or position numbers in the engine's integer type, which checks their
/// ranges in detail.
fn numbers<T: TryFrom<i64>>(
    errors: &mut FieldErrors,
    field: &str,
    values: &[i64],
    what: &str,
) -> Option<Vec<T>> {
    let mut numbers = Vec::with_capacity(values.len());
    for &value in values {
        match T::try_from(value) {
            Ok(number) => numbers.push(number),
            Err(_) => errors.add(field, format!("{value} is not a valid {what}.")),
        }
    }
    (numbers.len() == values.len()).then_some(numbers)
}

/// The field of the recurrence object that a rule error belongs to.
fn recurrence_field(error: &RecurrenceError) -> &'static str {
    match error {
        RecurrenceError::IntervalTooSmall => "interval",
        RecurrenceError::CountTooSmall
        | RecurrenceError::RunsPastYear9999
        | RecurrenceError::TooManyOccurrences { by_count: true, .. } => "count",
        RecurrenceError::UntilNotAfterStart
        | RecurrenceError::TooManyOccurrences {
            by_count: false, ..
        } => "end_date",
        RecurrenceError::UnknownFrequency(_) => "frequency",
        RecurrenceError::EveryOccurrenceExcluded => "exdates",
        RecurrenceError::Rrule(_) => "rrule",
        RecurrenceError::InvalidPart { part, .. } => match part {
            RulePart::Frequency => "frequency",
            RulePart::Interval => "interval",
            RulePart::ByWeekday => "by_weekday",
            RulePart::ByMonthDay => "by_month_day",
            RulePart::ByMonth => "by_month",
            RulePart::BySetPosition => "by_set_position",
            RulePart::WeekStart => "week_start",
            RulePart::Count => "count",
            RulePart::Until => "end_date",
        },
        _ => crate::validation::NON_FIELD_ERRORS,
    }
}

/// Files an engine error under its field: the event's own fields at the top level, the rule's
/// under `recurrence` (under `recurrence.rrule` when the rule came as text, except for its
/// exclusion dates), as DRF nests a nested serializer's errors.
fn file_series_error(errors: &mut FieldErrors, error: &RecurrenceError, rule_as_text: bool) {
    let event_field = match error {
        RecurrenceError::EndBeforeStart
        | RecurrenceError::AllDayEndNotAfterStart
        | RecurrenceError::EndOutOfRange => Some("end_date"),
        RecurrenceError::StartOutOfRange => Some("start_date"),
        RecurrenceError::UnknownTimeZone(_) => Some("timezone"),
        _ => None,
    };
    if let Some(field) = event_field {
        errors.add(field, error.to_string());
        return;
    }
    let field = match recurrence_field(error) {
        "exdates" => "exdates",
        _ if rule_as_text => "rrule",
        field => field,
    };
    errors.add_nested(RECURRENCE, FieldErrors::single(field, error.to_string()));
}

/// An occurrence's original start as a client names it: an instant (a local time read in the
/// event's zone), or a date for an all-day event.
pub fn original_start(event: &Event, text: &str) -> Result<Timestamp, &'static str> {
    let zone = recurrence::time_zone(&event.timezone).map_err(|_| DATETIME_FORMAT_ERROR)?;
    let instant = if event.all_day {
        recurrence::parse_date(text)
            .and_then(|date| recurrence::start_of_day(date, &zone))
            .map_err(|error| time_error(error, DATE_FORMAT_ERROR))?
    } else {
        recurrence::parse_instant(text, &zone)
            .map_err(|error| time_error(error, DATETIME_FORMAT_ERROR))?
    };
    Ok(Timestamp::from(instant))
}

/// The exception one occurrence has after `input`, merged over the one it had; `None` when
/// nothing of it differs from the series any more.
pub fn resolve_exception(
    event: &Event,
    instance: recurrence::Occurrence,
    existing: Option<Exception>,
    input: OccurrenceInput,
) -> Result<Option<Exception>, FieldErrors> {
    let mut errors = FieldErrors::new();
    let existing = existing.unwrap_or(Exception {
        original_start: Timestamp::from(instance.start),
        title: None,
        description: None,
        start_at: None,
        end_at: None,
    });
    check_length(
        &mut errors,
        "title",
        input.title.as_ref().and_then(Option::as_deref),
        TITLE_MAX_LENGTH,
    );
    check_length(
        &mut errors,
        "description",
        input.description.as_ref().and_then(Option::as_deref),
        DESCRIPTION_MAX_LENGTH,
    );
    let title = input.title.unwrap_or(existing.title);
    let description = input.description.unwrap_or(existing.description);

    let rule_time = (
        Timestamp::from(instance.start),
        Timestamp::from(instance.end),
    );
    let current_time = existing.start_at.zip(existing.end_at).unwrap_or(rule_time);
    let zone = recurrence::time_zone(&event.timezone).unwrap_or(TimeZone::UTC);
    let mut read = |field: &str, text: Option<&str>| -> Option<Timestamp> {
        let text = text?;
        let parsed = if event.all_day {
            recurrence::parse_date(text)
                .and_then(|date| recurrence::start_of_day(date, &zone))
                .map_err(|error| time_error(error, DATE_FORMAT_ERROR))
        } else {
            recurrence::parse_instant(text, &zone)
                .map_err(|error| time_error(error, DATETIME_FORMAT_ERROR))
        };
        match parsed {
            Ok(instant) => Some(Timestamp::from(instant)),
            Err(message) => {
                errors.add(field, message);
                None
            }
        }
    };
    let reset = matches!(input.start, Some(None)) || matches!(input.end, Some(None));
    let start = read("start", input.start.as_ref().and_then(Option::as_deref));
    let end = read("end", input.end.as_ref().and_then(Option::as_deref));
    errors.clone().into_result()?;
    let (start, end) = if reset {
        rule_time
    } else {
        match (start, end) {
            // A new start alone keeps the occurrence's length: its number of days, all day.
            (Some(start), None) if event.all_day => {
                let date = |instant: Timestamp| zone.to_datetime(instant.as_jiff()).date();
                let days = date(current_time.1) - date(current_time.0);
                let end = date(start)
                    .checked_add(days)
                    .ok()
                    .and_then(|end| recurrence::start_of_day(end, &zone).ok())
                    .map_or(current_time.1, Timestamp::from);
                (start, end)
            }
            (Some(start), None) => (start, start + current_time.0.until(current_time.1)),
            (start, end) => (
                start.unwrap_or(current_time.0),
                end.unwrap_or(current_time.1),
            ),
        }
    };
    if end < start || (event.all_day && end == start) {
        let message = if event.all_day {
            "The end date must be after the start date."
        } else {
            "The end must not be before the start."
        };
        errors.add("end", message);
    }
    errors.into_result()?;
    let moved = (start, end) != rule_time;
    let exception = Exception {
        original_start: existing.original_start,
        title,
        description,
        start_at: moved.then_some(start),
        end_at: moved.then_some(end),
    };
    let differs = exception.title.is_some()
        || exception.description.is_some()
        || exception.start_at.is_some();
    Ok(differs.then_some(exception))
}
