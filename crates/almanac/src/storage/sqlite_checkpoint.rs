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

    /// Writes `rows` blobs of `row_bytes` each to a new table in `path`, through a connection
    /// that never checkpoints: they stay in the log for as long as it is open.
    fn write_to_the_log(path: &Path, rows: u64, row_bytes: u64) -> Connection {
        let writer = Connection::open(path).expect("opened");
        writer
            .execute_batch(&format!(
                "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; \
                 CREATE TABLE t (b BLOB); \
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows}) \
                 INSERT INTO t SELECT zeroblob({row_bytes}) FROM n;"
            ))
            .expect("written");
        writer
    }

    /// The size of the database file at `path` once it reaches `bytes`, or after 20 s.
    fn database_file_reaching(path: &Path, bytes: u64) -> u64 {
        let file_size = || std::fs::metadata(path).expect("a database file").len();
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while file_size() < bytes && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        file_size()
    }

    /// What a writer that never checkpoints commits reaches the database file itself.
    #[test]
    fn commits_reach_the_database_file_without_the_writer_checkpointing() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("checkpointed.sqlite3");
        let _writer = write_to_the_log(&path, 256, 4000);
        let written = 256 * 4000;
        let file_size = std::fs::metadata(&path).expect("a database file").len();
        assert!(file_size < written, "the rows are only in the log so far");

        let _checkpoints = Checkpoints::start(&path);
        let file_size = database_file_reaching(&path, written);
        assert!(file_size >= written, "{file_size} bytes");
    }

    /// A reader still on the log keeps it from being emptied; trying meanwhile must not hold the
    /// write lock while waiting for that reader, which would hold every write as well.
    #[test]
    fn emptying_the_log_never_holds_writes_back() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("held.sqlite3");
        let burst = 2 * LOG_FILE_LIMIT;
        let _writer = write_to_the_log(&path, burst / 1_048_576, 1_048_576);
        let reader = Connection::open(&path).expect("opened");
        reader
            .execute_batch("BEGIN; SELECT count(*) FROM t;")
            .expect("a read begun on the log");

        let _checkpoints = Checkpoints::start(&path);
        assert!(
            database_file_reaching(&path, burst) >= burst,
            "the burst reached the database file"
        );
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
