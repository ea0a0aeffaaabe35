//! Contract of the job repository on both backends: enqueueing with dedupe keys, claiming with
//! leases (order, kinds, limit, no job claimed twice under concurrency), every owner-checked
//! mutation, cancel and retry, lease reclaiming, pruning and the filtered, keyset-paged list.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{NaiveDateTime, Timelike, Utc};
use soulspot_domain::ports::JobRepository;
use soulspot_domain::{
    Job, JobFilter, JobId, JobKind, JobProgress, JobState, NewJob, PageRequest, RepositoryError,
};
use soulspot_infrastructure::{Backend, Database};

const LEASE: Duration = Duration::from_secs(30);

fn kind(name: &str) -> JobKind {
    JobKind::parse(name).unwrap()
}

fn new_job(kind_name: &str) -> NewJob {
    NewJob {
        kind: kind(kind_name),
        payload: "{}".into(),
        priority: 0,
        dedupe_key: None,
        max_attempts: 3,
        run_at: None,
        limits: Default::default(),
    }
}

/// A clock for the test: whole seconds (both backends store at least microseconds, so values
/// compare exactly), one minute ahead of the wall clock so jobs enqueued "now" are runnable.
fn clock() -> NaiveDateTime {
    let now = Utc::now().naive_utc() + chrono::Duration::minutes(1);
    now.with_nanosecond(0).unwrap()
}

fn secs(seconds: i64) -> chrono::Duration {
    chrono::Duration::seconds(seconds)
}

#[track_caller]
fn assert_conflict<T: std::fmt::Debug>(result: Result<T, RepositoryError>, what: &str) {
    match result {
        Err(RepositoryError::Conflict(_)) => {}
        other => panic!("{what}: expected Conflict, got {other:?}"),
    }
}

#[track_caller]
fn assert_not_found<T: std::fmt::Debug>(result: Result<T, RepositoryError>, what: &str) {
    match result {
        Err(RepositoryError::NotFound { .. }) => {}
        other => panic!("{what}: expected NotFound, got {other:?}"),
    }
}

/// Statements `call` ran on `db`'s pool, and its result.
async fn counted<T>(db: &Database, call: impl std::future::Future<Output = T>) -> (u64, T) {
    let counter = db.statement_counter().clone();
    let before = counter.get();
    let result = call.await;
    (counter.get() - before, result)
}

async fn claim_one(db: &Database, owner: &str, kind_name: &str, now: NaiveDateTime) -> Job {
    let mut claimed = db
        .claim(owner, &[kind(kind_name)], 1, now, LEASE)
        .await
        .unwrap();
    assert_eq!(
        claimed.len(),
        1,
        "{owner} expected to claim one {kind_name} job"
    );
    claimed.remove(0)
}

pub async fn enqueue_dedupes(db: Database) {
    let job = |key: Option<&str>| NewJob {
        kind: kind("library.scan"),
        payload: r#"{"mode":"quick"}"#.into(),
        priority: 0,
        dedupe_key: key.map(str::to_owned),
        max_attempts: 3,
        run_at: None,
        limits: Default::default(),
    };
    let first = db.enqueue(job(Some("scan:/music"))).await.unwrap();
    let second = db.enqueue(job(Some("scan:/music"))).await.unwrap();
    assert_eq!(
        first.id, second.id,
        "an identical non-final job is returned, not duplicated"
    );
    assert_eq!(first.state, JobState::Queued);
    assert_eq!(first.attempts, 0);
    assert_eq!((first.started_at, first.finished_at), (None, None));
    let other = db.enqueue(job(None)).await.unwrap();
    assert_ne!(other.id, first.id);
    assert_eq!(
        db.job(first.id).await.unwrap().payload,
        r#"{"mode":"quick"}"#
    );
    let page = db
        .list_jobs(JobFilter::default(), PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2);
    let invalid = db
        .enqueue(NewJob {
            max_attempts: 0,
            ..job(None)
        })
        .await
        .unwrap_err();
    assert!(
        matches!(invalid, RepositoryError::InvalidData(_)),
        "{invalid:?}"
    );
    assert_not_found(db.job(JobId(i64::MAX)).await, "unknown job");

    // Still deduplicated while running; once final, the key is free again.
    let now = clock();
    let running = claim_one(&db, "w1", "library.scan", now).await;
    assert_eq!(running.id, first.id, "the older job is claimed first");
    let third = db.enqueue(job(Some("scan:/music"))).await.unwrap();
    assert_eq!(third.id, first.id, "a running job still holds its key");
    db.succeed(first.id, "w1", None, now).await.unwrap();
    let fresh = db.enqueue(job(Some("scan:/music"))).await.unwrap();
    assert_ne!(fresh.id, first.id, "a final job no longer holds its key");

    // Concurrent enqueues of one key (several schedulers) all get the same job.
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let db = db.clone();
        let job = job(Some("sync:playlists"));
        tasks.push(tokio::spawn(async move { db.enqueue(job).await }));
    }
    let mut ids = HashSet::new();
    for task in tasks {
        ids.insert(task.await.unwrap().unwrap().id);
    }
    assert_eq!(ids.len(), 1, "one job for one dedupe key: {ids:?}");
}

pub async fn claim_order_kinds_and_limit(db: Database) {
    let now = clock();
    let at = |seconds: i64| Some(now + secs(seconds));
    let enqueue = |kind_name: &'static str, priority: i32, run_at: Option<NaiveDateTime>| {
        let db = db.clone();
        async move {
            db.enqueue(NewJob {
                priority,
                run_at,
                ..new_job(kind_name)
            })
            .await
            .unwrap()
        }
    };
    let low_early = enqueue("a", 0, at(-30)).await;
    let high_late = enqueue("a", 5, at(-10)).await;
    let high_early = enqueue("a", 5, at(-20)).await;
    let low_early_tie = enqueue("a", 0, at(-30)).await;
    let other_kind = enqueue("b", 9, at(-60)).await;
    let future = enqueue("a", 9, at(60)).await;
    let mid = enqueue("c", 1, at(-5)).await;

    let nothing = db.claim("w1", &[], 10, now, LEASE).await.unwrap();
    assert!(nothing.is_empty(), "no kinds, nothing claimed");
    let nothing = db.claim("w1", &[kind("a")], 0, now, LEASE).await.unwrap();
    assert!(nothing.is_empty(), "a limit of 0 claims nothing");

    let (statements, first) =
        counted(&db, db.claim("w1", &[kind("a"), kind("c")], 3, now, LEASE)).await;
    let first = first.unwrap();
    let ids: Vec<JobId> = first.iter().map(|job| job.id).collect();
    assert_eq!(
        ids,
        vec![high_early.id, high_late.id, mid.id],
        "priority first, then run_at; only the kinds asked for; at most the limit"
    );
    match db.backend() {
        // One UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING ….
        Backend::Postgres => assert_eq!(statements, 1, "claim statements on PostgreSQL"),
        // The same UPDATE inside BEGIN IMMEDIATE … COMMIT.
        Backend::Sqlite => assert_eq!(statements, 3, "claim statements on SQLite"),
    }
    for job in &first {
        assert_eq!(job.state, JobState::Running);
        assert_eq!(job.attempts, 1);
        assert_eq!(job.lease_owner.as_deref(), Some("w1"));
        assert_eq!(job.lease_expires_at, Some(now + secs(30)));
        assert_eq!(job.started_at, Some(now));
        assert_eq!(job.updated_at, now);
        assert_eq!(job.finished_at, None);
    }
    assert_eq!(
        db.job(mid.id).await.unwrap(),
        first[2],
        "claimed state is stored"
    );

    let rest = db.claim("w2", &[kind("a")], 10, now, LEASE).await.unwrap();
    let ids: Vec<JobId> = rest.iter().map(|job| job.id).collect();
    assert_eq!(
        ids,
        vec![low_early.id, low_early_tie.id],
        "equal priority and run_at: by id; a future job waits"
    );
    assert!(
        db.claim("w2", &[kind("a")], 10, now, LEASE)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(db.job(future.id).await.unwrap().state, JobState::Queued);
    assert_eq!(db.job(other_kind.id).await.unwrap().state, JobState::Queued);
    let later = db
        .claim("w2", &[kind("a")], 10, now + secs(60), LEASE)
        .await
        .unwrap();
    assert_eq!(later.len(), 1, "runnable once its run_at has come");
    assert_eq!(later[0].id, future.id);
}

pub async fn heartbeat_extends_lease_and_records_progress(db: Database) {
    let now = clock();
    let job = db.enqueue(new_job("scan")).await.unwrap();
    claim_one(&db, "w1", "scan", now).await;

    let progress = JobProgress {
        done: 40,
        total: Some(100),
        message: Some("scanning /music/A".into()),
    };
    let beat = db
        .heartbeat(job.id, "w1", Some(progress.clone()), now + secs(10), LEASE)
        .await
        .unwrap();
    assert!(!beat.cancel_requested);
    let stored = db.job(job.id).await.unwrap();
    assert_eq!(stored.progress, progress);
    assert_eq!(stored.lease_expires_at, Some(now + secs(40)));
    assert_eq!(stored.updated_at, now + secs(10));

    // Without progress only the lease moves.
    db.heartbeat(job.id, "w1", None, now + secs(20), LEASE)
        .await
        .unwrap();
    let stored = db.job(job.id).await.unwrap();
    assert_eq!(stored.progress, progress, "progress kept");
    assert_eq!(stored.lease_expires_at, Some(now + secs(50)));

    // Progress can clear its total and message.
    let bare = JobProgress {
        done: 41,
        total: None,
        message: None,
    };
    db.heartbeat(job.id, "w1", Some(bare.clone()), now + secs(21), LEASE)
        .await
        .unwrap();
    assert_eq!(db.job(job.id).await.unwrap().progress, bare);

    assert_conflict(
        db.heartbeat(job.id, "w2", None, now, LEASE).await,
        "heartbeat by another owner",
    );
    assert_not_found(
        db.heartbeat(JobId(i64::MAX), "w1", None, now, LEASE).await,
        "heartbeat of an unknown job",
    );
    let queued = db.enqueue(new_job("other")).await.unwrap();
    assert_conflict(
        db.heartbeat(queued.id, "w1", None, now, LEASE).await,
        "heartbeat of a queued job",
    );

    let (statements, beat) =
        counted(&db, db.heartbeat(job.id, "w1", None, now + secs(22), LEASE)).await;
    beat.unwrap();
    if db.backend() == Backend::Postgres {
        assert_eq!(statements, 1, "a heartbeat is one statement");
    }
}

pub async fn succeed_and_fail(db: Database) {
    let now = clock();
    let job = db.enqueue(new_job("work")).await.unwrap();

    // Attempt 1 fails and will be retried later.
    claim_one(&db, "w1", "work", now).await;
    let retry_at = now + secs(120);
    let failed = db
        .fail(
            job.id,
            "w1",
            "upstream timed out",
            Some(retry_at),
            now + secs(1),
        )
        .await
        .unwrap();
    assert_eq!(failed.state, JobState::Queued);
    assert_eq!(failed.run_at, retry_at);
    assert_eq!(failed.error.as_deref(), Some("upstream timed out"));
    assert_eq!(failed.attempts, 1);
    assert_eq!(
        (failed.lease_owner.as_deref(), failed.lease_expires_at),
        (None, None)
    );
    assert_eq!(failed.finished_at, None);
    assert_eq!(failed.updated_at, now + secs(1));
    assert!(
        db.claim("w1", &[kind("work")], 1, now + secs(60), LEASE)
            .await
            .unwrap()
            .is_empty(),
        "not runnable before retry_at"
    );

    // Attempt 2 runs with the last error still visible, then succeeds.
    let second = claim_one(&db, "w2", "work", retry_at).await;
    assert_eq!(second.attempts, 2);
    assert_eq!(second.error.as_deref(), Some("upstream timed out"));
    assert_conflict(
        db.succeed(job.id, "w1", None, retry_at).await,
        "succeed by the owner of an earlier attempt",
    );
    let done = db
        .succeed(
            job.id,
            "w2",
            Some(r#"{"files":3}"#.into()),
            retry_at + secs(5),
        )
        .await
        .unwrap();
    assert_eq!(done.state, JobState::Succeeded);
    assert_eq!(done.result.as_deref(), Some(r#"{"files":3}"#));
    assert_eq!(done.error, None, "a success replaces the last error");
    assert_eq!(done.finished_at, Some(retry_at + secs(5)));
    assert_eq!(
        (done.lease_owner.as_deref(), done.lease_expires_at),
        (None, None)
    );
    assert_eq!(db.job(job.id).await.unwrap(), done);
    assert_conflict(
        db.succeed(job.id, "w2", None, retry_at).await,
        "succeed twice",
    );
    assert_conflict(
        db.fail(job.id, "w2", "late", None, retry_at).await,
        "fail after success",
    );

    // Without retry_at the job is dead, its error kept.
    let doomed = db.enqueue(new_job("work")).await.unwrap();
    claim_one(&db, "w1", "work", now).await;
    let dead = db
        .fail(doomed.id, "w1", "file is corrupt", None, now + secs(2))
        .await
        .unwrap();
    assert_eq!(dead.state, JobState::Dead);
    assert_eq!(dead.error.as_deref(), Some("file is corrupt"));
    assert_eq!(dead.finished_at, Some(now + secs(2)));
    assert_eq!(
        (dead.lease_owner.as_deref(), dead.lease_expires_at),
        (None, None)
    );
    assert_not_found(
        db.succeed(JobId(i64::MAX), "w1", None, now).await,
        "succeed an unknown job",
    );
    assert_not_found(
        db.fail(JobId(i64::MAX), "w1", "x", None, now).await,
        "fail an unknown job",
    );
}

pub async fn release_gives_the_attempt_back(db: Database) {
    let now = clock();
    let job = db.enqueue(new_job("work")).await.unwrap();
    claim_one(&db, "w1", "work", now).await;
    assert_conflict(
        db.release(job.id, "w2", now).await,
        "release by another owner",
    );
    let released = db.release(job.id, "w1", now + secs(3)).await.unwrap();
    assert_eq!(released.state, JobState::Queued);
    assert_eq!(released.attempts, 0, "the claim is not counted");
    assert_eq!(released.run_at, now + secs(3), "runnable at once");
    assert_eq!(
        (released.lease_owner.as_deref(), released.lease_expires_at),
        (None, None)
    );
    assert_conflict(
        db.release(job.id, "w1", now).await,
        "release a job that is no longer running",
    );
    let again = claim_one(&db, "w2", "work", now + secs(3)).await;
    assert_eq!(again.id, job.id);
    assert_eq!(again.attempts, 1);
    assert_not_found(
        db.release(JobId(i64::MAX), "w1", now).await,
        "release an unknown job",
    );
}

pub async fn cancel_queued_and_running(db: Database) {
    let now = clock();
    // Queued: cancelled at once.
    let queued = db.enqueue(new_job("work")).await.unwrap();
    let cancelled = db.cancel(queued.id, now).await.unwrap();
    assert_eq!(cancelled.state, JobState::Cancelled);
    assert_eq!(cancelled.finished_at, Some(now));
    assert!(!cancelled.cancel_requested);
    assert_conflict(db.cancel(queued.id, now).await, "cancel a cancelled job");
    assert_not_found(
        db.cancel(JobId(i64::MAX), now).await,
        "cancel an unknown job",
    );

    // Running: requested, seen by the next heartbeat, confirmed by its owner.
    let running = db.enqueue(new_job("work")).await.unwrap();
    claim_one(&db, "w1", "work", now).await;
    let requested = db.cancel(running.id, now + secs(1)).await.unwrap();
    assert_eq!(requested.state, JobState::Running, "still running");
    assert!(requested.cancel_requested);
    assert_eq!(requested.finished_at, None);
    let again = db.cancel(running.id, now + secs(2)).await.unwrap();
    assert!(again.cancel_requested, "asking twice is harmless");
    let beat = db
        .heartbeat(running.id, "w1", None, now + secs(2), LEASE)
        .await
        .unwrap();
    assert!(beat.cancel_requested, "the heartbeat reports the request");
    assert_conflict(
        db.confirm_cancelled(running.id, "w2", now).await,
        "confirm by another owner",
    );
    let confirmed = db
        .confirm_cancelled(running.id, "w1", now + secs(3))
        .await
        .unwrap();
    assert_eq!(confirmed.state, JobState::Cancelled);
    assert_eq!(confirmed.finished_at, Some(now + secs(3)));
    assert_eq!(
        (confirmed.lease_owner.as_deref(), confirmed.lease_expires_at),
        (None, None)
    );
    assert_not_found(
        db.confirm_cancelled(JobId(i64::MAX), "w1", now).await,
        "confirm an unknown job",
    );

    // A pending cancel request wins over going back to the queue.
    let released = db.enqueue(new_job("work")).await.unwrap();
    claim_one(&db, "w1", "work", now).await;
    db.cancel(released.id, now).await.unwrap();
    let after_release = db.release(released.id, "w1", now + secs(4)).await.unwrap();
    assert_eq!(after_release.state, JobState::Cancelled);
    assert_eq!(after_release.finished_at, Some(now + secs(4)));
    let failing = db.enqueue(new_job("work")).await.unwrap();
    claim_one(&db, "w1", "work", now).await;
    db.cancel(failing.id, now).await.unwrap();
    let after_fail = db
        .fail(
            failing.id,
            "w1",
            "boom",
            Some(now + secs(60)),
            now + secs(5),
        )
        .await
        .unwrap();
    assert_eq!(after_fail.state, JobState::Cancelled);
    assert_eq!(after_fail.error.as_deref(), Some("boom"));
    assert_eq!(after_fail.finished_at, Some(now + secs(5)));

    // A final job cannot be cancelled.
    let finished = db.enqueue(new_job("work")).await.unwrap();
    claim_one(&db, "w1", "work", now).await;
    db.succeed(finished.id, "w1", None, now).await.unwrap();
    assert_conflict(db.cancel(finished.id, now).await, "cancel a succeeded job");
}

#[track_caller]
fn assert_limited<T: std::fmt::Debug>(result: Result<T, RepositoryError>, what: &str) -> Duration {
    match result {
        Err(RepositoryError::Limited { retry_after, .. }) => retry_after,
        other => panic!("{what}: expected Limited, got {other:?}"),
    }
}

/// A kind's queue bound counts its queued jobs (not running ones, not other kinds), after the
/// dedupe rule; the cooldown refuses a job whose twin (same key) succeeded recently, and says
/// until when.
pub async fn enqueue_keeps_the_queue_bound_and_the_cooldown(db: Database) {
    let now = clock();
    let bounded = |key: &str| NewJob {
        dedupe_key: Some(key.to_owned()),
        limits: soulspot_domain::EnqueueLimits {
            max_queued: Some(2),
            cooldown: None,
            retry_when_full: Duration::from_secs(30),
        },
        ..new_job("scan")
    };
    let first = db.enqueue(bounded("a")).await.unwrap();
    db.enqueue(bounded("b")).await.unwrap();
    // Full: a third is refused, but a job already waiting with its key is still returned.
    let retry_after = assert_limited(db.enqueue(bounded("c")).await, "a third queued scan");
    assert_eq!(retry_after, Duration::from_secs(30));
    assert_eq!(db.enqueue(bounded("a")).await.unwrap().id, first.id);
    // Other kinds are not counted, and a running job leaves room.
    db.enqueue(new_job("other")).await.unwrap();
    claim_one(&db, "w1", "scan", now).await;
    let third = db.enqueue(bounded("c")).await.unwrap();
    assert_eq!(third.state, JobState::Queued);

    // The cooldown: the whole-library scan succeeded; the same again is refused until the
    // cooldown has passed since it finished.
    let cooled = |key: &str| NewJob {
        dedupe_key: Some(key.to_owned()),
        limits: soulspot_domain::EnqueueLimits {
            max_queued: None,
            cooldown: Some(Duration::from_secs(3600)),
            retry_when_full: Duration::from_secs(30),
        },
        ..new_job("library")
    };
    let whole = db.enqueue(cooled("library:*")).await.unwrap();
    let claimed = claim_one(&db, "w1", "library", now).await;
    assert_eq!(claimed.id, whole.id);
    db.succeed(whole.id, "w1", None, clock()).await.unwrap();
    let retry_after = assert_limited(
        db.enqueue(cooled("library:*")).await,
        "the same scan right after it succeeded",
    );
    // It finished at the test's clock, a minute ahead of the store's (the system clock).
    assert!(
        retry_after > Duration::from_secs(3600) && retry_after <= Duration::from_secs(3660),
        "{retry_after:?}"
    );
    // Another key is not cooled down.
    db.enqueue(cooled("library:/music/A")).await.unwrap();
}

pub async fn retry_dead_and_cancelled(db: Database) {
    let now = clock();
    let job = db
        .enqueue(NewJob {
            dedupe_key: Some("import:1".into()),
            ..new_job("work")
        })
        .await
        .unwrap();
    assert_conflict(db.retry(job.id, now).await, "retry a queued job");
    claim_one(&db, "w1", "work", now).await;
    assert_conflict(db.retry(job.id, now).await, "retry a running job");
    db.cancel(job.id, now).await.unwrap();
    // The cancel request wins over dying too (as over a lease that expired after the last
    // attempt): the job ends cancelled, its last error kept.
    db.fail(job.id, "w1", "gave up", None, now).await.unwrap();
    assert_eq!(db.job(job.id).await.unwrap().state, JobState::Cancelled);

    // A dead job comes back the same way.
    let dead = db.enqueue(new_job("other")).await.unwrap();
    claim_one(&db, "w1", "other", now).await;
    db.fail(dead.id, "w1", "broken", None, now).await.unwrap();
    assert_eq!(db.job(dead.id).await.unwrap().state, JobState::Dead);
    let revived = db.retry(dead.id, now).await.unwrap();
    assert_eq!((revived.state, revived.attempts), (JobState::Queued, 0));

    let retried = db.retry(job.id, now + secs(10)).await.unwrap();
    assert_eq!(retried.state, JobState::Queued);
    assert_eq!(retried.attempts, 0, "fresh attempts");
    assert_eq!(
        retried.error.as_deref(),
        Some("gave up"),
        "kept until the next attempt"
    );
    assert!(!retried.cancel_requested);
    assert_eq!(retried.run_at, now + secs(10));
    assert_eq!(retried.finished_at, None);
    assert_eq!(retried.updated_at, now + secs(10));
    assert_conflict(db.retry(job.id, now).await, "retry a queued job again");

    // Cancelled jobs can be retried too.
    db.cancel(job.id, now + secs(11)).await.unwrap();
    assert_eq!(
        db.retry(job.id, now + secs(12)).await.unwrap().state,
        JobState::Queued
    );

    // Retrying must not break the dedupe rule: another active job holds the key.
    db.cancel(job.id, now + secs(13)).await.unwrap();
    let successor = db
        .enqueue(NewJob {
            dedupe_key: Some("import:1".into()),
            ..new_job("work")
        })
        .await
        .unwrap();
    assert_ne!(successor.id, job.id);
    assert_conflict(db.retry(job.id, now).await, "retry while the key is taken");
    assert_eq!(db.job(job.id).await.unwrap().state, JobState::Cancelled);
    assert_not_found(db.retry(JobId(i64::MAX), now).await, "retry an unknown job");
}

pub async fn reclaim_expired_leases(db: Database) {
    let now = clock();
    let lease = Duration::from_secs(10);
    let retryable = db.enqueue(new_job("work")).await.unwrap();
    let last_try = db
        .enqueue(NewJob {
            max_attempts: 1,
            ..new_job("work")
        })
        .await
        .unwrap();
    let alive = db.enqueue(new_job("alive")).await.unwrap();
    let claimed = db
        .claim("w1", &[kind("work")], 2, now, lease)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 2);
    db.claim("w3", &[kind("alive")], 1, now, Duration::from_secs(60))
        .await
        .unwrap();

    assert_eq!(
        db.reclaim_expired(now + secs(10)).await.unwrap(),
        0,
        "a lease expiring exactly now is still held"
    );
    let later = now + secs(11);
    assert_eq!(db.reclaim_expired(later).await.unwrap(), 2);
    let requeued = db.job(retryable.id).await.unwrap();
    assert_eq!(requeued.state, JobState::Queued);
    assert_eq!(requeued.run_at, later, "runnable at once");
    assert_eq!(requeued.attempts, 1, "the cut-short attempt counts");
    assert_eq!(
        (requeued.lease_owner.as_deref(), requeued.lease_expires_at),
        (None, None)
    );
    assert_eq!(requeued.finished_at, None);
    assert_eq!(requeued.updated_at, later);
    let dead = db.job(last_try.id).await.unwrap();
    assert_eq!(dead.state, JobState::Dead);
    assert_eq!(
        dead.error.as_deref(),
        Some("the worker running it stopped (lease expired)")
    );
    assert_eq!(dead.finished_at, Some(later));
    assert_eq!(db.job(alive.id).await.unwrap().state, JobState::Running);

    // The stale worker comes back after another one took the job: every call is a Conflict
    // and changes nothing.
    let retaken = claim_one(&db, "w2", "work", later).await;
    assert_eq!(retaken.id, retryable.id);
    assert_eq!(retaken.attempts, 2);
    let stale = "w1";
    assert_conflict(
        db.heartbeat(retryable.id, stale, None, later, lease).await,
        "stale heartbeat",
    );
    assert_conflict(
        db.succeed(retryable.id, stale, None, later).await,
        "stale succeed",
    );
    assert_conflict(
        db.fail(retryable.id, stale, "x", None, later).await,
        "stale fail",
    );
    assert_conflict(
        db.release(retryable.id, stale, later).await,
        "stale release",
    );
    assert_conflict(
        db.confirm_cancelled(retryable.id, stale, later).await,
        "stale confirm_cancelled",
    );
    assert_eq!(
        db.job(retryable.id).await.unwrap(),
        retaken,
        "nothing changed"
    );
    db.succeed(retryable.id, "w2", None, later).await.unwrap();

    // A job whose cancellation was requested is cancelled, not requeued, when its worker dies.
    let doomed = db.enqueue(new_job("work")).await.unwrap();
    claim_one(&db, "w4", "work", later).await;
    db.cancel(doomed.id, later).await.unwrap();
    let much_later = later + secs(60);
    assert_eq!(
        db.reclaim_expired(much_later).await.unwrap(),
        2,
        "doomed and alive"
    );
    let cancelled = db.job(doomed.id).await.unwrap();
    assert_eq!(cancelled.state, JobState::Cancelled);
    assert_eq!(cancelled.finished_at, Some(much_later));
    assert_eq!(db.job(alive.id).await.unwrap().state, JobState::Queued);
}

pub async fn prune_finished_jobs(db: Database) {
    let now = clock();
    let mut finished = Vec::new();
    for (index, outcome) in ["succeed", "dead", "cancel"].into_iter().enumerate() {
        let job = db.enqueue(new_job("work")).await.unwrap();
        let at = now + secs(index as i64);
        match outcome {
            "cancel" => {
                db.cancel(job.id, at).await.unwrap();
            }
            "dead" => {
                claim_one(&db, "w1", "work", now).await;
                db.fail(job.id, "w1", "x", None, at).await.unwrap();
            }
            _ => {
                claim_one(&db, "w1", "work", now).await;
                db.succeed(job.id, "w1", None, at).await.unwrap();
            }
        }
        finished.push(job.id);
    }
    let queued = db.enqueue(new_job("work")).await.unwrap();
    let running = db.enqueue(new_job("busy")).await.unwrap();
    claim_one(&db, "w1", "busy", now).await;

    assert_eq!(
        db.prune_finished(now).await.unwrap(),
        0,
        "nothing finished before now"
    );
    assert_eq!(db.prune_finished(now + secs(2)).await.unwrap(), 2);
    assert_not_found(db.job(finished[0]).await, "pruned");
    assert_not_found(db.job(finished[1]).await, "pruned");
    assert_eq!(
        db.job(finished[2]).await.unwrap().state,
        JobState::Cancelled
    );
    assert_eq!(db.prune_finished(now + secs(3600)).await.unwrap(), 1);
    assert_eq!(db.job(queued.id).await.unwrap().state, JobState::Queued);
    assert_eq!(db.job(running.id).await.unwrap().state, JobState::Running);
}

pub async fn list_filters_and_pages(db: Database) {
    let now = clock();
    let mut all = Vec::new();
    for index in 0..12 {
        let kind_name = if index % 3 == 0 { "scan" } else { "sync" };
        all.push(db.enqueue(new_job(kind_name)).await.unwrap().id);
    }
    // Two sync jobs running.
    let running = db
        .claim("w1", &[kind("sync")], 2, now, LEASE)
        .await
        .unwrap();
    assert_eq!(running.len(), 2);

    // Unfiltered: newest first, pages of 5 cover everything once.
    let mut seen = Vec::new();
    let mut page = PageRequest::first(5);
    loop {
        let (statements, result) = counted(&db, db.list_jobs(JobFilter::default(), page)).await;
        let result = result.unwrap();
        assert_eq!(statements, 1, "a page is one statement");
        seen.extend(result.items.iter().map(|job| job.id));
        match result.next {
            Some(next) => page = PageRequest::after(next, 5),
            None => break,
        }
    }
    let mut newest_first = all.clone();
    newest_first.reverse();
    assert_eq!(seen, newest_first);

    let scans = db
        .list_jobs(
            JobFilter {
                kind: Some(kind("scan")),
                state: None,
            },
            PageRequest::first(100),
        )
        .await
        .unwrap();
    let expected: Vec<JobId> = newest_first
        .iter()
        .copied()
        .filter(|id| all.iter().position(|known| known == id).unwrap() % 3 == 0)
        .collect();
    assert_eq!(
        scans.items.iter().map(|job| job.id).collect::<Vec<_>>(),
        expected
    );
    assert_eq!(scans.next, None);

    let running_sync = db
        .list_jobs(
            JobFilter {
                kind: Some(kind("sync")),
                state: Some(JobState::Running),
            },
            PageRequest::first(1),
        )
        .await
        .unwrap();
    assert_eq!(running_sync.items.len(), 1);
    assert_eq!(running_sync.items[0].id, running[1].id, "newest first");
    let rest = db
        .list_jobs(
            JobFilter {
                kind: Some(kind("sync")),
                state: Some(JobState::Running),
            },
            PageRequest::after(running_sync.next.unwrap(), 1),
        )
        .await
        .unwrap();
    assert_eq!(rest.items[0].id, running[0].id);
    assert_eq!(rest.next, None);

    let queued = db
        .list_jobs(
            JobFilter {
                kind: None,
                state: Some(JobState::Queued),
            },
            PageRequest::first(100),
        )
        .await
        .unwrap();
    assert_eq!(queued.items.len(), 10);
    assert!(queued.items.iter().all(|job| job.state == JobState::Queued));
    assert!(queued.items.windows(2).all(|pair| pair[0].id > pair[1].id));
}

/// Six workers claim small batches from 200 queued jobs at once, finishing what they claim, until
/// nothing is left: every job is claimed exactly once, and (SQLite) no call fails with "database
/// is locked".
pub async fn concurrent_claims_take_each_job_once(db: Database) {
    const JOBS: usize = 200;
    for _ in 0..JOBS {
        db.enqueue(new_job("race")).await.unwrap();
    }
    let now = clock();
    let mut tasks = Vec::new();
    for worker in 0..6_u32 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let owner = format!("worker-{worker}");
            let limit = 1 + worker % 4;
            let mut mine = Vec::new();
            loop {
                let claimed = db
                    .claim(&owner, &[kind("race")], limit, now, LEASE)
                    .await
                    .unwrap_or_else(|error| panic!("{owner}: claim failed: {error}"));
                if claimed.is_empty() {
                    break;
                }
                for job in claimed {
                    assert_eq!(job.lease_owner.as_deref(), Some(owner.as_str()));
                    db.succeed(job.id, &owner, None, now)
                        .await
                        .unwrap_or_else(|error| panic!("{owner}: succeed failed: {error}"));
                    mine.push(job.id);
                }
            }
            mine
        }));
    }
    let mut claimed = Vec::new();
    for task in tasks {
        claimed.extend(task.await.unwrap());
    }
    let unique: HashSet<JobId> = claimed.iter().copied().collect();
    assert_eq!(unique.len(), claimed.len(), "a job was claimed twice");
    assert_eq!(claimed.len(), JOBS, "every job claimed");
    let mut succeeded = 0;
    let mut page = PageRequest::first(500);
    loop {
        let result = db.list_jobs(JobFilter::default(), page).await.unwrap();
        for job in &result.items {
            assert_eq!(job.state, JobState::Succeeded, "job {}", job.id);
            assert_eq!(
                job.attempts, 1,
                "job {} was attempted more than once",
                job.id
            );
            succeeded += 1;
        }
        match result.next {
            Some(next) => page = PageRequest::after(next, 500),
            None => break,
        }
    }
    assert_eq!(succeeded, JOBS);
}
