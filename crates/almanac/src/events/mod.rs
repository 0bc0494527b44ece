//! Events and their series: input validated through the recurrence engine, writes that mark the
//! occurrences stale and ask for their generation, the generation itself (run by the job
//! worker), and the occurrences a calendar asks for — stored ones, and beyond a series' stored
//! horizon, ones computed on the fly.

mod generation;
mod identity;
mod input;
mod series;
mod window;

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use uuid::Uuid;

use crate::storage::events::Page;
use crate::storage::events::{self as event_storage, Event};
use crate::storage::occurrences::{Occurrence, OccurrenceFilter};
use crate::storage::{Db, StorageError};
use crate::validation::FieldErrors;

pub use generation::{
    Generation, GenerationError, extend_series, generate_occurrences, series_behind_horizon,
};
pub use identity::occurrence_id;
pub use input::{EventInput, RecurrenceInput, RuleFieldsInput, RuleInput, TITLE_MAX_LENGTH};
pub use series::{describe_rule, series_of};

pub const DEFAULT_TIMEZONE: &str = "UTC";

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
    fn enqueue_generation(&self, event_id: Uuid, revision: i64) -> BoxFuture<'_, ()>;
}

/// The event rules, over storage and the generation queue.
#[derive(Debug, Clone)]
pub struct Events {
    db: Db,
    queue: Arc<dyn GenerationQueue>,
    limits: SeriesLimits,
}

impl Events {
    pub fn new(db: Db, queue: Arc<dyn GenerationQueue>, limits: SeriesLimits) -> Self {
        Events { db, queue, limits }
    }

    /// Creates an event and queues the generation of its occurrences.
    pub async fn create(&self, owner_id: Uuid, input: EventInput) -> Result<Event, EventError> {
        let fields = input::resolve(None, input, self.limits).map_err(EventError::Invalid)?;
        let (db, queue) = (self.db.clone(), self.queue.clone());
        to_completion(async move {
            let event = event_storage::insert_event(&db, owner_id, &fields).await?;
            queue.enqueue_generation(event.id, event.revision).await;
            Ok(event)
        })
        .await
    }

    /// Applies a full (PUT) or partial (PATCH) update; absent fields keep their values, as in
    /// DRF.
    pub async fn update(
        &self,
        owner_id: Uuid,
        id: Uuid,
        input: EventInput,
    ) -> Result<Event, EventError> {
        let current = event_storage::find_event(&self.db, owner_id, id)
            .await?
            .ok_or(EventError::NotFound)?;
        let fields =
            input::resolve(Some(&current), input, self.limits).map_err(EventError::Invalid)?;
        let schedule_changed = fields.start != current.start
            || fields.end != current.end
            || fields.all_day != current.all_day
            || fields.timezone != current.timezone
            || fields.recurrence.as_ref().map(|r| (&r.rule, &r.exdates))
                != current.recurrence.as_ref().map(|r| (&r.rule, &r.exdates));
        let (db, queue) = (self.db.clone(), self.queue.clone());
        to_completion(async move {
            let event = event_storage::update_event(&db, owner_id, id, &fields, schedule_changed)
                .await?
                .ok_or(EventError::NotFound)?;
            if schedule_changed {
                queue.enqueue_generation(event.id, event.revision).await;
            }
            Ok(event)
        })
        .await
    }

    pub async fn delete(&self, owner_id: Uuid, id: Uuid) -> Result<(), EventError> {
        if event_storage::delete_event(&self.db, owner_id, id).await? {
            Ok(())
        } else {
            Err(EventError::NotFound)
        }
    }

    /// Replaces the rule of the event that owns recurrence `id` (PUT /recurrences/{id}/).
    pub async fn replace_recurrence(
        &self,
        owner_id: Uuid,
        id: Uuid,
        recurrence: RecurrenceInput,
    ) -> Result<Event, EventError> {
        let event = event_storage::find_event_by_recurrence(&self.db, owner_id, id)
            .await?
            .ok_or(EventError::NotFound)?;
        let input = EventInput {
            recurrence: Some(Some(recurrence)),
            ..EventInput::default()
        };
        let updated = self.update(owner_id, event.id, input).await;
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
        self.update(owner_id, event.id, input).await.map(|_| ())
    }

    /// The owner's occurrences matching `filter`, by start time: those stored, and those of series
    /// stored only up to a horizon computed beyond it, with the ids they will have once stored.
    pub async fn list_occurrences(
        &self,
        owner_id: Uuid,
        filter: OccurrenceFilter,
        page: Page,
    ) -> Result<Vec<Occurrence>, StorageError> {
        window::list_occurrences(&self.db, owner_id, filter, page).await
    }

    /// One of the owner's occurrences, stored or beyond its series' stored horizon.
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
