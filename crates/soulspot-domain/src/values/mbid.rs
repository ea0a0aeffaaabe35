//! MusicBrainz identifiers (MBIDs): the UUIDs MusicBrainz gives every recording, release,
//! release group and artist.
//!
//! Tags written by Picard, the MusicBrainz web service and users pasting links all spell the same
//! id differently (case, hyphens, a whole `musicbrainz.org` link), so [`Mbid::parse`] accepts those
//! spellings and keeps one canonical form: lowercase, hyphenated `8-4-4-4-12`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::case_insensitive::strip_prefix_ignoring_case;

/// Number of hexadecimal digits in a UUID.
const HEX_DIGIT_COUNT: usize = 32;

/// Character positions of the hyphens in the hyphenated `8-4-4-4-12` form.
const HYPHEN_POSITIONS: [usize; 4] = [8, 13, 18, 23];

/// A validated MusicBrainz id in canonical form, for example
/// `b10bbbfc-cf9e-42e0-be17-e2c3e1d2600d`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Mbid(String);

/// Why a string is not a MusicBrainz id. Variants keep the rejected input for the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MbidError {
    #[error("a MusicBrainz id cannot be empty")]
    Empty,
    #[error("{input:?} is not a MusicBrainz link ending in an id")]
    NotAMusicBrainzUrl { input: String },
    #[error("MusicBrainz id {input:?} contains {character:?}, which is not a hexadecimal digit")]
    InvalidCharacter { input: String, character: char },
    #[error("MusicBrainz id {input:?} has {found} hexadecimal digits, but a UUID has 32")]
    WrongLength { input: String, found: usize },
    #[error("MusicBrainz id {input:?} is not hyphenated as 8-4-4-4-12")]
    MisplacedHyphens { input: String },
}

impl Mbid {
    /// Parses a MusicBrainz id.
    ///
    /// Accepts the hyphenated UUID in any case, the 32 digits without hyphens, or a
    /// `musicbrainz.org` link whose last path segment is the id (such as
    /// `https://musicbrainz.org/recording/<id>`), each with surrounding whitespace.
    pub fn parse(input: &str) -> Result<Self, MbidError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(MbidError::Empty);
        }
        if !trimmed.contains('/') {
            return parse_uuid(trimmed);
        }

        let not_a_musicbrainz_url = || MbidError::NotAMusicBrainzUrl {
            input: trimmed.to_owned(),
        };
        let path = musicbrainz_link_path(trimmed).ok_or_else(not_a_musicbrainz_url)?;
        let last_segment = path
            .split('/')
            .rfind(|segment| !segment.is_empty())
            .ok_or_else(not_a_musicbrainz_url)?;
        // A link that ends in something else (`/recording/<id>/edits`) says what is wrong more
        // clearly as "not a link to an id" than as a UUID format error about `edits`.
        parse_uuid(last_segment).map_err(|_| not_a_musicbrainz_url())
    }

    /// The canonical lowercase, hyphenated form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Validates one UUID spelling and returns it canonicalised.
fn parse_uuid(candidate: &str) -> Result<Mbid, MbidError> {
    if let Some(character) = candidate
        .chars()
        .find(|character| !character.is_ascii_hexdigit() && *character != '-')
    {
        return Err(MbidError::InvalidCharacter {
            input: candidate.to_owned(),
            character,
        });
    }

    let hex_digits: Vec<u8> = candidate
        .bytes()
        .filter(u8::is_ascii_hexdigit)
        .map(|digit| digit.to_ascii_lowercase())
        .collect();
    if hex_digits.len() != HEX_DIGIT_COUNT {
        return Err(MbidError::WrongLength {
            input: candidate.to_owned(),
            found: hex_digits.len(),
        });
    }

    // Only ASCII remains, so byte positions are character positions.
    let hyphen_positions: Vec<usize> = candidate
        .bytes()
        .enumerate()
        .filter(|(_, byte)| *byte == b'-')
        .map(|(position, _)| position)
        .collect();
    if !hyphen_positions.is_empty() && hyphen_positions != HYPHEN_POSITIONS {
        return Err(MbidError::MisplacedHyphens {
            input: candidate.to_owned(),
        });
    }

    let mut canonical = String::with_capacity(HEX_DIGIT_COUNT + HYPHEN_POSITIONS.len());
    for digit in hex_digits {
        if HYPHEN_POSITIONS.contains(&canonical.len()) {
            canonical.push('-');
        }
        canonical.push(char::from(digit));
    }
    Ok(Mbid(canonical))
}

/// The path of a link to a `musicbrainz.org` host (any subdomain, such as `beta.`), with the
/// query and fragment removed; `None` for links to anywhere else.
fn musicbrainz_link_path(link: &str) -> Option<&str> {
    let without_scheme = strip_prefix_ignoring_case(link, "https://")
        .or_else(|| strip_prefix_ignoring_case(link, "http://"))
        .unwrap_or(link);
    let host_end = without_scheme.find('/')?;
    let (host, path) = without_scheme.split_at(host_end);
    let host = host.to_ascii_lowercase();
    if host != "musicbrainz.org" && !host.ends_with(".musicbrainz.org") {
        return None;
    }
    Some(match path.find(['?', '#']) {
        Some(end) => &path[..end],
        None => path,
    })
}

impl fmt::Display for Mbid {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl FromStr for Mbid {
    type Err = MbidError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        Self::parse(input)
    }
}

impl TryFrom<String> for Mbid {
    type Error = MbidError;

    fn try_from(input: String) -> Result<Self, Self::Error> {
        Self::parse(&input)
    }
}

impl From<Mbid> for String {
    fn from(mbid: Mbid) -> Self {
        mbid.0
    }
}

impl AsRef<str> for Mbid {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use proptest::prelude::*;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error as DeserializeError, StringDeserializer};

    const CANONICAL: &str = "b10bbbfc-cf9e-42e0-be17-e2c3e1d2600d";

    #[test]
    fn accepts_every_usual_spelling() {
        let expected = Mbid::parse(CANONICAL).unwrap();
        assert_eq!(expected.as_str(), CANONICAL);
        for input in [
            "B10BBBFC-CF9E-42E0-BE17-E2C3E1D2600D",
            "  b10bbbfc-CF9E-42e0-be17-e2c3e1d2600d\n",
            "b10bbbfccf9e42e0be17e2c3e1d2600d",
            "B10BBBFCCF9E42E0BE17E2C3E1D2600D",
            "https://musicbrainz.org/recording/b10bbbfc-cf9e-42e0-be17-e2c3e1d2600d",
            "http://musicbrainz.org/artist/B10BBBFC-CF9E-42E0-BE17-E2C3E1D2600D/",
            "musicbrainz.org/release/b10bbbfc-cf9e-42e0-be17-e2c3e1d2600d",
            "https://beta.musicbrainz.org/release-group/b10bbbfc-cf9e-42e0-be17-e2c3e1d2600d?tab=x",
            "https://musicbrainz.org/recording/b10bbbfccf9e42e0be17e2c3e1d2600d#details",
        ] {
            assert_eq!(Mbid::parse(input).unwrap(), expected, "{input:?}");
        }
    }

    #[test]
    fn rejects_malformed_ids_with_the_reason() {
        assert_eq!(Mbid::parse("  "), Err(MbidError::Empty));
        assert_eq!(
            Mbid::parse("b10bbbfc-cf9e-42e0-be17-e2c3e1d2600g"),
            Err(MbidError::InvalidCharacter {
                input: "b10bbbfc-cf9e-42e0-be17-e2c3e1d2600g".to_owned(),
                character: 'g'
            })
        );
        assert!(matches!(
            Mbid::parse("b10bbbfc-cf9e-42e0-be17-e2c3e1d2600"),
            Err(MbidError::WrongLength { found: 31, .. })
        ));
        assert!(matches!(
            Mbid::parse("b10bbbfccf9e-42e0-be17-e2c3e1d2600d"),
            Err(MbidError::MisplacedHyphens { .. })
        ));
        assert!(matches!(
            Mbid::parse("b10bbbf-ccf9e-42e0-be17-e2c3e1d2600d"),
            Err(MbidError::MisplacedHyphens { .. })
        ));
        assert!(matches!(
            Mbid::parse("{b10bbbfc-cf9e-42e0-be17-e2c3e1d2600d}"),
            Err(MbidError::InvalidCharacter { character: '{', .. })
        ));
    }

    #[test]
    fn rejects_links_that_are_not_to_musicbrainz_ids() {
        for input in [
            "https://example.com/recording/b10bbbfc-cf9e-42e0-be17-e2c3e1d2600d",
            "https://musicbrainz.org.evil.example/b10bbbfc-cf9e-42e0-be17-e2c3e1d2600d",
            "https://musicbrainz.org/recording/b10bbbfc-cf9e-42e0-be17-e2c3e1d2600d/edits",
            "https://musicbrainz.org/",
            "recording/b10bbbfc-cf9e-42e0-be17-e2c3e1d2600d",
        ] {
            assert!(
                matches!(
                    Mbid::parse(input),
                    Err(MbidError::NotAMusicBrainzUrl { .. })
                ),
                "{input:?}"
            );
        }
    }

    #[test]
    fn serde_uses_the_canonical_string() {
        let deserializer: StringDeserializer<DeserializeError> = "B10BBBFCCF9E42E0BE17E2C3E1D2600D"
            .to_owned()
            .into_deserializer();
        let mbid = Mbid::deserialize(deserializer).unwrap();
        assert_eq!(String::from(mbid), CANONICAL);
    }

    fn canonical_mbid() -> impl Strategy<Value = String> {
        "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    }

    /// Entity types whose pages MusicBrainz links point at.
    const MUSICBRAINZ_ENTITIES: [&str; 5] =
        ["recording", "release", "artist", "release-group", "work"];

    /// Whitespace users and tag editors leave around pasted values.
    fn surrounding_whitespace() -> impl Strategy<Value = String> {
        "[ \t\r\n]{0,3}"
    }

    proptest! {
        #[test]
        fn case_whitespace_and_hyphen_variants_are_equal(
            canonical in canonical_mbid(),
            uppercase_mask in proptest::collection::vec(any::<bool>(), 36),
            drop_hyphens in any::<bool>(),
            leading in surrounding_whitespace(),
            trailing in surrounding_whitespace(),
        ) {
            let respelled: String = canonical
                .chars()
                .zip(&uppercase_mask)
                .filter(|(character, _)| !(drop_hyphens && *character == '-'))
                .map(|(character, uppercase)| {
                    if *uppercase { character.to_ascii_uppercase() } else { character }
                })
                .collect();
            let input = format!("{leading}{respelled}{trailing}");
            let parsed = Mbid::parse(&input).unwrap();
            prop_assert_eq!(parsed.as_str(), canonical.as_str());
        }

        #[test]
        fn canonical_form_and_links_round_trip(
            canonical in canonical_mbid(),
            entity in proptest::sample::select(MUSICBRAINZ_ENTITIES.to_vec()),
        ) {
            let mbid = Mbid::parse(&canonical).unwrap();
            let displayed = mbid.to_string();
            prop_assert_eq!(&displayed, &canonical);
            prop_assert_eq!(&Mbid::parse(&displayed).unwrap(), &mbid);
            let link = format!("https://musicbrainz.org/{entity}/{canonical}");
            prop_assert_eq!(&Mbid::parse(&link).unwrap(), &mbid);
        }

        #[test]
        fn arbitrary_input_never_panics(input in any::<String>()) {
            if let Ok(mbid) = Mbid::parse(&input) {
                prop_assert_eq!(mbid.as_str().len(), 36);
            }
        }
    }
}
