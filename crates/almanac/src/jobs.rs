//! Background generation of occurrences. Writes enqueue a job after commit; a worker runs
//! [`events::generate_occurrences`], retrying failures with backoff; a reconciler re-enqueues
//! every event whose occurrences stayed stale past a grace period, so a lost job is redone and the
//! database remains the source of truth.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::events::{self, Generation, GenerationError, SeriesLimits};
use crate::storage::{Db, Timestamp, events as event_storage};

/// Attempts per job before it is left to the reconciler.
const MAX_ATTEMPTS: u32 = 5;
const FIRST_RETRY_DELAY: Duration = Duration::from_millis(200);
/// How long an event may stay stale before the reconciler enqueues it again.
pub const RECONCILE_GRACE: Duration = Duration::from_secs(30);
const RECONCILE_PERIOD: Duration = Duration::from_secs(15);
const RECONCILE_BATCH: i64 = 500;

/// The handle writes use to enqueue generation jobs.
#[derive(Debug, Clone)]
pub struct Jobs {
    sender: mpsc::UnboundedSender<Uuid>,
}

/// The receiving end, consumed by [`run_worker`] (or drained by tests).
#[derive(Debug)]
pub struct JobQueue {
    receiver: mpsc::UnboundedReceiver<Uuid>,
}

pub fn in_process_queue() -> (Jobs, JobQueue) {
    let (sender, receiver) = mpsc::unbounded_channel();
    (Jobs { sender }, JobQueue { receiver })
}

impl Jobs {
    /// Enqueues the generation of the event's occurrences. Never fails the write that called it:
    /// if the job is lost, the reconciler finds the stale event.
    pub async fn enqueue_generation(&self, event_id: Uuid, revision: i64) {
        if self.sender.send(event_id).is_err() {
            tracing::warn!(%event_id, revision, "job queue closed; the reconciler will pick the event up");
        }
    }
}

impl JobQueue {
    /// Runs every queued job now, in order, and returns how many ran (for tests and tools).
    pub async fn run_pending(&mut self, db: &Db, limits: SeriesLimits) -> usize {
        let mut ran = 0;
        while let Ok(event_id) = self.receiver.try_recv() {
            run_with_retries(db, limits, event_id, &CancellationToken::new()).await;
            ran += 1;
        }
        ran
    }
}

impl JobQueue {
    /// Throws away every queued job (what a crashed worker does); returns how many.
    pub fn discard_pending(&mut self) -> usize {
        std::iter::from_fn(|| self.receiver.try_recv().ok()).count()
    }
}

/// Consumes the queue until `shutdown`, reconciling stale events periodically.
pub async fn run_worker(
    mut queue: JobQueue,
    jobs: Jobs,
    db: Db,
    limits: SeriesLimits,
    shutdown: CancellationToken,
) {
    let mut reconcile = tokio::time::interval(RECONCILE_PERIOD);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            Some(event_id) = queue.receiver.recv() => run_with_retries(&db, limits, event_id, &shutdown).await,
            _ = reconcile.tick() => {
                if let Err(error) = reconcile_stale(&db, &jobs, RECONCILE_GRACE).await {
                    tracing::warn!(%error, "reconciler failed; will retry");
                }
            }
        }
    }
}

/// Enqueues every event stale for longer than `grace`. Returns how many were enqueued.
pub async fn reconcile_stale(
    db: &Db,
    jobs: &Jobs,
    grace: Duration,
) -> Result<usize, crate::storage::StorageError> {
    let stale = event_storage::stale_events(db, Timestamp::now() - grace, RECONCILE_BATCH).await?;
    for (event_id, revision) in &stale {
        jobs.enqueue_generation(*event_id, *revision).await;
    }
    if !stale.is_empty() {
        tracing::info!(count = stale.len(), "re-enqueued stale events");
    }
    Ok(stale.len())
}

async fn run_with_retries(
    db: &Db,
    limits: SeriesLimits,
    event_id: Uuid,
    shutdown: &CancellationToken,
) {
    let mut delay = FIRST_RETRY_DELAY;
    for attempt in 1..=MAX_ATTEMPTS {
        match events::generate_occurrences(db, limits, event_id).await {
            Ok(Generation::Stored { occurrences }) => {
                tracing::debug!(%event_id, occurrences, "occurrences generated");
                return;
            }
            Ok(Generation::Skipped) => return,
            Err(GenerationError::InvalidSeries(reason)) => {
                tracing::error!(%event_id, %reason, "cannot generate occurrences");
                return;
            }
            Err(error) if attempt < MAX_ATTEMPTS => {
                tracing::warn!(%event_id, attempt, %error, "generation failed; retrying");
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep(delay) => delay *= 2,
                }
            }
            Err(error) => {
                tracing::error!(%event_id, attempt, %error, "generation failed; left to the reconciler")
            }
        }
    }
}
