//! The figures a database benchmark produces and their rendering as a markdown table, ready to
//! paste into docs/PERFORMANCE.md.

use std::fmt::Write as _;
use std::time::Duration;

/// How fast a sequence of catalogue upserts went.
#[derive(Debug, Clone, Copy)]
pub struct Throughput {
    pub tracks: u64,
    /// Artists, albums, tracks and artist credits submitted.
    pub rows: u64,
    pub batches: u64,
    /// Time spent inside `upsert_catalog` only (generating the data is not counted).
    pub elapsed: Duration,
}

impl Throughput {
    fn per_second(&self, count: u64) -> u64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 {
            (count as f64 / seconds).round() as u64
        } else {
            0
        }
    }

    fn describe(&self) -> String {
        format!(
            "{} tracks/s ({} rows/s), {:.1} s",
            with_thousands(self.per_second(self.tracks)),
            with_thousands(self.per_second(self.rows)),
            self.elapsed.as_secs_f64()
        )
    }
}

/// Latency samples of repeated calls, sorted, with the statements one call runs.
#[derive(Debug, Clone)]
pub struct Latencies {
    sorted_samples: Vec<Duration>,
    pub statements_per_call: u64,
}

impl Latencies {
    pub fn new(mut samples: Vec<Duration>, statements_per_call: u64) -> Self {
        samples.sort_unstable();
        Self {
            sorted_samples: samples,
            statements_per_call,
        }
    }

    /// The samples, fastest first.
    pub fn samples(&self) -> impl Iterator<Item = Duration> + '_ {
        self.sorted_samples.iter().copied()
    }

    /// Nearest-rank percentile: the smallest sample at least `percent`% of samples do not exceed.
    /// With 30 samples p99 is the slowest one.
    pub fn percentile(&self, percent: f64) -> Duration {
        let count = self.sorted_samples.len();
        if count == 0 {
            return Duration::ZERO;
        }
        let rank = ((percent / 100.0) * count as f64).ceil() as usize;
        self.sorted_samples[rank.clamp(1, count) - 1]
    }

    fn describe(&self) -> String {
        format!(
            "p50 {}, p99 {}, {} statement{}",
            milliseconds(self.percentile(50.0)),
            milliseconds(self.percentile(99.0)),
            self.statements_per_call,
            if self.statements_per_call == 1 {
                ""
            } else {
                "s"
            }
        )
    }
}

/// One search query's figures.
#[derive(Debug, Clone)]
pub struct QueryFigures {
    pub query: &'static str,
    pub hits: usize,
    pub latencies: Latencies,
}

/// Everything measured on one backend.
#[derive(Debug, Clone)]
pub struct BackendFigures {
    pub backend: &'static str,
    pub first_import: Throughput,
    pub unchanged_reimport: Throughput,
    pub growth: Throughput,
    pub playlist_length: usize,
    pub replace_entries: Duration,
    pub all_entries: Latencies,
    pub page_position: i32,
    pub page_size: u32,
    pub entries_page: Latencies,
    pub keyset_after_index: usize,
    pub keyset_page: Latencies,
    pub search_limit: u32,
    /// Every query's samples together.
    pub search_overall: Latencies,
    pub search_queries: Vec<QueryFigures>,
}

impl BackendFigures {
    /// The markdown table: `operation | figure`, one row per measurement.
    pub fn markdown_table(&self, iterations: u32, warm_ups: u32) -> String {
        let mut rows: Vec<(String, String)> = Vec::new();
        let first = &self.first_import;
        rows.push((
            format!(
                "bulk upsert of {} new tracks ({} batches, one transaction each)",
                with_thousands(first.tracks),
                first.batches
            ),
            first.describe(),
        ));
        rows.push((
            format!(
                "re-upsert of the same {} tracks, unchanged",
                with_thousands(self.unchanged_reimport.tracks)
            ),
            self.unchanged_reimport.describe(),
        ));
        rows.push((
            format!(
                "grow the catalogue to {} tracks",
                with_thousands(self.first_import.tracks + self.growth.tracks)
            ),
            self.growth.describe(),
        ));
        rows.push((
            format!(
                "`replace_entries`: playlist of {} entries",
                with_thousands(self.playlist_length as u64)
            ),
            format!("{}, one call", milliseconds(self.replace_entries)),
        ));
        rows.push((
            format!(
                "`all_entries`: whole playlist of {} entries",
                with_thousands(self.playlist_length as u64)
            ),
            self.all_entries.describe(),
        ));
        rows.push((
            format!(
                "`entries_page`: {} entries from position {}",
                self.page_size,
                with_thousands(self.page_position as u64)
            ),
            self.entries_page.describe(),
        ));
        let catalogue = self.first_import.tracks + self.growth.tracks;
        rows.push((
            format!(
                "`list_tracks`: keyset page of {} after track #{} of {}",
                self.page_size,
                with_thousands(self.keyset_after_index as u64 + 1),
                with_thousands(catalogue)
            ),
            self.keyset_page.describe(),
        ));
        rows.push((
            format!(
                "`search_tracks` at {} tracks, {} queries, limit {}",
                with_thousands(catalogue),
                self.search_queries.len(),
                self.search_limit
            ),
            self.search_overall.describe(),
        ));
        for query in &self.search_queries {
            rows.push((
                format!("search {:?} ({} hits)", query.query, query.hits),
                format!(
                    "p50 {}, p99 {}",
                    milliseconds(query.latencies.percentile(50.0)),
                    milliseconds(query.latencies.percentile(99.0))
                ),
            ));
        }

        let mut table = String::new();
        let _ = writeln!(table, "### {}", self.backend);
        let _ = writeln!(table);
        let _ = writeln!(
            table,
            "Latencies over {iterations} iterations after {warm_ups} warm-ups (nearest-rank percentiles); \
             statements are counted for one call."
        );
        let _ = writeln!(table);
        let _ = writeln!(table, "| operation | figure |");
        let _ = writeln!(table, "|---|---|");
        for (operation, figure) in rows {
            let _ = writeln!(table, "| {operation} | {figure} |");
        }
        table
    }
}

/// `1234567` as `1,234,567`.
pub fn with_thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut text = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}

/// Milliseconds with two decimals below 10 ms and one above: enough precision either way.
pub(crate) fn milliseconds(duration: Duration) -> String {
    let millis = duration.as_secs_f64() * 1000.0;
    if millis < 10.0 {
        format!("{millis:.2} ms")
    } else {
        format!("{millis:.1} ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(with_thousands(0), "0");
        assert_eq!(with_thousands(999), "999");
        assert_eq!(with_thousands(1_000), "1,000");
        assert_eq!(with_thousands(250_000), "250,000");
        assert_eq!(with_thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn nearest_rank_percentiles() {
        let samples = (1..=30).map(Duration::from_millis).collect();
        let latencies = Latencies::new(samples, 2);
        assert_eq!(latencies.percentile(50.0), Duration::from_millis(15));
        assert_eq!(latencies.percentile(99.0), Duration::from_millis(30));
        assert_eq!(
            Latencies::new(Vec::new(), 0).percentile(99.0),
            Duration::ZERO
        );
    }
}
