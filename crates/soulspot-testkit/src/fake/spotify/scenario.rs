//! A small household every Spotify test can start from: Alice (who authorizes) and Bob,
//! SoulSpot's public client, one album of two tracks (one not playable in Alice's market), an
//! episode, Alice's playlist with one of each awkward kind of item, and Bob's public playlist that
//! Alice follows (which development mode forbids her to read the items of).

use super::{
    PlaylistEntry, SpotifyAlbum, SpotifyApp, SpotifyArtist, SpotifyEpisode, SpotifyFake,
    SpotifyPlaylist, SpotifyTrack, SpotifyUser,
};

pub const CLIENT_ID: &str = "soulspot-household";
/// Registered without a port, so any loopback port matches (RFC 8252 §7.3).
pub const LOOPBACK_REDIRECT_URI: &str = "http://127.0.0.1/callback";
pub const HTTPS_REDIRECT_URI: &str = "https://soulspot.example/callback";
pub const ARTIST: &str = "0OdUWJ0sBjDrqHygGUXeCF";
pub const ALBUM: &str = "4aawyAB9vmqN3uQ7FjRGTy";
/// "Subterranean Homesick Alien", ISRC GBAYE9700148, 284 s, track 3.
pub const TRACK: &str = "3n3Ppam7vgaVa1iaRUc9Lp";
pub const TRACK_ISRC: &str = "GBAYE9700148";
/// Not playable in Alice's market.
pub const UNPLAYABLE_TRACK: &str = "7ouMYWpwJ422jRcDASZB7P";
pub const EPISODE: &str = "512ojhOuo1ktJprKbVcKyQ";
pub const SHOW: &str = "38bS44xjbVVZ3No3ByF1dJ";
/// Alice's: a track, a local file, an unavailable entry, the unplayable track, an episode.
pub const MIXED_PLAYLIST: &str = "37i9dQZF1DXcBWIGoYBM5M";
/// Bob's, followed by Alice.
pub const FOREIGN_PLAYLIST: &str = "3cEYpjA9oz9GiPac4AsH4n";

/// The household, seeded, not yet started (tests script it further, then start it).
pub fn small_household() -> SpotifyFake {
    let fake = SpotifyFake::new();
    fake.add_user(SpotifyUser::new("alice", "Alice"));
    fake.add_user(SpotifyUser::new("bob", "Bob"));
    fake.register_app(SpotifyApp::public(
        CLIENT_ID,
        &[LOOPBACK_REDIRECT_URI, HTTPS_REDIRECT_URI],
    ));
    fake.add_artist(SpotifyArtist::new(ARTIST, "Radiohead"));
    fake.add_album(SpotifyAlbum::new(ALBUM, "OK Computer", &[ARTIST]));
    fake.add_track(SpotifyTrack {
        isrc: Some(TRACK_ISRC.to_owned()),
        track_number: 3,
        duration_ms: 284_000,
        ..SpotifyTrack::new(TRACK, "Subterranean Homesick Alien", ALBUM, &[ARTIST])
    });
    fake.add_track(SpotifyTrack {
        playable: false,
        track_number: 4,
        ..SpotifyTrack::new(UNPLAYABLE_TRACK, "Exit Music", ALBUM, &[ARTIST])
    });
    fake.add_episode(SpotifyEpisode::new(EPISODE, "Episode One", SHOW, "A Show"));
    fake.add_playlist(
        SpotifyPlaylist::new(MIXED_PLAYLIST, "Mixed", "alice").with_entries(vec![
            PlaylistEntry::track(TRACK),
            PlaylistEntry::local_file("Home Demo", "My Band", "Tapes", 125_400),
            PlaylistEntry::unavailable(),
            PlaylistEntry::track(UNPLAYABLE_TRACK),
            PlaylistEntry::episode(EPISODE),
        ]),
    );
    fake.add_playlist(
        SpotifyPlaylist::new(FOREIGN_PLAYLIST, "Bob's mix", "bob")
            .with_entries(vec![PlaylistEntry::track(TRACK)]),
    );
    fake.follow_playlist("alice", FOREIGN_PLAYLIST);
    fake
}
