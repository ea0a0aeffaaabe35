//! From Spotify's JSON to the domain's types: ids and ISRCs validated, durations checked, empty
//! strings and Spotify's placeholder values (year 0, the 1970 `added_at` of ancient entries) read
//! as "unknown", and each playlist position sorted into track, local file, episode or
//! unavailable.

use chrono::{DateTime, Utc};
use soulspot_domain::upstream::spotify::{
    SpotifyAlbum, SpotifyAlbumRef, SpotifyArtist, SpotifyArtistRef, SpotifyEpisode, SpotifyImage,
    SpotifyLocalFile, SpotifyPlaylistEntry, SpotifyPlaylistItem, SpotifyPlaylistSummary,
    SpotifyReleaseDate, SpotifyTrack, SpotifyUser,
};
use soulspot_domain::{Isrc, SpotifyId, TrackDuration};

use super::wire;

fn spotify_id(id: Option<&str>) -> Option<SpotifyId> {
    id.and_then(|id| SpotifyId::parse(id).ok())
}

fn non_empty(text: Option<String>) -> Option<String> {
    text.filter(|text| !text.trim().is_empty())
}

fn duration(millis: Option<i64>) -> Option<TrackDuration> {
    millis.and_then(|millis| TrackDuration::from_millis(millis).ok())
}

/// Disc and track numbers start at 1; Spotify writes 0 where there is none (local files).
fn position_number(number: Option<i64>) -> Option<u32> {
    number
        .and_then(|number| u32::try_from(number).ok())
        .filter(|number| *number > 0)
}

fn images(images: Option<Vec<wire::Image>>) -> Vec<SpotifyImage> {
    images
        .unwrap_or_default()
        .into_iter()
        .filter_map(|image| {
            Some(SpotifyImage {
                url: non_empty(image.url)?,
                width: image.width,
                height: image.height,
            })
        })
        .collect()
}

fn artist_refs(artists: Option<Vec<wire::Artist>>) -> Vec<SpotifyArtistRef> {
    artists
        .unwrap_or_default()
        .into_iter()
        .map(|artist| SpotifyArtistRef {
            id: spotify_id(artist.id.as_deref()),
            name: artist.name.unwrap_or_default(),
        })
        .collect()
}

fn release_date(text: Option<&str>) -> Option<SpotifyReleaseDate> {
    text.and_then(SpotifyReleaseDate::parse)
}

fn album_ref(album: wire::Album) -> SpotifyAlbumRef {
    SpotifyAlbumRef {
        id: spotify_id(album.id.as_deref()),
        release_date: release_date(album.release_date.as_deref()),
        name: album.name.unwrap_or_default(),
        album_type: non_empty(album.album_type),
        artists: artist_refs(album.artists),
        images: images(album.images),
        total_tracks: album.total_tracks,
    }
}

/// `None` when the timestamp is missing, unreadable, or Spotify's "unknown" (the Unix epoch,
/// which very old playlist entries carry).
fn added_at(text: Option<&str>) -> Option<DateTime<Utc>> {
    text.and_then(|text| DateTime::parse_from_rfc3339(text).ok())
        .map(|at| at.with_timezone(&Utc))
        .filter(|at| at.timestamp() != 0)
}

pub(super) fn user(user: wire::User) -> Option<SpotifyUser> {
    Some(SpotifyUser {
        id: non_empty(user.id)?,
        display_name: non_empty(user.display_name),
    })
}

/// A track; `None` without a valid id (the content Spotify no longer has).
pub(super) fn track(track: wire::Track) -> Option<SpotifyTrack> {
    let id = spotify_id(track.id.as_deref())?;
    Some(SpotifyTrack {
        id,
        name: track.name.unwrap_or_default(),
        duration: duration(track.duration_ms),
        isrc: track
            .external_ids
            .and_then(|ids| ids.isrc)
            .and_then(|isrc| Isrc::parse(&isrc).ok()),
        explicit: track.explicit.unwrap_or(false),
        disc_number: position_number(track.disc_number),
        track_number: position_number(track.track_number),
        artists: artist_refs(track.artists),
        album: track.album.map(album_ref),
        is_playable: track.is_playable,
        linked_from: track
            .linked_from
            .and_then(|linked| spotify_id(linked.id.as_deref())),
    })
}

pub(super) fn album(album: wire::Album) -> Option<SpotifyAlbum> {
    let id = spotify_id(album.id.as_deref())?;
    let upc = album.external_ids.and_then(|ids| non_empty(ids.upc));
    Some(SpotifyAlbum {
        id,
        release_date: release_date(album.release_date.as_deref()),
        name: album.name.unwrap_or_default(),
        album_type: non_empty(album.album_type),
        artists: artist_refs(album.artists),
        images: images(album.images),
        total_tracks: album.total_tracks,
        genres: album.genres.unwrap_or_default(),
        label: non_empty(album.label),
        upc,
    })
}

pub(super) fn artist(artist: wire::Artist) -> Option<SpotifyArtist> {
    Some(SpotifyArtist {
        id: spotify_id(artist.id.as_deref())?,
        name: artist.name.unwrap_or_default(),
        genres: artist.genres.unwrap_or_default(),
        images: images(artist.images),
    })
}

/// A playlist; `None` without a valid id or a `snapshot_id` (it could be neither synced nor
/// checked for changes).
pub(super) fn playlist_summary(playlist: wire::Playlist) -> Option<SpotifyPlaylistSummary> {
    let id = spotify_id(playlist.id.as_deref())?;
    let snapshot_id = non_empty(playlist.snapshot_id)?;
    let item_count = playlist
        .items
        .and_then(|entries| entries.total)
        .or_else(|| playlist.tracks.and_then(|entries| entries.total))
        .unwrap_or(0);
    let owner = playlist.owner.and_then(user).unwrap_or(SpotifyUser {
        id: String::new(),
        display_name: None,
    });
    Some(SpotifyPlaylistSummary {
        id,
        name: playlist.name.unwrap_or_default(),
        description: non_empty(playlist.description),
        owner,
        snapshot_id,
        collaborative: playlist.collaborative.unwrap_or(false),
        public: playlist.public,
        item_count: u32::try_from(item_count).unwrap_or(u32::MAX),
        images: images(playlist.images),
    })
}

/// One playlist position (a `null` entry is an unavailable one, so positions never shift).
pub(super) fn playlist_entry(entry: Option<wire::PlaylistEntry>) -> SpotifyPlaylistEntry {
    let Some(entry) = entry else {
        return SpotifyPlaylistEntry {
            added_at: None,
            added_by: None,
            item: SpotifyPlaylistItem::Unavailable,
        };
    };
    let entry_is_local = entry.is_local.unwrap_or(false);
    SpotifyPlaylistEntry {
        added_at: added_at(entry.added_at.as_deref()),
        added_by: entry.added_by.and_then(user).map(|user| user.id),
        item: entry
            .item
            .or(entry.track)
            .map_or(SpotifyPlaylistItem::Unavailable, |content| {
                playlist_item(content, entry_is_local)
            }),
    }
}

fn playlist_item(content: wire::Track, entry_is_local: bool) -> SpotifyPlaylistItem {
    if entry_is_local || content.is_local.unwrap_or(false) {
        return SpotifyPlaylistItem::LocalFile(local_file(content));
    }
    let is_episode = content.kind.as_deref() == Some("episode")
        || content
            .uri
            .as_deref()
            .is_some_and(|uri| uri.starts_with("spotify:episode:"));
    if is_episode {
        return episode(content).map_or(SpotifyPlaylistItem::Unavailable, |episode| {
            SpotifyPlaylistItem::Episode(episode)
        });
    }
    track(content).map_or(SpotifyPlaylistItem::Unavailable, SpotifyPlaylistItem::Track)
}

fn local_file(content: wire::Track) -> SpotifyLocalFile {
    SpotifyLocalFile {
        name: content.name.unwrap_or_default(),
        artist: content.artists.and_then(|artists| {
            artists
                .into_iter()
                .find_map(|artist| non_empty(artist.name))
        }),
        album: content.album.and_then(|album| non_empty(album.name)),
        duration: duration(content.duration_ms).filter(|duration| *duration > TrackDuration::ZERO),
        uri: non_empty(content.uri),
    }
}

/// An episode, from an episode object (`show`) or from its track-shaped form (the show as album).
fn episode(content: wire::Track) -> Option<SpotifyEpisode> {
    let id = spotify_id(content.id.as_deref())?;
    let show_name = content
        .show
        .and_then(|show| non_empty(show.name))
        .or_else(|| content.album.and_then(|album| non_empty(album.name)));
    Some(SpotifyEpisode {
        id,
        name: content.name.unwrap_or_default(),
        show_name,
        duration: duration(content.duration_ms),
    })
}
