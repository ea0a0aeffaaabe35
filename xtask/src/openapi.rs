//! `cargo xtask openapi [--check]`: writes the API's OpenAPI document to `docs/openapi.json`, or
//! (with `--check`, as CI runs it) fails when the committed file differs from what the code
//! generates.

use anyhow::Context;

use crate::workspace_root;

/// Where the document is committed.
const DOCUMENT: &str = "docs/openapi.json";

pub fn run(check: bool) -> anyhow::Result<()> {
    let mut generated = serde_json::to_string_pretty(&soulspot_api::openapi::document())
        .context("cannot serialise the OpenAPI document")?;
    generated.push('\n');
    let path = workspace_root().join(DOCUMENT);
    if check {
        let committed = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        anyhow::ensure!(
            committed == generated,
            "{DOCUMENT} is stale: the API changed; run `cargo xtask openapi` and commit the result"
        );
        println!("{DOCUMENT} is current");
    } else {
        std::fs::write(&path, generated)
            .with_context(|| format!("cannot write {}", path.display()))?;
        println!("wrote {DOCUMENT}");
    }
    Ok(())
}
