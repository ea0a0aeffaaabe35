//! Job notices: every committed change of a job's state or progress, announced to idle workers
//! (so they claim at once instead of at their next poll) and to live-event streams.
//!
//! Subscribers read one bounded `broadcast` channel shared by all clones of a `Database`; a
//! receiver that falls behind loses the oldest notices (`RecvError::Lagged`), so a slow reader
//! never grows memory. How notices reach that channel depends on the backend:
//!
//! - SQLite: one process owns the file, so the repository sends a notice after each job write it
//!   committed (nothing is sent for a rolled-back write).
//! - PostgreSQL: several processes share the queue. A trigger (migration
//!   `2026-11-29-000004_job_notices`) runs `pg_notify('soulspot_jobs', <notice JSON>)` inside
//!   every transaction that inserts a job or sets its state or progress; PostgreSQL delivers it on
//!   commit. A listener task — started by the first subscription, on its own connection outside
//!   the pool — forwards the notices of every process, this one included, into the channel, and
//!   reconnects with backoff when its connection drops. Notices sent while it is disconnected are
//!   lost: subscribers must treat notices as hints and keep a fallback (workers poll, live streams
//!   re-read what they show).
//!
//! Either way a notice means "a job write that sets state or progress was committed":
//! enqueueing (a new job, not a deduplicated one), claiming, a heartbeat that reports progress,
//! succeeding, failing, releasing, cancelling (also a cancel request on a running job),
//! confirming a cancellation, retrying and reclaiming. A heartbeat without progress and pruning
//! announce nothing.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use diesel_async::{AsyncConnection, AsyncPgConnection};
use futures::StreamExt;
use soulspot_application::JobNotice;
use soulspot_domain::Job;
use tokio::sync::{broadcast, oneshot};

/// The PostgreSQL channel job notices travel on.
pub const JOB_NOTICE_CHANNEL: &str = "soulspot_jobs";
/// How many notices the channel holds for its slowest receiver before that receiver lags.
pub const JOB_NOTICE_CAPACITY: usize = 1024;
/// A notice carries at most this many characters of the progress message (PostgreSQL limits a
/// notification to 8000 bytes; the trigger cuts the message the same way).
pub const NOTICE_MESSAGE_CHARS: usize = 1000;
/// The `application_name` of the listener's connection, to find it in `pg_stat_activity`.
pub const LISTENER_APPLICATION_NAME: &str = "soulspot_job_listener";

/// A quiet listener proves its connection is alive this often (a half-open TCP connection would
/// otherwise wait for notices forever).
const LISTENER_PING_INTERVAL: Duration = Duration::from_secs(30);
const LISTENER_PING_TIMEOUT: Duration = Duration::from_secs(10);
const RECONNECT_DELAY_MIN: Duration = Duration::from_millis(100);
const RECONNECT_DELAY_MAX: Duration = Duration::from_secs(30);
/// A connection that stayed up this long was healthy: the next reconnect starts from the
/// shortest delay again.
const HEALTHY_SESSION: Duration = Duration::from_secs(10);

/// The notice a job write produces, with its progress message cut like the trigger cuts it.
pub(crate) fn notice_of(job: &Job) -> JobNotice {
    let mut notice = JobNotice::from(job);
    if let Some(message) = &mut notice.progress.message
        && let Some((cut, _)) = message.char_indices().nth(NOTICE_MESSAGE_CHARS)
    {
        message.truncate(cut);
    }
    notice
}

/// The channel and, on PostgreSQL, the listener feeding it. Shared by clones of a `Database`;
/// dropping the last clone stops the listener.
pub(crate) struct NoticeHub {
    sender: broadcast::Sender<JobNotice>,
    /// Where the listener connects (`None` on SQLite, where this process sends notices itself).
    listen_url: Option<String>,
    /// Whether the listener is connected and listening (always true on SQLite).
    live: Arc<AtomicBool>,
    /// Set once the listener runs; dropping it (with the hub) tells the listener to stop.
    listener: Mutex<Option<oneshot::Sender<()>>>,
}

impl NoticeHub {
    pub(crate) fn in_process() -> Self {
        Self::new(None)
    }

    pub(crate) fn postgres(url: &str) -> Self {
        Self::new(Some(url.to_owned()))
    }

    fn new(listen_url: Option<String>) -> Self {
        let (sender, _) = broadcast::channel(JOB_NOTICE_CAPACITY);
        let live = Arc::new(AtomicBool::new(listen_url.is_none()));
        Self {
            sender,
            listen_url,
            live,
            listener: Mutex::new(None),
        }
    }

    /// A receiver of every notice from now on; on PostgreSQL the first call starts the listener.
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<JobNotice> {
        // Subscribe before starting the listener, so nothing it forwards can be missed.
        let receiver = self.sender.subscribe();
        if let Some(url) = &self.listen_url {
            self.start_listener(url);
        }
        receiver
    }

    pub(crate) fn is_live(&self) -> bool {
        self.live.load(Ordering::Acquire)
    }

    /// Announces committed writes of this process. Only SQLite needs it: on PostgreSQL the
    /// trigger announces every write, and sending here as well would deliver each notice twice.
    pub(crate) fn publish<'a>(&self, jobs: impl IntoIterator<Item = &'a Job>) {
        if self.listen_url.is_some() || self.sender.receiver_count() == 0 {
            return;
        }
        for job in jobs {
            // An error only means that every receiver went away meanwhile.
            let _ = self.sender.send(notice_of(job));
        }
    }

    fn start_listener(&self, url: &str) {
        let mut listener = self
            .listener
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if listener.is_some() {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // Subscribing outside a runtime cannot start a task; the next subscription will.
            tracing::warn!("job notices: no async runtime to run the PostgreSQL listener on");
            return;
        };
        let (stop, stopped) = oneshot::channel();
        runtime.spawn(run_listener(
            listener_url(url),
            self.sender.clone(),
            self.live.clone(),
            stopped,
        ));
        *listener = Some(stop);
    }
}

/// The listener's URL: the pool's, with an `application_name` that tells it apart.
fn listener_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            let others: Vec<(String, String)> = parsed
                .query_pairs()
                .filter(|(key, _)| key != "application_name")
                .map(|(key, value)| (key.into_owned(), value.into_owned()))
                .collect();
            parsed
                .query_pairs_mut()
                .clear()
                .extend_pairs(others)
                .append_pair("application_name", LISTENER_APPLICATION_NAME);
            parsed.to_string()
        }
        // The pool accepted this URL; should it not parse here, the listener just goes unnamed.
        Err(_) => url.to_owned(),
    }
}

/// Listens until `stopped` fires (the hub was dropped), reconnecting with exponential backoff.
async fn run_listener(
    url: String,
    sender: broadcast::Sender<JobNotice>,
    live: Arc<AtomicBool>,
    mut stopped: oneshot::Receiver<()>,
) {
    let mut delay = RECONNECT_DELAY_MIN;
    loop {
        let started = Instant::now();
        let outcome = tokio::select! {
            _ = &mut stopped => break,
            outcome = listen(&url, &sender, &live) => outcome,
        };
        live.store(false, Ordering::Release);
        if started.elapsed() >= HEALTHY_SESSION {
            delay = RECONNECT_DELAY_MIN;
        }
        tracing::warn!(
            reason = %outcome,
            retry_in_ms = delay.as_millis() as u64,
            "job notices: the PostgreSQL listener lost its connection"
        );
        tokio::select! {
            _ = &mut stopped => break,
            () = tokio::time::sleep(delay) => {}
        }
        delay = (delay * 2).min(RECONNECT_DELAY_MAX);
    }
    live.store(false, Ordering::Release);
}

/// One listening session: connect, `LISTEN`, forward notices until the connection fails.
/// Returns why it ended.
async fn listen(url: &str, sender: &broadcast::Sender<JobNotice>, live: &AtomicBool) -> String {
    // Scoped here: diesel's `load` would otherwise shadow `AtomicBool::load` in this module.
    use diesel_async::RunQueryDsl as _;
    let mut connection = match AsyncPgConnection::establish(url).await {
        Ok(connection) => connection,
        Err(error) => return format!("cannot connect: {error}"),
    };
    let statement = format!("LISTEN {JOB_NOTICE_CHANNEL}");
    if let Err(error) = diesel::sql_query(statement).execute(&mut connection).await {
        return format!("LISTEN failed: {error}");
    }
    live.store(true, Ordering::Release);
    tracing::info!("job notices: listening on PostgreSQL channel {JOB_NOTICE_CHANNEL}");
    loop {
        // The stream borrows the connection, so it is re-made after each wait; notifications
        // that arrive meanwhile queue inside the connection and are not lost.
        let next = {
            let mut notifications = std::pin::pin!(connection.notifications_stream());
            tokio::time::timeout(LISTENER_PING_INTERVAL, notifications.next()).await
        };
        match next {
            Ok(Some(Ok(notification))) => {
                match serde_json::from_str::<JobNotice>(&notification.payload) {
                    Ok(notice) => {
                        // An error only means nobody subscribes right now.
                        let _ = sender.send(notice);
                    }
                    Err(error) => tracing::warn!(
                        %error,
                        payload = %notification.payload,
                        "job notices: ignoring an unreadable notification"
                    ),
                }
            }
            Ok(Some(Err(error))) => return format!("connection failed: {error}"),
            Ok(None) => return "the connection closed".to_owned(),
            Err(_quiet) => {
                let ping = diesel::sql_query("SELECT 1").execute(&mut connection);
                match tokio::time::timeout(LISTENER_PING_TIMEOUT, ping).await {
                    Ok(Ok(_)) => {}
                    Ok(Err(error)) => return format!("ping failed: {error}"),
                    Err(_) => return "ping timed out".to_owned(),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use chrono::NaiveDateTime;
    use soulspot_domain::{JobId, JobKind, JobProgress, JobState};
    use tokio::sync::broadcast::error::TryRecvError;

    use super::*;

    fn job(id: i64, message: Option<String>) -> Job {
        let at = NaiveDateTime::default();
        Job {
            id: JobId(id),
            kind: JobKind::parse("test").unwrap(),
            payload: "{}".into(),
            state: JobState::Running,
            priority: 0,
            dedupe_key: None,
            attempts: 1,
            max_attempts: 3,
            run_at: at,
            lease_owner: None,
            lease_expires_at: None,
            progress: JobProgress {
                done: 1,
                total: None,
                message,
            },
            cancel_requested: false,
            result: None,
            error: None,
            created_at: at,
            updated_at: at,
            started_at: None,
            finished_at: None,
        }
    }

    #[test]
    fn messages_are_cut_like_the_trigger_cuts_them() {
        let long = "é".repeat(NOTICE_MESSAGE_CHARS + 5);
        let notice = notice_of(&job(1, Some(long)));
        let message = notice.progress.message.unwrap();
        assert_eq!(message.chars().count(), NOTICE_MESSAGE_CHARS);
        let short = notice_of(&job(1, Some("short".into())));
        assert_eq!(short.progress.message.as_deref(), Some("short"));
    }

    #[test]
    fn a_slow_receiver_lags_instead_of_growing_memory() {
        let hub = NoticeHub::in_process();
        assert!(hub.is_live());
        let mut receiver = hub.subscribe();
        let jobs: Vec<Job> = (0..(JOB_NOTICE_CAPACITY as i64 + 10))
            .map(|id| job(id, None))
            .collect();
        hub.publish(&jobs);
        match receiver.try_recv() {
            Err(TryRecvError::Lagged(missed)) => assert_eq!(missed, 10),
            other => panic!("expected a lag, got {other:?}"),
        }
        assert_eq!(
            receiver.try_recv().unwrap().id,
            JobId(10),
            "the oldest kept"
        );
    }

    #[test]
    fn the_listener_url_names_the_connection() {
        let url = listener_url("postgres://u:p@db:5432/soulspot?sslmode=disable");
        assert_eq!(
            url,
            "postgres://u:p@db:5432/soulspot?sslmode=disable&application_name=soulspot_job_listener"
        );
        let renamed = listener_url("postgres://db/soulspot?application_name=x");
        assert_eq!(
            renamed,
            "postgres://db/soulspot?application_name=soulspot_job_listener"
        );
    }
}
