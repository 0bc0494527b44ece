//! User accounts.

use uuid::Uuid;

use super::{Db, StorageError, Timestamp, on_pool, on_writer};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub password_hash: String,
    pub is_active: bool,
    pub is_staff: bool,
    pub date_joined: Timestamp,
    pub last_login: Option<Timestamp>,
}

#[derive(Debug)]
pub struct NewUser<'a> {
    pub email: &'a str,
    /// The case-folded email that uniqueness is checked on.
    pub email_key: &'a str,
    pub password_hash: &'a str,
    pub is_staff: bool,
}

/// The unique index that a second account with the same email violates.
pub const EMAIL_UNIQUE: &str = "users_email_key_unique";

macro_rules! user_columns {
    () => {
        "id, email, password_hash, is_active, is_staff, date_joined, last_login"
    };
}

/// Inserts a user; a taken email is `StorageError::Conflict` on [`EMAIL_UNIQUE`].
pub async fn insert_user(db: &Db, new: &NewUser<'_>) -> Result<User, StorageError> {
    const SQL: &str = concat!(
        "INSERT INTO users (id, email, email_key, password_hash, is_active, is_staff, date_joined) ",
        "VALUES ($1, $2, $3, $4, TRUE, $5, $6) RETURNING ",
        user_columns!()
    );
    let inserted: Result<User, sqlx::Error> = on_writer!(db, pool => sqlx::query_as(SQL)
        .bind(Uuid::now_v7())
        .bind(new.email)
        .bind(new.email_key)
        .bind(new.password_hash)
        .bind(new.is_staff)
        .bind(Timestamp::now())
        .fetch_one(pool)
        .await);
    inserted.map_err(|error| normalize_conflict(error.into()))
}

pub async fn find_user_by_email_key(
    db: &Db,
    email_key: &str,
) -> Result<Option<User>, StorageError> {
    const SQL: &str = concat!(
        "SELECT ",
        user_columns!(),
        " FROM users WHERE email_key = $1"
    );
    Ok(on_pool!(db, pool => sqlx::query_as(SQL).bind(email_key).fetch_optional(pool).await?))
}

pub async fn find_user(db: &Db, id: Uuid) -> Result<Option<User>, StorageError> {
    const SQL: &str = concat!("SELECT ", user_columns!(), " FROM users WHERE id = $1");
    Ok(on_pool!(db, pool => sqlx::query_as(SQL).bind(id).fetch_optional(pool).await?))
}

/// Records a sign-in, and stores the password's new hash when it was hashed again.
pub async fn record_login(
    db: &Db,
    id: Uuid,
    at: Timestamp,
    new_password_hash: Option<&str>,
) -> Result<(), StorageError> {
    const SQL: &str = "UPDATE users SET last_login = $1, password_hash = COALESCE($3, password_hash) \
                       WHERE id = $2";
    on_writer!(db, pool => sqlx::query(SQL)
        .bind(at)
        .bind(id)
        .bind(new_password_hash)
        .execute(pool)
        .await?
        .rows_affected());
    db.changes().bump(id);
    Ok(())
}

/// SQLite reports the violated columns rather than the index name; name the index on both.
fn normalize_conflict(error: StorageError) -> StorageError {
    match error {
        StorageError::Conflict { constraint } if constraint.contains("email_key") => {
            StorageError::Conflict {
                constraint: EMAIL_UNIQUE.to_owned(),
            }
        }
        other => other,
    }
}

/// What an administrator can switch on or off for an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountFlag {
    /// An inactive user cannot sign in, and its tokens and sessions stop working.
    Active,
    /// Staff can use the admin pages.
    Staff,
}

pub async fn set_user_flag(
    db: &Db,
    id: Uuid,
    flag: AccountFlag,
    value: bool,
) -> Result<(), StorageError> {
    let sql = match flag {
        AccountFlag::Active => "UPDATE users SET is_active = $1 WHERE id = $2",
        AccountFlag::Staff => "UPDATE users SET is_staff = $1 WHERE id = $2",
    };
    let updated = on_writer!(db, pool => sqlx::query(sql)
        .bind(value)
        .bind(id)
        .execute(pool)
        .await?
        .rows_affected());
    db.changes().bump(id);
    if updated == 0 {
        Err(StorageError::NotFound)
    } else {
        Ok(())
    }
}

/// Every account, the newest first (for the admin pages).
pub async fn list_users(db: &Db, page: super::events::Page) -> Result<Vec<User>, StorageError> {
    const SQL: &str = concat!(
        "SELECT ",
        user_columns!(),
        " FROM users ORDER BY date_joined DESC, id LIMIT $1 OFFSET $2"
    );
    Ok(on_pool!(db, pool => sqlx::query_as(SQL)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(pool)
        .await?))
}
