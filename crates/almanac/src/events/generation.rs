//! Materializing a series: the whole of a series with an end; a series without end up to a
//! horizon ahead of now, which the workers move forward day after day (see `jobs`).

use std::collections::{HashMap, HashSet};

use recurrence::{Occurrences, Series};
use uuid::Uuid;

use super::SeriesLimits;
use super::overrides::Overrides;
use super::series::instances_of;
use crate::storage::events::{self as event_storage, Event};
use crate::storage::exceptions::{self, Exception};
use crate::storage::occurrences::{self, GeneratedOccurrence, StoreOutcome, Stretch, WholeSeries};
use crate::storage::{Db, StorageError, Timestamp};

/// What a generation run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generation {
    /// The occurrences of this revision are stored (for a series without end, up to the horizon).
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
}

/// How many times generation starts again when a change to one of the event's occurrences
/// lands while it works; then the reconciler takes over.
const ATTEMPTS: usize = 5;

/// Materializes the occurrences of the event's current revision, as of `now`. Idempotent, and
/// safe against races: only the event as it is now is ever stored. A change to one occurrence
/// meanwhile (which moves the event's version, not its revision) makes it start again.
pub async fn generate_occurrences(
    db: &Db,
    limits: SeriesLimits,
    event_id: Uuid,
    now: Timestamp,
) -> Result<Generation, GenerationError> {
    let mut results = generate_occurrences_of(db, limits, &[event_id], now).await?;
    results.pop().unwrap_or(Ok(Generation::Skipped))
}

/// [`generate_occurrences`] for several events at once: two reads and one transaction for all
/// of them. A series that cannot be expanded fails alone; a storage error fails them all. Returns
/// one result per id, in order; an id given twice is generated once, and skipped the second time.
pub async fn generate_occurrences_of(
    db: &Db,
    limits: SeriesLimits,
    event_ids: &[Uuid],
    now: Timestamp,
) -> Result<Vec<Result<Generation, GenerationError>>, StorageError> {
    let mut results: Vec<Option<Result<Generation, GenerationError>>> =
        event_ids.iter().map(|_| None).collect();
    let mut seen = HashSet::new();
    let mut pending: Vec<usize> = Vec::new();
    for (index, event_id) in event_ids.iter().enumerate() {
        if seen.insert(*event_id) {
            pending.push(index);
        } else {
            results[index] = Some(Ok(Generation::Skipped));
        }
    }
    for _ in 0..ATTEMPTS {
        if pending.is_empty() {
            break;
        }
        let ids: Vec<Uuid> = pending.iter().map(|&index| event_ids[index]).collect();
        let mut events: HashMap<Uuid, Event> = event_storage::find_events_by_ids(db, &ids)
            .await?
            .into_iter()
            .filter(|event| !event.occurrences_ready())
            .map(|event| (event.id, event))
            .collect();
        let stale: Vec<Uuid> = events.keys().copied().collect();
        let mut exceptions_by_event: HashMap<Uuid, Vec<Exception>> = HashMap::new();
        for (event_id, exception) in exceptions::list_exceptions_of(db, &stale).await? {
            exceptions_by_event
                .entry(event_id)
                .or_default()
                .push(exception);
        }
        let mut materialized = Vec::new();
        for index in pending.drain(..) {
            let Some(event) = events.remove(&event_ids[index]) else {
                results[index] = Some(Ok(Generation::Skipped));
                continue;
            };
            let exceptions = exceptions_by_event.remove(&event.id).unwrap_or_default();
            match materialize(&event, exceptions, limits, now) {
                Ok((occurrences, stored_until)) => {
                    materialized.push((index, event, occurrences, stored_until));
                }
                Err(error) => results[index] = Some(Err(error)),
            }
        }
        let batch: Vec<WholeSeries<'_>> = materialized
            .iter()
            .map(|(_, event, occurrences, stored_until)| WholeSeries {
                event,
                occurrences,
                stored_until: stored_until.map(Timestamp::from),
            })
            .collect();
        let outcomes = occurrences::store_whole_series(db, &batch).await?;
        for ((index, _, occurrences, _), outcome) in materialized.iter().zip(outcomes) {
            match outcome {
                StoreOutcome::Stored => {
                    results[*index] = Some(Ok(Generation::Stored {
                        occurrences: occurrences.len(),
                    }));
                }
                StoreOutcome::Superseded => pending.push(*index),
            }
        }
    }
    // Still superseded after every attempt: the reconciler takes them over.
    Ok(results
        .into_iter()
        .map(|result| result.unwrap_or(Ok(Generation::Skipped)))
        .collect())
}

/// The occurrences of the event's current revision as they are stored — up to the horizon as of
/// `now` for a series without end — and the start of the first one left out.
fn materialize(
    event: &Event,
    exceptions: Vec<Exception>,
    limits: SeriesLimits,
    now: Timestamp,
) -> Result<(Vec<GeneratedOccurrence>, Option<recurrence::Timestamp>), GenerationError> {
    let series = valid_series(event)?;
    let (occurrences, stored_until) = if series.is_open_ended() {
        stretch(series.iter(), now + limits.horizon, limits.max_occurrences)
    } else {
        let whole = series
            .expand(limits.max_occurrences)
            .map_err(|error| GenerationError::InvalidSeries(error.to_string()))?;
        (whole, None)
    };
    let overrides = Overrides::new(exceptions, event);
    let generated = occurrences
        .iter()
        .map(|&instance| overrides.apply(event.id, instance))
        .collect();
    Ok((generated, stored_until))
}

/// Stores the next stretch of a series without end, up to the horizon as of `now` (or
/// `max_occurrences` more, whichever comes first). Skipped if the event is not generated for its
/// current revision, or already stored that far.
pub async fn extend_series(
    db: &Db,
    limits: SeriesLimits,
    event_id: Uuid,
    now: Timestamp,
) -> Result<Generation, GenerationError> {
    let horizon = now + limits.horizon;
    let Some(event) = event_storage::find_event_by_id(db, event_id).await? else {
        return Ok(Generation::Skipped);
    };
    let Some(from) = event.stored_until.filter(|&from| from < horizon) else {
        return Ok(Generation::Skipped);
    };
    if !event.occurrences_ready() {
        return Ok(Generation::Skipped);
    }
    let series = valid_series(&event)?;
    let (occurrences, stored_until) = stretch(
        series.iter_from(from.as_jiff()),
        horizon,
        limits.max_occurrences,
    );
    let overrides = Overrides::new(exceptions::list_exceptions(db, event.id).await?, &event);
    store(
        db,
        &event,
        &overrides,
        Stretch::After { from },
        &occurrences,
        stored_until,
    )
    .await
}

async fn store(
    db: &Db,
    event: &Event,
    overrides: &Overrides,
    stretch: Stretch,
    occurrences: &[recurrence::Occurrence],
    stored_until: Option<recurrence::Timestamp>,
) -> Result<Generation, GenerationError> {
    let generated: Vec<GeneratedOccurrence> = occurrences
        .iter()
        .map(|&instance| overrides.apply(event.id, instance))
        .collect();
    let outcome = occurrences::store_occurrences(
        db,
        event,
        stretch,
        &generated,
        stored_until.map(Timestamp::from),
    )
    .await?;
    Ok(match outcome {
        StoreOutcome::Stored => Generation::Stored {
            occurrences: generated.len(),
        },
        StoreOutcome::Superseded => Generation::Skipped,
    })
}

/// Series without end stored only up to a point before the horizon as of `now`: the ones to
/// extend, at most `limit` of them.
pub async fn series_behind_horizon(
    db: &Db,
    limits: SeriesLimits,
    now: Timestamp,
    limit: i64,
) -> Result<Vec<Uuid>, StorageError> {
    event_storage::series_behind_horizon(db, now + limits.horizon, limit).await
}

/// Every instance of the event's rule: cancelled ones are stored too, and shown on request.
fn valid_series(event: &Event) -> Result<Series, GenerationError> {
    instances_of(event).map_err(|error| GenerationError::InvalidSeries(error.to_string()))
}

/// The occurrences that start before `horizon` (at least one, so that a series starting beyond
/// it is stored with its first), at most `max`; and the start of the first one left out, before
/// which everything is stored — `None` when the series has no more.
fn stretch(
    occurrences: Occurrences<'_>,
    horizon: Timestamp,
    max: usize,
) -> (Vec<recurrence::Occurrence>, Option<recurrence::Timestamp>) {
    let mut occurrences = occurrences.peekable();
    let mut taken = Vec::new();
    while let Some(next) = occurrences.peek() {
        let beyond = Timestamp::from(next.start) >= horizon;
        if taken.len() == max || (beyond && !taken.is_empty()) {
            return (taken, Some(next.start));
        }
        taken.extend(occurrences.next());
    }
    (taken, None)
}
