//! Idempotency keys of event creation (`Idempotency-Key`): written in the transaction that creates
//! the event, so that a client that lost the answer and retries finds the event it made instead
//! of making a second one, even when the server died between the commit and the answer.

use uuid::Uuid;

use super::events::{Event, EventFields, find_event, insert_event_in};
use super::{Db, StorageError, Timestamp, on_tx, on_writer};

/// A client's key for one creation, and a digest of the request it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    pub key: String,
    pub fingerprint: Vec<u8>,
}

/// What a creation with a key did.
#[derive(Debug)]
pub enum Creation {
    /// The key was new: this event was created with it.
    New(Event),
    /// The key came with the same request before: the event that request created, as it is now
    /// (`None` if it has been deleted since).
    Earlier(Option<Event>),
    /// The key came with a different request before.
    KeyReused,
}

/// Creates the event unless `key` was used before, in which case it says what that use did.
pub async fn insert_event_once(
    db: &Db,
    owner_id: Uuid,
    fields: &EventFields,
    key: &IdempotencyKey,
) -> Result<Creation, StorageError> {
    let mut tx = db.transaction().await?;
    let event_id = Uuid::now_v7();
    // The key's row comes first: a concurrent request with the same key waits here on the row's
    // lock (PostgreSQL) or the write lock (SQLite) until this one commits, then finds it.
    let claimed = on_tx!(&mut tx, conn => sqlx::query(
        "INSERT INTO idempotency_keys (owner_id, key, fingerprint, event_id, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (owner_id, key) DO NOTHING",
    )
    .bind(owner_id)
    .bind(&key.key)
    .bind(&key.fingerprint)
    .bind(event_id)
    .bind(Timestamp::now())
    .execute(&mut *conn)
    .await?
    .rows_affected())
        == 1;
    if !claimed {
        let (fingerprint, earlier): (Vec<u8>, Uuid) = on_tx!(&mut tx, conn => sqlx::query_as(
            "SELECT fingerprint, event_id FROM idempotency_keys WHERE owner_id = $1 AND key = $2",
        )
        .bind(owner_id)
        .bind(&key.key)
        .fetch_one(&mut *conn)
        .await?);
        drop(tx);
        if fingerprint != key.fingerprint {
            return Ok(Creation::KeyReused);
        }
        return Ok(Creation::Earlier(find_event(db, owner_id, earlier).await?));
    }
    let event = insert_event_in(&mut tx, owner_id, fields, None, event_id).await?;
    tx.commit(db, owner_id).await?;
    Ok(Creation::New(event))
}

/// Forgets keys used before `before`.
pub async fn purge_idempotency_keys(db: &Db, before: Timestamp) -> Result<u64, StorageError> {
    Ok(
        on_writer!(db, pool => sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
        .bind(before)
        .execute(pool)
        .await?
        .rows_affected()),
    )
}
