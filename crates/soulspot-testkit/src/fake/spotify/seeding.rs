//! Seeding the Spotify fake and the scripted edits of a playlist that change its `snapshot_id`.
//! Seeding checks references (an album's artists, a playlist's tracks…) and panics on a broken
//! one, because a test with inconsistent data would only fail later and obscurely.

use chrono::{DateTime, TimeZone as _, Utc};

use super::catalog::{PlaylistEntry, PlaylistItem, StoredPlaylist, is_spotify_id};
use super::{
    SpotifyAlbum, SpotifyArtist, SpotifyEpisode, SpotifyFake, SpotifyPlaylist, SpotifyTrack,
    SpotifyUser, State,
};

fn require_spotify_id(kind: &str, id: &str) {
    assert!(
        is_spotify_id(id),
        "the fake {kind} id {id:?} is not 22 base-62 characters (use catalog::spotify_id)"
    );
}

impl State {
    pub(super) fn user(&self, id: &str) -> Option<&SpotifyUser> {
        self.users.iter().find(|user| user.id == id)
    }

    fn require_user(&self, id: &str) {
        assert!(self.user(id).is_some(), "no fake Spotify user {id:?}");
    }

    /// The next generated `added_at`: one minute after the previous, from 2024-01-01.
    fn next_timestamp(&mut self) -> DateTime<Utc> {
        self.timestamps_issued += 1;
        Utc.timestamp_opt(1_704_067_200 + self.timestamps_issued * 60, 0)
            .single()
            .unwrap_or_default()
    }

    fn settle_entry(&mut self, entry: PlaylistEntry, owner_id: &str) -> PlaylistEntry {
        match &entry.item {
            PlaylistItem::Track(id) => {
                assert!(self.tracks.contains_key(id), "no fake track {id:?}")
            }
            PlaylistItem::Episode(id) => {
                assert!(self.episodes.contains_key(id), "no fake episode {id:?}")
            }
            PlaylistItem::LocalFile(_) | PlaylistItem::Unavailable => {}
        }
        let added_by = entry.added_by.unwrap_or_else(|| owner_id.to_owned());
        self.require_user(&added_by);
        let added_at = match entry.added_at {
            Some(added_at) => added_at,
            None => self.next_timestamp(),
        };
        PlaylistEntry {
            item: entry.item,
            added_by: Some(added_by),
            added_at: Some(added_at),
        }
    }

    pub(super) fn add_track(&mut self, track: SpotifyTrack) {
        require_spotify_id("track", &track.id);
        assert!(
            self.albums.contains_key(&track.album_id),
            "track {:?} names the unknown album {:?}",
            track.id,
            track.album_id
        );
        for artist in &track.artist_ids {
            assert!(
                self.artists.contains_key(artist),
                "no fake artist {artist:?}"
            );
        }
        let album_tracks = self.album_tracks.entry(track.album_id.clone()).or_default();
        if !album_tracks.contains(&track.id) {
            album_tracks.push(track.id.clone());
        }
        self.tracks.insert(track.id.clone(), track);
    }

    pub(super) fn add_album(&mut self, album: SpotifyAlbum) {
        require_spotify_id("album", &album.id);
        for artist in &album.artist_ids {
            assert!(
                self.artists.contains_key(artist),
                "no fake artist {artist:?}"
            );
        }
        self.albums.insert(album.id.clone(), album);
    }

    pub(super) fn add_artist(&mut self, artist: SpotifyArtist) {
        require_spotify_id("artist", &artist.id);
        self.artists.insert(artist.id.clone(), artist);
    }

    pub(super) fn add_playlist(&mut self, mut playlist: SpotifyPlaylist) {
        require_spotify_id("playlist", &playlist.id);
        self.require_user(&playlist.owner_id);
        for collaborator in &playlist.collaborators {
            self.require_user(collaborator);
        }
        let owner_id = playlist.owner_id.clone();
        playlist.entries = std::mem::take(&mut playlist.entries)
            .into_iter()
            .map(|entry| self.settle_entry(entry, &owner_id))
            .collect();
        let library = self.libraries.entry(owner_id).or_default();
        if !library.playlists.contains(&playlist.id) {
            library.playlists.push(playlist.id.clone());
        }
        self.playlists.insert(
            playlist.id.clone(),
            StoredPlaylist {
                playlist,
                version: 1,
            },
        );
    }

    pub(super) fn like_track(&mut self, user_id: &str, track_id: &str) {
        self.require_user(user_id);
        assert!(
            self.tracks.contains_key(track_id),
            "no fake track {track_id:?}"
        );
        let added_at = self.next_timestamp();
        self.libraries
            .entry(user_id.to_owned())
            .or_default()
            .liked
            .push((track_id.to_owned(), added_at));
    }

    fn edit_playlist(
        &mut self,
        playlist_id: &str,
        edit: impl FnOnce(&mut Vec<PlaylistEntry>),
    ) -> String {
        let stored = self
            .playlists
            .get_mut(playlist_id)
            .unwrap_or_else(|| panic!("no fake playlist {playlist_id:?}"));
        edit(&mut stored.playlist.entries);
        stored.version += 1;
        stored.snapshot_id()
    }
}

impl SpotifyFake {
    /// Adds a user; the first user added is the one `/authorize` approves as unless a test picks
    /// another with [`SpotifyFake::set_authorizing_user`].
    pub fn add_user(&self, user: SpotifyUser) {
        let mut state = self.lock();
        state.users.retain(|existing| existing.id != user.id);
        state.libraries.entry(user.id.clone()).or_default();
        state.users.push(user);
    }

    pub fn add_artist(&self, artist: SpotifyArtist) {
        self.lock().add_artist(artist);
    }

    /// # Panics
    /// When one of the album's artists was not added first.
    pub fn add_album(&self, album: SpotifyAlbum) {
        self.lock().add_album(album);
    }

    /// # Panics
    /// When the track's album or one of its artists was not added first.
    pub fn add_track(&self, track: SpotifyTrack) {
        self.lock().add_track(track);
    }

    pub fn add_episode(&self, episode: SpotifyEpisode) {
        require_spotify_id("episode", &episode.id);
        require_spotify_id("show", &episode.show_id);
        self.lock().episodes.insert(episode.id.clone(), episode);
    }

    /// Adds a playlist to the catalogue and to its owner's library.
    ///
    /// # Panics
    /// When the owner, a collaborator, an adder or an entry's track or episode is unknown.
    pub fn add_playlist(&self, playlist: SpotifyPlaylist) {
        self.lock().add_playlist(playlist);
    }

    /// Puts someone else's playlist in `user_id`'s library (`/me/playlists`).
    pub fn follow_playlist(&self, user_id: &str, playlist_id: &str) {
        let mut state = self.lock();
        state.require_user(user_id);
        assert!(
            state.playlists.contains_key(playlist_id),
            "no fake playlist {playlist_id:?}"
        );
        let library = state.libraries.entry(user_id.to_owned()).or_default();
        if !library.playlists.iter().any(|id| id == playlist_id) {
            library.playlists.push(playlist_id.to_owned());
        }
    }

    /// Likes tracks in this order (each a minute after the previous); `/me/tracks` lists the
    /// most recently liked first, as Spotify does.
    pub fn like_tracks(&self, user_id: &str, track_ids: &[&str]) {
        let mut state = self.lock();
        for track_id in track_ids {
            state.like_track(user_id, track_id);
        }
    }

    pub fn follow_artists(&self, user_id: &str, artist_ids: &[&str]) {
        let mut state = self.lock();
        state.require_user(user_id);
        for artist_id in artist_ids {
            assert!(
                state.artists.contains_key(*artist_id),
                "no fake artist {artist_id:?}"
            );
            let library = state.libraries.entry(user_id.to_owned()).or_default();
            if !library.followed_artists.iter().any(|id| id == artist_id) {
                library.followed_artists.push((*artist_id).to_owned());
            }
        }
    }

    /// The playlist's current `snapshot_id`.
    ///
    /// # Panics
    /// When there is no such playlist.
    pub fn snapshot_id(&self, playlist_id: &str) -> String {
        self.lock()
            .playlists
            .get(playlist_id)
            .map(StoredPlaylist::snapshot_id)
            .unwrap_or_else(|| panic!("no fake playlist {playlist_id:?}"))
    }

    /// Inserts entries at `position` (`None`: at the end) as the owner (unless an entry names its
    /// adder); returns the new `snapshot_id`.
    pub fn add_playlist_entries(
        &self,
        playlist_id: &str,
        position: Option<usize>,
        entries: Vec<PlaylistEntry>,
    ) -> String {
        let mut state = self.lock();
        let owner_id = state
            .playlists
            .get(playlist_id)
            .map(|stored| stored.playlist.owner_id.clone())
            .unwrap_or_else(|| panic!("no fake playlist {playlist_id:?}"));
        let settled: Vec<PlaylistEntry> = entries
            .into_iter()
            .map(|entry| state.settle_entry(entry, &owner_id))
            .collect();
        state.edit_playlist(playlist_id, |existing| {
            let at = position.unwrap_or(existing.len()).min(existing.len());
            existing.splice(at..at, settled);
        })
    }

    /// Removes the entries at these positions; returns the new `snapshot_id`.
    pub fn remove_playlist_entries(&self, playlist_id: &str, positions: &[usize]) -> String {
        self.lock().edit_playlist(playlist_id, |existing| {
            let mut index = 0;
            existing.retain(|_| {
                let keep = !positions.contains(&index);
                index += 1;
                keep
            });
        })
    }

    /// Moves `range_length` entries starting at `range_start` to before the entry that was at
    /// `insert_before`, as Spotify's reorder does; returns the new `snapshot_id`.
    pub fn reorder_playlist_entries(
        &self,
        playlist_id: &str,
        range_start: usize,
        range_length: usize,
        insert_before: usize,
    ) -> String {
        self.lock().edit_playlist(playlist_id, |existing| {
            let start = range_start.min(existing.len());
            let end = (range_start + range_length).min(existing.len());
            let moved: Vec<PlaylistEntry> = existing.drain(start..end).collect();
            // Positions count the list before the move: past the range they shift down by its
            // length, and inside it (or right after it) the move changes nothing.
            let target = if insert_before > end {
                insert_before - moved.len()
            } else if insert_before >= start {
                start
            } else {
                insert_before
            }
            .min(existing.len());
            existing.splice(target..target, moved);
        })
    }
}
