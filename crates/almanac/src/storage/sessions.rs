//! Browser sessions. The cookie's token is never stored, only its SHA-256, so a copy of the
//! database does not hand out live sessions.

use uuid::Uuid;

use super::users::User;
use super::{Db, StorageError, Timestamp, on_pool, on_writer};

/// A live session: its user, and the token that unsafe requests must echo.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub csrf_token: String,
}

pub async fn insert_session(
    db: &Db,
    token_hash: &[u8],
    user_id: Uuid,
    csrf_token: &str,
    expires_at: Timestamp,
) -> Result<(), StorageError> {
    on_writer!(db, pool => sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(csrf_token)
    .bind(Timestamp::now())
    .bind(expires_at)
    .execute(pool)
    .await?
    .rows_affected());
    Ok(())
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    #[sqlx(flatten)]
    user: User,
    csrf_token: String,
}

/// The unexpired session with this token hash, if its user is still active.
pub async fn find_session(
    db: &Db,
    token_hash: &[u8],
    now: Timestamp,
) -> Result<Option<Session>, StorageError> {
    const SQL: &str = "SELECT u.id, u.email, u.password_hash, u.is_active, u.is_staff, \
        u.date_joined, u.last_login, s.csrf_token \
        FROM sessions s JOIN users u ON u.id = s.user_id \
        WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.is_active";
    let row: Option<SessionRow> = on_pool!(db, pool => sqlx::query_as(SQL)
        .bind(token_hash)
        .bind(now)
        .fetch_optional(pool)
        .await?);
    Ok(row.map(|row| Session {
        user: row.user,
        csrf_token: row.csrf_token,
    }))
}

/// Ends a session (sign-out). Ending one that does not exist is not an error.
pub async fn delete_session(db: &Db, token_hash: &[u8]) -> Result<(), StorageError> {
    on_writer!(db, pool => sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(pool)
        .await?
        .rows_affected());
    Ok(())
}

pub async fn purge_expired_sessions(db: &Db, now: Timestamp) -> Result<u64, StorageError> {
    Ok(
        on_writer!(db, pool => sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(pool)
        .await?
        .rows_affected()),
    )
}
