//! Periodic job kinds. Each schedule keeps exactly one upcoming job of its kind: enqueued for the
//! next interval boundary with a dedupe key, so however many processes run a scheduler, a kind
//! runs at most once per interval (the enqueue of the others finds the waiting job and adds
//! nothing).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;
use soulspot_domain::ports::JobRepository;
use soulspot_domain::{Clock, JobKind, NewJob};

/// One periodic kind.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub kind: JobKind,
    pub every: Duration,
    pub payload: String,
    pub max_attempts: i32,
}

impl Schedule {
    /// The dedupe key shared by every scheduler of this kind.
    pub fn dedupe_key(&self) -> String {
        format!("schedule:{}", self.kind.as_str())
    }

    /// The first interval boundary strictly after `now` (intervals count from the Unix epoch, so
    /// every process computes the same boundaries).
    pub fn next_run(&self, now: NaiveDateTime) -> NaiveDateTime {
        let every = i64::try_from(self.every.as_millis())
            .unwrap_or(i64::MAX)
            .max(1);
        let now_millis = now.and_utc().timestamp_millis();
        let next = (now_millis.div_euclid(every) + 1).saturating_mul(every);
        chrono::DateTime::from_timestamp_millis(next).map_or(now, |next| next.naive_utc())
    }
}

/// Keeps the upcoming job of every schedule enqueued.
pub struct Scheduler<S> {
    store: S,
    schedules: Vec<Schedule>,
    clock: Arc<dyn Clock>,
    /// How often the scheduler checks (a kind's job is enqueued at the latest this long after
    /// the previous one finished).
    tick: Duration,
}

impl<S> std::fmt::Debug for Scheduler<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler")
            .field("schedules", &self.schedules)
            .field("tick", &self.tick)
            .finish_non_exhaustive()
    }
}

impl<S: JobRepository> Scheduler<S> {
    pub fn new(store: S, schedules: Vec<Schedule>, clock: Arc<dyn Clock>, tick: Duration) -> Self {
        Self {
            store,
            schedules,
            clock,
            tick,
        }
    }

    /// Enqueues the upcoming job of each schedule (or finds it already there).
    pub async fn tick_once(&self) {
        for schedule in &self.schedules {
            let now = self.clock.now();
            let job = NewJob {
                kind: schedule.kind.clone(),
                payload: schedule.payload.clone(),
                priority: 0,
                dedupe_key: Some(schedule.dedupe_key()),
                max_attempts: schedule.max_attempts,
                run_at: Some(schedule.next_run(now)),
                limits: Default::default(),
            };
            if let Err(error) = self.store.enqueue(job).await {
                tracing::warn!(kind = schedule.kind.as_str(), %error, "cannot schedule a periodic job");
            }
        }
    }

    /// Ticks until `shutdown` completes.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut interval = tokio::time::interval(self.tick);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = &mut shutdown => return,
                _ = interval.tick() => self.tick_once().await,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn next_run_is_the_next_boundary_from_the_epoch() {
        let schedule = Schedule {
            kind: JobKind::parse("maintenance.database").unwrap(),
            every: Duration::from_secs(24 * 3600),
            payload: "{}".into(),
            max_attempts: 3,
        };
        let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 28)
            .unwrap()
            .and_hms_opt(20, 5, 0)
            .unwrap();
        let next = schedule.next_run(now);
        assert_eq!(next.to_string(), "2026-11-29 00:00:00");
        assert_eq!(schedule.next_run(next).to_string(), "2026-11-30 00:00:00");
    }
}
