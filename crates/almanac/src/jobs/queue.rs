//! The job queue: apalis storage in a SQLite file beside the embedded database, or in Redis for
//! production. Pushing never fails a write: a job that cannot be queued is logged and left to the
//! reconciler.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use apalis::prelude::{Metrics, TaskBuilder, TaskId, TaskSink, TaskSinkError, WorkerContext};
use apalis_core::backend::Vacuum;
use apalis_redis::RedisStorage;
use apalis_sqlite::SqliteStorage;
use futures::channel::mpsc::{UnboundedReceiver, unbounded};
use futures::future::BoxFuture;
use futures::{Stream, StreamExt};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqliteOperation, SqlitePoolOptions, SqliteSynchronous,
};
use uuid::Uuid;

use super::{GenerateOccurrences, MAX_ATTEMPTS, outage};
use crate::events::GenerationQueue;

/// The apalis queue name; Redis keys are prefixed with the configured namespace as well.
const QUEUE: &str = "generate-occurrences";
const JOBS_FILE: &str = "jobs.sqlite3";
/// Jobs a worker takes per fetch: enough to fill a batch of generations (see the worker).
const FETCH_BATCH: usize = 32;
/// Due jobs moved per call of [`PROMOTE_DUE`], far below Lua's `unpack` limit.
const PROMOTE_BATCH: usize = 1000;
/// Ids looked at per round trip when forgetting finished jobs.
const FORGET_PAGE: usize = 1000;
/// KEYS: schedule, active list, signal list; ARGV: now (epoch seconds), batch size.
const PROMOTE_DUE: &str = r#"
local due = redis.call("zrangebyscore", KEYS[1], 0, ARGV[1], "LIMIT", 0, ARGV[2])
if #due > 0 then
    redis.call("rpush", KEYS[2], unpack(due))
    redis.call("zrem", KEYS[1], unpack(due))
    redis.call("del", KEYS[3])
    redis.call("lpush", KEYS[3], 1)
end
return #due
"#;
/// KEYS: schedule, active list, signal list; ARGV: a job's id. Moves the job, if it is still in
/// the schedule, to the front of the active list, where workers fetch from.
const TO_FRONT: &str = r#"
if redis.call("zrem", KEYS[1], ARGV[1]) == 1 then
    redis.call("lpush", KEYS[2], ARGV[1])
    redis.call("del", KEYS[3])
    redis.call("lpush", KEYS[3], 1)
end
"#;
/// How far ahead a job pushed to Redis is scheduled before [`to_front`] moves it to the front of
/// the queue: out of reach of the workers' fetches, which promote every due job to the back.
const HELD_FOR_FRONT: Duration = Duration::from_secs(10);
/// KEYS: the worker's in-flight set, active list, signal list, workers set; ARGV: worker name.
const RELEASE_WORKER: &str = r#"
local taken = redis.call("smembers", KEYS[1])
if #taken > 0 then
    redis.call("rpush", KEYS[2], unpack(taken))
    redis.call("del", KEYS[1])
    redis.call("del", KEYS[3])
    redis.call("lpush", KEYS[3], 1)
end
redis.call("zrem", KEYS[4], ARGV[1])
return #taken
"#;
/// A Redis worker not heard from for [`HEARTBEAT`] × [`MISSED_HEARTBEATS`] is taken for dead by
/// the others, which put the jobs it had taken back in the queue and forget it (apalis-redis's
/// default, 30 s × 10, left a killed worker's jobs waiting five minutes).
const HEARTBEAT: Duration = Duration::from_secs(5);
const MISSED_HEARTBEATS: usize = 3;
/// How long a push may take before the write that asked for it gives up on it.
const PUSH_TIMEOUT: Duration = Duration::from_secs(2);

/// Where jobs wait for a worker.
#[derive(Clone, PartialEq, Eq)]
pub enum QueueTarget {
    /// A SQLite file in this directory; only this process's own worker reads it.
    Local(std::path::PathBuf),
    /// A Redis server shared by every process, with keys under `namespace:`.
    Redis { url: String, namespace: String },
}

impl std::fmt::Debug for QueueTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QueueTarget::Local(dir) => f.debug_tuple("Local").field(dir).finish(),
            QueueTarget::Redis { url, namespace } => f
                .debug_struct("Redis")
                .field("url", &crate::redact::url_without_password(url))
                .field("namespace", namespace)
                .finish(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("job queue file: {0}")]
    Sqlite(#[from] apalis_sqlite::Error),
    #[error("Redis: {0}")]
    Redis(#[from] apalis_redis::Error),
    #[error("cannot queue the job: {0}")]
    Push(String),
    #[error("the worker failed: {0}")]
    Worker(String),
    #[error("the job queue did not answer within {0:?}")]
    Timeout(Duration),
}

impl From<redis::RedisError> for QueueError {
    fn from(error: redis::RedisError) -> Self {
        QueueError::Redis(error.into())
    }
}

impl<E: Into<QueueError> + std::fmt::Display> From<TaskSinkError<E>> for QueueError {
    fn from(error: TaskSinkError<E>) -> Self {
        match error {
            TaskSinkError::PushError(error) => error.into(),
            other => QueueError::Push(other.to_string()),
        }
    }
}

/// The handle writes use to enqueue generation jobs, and workers to consume them.
#[derive(Debug, Clone)]
pub enum Jobs {
    Local {
        storage: SqliteStorage<GenerateOccurrences>,
        /// Fires on every job inserted by this process, so its worker starts at once.
        inserted: Inserted,
    },
    Redis(RedisStorage<GenerateOccurrences>),
}

impl Jobs {
    /// Opens the queue. Redis is connected lazily: a server that is down now only delays jobs.
    pub async fn connect(target: &QueueTarget) -> Result<Jobs, QueueError> {
        match target {
            QueueTarget::Local(dir) => {
                let (pool, inserted) = open_local_queue(&dir.join(JOBS_FILE)).await?;
                let config = apalis_sqlite::Config::default()
                    .queue(QUEUE)
                    .batch_size(FETCH_BATCH);
                let storage = SqliteStorage::new(&pool).with_config(config);
                Ok(Jobs::Local { storage, inserted })
            }
            QueueTarget::Redis { url, namespace } => {
                let client = redis::Client::open(url.as_str())?;
                let connection = client.get_connection_manager_lazy(
                    ConnectionManagerConfig::new()
                        .set_connection_timeout(Some(Duration::from_secs(1)))
                        .set_response_timeout(Some(Duration::from_secs(2)))
                        .set_number_of_retries(1)
                        .set_max_delay(Duration::from_secs(2)),
                )?;
                Ok(Jobs::Redis(redis_storage(connection, namespace)))
            }
        }
    }

    /// Whether jobs live in this process's own file (so this process must run the worker).
    pub fn is_local(&self) -> bool {
        matches!(self, Jobs::Local { .. })
    }

    /// Enqueues the generation of the event's occurrences for `revision`. Never fails the write
    /// that called it: if the job is lost, the reconciler finds the stale event.
    pub async fn enqueue_generation(&self, event_id: Uuid, revision: i64) {
        self.enqueue_generations(&[(event_id, revision)]).await;
    }

    /// Enqueues the generations of several events, each for its revision: on the local queue in
    /// one transaction. Never fails the writes that called it, as [`Jobs::enqueue_generation`].
    pub async fn enqueue_generations(&self, events: &[(Uuid, i64)]) {
        if events.is_empty() {
            return;
        }
        match self.push(events).await {
            Ok(()) => outage::QUEUE.answered(),
            Err(error) => outage::QUEUE.failed(
                "cannot enqueue occurrence generation; the reconciler will pick the event up",
                &error,
            ),
        }
    }

    async fn push(&self, events: &[(Uuid, i64)]) -> Result<(), QueueError> {
        // The backend retries inline (see the worker); its own re-runs stop at the same count.
        let tasks = events.iter().map(|&(event_id, revision)| {
            TaskBuilder::new(GenerateOccurrences { event_id, revision }).max_attempts(MAX_ATTEMPTS)
        });
        let pushed = async {
            match self {
                Jobs::Local { storage, .. } => {
                    let priority = newest_first();
                    let tasks: Vec<_> = tasks.map(|task| task.priority(priority).build()).collect();
                    Ok(storage
                        .clone()
                        .push_all(futures::stream::iter(tasks))
                        .await?)
                }
                Jobs::Redis(storage) => {
                    for task in tasks {
                        let id = TaskId::from_string(Uuid::new_v4().to_string());
                        let task = task.task_id(id.clone()).run_after(HELD_FOR_FRONT).build();
                        storage.clone().push_task(task).await?;
                        if let Err(error) = to_front(storage, &id).await {
                            tracing::warn!(%error, "a job waits its schedule instead of going first");
                        }
                    }
                    Ok(())
                }
            }
        };
        tokio::time::timeout(PUSH_TIMEOUT, pushed)
            .await
            .map_err(|_| QueueError::Timeout(PUSH_TIMEOUT))?
    }

    /// Jobs queued that no worker has started yet.
    pub async fn waiting(&self) -> Result<usize, QueueError> {
        Ok(self.counts(None).await?.waiting)
    }

    /// Jobs not yet finished: queued, or taken by `worker` and not yet acknowledged.
    pub async fn outstanding(&self, worker: &WorkerContext) -> Result<usize, QueueError> {
        let counts = self.counts(Some(worker)).await?;
        Ok(counts.waiting + counts.taken)
    }

    /// Jobs waiting, and jobs taken: by any worker on the local queue, by `worker` (if given) on
    /// Redis.
    async fn counts(&self, worker: Option<&WorkerContext>) -> Result<JobCounts, QueueError> {
        match self {
            Jobs::Local { storage, .. } => {
                let statistics = storage.fetch_by_queue().await?;
                let count = |title: &str| {
                    statistics
                        .iter()
                        .find(|statistic| statistic.title == title)
                        .and_then(|statistic| statistic.value.parse::<f64>().ok())
                        .map_or(0, |count| count as usize)
                };
                let (active, running) = (count("ACTIVE_JOBS"), count("RUNNING_JOBS"));
                Ok(JobCounts {
                    waiting: active.saturating_sub(running),
                    taken: running,
                })
            }
            Jobs::Redis(storage) => {
                let config = storage.get_config();
                let mut connection = storage.clone().get_connection().clone();
                // apalis-redis schedules every push (at "now" at the earliest); a worker's fetch
                // moves due jobs to the active list, then to its in-flight set until acknowledged.
                let mut counts = redis::pipe();
                counts
                    .zcard(config.scheduled_jobs_set())
                    .llen(config.active_jobs_list());
                if let Some(worker) = worker {
                    counts.scard(config.inflight_set_for(worker));
                }
                let counts: Vec<usize> = counts.query_async(&mut connection).await?;
                Ok(JobCounts {
                    waiting: counts.iter().take(2).sum(),
                    taken: counts.get(2).copied().unwrap_or(0),
                })
            }
        }
    }

    /// Moves due jobs from Redis's schedule to the active list, a bounded batch at a time.
    ///
    /// apalis-redis 1.0 schedules every job, and its fetch promotes *all* due jobs in one Lua
    /// `unpack`, which fails beyond about 8,000 values: after a burst of writes, or a worker
    /// outage, its workers would fail on every fetch for good. Promoting here first, often and in
    /// batches, keeps the schedule below that. Returns how many jobs were moved.
    pub async fn promote_due(&self) -> Result<usize, QueueError> {
        let Jobs::Redis(storage) = self else {
            return Ok(0);
        };
        let config = storage.get_config();
        let mut connection = storage.clone().get_connection().clone();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.as_secs());
        let mut moved = 0;
        loop {
            let batch: usize = redis::Script::new(PROMOTE_DUE)
                .key(config.scheduled_jobs_set())
                .key(config.active_jobs_list())
                .key(config.signal_list())
                .arg(now)
                .arg(PROMOTE_BATCH)
                .invoke_async(&mut connection)
                .await?;
            moved += batch;
            if batch < PROMOTE_BATCH {
                return Ok(moved);
            }
        }
    }

    /// Puts the jobs a stopped worker had taken but not finished back in the queue, and on Redis
    /// forgets the worker. Returns how many jobs went back.
    ///
    /// apalis 1.0 leaves them behind when a worker stops: its close drops a fetch under way, whose
    /// jobs stay taken by the stopped worker until the others take it for dead. On Redis its close
    /// also removes the name of the worker's in-flight set from the workers set instead of the
    /// worker's own name, so the worker stays registered.
    pub async fn release_worker(&self, worker: &WorkerContext) -> Result<usize, QueueError> {
        match self {
            Jobs::Local { storage, .. } => {
                let released = sqlx::query(RELEASE_LOCAL_WORKER)
                    .bind(worker.name())
                    .execute(storage.pool())
                    .await
                    .map_err(apalis_sqlite::Error::from)?;
                Ok(usize::try_from(released.rows_affected()).unwrap_or(usize::MAX))
            }
            Jobs::Redis(storage) => {
                let config = storage.get_config();
                let mut connection = storage.clone().get_connection().clone();
                Ok(redis::Script::new(RELEASE_WORKER)
                    .key(config.inflight_set_for(worker))
                    .key(config.active_jobs_list())
                    .key(config.signal_list())
                    .key(config.workers_set())
                    .arg(worker.name())
                    .invoke_async(&mut connection)
                    .await?)
            }
        }
    }

    /// Claims this turn of a periodic `task` that every worker runs on the same beat, so that one
    /// worker does it per `period`: true for the first to ask, false for the others until the
    /// period is over. Always true on the local queue, which has a single worker.
    pub async fn claim_beat(&self, task: &str, period: Duration) -> Result<bool, QueueError> {
        let Jobs::Redis(storage) = self else {
            return Ok(true);
        };
        let config = storage.get_config();
        let mut connection = storage.clone().get_connection().clone();
        // A little shorter than the period, so that the next beat finds it free.
        let lease = period
            .saturating_sub(period / 10)
            .max(Duration::from_millis(1));
        let claimed: Option<String> = redis::cmd("SET")
            .arg(format!("{}:beat:{task}", config.queue.as_ref()))
            .arg(1)
            .arg("NX")
            .arg("PX")
            .arg(u64::try_from(lease.as_millis()).unwrap_or(u64::MAX))
            .query_async(&mut connection)
            .await?;
        Ok(claimed.is_some())
    }

    /// Answers whether the queue takes commands (for `/readyz`).
    pub async fn ping(&self) -> Result<(), QueueError> {
        let ping = async {
            match self {
                Jobs::Local { storage, .. } => {
                    sqlx::query("SELECT 1")
                        .execute(storage.pool())
                        .await
                        .map_err(apalis_sqlite::Error::from)?;
                    Ok(())
                }
                Jobs::Redis(storage) => {
                    let mut connection = storage.clone().get_connection().clone();
                    redis::cmd("PING")
                        .query_async::<String>(&mut connection)
                        .await?;
                    Ok(())
                }
            }
        };
        tokio::time::timeout(PUSH_TIMEOUT, ping)
            .await
            .map_err(|_| QueueError::Timeout(PUSH_TIMEOUT))?
    }

    /// Forgets finished jobs, so the queue does not grow with the history of every write.
    pub async fn forget_finished(&self) -> Result<usize, QueueError> {
        match self {
            Jobs::Local { storage, .. } => Ok(storage.clone().vacuum().await?),
            Jobs::Redis(storage) => {
                let forgotten = storage.clone().vacuum().await?;
                let config = storage.get_config();
                let mut connection = storage.clone().get_connection().clone();
                for set in [config.done_jobs_set(), config.dead_jobs_set()] {
                    forget_ids(&mut connection, &set, &config.job_meta_hash()).await?;
                }
                Ok(forgotten)
            }
        }
    }
}

/// apalis-redis's vacuum deletes a finished job's data and metadata but leaves its id in the set
/// of done (or dead) jobs, which would then grow by an id per job forever: the ids whose metadata
/// is gone go too, a page at a time so that Redis never blocks on a long script.
async fn forget_ids(
    connection: &mut ConnectionManager,
    set: &str,
    metadata_prefix: &str,
) -> Result<(), QueueError> {
    let mut cursor: u64 = 0;
    loop {
        let (next, ids): (u64, Vec<String>) = redis::cmd("SSCAN")
            .arg(set)
            .arg(cursor)
            .arg("COUNT")
            .arg(FORGET_PAGE)
            .query_async(connection)
            .await?;
        if !ids.is_empty() {
            let mut lookups = redis::pipe();
            for id in &ids {
                lookups.exists(format!("{metadata_prefix}:{id}"));
            }
            let kept: Vec<bool> = lookups.query_async(connection).await?;
            let forgotten: Vec<&String> = ids
                .iter()
                .zip(kept)
                .filter_map(|(id, kept)| (!kept).then_some(id))
                .collect();
            if !forgotten.is_empty() {
                redis::cmd("SREM")
                    .arg(set)
                    .arg(&forgotten)
                    .query_async::<()>(connection)
                    .await?;
            }
        }
        if next == 0 {
            return Ok(());
        }
        cursor = next;
    }
}

#[derive(Debug, Clone, Copy)]
struct JobCounts {
    waiting: usize,
    taken: usize,
}

/// Wakes the local worker whenever this process inserts a job.
#[derive(Debug, Clone)]
pub struct Inserted(Arc<Mutex<UnboundedReceiver<()>>>);

impl Stream for Inserted {
    type Item = ();

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<()>> {
        match self.0.lock() {
            Ok(mut receiver) => receiver.poll_next_unpin(cx),
            Err(_) => Poll::Ready(None),
        }
    }
}

/// The local queue's file, set up like the main database (WAL, NORMAL sync), with SQLite's update
/// hook telling the worker about each new job. Nearly every use of it writes, so one connection:
/// writers then wait their turn in the pool's queue, in order, rather than in SQLite's busy
/// handler, whose growing sleeps starved some pushes for seconds under load. Like the main
/// database's, the connection is not tested before each use.
async fn open_local_queue(
    path: &std::path::Path,
) -> Result<(sqlx::SqlitePool, Inserted), QueueError> {
    let (notify, inserted) = unbounded();
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(10));
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .test_before_acquire(false)
        .after_connect(move |connection, _| {
            let notify = notify.clone();
            Box::pin(async move {
                connection
                    .lock_handle()
                    .await?
                    .set_update_hook(move |change| {
                        if change.operation == SqliteOperation::Insert && change.table == "Jobs" {
                            let _ = notify.unbounded_send(());
                        }
                    });
                Ok(())
            })
        })
        .connect_with(options)
        .await
        .map_err(apalis_sqlite::Error::from)?;
    SqliteStorage::<()>::migrations()
        .run(&pool)
        .await
        .map_err(|error| apalis_sqlite::Error::from(sqlx::Error::from(error)))?;
    sqlx::raw_sql(INDEX_CHANGES)
        .execute(&pool)
        .await
        .map_err(apalis_sqlite::Error::from)?;
    Ok((pool, Inserted(Arc::new(Mutex::new(inserted)))))
}

/// The local queue's priority for a job pushed now: the later the push, the higher, so that a
/// series someone just saved is generated before a backlog of older ones (apalis-sqlite fetches
/// by priority, then by age). Behind a backlog of 9,000 series from a burst of writes, a new one
/// waited 24 s in order of arrival. Older jobs still run as soon as the newer ones are done; no
/// job is dropped, and the reconciler does not queue a waiting one again.
fn newest_first() -> usize {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| {
            usize::try_from(since.as_millis()).unwrap_or(usize::MAX)
        })
}

/// Moves a job just pushed to Redis to the front of the queue, as the local queue's priorities
/// do (see [`newest_first`]): apalis-redis schedules every push and hands jobs out in the order
/// they became due. The job is pushed [`HELD_FOR_FRONT`] ahead, so that no worker's fetch moves it
/// to the back in between; if this move fails it simply runs then. Jobs that reach the active
/// list otherwise (from the schedule, or given back by a stopped worker) join at the back.
async fn to_front(
    storage: &RedisStorage<GenerateOccurrences>,
    id: &TaskId,
) -> Result<(), QueueError> {
    let config = storage.get_config();
    let mut connection = storage.clone().get_connection().clone();
    redis::Script::new(TO_FRONT)
        .key(config.scheduled_jobs_set())
        .key(config.active_jobs_list())
        .key(config.signal_list())
        .arg(id.to_string())
        .invoke_async::<()>(&mut connection)
        .await?;
    Ok(())
}

/// Puts the jobs a stopped worker still holds back in the local queue.
const RELEASE_LOCAL_WORKER: &str = "UPDATE Jobs SET status = 'Pending', lock_by = NULL, \
    lock_at = NULL WHERE lock_by = ?1 AND status IN ('Queued', 'Running')";

/// Indexes of apalis's that lead SQLite's planner to read the whole queue for a few jobs, changed
/// when the queue is opened. The planner has no statistics to go by, so it picks an index from the
/// query's shape alone:
/// - apalis indexes every job by the worker that took it, finished ones included, and SQLite then
///   found the jobs a worker acknowledges through that index: each acknowledgement read every job
///   the worker had ever finished (200 acknowledgements took 1.8 s with 20,000 finished jobs, 3 ms
///   with the index below), and the queue slowed down as finished jobs piled up until the hourly
///   clean-up. Only jobs still held are indexed by worker, which is what stopping a worker looks
///   up (`release_worker`); an acknowledgement then finds its jobs by id.
/// - marking the jobs just fetched as running (apalis's `queries/task/lock.sql`: `id IN (…) AND
///   (status = 'Queued' OR status = 'Pending' OR …)`) was planned through the index on
///   `(status, run_at)`, one pass for each status, so that it read every job still waiting: with
///   76,000 waiting it took 26 ms per 32 jobs, 1.9 ms by id, and the queue's connection spent as
///   much CPU as the writer storing the series. Nothing Almanac runs needs that index (the fetch
///   has indexes of its own, the counts read every job of the queue either way).
const INDEX_CHANGES: &str = "DROP INDEX IF EXISTS LIdx; \
    CREATE INDEX IF NOT EXISTS almanac_jobs_held_by ON Jobs (lock_by) \
    WHERE status IN ('Queued', 'Running'); \
    DROP INDEX IF EXISTS idx_jobs_status_run_at;";

fn redis_storage(
    connection: ConnectionManager,
    namespace: &str,
) -> RedisStorage<GenerateOccurrences> {
    let config = apalis_redis::Config::default()
        .queue(format!("{namespace}:{QUEUE}"))
        .batch_size(FETCH_BATCH)
        .heartbeat_interval(HEARTBEAT)
        .missed_heartbeats(MISSED_HEARTBEATS);
    RedisStorage::new(connection).with_config(config)
}

impl GenerationQueue for Jobs {
    fn enqueue_generations<'a>(&'a self, events: &'a [(Uuid, i64)]) -> BoxFuture<'a, ()> {
        Box::pin(Jobs::enqueue_generations(self, events))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// apalis-sqlite 1.0's acknowledgement (`queries/task/ack.sql`).
    const ACK: &str = "WITH j AS (SELECT value ->> 'task_id' AS task_id, value ->> 'attempt' AS attempt, \
        value ->> 'result' AS result, value ->> 'status' AS status FROM json_each(?1)) \
        UPDATE Jobs SET status = j.status, attempts = j.attempt, last_result = j.result, \
        done_at = strftime('%s', 'now') FROM j WHERE Jobs.id = j.task_id AND Jobs.lock_by = ?2";
    /// apalis-sqlite 1.0's marking of fetched jobs as running (`queries/task/lock.sql`).
    const LOCK: &str = "UPDATE Jobs SET status = 'Running', lock_at = strftime('%s', 'now'), \
        lock_by = ?2 WHERE id IN (SELECT value FROM json_each(?1)) AND (status = 'Queued' \
        OR status = 'Pending' OR (status = 'Failed' AND attempts < max_attempts))";

    /// A local queue opened as the server opens it, in a directory that lives as long as it.
    async fn opened_queue() -> (tempfile::TempDir, sqlx::SqlitePool) {
        let dir = tempfile::tempdir().expect("temp dir");
        let (pool, _) = open_local_queue(&dir.path().join(JOBS_FILE))
            .await
            .expect("opened");
        (dir, pool)
    }

    async fn plan(pool: &sqlx::SqlitePool, sql: &str, arguments: &[&str]) -> String {
        let explain = format!("EXPLAIN QUERY PLAN {sql}");
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(explain));
        for argument in arguments {
            query = query.bind(*argument);
        }
        let rows: Vec<(i64, i64, i64, String)> = query.fetch_all(pool).await.expect("explained");
        rows.into_iter()
            .map(|(.., step)| step)
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[tokio::test]
    async fn a_worker_finds_the_jobs_it_acknowledges_by_id_and_the_jobs_it_holds_by_worker() {
        let (_dir, pool) = opened_queue().await;
        let ack = plan(&pool, ACK, &["[]", "worker"]).await;
        assert!(
            ack.contains("(id=?)") && !ack.contains("lock_by=?"),
            "{ack}"
        );
        let release = plan(&pool, RELEASE_LOCAL_WORKER, &["worker"]).await;
        assert!(release.contains("almanac_jobs_held_by"), "{release}");
    }

    /// Marking the jobs a worker fetched as running reads those jobs, not every job waiting.
    #[tokio::test]
    async fn a_worker_marks_the_jobs_it_fetched_as_running_by_id() {
        let (_dir, pool) = opened_queue().await;
        let lock = plan(&pool, LOCK, &["[]", "worker"]).await;
        assert!(
            lock.contains("(id=?)") && !lock.contains("(status=?)"),
            "{lock}"
        );
    }
}
