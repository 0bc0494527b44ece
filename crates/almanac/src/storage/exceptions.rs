//! Occurrence exceptions: what one occurrence of a series changes (its title, description or
//! time), kept by its original start (RFC 5545 RECURRENCE-ID) so that it survives every
//! regeneration of the series that still produces that start. Cancellations are not kept here:
//! they are the rule's exclusion dates.

use uuid::Uuid;

use super::{Db, StorageError, Timestamp, Tx, on_pool, on_tx};

/// What one occurrence overrides; `None` follows the series.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Exception {
    pub original_start: Timestamp,
    pub title: Option<String>,
    pub description: Option<String>,
    /// The occurrence's own start and end, set together.
    pub start_at: Option<Timestamp>,
    pub end_at: Option<Timestamp>,
}

const SELECT: &str = "SELECT original_start, title, description, start_at, end_at \
     FROM occurrence_exceptions WHERE event_id = $1 ORDER BY original_start";

/// An event's exceptions, by original start.
pub async fn list_exceptions(db: &Db, event_id: Uuid) -> Result<Vec<Exception>, StorageError> {
    Ok(on_pool!(db, pool => sqlx::query_as(SELECT).bind(event_id).fetch_all(pool).await?))
}

/// The exceptions of several events, each with its event's id, by event and original start.
pub async fn list_exceptions_of(
    db: &Db,
    event_ids: &[Uuid],
) -> Result<Vec<(Uuid, Exception)>, StorageError> {
    if event_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<OwnedException> = on_pool!(db, pool => {
        let mut query = sqlx::QueryBuilder::new(
            "SELECT event_id, original_start, title, description, start_at, end_at \
             FROM occurrence_exceptions WHERE event_id IN ",
        );
        super::push_id_list(&mut query, event_ids);
        query.push(" ORDER BY event_id, original_start");
        query.build_query_as().persistent(false).fetch_all(pool).await?
    });
    Ok(rows
        .into_iter()
        .map(|row| (row.event_id, row.exception))
        .collect())
}

#[derive(sqlx::FromRow)]
struct OwnedException {
    event_id: Uuid,
    #[sqlx(flatten)]
    exception: Exception,
}

/// The owner's exceptions of original starts at or after `from`, with their events: those of the
/// series a window computes beyond their stored horizon, in one query.
pub async fn list_owner_exceptions_from(
    db: &Db,
    owner_id: Uuid,
    from: Timestamp,
) -> Result<Vec<(Uuid, Exception)>, StorageError> {
    const SQL: &str = "SELECT event_id, original_start, title, description, start_at, end_at \
         FROM occurrence_exceptions WHERE owner_id = $1 AND original_start >= $2 \
         ORDER BY event_id, original_start";
    let rows: Vec<OwnedException> =
        on_pool!(db, pool => sqlx::query_as(SQL).bind(owner_id).bind(from).fetch_all(pool).await?);
    Ok(rows
        .into_iter()
        .map(|row| (row.event_id, row.exception))
        .collect())
}

/// An event's exceptions, by original start, inside a change.
pub async fn list_exceptions_in(
    tx: &mut Tx,
    event_id: Uuid,
) -> Result<Vec<Exception>, StorageError> {
    Ok(on_tx!(tx, conn => sqlx::query_as(SELECT).bind(event_id).fetch_all(conn).await?))
}

/// Adds or replaces the exception of the occurrence at `exception.original_start`.
pub async fn put_exception(
    tx: &mut Tx,
    event_id: Uuid,
    owner_id: Uuid,
    exception: &Exception,
) -> Result<(), StorageError> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO occurrence_exceptions (event_id, owner_id, original_start, title, description, start_at, end_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (event_id, original_start) DO UPDATE SET title = excluded.title, \
         description = excluded.description, start_at = excluded.start_at, end_at = excluded.end_at",
    )
    .bind(event_id)
    .bind(owner_id)
    .bind(exception.original_start)
    .bind(&exception.title)
    .bind(&exception.description)
    .bind(exception.start_at)
    .bind(exception.end_at)
    .execute(conn)
    .await?
    .rows_affected());
    Ok(())
}

/// Removes the exceptions of these original starts.
pub async fn delete_exceptions(
    tx: &mut Tx,
    event_id: Uuid,
    original_starts: &[Timestamp],
) -> Result<(), StorageError> {
    for &original_start in original_starts {
        on_tx!(tx, conn => sqlx::query(
            "DELETE FROM occurrence_exceptions WHERE event_id = $1 AND original_start = $2",
        )
        .bind(event_id)
        .bind(original_start)
        .execute(conn)
        .await?
        .rows_affected());
    }
    Ok(())
}

/// Hands the exceptions from `from` on over to another event (the later part of a split series).
pub async fn move_exceptions(
    tx: &mut Tx,
    event_id: Uuid,
    from: Timestamp,
    to_event_id: Uuid,
) -> Result<(), StorageError> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE occurrence_exceptions SET event_id = $3 WHERE event_id = $1 AND original_start >= $2",
    )
    .bind(event_id)
    .bind(from)
    .bind(to_event_id)
    .execute(conn)
    .await?
    .rows_affected());
    Ok(())
}
