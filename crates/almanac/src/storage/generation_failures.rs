//! Generation jobs that failed, kept with their error for admins. A row lives until the event's
//! occurrences are stored (which deletes it in the same transaction) or the event is deleted.

use uuid::Uuid;

use super::events::Page;
use super::{Db, StorageError, Timestamp, on_pool, on_writer};

/// The latest failure of an event's generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerationFailure {
    pub event_id: Uuid,
    pub revision: i64,
    /// Attempts of the job that failed (its retries included).
    pub attempts: i64,
    pub error: String,
    /// The series cannot be expanded: nothing will retry this revision.
    pub permanent: bool,
}

/// A failure with what an admin needs to find it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RecordedFailure {
    pub event_id: Uuid,
    pub event_title: String,
    pub owner_email: String,
    pub revision: i64,
    pub attempts: i64,
    pub error: String,
    pub permanent: bool,
    pub failed_at: Timestamp,
}

/// Records the latest failure of an event's generation, replacing an earlier one.
pub async fn record_failure(db: &Db, failure: &GenerationFailure) -> Result<(), StorageError> {
    on_writer!(db, pool => sqlx::query(
        "INSERT INTO generation_failures (event_id, revision, attempts, error, permanent, failed_at) \
         SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM events WHERE id = $1) \
         ON CONFLICT (event_id) DO UPDATE SET revision = excluded.revision, attempts = excluded.attempts, \
         error = excluded.error, permanent = excluded.permanent, failed_at = excluded.failed_at",
    )
    .bind(failure.event_id)
    .bind(failure.revision)
    .bind(failure.attempts)
    .bind(&failure.error)
    .bind(failure.permanent)
    .bind(Timestamp::now())
    .execute(pool)
    .await?
    .rows_affected());
    Ok(())
}

/// Recorded failures, the latest first.
pub async fn list_failures(db: &Db, page: Page) -> Result<Vec<RecordedFailure>, StorageError> {
    Ok(on_pool!(db, pool => sqlx::query_as(
        "SELECT f.event_id, e.title AS event_title, u.email AS owner_email, f.revision, f.attempts, \
         f.error, f.permanent, f.failed_at \
         FROM generation_failures f JOIN events e ON e.id = f.event_id JOIN users u ON u.id = e.owner_id \
         ORDER BY f.failed_at DESC, f.event_id LIMIT $1 OFFSET $2",
    )
    .bind(page.limit)
    .bind(page.offset)
    .fetch_all(pool)
    .await?))
}
