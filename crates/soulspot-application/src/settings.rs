//! Non-secret settings a user changes at run time (the configuration file holds what needs a
//! restart). Stored as one JSON document, so a change is atomic; fields added by a later version
//! read as their defaults, and fields this version does not know are ignored on read.

use serde::{Deserialize, Serialize};
use soulspot_domain::ports::SettingsRepository;

use crate::error::{Invalid, ServiceResult};

/// The settings row's key.
const SETTINGS_KEY: &str = "settings";

/// Every run-time setting, with its default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub downloads: DownloadSettings,
    pub playlist_sync: PlaylistSyncSettings,
    pub library: LibrarySettings,
    pub enrichment: EnrichmentSettings,
}

/// How wanted tracks are downloaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DownloadSettings {
    /// Queue a download for every wanted track without being asked.
    pub auto_download: bool,
    /// Transfers running at once (1–10).
    pub max_concurrent: u32,
    /// Candidates tried for one track before it is given up (1–20).
    pub max_attempts: u32,
    /// How long one Soulseek search collects responses, in seconds (5–300).
    pub search_timeout_secs: u32,
}

impl Default for DownloadSettings {
    fn default() -> Self {
        Self {
            auto_download: true,
            max_concurrent: 3,
            max_attempts: 5,
            search_timeout_secs: 30,
        }
    }
}

/// How imported playlists follow Spotify.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlaylistSyncSettings {
    pub enabled: bool,
    /// Minutes between two syncs (15–10,080, a week).
    pub interval_minutes: u32,
}

impl Default for PlaylistSyncSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            interval_minutes: 360,
        }
    }
}

/// How the music library is kept current.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LibrarySettings {
    /// Minutes between two quick scans; 0 turns scheduled scans off (15–10,080 otherwise).
    pub scan_interval_minutes: u32,
    /// Whether folders whose name starts with a dot are scanned.
    pub scan_hidden_folders: bool,
}

impl Default for LibrarySettings {
    fn default() -> Self {
        Self {
            scan_interval_minutes: 1440,
            scan_hidden_folders: false,
        }
    }
}

/// Which enrichment sources run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EnrichmentSettings {
    pub musicbrainz: bool,
    pub cover_art: bool,
    pub lyrics: bool,
}

impl Default for EnrichmentSettings {
    fn default() -> Self {
        Self {
            musicbrainz: true,
            cover_art: true,
            lyrics: true,
        }
    }
}

fn check_range(
    field: &str,
    value: u32,
    range: std::ops::RangeInclusive<u32>,
) -> Result<(), Invalid> {
    if range.contains(&value) {
        Ok(())
    } else {
        Err(Invalid::new(
            field,
            format!(
                "must be between {} and {}, not {value}",
                range.start(),
                range.end()
            ),
        ))
    }
}

impl Settings {
    /// Every rule the settings must follow; the first broken one is reported.
    pub fn validate(&self) -> Result<(), Invalid> {
        check_range(
            "downloads.max_concurrent",
            self.downloads.max_concurrent,
            1..=10,
        )?;
        check_range(
            "downloads.max_attempts",
            self.downloads.max_attempts,
            1..=20,
        )?;
        check_range(
            "downloads.search_timeout_secs",
            self.downloads.search_timeout_secs,
            5..=300,
        )?;
        check_range(
            "playlist_sync.interval_minutes",
            self.playlist_sync.interval_minutes,
            15..=10_080,
        )?;
        if self.library.scan_interval_minutes != 0 {
            check_range(
                "library.scan_interval_minutes",
                self.library.scan_interval_minutes,
                15..=10_080,
            )
            .map_err(|_| {
                Invalid::new(
                    "library.scan_interval_minutes",
                    format!(
                        "must be 0 (off) or between 15 and 10080, not {}",
                        self.library.scan_interval_minutes
                    ),
                )
            })?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone)]
pub struct SettingsService<S> {
    store: S,
}

impl<S: SettingsRepository> SettingsService<S> {
    pub fn new(store: S) -> Self {
        Self { store }
    }

    /// The stored settings over the defaults. A stored document this version cannot read (edited
    /// by hand) is reported in the log and read as the defaults; it is not overwritten until the
    /// user saves settings.
    pub async fn settings(&self) -> ServiceResult<Settings> {
        let Some(stored) = self.store.setting(SETTINGS_KEY).await? else {
            return Ok(Settings::default());
        };
        match serde_json::from_str(&stored) {
            Ok(settings) => Ok(settings),
            Err(error) => {
                tracing::warn!(%error, "the stored settings cannot be read; using the defaults");
                Ok(Settings::default())
            }
        }
    }

    /// Validates and stores the whole document in one write.
    pub async fn replace(&self, settings: Settings) -> ServiceResult<Settings> {
        settings.validate()?;
        let json = serde_json::to_string(&settings)
            .map_err(|error| soulspot_domain::RepositoryError::Internal(Box::new(error)))?;
        self.store.put_setting(SETTINGS_KEY, &json).await?;
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bounds_are_checked() {
        assert_eq!(Settings::default().validate(), Ok(()));
        let mut settings = Settings::default();
        settings.downloads.max_concurrent = 0;
        assert_eq!(
            settings.validate().map_err(|invalid| invalid.field),
            Err("downloads.max_concurrent".to_owned())
        );
        let mut settings = Settings::default();
        settings.library.scan_interval_minutes = 0;
        assert_eq!(settings.validate(), Ok(()));
        settings.library.scan_interval_minutes = 5;
        assert!(settings.validate().is_err());
    }

    #[test]
    fn missing_fields_read_as_defaults_and_unknown_ones_are_ignored() {
        let settings: Settings =
            serde_json::from_str(r#"{"downloads":{"max_concurrent":7},"future":{"x":1}}"#)
                .unwrap_or_default();
        assert_eq!(settings.downloads.max_concurrent, 7);
        assert_eq!(settings.downloads.max_attempts, 5);
        assert_eq!(settings.enrichment, EnrichmentSettings::default());
    }
}
