//! Spotify identifiers, and the references users paste to point at a Spotify object.
//!
//! Spotify names every track, album, artist and playlist with a 22-character base-62 id. Users and
//! the Web API hand that id around in several wrappings: bare, as a `spotify:track:…` URI, or as an
//! `open.spotify.com` link copied from the app (often with a locale segment and a `?si=` tracking
//! parameter). [`SpotifyRef::parse`] unwraps all of them once, at the edge, so the rest of SoulSpot
//! only ever sees a [`SpotifyKind`] and a validated [`SpotifyId`].
//!
//! Short `spotify.link` links are not accepted: resolving them needs a network request, and this
//! crate performs no I/O.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::case_insensitive::strip_prefix_ignoring_case;

/// Hosts whose links point at Spotify objects, without a leading `www.`.
const SPOTIFY_LINK_HOSTS: [&str; 3] = ["open.spotify.com", "play.spotify.com", "spotify.com"];

/// The kinds of Spotify object SoulSpot mirrors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SpotifyKind {
    Track,
    Album,
    Artist,
    Playlist,
}

impl SpotifyKind {
    /// Every kind, in declaration order.
    pub const ALL: [Self; 4] = [Self::Track, Self::Album, Self::Artist, Self::Playlist];

    /// The lowercase name Spotify uses in URIs and links, for example `track`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Track => "track",
            Self::Album => "album",
            Self::Artist => "artist",
            Self::Playlist => "playlist",
        }
    }
}

impl fmt::Display for SpotifyKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl FromStr for SpotifyKind {
    type Err = SpotifyIdError;

    /// Accepts the names in any ASCII case, because hand-typed URIs are not always lowercase.
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(input))
            .ok_or_else(|| SpotifyIdError::UnknownKind {
                kind: input.to_owned(),
            })
    }
}

/// A validated bare Spotify id: exactly 22 characters from `[0-9A-Za-z]`.
///
/// Ids are case-sensitive (base 62), so they are stored exactly as given.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SpotifyId(String);

/// A Spotify object: its kind and its id, as written in `spotify:track:ID` URIs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SpotifyRef {
    kind: SpotifyKind,
    id: SpotifyId,
}

/// Why a bare id breaks the 22-character base-62 format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpotifyIdProblem {
    /// The id has this many characters instead of 22.
    WrongLength { found: usize },
    /// The id contains this character, which is not in `[0-9A-Za-z]`.
    InvalidCharacter { character: char },
}

impl fmt::Display for SpotifyIdProblem {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WrongLength { found } => {
                write!(formatter, "it has {found} characters instead of 22")
            }
            Self::InvalidCharacter { character } => {
                write!(formatter, "it contains {character:?}, which is not base 62")
            }
        }
    }
}

/// Why a string is not a Spotify id or reference.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpotifyIdError {
    /// The input was empty or only whitespace.
    #[error("a Spotify id cannot be empty")]
    Empty,
    /// The id part (bare, or inside a URI or link) is not 22 base-62 characters.
    #[error("{id:?} is not a Spotify id: {problem}")]
    InvalidId {
        id: String,
        problem: SpotifyIdProblem,
    },
    /// A URI or link names a kind of object SoulSpot does not handle, such as `episode`.
    #[error(
        "Spotify {kind:?} objects are not supported (expected track, album, artist or playlist)"
    )]
    UnknownKind { kind: String },
    /// A URI or link points at another kind of object than the caller asked for.
    #[error("expected a Spotify {expected}, but the reference points at a {found}")]
    WrongKind {
        expected: SpotifyKind,
        found: SpotifyKind,
    },
    /// The input is neither a `spotify:` URI nor a Spotify link of a known shape.
    #[error("{input:?} is not a Spotify URI or link")]
    NotASpotifyReference { input: String },
}

impl SpotifyId {
    /// Length of every Spotify id.
    pub const LENGTH: usize = 22;

    /// Parses a bare id, ignoring surrounding whitespace. URIs and links are rejected here; use
    /// [`SpotifyId::parse_for`] or [`SpotifyRef::parse`] to accept them.
    pub fn parse(input: &str) -> Result<Self, SpotifyIdError> {
        let id = input.trim();
        if id.is_empty() {
            return Err(SpotifyIdError::Empty);
        }
        if let Some(character) = id
            .chars()
            .find(|character| !character.is_ascii_alphanumeric())
        {
            return Err(SpotifyIdError::InvalidId {
                id: id.to_owned(),
                problem: SpotifyIdProblem::InvalidCharacter { character },
            });
        }
        // Only ASCII remains, so the byte length is the character count.
        if id.len() != Self::LENGTH {
            return Err(SpotifyIdError::InvalidId {
                id: id.to_owned(),
                problem: SpotifyIdProblem::WrongLength { found: id.len() },
            });
        }
        Ok(Self(id.to_owned()))
    }

    /// Parses the id of an object of `expected_kind`, given either bare or as a URI or link.
    ///
    /// This is what a form field that says "paste a playlist" wants: a link to a track there is
    /// a mistake worth reporting as [`SpotifyIdError::WrongKind`], not silently accepting.
    pub fn parse_for(expected_kind: SpotifyKind, input: &str) -> Result<Self, SpotifyIdError> {
        let trimmed = input.trim();
        // A bare id never contains these, while every URI or link does.
        if !trimmed.contains([':', '/', '.']) {
            return Self::parse(trimmed);
        }
        let reference = SpotifyRef::parse(trimmed)?;
        if reference.kind != expected_kind {
            return Err(SpotifyIdError::WrongKind {
                expected: expected_kind,
                found: reference.kind,
            });
        }
        Ok(reference.id)
    }

    /// The bare 22-character id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SpotifyId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl FromStr for SpotifyId {
    type Err = SpotifyIdError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        Self::parse(input)
    }
}

impl TryFrom<String> for SpotifyId {
    type Error = SpotifyIdError;

    fn try_from(input: String) -> Result<Self, Self::Error> {
        Self::parse(&input)
    }
}

impl From<SpotifyId> for String {
    fn from(id: SpotifyId) -> Self {
        id.0
    }
}

impl AsRef<str> for SpotifyId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl SpotifyRef {
    /// Pairs a kind with an id; any combination of the two is a valid reference.
    pub fn new(kind: SpotifyKind, id: SpotifyId) -> Self {
        Self { kind, id }
    }

    /// Parses a `spotify:` URI or a Spotify link.
    ///
    /// Accepted shapes, for any of the four kinds:
    /// - `spotify:track:ID`, and the legacy `spotify:user:NAME:playlist:ID`;
    /// - `https://open.spotify.com/track/ID`, with or without `https://` or `http://`, on the
    ///   `open.`, `play.` or bare `spotify.com` host with or without `www.`, with an optional
    ///   `intl-xx` locale segment, `embed` segment, legacy `user/NAME/` prefix, query string,
    ///   fragment and trailing slash.
    ///
    /// A bare id is rejected with [`SpotifyIdError::NotASpotifyReference`] because it does not say
    /// which kind of object it names.
    pub fn parse(input: &str) -> Result<Self, SpotifyIdError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(SpotifyIdError::Empty);
        }
        let not_a_reference = || SpotifyIdError::NotASpotifyReference {
            input: trimmed.to_owned(),
        };

        let segments: Vec<&str> =
            if let Some(uri_body) = strip_prefix_ignoring_case(trimmed, "spotify:") {
                without_query_and_fragment(uri_body).split(':').collect()
            } else {
                let path = link_path(trimmed).ok_or_else(not_a_reference)?;
                let mut segments: Vec<&str> = without_query_and_fragment(path)
                    .split('/')
                    .filter(|segment| !segment.is_empty())
                    .collect();
                // The locale segment (`intl-de`) and the embed player prefix only change how the
                // page looks, never which object it shows.
                if segments
                    .first()
                    .is_some_and(|segment| strip_prefix_ignoring_case(segment, "intl-").is_some())
                {
                    segments.remove(0);
                }
                if segments
                    .first()
                    .is_some_and(|segment| segment.eq_ignore_ascii_case("embed"))
                {
                    segments.remove(0);
                }
                segments
            };

        // Old playlist references carry the owner's name, which no longer means anything.
        let segments = match segments.as_slice() {
            [user, _owner_name, rest @ ..] if user.eq_ignore_ascii_case("user") => rest,
            other => other,
        };
        match segments {
            [kind, id] => {
                let kind: SpotifyKind = kind.parse()?;
                let id = SpotifyId::parse(id)?;
                Ok(Self { kind, id })
            }
            _ => Err(not_a_reference()),
        }
    }

    /// What kind of object this is.
    pub fn kind(&self) -> SpotifyKind {
        self.kind
    }

    /// The object's bare id.
    pub fn id(&self) -> &SpotifyId {
        &self.id
    }

    /// Gives up the kind and keeps the id.
    pub fn into_id(self) -> SpotifyId {
        self.id
    }

    /// The canonical URI, for example `spotify:track:4uLU6hMCjMI75M1A2tKUQC`.
    pub fn uri(&self) -> String {
        format!("spotify:{}:{}", self.kind, self.id)
    }

    /// The canonical web link, for example `https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC`.
    pub fn url(&self) -> String {
        format!("https://open.spotify.com/{}/{}", self.kind, self.id)
    }
}

impl fmt::Display for SpotifyRef {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "spotify:{}:{}", self.kind, self.id)
    }
}

impl FromStr for SpotifyRef {
    type Err = SpotifyIdError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        Self::parse(input)
    }
}

impl TryFrom<String> for SpotifyRef {
    type Error = SpotifyIdError;

    fn try_from(input: String) -> Result<Self, Self::Error> {
        Self::parse(&input)
    }
}

impl From<SpotifyRef> for String {
    fn from(reference: SpotifyRef) -> Self {
        reference.uri()
    }
}

/// Cuts a `?query` and `#fragment` off a URI or link body.
fn without_query_and_fragment(text: &str) -> &str {
    match text.find(['?', '#']) {
        Some(end) => &text[..end],
        None => text,
    }
}

/// The path of a Spotify link (everything after the host), or `None` if `text` is not a link to
/// a Spotify host.
fn link_path(text: &str) -> Option<&str> {
    let without_scheme = strip_prefix_ignoring_case(text, "https://")
        .or_else(|| strip_prefix_ignoring_case(text, "http://"))
        .unwrap_or(text);
    let (host, path) = match without_scheme.find(['/', '?', '#']) {
        Some(host_end) => without_scheme.split_at(host_end),
        None => (without_scheme, ""),
    };
    let host = strip_prefix_ignoring_case(host, "www.").unwrap_or(host);
    SPOTIFY_LINK_HOSTS
        .iter()
        .any(|known_host| known_host.eq_ignore_ascii_case(host))
        .then_some(path)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use proptest::prelude::*;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error as DeserializeError, StringDeserializer};

    const TRACK_ID: &str = "4uLU6hMCjMI75M1A2tKUQC";

    fn track_reference() -> SpotifyRef {
        SpotifyRef::new(SpotifyKind::Track, SpotifyId::parse(TRACK_ID).unwrap())
    }

    #[test]
    fn parses_bare_ids_and_keeps_their_case() {
        let id = SpotifyId::parse("  4uLU6hMCjMI75M1A2tKUQC\n").unwrap();
        assert_eq!(id.as_str(), TRACK_ID);
        assert_ne!(id, SpotifyId::parse("4ULU6HMCJMI75M1A2TKUQC").unwrap());
    }

    #[test]
    fn rejects_bad_bare_ids() {
        assert_eq!(SpotifyId::parse(" "), Err(SpotifyIdError::Empty));
        assert_eq!(
            SpotifyId::parse("4uLU6hMCjMI75M1A2tKUQ"),
            Err(SpotifyIdError::InvalidId {
                id: "4uLU6hMCjMI75M1A2tKUQ".to_owned(),
                problem: SpotifyIdProblem::WrongLength { found: 21 }
            })
        );
        assert!(matches!(
            SpotifyId::parse("4uLU6hMCjMI75M1A2tKU-C"),
            Err(SpotifyIdError::InvalidId {
                problem: SpotifyIdProblem::InvalidCharacter { character: '-' },
                ..
            })
        ));
        assert!(matches!(
            SpotifyId::parse("4uLU6hMCjMI75M1A2tKUQé"),
            Err(SpotifyIdError::InvalidId { .. })
        ));
    }

    #[test]
    fn parses_every_accepted_reference_shape() {
        let expected = track_reference();
        for input in [
            "spotify:track:4uLU6hMCjMI75M1A2tKUQC",
            "Spotify:Track:4uLU6hMCjMI75M1A2tKUQC",
            "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC",
            "http://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC",
            "open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC",
            "HTTPS://OPEN.SPOTIFY.COM/track/4uLU6hMCjMI75M1A2tKUQC",
            "https://www.open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC",
            "https://play.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC",
            "https://open.spotify.com/intl-de/track/4uLU6hMCjMI75M1A2tKUQC",
            "https://open.spotify.com/intl-pt-BR/track/4uLU6hMCjMI75M1A2tKUQC",
            "https://open.spotify.com/embed/track/4uLU6hMCjMI75M1A2tKUQC",
            "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC?si=a1b2c3d4e5f6",
            "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC/",
            "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC/?si=x&utm_source=copy-link",
            "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC#top",
            "  https://open.spotify.com/intl-fr/track/4uLU6hMCjMI75M1A2tKUQC?si=abc#x  ",
        ] {
            assert_eq!(SpotifyRef::parse(input).unwrap(), expected, "{input:?}");
        }
    }

    #[test]
    fn parses_legacy_user_playlist_references() {
        let expected = SpotifyRef::new(
            SpotifyKind::Playlist,
            SpotifyId::parse("37i9dQZF1DXcBWIGoYBM5M").unwrap(),
        );
        for input in [
            "spotify:user:spotify:playlist:37i9dQZF1DXcBWIGoYBM5M",
            "https://open.spotify.com/user/spotify/playlist/37i9dQZF1DXcBWIGoYBM5M?si=1",
        ] {
            assert_eq!(SpotifyRef::parse(input).unwrap(), expected, "{input:?}");
        }
    }

    #[test]
    fn reports_why_a_reference_is_rejected() {
        assert_eq!(SpotifyRef::parse(""), Err(SpotifyIdError::Empty));
        assert_eq!(
            SpotifyRef::parse("spotify:episode:4uLU6hMCjMI75M1A2tKUQC"),
            Err(SpotifyIdError::UnknownKind {
                kind: "episode".to_owned()
            })
        );
        assert!(matches!(
            SpotifyRef::parse("https://open.spotify.com/show/4uLU6hMCjMI75M1A2tKUQC"),
            Err(SpotifyIdError::UnknownKind { kind }) if kind == "show"
        ));
        assert!(matches!(
            SpotifyRef::parse("spotify:track:tooshort"),
            Err(SpotifyIdError::InvalidId { .. })
        ));
        for not_a_reference in [
            TRACK_ID,
            "https://example.com/track/4uLU6hMCjMI75M1A2tKUQC",
            "https://open.spotify.com.evil.example/track/4uLU6hMCjMI75M1A2tKUQC",
            "https://open.spotify.com/",
            "https://open.spotify.com/track",
            "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC/extra",
            "spotify:track",
            "spotify:track:4uLU6hMCjMI75M1A2tKUQC:extra",
            "https://spotify.link/abcdef",
        ] {
            assert!(
                matches!(
                    SpotifyRef::parse(not_a_reference),
                    Err(SpotifyIdError::NotASpotifyReference { .. })
                ),
                "{not_a_reference:?}"
            );
        }
    }

    #[test]
    fn parse_for_accepts_bare_ids_and_references_of_the_expected_kind() {
        let expected = SpotifyId::parse(TRACK_ID).unwrap();
        for input in [
            TRACK_ID,
            "spotify:track:4uLU6hMCjMI75M1A2tKUQC",
            "https://open.spotify.com/intl-de/track/4uLU6hMCjMI75M1A2tKUQC?si=abc",
        ] {
            assert_eq!(
                SpotifyId::parse_for(SpotifyKind::Track, input).unwrap(),
                expected,
                "{input:?}"
            );
        }
    }

    #[test]
    fn parse_for_rejects_references_of_another_kind() {
        assert_eq!(
            SpotifyId::parse_for(
                SpotifyKind::Playlist,
                "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC"
            ),
            Err(SpotifyIdError::WrongKind {
                expected: SpotifyKind::Playlist,
                found: SpotifyKind::Track
            })
        );
        assert!(matches!(
            SpotifyId::parse_for(SpotifyKind::Track, "open.spotify.com"),
            Err(SpotifyIdError::NotASpotifyReference { .. })
        ));
    }

    #[test]
    fn builds_canonical_uri_and_url() {
        let reference = track_reference();
        assert_eq!(reference.uri(), "spotify:track:4uLU6hMCjMI75M1A2tKUQC");
        assert_eq!(reference.to_string(), reference.uri());
        assert_eq!(
            reference.url(),
            "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC"
        );
    }

    #[test]
    fn kinds_round_trip_through_their_names() {
        for kind in SpotifyKind::ALL {
            assert_eq!(kind.as_str().parse::<SpotifyKind>().unwrap(), kind);
            assert_eq!(kind.to_string(), kind.as_str());
        }
        assert_eq!("PLAYLIST".parse::<SpotifyKind>(), Ok(SpotifyKind::Playlist));
    }

    #[test]
    fn serde_uses_the_canonical_strings() {
        let deserializer: StringDeserializer<DeserializeError> =
            "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC?si=1"
                .to_owned()
                .into_deserializer();
        let reference = SpotifyRef::deserialize(deserializer).unwrap();
        assert_eq!(
            String::from(reference),
            "spotify:track:4uLU6hMCjMI75M1A2tKUQC"
        );

        let deserializer: StringDeserializer<DeserializeError> =
            TRACK_ID.to_owned().into_deserializer();
        assert_eq!(
            String::from(SpotifyId::deserialize(deserializer).unwrap()),
            TRACK_ID
        );

        let deserializer: StringDeserializer<DeserializeError> =
            "album".to_owned().into_deserializer();
        assert_eq!(
            SpotifyKind::deserialize(deserializer).unwrap(),
            SpotifyKind::Album
        );
    }

    fn spotify_id() -> impl Strategy<Value = String> {
        "[0-9A-Za-z]{22}"
    }

    fn spotify_kind() -> impl Strategy<Value = SpotifyKind> {
        proptest::sample::select(SpotifyKind::ALL.to_vec())
    }

    /// A link to `kind`/`id` dressed the way real shared links are: optional scheme and `www.`,
    /// optional locale segment, optional `?si=` parameter and trailing slash.
    fn dressed_link(
        kind: SpotifyKind,
        id: &str,
        scheme: &str,
        with_www: bool,
        locale: Option<&str>,
        trailing_slash: bool,
        share_parameter: Option<&str>,
    ) -> String {
        let www = if with_www { "www." } else { "" };
        let locale_segment = locale
            .map(|locale| format!("intl-{locale}/"))
            .unwrap_or_default();
        let slash = if trailing_slash { "/" } else { "" };
        let query = share_parameter
            .map(|value| format!("?si={value}"))
            .unwrap_or_default();
        format!("{scheme}{www}open.spotify.com/{locale_segment}{kind}/{id}{slash}{query}")
    }

    proptest! {
        #[test]
        fn bare_uri_and_link_forms_parse_to_the_same_id(
            kind in spotify_kind(),
            id in spotify_id(),
            scheme in proptest::sample::select(vec!["", "https://", "http://", "HTTPS://"]),
            with_www in any::<bool>(),
            locale in proptest::option::of("[a-z]{2}(-[A-Z]{2})?"),
            trailing_slash in any::<bool>(),
            share_parameter in proptest::option::of("[0-9a-zA-Z_-]{0,24}"),
        ) {
            let expected = SpotifyRef::new(kind, SpotifyId::parse(&id).unwrap());
            let uri = format!("spotify:{kind}:{id}");
            let link = dressed_link(
                kind,
                &id,
                scheme,
                with_www,
                locale.as_deref(),
                trailing_slash,
                share_parameter.as_deref(),
            );

            prop_assert_eq!(&SpotifyRef::parse(&uri).unwrap(), &expected);
            prop_assert_eq!(&SpotifyRef::parse(&link).unwrap(), &expected);
            for form in [id.as_str(), uri.as_str(), link.as_str()] {
                prop_assert_eq!(&SpotifyId::parse_for(kind, form).unwrap(), expected.id());
            }
        }

        #[test]
        fn canonical_uri_and_url_round_trip(kind in spotify_kind(), id in spotify_id()) {
            let reference = SpotifyRef::new(kind, SpotifyId::parse(&id).unwrap());
            prop_assert_eq!(&SpotifyRef::parse(&reference.uri()).unwrap(), &reference);
            prop_assert_eq!(&SpotifyRef::parse(&reference.url()).unwrap(), &reference);
            prop_assert_eq!(&reference.to_string().parse::<SpotifyRef>().unwrap(), &reference);
        }

        #[test]
        fn references_of_another_kind_are_wrong_kind(
            kind_index in 0..SpotifyKind::ALL.len(),
            offset_to_other_kind in 1..SpotifyKind::ALL.len(),
            id in spotify_id(),
        ) {
            let kind = SpotifyKind::ALL[kind_index];
            let other_kind_index = (kind_index + offset_to_other_kind) % SpotifyKind::ALL.len();
            let other_kind = SpotifyKind::ALL[other_kind_index];
            let link = format!("https://open.spotify.com/{other_kind}/{id}");
            prop_assert_eq!(
                SpotifyId::parse_for(kind, &link),
                Err(SpotifyIdError::WrongKind { expected: kind, found: other_kind })
            );
        }

        #[test]
        fn arbitrary_input_never_panics(input in any::<String>(), kind in spotify_kind()) {
            let _ = SpotifyId::parse(&input);
            let _ = SpotifyRef::parse(&input);
            let _ = SpotifyId::parse_for(kind, &input);
        }

        #[test]
        fn arbitrary_suffixes_after_a_link_never_panic(
            kind in spotify_kind(),
            suffix in any::<String>(),
        ) {
            let _ = SpotifyRef::parse(&format!("https://open.spotify.com/{kind}/{suffix}"));
            let _ = SpotifyRef::parse(&format!("spotify:{kind}:{suffix}"));
        }
    }
}
