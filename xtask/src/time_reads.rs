//! The time half of `cargo xtask check-layers`: no product code reads the wall clock (or std's
//! monotonic clock) except through the domain's `Clock` port. A direct read would make a decision
//! that tests cannot fix or pause and that several processes may not agree on.
//!
//! The check reads the source text of the crates that make decisions (domain, application,
//! infrastructure, worker). `tokio::time::Instant` stays allowed: it is the runtime's timer
//! clock, which paused-time tests drive. An `Instant::now()` counts as std's when the file
//! imports `std::time::Instant`.

use std::path::{Path, PathBuf};

/// The crates whose sources may read the time only through a `Clock`.
const CHECKED_CRATES: &[&str] = &[
    "crates/soulspot-domain/src",
    "crates/soulspot-application/src",
    "crates/soulspot-infrastructure/src",
    "crates/soulspot-worker/src",
];

/// The files that may read the clock: the `Clock` adapters themselves. Keep this list short.
const ALLOWED_FILES: &[&str] = &["crates/soulspot-infrastructure/src/clock.rs"];

/// Reads of the wall clock, whatever is imported.
const WALL_CLOCK_READS: &[&str] = &[
    "Utc::now(",
    "Local::now(",
    "SystemTime::now(",
    "std::time::Instant::now(",
];

/// Every direct read of the time under `root`'s checked crates, as `path:line: text`.
pub fn stray_time_reads(root: &Path) -> anyhow::Result<Vec<String>> {
    let mut found = Vec::new();
    for folder in CHECKED_CRATES {
        let mut files = Vec::new();
        collect_rust_files(&root.join(folder), &mut files)?;
        files.sort();
        for file in files {
            let relative = file
                .strip_prefix(root)
                .unwrap_or(&file)
                .to_string_lossy()
                .into_owned();
            if ALLOWED_FILES.contains(&relative.as_str()) {
                continue;
            }
            let text = std::fs::read_to_string(&file)?;
            for (number, line) in reads_in(&text) {
                found.push(format!("{relative}:{number}: {}", line.trim()));
            }
        }
    }
    Ok(found)
}

/// The lines of `text` (1-based numbers) that read the time directly.
fn reads_in(text: &str) -> Vec<(usize, &str)> {
    let imports_std_instant = text.lines().any(|line| {
        let line = line.trim_start();
        line.starts_with("use std::time::")
            && line.contains("Instant")
            && !line.starts_with("use std::time::Duration;")
    });
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim_start().starts_with("//"))
        .filter(|(_, line)| {
            WALL_CLOCK_READS.iter().any(|read| line.contains(read))
                || (imports_std_instant
                    && line.contains("Instant::now(")
                    && !line.contains("tokio::time::Instant::now("))
        })
        .map(|(index, line)| (index + 1, line))
        .collect()
}

fn collect_rust_files(folder: &Path, files: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(folder)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            collect_rust_files(&path, files)?;
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            files.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stray_wall_clock_read_is_found() {
        let text = "fn stamp() -> NaiveDateTime {\n    chrono::Utc::now().naive_utc()\n}\n";
        assert_eq!(
            reads_in(text),
            vec![(2, "    chrono::Utc::now().naive_utc()")]
        );
        assert_eq!(reads_in("let t = SystemTime::now();").len(), 1);
    }

    #[test]
    fn std_instants_count_and_tokio_instants_do_not() {
        let std = "use std::time::{Duration, Instant};\nlet started = Instant::now();\n";
        assert_eq!(reads_in(std).len(), 1);
        let tokio = "use tokio::time::Instant;\nlet started = Instant::now();\n";
        assert!(reads_in(tokio).is_empty());
        let spelled = "use std::time::Duration;\nlet t = tokio::time::Instant::now();\n";
        assert!(reads_in(spelled).is_empty());
        assert!(reads_in("// Utc::now() is what we avoid").is_empty());
    }

    #[test]
    fn the_check_fails_on_a_stray_read_in_a_checked_crate() -> anyhow::Result<()> {
        let root = tempfile::tempdir()?;
        for folder in CHECKED_CRATES {
            std::fs::create_dir_all(root.path().join(folder))?;
        }
        let clock = root.path().join(ALLOWED_FILES[0]);
        std::fs::write(&clock, "fn now() { chrono::Utc::now(); }\n")?;
        assert!(
            stray_time_reads(root.path())?.is_empty(),
            "the adapter may read it"
        );
        let stray = root.path().join("crates/soulspot-application/src/jobs.rs");
        std::fs::write(&stray, "pub fn now() {\n    let _ = Utc::now();\n}\n")?;
        assert_eq!(
            stray_time_reads(root.path())?,
            vec!["crates/soulspot-application/src/jobs.rs:2: let _ = Utc::now();".to_owned()]
        );
        Ok(())
    }
}
