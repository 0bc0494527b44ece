//! Failed-login counters in fixed windows, kept in the database so that every web process behind a
//! load balancer sees the same counts.

use super::{Db, StorageError, Timestamp, on_pool, on_writer};

/// Failures counted for `key` in the window that is still open at `now`, and when that window began.
pub async fn current_failures(
    db: &Db,
    key: &str,
    window_opened_after: Timestamp,
) -> Result<Option<(u32, Timestamp)>, StorageError> {
    let row: Option<(i32, Timestamp)> = on_pool!(db, pool => sqlx::query_as(
        "SELECT failures, window_start FROM login_throttle WHERE key = $1 AND window_start > $2",
    )
    .bind(key)
    .bind(window_opened_after)
    .fetch_optional(pool)
    .await?);
    Ok(row.map(|(failures, start)| (u32::try_from(failures).unwrap_or(0), start)))
}

/// Counts one failure for `key`, opening a new window at `now` if the last one closed before
/// `window_opened_after`.
pub async fn record_failure(
    db: &Db,
    key: &str,
    now: Timestamp,
    window_opened_after: Timestamp,
) -> Result<(), StorageError> {
    on_writer!(db, pool => sqlx::query(
        "INSERT INTO login_throttle (key, window_start, failures) VALUES ($1, $2, 1) \
         ON CONFLICT (key) DO UPDATE SET \
           failures = CASE WHEN login_throttle.window_start > $3 THEN login_throttle.failures + 1 ELSE 1 END, \
           window_start = CASE WHEN login_throttle.window_start > $3 THEN login_throttle.window_start ELSE $2 END",
    )
    .bind(key)
    .bind(now)
    .bind(window_opened_after)
    .execute(pool)
    .await?
    .rows_affected());
    Ok(())
}

pub async fn clear_failures(db: &Db, key: &str) -> Result<(), StorageError> {
    on_writer!(db, pool => sqlx::query("DELETE FROM login_throttle WHERE key = $1")
        .bind(key)
        .execute(pool)
        .await?
        .rows_affected());
    Ok(())
}

pub async fn purge_closed_windows(
    db: &Db,
    window_opened_after: Timestamp,
) -> Result<u64, StorageError> {
    let result = on_writer!(db, pool => sqlx::query("DELETE FROM login_throttle WHERE window_start <= $1")
        .bind(window_opened_after)
        .execute(pool)
        .await?
        .rows_affected());
    Ok(result)
}
