//! Opening databases: bad locations fail with a readable reason, never a panic.

use std::time::Duration;

use soulspot_infrastructure::{Database, DatabaseUrl, PoolSettings};

fn quick() -> PoolSettings {
    PoolSettings {
        create_timeout: Duration::from_secs(3),
        wait_timeout: Duration::from_secs(3),
        ..PoolSettings::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unopenable_sqlite_path_is_a_clear_error() {
    let url = DatabaseUrl::parse("sqlite:///nonexistent-dir/for/sure/soulspot.db").unwrap();
    let error = Database::connect(&url, &quick()).await.unwrap_err();
    let message = error.to_string();
    assert!(message.starts_with("cannot open the database"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_postgres_is_a_clear_error() {
    let url = DatabaseUrl::parse("postgres://nobody@127.0.0.1:1/soulspot").unwrap();
    let error = Database::connect(&url, &quick()).await.unwrap_err();
    assert!(
        error.to_string().starts_with("cannot open the database"),
        "{error}"
    );
}

#[test]
fn urls_are_parsed_and_redacted() {
    assert_eq!(
        DatabaseUrl::parse("sqlite://data/x.db").unwrap(),
        DatabaseUrl::Sqlite("data/x.db".into())
    );
    assert_eq!(
        DatabaseUrl::parse("/abs/x.db").unwrap(),
        DatabaseUrl::Sqlite("/abs/x.db".into())
    );
    assert!(DatabaseUrl::parse("mysql://x").is_err());
    assert!(DatabaseUrl::parse("sqlite::memory:").is_err());
    assert!(DatabaseUrl::parse("  ").is_err());
    let pg = DatabaseUrl::parse("postgres://me:secret@db/soulspot").unwrap();
    assert!(!pg.redacted().contains("secret"));
    assert!(!format!("{pg:?}").contains("secret"));
    let in_query = DatabaseUrl::parse("postgres://me@db/soulspot?password=secret").unwrap();
    assert_eq!(
        in_query.redacted(),
        "postgres://REDACTED@db/soulspot?password=REDACTED"
    );
    assert!(
        DatabaseUrl::parse("host=db user=me password=secret").is_err(),
        "libpq's key=value form is not a file name"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_past_their_lifetime_are_replaced() {
    let settings = PoolSettings {
        max_size: 1,
        max_lifetime: Some(Duration::from_millis(50)),
        ..PoolSettings::default()
    };
    let test = soulspot_testkit::TestDatabase::sqlite_with(settings).await;
    assert!(test.database.pending_migrations().await.unwrap().is_empty());
    tokio::time::sleep(Duration::from_millis(120)).await;
    // The only connection is too old: the pool replaces it instead of failing the call.
    assert!(test.database.pending_migrations().await.unwrap().is_empty());
    assert_eq!(test.database.pool_status().max_size, 1);
}

/// Two processes starting at once against one fresh PostgreSQL database: the advisory lock makes
/// one migrate and the other find nothing left to do, instead of both failing half-way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_postgres_migrations_serialise() {
    let Some(server) =
        soulspot_testkit::postgres_url_for_tests("concurrent_postgres_migrations_serialise")
    else {
        return;
    };
    let (_, url) = soulspot_testkit::create_empty_postgres_database(&server).await;
    let url = DatabaseUrl::Postgres(url);
    let first = Database::connect(&url, &quick()).await.unwrap();
    let second = Database::connect(&url, &quick()).await.unwrap();
    let pending = first.pending_migrations().await.unwrap().len();
    assert!(pending >= 1);
    migrate_both_at_once(&first, &second, pending).await;
    assert!(first.pending_migrations().await.unwrap().is_empty());
}

/// The same on SQLite: two handles migrating one fresh file at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_sqlite_migrations_serialise() {
    let directory = tempfile::tempdir().unwrap();
    let url = DatabaseUrl::Sqlite(directory.path().join("fresh.db"));
    let first = Database::connect(&url, &quick()).await.unwrap();
    let second = Database::connect(&url, &quick()).await.unwrap();
    let pending = first.pending_migrations().await.unwrap().len();
    migrate_both_at_once(&first, &second, pending).await;
    assert!(second.pending_migrations().await.unwrap().is_empty());
}

/// Runs both handles' migrations concurrently and checks that exactly one applied anything, and
/// that it applied all `pending` migrations.
async fn migrate_both_at_once(first: &Database, second: &Database, pending: usize) {
    let (a, b) = tokio::join!(
        first.run_pending_migrations(),
        second.run_pending_migrations()
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(
        a.is_empty() != b.is_empty() && a.len() + b.len() == pending,
        "exactly one of them applied the {pending} migrations: {a:?} {b:?}"
    );
}
