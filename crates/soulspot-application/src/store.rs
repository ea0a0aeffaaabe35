//! The storage the services run on, named once: every repository port plus the readiness probe.
//! The infrastructure's `Database` implements all of them; tests may stand any complete fake in.

use soulspot_domain::ports::{
    CatalogRepository, DatabaseProbe, JobRepository, LibraryFileRepository, PlaylistRepository,
    QualityProfileRepository, SecretRepository, SettingsRepository, StatsRepository,
};

/// Everything the API's services read and write. A blanket impl: any type implementing the ports
/// is a `Store`.
pub trait Store:
    CatalogRepository
    + PlaylistRepository
    + LibraryFileRepository
    + StatsRepository
    + SettingsRepository
    + SecretRepository
    + QualityProfileRepository
    + JobRepository
    + DatabaseProbe
    + Clone
    + 'static
{
}

impl<T> Store for T where
    T: CatalogRepository
        + PlaylistRepository
        + LibraryFileRepository
        + StatsRepository
        + SettingsRepository
        + SecretRepository
        + QualityProfileRepository
        + JobRepository
        + DatabaseProbe
        + Clone
        + 'static
{
}
