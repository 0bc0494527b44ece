//! Events and their series: input validated through the recurrence engine, writes that mark the
//! occurrences stale and ask for their generation, the generation itself (run by the job
//! worker), and the occurrences a calendar asks for — stored ones, and beyond a series' stored
//! horizon, ones computed on the fly.

mod changes;
mod creations;
mod generation;
mod identity;
mod input;
mod overrides;
mod series;
mod window;

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use uuid::Uuid;

use crate::storage::events::{self as event_storage, Event, Listed, NewEvent, Page};
use crate::storage::idempotency::{self, Creation, IdempotencyKey};
use crate::storage::occurrences::{Occurrence, OccurrenceFilter};
use crate::storage::{Db, StorageError};
use crate::validation::FieldErrors;

pub use changes::{OccurrenceInput, Split, SplitInput, Updated};
use creations::Creations;
pub use generation::{
    Generation, GenerationError, extend_series, generate_occurrences, generate_occurrences_of,
    series_behind_horizon,
};
pub use identity::occurrence_id;
pub use input::{
    CHOICE_MAX_LENGTH, DATETIME_MAX_LENGTH, DESCRIPTION_MAX_LENGTH, EventInput, RRULE_MAX_LENGTH,
    RecurrenceInput, RuleFieldsInput, RuleInput, TITLE_MAX_LENGTH,
};
pub use series::{describe_rule, series_of};

pub const DEFAULT_TIMEZONE: &str = "UTC";

#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("not found")]
    NotFound,
    /// The client's `If-Match` names another version than the current one.
    #[error("the event is at version {current}, not the one expected")]
    PreconditionFailed { current: i64 },
    /// A change that only a series can take (cancelling one occurrence of a one-off event).
    #[error("{0}")]
    NotRecurring(&'static str),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("the change was interrupted: {0}")]
    Interrupted(tokio::task::JoinError),
}

/// The version a client expects an event to be at when it writes (HTTP `If-Match`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// Whatever the version (`If-Match: *`): the event must exist.
    Any,
    /// One of these versions; an empty list never holds.
    OneOf(Vec<i64>),
}

impl Precondition {
    fn check(precondition: Option<&Precondition>, event: &Event) -> Result<(), EventError> {
        match precondition {
            Some(Precondition::OneOf(versions)) if !versions.contains(&event.version) => {
                Err(EventError::PreconditionFailed {
                    current: event.version,
                })
            }
            _ => Ok(()),
        }
    }
}

/// Limits that come from configuration.
#[derive(Debug, Clone, Copy)]
pub struct SeriesLimits {
    /// The most occurrences one generation stores; a series with an end may not have more.
    pub max_occurrences: usize,
    /// How far ahead of now a series without end is stored.
    pub horizon: Duration,
}

/// Where writes ask for an event's occurrences to be generated (the job queue). Asking never
/// fails a write: a request that cannot be queued is left to the reconciler.
pub trait GenerationQueue: std::fmt::Debug + Send + Sync {
    /// Asks for each event's occurrences at its revision.
    fn enqueue_generations<'a>(&'a self, events: &'a [(Uuid, i64)]) -> BoxFuture<'a, ()>;

    fn enqueue_generation(&self, event_id: Uuid, revision: i64) -> BoxFuture<'_, ()> {
        Box::pin(async move { self.enqueue_generations(&[(event_id, revision)]).await })
    }
}

/// The event rules, over storage and the generation queue.
#[derive(Debug, Clone)]
pub struct Events {
    db: Db,
    queue: Arc<dyn GenerationQueue>,
    limits: SeriesLimits,
    creations: Creations,
}

impl Events {
    /// Needs a Tokio runtime: creations are written by a task of their own.
    pub fn new(db: Db, queue: Arc<dyn GenerationQueue>, limits: SeriesLimits) -> Self {
        let creations = Creations::start(db.clone(), queue.clone());
        Events {
            db,
            queue,
            limits,
            creations,
        }
    }

    /// Creates an event and queues the generation of its occurrences. The creation is written
    /// with those that wait at the same moment, and is written even if the caller stops waiting.
    pub async fn create(&self, owner_id: Uuid, input: EventInput) -> Result<Event, EventError> {
        let fields = input::resolve(None, input, self.limits).map_err(EventError::Invalid)?;
        Ok(self.creations.create(NewEvent { owner_id, fields }).await?)
    }

    /// Creates an event unless `key` was used before: a retried request gets the event its first
    /// try created.
    pub async fn create_once(
        &self,
        owner_id: Uuid,
        input: EventInput,
        key: IdempotencyKey,
    ) -> Result<Creation, EventError> {
        let fields = input::resolve(None, input, self.limits).map_err(EventError::Invalid)?;
        let (db, queue) = (self.db.clone(), self.queue.clone());
        to_completion(async move {
            let creation = idempotency::insert_event_once(&db, owner_id, &fields, &key).await?;
            if let Creation::New(event) = &creation {
                queue.enqueue_generation(event.id, event.revision).await;
            }
            Ok(creation)
        })
        .await
    }

    /// Applies a full (PUT) or partial (PATCH) update; absent fields keep their values, as in
    /// DRF. Exceptions and cancellations whose occurrence the new schedule no longer has go.
    pub async fn update(
        &self,
        owner_id: Uuid,
        id: Uuid,
        input: EventInput,
        precondition: Option<Precondition>,
    ) -> Result<Updated, EventError> {
        let (db, queue, limits) = (self.db.clone(), self.queue.clone(), self.limits);
        to_completion(async move {
            let updated =
                changes::update(&db, limits, owner_id, id, input, precondition.as_ref()).await?;
            if updated.schedule_changed {
                queue
                    .enqueue_generation(updated.event.id, updated.event.revision)
                    .await;
            }
            Ok(updated)
        })
        .await
    }

    pub async fn delete(
        &self,
        owner_id: Uuid,
        id: Uuid,
        precondition: Option<Precondition>,
    ) -> Result<(), EventError> {
        let db = self.db.clone();
        to_completion(async move {
            let mut tx = db.transaction().await?;
            let event = event_storage::lock_event(&mut tx, owner_id, id)
                .await?
                .ok_or(EventError::NotFound)?;
            Precondition::check(precondition.as_ref(), &event)?;
            event_storage::delete_event_in(&mut tx, id).await?;
            tx.commit(&db, owner_id).await?;
            Ok(())
        })
        .await
    }

    /// Replaces the rule of the event that owns recurrence `id` (PUT /recurrences/{id}/).
    pub async fn replace_recurrence(
        &self,
        owner_id: Uuid,
        id: Uuid,
        recurrence: RecurrenceInput,
    ) -> Result<Updated, EventError> {
        let event = event_storage::find_event_by_recurrence(&self.db, owner_id, id)
            .await?
            .ok_or(EventError::NotFound)?;
        let input = EventInput {
            recurrence: Some(Some(recurrence)),
            ..EventInput::default()
        };
        let updated = self.update(owner_id, event.id, input, None).await;
        // Errors of a standalone rule are reported at the top level, not under "recurrence".
        updated.map_err(|error| match error {
            EventError::Invalid(errors) => EventError::Invalid(errors.unnest("recurrence")),
            other => other,
        })
    }

    /// Removes the rule of the event that owns recurrence `id`: the event becomes a one-off.
    pub async fn delete_recurrence(&self, owner_id: Uuid, id: Uuid) -> Result<(), EventError> {
        let event = event_storage::find_event_by_recurrence(&self.db, owner_id, id)
            .await?
            .ok_or(EventError::NotFound)?;
        let input = EventInput {
            recurrence: Some(None),
            ..EventInput::default()
        };
        self.update(owner_id, event.id, input, None)
            .await
            .map(|_| ())
    }

    /// Gives one occurrence fields of its own (makes it an exception), or gives them back to
    /// the series (`null`).
    pub async fn edit_occurrence(
        &self,
        owner_id: Uuid,
        id: Uuid,
        input: OccurrenceInput,
        precondition: Option<Precondition>,
    ) -> Result<Occurrence, EventError> {
        let found = self
            .find_occurrence(owner_id, id)
            .await?
            .ok_or(EventError::NotFound)?;
        let db = self.db.clone();
        to_completion(async move {
            changes::edit_occurrence(&db, owner_id, &found, input, precondition.as_ref()).await
        })
        .await
    }

    /// Cancels one occurrence (adds its original start to the rule's exclusion dates), or brings
    /// a cancelled one back.
    pub async fn set_occurrence_cancelled(
        &self,
        owner_id: Uuid,
        id: Uuid,
        cancelled: bool,
        precondition: Option<Precondition>,
    ) -> Result<Occurrence, EventError> {
        let found = self
            .find_occurrence(owner_id, id)
            .await?
            .ok_or(EventError::NotFound)?;
        let (db, limits) = (self.db.clone(), self.limits);
        to_completion(async move {
            let precondition = precondition.as_ref();
            changes::set_cancelled(&db, limits, owner_id, &found, cancelled, precondition).await
        })
        .await
    }

    /// "This and following": the series ends before the occurrence originally at
    /// `input.original_start`, and a new event holds the rest with the changes in `input`.
    pub async fn split(
        &self,
        owner_id: Uuid,
        id: Uuid,
        input: SplitInput,
        precondition: Option<Precondition>,
    ) -> Result<Split, EventError> {
        let (db, queue, limits) = (self.db.clone(), self.queue.clone(), self.limits);
        to_completion(async move {
            let split =
                changes::split(&db, limits, owner_id, id, input, precondition.as_ref()).await?;
            match &split {
                Split::Whole(updated) => {
                    if updated.schedule_changed {
                        let event = &updated.event;
                        queue.enqueue_generation(event.id, event.revision).await;
                    }
                }
                Split::Parts { previous, new, .. } => {
                    queue
                        .enqueue_generation(previous.id, previous.revision)
                        .await;
                    queue.enqueue_generation(new.id, new.revision).await;
                }
            }
            Ok(split)
        })
        .await
    }

    /// The owner's occurrences matching `filter`, by start time: those stored, and those of series
    /// stored only up to a horizon computed beyond it, with the ids they will have once stored.
    pub async fn list_occurrences(
        &self,
        owner_id: Uuid,
        filter: OccurrenceFilter,
        page: Page,
    ) -> Result<Listed<Occurrence>, StorageError> {
        window::list_occurrences(&self.db, owner_id, filter, page).await
    }

    /// One of the owner's occurrences, stored or beyond its series' stored horizon, cancelled
    /// or not.
    pub async fn find_occurrence(
        &self,
        owner_id: Uuid,
        id: Uuid,
    ) -> Result<Option<Occurrence>, StorageError> {
        window::find_occurrence(&self.db, owner_id, id).await
    }
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
