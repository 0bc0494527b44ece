//! Generation jobs run together: the jobs a worker has in hand hand their events to one task,
//! which generates whatever has gathered in one transaction (a group commit). A job that finds
//! the task idle is generated at once, alone; under a backlog the batches fill up, and a series
//! costs a few statements instead of some eight round trips of its own. On PostgreSQL several
//! batches are stored at once: one batch's round trips left the database and the worker mostly
//! waiting (docs/BENCHMARKS.md); SQLite has one writer, so there one batch at a time.

use std::sync::Arc;

use tokio::sync::{Semaphore, mpsc, oneshot};
use uuid::Uuid;

use super::JobContext;
use crate::events::{self, Generation, GenerationError};
use crate::storage::Pool;

/// Most events generated in one transaction.
const MAX_BATCH: usize = 64;
/// Batches stored at once on PostgreSQL.
const POSTGRES_BATCHES_AT_ONCE: usize = 4;

type Reply = oneshot::Sender<Result<Generation, GenerationError>>;

/// The handle jobs generate through. The task behind it ends once every handle is dropped; each
/// batch is stored in a task of its own, so a job whose worker stops still has its batch finished.
#[derive(Debug, Clone)]
pub struct Generator {
    requests: mpsc::UnboundedSender<(Uuid, Reply)>,
    pub context: JobContext,
}

impl Generator {
    pub fn start(context: JobContext) -> Generator {
        let (requests, waiting) = mpsc::unbounded_channel();
        tokio::spawn(run(context.clone(), waiting));
        Generator { requests, context }
    }

    /// Generates the event's current occurrences, with whatever other events wait meanwhile.
    pub async fn generate(&self, event_id: Uuid) -> Result<Generation, GenerationError> {
        let (reply, answer) = oneshot::channel();
        if self.requests.send((event_id, reply)).is_err() {
            return alone(&self.context, event_id).await;
        }
        match answer.await {
            Ok(result) => result,
            Err(_) => alone(&self.context, event_id).await,
        }
    }
}

async fn run(context: JobContext, mut waiting: mpsc::UnboundedReceiver<(Uuid, Reply)>) {
    let at_once = match context.db.writer() {
        Pool::Postgres(_) => POSTGRES_BATCHES_AT_ONCE,
        Pool::Sqlite(_) => 1,
    };
    let turns = Arc::new(Semaphore::new(at_once));
    // A batch gathers while it waits for its turn.
    while let Ok(turn) = turns.clone().acquire_owned().await {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        if waiting.recv_many(&mut batch, MAX_BATCH).await == 0 {
            break;
        }
        let context = context.clone();
        tokio::spawn(async move {
            generate_batch(&context, batch).await;
            drop(turn);
        });
    }
}

async fn generate_batch(context: &JobContext, batch: Vec<(Uuid, Reply)>) {
    let ids: Vec<Uuid> = batch.iter().map(|(event_id, _)| *event_id).collect();
    let now = context.clock.now();
    tracing::debug!(events = ids.len(), "generating together");
    match events::generate_occurrences_of(&context.db, context.limits, &ids, now).await {
        Ok(results) => {
            for ((_, reply), result) in batch.into_iter().zip(results) {
                let _ = reply.send(result);
            }
        }
        // Each on its own then, so that each job gets its own error and retries alone.
        Err(error) => {
            tracing::debug!(%error, events = ids.len(), "a batch of generations failed; running them one by one");
            for (event_id, reply) in batch {
                let _ = reply.send(alone(context, event_id).await);
            }
        }
    }
}

async fn alone(context: &JobContext, event_id: Uuid) -> Result<Generation, GenerationError> {
    events::generate_occurrences(&context.db, context.limits, event_id, context.clock.now()).await
}
