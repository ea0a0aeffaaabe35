//! The JSON shapes of the API. Domain types stay inside; these are built from them at the edge,
//! so the API's shape changes only on purpose.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use soulspot_application::{
    AlbumWithTracks, ArtistWithAlbums, CredentialStatus, SearchResults, Settings, TrackWithFiles,
};
use soulspot_domain::{
    Album, Artist, AudioFormat, LibraryFile, LibraryStats, Playlist, PlaylistEntryDetails,
    QualityProfile, QualityRules, TrackDetails, TrackDuration,
};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct ArtistDto {
    pub id: i64,
    pub name: String,
    pub sort_name: Option<String>,
    pub spotify_id: Option<String>,
    pub mbid: Option<String>,
}

impl From<Artist> for ArtistDto {
    fn from(artist: Artist) -> Self {
        Self {
            id: artist.id.0,
            name: artist.name,
            sort_name: artist.sort_name,
            spotify_id: artist.spotify_id.map(|id| id.to_string()),
            mbid: artist.mbid.map(|id| id.to_string()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AlbumDto {
    pub id: i64,
    pub title: String,
    pub album_artist_id: Option<i64>,
    pub year: Option<i32>,
    pub release_type: Option<String>,
    pub spotify_id: Option<String>,
    pub mbid: Option<String>,
    pub release_group_mbid: Option<String>,
    /// Whether cover art is stored for the album.
    pub has_cover: bool,
}

impl From<Album> for AlbumDto {
    fn from(album: Album) -> Self {
        Self {
            id: album.id.0,
            title: album.title,
            album_artist_id: album.album_artist_id.map(|id| id.0),
            year: album.year,
            release_type: album.release_type,
            spotify_id: album.spotify_id.map(|id| id.to_string()),
            mbid: album.mbid.map(|id| id.to_string()),
            release_group_mbid: album.release_group_mbid.map(|id| id.to_string()),
            has_cover: album.cover_path.is_some(),
        }
    }
}

/// A track with its credited artists (in order), its album and whether the library has it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrackDto {
    pub id: i64,
    pub title: String,
    pub artists: Vec<ArtistDto>,
    pub album: Option<AlbumDto>,
    pub disc_number: Option<i32>,
    pub track_number: Option<i32>,
    pub duration_ms: Option<u32>,
    pub isrc: Option<String>,
    pub spotify_id: Option<String>,
    pub mbid: Option<String>,
    pub explicit: bool,
    /// A present (not missing, not broken) library file is linked to the track.
    pub has_library_file: bool,
}

impl From<TrackDetails> for TrackDto {
    fn from(details: TrackDetails) -> Self {
        let track = details.track;
        Self {
            id: track.id.0,
            title: track.title,
            artists: details.artists.into_iter().map(ArtistDto::from).collect(),
            album: details.album.map(AlbumDto::from),
            disc_number: track.disc_number,
            track_number: track.track_number,
            duration_ms: track.duration.map(TrackDuration::as_millis),
            isrc: track.isrc.map(|isrc| isrc.to_string()),
            spotify_id: track.spotify_id.map(|id| id.to_string()),
            mbid: track.mbid.map(|id| id.to_string()),
            explicit: track.explicit,
            has_library_file: details.has_library_file,
        }
    }
}

/// A file of the music library and its audio properties.
#[derive(Debug, Serialize, ToSchema)]
pub struct LibraryFileDto {
    pub id: i64,
    /// The path, readable: bytes of a file name that are not UTF-8 show as U+FFFD.
    pub path: String,
    /// The path exactly as stored (`%` and every byte that is not UTF-8 as `%XX`), when it
    /// differs from `path`: what tells two such names apart.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stored_path: Option<String>,
    pub size_bytes: i64,
    pub modified_at: Option<NaiveDateTime>,
    pub format: Option<String>,
    pub codec: Option<String>,
    pub bitrate_kbps: Option<i32>,
    pub sample_rate_hz: Option<i32>,
    pub bit_depth: Option<i32>,
    pub channels: Option<i32>,
    pub duration_ms: Option<u32>,
    /// Why a scan could not read the file, if it could not.
    pub broken_reason: Option<String>,
    /// Since when a scan no longer finds the file on disk.
    pub missing_since: Option<NaiveDateTime>,
}

/// A stored library path for people; text that is not a stored path (written before paths were
/// encoded) as it is.
fn readable_path(stored: &str) -> String {
    soulspot_domain::scan::LibraryPath::from_stored(stored)
        .map_or_else(|_| stored.to_owned(), |path| path.display())
}

impl From<LibraryFile> for LibraryFileDto {
    fn from(file: LibraryFile) -> Self {
        Self {
            id: file.id.0,
            path: readable_path(&file.path),
            stored_path: (readable_path(&file.path) != file.path).then(|| file.path.clone()),
            size_bytes: file.size_bytes,
            modified_at: file.modified_at,
            format: file.audio.format,
            codec: file.audio.codec,
            bitrate_kbps: file.audio.bitrate_kbps,
            sample_rate_hz: file.audio.sample_rate_hz,
            bit_depth: file.audio.bit_depth,
            channels: file.audio.channels,
            duration_ms: file.audio.duration.map(TrackDuration::as_millis),
            broken_reason: file.broken_reason,
            missing_since: file.missing_since,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrackDetailDto {
    #[serde(flatten)]
    pub track: TrackDto,
    /// Every file linked to the track, present or not.
    pub files: Vec<LibraryFileDto>,
}

impl From<TrackWithFiles> for TrackDetailDto {
    fn from(track: TrackWithFiles) -> Self {
        Self {
            track: track.details.into(),
            files: track.files.into_iter().map(LibraryFileDto::from).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ArtistDetailDto {
    #[serde(flatten)]
    pub artist: ArtistDto,
    /// Albums the artist is the album artist of or appears on, by year and title.
    pub albums: Vec<AlbumDto>,
}

impl From<ArtistWithAlbums> for ArtistDetailDto {
    fn from(artist: ArtistWithAlbums) -> Self {
        Self {
            artist: artist.artist.into(),
            albums: artist.albums.into_iter().map(AlbumDto::from).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AlbumDetailDto {
    #[serde(flatten)]
    pub album: AlbumDto,
    pub album_artist: Option<ArtistDto>,
    /// By disc and track number.
    pub tracks: Vec<TrackDto>,
}

impl From<AlbumWithTracks> for AlbumDetailDto {
    fn from(album: AlbumWithTracks) -> Self {
        Self {
            album: album.album.into(),
            album_artist: album.album_artist.map(ArtistDto::from),
            tracks: album.tracks.into_iter().map(TrackDto::from).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlaylistDto {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub spotify_id: Option<String>,
    pub snapshot_id: Option<String>,
    pub owner: Option<String>,
    pub is_liked_songs: bool,
    pub sync_enabled: bool,
    pub last_synced_at: Option<NaiveDateTime>,
    pub entry_count: i64,
}

impl From<Playlist> for PlaylistDto {
    fn from(playlist: Playlist) -> Self {
        Self {
            id: playlist.id.0,
            name: playlist.name,
            description: playlist.description,
            spotify_id: playlist.spotify_id.map(|id| id.to_string()),
            snapshot_id: playlist.snapshot_id,
            owner: playlist.owner,
            is_liked_songs: playlist.is_liked_songs,
            sync_enabled: playlist.sync_enabled,
            last_synced_at: playlist.last_synced_at,
            entry_count: playlist.entry_count,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlaylistEntryDto {
    /// 0-based position in the playlist.
    pub position: i32,
    pub added_at: Option<NaiveDateTime>,
    pub track: TrackDto,
}

impl From<PlaylistEntryDetails> for PlaylistEntryDto {
    fn from(entry: PlaylistEntryDetails) -> Self {
        Self {
            position: entry.position,
            added_at: entry.added_at,
            track: entry.track.into(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrackHitDto {
    /// Relevance; higher is better. Comparable within one response only.
    pub score: f64,
    pub track: TrackDto,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResultsDto {
    pub tracks: Vec<TrackHitDto>,
    pub albums: Vec<AlbumDto>,
    pub artists: Vec<ArtistDto>,
}

impl From<SearchResults> for SearchResultsDto {
    fn from(results: SearchResults) -> Self {
        Self {
            tracks: results
                .tracks
                .into_iter()
                .map(|(track, score)| TrackHitDto {
                    score,
                    track: track.into(),
                })
                .collect(),
            albums: results.albums.into_iter().map(AlbumDto::from).collect(),
            artists: results.artists.into_iter().map(ArtistDto::from).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FormatStatsDto {
    /// `null` when a file's format is not known.
    pub format: Option<String>,
    pub files: i64,
    pub bytes: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatsDto {
    pub artists: i64,
    pub albums: i64,
    pub tracks: i64,
    pub playlists: i64,
    /// Distinct playlist tracks that no present library file fills.
    pub missing_tracks: i64,
    pub files_present: i64,
    pub files_missing: i64,
    pub files_broken: i64,
    /// Bytes of the present files.
    pub library_bytes: i64,
    /// Present files by format, most files first.
    pub formats: Vec<FormatStatsDto>,
}

impl From<LibraryStats> for StatsDto {
    fn from(stats: LibraryStats) -> Self {
        Self {
            artists: stats.artists,
            albums: stats.albums,
            tracks: stats.tracks,
            playlists: stats.playlists,
            missing_tracks: stats.wanted_tracks,
            files_present: stats.files.present,
            files_missing: stats.files.missing,
            files_broken: stats.files.broken,
            library_bytes: stats.files.present_bytes,
            formats: stats
                .formats
                .into_iter()
                .map(|format| FormatStatsDto {
                    format: format.format,
                    files: format.files,
                    bytes: format.bytes,
                })
                .collect(),
        }
    }
}

/// Run-time settings. `PUT` replaces the whole document: a field left out takes its default;
/// an unknown field is refused.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SettingsDto {
    pub downloads: DownloadSettingsDto,
    pub playlist_sync: PlaylistSyncSettingsDto,
    pub library: LibrarySettingsDto,
    pub enrichment: EnrichmentSettingsDto,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct DownloadSettingsDto {
    /// Queue a download for every wanted track without being asked.
    pub auto_download: bool,
    /// Transfers at once, 1–10.
    pub max_concurrent: u32,
    /// Candidates tried for one track before it is given up, 1–20.
    pub max_attempts: u32,
    /// Seconds one Soulseek search collects responses, 5–300.
    pub search_timeout_secs: u32,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PlaylistSyncSettingsDto {
    pub enabled: bool,
    /// Minutes between syncs, 15–10080.
    pub interval_minutes: u32,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct LibrarySettingsDto {
    /// Minutes between quick scans; 0 = off, else 15–10080.
    pub scan_interval_minutes: u32,
    pub scan_hidden_folders: bool,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct EnrichmentSettingsDto {
    pub musicbrainz: bool,
    pub cover_art: bool,
    pub lyrics: bool,
}

/// Both directions are field-for-field copies; a field added on one side and not the other fails
/// to compile here.
macro_rules! mirror {
    ($dto:ident <=> $domain:path { $($field:ident),* }) => {
        impl From<$domain> for $dto {
            fn from(value: $domain) -> Self {
                Self { $($field: value.$field.into()),* }
            }
        }
        impl From<$dto> for $domain {
            fn from(value: $dto) -> Self {
                Self { $($field: value.$field.into()),* }
            }
        }
        impl Default for $dto {
            fn default() -> Self {
                <$domain>::default().into()
            }
        }
    };
}

mirror!(SettingsDto <=> Settings { downloads, playlist_sync, library, enrichment });
mirror!(DownloadSettingsDto <=> soulspot_application::settings::DownloadSettings {
    auto_download, max_concurrent, max_attempts, search_timeout_secs
});
mirror!(PlaylistSyncSettingsDto <=> soulspot_application::settings::PlaylistSyncSettings {
    enabled, interval_minutes
});
mirror!(LibrarySettingsDto <=> soulspot_application::settings::LibrarySettings {
    scan_interval_minutes, scan_hidden_folders
});
mirror!(EnrichmentSettingsDto <=> soulspot_application::settings::EnrichmentSettings {
    musicbrainz, cover_art, lyrics
});

/// Whether a provider's credential is stored. The secret itself is never returned.
#[derive(Debug, Serialize, ToSchema)]
pub struct CredentialStatusDto {
    pub provider: String,
    pub description: String,
    pub set: bool,
    pub updated_at: Option<NaiveDateTime>,
}

impl From<CredentialStatus> for CredentialStatusDto {
    fn from(status: CredentialStatus) -> Self {
        Self {
            provider: status.provider.as_str().to_owned(),
            description: status.provider.description().to_owned(),
            set: status.set,
            updated_at: status.updated_at,
        }
    }
}

/// The secret to store; it is encrypted before it reaches the database.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialInput {
    pub secret: String,
}

impl std::fmt::Debug for CredentialInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CredentialInput { secret: <redacted> }")
    }
}

/// An audio format a quality profile may accept.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AudioFormatDto {
    Flac,
    Alac,
    Wav,
    Aiff,
    #[serde(rename = "wavpack")]
    WavPack,
    Mp3,
    Aac,
    Ogg,
    Opus,
}

macro_rules! format_mirror {
    ($($variant:ident),*) => {
        impl From<AudioFormat> for AudioFormatDto {
            fn from(format: AudioFormat) -> Self {
                match format { $(AudioFormat::$variant => Self::$variant),* }
            }
        }
        impl From<AudioFormatDto> for AudioFormat {
            fn from(format: AudioFormatDto) -> Self {
                match format { $(AudioFormatDto::$variant => Self::$variant),* }
            }
        }
    };
}
format_mirror!(Flac, Alac, Wav, Aiff, WavPack, Mp3, Aac, Ogg, Opus);

/// What a quality profile accepts.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QualityRulesDto {
    /// 1–100 characters, unique.
    pub name: String,
    /// Accepted formats, most preferred first.
    pub formats: Vec<AudioFormatDto>,
    #[serde(default)]
    pub min_bitrate_kbps: Option<i32>,
    #[serde(default)]
    pub max_bitrate_kbps: Option<i32>,
    #[serde(default)]
    pub min_size_bytes: Option<i64>,
    #[serde(default)]
    pub max_size_bytes: Option<i64>,
    /// How far a file's length may differ from the track's, in milliseconds (0–600000).
    pub duration_tolerance_ms: u32,
    /// Files whose name contains one of these terms are refused (e.g. "live", "karaoke").
    #[serde(default)]
    pub excluded_terms: Vec<String>,
}

impl QualityRulesDto {
    pub fn try_into_domain(self) -> Result<QualityRules, soulspot_application::Invalid> {
        let duration_tolerance = TrackDuration::from_millis(i64::from(self.duration_tolerance_ms))
            .ok()
            .filter(|tolerance| tolerance.as_millis() <= 600_000)
            .ok_or_else(|| {
                soulspot_application::Invalid::new(
                    "duration_tolerance_ms",
                    "must be between 0 and 600000",
                )
            })?;
        Ok(QualityRules {
            name: self.name,
            formats: self.formats.into_iter().map(AudioFormat::from).collect(),
            min_bitrate_kbps: self.min_bitrate_kbps,
            max_bitrate_kbps: self.max_bitrate_kbps,
            min_size_bytes: self.min_size_bytes,
            max_size_bytes: self.max_size_bytes,
            duration_tolerance,
            excluded_terms: self.excluded_terms,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QualityProfileDto {
    pub id: i64,
    pub active: bool,
    #[serde(flatten)]
    pub rules: QualityRulesDto,
}

impl From<QualityProfile> for QualityProfileDto {
    fn from(profile: QualityProfile) -> Self {
        let rules = profile.rules;
        Self {
            id: profile.id.0,
            active: profile.active,
            rules: QualityRulesDto {
                name: rules.name,
                formats: rules
                    .formats
                    .into_iter()
                    .map(AudioFormatDto::from)
                    .collect(),
                min_bitrate_kbps: rules.min_bitrate_kbps,
                max_bitrate_kbps: rules.max_bitrate_kbps,
                min_size_bytes: rules.min_size_bytes,
                max_size_bytes: rules.max_size_bytes,
                duration_tolerance_ms: rules.duration_tolerance.as_millis(),
                excluded_terms: rules.excluded_terms,
            },
        }
    }
}

/// Progress a running job reported.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobProgressDto {
    pub done: i64,
    pub total: Option<i64>,
    pub message: Option<String>,
}

/// A background job.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobDto {
    pub id: i64,
    pub kind: String,
    /// `queued`, `running`, `succeeded`, `dead` or `cancelled`.
    pub state: String,
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    pub priority: i32,
    /// Attempts started so far (an attempt cut short by a crash counts).
    pub attempts: i32,
    pub max_attempts: i32,
    /// When the job may run (next).
    pub run_at: NaiveDateTime,
    pub progress: JobProgressDto,
    pub cancel_requested: bool,
    #[schema(value_type = Option<Object>)]
    pub result: Option<serde_json::Value>,
    /// The last attempt's error.
    pub error: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub started_at: Option<NaiveDateTime>,
    pub finished_at: Option<NaiveDateTime>,
}

/// Stored JSON shown as JSON; text that is not JSON (it should not happen) as a string.
fn json_value(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|_| serde_json::Value::String(text.to_owned()))
}

impl From<soulspot_domain::Job> for JobDto {
    fn from(job: soulspot_domain::Job) -> Self {
        Self {
            id: job.id.0,
            kind: job.kind.as_str().to_owned(),
            state: job.state.as_str().to_owned(),
            payload: json_value(&job.payload),
            priority: job.priority,
            attempts: job.attempts,
            max_attempts: job.max_attempts,
            run_at: job.run_at,
            progress: JobProgressDto {
                done: job.progress.done,
                total: job.progress.total,
                message: job.progress.message,
            },
            cancel_requested: job.cancel_requested,
            result: job.result.as_deref().map(json_value),
            error: job.error,
            created_at: job.created_at,
            updated_at: job.updated_at,
            started_at: job.started_at,
            finished_at: job.finished_at,
        }
    }
}
