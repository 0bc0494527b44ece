//! Events and their series: input validated through the recurrence engine, writes that mark the
//! occurrences stale, and the generation that materializes them (run by the job worker).

use recurrence::{End, Frequency, RecurrenceError, Rule, TimeZone};
use uuid::Uuid;

use crate::jobs::Jobs;
use crate::storage::events::{self, Event, EventFields, RuleFields};
use crate::storage::occurrences::{self, GeneratedOccurrence, StoreOutcome};
use crate::storage::{Db, StorageError, Timestamp};
use crate::validation::FieldErrors;

pub const TITLE_MAX_LENGTH: usize = 255;
pub const DEFAULT_TIMEZONE: &str = "UTC";
const DATETIME_FORMAT_ERROR: &str = "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].";

#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("the change was interrupted: {0}")]
    Interrupted(tokio::task::JoinError),
}

/// What a client sent for an event; `None` means the field was absent. For a recurrence,
/// `Some(None)` is an explicit `null` (no rule).
#[derive(Debug, Clone, Default)]
pub struct EventInput {
    pub title: Option<String>,
    pub description: Option<String>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub timezone: Option<String>,
    pub recurrence: Option<Option<RuleInput>>,
}

#[derive(Debug, Clone, Default)]
pub struct RuleInput {
    pub frequency: String,
    pub interval: Option<i64>,
    pub end_date: Option<String>,
    pub count: Option<i64>,
}

/// Limits that come from configuration.
#[derive(Debug, Clone, Copy)]
pub struct SeriesLimits {
    pub max_occurrences: usize,
}

/// Creates an event and queues the generation of its occurrences.
pub async fn create_event(
    db: &Db,
    jobs: &Jobs,
    limits: SeriesLimits,
    owner_id: Uuid,
    input: EventInput,
) -> Result<Event, EventError> {
    let fields = resolve(None, input, limits)?;
    let (db, jobs) = (db.clone(), jobs.clone());
    to_completion(async move {
        let event = events::insert_event(&db, owner_id, &fields).await?;
        jobs.enqueue_generation(event.id, event.revision).await;
        Ok(event)
    })
    .await
}

/// Runs a write and the queueing of its job to the end even when the request that asked for them
/// is dropped (its client hung up between the two): otherwise a committed change would wait for
/// the reconciler to be generated.
async fn to_completion<T: Send + 'static>(
    change: impl Future<Output = Result<T, EventError>> + Send + 'static,
) -> Result<T, EventError> {
    tokio::spawn(change)
        .await
        .unwrap_or_else(|error| Err(EventError::Interrupted(error)))
}

/// Applies a full (PUT) or partial (PATCH) update; absent fields keep their values, as in DRF.
pub async fn update_event(
    db: &Db,
    jobs: &Jobs,
    limits: SeriesLimits,
    owner_id: Uuid,
    id: Uuid,
    input: EventInput,
) -> Result<Event, EventError> {
    let current = events::find_event(db, owner_id, id)
        .await?
        .ok_or(EventError::NotFound)?;
    let fields = resolve(Some(&current), input, limits)?;
    let schedule_changed = fields.start != current.start
        || fields.end != current.end
        || fields.timezone != current.timezone
        || fields.rule.as_ref() != current.recurrence.as_ref().map(|r| &r.rule);
    let (db, jobs) = (db.clone(), jobs.clone());
    to_completion(async move {
        let event = events::update_event(&db, owner_id, id, &fields, schedule_changed)
            .await?
            .ok_or(EventError::NotFound)?;
        if schedule_changed {
            jobs.enqueue_generation(event.id, event.revision).await;
        }
        Ok(event)
    })
    .await
}

pub async fn delete_event(db: &Db, owner_id: Uuid, id: Uuid) -> Result<(), EventError> {
    if events::delete_event(db, owner_id, id).await? {
        Ok(())
    } else {
        Err(EventError::NotFound)
    }
}

/// Replaces the rule of the event that owns recurrence `id` (PUT /recurrences/{id}/).
pub async fn replace_recurrence(
    db: &Db,
    jobs: &Jobs,
    limits: SeriesLimits,
    owner_id: Uuid,
    id: Uuid,
    rule: RuleInput,
) -> Result<Event, EventError> {
    let event = events::find_event_by_recurrence(db, owner_id, id)
        .await?
        .ok_or(EventError::NotFound)?;
    let input = EventInput {
        recurrence: Some(Some(rule)),
        ..EventInput::default()
    };
    let updated = update_event(db, jobs, limits, owner_id, event.id, input).await;
    // Errors of a standalone rule are reported at the top level, not under "recurrence".
    updated.map_err(|error| match error {
        EventError::Invalid(errors) => EventError::Invalid(errors.unnest("recurrence")),
        other => other,
    })
}

/// Removes the rule of the event that owns recurrence `id`: the event becomes a one-off.
pub async fn delete_recurrence(
    db: &Db,
    jobs: &Jobs,
    limits: SeriesLimits,
    owner_id: Uuid,
    id: Uuid,
) -> Result<(), EventError> {
    let event = events::find_event_by_recurrence(db, owner_id, id)
        .await?
        .ok_or(EventError::NotFound)?;
    let input = EventInput {
        recurrence: Some(None),
        ..EventInput::default()
    };
    update_event(db, jobs, limits, owner_id, event.id, input)
        .await
        .map(|_| ())
}

/// Merges the input over the current event (if any) and validates the result as a whole series.
fn resolve(
    current: Option<&Event>,
    input: EventInput,
    limits: SeriesLimits,
) -> Result<EventFields, EventError> {
    let mut errors = FieldErrors::new();

    let title = input
        .title
        .or_else(|| current.map(|event| event.title.clone()))
        .unwrap_or_default();
    if title.chars().count() > TITLE_MAX_LENGTH {
        errors.add(
            "title",
            format!("Ensure this field has no more than {TITLE_MAX_LENGTH} characters."),
        );
    }
    let description = input
        .description
        .or_else(|| current.map(|event| event.description.clone()))
        .unwrap_or_default();

    let timezone = input
        .timezone
        .or_else(|| current.map(|event| event.timezone.clone()))
        .unwrap_or_else(|| DEFAULT_TIMEZONE.to_owned());
    let zone = match recurrence::time_zone(&timezone) {
        Ok(zone) => zone,
        Err(error) => {
            errors.add("timezone", error.to_string());
            return Err(EventError::Invalid(errors));
        }
    };

    let start = instant(
        &mut errors,
        "start_date",
        input.start_date.as_deref(),
        &zone,
        current.map(|e| e.start),
    );
    let end = instant(
        &mut errors,
        "end_date",
        input.end_date.as_deref(),
        &zone,
        current.map(|e| e.end),
    );

    let rule = match input.recurrence {
        Some(Some(rule)) => parse_rule(&mut errors, rule, &zone),
        Some(None) => None,
        None => current
            .and_then(|event| event.recurrence.as_ref())
            .and_then(|recurrence| {
                engine_rule(&recurrence.rule).map(|rule| (rule, recurrence.rule.clone()))
            }),
    };
    errors.clone().into_result().map_err(EventError::Invalid)?;

    let (Some(start), Some(end)) = (start, end) else {
        return Err(EventError::Invalid(errors));
    };
    let engine_rule = rule.as_ref().map(|(rule, _)| rule);
    let series = match recurrence::expand(
        to_engine(start),
        to_engine(end),
        &zone,
        engine_rule,
        limits.max_occurrences,
    ) {
        Ok(series) => series,
        Err(error) => {
            add_series_error(&mut errors, &error);
            return Err(EventError::Invalid(errors));
        }
    };
    Ok(EventFields {
        title,
        description,
        start,
        end,
        series_end: series.last().map_or(end, |last| from_engine(last.end)),
        timezone,
        rule: rule.map(|(_, fields)| fields),
    })
}

/// Parses a provided datetime in the event's zone, or keeps the current value.
fn instant(
    errors: &mut FieldErrors,
    field: &str,
    text: Option<&str>,
    zone: &TimeZone,
    current: Option<Timestamp>,
) -> Option<Timestamp> {
    match text {
        Some(text) => match recurrence::parse_instant(text, zone) {
            Some(instant) => Some(from_engine(instant)),
            None => {
                errors.add(field, DATETIME_FORMAT_ERROR);
                None
            }
        },
        None => current,
    }
}

/// Validates a rule's fields; returns the engine's rule and the stored form.
fn parse_rule(
    errors: &mut FieldErrors,
    input: RuleInput,
    zone: &TimeZone,
) -> Option<(Rule, RuleFields)> {
    let mut nested = FieldErrors::new();
    let frequency = match input.frequency.parse::<Frequency>() {
        Ok(frequency) => Some(frequency),
        Err(error) => {
            nested.add("frequency", error.to_string());
            None
        }
    };
    let interval = small_positive(&mut nested, "interval", input.interval.unwrap_or(1));
    let count = input
        .count
        .and_then(|count| small_positive(&mut nested, "count", count));
    let until = match input.end_date.as_deref() {
        Some(text) => match recurrence::parse_until(text, zone) {
            Some(until) => Some(until),
            None => {
                nested.add("end_date", DATETIME_FORMAT_ERROR);
                None
            }
        },
        None => None,
    };
    let rule = match (frequency, interval) {
        (Some(frequency), Some(interval)) if nested.is_empty() => {
            match Rule::new(frequency, interval, count, until) {
                Ok(rule) => Some(rule),
                Err(error) => {
                    nested.add(error.field(), error.to_string());
                    None
                }
            }
        }
        _ => None,
    };
    if !nested.is_empty() {
        errors.add_nested("recurrence", nested);
        return None;
    }
    let rule = rule?;
    let fields = RuleFields {
        frequency: rule.frequency.as_str().to_owned(),
        interval: i32::try_from(rule.interval).unwrap_or(i32::MAX),
        count: match rule.end {
            End::Count(count) => Some(i32::try_from(count).unwrap_or(i32::MAX)),
            End::Until(_) => None,
        },
        until: match rule.end {
            End::Until(until) => Some(from_engine(until)),
            End::Count(_) => None,
        },
    };
    Some((rule, fields))
}

/// A count or interval: at least 1 (the engine's message otherwise) and at most `i32::MAX`.
fn small_positive(errors: &mut FieldErrors, field: &str, value: i64) -> Option<u32> {
    if value < 1 {
        let error = if field == "count" {
            RecurrenceError::CountTooSmall
        } else {
            RecurrenceError::IntervalTooSmall
        };
        errors.add(field, error.to_string());
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

/// Files an engine error under its field: the event's own fields at the top level, the rule's
/// under `recurrence`, as DRF nests a nested serializer's errors.
fn add_series_error(errors: &mut FieldErrors, error: &RecurrenceError) {
    match error {
        RecurrenceError::EndBeforeStart | RecurrenceError::UnknownTimeZone(_) => {
            errors.add(error.field(), error.to_string())
        }
        _ => errors.add_nested(
            "recurrence",
            FieldErrors::single(error.field(), error.to_string()),
        ),
    }
}

/// The engine's rule for a stored rule; `None` if storage holds something the engine refuses.
fn engine_rule(fields: &RuleFields) -> Option<Rule> {
    let frequency = fields.frequency.parse().ok()?;
    let interval = u32::try_from(fields.interval).ok()?;
    let count = fields.count.and_then(|count| u32::try_from(count).ok());
    Rule::new(frequency, interval, count, fields.until.map(to_engine)).ok()
}

fn to_engine(timestamp: Timestamp) -> recurrence::Timestamp {
    recurrence::Timestamp::from_microsecond(timestamp.as_datetime().timestamp_micros())
        .unwrap_or(recurrence::Timestamp::MAX)
}

fn from_engine(timestamp: recurrence::Timestamp) -> Timestamp {
    chrono::DateTime::from_timestamp_micros(timestamp.as_microsecond())
        .map_or(Timestamp::MAX, Timestamp::from)
}

/// The event's rule in words on its own wall clock ("Every 2 weeks on Monday, 10 times"); `None`
/// for a one-off.
pub fn describe_rule(event: &Event) -> Option<String> {
    let rule = engine_rule(&event.recurrence.as_ref()?.rule)?;
    let zone = recurrence::time_zone(&event.timezone).ok()?;
    Some(rule.describe(to_engine(event.start), &zone))
}

/// What a generation run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generation {
    /// The occurrences of this revision are stored.
    Stored { occurrences: usize },
    /// Nothing to do: the event is gone, already generated, or has moved on to a newer revision.
    Skipped,
}

#[derive(Debug, thiserror::Error)]
pub enum GenerationError {
    #[error("the stored series is invalid: {0}")]
    InvalidSeries(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("the change was interrupted: {0}")]
    Interrupted(tokio::task::JoinError),
}

/// Materializes the occurrences of `revision` of an event. Idempotent, and safe against races:
/// only the event's current revision is ever stored.
pub async fn generate_occurrences(
    db: &Db,
    limits: SeriesLimits,
    event_id: Uuid,
) -> Result<Generation, GenerationError> {
    let Some(event) = events::find_event_by_id(db, event_id).await? else {
        return Ok(Generation::Skipped);
    };
    if event.occurrences_ready() {
        return Ok(Generation::Skipped);
    }
    let zone = recurrence::time_zone(&event.timezone)
        .map_err(|error| GenerationError::InvalidSeries(error.to_string()))?;
    let rule = match &event.recurrence {
        Some(recurrence) => Some(engine_rule(&recurrence.rule).ok_or_else(|| {
            GenerationError::InvalidSeries("the stored recurrence rule is invalid".to_owned())
        })?),
        None => None,
    };
    let series = recurrence::expand(
        to_engine(event.start),
        to_engine(event.end),
        &zone,
        rule.as_ref(),
        limits.max_occurrences,
    )
    .map_err(|error| GenerationError::InvalidSeries(error.to_string()))?;
    let generated: Vec<GeneratedOccurrence> = series
        .iter()
        .map(|occurrence| GeneratedOccurrence {
            original_start: from_engine(occurrence.start),
            start: from_engine(occurrence.start),
            end: from_engine(occurrence.end),
        })
        .collect();
    match occurrences::store_occurrences(db, event.id, event.owner_id, event.revision, &generated)
        .await?
    {
        StoreOutcome::Stored => Ok(Generation::Stored {
            occurrences: generated.len(),
        }),
        StoreOutcome::Superseded => Ok(Generation::Skipped),
    }
}
