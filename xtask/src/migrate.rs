//! `cargo xtask migrate`: brings a database's schema up to date with the migrations embedded in
//! the infrastructure crate, the same code the server runs at start-up.

use anyhow::Context as _;
use soulspot_infrastructure::{Database, DatabaseUrl, PoolSettings};

/// Connects, applies every pending migration and prints what it did.
pub async fn run(database_url: &str) -> anyhow::Result<()> {
    let url = DatabaseUrl::parse(database_url)?;
    if let DatabaseUrl::Sqlite(path) = &url {
        // SQLite creates the file but not its directory; a fresh checkout has no `data/` yet.
        if let Some(directory) = path
            .parent()
            .filter(|directory| !directory.as_os_str().is_empty())
        {
            std::fs::create_dir_all(directory)
                .with_context(|| format!("cannot create the directory {}", directory.display()))?;
        }
    }
    let database = Database::connect(&url, &PoolSettings::default())
        .await
        .with_context(|| format!("cannot connect to {}", url.redacted()))?;
    let applied = database
        .run_pending_migrations()
        .await
        .with_context(|| format!("cannot migrate {}", url.redacted()))?;
    if applied.is_empty() {
        println!("{}: database is up to date", url.redacted());
    } else {
        for name in &applied {
            println!("applied {name}");
        }
        println!("{}: applied {} migration(s)", url.redacted(), applied.len());
    }
    Ok(())
}
