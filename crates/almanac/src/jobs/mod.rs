//! Background generation of occurrences. Writes enqueue a job after commit; apalis workers run
//! [`events::generate_occurrences_of`] on the events of the jobs in hand, together (see
//! `generator`), retrying failures with backoff and recording the ones that keep failing; a reconciler re-enqueues every event whose occurrences stayed stale past a grace
//! period, so a job lost with a worker or a broker is redone and the database stays the source of
//! truth. Workers also move the stored horizon of series without end forward, daily.

mod generator;
mod outage;
mod queue;
mod wakeups;
mod worker;

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::events::{self, SeriesLimits};
use crate::storage::{Db, StorageError, Timestamp, events as event_storage};

pub use queue::{Jobs, QueueError, QueueTarget};
pub use worker::{run_until_idle, run_worker};

/// Attempts of one job: the first run and three retries with exponential backoff.
pub const MAX_ATTEMPTS: usize = 4;
/// How long an event may stay stale before the reconciler enqueues it again, at the least.
pub const RECONCILE_GRACE: Duration = Duration::from_secs(30);
const RECONCILE_BATCH: i64 = 500;

/// Materialize the occurrences of `revision` of an event. Only the event id matters to the job
/// (it always generates the current revision); the revision makes logs and queues legible.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenerateOccurrences {
    pub event_id: Uuid,
    pub revision: i64,
}

/// Series whose horizon is moved forward per query of the stale ones.
const HORIZON_BATCH: i64 = 200;

/// What a worker needs to run jobs.
#[derive(Debug, Clone)]
pub struct JobContext {
    pub db: Db,
    pub limits: SeriesLimits,
    /// Jobs one worker runs at once.
    pub concurrency: usize,
    /// What time it is: how far ahead series without end are stored depends on it.
    pub clock: Clock,
}

/// The time as jobs see it: the system's, or one a test drives.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> Timestamp + Send + Sync>);

impl Clock {
    pub fn system() -> Clock {
        Clock(Arc::new(Timestamp::now))
    }

    pub fn from_fn(now: impl Fn() -> Timestamp + Send + Sync + 'static) -> Clock {
        Clock(Arc::new(now))
    }

    pub fn now(&self) -> Timestamp {
        (self.0)()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Clock").field(&self.now()).finish()
    }
}

/// Enqueues every event whose occurrences have been stale since before `revised_before`, except
/// those whose current revision failed for good. Returns how many were enqueued.
pub async fn reconcile_stale(
    db: &Db,
    jobs: &Jobs,
    revised_before: Timestamp,
) -> Result<usize, StorageError> {
    let stale = event_storage::stale_events(db, revised_before, RECONCILE_BATCH).await?;
    for (event_id, revision) in &stale {
        jobs.enqueue_generation(*event_id, *revision).await;
    }
    if !stale.is_empty() {
        tracing::info!(count = stale.len(), "re-enqueued stale events");
    }
    Ok(stale.len())
}

/// Stores every series without end up to the horizon as of the context's clock; returns how many
/// stretches were stored. Several workers may run it at once: each stretch is stored once.
pub async fn advance_horizons(context: &JobContext) -> Result<usize, StorageError> {
    let mut stored = 0;
    loop {
        let now = context.clock.now();
        let behind =
            events::series_behind_horizon(&context.db, context.limits, now, HORIZON_BATCH).await?;
        let mut progress = false;
        for event_id in &behind {
            match events::extend_series(&context.db, context.limits, *event_id, now).await {
                Ok(events::Generation::Stored { .. }) => {
                    stored += 1;
                    progress = true;
                }
                Ok(events::Generation::Skipped) => {}
                Err(events::GenerationError::Storage(error)) => return Err(error),
                Err(error) => tracing::warn!(%event_id, %error, "cannot extend a series"),
            }
        }
        // A series that cannot be extended stays behind; do not spin on it.
        if !progress {
            return Ok(stored);
        }
    }
}
