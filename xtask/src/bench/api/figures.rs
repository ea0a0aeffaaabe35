//! The figures of one backend and their markdown table, in the style of `bench db`'s report.

use std::fmt::Write as _;

use super::client::LoadFigures;
use super::server::LogExcerpt;
use crate::bench::report::{milliseconds, with_thousands};

/// One scenario at one concurrency.
pub struct Row {
    pub scenario: &'static str,
    pub description: String,
    pub connections: usize,
    pub load: LoadFigures,
    pub log: LogExcerpt,
}

pub struct BackendFigures {
    pub backend: &'static str,
    pub tracks: u64,
    pub rows: Vec<Row>,
    pub late_log: LogExcerpt,
}

impl BackendFigures {
    /// Failed requests (warm-ups included) plus lock errors anywhere in the server log.
    pub fn failures(&self) -> u64 {
        let rows: u64 = self
            .rows
            .iter()
            .map(|row| row.load.errors() + row.load.warm_up_errors + row.log.locked as u64)
            .sum();
        rows + self.late_log.locked as u64
    }

    pub fn markdown(&self) -> String {
        let mut table = String::new();
        let _ = writeln!(
            table,
            "### {} — {} tracks",
            self.backend,
            with_thousands(self.tracks)
        );
        let _ = writeln!(table);
        let mut described = Vec::new();
        for row in &self.rows {
            if !described.contains(&row.scenario) {
                described.push(row.scenario);
                let _ = writeln!(table, "- {}: {}", row.scenario, row.description);
            }
        }
        let _ = writeln!(table);
        let _ = writeln!(
            table,
            "Latency: from writing the request to reading the last byte of the body, over the \
             successful requests (nearest-rank percentiles). Errors: non-200 answers and requests \
             without an answer while measuring. Server WARN/ERROR: events the server logged during \
             the warm-up and the measurement."
        );
        let _ = writeln!(table);
        let _ = writeln!(
            table,
            "| scenario | connections | requests | requests/s | p50 | p99 | max | errors | server WARN/ERROR |"
        );
        let _ = writeln!(table, "|---|---|---|---|---|---|---|---|---|");
        for row in &self.rows {
            let load = &row.load;
            let _ = writeln!(
                table,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                row.scenario,
                row.connections,
                with_thousands(load.requests()),
                with_thousands(load.requests_per_second().round() as u64),
                milliseconds(load.latencies.percentile(50.0)),
                milliseconds(load.latencies.percentile(99.0)),
                milliseconds(load.max_latency()),
                load.describe_errors(),
                with_thousands(row.log.events as u64)
            );
        }
        let locked: usize =
            self.rows.iter().map(|row| row.log.locked).sum::<usize>() + self.late_log.locked;
        let unavailable: usize = self
            .rows
            .iter()
            .map(|row| row.log.unavailable)
            .sum::<usize>()
            + self.late_log.unavailable;
        let warm_up_errors: u64 = self.rows.iter().map(|row| row.load.warm_up_errors).sum();
        let _ = writeln!(table);
        let _ = writeln!(
            table,
            "Failed requests during the warm-ups: {}. Server log: \"database is locked\" {} times; \
             \"the database is unavailable\" (no pooled connection within the wait timeout) {} times.",
            with_thousands(warm_up_errors),
            with_thousands(locked as u64),
            with_thousands(unavailable as u64)
        );
        table
    }
}
