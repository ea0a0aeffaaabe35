//! SoulSpot's background job runtime: claiming jobs with leases, heartbeats, retries with
//! backoff, cancellation, a scheduler for periodic kinds and graceful shutdown.
//!
//! Architecture invariant: the runtime talks to storage only through the domain's
//! `JobRepository` port; it never depends on a database driver (`cargo xtask check-layers`).

pub mod clock;
pub mod diagnostics;
pub mod handler;
pub mod maintenance;
pub mod runtime;
pub mod scan;
pub mod schedule;

pub use clock::{Clock, SystemClock, TokioClock};
pub use diagnostics::{DIAGNOSTIC_SLEEP_KIND, DiagnosticSleepHandler};
pub use handler::{Cancelled, HandlerFuture, JobContext, JobFailure, JobHandler, JobResult};
pub use maintenance::MaintenanceHandler;
pub use runtime::{Worker, WorkerError, WorkerSettings};
pub use scan::{LibraryScanHandler, ScanJobResult};
pub use schedule::{Schedule, Scheduler};
