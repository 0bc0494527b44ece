//! Storage: the only place that speaks SQL. One schema on two backends — SQLite for the embedded
//! default, PostgreSQL for production — chosen at run time from `DATABASE_URL`.
//!
//! Queries are written once and run on either pool through [`on_pool!`] (reads) or
//! [`on_writer!`] (writes), with `$N` parameters, which both drivers bind by number.

pub mod changes;
pub mod events;
pub mod exceptions;
pub mod generation_failures;
pub mod idempotency;
pub mod login_throttle;
pub mod occurrences;
pub mod refresh_tokens;
pub mod sessions;
mod sqlite_checkpoint;
mod sqlite_inline;
mod sqlite_page;
mod time;
pub mod users;

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

pub use changes::Changes;
use sqlite_checkpoint::Checkpoints;
use sqlite_inline::InlineReaders;
pub use time::Timestamp;

/// Where the data lives.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    Sqlite(PathBuf),
    Postgres(String),
}

impl std::fmt::Debug for DatabaseTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatabaseTarget::Sqlite(path) => f.debug_tuple("Sqlite").field(path).finish(),
            DatabaseTarget::Postgres(url) => f
                .debug_tuple("Postgres")
                .field(&crate::redact::url_without_password(url))
                .finish(),
        }
    }
}

impl DatabaseTarget {
    pub fn is_embedded(&self) -> bool {
        matches!(self, DatabaseTarget::Sqlite(_))
    }
}

/// The database: a connection pool on one of the two supported backends, and the record of which
/// owners' data changed.
#[derive(Debug, Clone)]
pub struct Db {
    pool: Pool,
    /// Where writes go. On SQLite, one connection of its own: SQLite takes one writer at a time,
    /// and writers of the same process that met on the file lock slept in its busy handler
    /// (1, 2, 5, 10 … ms) instead of taking turns (docs/BENCHMARKS.md); on PostgreSQL, `pool`.
    writer: Pool,
    /// What only SQLite has.
    sqlite: Option<Arc<SqliteParts>>,
    changes: Changes,
    /// Whether the last check found the database answering (see [`Db::watch_reachability`]).
    reachable: Arc<AtomicBool>,
}

/// SQLite's connections of the reads that run on the calling thread, and the thread that
/// checkpoints its log, kept running while the database is open.
#[derive(Debug)]
struct SqliteParts {
    inline: InlineReaders,
    _checkpoints: Checkpoints,
}

#[derive(Debug, Clone)]
pub enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same query-building expression against whichever pool `$db` holds. The body is
/// type-checked once per backend, so row types must decode on both.
macro_rules! on_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db.pool() {
            $crate::storage::Pool::Sqlite($pool) => $body,
            $crate::storage::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// [`on_pool!`] on the pool that writes go through ([`Db::writer`]).
macro_rules! on_writer {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db.writer() {
            $crate::storage::Pool::Sqlite($pool) => $body,
            $crate::storage::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_writer;

/// `pool.begin()`, safe to cancel. sqlx 0.9.0 on PostgreSQL forgets a transaction whose `BEGIN`
/// was in flight when the future was dropped — as it is when a client hangs up — and pools the
/// connection still inside it: later statements on it then run in that transaction, hold its
/// locks and stay invisible to others (<https://github.com/transact-rs/sqlx/issues/4393>).
/// Begun in a task of its own, the transaction is always complete; if nobody receives it,
/// dropping it rolls it back.
pub async fn begin<DB: sqlx::Database>(
    pool: &sqlx::Pool<DB>,
) -> Result<sqlx::Transaction<'static, DB>, sqlx::Error> {
    let pool = pool.clone();
    tokio::spawn(async move { pool.begin().await })
        .await
        .map_err(|error| {
            sqlx::Error::Protocol(format!("beginning a transaction failed: {error}"))
        })?
}

/// A write transaction on either backend, for a change that reads what it depends on and writes
/// in one go (see [`Db::transaction`]).
#[derive(Debug)]
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// Runs the same query-building expression on whichever connection `$tx` holds, as [`on_pool!`].
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            $crate::storage::Tx::Sqlite(tx) => {
                let $conn = &mut **tx;
                $body
            }
            $crate::storage::Tx::Postgres(tx) => {
                let $conn = &mut **tx;
                $body
            }
        }
    };
}
pub(crate) use on_tx;

impl Tx {
    /// Commits; the owner's answers kept in memory are retired.
    pub async fn commit(self, db: &Db, owner_id: uuid::Uuid) -> Result<(), StorageError> {
        self.commit_for(db, [owner_id]).await
    }

    /// Commits a change to several owners' data; the answers kept in memory for each are retired.
    pub async fn commit_for(
        self,
        db: &Db,
        owners: impl IntoIterator<Item = uuid::Uuid>,
    ) -> Result<(), StorageError> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        for owner_id in owners {
            db.changes().bump(owner_id);
        }
        Ok(())
    }
}

/// Appends `(…)`, the ids bound one by one: a list for `IN` that both backends read alike.
/// A statement built with it changes with the list's length: run it with `.persistent(false)`.
/// Each connection keeps up to 100 prepared statements, and statements of every length (an
/// INSERT of 1,000 rows above all) filled that cache with large programs: the embedded server's
/// memory grew by 40 MB while the benchmark seeded its data.
pub(crate) fn push_id_list<DB: sqlx::Database>(
    query: &mut sqlx::QueryBuilder<DB>,
    ids: &[uuid::Uuid],
) where
    for<'q> uuid::Uuid: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    query.push("(");
    let mut list = query.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    list.push_unseparated(")");
}

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("row not found")]
    NotFound,
    #[error("unique constraint {constraint} violated")]
    Conflict { constraint: String },
    /// A row that does not decode into the domain's types (say, a rule the engine refuses).
    #[error("invalid stored data: {what}")]
    Invalid { what: String },
    /// The database cannot be reached: no connection within the pool's wait, or one lost.
    #[error("database unavailable: {0}")]
    Unavailable(Box<dyn std::error::Error + Send + Sync>),
    #[error(transparent)]
    Other(sqlx::Error),
    /// An error of the reads SQLite answers on the calling thread ([`sqlite_inline`]).
    #[error(transparent)]
    Inline(rusqlite::Error),
}

impl From<rusqlite::Error> for StorageError {
    fn from(error: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode::{CannotOpen, DatabaseBusy, DatabaseLocked, SystemIoFailure};
        match error {
            rusqlite::Error::QueryReturnedNoRows => StorageError::NotFound,
            rusqlite::Error::SqliteFailure(failure, _)
                if matches!(
                    failure.code,
                    CannotOpen | DatabaseBusy | DatabaseLocked | SystemIoFailure
                ) =>
            {
                StorageError::Unavailable(Box::new(error))
            }
            other => StorageError::Inline(other),
        }
    }
}

impl From<sqlx::Error> for StorageError {
    fn from(error: sqlx::Error) -> Self {
        match error {
            sqlx::Error::RowNotFound => StorageError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => StorageError::Conflict {
                constraint: db.constraint().unwrap_or_else(|| db.message()).to_owned(),
            },
            unavailable
            @ (sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::Tls(_)) => {
                StorageError::Unavailable(Box::new(unavailable))
            }
            // SQLSTATE classes 08 (connection exception) and 57P (the server shutting down or
            // starting up): what a PostgreSQL restart looks like to connections open through it.
            sqlx::Error::Database(db)
                if db
                    .code()
                    .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")) =>
            {
                StorageError::Unavailable(Box::new(sqlx::Error::Database(db)))
            }
            other => StorageError::Other(other),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StorageError {
    fn from(error: sqlx::migrate::MigrateError) -> Self {
        StorageError::Other(sqlx::Error::Migrate(Box::new(error)))
    }
}

const PING_TIMEOUT: Duration = Duration::from_secs(1);
/// How often a process checks that PostgreSQL answers.
const REACHABILITY_PERIOD: Duration = Duration::from_secs(1);

/// A pool's connections, for metrics.
#[derive(Debug, Clone, Copy)]
pub struct PoolUse {
    pub idle: u32,
    pub in_use: u32,
}

/// Connection settings shared by both backends.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

impl Db {
    fn new(pool: Pool, writer: Pool, sqlite: Option<SqliteParts>) -> Db {
        Db {
            pool,
            writer,
            sqlite: sqlite.map(Arc::new),
            changes: Changes::default(),
            reachable: Arc::new(AtomicBool::new(true)),
        }
    }

    /// Whether the database answered the last check: while it does not, requests answer 503 at
    /// once instead of each waiting the pool's acquire timeout first.
    pub fn is_reachable(&self) -> bool {
        self.reachable.load(Ordering::Relaxed)
    }

    /// Checks every [`REACHABILITY_PERIOD`] that PostgreSQL answers, until the pool is closed;
    /// says once when it stops answering and once when it is back. (An embedded SQLite file is
    /// always there.)
    pub fn watch_reachability(&self) {
        let Pool::Postgres(pool) = &self.pool else {
            return;
        };
        let (db, pool) = (self.clone(), pool.clone());
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(REACHABILITY_PERIOD);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                if pool.is_closed() {
                    return;
                }
                let was_reachable = db.is_reachable();
                let reachable = match db.ping().await {
                    Ok(()) => true,
                    Err(error) => {
                        if was_reachable {
                            tracing::warn!(%error, "database unreachable: requests answer 503 until it is back");
                        }
                        false
                    }
                };
                if reachable && !was_reachable {
                    tracing::info!("database reachable again");
                }
                db.reachable.store(reachable, Ordering::Relaxed);
            }
        });
    }

    /// The pool that reads go through.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// On SQLite, its readers: the pool, and the connections of the reads that run on the
    /// calling thread.
    fn sqlite_readers(&self) -> Option<(&SqlitePool, &InlineReaders)> {
        match (&self.pool, self.sqlite.as_deref()) {
            (Pool::Sqlite(pool), Some(sqlite)) => Some((pool, &sqlite.inline)),
            _ => None,
        }
    }

    /// The pool that writes go through: on SQLite a single connection, so that the process's
    /// writers queue in order instead of polling SQLite's lock.
    pub fn writer(&self) -> &Pool {
        &self.writer
    }

    /// Begins a transaction for a change that reads before it writes. Its first statement must
    /// be a write (say, [`events::lock_event`]): that takes SQLite's write lock, or the row's lock
    /// on PostgreSQL, before anything is read, so that two such changes run one after the other
    /// and neither writes back what the other changed.
    pub async fn transaction(&self) -> Result<Tx, StorageError> {
        Ok(match self.writer() {
            Pool::Sqlite(pool) => Tx::Sqlite(begin(pool).await?),
            Pool::Postgres(pool) => Tx::Postgres(begin(pool).await?),
        })
    }

    /// Which owners' data changed; storage bumps it after each write it commits.
    pub fn changes(&self) -> &Changes {
        &self.changes
    }

    /// Starts following other processes' writes (PostgreSQL), or declares that there are none to
    /// follow (SQLite, when `sole_writer`): from then on [`Changes`] can stamp cached answers.
    pub fn follow_changes(&self, sole_writer: bool) {
        match &self.pool {
            Pool::Sqlite(_) => self.changes.set_complete(sole_writer),
            Pool::Postgres(pool) => {
                tokio::spawn(self.changes.clone().follow(pool.clone()));
            }
        }
    }

    pub async fn connect(
        target: &DatabaseTarget,
        settings: &PoolSettings,
    ) -> Result<Db, StorageError> {
        match target {
            DatabaseTarget::Sqlite(path) => {
                // WAL lets readers run beside the single writer; NORMAL sync is durable in WAL mode
                // except for the last transactions before a power loss; the busy timeout queues
                // writers instead of failing them.
                let options = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
                    .pragma("temp_store", "memory")
                    // 2 MB of page cache per connection: each connection has its own, and the
                    // operating system caches the file for all of them anyway.
                    .pragma("cache_size", "-2000")
                    // Rows cross from the connection's thread to the task one message at a time;
                    // room for a whole page means the thread never waits on the task mid-query.
                    .row_buffer_size(1024);
                // A connection to a file does not go stale the way one over a network does:
                // no round trip to its thread to test it before each use.
                let pool = SqlitePoolOptions::new()
                    .max_connections(settings.max_connections)
                    .acquire_timeout(settings.acquire_timeout)
                    .test_before_acquire(false)
                    .connect_with(options.clone())
                    .await?;
                // Checkpoints are another thread's work (see [`sqlite_checkpoint`]).
                let writer_options = options.pragma(
                    "wal_autocheckpoint",
                    sqlite_checkpoint::WRITER_CHECKPOINT_PAGES.to_string(),
                );
                let writer = SqlitePoolOptions::new()
                    .max_connections(1)
                    .acquire_timeout(settings.acquire_timeout)
                    .test_before_acquire(false)
                    .connect_with(writer_options)
                    .await?;
                let inline = InlineReaders::new(path, settings.max_connections as usize);
                Ok(Db::new(
                    Pool::Sqlite(pool),
                    Pool::Sqlite(writer),
                    Some(SqliteParts {
                        inline,
                        _checkpoints: Checkpoints::start(path),
                    }),
                ))
            }
            DatabaseTarget::Postgres(url) => {
                let options = PgConnectOptions::from_str(url)?;
                let pool = PgPoolOptions::new()
                    .max_connections(settings.max_connections)
                    .acquire_timeout(settings.acquire_timeout)
                    .connect_with(options)
                    .await?;
                Ok(Db::new(
                    Pool::Postgres(pool.clone()),
                    Pool::Postgres(pool),
                    None,
                ))
            }
        }
    }

    /// Applies the migrations of this backend that have not run yet.
    pub async fn migrate(&self) -> Result<(), StorageError> {
        match self.writer() {
            Pool::Sqlite(pool) => sqlx::migrate!("migrations/sqlite").run(pool).await?,
            Pool::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    /// Answers whether the database takes queries, within [`PING_TIMEOUT`] (for `/readyz`,
    /// which must not wait the pool's whole acquire timeout to say it is not ready).
    pub async fn ping(&self) -> Result<(), StorageError> {
        let ping = async {
            on_pool!(self, pool => sqlx::query("SELECT 1").execute(pool).await?.rows_affected());
            Ok(())
        };
        tokio::time::timeout(PING_TIMEOUT, ping)
            .await
            .unwrap_or(Err(StorageError::Unavailable(Box::new(
                sqlx::Error::PoolTimedOut,
            ))))
    }

    /// How many of the connections are idle and in use (on SQLite, the writer's and those of the
    /// reads on the calling thread too).
    pub fn pool_use(&self) -> PoolUse {
        let (mut size, mut idle) = on_pool!(self, pool => (pool.size(), pool.num_idle()));
        if let Pool::Sqlite(writer) = &self.writer {
            size = size.saturating_add(writer.size());
            idle = idle.saturating_add(writer.num_idle());
        }
        if let Some(sqlite) = &self.sqlite {
            let (inline_idle, inline_in_use) = sqlite.inline.counts();
            let inline_size = u32::try_from(inline_idle + inline_in_use).unwrap_or(u32::MAX);
            size = size.saturating_add(inline_size);
            idle = idle.saturating_add(inline_idle);
        }
        let idle = u32::try_from(idle).unwrap_or(u32::MAX);
        PoolUse {
            idle,
            in_use: size.saturating_sub(idle),
        }
    }

    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await);
        on_writer!(self, pool => pool.close().await);
    }
}

impl Db {
    /// How many of this build's migrations the database has not applied (all of them on an empty
    /// database), so that production servers refuse to start on an outdated schema.
    pub async fn pending_migrations(&self) -> Result<usize, StorageError> {
        let (migrator, applied): (sqlx::migrate::Migrator, Result<Vec<i64>, sqlx::Error>) =
            match self.pool() {
                Pool::Sqlite(pool) => (
                    sqlx::migrate!("migrations/sqlite"),
                    sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                        .fetch_all(pool)
                        .await,
                ),
                Pool::Postgres(pool) => (
                    sqlx::migrate!("migrations/postgres"),
                    sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                        .fetch_all(pool)
                        .await,
                ),
            };
        let applied = applied.unwrap_or_default();
        Ok(migrator
            .iter()
            .filter(|migration| !applied.contains(&migration.version))
            .count())
    }
}

#[cfg(test)]
mod tests {
    /// The options `.cargo/config.toml` builds SQLite with reach the SQLite this crate links: each
    /// took a lock or a re-plan out of every request (docs/BENCHMARKS.md), and a build that missed
    /// them would still pass every other test.
    #[tokio::test]
    async fn sqlite_is_built_with_the_options_its_speed_depends_on() {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:")
            .await
            .expect("an in-memory database");
        let options: Vec<String> = sqlx::query_scalar("PRAGMA compile_options")
            .fetch_all(&pool)
            .await
            .expect("the compile options");
        let built_with = |option: &str| options.iter().any(|built| built == option);
        assert!(built_with("DEFAULT_MEMSTATUS=0"), "{options:?}");
        assert!(built_with("ENABLE_QPSG"), "{options:?}");
        assert!(
            !built_with("ENABLE_MEMORY_MANAGEMENT"),
            "one page cache shared by every connection: {options:?}"
        );
    }

    /// The log may grow under a burst of writes, since the writer leaves its checkpoints to
    /// another thread; once the writes stop, the log's file gives back the disk it took.
    #[tokio::test]
    async fn the_log_gives_back_the_disk_a_burst_took() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("burst.sqlite3");
        let db = super::Db::connect(
            &super::DatabaseTarget::Sqlite(path.clone()),
            &super::PoolSettings::default(),
        )
        .await
        .expect("connected");
        let super::Pool::Sqlite(writer) = db.writer() else {
            unreachable!("a SQLite target")
        };
        let limit = super::sqlite_checkpoint::LOG_FILE_LIMIT;
        let burst = 2 * limit;
        sqlx::query(
            "CREATE TABLE burst (b BLOB NOT NULL); \
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
             INSERT INTO burst SELECT zeroblob(1048576) FROM n",
        )
        .bind(i64::try_from(burst / 1_048_576).expect("a small count"))
        .execute(writer)
        .await
        .expect("the burst written");
        let size = |file: &str| {
            std::fs::metadata(dir.path().join(file))
                .map(|metadata| metadata.len())
                .unwrap_or_default()
        };
        assert!(
            size("burst.sqlite3-wal") > burst,
            "the burst went to the log"
        );

        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while size("burst.sqlite3-wal") > limit && std::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(
            size("burst.sqlite3") >= burst,
            "the burst reached the database file"
        );
        assert!(
            size("burst.sqlite3-wal") <= limit,
            "the log kept {} bytes",
            size("burst.sqlite3-wal")
        );
    }
}
