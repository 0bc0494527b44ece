//! Which owners' data changed: what lets a process keep answers in memory (see `crate::cache`)
//! and still never serve one that a committed write has made stale.
//!
//! Every owner maps to one of a fixed number of counters (several owners may share one: a bump
//! then also retires their entries, which costs a reread, never a stale answer). Storage bumps the
//! owner's counter after each commit that touches their account, events or occurrences. Writes
//! made by other processes arrive on PostgreSQL through `LISTEN`/`NOTIFY` (migration 0006 notifies
//! from triggers, so even a write from `psql` is seen). A process that cannot see every write —
//! SQLite with a shared Redis queue, whose workers are other processes, or PostgreSQL while its
//! listening connection is down — is not `complete`, and then nothing is cached.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgListener;
use uuid::Uuid;

/// The channel migration 0006's triggers notify, with an owner's id as the payload.
pub const CHANNEL: &str = "almanac_changes";

const COUNTERS: usize = 1024;
const RELISTEN_DELAY: Duration = Duration::from_secs(1);

/// An owner's counter, read before the data it guards: equal later means nothing changed since.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp(u64);

#[derive(Debug, Clone)]
pub struct Changes {
    inner: Arc<Counters>,
}

#[derive(Debug)]
struct Counters {
    counters: Box<[AtomicU64]>,
    complete: AtomicBool,
}

impl Default for Changes {
    fn default() -> Self {
        Changes {
            inner: Arc::new(Counters {
                counters: (0..COUNTERS).map(|_| AtomicU64::new(0)).collect(),
                complete: AtomicBool::new(false),
            }),
        }
    }
}

impl Changes {
    /// The owner's current stamp; `None` while this process might miss a write.
    pub fn stamp(&self, owner: Uuid) -> Option<Stamp> {
        self.inner
            .complete
            .load(Ordering::SeqCst)
            .then(|| Stamp(self.counter(owner).load(Ordering::SeqCst)))
    }

    /// Records that the owner's data changed: call after the commit.
    pub fn bump(&self, owner: Uuid) {
        self.counter(owner).fetch_add(1, Ordering::SeqCst);
    }

    /// Declares whether this process sees every write from now on. Either way every stamp taken
    /// so far is retired, since writes may have been missed before.
    pub fn set_complete(&self, complete: bool) {
        self.inner.complete.store(complete, Ordering::SeqCst);
        for counter in &self.inner.counters {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counter(&self, owner: Uuid) -> &AtomicU64 {
        // Ids are UUIDv7 (or v4): their low bits are random.
        &self.inner.counters[(owner.as_u128() % COUNTERS as u128) as usize]
    }

    /// Follows other processes' writes on PostgreSQL until the pool closes: complete while the
    /// listening connection is up, incomplete (nothing cached) while it is being re-established.
    pub async fn follow(self, pool: PgPool) {
        // Said once per interruption, and again when listening resumes.
        let mut interrupted = false;
        loop {
            let mut listener = match listen(&pool).await {
                Ok(listener) => listener,
                Err(error) => {
                    if pool.is_closed() {
                        return;
                    }
                    if interrupted {
                        tracing::debug!(%error, "still cannot listen for other processes' changes");
                    } else {
                        tracing::warn!(%error, "cannot listen for other processes' changes; not caching until it can");
                        interrupted = true;
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(RELISTEN_DELAY) => continue,
                        _ = pool.close_event() => return,
                    }
                }
            };
            self.set_complete(true);
            if std::mem::take(&mut interrupted) {
                tracing::info!("listening for other processes' changes again; caching");
            }
            loop {
                let notification = tokio::select! {
                    notification = listener.try_recv() => notification,
                    _ = pool.close_event() => {
                        self.set_complete(false);
                        return;
                    }
                };
                match notification {
                    Ok(Some(notification)) => match Uuid::parse_str(notification.payload()) {
                        Ok(owner) => self.bump(owner),
                        Err(_) => tracing::warn!(
                            payload = notification.payload(),
                            "unexpected change notification"
                        ),
                    },
                    Ok(None) | Err(_) => break,
                }
            }
            self.set_complete(false);
            if pool.is_closed() {
                return;
            }
            tracing::warn!(
                "lost the connection that listens for other processes' changes; not caching until it is back"
            );
            interrupted = true;
        }
    }
}

async fn listen(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_stamped_until_the_process_sees_every_write() {
        let changes = Changes::default();
        let owner = Uuid::now_v7();
        assert_eq!(changes.stamp(owner), None);
        changes.set_complete(true);
        assert!(changes.stamp(owner).is_some());
        changes.set_complete(false);
        assert_eq!(changes.stamp(owner), None);
    }

    #[test]
    fn a_bump_changes_the_owners_stamp_and_a_gap_in_following_changes_every_stamp() {
        let changes = Changes::default();
        changes.set_complete(true);
        let owner = Uuid::now_v7();
        let before = changes.stamp(owner);
        assert_eq!(changes.stamp(owner), before);
        changes.bump(owner);
        let bumped = changes.stamp(owner);
        assert_ne!(bumped, before);
        changes.set_complete(false);
        changes.set_complete(true);
        assert_ne!(changes.stamp(owner), bumped);
    }
}
