//! `cargo xtask check-layers`: proves that dependencies point inwards. The domain and application
//! crates must not reach a database driver, an HTTP stack or a tag library, even transitively; the
//! api and worker crates must not reach a database driver (they talk to storage through the ports);
//! and the product (the `soulspot` binary's normal dependencies) holds no HTTP client but the one
//! pooled hyper-util client of `infrastructure::http`. It also refuses direct reads of the clock
//! outside the `Clock` adapter (`time_reads.rs`).
//!
//! The graph comes from `cargo tree`, so the check sees exactly what the build would link, through
//! any number of intermediate crates.

use anyhow::{Context as _, bail};

use crate::{cargo_program, workspace_root};

/// Drivers, frameworks and I/O libraries that belong to the adapters only.
const ADAPTER_ONLY_CRATES: &[&str] = &[
    "diesel",
    "diesel-async",
    "diesel_migrations",
    "libsqlite3-sys",
    "actix-web",
    "actix-http",
    "hyper",
    "hyper-util",
    "hyper-rustls",
    "tokio-postgres",
    "reqwest",
    "lofty",
    "deadpool",
];

/// Database drivers: only the infrastructure crate (and the binary that wires it) may see them.
const DATABASE_DRIVER_CRATES: &[&str] =
    &["diesel", "diesel-async", "libsqlite3-sys", "tokio-postgres"];

/// HTTP clients other than hyper-util's: the product ships exactly one (`infrastructure::http`),
/// so pools, timeouts and TLS are configured in one place. Test code may use others.
const OTHER_HTTP_CLIENT_CRATES: &[&str] = &[
    "reqwest",
    "ureq",
    "isahc",
    "surf",
    "attohttpc",
    "curl",
    "awc",
    "minreq",
    "hyper-tls",
    "native-tls",
];

/// One package and the crates that must not appear anywhere in its dependency graph.
struct LayerRule {
    package: &'static str,
    forbidden: &'static [&'static str],
}

const LAYER_RULES: &[LayerRule] = &[
    LayerRule {
        package: "soulspot-domain",
        forbidden: ADAPTER_ONLY_CRATES,
    },
    LayerRule {
        package: "soulspot-application",
        forbidden: ADAPTER_ONLY_CRATES,
    },
    LayerRule {
        package: "soulspot-api",
        forbidden: DATABASE_DRIVER_CRATES,
    },
    LayerRule {
        package: "soulspot-worker",
        forbidden: DATABASE_DRIVER_CRATES,
    },
    // The binary links every product crate: its normal dependencies are the product's.
    LayerRule {
        package: "soulspot",
        forbidden: OTHER_HTTP_CLIENT_CRATES,
    },
];

/// One line of `cargo tree --prefix depth`: how deep the package sits and its name.
struct TreeLine {
    depth: usize,
    name: String,
    /// `name vX.Y.Z` (plus the source for path dependencies), as cargo printed it.
    label: String,
}

/// Checks every rule, prints one line per package, and fails listing every offending path.
pub async fn run() -> anyhow::Result<()> {
    let mut violations = Vec::new();
    for rule in LAYER_RULES {
        let tree = dependency_tree(rule.package).await?;
        let offending = offending_paths(&tree, rule.forbidden);
        let mut packages: Vec<&str> = tree.iter().map(|line| line.label.as_str()).collect();
        packages.sort_unstable();
        packages.dedup();
        if offending.is_empty() {
            println!("{}: ok ({} packages)", rule.package, packages.len());
        } else {
            println!(
                "{}: FAILED ({} forbidden dependency paths)",
                rule.package,
                offending.len()
            );
            for path in &offending {
                println!("    {path}");
            }
            violations.extend(offending);
        }
    }
    let time_reads = crate::time_reads::stray_time_reads(&workspace_root())?;
    if time_reads.is_empty() {
        println!("time: ok (read only through the Clock port)");
    } else {
        println!(
            "time: FAILED ({} direct reads of the clock outside its adapter)",
            time_reads.len()
        );
        for read in &time_reads {
            println!("    {read}");
        }
    }
    if !violations.is_empty() {
        bail!(
            "{} forbidden dependency path(s): inner crates must not depend on adapters (see the list above)",
            violations.len()
        );
    }
    if !time_reads.is_empty() {
        bail!(
            "{} direct read(s) of the clock: take the time from the domain's Clock port (see the list above)",
            time_reads.len()
        );
    }
    Ok(())
}

/// The package's normal and build dependencies, depth-first as `cargo tree` prints them (a subtree
/// already shown is printed once and marked `(*)`, which is enough: every crate appears).
async fn dependency_tree(package: &str) -> anyhow::Result<Vec<TreeLine>> {
    let output = tokio::process::Command::new(cargo_program())
        .args([
            "tree",
            "--package",
            package,
            "--edges",
            "normal,build",
            "--prefix",
            "depth",
            "--format",
            "{p}",
        ])
        .current_dir(workspace_root())
        .output()
        .await
        .context("cannot run `cargo tree`")?;
    if !output.status.success() {
        bail!(
            "`cargo tree --package {package}` failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let stdout = String::from_utf8(output.stdout).context("`cargo tree` printed invalid UTF-8")?;
    stdout
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(parse_tree_line)
        .collect()
}

/// Parses `3serde v1.0.228 (*)` into depth 3, name `serde`, label `serde v1.0.228`.
fn parse_tree_line(line: &str) -> anyhow::Result<TreeLine> {
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    let depth: usize = line[..digits]
        .parse()
        .with_context(|| format!("unexpected `cargo tree` line {line:?}"))?;
    let label = line[digits..].trim_end_matches(" (*)").trim().to_owned();
    let name = label
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned();
    if name.is_empty() {
        bail!("unexpected `cargo tree` line {line:?}");
    }
    Ok(TreeLine { depth, name, label })
}

/// Every path from the root to a forbidden crate, as `a -> b -> forbidden`.
fn offending_paths(tree: &[TreeLine], forbidden: &[&str]) -> Vec<String> {
    // The names on the path from the root to the current line: depth-first output means a line
    // at depth d is a child of the last line seen at depth d - 1.
    let mut ancestry: Vec<&str> = Vec::new();
    let mut paths = Vec::new();
    for line in tree {
        ancestry.truncate(line.depth);
        ancestry.push(&line.name);
        if forbidden.contains(&line.name.as_str()) {
            let path = ancestry.join(" -> ");
            if !paths.contains(&path) {
                paths.push(path);
            }
        }
    }
    paths
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(lines: &[&str]) -> anyhow::Result<Vec<TreeLine>> {
        lines.iter().map(|line| parse_tree_line(line)).collect()
    }

    #[test]
    fn finds_transitive_paths() -> anyhow::Result<()> {
        let tree = tree(&[
            "0soulspot-domain v0.1.0 (/work/crates/soulspot-domain)",
            "1serde v1.0.0",
            "1diesel v2.3.14",
            "2libsqlite3-sys v0.38.0",
            "1other v1.0.0",
            "2diesel v2.3.14 (*)",
        ])?;
        let paths = offending_paths(&tree, &["diesel", "libsqlite3-sys"]);
        assert_eq!(
            paths,
            vec![
                "soulspot-domain -> diesel",
                "soulspot-domain -> diesel -> libsqlite3-sys",
                "soulspot-domain -> other -> diesel",
            ]
        );
        Ok(())
    }

    #[test]
    fn clean_tree_has_no_paths() -> anyhow::Result<()> {
        let tree = tree(&[
            "0soulspot-domain v0.1.0",
            "1serde v1.0.0",
            "2serde_derive v1.0.0 (proc-macro)",
        ])?;
        assert!(offending_paths(&tree, ADAPTER_ONLY_CRATES).is_empty());
        assert_eq!(tree[2].name, "serde_derive");
        Ok(())
    }
}
