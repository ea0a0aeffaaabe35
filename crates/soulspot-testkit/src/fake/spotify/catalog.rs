//! What a test seeds into the Spotify fake: users, apps, artists, albums, tracks, episodes,
//! playlists (with their entries) and, as stored, each user's library. The methods that seed them
//! live in `seeding`.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use sha2::{Digest as _, Sha256};

/// A Spotify account.
#[derive(Debug, Clone)]
pub struct SpotifyUser {
    pub id: String,
    pub display_name: Option<String>,
    /// Shown only in extended-quota mode, like `email` and `product`.
    pub country: String,
    pub email: String,
    pub product: String,
}

impl SpotifyUser {
    pub fn new(id: &str, display_name: &str) -> Self {
        Self {
            id: id.to_owned(),
            display_name: Some(display_name.to_owned()),
            country: "DE".to_owned(),
            email: format!("{id}@example.com"),
            product: "premium".to_owned(),
        }
    }
}

/// A registered app (a Client ID from the developer dashboard).
#[derive(Debug, Clone)]
pub struct SpotifyApp {
    pub client_id: String,
    /// `None`: a public client, which must use PKCE.
    pub client_secret: Option<String>,
    pub redirect_uris: Vec<String>,
    /// The development-mode user allow-list (at most 5 users on Spotify); empty: everyone.
    pub allowed_users: Vec<String>,
}

impl SpotifyApp {
    /// A public client (PKCE, no secret).
    pub fn public(client_id: &str, redirect_uris: &[&str]) -> Self {
        Self {
            client_id: client_id.to_owned(),
            client_secret: None,
            redirect_uris: redirect_uris.iter().map(|uri| (*uri).to_owned()).collect(),
            allowed_users: Vec::new(),
        }
    }

    /// A confidential client, which may authenticate with its secret (HTTP Basic).
    pub fn confidential(client_id: &str, client_secret: &str, redirect_uris: &[&str]) -> Self {
        Self {
            client_secret: Some(client_secret.to_owned()),
            ..Self::public(client_id, redirect_uris)
        }
    }
}

/// An image of an album, artist or playlist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpotifyImage {
    pub url: String,
    pub height: Option<u32>,
    pub width: Option<u32>,
}

impl SpotifyImage {
    /// The three sizes Spotify serves for album art, at stable URLs derived from `key`.
    pub fn album_art(key: &str) -> Vec<Self> {
        let digest = hex(&Sha256::digest(key.as_bytes())[..20]);
        [640, 300, 64]
            .into_iter()
            .map(|size| Self {
                url: format!("https://i.scdn.co/image/ab67616d0000{size:04x}{digest}"),
                height: Some(size),
                width: Some(size),
            })
            .collect()
    }
}

#[derive(Debug, Clone)]
pub struct SpotifyArtist {
    pub id: String,
    pub name: String,
    pub genres: Vec<String>,
    pub images: Vec<SpotifyImage>,
    pub popularity: u8,
    pub followers: u64,
}

impl SpotifyArtist {
    pub fn new(id: &str, name: &str) -> Self {
        Self {
            id: id.to_owned(),
            name: name.to_owned(),
            genres: Vec::new(),
            images: Vec::new(),
            popularity: 40,
            followers: 1_000,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SpotifyAlbum {
    pub id: String,
    pub name: String,
    /// `album`, `single` or `compilation`.
    pub album_type: String,
    pub artist_ids: Vec<String>,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, as `release_date_precision` says.
    pub release_date: String,
    pub release_date_precision: String,
    pub images: Vec<SpotifyImage>,
    pub label: String,
    pub upc: Option<String>,
    pub popularity: u8,
    /// `None`: the number of seeded tracks on the album.
    pub total_tracks: Option<u32>,
}

impl SpotifyAlbum {
    pub fn new(id: &str, name: &str, artist_ids: &[&str]) -> Self {
        Self {
            id: id.to_owned(),
            name: name.to_owned(),
            album_type: "album".to_owned(),
            artist_ids: artist_ids.iter().map(|id| (*id).to_owned()).collect(),
            release_date: "2020-05-01".to_owned(),
            release_date_precision: "day".to_owned(),
            images: SpotifyImage::album_art(id),
            label: "Fake Records".to_owned(),
            upc: None,
            popularity: 40,
            total_tracks: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SpotifyTrack {
    pub id: String,
    pub name: String,
    pub album_id: String,
    pub artist_ids: Vec<String>,
    pub duration_ms: u32,
    pub explicit: bool,
    pub disc_number: u32,
    pub track_number: u32,
    pub isrc: Option<String>,
    /// False: not available in the user's market (`is_playable:false` when a market is asked for).
    pub playable: bool,
    pub popularity: u8,
}

impl SpotifyTrack {
    pub fn new(id: &str, name: &str, album_id: &str, artist_ids: &[&str]) -> Self {
        Self {
            id: id.to_owned(),
            name: name.to_owned(),
            album_id: album_id.to_owned(),
            artist_ids: artist_ids.iter().map(|id| (*id).to_owned()).collect(),
            duration_ms: 200_000,
            explicit: false,
            disc_number: 1,
            track_number: 1,
            isrc: None,
            playable: true,
            popularity: 40,
        }
    }
}

/// A podcast episode, which playlists may hold beside tracks.
#[derive(Debug, Clone)]
pub struct SpotifyEpisode {
    pub id: String,
    pub name: String,
    pub description: String,
    pub duration_ms: u32,
    pub release_date: String,
    pub show_id: String,
    pub show_name: String,
    pub show_publisher: String,
}

impl SpotifyEpisode {
    pub fn new(id: &str, name: &str, show_id: &str, show_name: &str) -> Self {
        Self {
            id: id.to_owned(),
            name: name.to_owned(),
            description: format!("An episode of {show_name}."),
            duration_ms: 1_800_000,
            release_date: "2023-09-01".to_owned(),
            show_id: show_id.to_owned(),
            show_name: show_name.to_owned(),
            show_publisher: "Fake Podcasts".to_owned(),
        }
    }
}

/// A file the owner added from their own disk: no Spotify id, a `spotify:local:` URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalFile {
    pub title: String,
    pub artist: String,
    pub album: String,
    pub duration_ms: u32,
}

/// What one playlist position holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaylistItem {
    Track(String),
    Episode(String),
    LocalFile(LocalFile),
    /// Content Spotify no longer has: the entry's `track` (and `item`) is `null`.
    Unavailable,
}

/// One position of a playlist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaylistEntry {
    pub item: PlaylistItem,
    /// `None`: the playlist's owner.
    pub added_by: Option<String>,
    /// `None`: a generated, increasing timestamp.
    pub added_at: Option<DateTime<Utc>>,
}

impl PlaylistEntry {
    pub fn track(id: &str) -> Self {
        Self::of(PlaylistItem::Track(id.to_owned()))
    }

    pub fn episode(id: &str) -> Self {
        Self::of(PlaylistItem::Episode(id.to_owned()))
    }

    pub fn local_file(title: &str, artist: &str, album: &str, duration_ms: u32) -> Self {
        Self::of(PlaylistItem::LocalFile(LocalFile {
            title: title.to_owned(),
            artist: artist.to_owned(),
            album: album.to_owned(),
            duration_ms,
        }))
    }

    pub fn unavailable() -> Self {
        Self::of(PlaylistItem::Unavailable)
    }

    fn of(item: PlaylistItem) -> Self {
        Self {
            item,
            added_by: None,
            added_at: None,
        }
    }

    pub fn added_by(mut self, user_id: &str) -> Self {
        self.added_by = Some(user_id.to_owned());
        self
    }

    pub fn added_at(mut self, added_at: DateTime<Utc>) -> Self {
        self.added_at = Some(added_at);
        self
    }
}

#[derive(Debug, Clone)]
pub struct SpotifyPlaylist {
    pub id: String,
    pub name: String,
    pub description: String,
    pub owner_id: String,
    pub public: bool,
    pub collaborative: bool,
    /// Users who may edit a collaborative playlist (and so may read its items in development
    /// mode).
    pub collaborators: Vec<String>,
    pub images: Vec<SpotifyImage>,
    pub followers: u64,
    pub entries: Vec<PlaylistEntry>,
}

impl SpotifyPlaylist {
    pub fn new(id: &str, name: &str, owner_id: &str) -> Self {
        Self {
            id: id.to_owned(),
            name: name.to_owned(),
            description: String::new(),
            owner_id: owner_id.to_owned(),
            public: true,
            collaborative: false,
            collaborators: Vec::new(),
            images: Vec::new(),
            followers: 0,
            entries: Vec::new(),
        }
    }

    pub fn with_entries(mut self, entries: Vec<PlaylistEntry>) -> Self {
        self.entries = entries;
        self
    }
}

/// A seeded playlist: entries with their adder and time filled in, and the version its
/// `snapshot_id` derives from.
#[derive(Debug, Clone)]
pub(super) struct StoredPlaylist {
    pub(super) playlist: SpotifyPlaylist,
    pub(super) version: u64,
}

impl StoredPlaylist {
    pub(super) fn snapshot_id(&self) -> String {
        let digest = Sha256::digest(format!("{}:{}", self.playlist.id, self.version).as_bytes());
        base64::engine::general_purpose::STANDARD.encode(format!(
            "{},{}",
            self.version,
            hex(&digest[..16])
        ))
    }

    /// Whether `user_id` may read the items in development mode: the owner, or a collaborator of
    /// a collaborative playlist.
    pub(super) fn owned_or_collaborated_by(&self, user_id: &str) -> bool {
        self.playlist.owner_id == user_id
            || (self.playlist.collaborative
                && self.playlist.collaborators.iter().any(|id| id == user_id))
    }
}

/// One user's library: playlists (owned and followed, in the order they were added), Liked
/// Songs, followed artists.
#[derive(Debug, Clone, Default)]
pub(super) struct Library {
    pub(super) playlists: Vec<String>,
    pub(super) liked: Vec<(String, DateTime<Utc>)>,
    pub(super) followed_artists: Vec<String>,
}

/// Whether `id` is a Spotify id: 22 characters of base 62.
pub(super) fn is_spotify_id(id: &str) -> bool {
    id.len() == 22 && id.bytes().all(|byte| byte.is_ascii_alphanumeric())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
