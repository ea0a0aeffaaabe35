//! The International Standard Recording Code (ISO 3901), the strongest key SoulSpot has for
//! matching a library file to a wanted track.
//!
//! Spotify, MusicBrainz and file tags write ISRCs with and without hyphens and in either case, so
//! [`Isrc::parse`] accepts all of those spellings and keeps one canonical form: twelve uppercase
//! characters without separators. Two spellings of the same code therefore compare equal.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Number of characters in a canonical ISRC.
const ISRC_LENGTH: usize = 12;

/// A validated ISRC in canonical form, for example `USRC17607839`.
///
/// The layout is: a two-letter country code, a three-character registrant code (letters or
/// digits), the last two digits of the reference year, and a five-digit designation code.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Isrc(String);

/// Why a string is not an ISRC. Every variant keeps the input it rejected so the message can
/// show it to whoever typed or imported it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IsrcError {
    #[error("an ISRC cannot be empty")]
    Empty,
    #[error("ISRC {input:?} has {found} characters without separators, but an ISRC has exactly 12")]
    WrongLength { input: String, found: usize },
    #[error(
        "ISRC {input:?} does not start with a two-letter country code (found {country_code:?})"
    )]
    InvalidCountryCode { input: String, country_code: String },
    #[error(
        "ISRC {input:?} has an invalid registrant code {registrant_code:?} (expected 3 letters or digits)"
    )]
    InvalidRegistrantCode {
        input: String,
        registrant_code: String,
    },
    #[error("ISRC {input:?} has an invalid year {year:?} (expected two digits)")]
    InvalidYear { input: String, year: String },
    #[error(
        "ISRC {input:?} has an invalid designation code {designation_code:?} (expected five digits)"
    )]
    InvalidDesignationCode {
        input: String,
        designation_code: String,
    },
}

impl Isrc {
    /// Parses an ISRC written in any of the usual ways.
    ///
    /// Surrounding whitespace, hyphens and inner whitespace are dropped and letters are
    /// uppercased before the layout is checked, so `us-rc1-76-07839` and `USRC17607839` are the
    /// same code.
    pub fn parse(input: &str) -> Result<Self, IsrcError> {
        let canonical_characters: Vec<char> = input
            .chars()
            .filter(|character| *character != '-' && !character.is_whitespace())
            .map(|character| character.to_ascii_uppercase())
            .collect();

        if canonical_characters.is_empty() {
            return Err(IsrcError::Empty);
        }
        if canonical_characters.len() != ISRC_LENGTH {
            return Err(IsrcError::WrongLength {
                input: input.to_owned(),
                found: canonical_characters.len(),
            });
        }

        // The length check above makes these fixed slices safe; they are char slices, so
        // non-ASCII input cannot split a multi-byte character.
        let (country_code, rest) = canonical_characters.split_at(2);
        let (registrant_code, rest) = rest.split_at(3);
        let (year, designation_code) = rest.split_at(2);

        if !country_code.iter().all(char::is_ascii_uppercase) {
            return Err(IsrcError::InvalidCountryCode {
                input: input.to_owned(),
                country_code: country_code.iter().collect(),
            });
        }
        if !registrant_code
            .iter()
            .all(|character| character.is_ascii_uppercase() || character.is_ascii_digit())
        {
            return Err(IsrcError::InvalidRegistrantCode {
                input: input.to_owned(),
                registrant_code: registrant_code.iter().collect(),
            });
        }
        if !year.iter().all(char::is_ascii_digit) {
            return Err(IsrcError::InvalidYear {
                input: input.to_owned(),
                year: year.iter().collect(),
            });
        }
        if !designation_code.iter().all(char::is_ascii_digit) {
            return Err(IsrcError::InvalidDesignationCode {
                input: input.to_owned(),
                designation_code: designation_code.iter().collect(),
            });
        }

        Ok(Self(canonical_characters.into_iter().collect()))
    }

    /// The canonical twelve-character form, for example `USRC17607839`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The two-letter country code, for example `US`.
    pub fn country_code(&self) -> &str {
        &self.0[0..2]
    }

    /// The three-character registrant code, for example `RC1`.
    pub fn registrant_code(&self) -> &str {
        &self.0[2..5]
    }

    /// The last two digits of the reference year, for example `76`.
    pub fn year(&self) -> &str {
        &self.0[5..7]
    }

    /// The five-digit designation code, for example `07839`.
    pub fn designation_code(&self) -> &str {
        &self.0[7..12]
    }

    /// The hyphenated display form `CC-XXX-YY-NNNNN`, for example `US-RC1-76-07839`.
    pub fn hyphenated(&self) -> String {
        format!(
            "{}-{}-{}-{}",
            self.country_code(),
            self.registrant_code(),
            self.year(),
            self.designation_code()
        )
    }
}

impl fmt::Display for Isrc {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl FromStr for Isrc {
    type Err = IsrcError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        Self::parse(input)
    }
}

impl TryFrom<String> for Isrc {
    type Error = IsrcError;

    fn try_from(input: String) -> Result<Self, Self::Error> {
        Self::parse(&input)
    }
}

impl From<Isrc> for String {
    fn from(isrc: Isrc) -> Self {
        isrc.0
    }
}

impl AsRef<str> for Isrc {
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

    #[test]
    fn parses_the_canonical_form() {
        let isrc = Isrc::parse("USRC17607839").unwrap();
        assert_eq!(isrc.as_str(), "USRC17607839");
        assert_eq!(isrc.country_code(), "US");
        assert_eq!(isrc.registrant_code(), "RC1");
        assert_eq!(isrc.year(), "76");
        assert_eq!(isrc.designation_code(), "07839");
    }

    #[test]
    fn accepts_hyphens_lowercase_and_whitespace() {
        let expected = Isrc::parse("USRC17607839").unwrap();
        for spelling in [
            "US-RC1-76-07839",
            "  us-rc1-76-07839\n",
            "us rc1 76 07839",
            "Us-Rc1-7607839",
            "\tUSRC17607839 ",
        ] {
            assert_eq!(Isrc::parse(spelling).unwrap(), expected, "{spelling:?}");
        }
    }

    #[test]
    fn displays_canonical_and_hyphenated_forms() {
        let isrc = Isrc::parse("gb-aye-66-00021").unwrap();
        assert_eq!(isrc.to_string(), "GBAYE6600021");
        assert_eq!(isrc.hyphenated(), "GB-AYE-66-00021");
    }

    #[test]
    fn rejects_empty_and_separator_only_input() {
        assert_eq!(Isrc::parse(""), Err(IsrcError::Empty));
        assert_eq!(Isrc::parse("   "), Err(IsrcError::Empty));
        assert_eq!(Isrc::parse(" - - "), Err(IsrcError::Empty));
    }

    #[test]
    fn rejects_wrong_length_and_keeps_the_input() {
        assert_eq!(
            Isrc::parse("USRC1760783"),
            Err(IsrcError::WrongLength {
                input: "USRC1760783".to_owned(),
                found: 11
            })
        );
        assert!(matches!(
            Isrc::parse("USRC176078390"),
            Err(IsrcError::WrongLength { found: 13, .. })
        ));
    }

    #[test]
    fn says_which_part_is_invalid() {
        assert_eq!(
            Isrc::parse("1SRC17607839"),
            Err(IsrcError::InvalidCountryCode {
                input: "1SRC17607839".to_owned(),
                country_code: "1S".to_owned()
            })
        );
        assert_eq!(
            Isrc::parse("USR_17607839"),
            Err(IsrcError::InvalidRegistrantCode {
                input: "USR_17607839".to_owned(),
                registrant_code: "R_1".to_owned()
            })
        );
        assert_eq!(
            Isrc::parse("us-rc1-7a-07839"),
            Err(IsrcError::InvalidYear {
                input: "us-rc1-7a-07839".to_owned(),
                year: "7A".to_owned()
            })
        );
        assert_eq!(
            Isrc::parse("USRC1760783X"),
            Err(IsrcError::InvalidDesignationCode {
                input: "USRC1760783X".to_owned(),
                designation_code: "0783X".to_owned()
            })
        );
    }

    #[test]
    fn rejects_non_ascii_letters_without_panicking() {
        // "É" is one character but two bytes: slicing by bytes would panic here.
        assert!(matches!(
            Isrc::parse("ÉSRC17607839"),
            Err(IsrcError::InvalidCountryCode { .. })
        ));
        assert!(matches!(
            Isrc::parse("USRC176078３９"),
            Err(IsrcError::InvalidDesignationCode { .. })
        ));
    }

    #[test]
    fn serde_uses_the_canonical_string() {
        let deserializer: StringDeserializer<DeserializeError> =
            "us-rc1-76-07839".to_owned().into_deserializer();
        let isrc = Isrc::deserialize(deserializer).unwrap();
        assert_eq!(String::from(isrc), "USRC17607839");

        let invalid: StringDeserializer<DeserializeError> = "nope".to_owned().into_deserializer();
        assert!(Isrc::deserialize(invalid).is_err());
    }

    #[test]
    fn from_str_matches_parse() {
        assert_eq!(
            "US-RC1-76-07839".parse::<Isrc>(),
            Isrc::parse("USRC17607839")
        );
    }

    /// A valid ISRC in canonical form.
    fn canonical_isrc() -> impl Strategy<Value = String> {
        "[A-Z]{2}[A-Z0-9]{3}[0-9]{7}"
    }

    /// Re-spells a canonical ISRC with random letter case and hyphens between characters.
    fn respelled(canonical: &str, lowercase_mask: &[bool], hyphen_mask: &[bool]) -> String {
        let mut spelling = String::new();
        for (index, character) in canonical.chars().enumerate() {
            if hyphen_mask[index] {
                spelling.push('-');
            }
            if lowercase_mask[index] {
                spelling.push(character.to_ascii_lowercase());
            } else {
                spelling.push(character);
            }
        }
        spelling
    }

    proptest! {
        #[test]
        fn any_case_and_hyphenation_parses_to_the_same_isrc(
            canonical in canonical_isrc(),
            lowercase_mask in proptest::collection::vec(any::<bool>(), ISRC_LENGTH),
            hyphen_mask in proptest::collection::vec(any::<bool>(), ISRC_LENGTH),
        ) {
            let spelling = respelled(&canonical, &lowercase_mask, &hyphen_mask);
            let parsed = Isrc::parse(&spelling).unwrap();
            prop_assert_eq!(parsed, Isrc::parse(&canonical).unwrap());
        }

        #[test]
        fn canonical_and_hyphenated_forms_round_trip(canonical in canonical_isrc()) {
            let isrc = Isrc::parse(&canonical).unwrap();
            prop_assert_eq!(isrc.as_str(), canonical.as_str());
            let displayed = isrc.to_string();
            prop_assert_eq!(&displayed, &canonical);
            prop_assert_eq!(Isrc::parse(&displayed).unwrap(), isrc.clone());
            prop_assert_eq!(Isrc::parse(&isrc.hyphenated()).unwrap(), isrc);
        }

        #[test]
        fn arbitrary_input_never_panics(input in any::<String>()) {
            if let Ok(isrc) = Isrc::parse(&input) {
                prop_assert_eq!(isrc.as_str().len(), ISRC_LENGTH);
            }
        }
    }
}
