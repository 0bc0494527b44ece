//! Issued refresh tokens, so that a used or logged-out token can be blacklisted for good.

use uuid::Uuid;

use super::{Db, StorageError, Timestamp, on_writer};

pub async fn insert_refresh_token(
    db: &Db,
    jti: &str,
    user_id: Uuid,
    expires_at: Timestamp,
) -> Result<(), StorageError> {
    on_writer!(db, pool => sqlx::query(
        "INSERT INTO refresh_tokens (jti, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(jti)
    .bind(user_id)
    .bind(Timestamp::now())
    .bind(expires_at)
    .execute(pool)
    .await?
    .rows_affected());
    Ok(())
}

/// Blacklists the token if it was issued and is not blacklisted yet. Returns whether this call
/// blacklisted it: `false` means it was unknown or already used, so at most one caller can ever
/// spend a refresh token.
pub async fn blacklist_refresh_token(
    db: &Db,
    jti: &str,
    at: Timestamp,
) -> Result<bool, StorageError> {
    let result = on_writer!(db, pool => sqlx::query(
        "UPDATE refresh_tokens SET blacklisted_at = $1 WHERE jti = $2 AND blacklisted_at IS NULL",
    )
    .bind(at)
    .bind(jti)
    .execute(pool)
    .await?
    .rows_affected());
    Ok(result == 1)
}

/// Forgets tokens that have expired: an expired token is refused whatever its blacklist state.
pub async fn purge_expired_refresh_tokens(db: &Db, now: Timestamp) -> Result<u64, StorageError> {
    let result = on_writer!(db, pool => sqlx::query("DELETE FROM refresh_tokens WHERE expires_at < $1")
        .bind(now)
        .execute(pool)
        .await?
        .rows_affected());
    Ok(result)
}
