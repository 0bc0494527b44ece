//! Background generation of occurrences (DESIGN §4). Writes enqueue a job after commit; apalis
//! workers run [`events::generate_occurrences`], retrying failures with backoff and recording the
//! ones that keep failing; a reconciler re-enqueues every event whose occurrences stayed stale
//! past a grace period, so a job lost with a worker or a broker is redone and the database stays
//! the source of truth.

mod queue;
mod worker;

use std::time::Duration;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::events::SeriesLimits;
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

/// What a worker needs to run jobs.
#[derive(Debug, Clone)]
pub struct JobContext {
    pub db: Db,
    pub limits: SeriesLimits,
    /// Jobs one worker runs at once.
    pub concurrency: usize,
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
