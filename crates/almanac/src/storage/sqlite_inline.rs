//! SQLite reads run on the thread that asks. sqlx runs each SQLite connection on a thread of its
//! own and hands every query to it and the answer back, waking a thread each way; for the
//! calendar's page, read from the operating system's cache of the file in about a tenth of a
//! millisecond, those hand-offs cost the server more than a quarter of its CPU
//! (docs/BENCHMARKS.md). The hottest reads therefore run here instead, on read-only connections
//! of their own, on the runtime thread that serves the request: they block it for as long as the
//! query takes, as any CPU-bound step of a request does. Writes and every other read stay with
//! sqlx.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::StorageError;

/// Statements each connection keeps prepared: the few forms of the reads that run here.
const PREPARED_STATEMENTS: usize = 16;

/// Read-only connections to one SQLite file, each lent to one read at a time.
#[derive(Debug)]
pub(super) struct InlineReaders {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    /// At most this many idle connections are kept; a read that finds none opens one.
    keep: usize,
    /// Connections lent to a read right now.
    in_use: AtomicUsize,
}

impl InlineReaders {
    pub(super) fn new(path: &Path, keep: usize) -> Self {
        InlineReaders {
            path: path.to_owned(),
            idle: Mutex::new(Vec::new()),
            keep,
            in_use: AtomicUsize::new(0),
        }
    }

    /// Runs `read` on an idle connection (or a new one), on this thread.
    pub(super) fn read<T>(
        &self,
        read: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StorageError> {
        let idle = self.lock().pop();
        let connection = match idle {
            Some(connection) => connection,
            None => self.open()?,
        };
        self.in_use.fetch_add(1, Ordering::Relaxed);
        let answer = read(&connection);
        self.in_use.fetch_sub(1, Ordering::Relaxed);
        let mut idle = self.lock();
        if idle.len() < self.keep {
            idle.push(connection);
        }
        Ok(answer?)
    }

    /// How many connections are idle and how many lent to a read.
    pub(super) fn counts(&self) -> (usize, usize) {
        (self.lock().len(), self.in_use.load(Ordering::Relaxed))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Connection>> {
        // A connection list left by a panicking read is still a list of good connections.
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A connection as sqlx's readers are set up: 2 MB of page cache, temporary tables in memory,
    /// and waits on a lock instead of failing.
    fn open(&self) -> Result<Connection, StorageError> {
        let connection = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        connection.busy_timeout(Duration::from_secs(10))?;
        connection.execute_batch("PRAGMA cache_size = -2000; PRAGMA temp_store = memory;")?;
        connection.set_prepared_statement_cache_capacity(PREPARED_STATEMENTS);
        Ok(connection)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A WAL database in `dir` with an empty table `t`: its writing connection, and readers that
    /// keep one connection.
    fn table_and_readers(dir: &Path) -> (Connection, InlineReaders) {
        let path = dir.join("inline.sqlite3");
        let writer = Connection::open(&path).expect("opened");
        writer
            .execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (n INTEGER);")
            .expect("created");
        (writer, InlineReaders::new(&path, 1))
    }

    fn count(readers: &InlineReaders) -> i64 {
        readers
            .read(|connection| connection.query_row("SELECT COUNT(*) FROM t", [], |row| row.get(0)))
            .expect("counted")
    }

    /// Each read sees every write committed before it began, though its connection stays open
    /// between reads; and no more connections stay open than asked.
    #[test]
    fn reads_see_each_commit_before_them_and_keep_few_connections() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let (writer, readers) = table_and_readers(dir.path());
        assert_eq!(count(&readers), 0);
        writer
            .execute("INSERT INTO t VALUES (1)", [])
            .expect("inserted");
        assert_eq!(count(&readers), 1);

        let nested = readers
            .read(|_| Ok(count(&readers)))
            .expect("a read inside a read");
        assert_eq!(nested, 1);
        assert_eq!(
            readers.lock().len(),
            1,
            "one connection kept of the two opened"
        );
    }

    /// The connections are read-only: a write through them is refused, not applied.
    #[test]
    fn a_write_through_a_reader_is_refused() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        // Kept open, as the server keeps its writer: readers of a WAL file need its index.
        let (_writer, readers) = table_and_readers(dir.path());
        let written = readers.read(|connection| connection.execute("INSERT INTO t VALUES (1)", []));
        assert!(written.is_err(), "{written:?}");
        assert_eq!(count(&readers), 0);
    }

    /// A database file that cannot be opened is an outage (the API answers 503), not a fault of
    /// the request's.
    #[test]
    fn a_file_that_cannot_be_opened_makes_the_database_unavailable() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let readers = InlineReaders::new(&dir.path().join("missing.sqlite3"), 1);
        let read = readers
            .read(|connection| connection.query_row("SELECT 1", [], |row| row.get::<_, i64>(0)));
        assert!(
            matches!(read, Err(StorageError::Unavailable(_))),
            "{read:?}"
        );
    }
}
