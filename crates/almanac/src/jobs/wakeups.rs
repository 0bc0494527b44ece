//! When a worker looks for jobs: at every tick of an interval and, on the local queue, whenever
//! this process inserts one.
//!
//! apalis 1.0's own interval strategy re-arms its timer after a tick without polling it, so no
//! waker is registered with the new timer. When a tick and the end of a fetch reach the worker in
//! one wake-up, the fetch finds nothing, the worker parks, and nothing wakes it until its next
//! heartbeat: a job queued then waited up to 5 s. Its combined strategy also stops at the first
//! source that is ready, leaving the others unpolled. Here every source is polled until it has
//! nothing more to say, which leaves each one registered to wake the worker again.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use apalis_core::backend::ext::poll_strategy::{PollSnapshot, PollStrategy};
use futures::StreamExt;
use tokio::time::{Instant, Sleep};

use super::queue::Inserted;

pub struct Wakeups {
    interval: Duration,
    tick: Pin<Box<Sleep>>,
    /// Inserts into the local queue by this process; `None` on Redis, or once it has ended.
    inserted: Option<Inserted>,
}

impl Wakeups {
    pub fn new(interval: Duration, inserted: Option<Inserted>) -> Self {
        Wakeups {
            interval,
            tick: Box::pin(tokio::time::sleep(interval)),
            inserted,
        }
    }
}

impl PollStrategy for Wakeups {
    fn poll_drive(&mut self, cx: &mut Context<'_>, _: &PollSnapshot) -> Poll<Option<()>> {
        let mut woken = false;
        while let Some(inserted) = &mut self.inserted {
            match inserted.poll_next_unpin(cx) {
                Poll::Ready(Some(())) => woken = true,
                Poll::Ready(None) => self.inserted = None,
                Poll::Pending => break,
            }
        }
        while self.tick.as_mut().poll(cx).is_ready() {
            woken = true;
            self.tick.as_mut().reset(Instant::now() + self.interval);
        }
        if woken {
            Poll::Ready(Some(()))
        } else {
            Poll::Pending
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Wake, Waker};

    use super::*;

    /// Counts the times it is woken.
    #[derive(Default)]
    struct Wakes(AtomicUsize);

    impl Wake for Wakes {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    const TICK: Duration = Duration::from_millis(20);

    /// Waits until `wakes` reaches `count`; false after five seconds, far beyond a tick.
    async fn woken(wakes: &Wakes, count: usize) -> bool {
        let deadline = Instant::now() + Duration::from_secs(5);
        while wakes.0.load(Ordering::SeqCst) < count {
            if Instant::now() > deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        true
    }

    #[tokio::test]
    async fn after_a_tick_the_next_tick_still_wakes_the_worker() {
        let wakes = Arc::new(Wakes::default());
        let waker = Waker::from(wakes.clone());
        let mut cx = Context::from_waker(&waker);
        let snapshot = PollSnapshot::default();
        let mut wakeups = Wakeups::new(TICK, None);

        assert!(wakeups.poll_drive(&mut cx, &snapshot).is_pending());
        assert!(woken(&wakes, 1).await, "the first tick wakes the worker");
        // The worker looks for jobs once, finds none, and parks: nothing else polls it.
        assert!(wakeups.poll_drive(&mut cx, &snapshot).is_ready());
        assert!(woken(&wakes, 2).await, "the next tick wakes it again");
    }
}
