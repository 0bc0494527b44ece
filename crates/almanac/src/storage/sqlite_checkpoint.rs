//! SQLite's checkpoints, on a thread of their own. In WAL mode a commit appends the pages it
//! changed to the log, and by default the commit that takes the log past 1,000 pages copies the
//! log back into the database file and waits for the disk — on Almanac's one writing connection,
//! so every write queued behind it waits as well (docs/BENCHMARKS.md). Here this thread
//! checkpoints every [`PERIOD`] when something was committed since its last look. Its
//! checkpoints are `PASSIVE`: they never wait for readers or writers, who carry on meanwhile.
//!
//! The log starts again from its beginning only when a write begins after a checkpoint has
//! copied all of it; under a steady stream of writes that happens now and then, not after every
//! checkpoint, so the log can grow for a while. The writer checkpoints itself only once it
//! passes [`WRITER_CHECKPOINT_PAGES`] — a bound on the log, not a pace: a writer that
//! checkpointed at a tenth of that held every write for a quarter of a second every few seconds
//! under a burst of creations. Once a look finds nothing committed since the last one, this
//! thread gives back the disk a burst took: past [`LOG_FILE_LIMIT`] it empties the log's file
//! (`TRUNCATE`, with no busy timeout, so that it never waits: if a reader or a writer is busy, it
//! tries at the next quiet look). Cutting the file back on the writer's commit
//! (`journal_size_limit`) instead made the slowest creations of a burst twice as slow.

use std::path::Path;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

/// How often the log is looked at: often enough that each checkpoint copies little.
const PERIOD: Duration = Duration::from_millis(100);

/// The log's length, in pages, past which the writer checkpoints itself (`wal_autocheckpoint`):
/// some 400 MB of 4 KB pages, reached when a long burst of writes leaves this thread's checkpoints
/// no moment to catch up (once in the benchmark's ten seconds of creations).
pub(super) const WRITER_CHECKPOINT_PAGES: u32 = 100_000;

/// The size, in bytes, of a log file that a quiet moment empties.
pub(super) const LOG_FILE_LIMIT: u64 = 64 * 1024 * 1024;

/// The checkpointing thread of one database file; it stops when this is dropped.
#[derive(Debug)]
pub(super) struct Checkpoints {
    _stop: mpsc::Sender<()>,
}

impl Checkpoints {
    pub(super) fn start(path: &Path) -> Checkpoints {
        let (stop, stopped) = mpsc::channel();
        let path = path.to_owned();
        let started = std::thread::Builder::new()
            .name("sqlite-checkpoints".into())
            .spawn(move || {
                if let Err(error) = run(&path, &stopped) {
                    tracing::warn!(%error, "checkpoints stopped; the writer checkpoints the log itself from now on");
                }
            });
        if let Err(error) = started {
            tracing::warn!(%error, "cannot start the checkpoints' thread; the writer checkpoints the log itself");
        }
        Checkpoints { _stop: stop }
    }
}

fn run(path: &Path, stopped: &mpsc::Receiver<()>) -> rusqlite::Result<()> {
    let connection = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    // With a busy timeout, `TRUNCATE` waits for readers while holding the write lock, and every
    // write waits with it.
    connection.busy_timeout(Duration::ZERO)?;
    let mut log = path.as_os_str().to_owned();
    log.push("-wal");
    let log_file_size = || std::fs::metadata(&log).map_or(0, |metadata| metadata.len());
    let mut seen = None;
    while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(PERIOD) {
        // Moves whenever another connection commits.
        let version: i64 = connection.query_row("PRAGMA data_version", [], |row| row.get(0))?;
        if seen != Some(version) {
            seen = Some(version);
            connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        } else if log_file_size() > LOG_FILE_LIMIT {
            connection.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a writer that never checkpoints commits reaches the database file itself.
    #[test]
    fn commits_reach_the_database_file_without_the_writer_checkpointing() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("checkpointed.sqlite3");
        let writer = Connection::open(&path).expect("opened");
        writer
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; \
                 CREATE TABLE t (b BLOB); \
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 256) \
                 INSERT INTO t SELECT zeroblob(4000) FROM n;",
            )
            .expect("written");
        let file_size = || std::fs::metadata(&path).expect("a database file").len();
        let written = 256 * 4000;
        assert!(file_size() < written, "the rows are only in the log so far");

        let _checkpoints = Checkpoints::start(&path);
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while file_size() < written && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(file_size() >= written, "{} bytes", file_size());
    }

    /// A reader still on the log keeps it from being emptied; trying meanwhile must not hold the
    /// write lock while waiting for that reader, which would hold every write as well.
    #[test]
    fn emptying_the_log_never_holds_writes_back() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("held.sqlite3");
        let writer = Connection::open(&path).expect("opened");
        let burst = 2 * LOG_FILE_LIMIT;
        writer
            .execute_batch(&format!(
                "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; \
                 CREATE TABLE t (b BLOB); \
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {}) \
                 INSERT INTO t SELECT zeroblob(1048576) FROM n;",
                burst / 1_048_576
            ))
            .expect("written");
        let reader = Connection::open(&path).expect("opened");
        reader
            .execute_batch("BEGIN; SELECT count(*) FROM t;")
            .expect("a read begun on the log");

        let _checkpoints = Checkpoints::start(&path);
        let file_size = || std::fs::metadata(&path).expect("a database file").len();
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while file_size() < burst && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(file_size() >= burst, "the burst reached the database file");
        // Quiet looks from here on: each tries to empty the log, which the reader prevents.
        std::thread::sleep(PERIOD * 3);

        let impatient = Connection::open(&path).expect("opened");
        impatient
            .busy_timeout(Duration::ZERO)
            .expect("no busy timeout");
        let written = (0..3).any(|_| {
            let outcome = impatient.execute("INSERT INTO t VALUES (x'00')", []);
            if outcome.is_err() {
                std::thread::sleep(Duration::from_millis(10));
            }
            outcome.is_ok()
        });
        assert!(
            written,
            "the write lock was held while waiting for the reader"
        );
    }
}
