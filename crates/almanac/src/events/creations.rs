//! Creations written together (a group commit). A creation that finds the writer idle is written
//! at once, alone; under a burst — a busy server, an import — those that arrive while a batch is
//! written go together in the next: one transaction, one `INSERT` per table, and their generation
//! jobs queued in one push. On SQLite every write takes its turn on one connection, where a
//! creation of its own costs a transaction and its round trips to that connection's thread.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use super::GenerationQueue;
use crate::storage::events::{Event, NewEvent, insert_events};
use crate::storage::{Db, StorageError};

/// Most events created in one transaction.
const MAX_BATCH: usize = 64;

type Reply = oneshot::Sender<Result<Event, StorageError>>;

/// The handle creations go through. The task behind it ends once every handle is dropped and
/// the batch in hand is written.
#[derive(Debug, Clone)]
pub(super) struct Creations {
    requests: mpsc::UnboundedSender<(NewEvent, Reply)>,
}

impl Creations {
    pub(super) fn start(db: Db, queue: Arc<dyn GenerationQueue>) -> Creations {
        let (requests, waiting) = mpsc::unbounded_channel();
        tokio::spawn(run(db, queue, waiting));
        Creations { requests }
    }

    /// Creates the event and queues its generation; the task writes it whether or not the
    /// caller still waits.
    pub(super) async fn create(&self, new: NewEvent) -> Result<Event, StorageError> {
        let (reply, answer) = oneshot::channel();
        self.requests
            .send((new, reply))
            .map_err(|_| StorageError::Unavailable("the creations' writer has stopped".into()))?;
        answer.await.unwrap_or_else(|_| {
            Err(StorageError::Unavailable(
                "the creations' writer stopped before answering".into(),
            ))
        })
    }
}

async fn run(
    db: Db,
    queue: Arc<dyn GenerationQueue>,
    mut waiting: mpsc::UnboundedReceiver<(NewEvent, Reply)>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while waiting.recv_many(&mut batch, MAX_BATCH).await > 0 {
        // In a task of its own, so that a panic fails only this batch's creations.
        let written = tokio::spawn(write(db.clone(), queue.clone(), std::mem::take(&mut batch)));
        if let Err(error) = written.await {
            tracing::error!(%error, "a batch of creations was interrupted");
        }
    }
}

async fn write(db: Db, queue: Arc<dyn GenerationQueue>, batch: Vec<(NewEvent, Reply)>) {
    let (new, replies): (Vec<NewEvent>, Vec<Reply>) = batch.into_iter().unzip();
    match insert_events(&db, &new).await {
        Ok(events) => {
            let jobs: Vec<(uuid::Uuid, i64)> = events
                .iter()
                .map(|event| (event.id, event.revision))
                .collect();
            queue.enqueue_generations(&jobs).await;
            for (reply, event) in replies.into_iter().zip(events) {
                let _ = reply.send(Ok(event));
            }
        }
        Err(error) if replies.len() == 1 => {
            if let Some(reply) = replies.into_iter().next() {
                let _ = reply.send(Err(error));
            }
        }
        // Each on its own then, so that each creation gets its own outcome.
        Err(error) => {
            tracing::debug!(%error, events = new.len(), "a batch of creations failed; writing them one by one");
            for (new, reply) in new.into_iter().zip(replies) {
                let _ = reply.send(alone(&db, queue.as_ref(), new).await);
            }
        }
    }
}

async fn alone(db: &Db, queue: &dyn GenerationQueue, new: NewEvent) -> Result<Event, StorageError> {
    let event = insert_events(db, std::slice::from_ref(&new))
        .await?
        .pop()
        .ok_or(StorageError::NotFound)?;
    queue.enqueue_generation(event.id, event.revision).await;
    Ok(event)
}
