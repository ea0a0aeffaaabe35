//! The Web API's JSON objects — users, artists, albums, tracks (and local files), episodes,
//! playlists and their entries — shaped by the API mode: development mode leaves out the fields
//! Spotify removed in February 2026 and renames `tracks`/`track` to `items`/`item`.

use serde_json::{Value, json};

use super::catalog::{LocalFile, PlaylistEntry, PlaylistItem, StoredPlaylist};
use super::paging::{Page, paging_object};
use super::{
    ApiMode, SpotifyAlbum, SpotifyArtist, SpotifyEpisode, SpotifyImage, SpotifyTrack, SpotifyUser,
    State,
};

/// The markets extended-quota objects list as `available_markets`.
const MARKETS: &[&str] = &["DE", "FR", "GB", "NL", "SE", "US"];

/// Renders objects for one request.
pub(super) struct Render<'a> {
    pub(super) state: &'a State,
    /// `http://127.0.0.1:PORT/v1`.
    pub(super) base: &'a str,
    /// A `market` was asked for: tracks carry `is_playable` (Spotify's track relinking).
    pub(super) market: bool,
    /// `additional_types` named `episode`: episodes come as episode objects, not track-shaped.
    pub(super) episodes_supported: bool,
}

fn images(images: &[SpotifyImage]) -> Value {
    images
        .iter()
        .map(|image| json!({"url": image.url, "height": image.height, "width": image.width}))
        .collect()
}

fn open_url(kind: &str, id: &str) -> Value {
    json!({ "spotify": format!("https://open.spotify.com/{kind}/{id}") })
}

fn insert(object: &mut Value, name: &str, value: Value) {
    if let Value::Object(map) = object {
        map.insert(name.to_owned(), value);
    }
}

/// Spotify writes `added_at` as whole-second UTC timestamps.
pub(super) fn timestamp(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

impl Render<'_> {
    pub(super) fn extended(&self) -> bool {
        self.state.settings.mode == ApiMode::ExtendedQuota
    }

    fn href(&self, collection: &str, id: &str) -> String {
        format!("{}/{collection}/{id}", self.base)
    }

    /// A user as an owner (with `display_name`) or as `added_by` (without).
    pub(super) fn user_public(&self, user_id: &str, with_display_name: bool) -> Value {
        let mut user = json!({
            "external_urls": open_url("user", user_id),
            "href": self.href("users", user_id),
            "id": user_id,
            "type": "user",
            "uri": format!("spotify:user:{user_id}"),
        });
        if with_display_name {
            let display_name = self
                .state
                .user(user_id)
                .and_then(|user| user.display_name.clone());
            insert(&mut user, "display_name", json!(display_name));
        }
        user
    }

    /// `GET /me`.
    pub(super) fn current_user(&self, user: &SpotifyUser) -> Value {
        let mut object = self.user_public(&user.id, true);
        insert(&mut object, "images", json!([]));
        if self.extended() {
            insert(&mut object, "country", json!(user.country));
            insert(&mut object, "email", json!(user.email));
            insert(&mut object, "product", json!(user.product));
            insert(
                &mut object,
                "explicit_content",
                json!({"filter_enabled": false, "filter_locked": false}),
            );
            insert(&mut object, "followers", json!({"href": null, "total": 0}));
        }
        object
    }

    pub(super) fn artist_simple(&self, artist_id: &str) -> Value {
        let name = self
            .state
            .artists
            .get(artist_id)
            .map(|artist| artist.name.clone());
        json!({
            "external_urls": open_url("artist", artist_id),
            "href": self.href("artists", artist_id),
            "id": artist_id,
            "name": name,
            "type": "artist",
            "uri": format!("spotify:artist:{artist_id}"),
        })
    }

    pub(super) fn artist_full(&self, artist: &SpotifyArtist) -> Value {
        let mut object = self.artist_simple(&artist.id);
        insert(&mut object, "genres", json!(artist.genres));
        insert(&mut object, "images", images(&artist.images));
        if self.extended() {
            insert(&mut object, "popularity", json!(artist.popularity));
            insert(
                &mut object,
                "followers",
                json!({"href": null, "total": artist.followers}),
            );
        }
        object
    }

    fn album_total_tracks(&self, album: &SpotifyAlbum) -> usize {
        album.total_tracks.map_or_else(
            || self.state.album_tracks.get(&album.id).map_or(0, Vec::len),
            |total| total as usize,
        )
    }

    pub(super) fn album_simple(&self, album: &SpotifyAlbum) -> Value {
        let mut object = json!({
            "album_type": album.album_type,
            "artists": album.artist_ids.iter().map(|id| self.artist_simple(id)).collect::<Vec<_>>(),
            "external_urls": open_url("album", &album.id),
            "href": self.href("albums", &album.id),
            "id": album.id,
            "images": images(&album.images),
            "name": album.name,
            "release_date": album.release_date,
            "release_date_precision": album.release_date_precision,
            "total_tracks": self.album_total_tracks(album),
            "type": "album",
            "uri": format!("spotify:album:{}", album.id),
        });
        if self.extended() && !self.market {
            insert(&mut object, "available_markets", json!(MARKETS));
        }
        object
    }

    /// `GET /albums/{id}`: the album with the first page of its (simplified) tracks.
    pub(super) fn album_full(&self, album: &SpotifyAlbum) -> Value {
        let mut object = self.album_simple(album);
        let tracks = self.album_track_list(album);
        let page = Page {
            offset: 0,
            limit: 50,
        };
        let items = page
            .slice(&tracks)
            .iter()
            .map(|track| self.track_simple(track))
            .collect();
        let url = format!("{}/tracks", self.href("albums", &album.id));
        insert(
            &mut object,
            "tracks",
            paging_object(&url, page, tracks.len(), items, &[]),
        );
        insert(
            &mut object,
            "copyrights",
            json!([{"text": format!("(C) {}", album.label), "type": "C"}]),
        );
        insert(&mut object, "genres", json!([]));
        if self.extended() {
            insert(&mut object, "label", json!(album.label));
            insert(&mut object, "popularity", json!(album.popularity));
            insert(&mut object, "external_ids", json!({"upc": album.upc}));
        }
        object
    }

    /// The album's seeded tracks in disc and track order.
    pub(super) fn album_track_list(&self, album: &SpotifyAlbum) -> Vec<&SpotifyTrack> {
        let mut tracks: Vec<&SpotifyTrack> = self
            .state
            .album_tracks
            .get(&album.id)
            .into_iter()
            .flatten()
            .filter_map(|id| self.state.tracks.get(id))
            .collect();
        tracks.sort_by_key(|track| (track.disc_number, track.track_number));
        tracks
    }

    /// A track without its album (as albums list them).
    pub(super) fn track_simple(&self, track: &SpotifyTrack) -> Value {
        let mut object = json!({
            "artists": track.artist_ids.iter().map(|id| self.artist_simple(id)).collect::<Vec<_>>(),
            "disc_number": track.disc_number,
            "duration_ms": track.duration_ms,
            "explicit": track.explicit,
            "external_urls": open_url("track", &track.id),
            "href": self.href("tracks", &track.id),
            "id": track.id,
            "is_local": false,
            "name": track.name,
            "preview_url": null,
            "track_number": track.track_number,
            "type": "track",
            "uri": format!("spotify:track:{}", track.id),
        });
        if self.market {
            insert(&mut object, "is_playable", json!(track.playable));
            if !track.playable {
                insert(&mut object, "restrictions", json!({"reason": "market"}));
            }
        } else if self.extended() {
            insert(&mut object, "available_markets", json!(MARKETS));
        }
        object
    }

    pub(super) fn track_full(&self, track: &SpotifyTrack) -> Value {
        let mut object = self.track_simple(track);
        let album = self
            .state
            .albums
            .get(&track.album_id)
            .map_or(Value::Null, |album| self.album_simple(album));
        insert(&mut object, "album", album);
        if self.state.settings.external_ids_visible {
            let external_ids = match &track.isrc {
                Some(isrc) => json!({ "isrc": isrc }),
                None => json!({}),
            };
            insert(&mut object, "external_ids", external_ids);
        }
        if self.extended() {
            insert(&mut object, "popularity", json!(track.popularity));
        }
        object
    }

    /// A local file: no ids or links, `is_local: true`, a `spotify:local:` URI.
    fn local_track(&self, file: &LocalFile) -> Value {
        let encode = |text: &str| -> String {
            url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
        };
        let uri = format!(
            "spotify:local:{}:{}:{}:{}",
            encode(&file.artist),
            encode(&file.album),
            encode(&file.title),
            file.duration_ms / 1000
        );
        let mut object = json!({
            "album": {
                "album_type": null, "artists": [], "external_urls": {}, "href": null,
                "id": null, "images": [], "name": file.album, "release_date": null,
                "release_date_precision": null, "type": "album", "uri": null,
            },
            "artists": [{
                "external_urls": {}, "href": null, "id": null, "name": file.artist,
                "type": "artist", "uri": null,
            }],
            "disc_number": 0,
            "duration_ms": file.duration_ms,
            "explicit": false,
            "external_ids": {},
            "external_urls": {},
            "href": null,
            "id": null,
            "is_local": true,
            "name": file.title,
            "preview_url": null,
            "track_number": 0,
            "type": "track",
            "uri": uri,
        });
        if self.extended() {
            insert(&mut object, "available_markets", json!([]));
            insert(&mut object, "popularity", json!(0));
        }
        object
    }

    fn show_simple(&self, episode: &SpotifyEpisode) -> Value {
        let mut show = json!({
            "copyrights": [],
            "description": format!("The show {}.", episode.show_name),
            "explicit": false,
            "external_urls": open_url("show", &episode.show_id),
            "href": self.href("shows", &episode.show_id),
            "id": episode.show_id,
            "images": [],
            "is_externally_hosted": false,
            "languages": ["en"],
            "media_type": "audio",
            "name": episode.show_name,
            "type": "show",
            "uri": format!("spotify:show:{}", episode.show_id),
        });
        if self.extended() {
            insert(&mut show, "publisher", json!(episode.show_publisher));
        }
        show
    }

    /// An episode object (what clients that pass `additional_types=episode` get).
    fn episode_full(&self, episode: &SpotifyEpisode) -> Value {
        json!({
            "audio_preview_url": null,
            "description": episode.description,
            "html_description": format!("<p>{}</p>", episode.description),
            "duration_ms": episode.duration_ms,
            "explicit": false,
            "external_urls": open_url("episode", &episode.id),
            "href": self.href("episodes", &episode.id),
            "id": episode.id,
            "images": [],
            "is_externally_hosted": false,
            "is_playable": true,
            "language": "en",
            "languages": ["en"],
            "name": episode.name,
            "release_date": episode.release_date,
            "release_date_precision": "day",
            "show": self.show_simple(episode),
            "type": "episode",
            "uri": format!("spotify:episode:{}", episode.id),
            "episode": true,
            "track": false,
        })
    }

    /// An episode squeezed into a track's shape, as Spotify answers clients that did not ask for
    /// episodes: the show as album and artist, `type: "episode"`, and the flags as Spotify was
    /// seen to send them (`episode: false`, `track: true`, `is_playable: false`; spotify/web-api
    /// issue 1528).
    fn episode_as_track(&self, episode: &SpotifyEpisode) -> Value {
        let show = json!({
            "external_urls": open_url("show", &episode.show_id),
            "href": self.href("shows", &episode.show_id),
            "id": episode.show_id,
            "name": episode.show_name,
            "type": "show",
            "uri": format!("spotify:show:{}", episode.show_id),
        });
        let mut album = show.clone();
        insert(&mut album, "album_type", json!("show"));
        insert(&mut album, "artists", json!([show.clone()]));
        insert(&mut album, "images", json!([]));
        insert(&mut album, "release_date", json!(episode.release_date));
        insert(&mut album, "release_date_precision", json!("day"));
        insert(&mut album, "total_tracks", json!(1));
        json!({
            "album": album,
            "artists": [show],
            "disc_number": 0,
            "duration_ms": episode.duration_ms,
            "episode": false,
            "explicit": false,
            "external_ids": open_url("episode", &episode.id),
            "external_urls": open_url("episode", &episode.id),
            "href": self.href("episodes", &episode.id),
            "id": episode.id,
            "is_local": false,
            "is_playable": false,
            "name": episode.name,
            "preview_url": null,
            "track": true,
            "track_number": 0,
            "type": "episode",
            "uri": format!("spotify:episode:{}", episode.id),
        })
    }

    /// One playlist position: `{added_at, added_by, is_local, item/track, …}`.
    pub(super) fn playlist_entry(&self, entry: &PlaylistEntry) -> Value {
        let content = match &entry.item {
            PlaylistItem::Track(id) => self.state.tracks.get(id).map_or(Value::Null, |track| {
                let mut object = self.track_full(track);
                insert(&mut object, "episode", json!(false));
                insert(&mut object, "track", json!(true));
                object
            }),
            PlaylistItem::Episode(id) => {
                self.state.episodes.get(id).map_or(Value::Null, |episode| {
                    if self.episodes_supported {
                        self.episode_full(episode)
                    } else {
                        self.episode_as_track(episode)
                    }
                })
            }
            PlaylistItem::LocalFile(file) => {
                let mut object = self.local_track(file);
                insert(&mut object, "episode", json!(false));
                insert(&mut object, "track", json!(true));
                object
            }
            PlaylistItem::Unavailable => Value::Null,
        };
        let added_by = entry
            .added_by
            .as_deref()
            .map_or(Value::Null, |user| self.user_public(user, false));
        let mut object = json!({
            "added_at": entry.added_at.as_ref().map(timestamp),
            "added_by": added_by,
            "is_local": matches!(entry.item, PlaylistItem::LocalFile(_)),
            "primary_color": null,
            "video_thumbnail": {"url": null},
        });
        if self.extended() {
            insert(&mut object, "track", content);
        } else {
            if self.state.settings.deprecated_track_field {
                insert(&mut object, "track", content.clone());
            }
            insert(&mut object, "item", content);
        }
        object
    }

    /// The field of a playlist object that holds its entries: `items` in development mode,
    /// `tracks` before February 2026.
    pub(super) fn entries_field(&self) -> &'static str {
        if self.extended() { "tracks" } else { "items" }
    }

    pub(super) fn entries_url(&self, playlist_id: &str) -> String {
        format!(
            "{}/{}",
            self.href("playlists", playlist_id),
            self.entries_field()
        )
    }

    /// A playlist as `/me/playlists` lists it: the entries only as `{href, total}`.
    pub(super) fn playlist_simple(&self, stored: &StoredPlaylist) -> Value {
        let playlist = &stored.playlist;
        let mut object = json!({
            "collaborative": playlist.collaborative,
            "description": playlist.description,
            "external_urls": open_url("playlist", &playlist.id),
            "href": self.href("playlists", &playlist.id),
            "id": playlist.id,
            "images": images(&playlist.images),
            "name": playlist.name,
            "owner": self.user_public(&playlist.owner_id, true),
            "primary_color": null,
            "public": playlist.public,
            "snapshot_id": stored.snapshot_id(),
            "type": "playlist",
            "uri": format!("spotify:playlist:{}", playlist.id),
        });
        insert(
            &mut object,
            self.entries_field(),
            json!({"href": self.entries_url(&playlist.id), "total": playlist.entries.len()}),
        );
        object
    }

    /// `GET /playlists/{id}`: with the first page of entries when the user may read them, else
    /// (a foreign playlist in development mode) only their `{href, total}`.
    pub(super) fn playlist_full(
        &self,
        stored: &StoredPlaylist,
        entries_readable: bool,
        kept: &[(String, String)],
    ) -> Value {
        let mut object = self.playlist_simple(stored);
        let playlist = &stored.playlist;
        insert(
            &mut object,
            "followers",
            json!({"href": null, "total": playlist.followers}),
        );
        if entries_readable {
            let page = Page {
                offset: 0,
                limit: self.state.settings.playlist_items_max_limit,
            };
            let items = page
                .slice(&playlist.entries)
                .iter()
                .map(|entry| self.playlist_entry(entry))
                .collect();
            let url = self.entries_url(&playlist.id);
            insert(
                &mut object,
                self.entries_field(),
                paging_object(&url, page, playlist.entries.len(), items, kept),
            );
        }
        object
    }
}
