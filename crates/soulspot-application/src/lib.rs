//! SoulSpot's use cases and policy, generic over the domain's ports so that any adapter (a real
//! database, an in-memory fake in tests) can stand behind them.
//!
//! Architecture invariant: no database driver, web framework or HTTP client is reachable from
//! here; `cargo xtask check-layers` proves it.

pub mod readiness;

pub use readiness::{DependencyCheck, Readiness, ReadinessService};
