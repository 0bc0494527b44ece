//! Changes that read what they depend on and write in one transaction, the event locked first
//! (see `Db::transaction`): an update of the whole series, one occurrence edited, cancelled or
//! restored, and "this and following". Two changes of one event run one after the other, in
//! every process, so neither writes back what the other changed.

use std::collections::BTreeSet;
use std::time::Duration;

use recurrence::{End, Extent};
use uuid::Uuid;

use super::input::{self, EventInput};
use super::overrides::{Overrides, occurrence_of};
use super::series::{instances_of, series_of, still_occurring};
use super::{EventError, Precondition, SeriesLimits};
use crate::storage::events::{self as event_storage, Event, EventFields, RecurrenceFields};
use crate::storage::exceptions::{self, Exception};
use crate::storage::occurrences::{self, Occurrence};
use crate::storage::{Db, StorageError, Timestamp, Tx};
use crate::validation::{FieldErrors, NON_FIELD_ERRORS};

/// What a client sends to change one occurrence: `Some(None)` (`null`) gives the field back to
/// the series; a start or end of `null` gives back its time.
#[derive(Debug, Clone, Default)]
pub struct OccurrenceInput {
    pub title: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub start: Option<Option<String>>,
    pub end: Option<Option<String>>,
}

/// "This and following": where to cut, and what changes from there on.
#[derive(Debug, Clone)]
pub struct SplitInput {
    pub original_start: String,
    pub event: EventInput,
}

/// An updated event, and what the update did to its occurrences.
#[derive(Debug, Clone)]
pub struct Updated {
    pub event: Event,
    /// Whether its occurrences are generated again.
    pub schedule_changed: bool,
    /// Exceptions and cancellations removed because their occurrence no longer exists.
    pub dropped_exceptions: usize,
}

/// What "this and following" did.
#[derive(Debug, Clone)]
pub enum Split {
    /// Cut at the first occurrence: the whole series was changed.
    Whole(Box<Updated>),
    /// The series now ends before the cut, and `new` holds the rest.
    Parts {
        previous: Box<Event>,
        new: Box<Event>,
        dropped_exceptions: usize,
    },
}

const NOT_AN_OCCURRENCE: &str = "No occurrence of this series starts then.";
/// Where the rule of the earlier part ends when it ends by date: just before the cut (occurrences
/// of a series are at least a day apart).
const JUST_BEFORE: Duration = Duration::from_secs(1);

pub(super) async fn update(
    db: &Db,
    limits: SeriesLimits,
    owner_id: Uuid,
    id: Uuid,
    input: EventInput,
    precondition: Option<&Precondition>,
) -> Result<Updated, EventError> {
    let mut tx = db.transaction().await?;
    let current = locked(&mut tx, owner_id, id, precondition).await?;
    let updated = update_locked(&mut tx, limits, current, input).await?;
    tx.commit(db, owner_id).await?;
    Ok(updated)
}

async fn locked(
    tx: &mut Tx,
    owner_id: Uuid,
    id: Uuid,
    precondition: Option<&Precondition>,
) -> Result<Event, EventError> {
    let event = event_storage::lock_event(tx, owner_id, id)
        .await?
        .ok_or(EventError::NotFound)?;
    Precondition::check(precondition, &event)?;
    Ok(event)
}

async fn update_locked(
    tx: &mut Tx,
    limits: SeriesLimits,
    current: Event,
    input: EventInput,
) -> Result<Updated, EventError> {
    let mut fields = input::resolve(Some(&current), input, limits).map_err(EventError::Invalid)?;
    let schedule_changed = schedule_changed(&current, &fields);
    // A change to nothing keeps the version, so that it fails no other client's `If-Match`.
    if !schedule_changed
        && fields.title == current.title
        && fields.description == current.description
    {
        return Ok(Updated {
            event: current,
            schedule_changed,
            dropped_exceptions: 0,
        });
    }
    let mut dropped_exceptions = 0;
    if schedule_changed {
        let kept = exceptions::list_exceptions_in(tx, current.id).await?;
        let gone = prune(&mut fields, &kept, limits)?;
        dropped_exceptions = gone.dropped;
        exceptions::delete_exceptions(tx, current.id, &gone.exceptions).await?;
    }
    event_storage::write_event(tx, current.id, &fields, schedule_changed).await?;
    let event = event_storage::find_event_in(tx, current.owner_id, current.id)
        .await?
        .ok_or(EventError::NotFound)?;
    Ok(Updated {
        event,
        schedule_changed,
        dropped_exceptions,
    })
}

fn schedule_changed(current: &Event, fields: &EventFields) -> bool {
    fields.start != current.start
        || fields.end != current.end
        || fields.all_day != current.all_day
        || fields.timezone != current.timezone
        || fields.recurrence.as_ref().map(|r| (&r.rule, &r.exdates))
            != current.recurrence.as_ref().map(|r| (&r.rule, &r.exdates))
}

/// What a new schedule leaves out of the old one's exceptions and cancellations.
struct Pruned {
    /// Original starts of the exceptions to delete.
    exceptions: Vec<Timestamp>,
    /// Exceptions and exclusion dates removed, together.
    dropped: usize,
}

/// Removes from `fields` the exclusion dates its rule no longer produces, and says which of
/// `exceptions` go for the same reason (all of them when the event stops repeating).
fn prune(
    fields: &mut EventFields,
    exceptions: &[Exception],
    limits: SeriesLimits,
) -> Result<Pruned, EventError> {
    let Some(recurrence) = fields.recurrence.as_ref() else {
        return Ok(Pruned {
            exceptions: exceptions.iter().map(|e| e.original_start).collect(),
            dropped: exceptions.len(),
        });
    };
    let instances = instances_of(&*fields).map_err(invalid)?;
    let starts = recurrence
        .exdates
        .iter()
        .copied()
        .chain(exceptions.iter().map(|exception| exception.original_start));
    let occurring = still_occurring(&instances, starts, limits.max_occurrences);
    let gone: Vec<Timestamp> = exceptions
        .iter()
        .map(|exception| exception.original_start)
        .filter(|start| !occurring.contains(start))
        .collect();
    let mut dropped = gone.len();
    if let Some(recurrence) = fields.recurrence.as_mut() {
        let before = recurrence.exdates.len();
        recurrence
            .exdates
            .retain(|exdate| occurring.contains(exdate));
        dropped += before - recurrence.exdates.len();
    }
    Ok(Pruned {
        exceptions: gone,
        dropped,
    })
}

fn invalid(error: recurrence::RecurrenceError) -> EventError {
    EventError::Invalid(FieldErrors::single(NON_FIELD_ERRORS, error.to_string()))
}

/// The locked event's instance at `original_start` (cancelled or not), or `NotFound`.
fn instance_at(
    event: &Event,
    original_start: Timestamp,
) -> Result<recurrence::Occurrence, EventError> {
    let instances = instances_of(event).map_err(|error| StorageError::Invalid {
        what: format!("event {}: {error}", event.id),
    })?;
    instances
        .iter_from(original_start.as_jiff())
        .next()
        .filter(|instance| Timestamp::from(instance.start) == original_start)
        .ok_or(EventError::NotFound)
}

/// Writes what a change to one occurrence left it as (with the event's `exceptions` as they are
/// now) and moves the event's version on; answers with the occurrence.
async fn finish_occurrence_change(
    tx: &mut Tx,
    owner_id: Uuid,
    event_id: Uuid,
    instance: recurrence::Occurrence,
    exceptions: Vec<Exception>,
) -> Result<Occurrence, EventError> {
    event_storage::touch_event(tx, event_id).await?;
    let event = event_storage::find_event_in(tx, owner_id, event_id)
        .await?
        .ok_or(EventError::NotFound)?;
    let overrides = Overrides::new(exceptions, &event);
    let generated = overrides.apply(event_id, instance);
    occurrences::restate_occurrence(tx, event_id, &generated).await?;
    Ok(occurrence_of(&event, generated))
}

pub(super) async fn edit_occurrence(
    db: &Db,
    owner_id: Uuid,
    found: &Occurrence,
    input: OccurrenceInput,
    precondition: Option<&Precondition>,
) -> Result<Occurrence, EventError> {
    let mut tx = db.transaction().await?;
    let event = locked(&mut tx, owner_id, found.event_id, precondition).await?;
    if event.recurrence.is_none() {
        return Err(EventError::NotRecurring(
            "This event does not repeat: change the event itself.",
        ));
    }
    let instance = instance_at(&event, found.original_start)?;
    let (mut kept, existing): (Vec<Exception>, Vec<Exception>) =
        exceptions::list_exceptions_in(&mut tx, event.id)
            .await?
            .into_iter()
            .partition(|exception| exception.original_start != found.original_start);
    let exception = input::resolve_exception(&event, instance, existing.into_iter().next(), input)
        .map_err(EventError::Invalid)?;
    match exception {
        Some(exception) => {
            exceptions::put_exception(&mut tx, event.id, owner_id, &exception).await?;
            kept.push(exception);
        }
        None => {
            exceptions::delete_exceptions(&mut tx, event.id, &[found.original_start]).await?;
        }
    }
    let occurrence = finish_occurrence_change(&mut tx, owner_id, event.id, instance, kept).await?;
    tx.commit(db, owner_id).await?;
    Ok(occurrence)
}

pub(super) async fn set_cancelled(
    db: &Db,
    limits: SeriesLimits,
    owner_id: Uuid,
    found: &Occurrence,
    cancelled: bool,
    precondition: Option<&Precondition>,
) -> Result<Occurrence, EventError> {
    let mut tx = db.transaction().await?;
    let mut event = locked(&mut tx, owner_id, found.event_id, precondition).await?;
    let instance = instance_at(&event, found.original_start)?;
    let Some(recurrence) = event.recurrence.as_mut() else {
        // Nothing of a one-off event is ever cancelled, so there is nothing to restore.
        if !cancelled {
            return Ok(found.clone());
        }
        return Err(EventError::NotRecurring(
            "This event does not repeat: delete the event instead.",
        ));
    };
    let mut exdates: BTreeSet<Timestamp> = recurrence.exdates.iter().copied().collect();
    let changed = if cancelled {
        exdates.insert(found.original_start)
    } else {
        exdates.remove(&found.original_start)
    };
    recurrence.exdates = exdates.into_iter().collect();
    if cancelled
        && let Err(error) =
            series_of(&event).and_then(|series| series.validate(limits.max_occurrences))
    {
        let message = match error {
            recurrence::RecurrenceError::EveryOccurrenceExcluded => {
                "This is the only occurrence left in the series: delete the event instead."
                    .to_owned()
            }
            other => other.to_string(),
        };
        return Err(EventError::Invalid(FieldErrors::single(
            NON_FIELD_ERRORS,
            message,
        )));
    }
    let kept = exceptions::list_exceptions_in(&mut tx, event.id).await?;
    if !changed {
        let overrides = Overrides::new(kept, &event);
        return Ok(occurrence_of(&event, overrides.apply(event.id, instance)));
    }
    let exdates = event
        .recurrence
        .as_ref()
        .map(|recurrence| recurrence.exdates.clone())
        .unwrap_or_default();
    event_storage::set_exdates(&mut tx, event.id, &exdates).await?;
    let occurrence = finish_occurrence_change(&mut tx, owner_id, event.id, instance, kept).await?;
    tx.commit(db, owner_id).await?;
    Ok(occurrence)
}

pub(super) async fn split(
    db: &Db,
    limits: SeriesLimits,
    owner_id: Uuid,
    id: Uuid,
    input: SplitInput,
    precondition: Option<&Precondition>,
) -> Result<Split, EventError> {
    let mut tx = db.transaction().await?;
    let current = locked(&mut tx, owner_id, id, precondition).await?;
    let Some(recurrence) = current.recurrence.clone() else {
        return Err(EventError::NotRecurring(
            "This event does not repeat: change the event itself.",
        ));
    };
    let cut = input::original_start(&current, &input.original_start)
        .map_err(|message| EventError::Invalid(FieldErrors::single("original_start", message)))?;
    let instance = instance_at(&current, cut).map_err(|_| {
        EventError::Invalid(FieldErrors::single("original_start", NOT_AN_OCCURRENCE))
    })?;
    if cut == current.start {
        let updated = update_locked(&mut tx, limits, current, input.event).await?;
        tx.commit(db, owner_id).await?;
        return Ok(Split::Whole(Box::new(updated)));
    }

    // The earlier part: the same series, ending just before the cut.
    let instances = instances_of(&current).map_err(invalid)?;
    let (earlier_end, later_end) = match recurrence.rule.end() {
        End::Count(count) => {
            let before = instances
                .iter()
                .take_while(|instance| Timestamp::from(instance.start) < cut)
                .count();
            let before = u32::try_from(before).unwrap_or(u32::MAX);
            (End::Count(before), End::Count(count.saturating_sub(before)))
        }
        End::Until(until) => (End::Until((cut - JUST_BEFORE).as_jiff()), End::Until(until)),
        End::Never => (End::Until((cut - JUST_BEFORE).as_jiff()), End::Never),
    };
    let (earlier_exdates, later_exdates): (Vec<Timestamp>, Vec<Timestamp>) =
        recurrence.exdates.iter().partition(|&&exdate| exdate < cut);
    let mut earlier = fields_of(&current);
    earlier.recurrence = Some(RecurrenceFields {
        rule: recurrence.rule.with_end(earlier_end).map_err(invalid)?,
        exdates: earlier_exdates,
    });
    earlier.series_end = match series_of(&earlier)
        .and_then(|series| series.validate(limits.max_occurrences))
        .map_err(|error| {
            EventError::Invalid(FieldErrors::single("original_start", error.to_string()))
        })? {
        Extent::Ends { last, .. } => last.end.into(),
        Extent::Forever => Timestamp::MAX,
    };

    // The later part: the rest of the series from the cut, with the changes sent.
    let mut later_base = current.clone();
    later_base.start = Timestamp::from(instance.start);
    later_base.end = Timestamp::from(instance.end);
    if let Some(later_recurrence) = later_base.recurrence.as_mut() {
        later_recurrence.rule = recurrence.rule.with_end(later_end).map_err(invalid)?;
        later_recurrence.exdates = later_exdates;
    }
    let mut later =
        input::resolve(Some(&later_base), input.event, limits).map_err(EventError::Invalid)?;
    let moving: Vec<Exception> = exceptions::list_exceptions_in(&mut tx, id)
        .await?
        .into_iter()
        .filter(|exception| exception.original_start >= cut)
        .collect();
    let gone = prune(&mut later, &moving, limits)?;

    event_storage::write_event(&mut tx, id, &earlier, true).await?;
    occurrences::delete_occurrences_from(&mut tx, id, cut).await?;
    let new_id = Uuid::now_v7();
    event_storage::insert_event_in(&mut tx, owner_id, &later, Some(id), new_id).await?;
    exceptions::move_exceptions(&mut tx, id, cut, new_id).await?;
    exceptions::delete_exceptions(&mut tx, new_id, &gone.exceptions).await?;
    let previous = event_storage::find_event_in(&mut tx, owner_id, id)
        .await?
        .ok_or(EventError::NotFound)?;
    let new = event_storage::find_event_in(&mut tx, owner_id, new_id)
        .await?
        .ok_or(EventError::NotFound)?;
    tx.commit(db, owner_id).await?;
    Ok(Split::Parts {
        previous: Box::new(previous),
        new: Box::new(new),
        dropped_exceptions: gone.dropped,
    })
}

/// A stored event's fields, as a change starts from them.
fn fields_of(event: &Event) -> EventFields {
    EventFields {
        title: event.title.clone(),
        description: event.description.clone(),
        start: event.start,
        end: event.end,
        all_day: event.all_day,
        series_end: event.series_end,
        timezone: event.timezone.clone(),
        recurrence: event
            .recurrence
            .as_ref()
            .map(|recurrence| RecurrenceFields {
                rule: recurrence.rule.clone(),
                exdates: recurrence.exdates.clone(),
            }),
    }
}
