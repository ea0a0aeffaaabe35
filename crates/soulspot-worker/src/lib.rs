//! SoulSpot's background job runtime: claiming jobs with leases, heartbeats, retries with
//! backoff, cancellation, a scheduler for periodic kinds and graceful shutdown. The kinds
//! themselves are defined in the application crate; [`Kinds`] turns each into a handler.
//!
//! Architecture invariant: the runtime talks to storage only through the domain's
//! `JobRepository` port; it never depends on a database driver (`cargo xtask check-layers`).

pub mod diagnostics;
pub mod handler;
pub mod runtime;
pub mod schedule;

pub use diagnostics::{DiagnosticSleep, DiagnosticSleepRunner};
pub use handler::{HandlerFuture, JobHandler, Kinds};
pub use runtime::{Worker, WorkerError, WorkerSettings};
pub use schedule::{Schedule, Scheduler};
pub use soulspot_application::jobs::{Cancelled, JobContext, JobFailure, JobResult};
pub use soulspot_domain::Clock;
