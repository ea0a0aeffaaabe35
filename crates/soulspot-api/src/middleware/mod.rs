//! Cross-cutting HTTP concerns that wrap every route: response compression, request ids with
//! metrics and one log event per request, the Prometheus scrape endpoint, and the deadline for
//! reading a request's body.
//!
//! Order matters when wrapping the `App`: actix runs the middleware registered last first, so
//! register `Compression` before `RequestObserver`. The observer is then the outermost layer: it
//! sees every response (including ones produced by inner middleware), its latency includes the
//! time spent choosing an encoding, and the request id is in the request extensions before any
//! handler or error handler runs.
//!
//! ```ignore
//! App::new()
//!     .wrap(Compression::default())
//!     .wrap(RequestObserver)
//! ```

pub mod compress;
pub mod deadline;
pub mod metrics;
pub mod observe;

pub use compress::Compression;
pub use metrics::{InstallMetricsError, MetricsEndpoint, metrics_handler};
pub use observe::{RequestId, RequestObserver, request_id};
