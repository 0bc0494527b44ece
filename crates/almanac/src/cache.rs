//! Answers kept in memory per owner — the token's user, a calendar window — and served only while
//! the owner's data is unchanged.
//!
//! An entry carries the owner's [`Stamp`] read *before* its value was loaded. Storage bumps the
//! owner's counter after every commit that touches them, so a value loaded across a write (old
//! data, older stamp) can be stored but never matches again. Memory is bounded by weight in
//! bytes, the least useful entries going first.

use std::hash::Hash;
use std::sync::Arc;

use quick_cache::Weighter;
use uuid::Uuid;

use crate::storage::Changes;
use crate::storage::changes::Stamp;

/// Roughly how many bytes a value holds, for the cache's bound.
pub trait Weigh {
    fn weigh(&self) -> u64;
}

#[derive(Debug, Clone)]
struct Entry<V> {
    stamp: Stamp,
    value: V,
}

#[derive(Debug, Clone, Copy)]
struct ByWeight;

impl<K, V: Weigh> Weighter<K, Entry<V>> for ByWeight {
    fn weight(&self, _key: &K, entry: &Entry<V>) -> u64 {
        (size_of::<K>() + size_of::<Entry<V>>()) as u64 + entry.value.weigh()
    }
}

#[derive(Debug, Clone)]
pub struct OwnerCache<K, V> {
    /// `None` when caching is switched off (a size of 0).
    entries: Option<Arc<quick_cache::sync::Cache<K, Entry<V>, ByWeight>>>,
    changes: Changes,
    /// What it holds, as its hits and misses are counted in the metrics.
    name: &'static str,
}

impl<K, V> OwnerCache<K, V>
where
    K: Eq + Hash + Clone,
    V: Clone + Weigh,
{
    /// A cache of at most `bytes` (0 caches nothing), expecting entries of about `typical_bytes`.
    pub fn new(name: &'static str, changes: Changes, bytes: u64, typical_bytes: u64) -> Self {
        let entries = (bytes > 0).then(|| {
            let items = (bytes / typical_bytes.max(1)).max(1);
            Arc::new(quick_cache::sync::Cache::with_weighter(
                usize::try_from(items).unwrap_or(usize::MAX),
                bytes,
                ByWeight,
            ))
        });
        OwnerCache {
            entries,
            changes,
            name,
        }
    }

    /// The value stored under `key` for `owner` if the owner's data has not changed since it was
    /// loaded; otherwise what `load` returns, which is stored for next time.
    pub async fn get_or_load<E>(
        &self,
        owner: Uuid,
        key: K,
        load: impl Future<Output = Result<V, E>>,
    ) -> Result<V, E> {
        let (Some(entries), Some(stamp)) = (&self.entries, self.changes.stamp(owner)) else {
            return load.await;
        };
        if let Some(entry) = entries.get(&key)
            && entry.stamp == stamp
        {
            metrics::counter!("almanac_cache_requests_total", "cache" => self.name, "result" => "hit")
                .increment(1);
            return Ok(entry.value);
        }
        metrics::counter!("almanac_cache_requests_total", "cache" => self.name, "result" => "miss")
            .increment(1);
        let value = load.await?;
        entries.insert(
            key,
            Entry {
                stamp,
                value: value.clone(),
            },
        );
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use super::*;

    impl Weigh for &'static str {
        fn weigh(&self) -> u64 {
            self.len() as u64
        }
    }

    fn cache(changes: &Changes) -> OwnerCache<Uuid, &'static str> {
        OwnerCache::new("test", changes.clone(), 1 << 20, 64)
    }

    /// A cache in a process that sees every write.
    fn complete() -> (Changes, OwnerCache<Uuid, &'static str>) {
        let changes = Changes::default();
        changes.set_complete(true);
        let cache = cache(&changes);
        (changes, cache)
    }

    async fn get(
        cache: &OwnerCache<Uuid, &'static str>,
        owner: Uuid,
        loaded: &'static str,
    ) -> &'static str {
        cache
            .get_or_load(owner, owner, async { Ok::<_, Infallible>(loaded) })
            .await
            .unwrap_or_else(|never| match never {})
    }

    #[tokio::test]
    async fn a_value_is_served_until_its_owner_changes() {
        let (changes, cache) = complete();
        let owner = Uuid::now_v7();
        assert_eq!(get(&cache, owner, "first").await, "first");
        assert_eq!(get(&cache, owner, "second").await, "first");
        changes.bump(owner);
        assert_eq!(get(&cache, owner, "third").await, "third");
    }

    #[tokio::test]
    async fn a_value_loaded_across_a_write_is_never_served() {
        let (changes, cache) = complete();
        let owner = Uuid::now_v7();
        let loaded = cache
            .get_or_load(owner, owner, async {
                // The write commits while the old value is being read.
                changes.bump(owner);
                Ok::<_, Infallible>("read before the write")
            })
            .await;
        assert_eq!(loaded.ok(), Some("read before the write"));
        assert_eq!(
            get(&cache, owner, "read after the write").await,
            "read after the write"
        );
    }

    #[tokio::test]
    async fn nothing_is_kept_while_writes_might_be_missed_or_with_size_zero() {
        let changes = Changes::default();
        let cache = cache(&changes);
        let owner = Uuid::now_v7();
        assert_eq!(get(&cache, owner, "first").await, "first");
        assert_eq!(get(&cache, owner, "second").await, "second");

        changes.set_complete(true);
        let off = OwnerCache::new("test", changes.clone(), 0, 64);
        assert_eq!(get(&off, owner, "first").await, "first");
        assert_eq!(get(&off, owner, "second").await, "second");
    }

    #[tokio::test]
    async fn errors_are_not_kept() {
        let (_, cache) = complete();
        let owner = Uuid::now_v7();
        let failed = cache
            .get_or_load(owner, owner, async { Err::<&str, _>("database down") })
            .await;
        assert_eq!(failed, Err("database down"));
        assert_eq!(get(&cache, owner, "loaded").await, "loaded");
    }
}
