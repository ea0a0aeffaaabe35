//! Bounded parallel batches: run a lookup for every item with at most `concurrency` in flight,
//! answers in input order. It composes with the upstream policies rather than replacing them: five
//! MusicBrainz lookups may be in flight while the client's rate limit still lets one request a
//! second through, so the batch finishes as fast as the slowest rule allows and never faster.

use std::future::Future;

use futures::StreamExt as _;

/// Calls `lookup` for each item, at most `concurrency` at once (0 is treated as 1), and returns
/// the results in the order of `items`.
pub async fn bounded<I, F, Fut, T>(items: I, concurrency: usize, lookup: F) -> Vec<T>
where
    I: IntoIterator,
    F: FnMut(I::Item) -> Fut,
    Fut: Future<Output = T>,
{
    futures::stream::iter(items)
        .map(lookup)
        .buffered(concurrency.max(1))
        .collect()
        .await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn never_more_than_the_bound_in_flight_and_results_in_order() {
        let in_flight = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let results = bounded(0..20_u64, 5, |item| {
            let in_flight = in_flight.clone();
            let peak = peak.clone();
            async move {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                // Later items finish sooner, so order is not an accident of timing.
                tokio::time::sleep(Duration::from_millis(100 - item * 5)).await;
                in_flight.fetch_sub(1, Ordering::SeqCst);
                item * 2
            }
        })
        .await;
        assert_eq!(results, (0..20).map(|item| item * 2).collect::<Vec<_>>());
        assert_eq!(peak.load(Ordering::SeqCst), 5);
    }
}
