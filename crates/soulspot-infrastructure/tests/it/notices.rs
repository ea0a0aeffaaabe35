//! Job notices: committed job writes reach subscribers (on PostgreSQL through NOTIFY, also those
//! of another handle — another process's worth of pool and listener), in order, and nothing else
//! does; the PostgreSQL listener reconnects when its connection is killed and stops when the
//! last handle is dropped.

use std::time::Duration;

use chrono::{NaiveDateTime, Timelike, Utc};
use diesel::QueryableByName;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use soulspot_application::JobNotice;
use soulspot_domain::ports::JobRepository;
use soulspot_domain::{JobId, JobKind, JobProgress, JobState, NewJob};
use soulspot_infrastructure::db::{LISTENER_APPLICATION_NAME, NOTICE_MESSAGE_CHARS};
use soulspot_infrastructure::{Backend, Database, DatabaseUrl, PoolSettings};
use tokio::sync::broadcast::Receiver;

const LEASE: Duration = Duration::from_secs(30);
const PATIENCE: Duration = Duration::from_secs(15);

fn new_job(kind: &str, dedupe_key: Option<&str>) -> NewJob {
    NewJob {
        kind: JobKind::parse(kind).unwrap(),
        payload: "{}".into(),
        priority: 0,
        dedupe_key: dedupe_key.map(str::to_owned),
        max_attempts: 3,
        run_at: None,
        limits: Default::default(),
    }
}

fn clock() -> NaiveDateTime {
    let now = Utc::now().naive_utc() + chrono::Duration::minutes(1);
    now.with_nanosecond(0).unwrap()
}

async fn wait_until_live(db: &Database) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !db.job_notices_live() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the job-notice listener never started listening"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn next_notice(receiver: &mut Receiver<JobNotice>, what: &str) -> JobNotice {
    match tokio::time::timeout(PATIENCE, receiver.recv()).await {
        Ok(Ok(notice)) => notice,
        Ok(Err(error)) => panic!("{what}: the notice channel failed: {error}"),
        Err(_) => panic!("{what}: no notice within {PATIENCE:?}"),
    }
}

#[track_caller]
fn assert_notice(notice: &JobNotice, id: JobId, state: JobState, progress: &JobProgress) {
    assert_eq!(
        (notice.id, notice.state, &notice.progress),
        (id, state, progress),
        "{notice:?}"
    );
    assert_eq!(notice.kind.as_str(), "notice.test");
}

/// Another handle on the same database: on PostgreSQL its own pool and listener, like another
/// process; on SQLite notices are per process, so the other handle is a clone.
async fn second_handle(db: &Database) -> Database {
    match db.backend() {
        Backend::Postgres => Database::connect(db.url(), &PoolSettings::default())
            .await
            .unwrap(),
        Backend::Sqlite => db.clone(),
    }
}

pub async fn notices_follow_committed_writes(db: Database) {
    let other = second_handle(&db).await;
    let mut theirs = other.job_notices();
    let mut ours = db.job_notices();
    wait_until_live(&other).await;
    wait_until_live(&db).await;
    let now = clock();
    let none = JobProgress::default();

    let job = db
        .enqueue(new_job("notice.test", Some("notice:1")))
        .await
        .unwrap();
    // A deduplicated enqueue writes nothing and announces nothing.
    db.enqueue(new_job("notice.test", Some("notice:1")))
        .await
        .unwrap();
    let claimed = db
        .claim(
            "w1",
            &[JobKind::parse("notice.test").unwrap()],
            1,
            now,
            LEASE,
        )
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    // Only the lease moves: nothing to announce.
    db.heartbeat(job.id, "w1", None, now, LEASE).await.unwrap();
    let progress = JobProgress {
        done: 3,
        total: Some(10),
        message: Some("step 3".into()),
    };
    db.heartbeat(job.id, "w1", Some(progress.clone()), now, LEASE)
        .await
        .unwrap();
    let long = JobProgress {
        done: 4,
        total: Some(10),
        message: Some("ü".repeat(5_000)),
    };
    db.heartbeat(job.id, "w1", Some(long.clone()), now, LEASE)
        .await
        .unwrap();
    db.succeed(job.id, "w1", None, now).await.unwrap();
    // A write that is rolled back announces nothing: retrying a job whose dedupe key another
    // active job holds fails on the unique index.
    let blocker = db
        .enqueue(new_job("notice.test", Some("notice:1")))
        .await
        .unwrap();
    db.retry(job.id, now).await.unwrap_err();
    db.cancel(blocker.id, now).await.unwrap();

    let mut cut = long.clone();
    cut.message = Some("ü".repeat(NOTICE_MESSAGE_CHARS));
    for (receiver, whose) in [(&mut theirs, "other handle"), (&mut ours, "own handle")] {
        let expected = [
            (job.id, JobState::Queued, &none),
            (job.id, JobState::Running, &none),
            (job.id, JobState::Running, &progress),
            (job.id, JobState::Running, &cut),
            (job.id, JobState::Succeeded, &cut),
            (blocker.id, JobState::Queued, &none),
            (blocker.id, JobState::Cancelled, &none),
        ];
        for (step, (id, state, progress)) in expected.into_iter().enumerate() {
            let notice = next_notice(receiver, &format!("{whose}, notice {step}")).await;
            assert_notice(&notice, id, state, progress);
        }
        assert!(
            receiver.try_recv().is_err(),
            "{whose}: nothing else was announced"
        );
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    count: i64,
}

/// Terminates this database's job listeners (or counts them) from an administrative connection.
async fn listeners(admin: &mut AsyncPgConnection, database: &str, terminate: bool) -> i64 {
    let select = if terminate {
        "count(pg_terminate_backend(pid))"
    } else {
        "count(*)"
    };
    let query = format!(
        "SELECT {select} AS count FROM pg_stat_activity \
         WHERE application_name = '{LISTENER_APPLICATION_NAME}' AND datname = '{database}'"
    );
    diesel::sql_query(query)
        .get_result::<Count>(admin)
        .await
        .unwrap()
        .count
}

/// Kills the listener's connection: it reconnects and notices flow again. Dropping the last
/// handle closes the listener's connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_listener_reconnects_and_stops_with_its_handle() {
    let Some(test) =
        soulspot_testkit::TestDatabase::postgres("postgres_listener_reconnects_and_stops").await
    else {
        return;
    };
    let DatabaseUrl::Postgres(url) = test.database.url().clone() else {
        unreachable!("a PostgreSQL test database");
    };
    let mut admin = AsyncPgConnection::establish(&url).await.unwrap();
    let db = Database::connect(test.database.url(), &PoolSettings::default())
        .await
        .unwrap();
    assert!(
        !db.job_notices_live(),
        "no listener before the first subscription"
    );
    let mut receiver = db.job_notices();
    wait_until_live(&db).await;
    let _second = db.job_notices();
    assert_eq!(
        listeners(&mut admin, &test.name, false).await,
        1,
        "one listener per handle, however many subscribe"
    );

    assert_eq!(listeners(&mut admin, &test.name, true).await, 1);
    // Writes while the listener is down may be missed; keep writing until one arrives.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let mut delivered = false;
    while !delivered {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no notice after the listener was killed"
        );
        let job = db.enqueue(new_job("notice.test", None)).await.unwrap();
        let wait = tokio::time::timeout(Duration::from_millis(300), async {
            loop {
                match receiver.recv().await {
                    Ok(notice) if notice.id == job.id => return,
                    Ok(_) => {}
                    Err(error) => panic!("the notice channel failed: {error}"),
                }
            }
        });
        delivered = wait.await.is_ok();
    }
    assert!(db.job_notices_live());

    drop(receiver);
    drop(db);
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while listeners(&mut admin, &test.name, false).await > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the listener outlived its last handle"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(admin);
    test.drop_database().await;
}
