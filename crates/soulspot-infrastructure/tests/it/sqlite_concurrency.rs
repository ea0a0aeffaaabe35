//! 16 concurrent writers on one SQLite file: every write transaction is BEGIN IMMEDIATE, so
//! writers queue on the lock (busy_timeout) instead of failing with "database is locked".

use soulspot_domain::ports::{
    CatalogRepository, DownloadRepository, JobRepository, SettingsRepository,
};
use soulspot_domain::{JobKind, NewJob, RepositoryError};
use soulspot_infrastructure::PoolSettings;
use soulspot_testkit::TestDatabase;
use soulspot_testkit::catalog::catalog_batch;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_concurrent_writers_never_see_locked() {
    let test = TestDatabase::sqlite_with(PoolSettings {
        max_size: 16,
        ..PoolSettings::default()
    })
    .await;
    let db = test.database.clone();
    let mut tasks = Vec::new();
    for writer in 0..16_u64 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let mut errors: Vec<RepositoryError> = Vec::new();
            for round in 0..20_u64 {
                // Each writer reads, then writes, inside its transactions: the pattern that fails
                // under deferred transactions.
                let batch = catalog_batch(writer, (writer * 20 + round) * 4, 4);
                match db.upsert_catalog(batch).await {
                    Ok(ids) => {
                        if let Err(error) = db.create_download(ids.tracks[0], round as i32).await {
                            errors.push(error);
                        }
                    }
                    Err(error) => errors.push(error),
                }
                if let Err(error) = db
                    .put_setting(&format!("writer.{writer}"), &round.to_string())
                    .await
                {
                    errors.push(error);
                }
                let job = NewJob {
                    kind: JobKind::parse("test.write").unwrap(),
                    payload: "{}".into(),
                    priority: 0,
                    dedupe_key: Some(format!("w{writer}")),
                    max_attempts: 1,
                    run_at: None,
                    limits: Default::default(),
                };
                if let Err(error) = db.enqueue(job).await {
                    errors.push(error);
                }
            }
            errors
        }));
    }
    let mut failures = Vec::new();
    for task in tasks {
        failures.extend(task.await.unwrap());
    }
    let locked = failures
        .iter()
        .filter(|error| format!("{error:?}").contains("locked"))
        .count();
    assert_eq!(locked, 0, "'database is locked' errors: {failures:?}");
    assert!(failures.is_empty(), "{failures:?}");
    assert_eq!(db.all_settings().await.unwrap().len(), 16);
}
