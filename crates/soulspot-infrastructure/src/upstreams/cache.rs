//! Cache-first lookups: a decorator keeps answers of an upstream for a while (LRU with a TTL, the
//! `cached` crate's `LruTtlCache`), keeps "not found" for a shorter while, and lets concurrent
//! identical lookups share one upstream call (single flight). Failures are never cached, but the
//! callers waiting on the same flight all get the failure of that one call. A cache of large
//! answers (cover images) is bounded in bytes too: least recently used answers leave until the
//! rest fit, and an answer larger than the whole budget is not kept.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use cached::{Cached as _, CachedPeek as _, LruTtlCache};
use soulspot_domain::upstream::UpstreamFailure;
use tokio::sync::OnceCell;

/// How long and how much a cache keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheSettings {
    /// Entries kept (each of the found and not-found sides).
    pub capacity: usize,
    pub ttl: Duration,
    /// For answers that found nothing.
    pub not_found_ttl: Duration,
    /// Bytes the found answers may hold together, as the cache's weigher counts them (only
    /// caches given a weigher count; `usize::MAX`: no bound).
    pub max_bytes: usize,
}

impl CacheSettings {
    pub fn new(capacity: usize, ttl: Duration, not_found_ttl: Duration) -> Self {
        Self {
            capacity: capacity.max(1),
            ttl: ttl.max(Duration::from_secs(1)),
            not_found_ttl: not_found_ttl.max(Duration::from_secs(1)),
            max_bytes: usize::MAX,
        }
    }

    /// These settings with the found answers bounded to `max_bytes` together.
    pub fn with_max_bytes(mut self, max_bytes: usize) -> Self {
        self.max_bytes = max_bytes;
        self
    }
}

/// How much an answer weighs, and how many bytes all found answers may weigh together.
type ByteBudget<V> = (fn(&V) -> usize, usize);

type Flight<V> = Arc<OnceCell<Result<V, UpstreamFailure>>>;

/// One lookup's cache: keys `K` to answers `V`; `is_not_found` tells which answers found nothing.
pub struct LookupCache<K, V> {
    /// The metric label (`musicbrainz.isrc`, `lrclib`, …).
    name: &'static str,
    found: Mutex<LruTtlCache<K, V>>,
    not_found: Mutex<LruTtlCache<K, V>>,
    in_flight: Mutex<HashMap<K, Flight<V>>>,
    is_not_found: fn(&V) -> bool,
    /// The size of a found answer, and how many bytes the found answers may hold together.
    byte_budget: Option<ByteBudget<V>>,
}

impl<K, V> std::fmt::Debug for LookupCache<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LookupCache")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<K, V> LookupCache<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    pub fn new(name: &'static str, settings: CacheSettings, is_not_found: fn(&V) -> bool) -> Self {
        Self {
            name,
            // `LruTtlCache::new` refuses a zero size or TTL; these never are.
            found: Mutex::new(LruTtlCache::new(
                settings.capacity.max(1),
                settings.ttl.max(Duration::from_millis(1)),
            )),
            not_found: Mutex::new(LruTtlCache::new(
                settings.capacity.max(1),
                settings.not_found_ttl.max(Duration::from_millis(1)),
            )),
            in_flight: Mutex::new(HashMap::new()),
            is_not_found,
            byte_budget: None,
        }
    }

    /// Bounds the found answers to `settings.max_bytes` together, each weighing `weigh(answer)`.
    pub fn weighing(mut self, weigh: fn(&V) -> usize, settings: CacheSettings) -> Self {
        self.byte_budget = Some((weigh, settings.max_bytes));
        self
    }

    /// Keeps a found answer within the byte budget: one larger than the whole budget is not
    /// kept; otherwise the least recently used answers leave until everything fits.
    fn keep_found(&self, key: K, value: V) {
        let mut found = lock(&self.found);
        let Some((weigh, max_bytes)) = self.byte_budget else {
            found.cache_set(key, value);
            return;
        };
        if weigh(&value) > max_bytes {
            return;
        }
        found.cache_set(key, value);
        let _expired = found.evict();
        // Most recently used first; the O(entries) pass is cheap next to fetching an image.
        let keys = found.key_order();
        let mut total: usize = keys
            .iter()
            .filter_map(|key| found.cache_peek(key))
            .map(weigh)
            .sum();
        for key in keys.iter().rev() {
            if total <= max_bytes {
                break;
            }
            if let Some(removed) = found.cache_remove(key) {
                total = total.saturating_sub(weigh(&removed));
            }
        }
    }

    fn cached(&self, key: &K) -> Option<V> {
        if let Some(value) = lock(&self.found).cache_get(key) {
            return Some(value.clone());
        }
        lock(&self.not_found).cache_get(key).cloned()
    }

    /// The cached answer for `key`, or the answer of `fetch` (one call however many ask at once).
    pub async fn get_or_fetch<F, Fut>(&self, key: K, fetch: F) -> Result<V, UpstreamFailure>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, UpstreamFailure>>,
    {
        if let Some(value) = self.cached(&key) {
            metrics::counter!("upstream_cache_total", "cache" => self.name, "result" => "hit")
                .increment(1);
            return Ok(value);
        }
        let flight: Flight<V> = lock(&self.in_flight)
            .entry(key.clone())
            .or_default()
            .clone();
        let mut fetched_here = false;
        let outcome = flight
            .get_or_init(|| {
                fetched_here = true;
                async {
                    // A flight that finished between our cache check and joining it has already
                    // stored its answer.
                    if let Some(value) = self.cached(&key) {
                        return Ok(value);
                    }
                    let result = fetch().await;
                    if let Ok(value) = &result {
                        if (self.is_not_found)(value) {
                            lock(&self.not_found).cache_set(key.clone(), value.clone());
                        } else {
                            self.keep_found(key.clone(), value.clone());
                        }
                    }
                    result
                }
            })
            .await
            .clone();
        if fetched_here {
            let mut in_flight = lock(&self.in_flight);
            if in_flight
                .get(&key)
                .is_some_and(|current| Arc::ptr_eq(current, &flight))
            {
                in_flight.remove(&key);
            }
        }
        let result = if fetched_here { "miss" } else { "shared" };
        metrics::counter!("upstream_cache_total", "cache" => self.name, "result" => result)
            .increment(1);
        outcome
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    fn settings() -> CacheSettings {
        CacheSettings::new(100, Duration::from_secs(60), Duration::from_secs(1))
    }

    #[tokio::test]
    async fn concurrent_identical_lookups_make_one_call() {
        let cache: Arc<LookupCache<String, Vec<u32>>> =
            Arc::new(LookupCache::new("test", settings(), Vec::is_empty));
        let calls = Arc::new(AtomicU32::new(0));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..100 {
            let cache = cache.clone();
            let calls = calls.clone();
            tasks.spawn(async move {
                cache
                    .get_or_fetch("key".to_owned(), || async {
                        calls.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        Ok(vec![7])
                    })
                    .await
            });
        }
        for result in tasks.join_all().await {
            assert_eq!(result.unwrap(), vec![7]);
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // And later lookups are hits.
        let again = cache
            .get_or_fetch("key".to_owned(), || async { panic!("not cached") })
            .await;
        assert_eq!(again.unwrap(), vec![7]);
    }

    #[tokio::test]
    async fn failures_are_not_cached_and_not_found_expires_sooner() {
        let cache: LookupCache<String, Vec<u32>> = LookupCache::new(
            "test",
            CacheSettings {
                capacity: 10,
                ttl: Duration::from_secs(60),
                not_found_ttl: Duration::from_millis(50),
                max_bytes: usize::MAX,
            },
            Vec::is_empty,
        );
        let failed = cache
            .get_or_fetch("a".to_owned(), || async {
                Err(UpstreamFailure::Unavailable {
                    service: "x".into(),
                    message: "down".into(),
                    retry_in: None,
                })
            })
            .await;
        assert!(failed.is_err());
        let value = cache
            .get_or_fetch("a".to_owned(), || async { Ok(vec![1]) })
            .await;
        assert_eq!(value.unwrap(), vec![1], "the failure was not cached");

        let empty = cache
            .get_or_fetch("b".to_owned(), || async { Ok(Vec::new()) })
            .await;
        assert!(empty.unwrap().is_empty());
        let still = cache
            .get_or_fetch("b".to_owned(), || async { Ok(vec![2]) })
            .await;
        assert!(still.unwrap().is_empty(), "not found is cached for a while");
        tokio::time::sleep(Duration::from_millis(120)).await;
        let later = cache
            .get_or_fetch("b".to_owned(), || async { Ok(vec![2]) })
            .await;
        assert_eq!(later.unwrap(), vec![2], "and expires after its shorter TTL");
    }

    #[tokio::test]
    async fn a_weighed_cache_stays_within_its_bytes() {
        let settings = CacheSettings::new(100, Duration::from_secs(60), Duration::from_secs(60))
            .with_max_bytes(1_000);
        let cache: LookupCache<u32, Vec<u8>> =
            LookupCache::new("test", settings, Vec::is_empty).weighing(Vec::len, settings);
        let fetches = AtomicU32::new(0);
        let fetch = |key: u32, size: usize| {
            let fetches = &fetches;
            let cache = &cache;
            async move {
                cache
                    .get_or_fetch(key, || async move {
                        fetches.fetch_add(1, Ordering::SeqCst);
                        Ok(vec![7u8; size])
                    })
                    .await
                    .unwrap()
            }
        };
        for key in 0..4 {
            fetch(key, 300).await;
        }
        // 4 × 300 > 1,000: the least recently used (key 0) left, the other three are hits.
        assert_eq!(fetches.load(Ordering::SeqCst), 4);
        for key in 1..4 {
            fetch(key, 300).await;
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 4, "keys 1-3 are kept");
        fetch(0, 300).await;
        assert_eq!(
            fetches.load(Ordering::SeqCst),
            5,
            "key 0 was dropped for the bytes"
        );
        let held: usize = {
            let found = lock(&cache.found);
            found
                .key_order()
                .iter()
                .filter_map(|key| found.cache_peek(key).map(Vec::len))
                .sum()
        };
        assert!(held <= 1_000, "{held}");

        // An answer larger than the whole budget is returned, not kept.
        assert_eq!(fetch(9, 2_000).await.len(), 2_000);
        fetch(9, 2_000).await;
        assert_eq!(fetches.load(Ordering::SeqCst), 7);
    }
}
