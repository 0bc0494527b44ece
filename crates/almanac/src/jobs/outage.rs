//! Saying once that the job queue fails, and once that it works again: a warning per attempt
//! repeated every 250 ms in each worker, and once per write in `serve`, for as long as a Redis
//! outage lasted. The wording claims no cause: the worker's own failures are told the same way.

use std::sync::atomic::{AtomicBool, Ordering};

/// Whether the last use of the queue failed; shared by every use of it in a process.
#[derive(Debug)]
pub struct OutageLog {
    down: AtomicBool,
}

impl OutageLog {
    pub const fn new() -> Self {
        OutageLog {
            down: AtomicBool::new(false),
        }
    }

    /// Records a failure: a warning for the first since the queue last answered, a debug line for
    /// the others.
    pub fn failed(&self, what: &str, error: &dyn std::fmt::Display) {
        if self.down.swap(true, Ordering::Relaxed) {
            tracing::debug!(%error, "{what}");
        } else {
            tracing::warn!(%error, "{what}; retrying quietly until the job queue works again");
        }
    }

    /// Records a success: says so if the queue had been failing.
    pub fn answered(&self) {
        if self.down.swap(false, Ordering::Relaxed) {
            tracing::info!("the job queue works again");
        }
    }
}

/// The queue's state as this process last saw it. Process-wide because every handle on the queue
/// (the writes' and the worker's) meets the same outage; it decides only what is logged.
pub static QUEUE: OutageLog = OutageLog::new();

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .expect("not poisoned")
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn an_outage_is_told_once_and_so_is_its_end() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .finish();
        let log = OutageLog::new();
        tracing::subscriber::with_default(subscriber, || {
            for _ in 0..60 {
                log.failed("cannot promote due jobs", &"connection refused");
            }
            log.answered();
            log.answered();
            log.failed("cannot promote due jobs", &"connection refused");
        });
        let output =
            String::from_utf8(captured.0.lock().expect("not poisoned").clone()).expect("UTF-8");
        let lines: Vec<&str> = output.lines().collect();
        assert_eq!(lines.len(), 3, "{output}");
        assert!(lines[0].contains("WARN") && lines[0].contains("connection refused"));
        assert!(lines[1].contains("INFO") && lines[1].contains("works again"));
        assert!(lines[2].contains("WARN"), "a new outage is told again");
    }
}
