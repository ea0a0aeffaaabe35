//! SoulSpot's use cases and policy, generic over the domain's ports so that any adapter (a real
//! database, an in-memory fake in tests) can stand behind them.
//!
//! Architecture invariant: no database driver, web framework or HTTP client is reachable from
//! here; `cargo xtask check-layers` proves it.

pub mod backoff;
pub mod batch;
pub mod breaker;
pub mod credentials;
pub mod error;
pub mod health;
pub mod jobs;
pub mod library;
pub mod playlists;
pub mod quality;
pub mod readiness;
pub mod scan;
pub mod settings;
pub mod store;

pub use backoff::Backoff;
pub use breaker::{BreakerOpen, BreakerPermit, BreakerSettings, BreakerState, CircuitBreaker};
pub use credentials::{CredentialProvider, CredentialService, CredentialStatus};
pub use error::{Invalid, ServiceError, ServiceResult};
pub use health::{
    ComponentHandle, ComponentHealth, ComponentKind, ComponentState, HealthRegistry, HealthVerdict,
    LastError,
};
pub use jobs::{
    JobContext, JobFailure, JobKindDefinition, JobNotice, JobNotices, JobResult, JobRunner,
    JobService,
};
pub use library::{
    AlbumWithTracks, ArtistWithAlbums, LibraryService, SearchResults, TrackWithFiles,
};
pub use playlists::PlaylistService;
pub use quality::QualityProfileService;
pub use readiness::{DependencyCheck, Readiness, ReadinessService};
pub use scan::{
    LibraryScan, LibraryScanRunner, LibraryScanner, NoProgress, ScanCancelled, ScanError,
    ScanJobResult, ScanPayload, ScanProgress, ScanProgressSink, ScanRequestError, ScanRootError,
    ScanSettings, ScanSummary, scan_request, scan_root,
};
pub use settings::Settings;
pub use settings::SettingsService;
pub use store::Store;
