//! Matching keys: the folded forms of artist names and titles that let a library file find the
//! wanted track it belongs to when neither ISRC nor MusicBrainz id is available.
//!
//! These forms exist only to be compared. The names and titles SoulSpot stores and shows stay
//! exactly as Spotify or the tags wrote them; a [`NormalizedName`] lives beside them, in a
//! `normalized_*` column, and is rebuilt from them whenever they change.
//!
//! The other half of matching, taking featured artists out of a title or artist string, lives in
//! the `featured_artists` submodule; [`title_match_key`] combines the two.

use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use unicode_normalization::char::{decompose_compatible, is_combining_mark};

mod featured_artists;

pub use featured_artists::{FeaturedSplit, split_featured_artists};

/// How often one character may be decomposed or lowercased into others before giving up. Real
/// Unicode data needs at most two rounds; the bound only guarantees termination.
const MAX_FOLDING_DEPTH: u8 = 4;

/// A name or title folded into a key for matching, never for display.
///
/// [`NormalizedName::new`] applies, in order:
/// 1. Unicode compatibility decomposition (NFKD), so `ﬁ` becomes `fi`, fullwidth letters become
///    ASCII, and accented letters split into a base letter and combining marks;
/// 2. removal of every combining mark, so `é` becomes `e` and `ñ` becomes `n` (in scripts that
///    write vowels as marks, such as Devanagari, those vowels go too: keys stay comparable, not
///    readable);
/// 3. folding of letters NFKD leaves whole: `ß`→`ss`, `æ`→`ae`, `œ`→`oe`, `ø`→`o`, `ł`→`l`,
///    `đ`/`ð`→`d`, `þ`→`th`, `ı`→`i`, `ħ`→`h`, `ŧ`→`t`, `ȷ`→`j`, and Greek final `ς`→`σ`;
/// 4. full Unicode lowercasing;
/// 5. `&` becomes the word `and`, so "Simon & Garfunkel" meets "Simon and Garfunkel";
/// 6. every other character that is not a letter or digit (punctuation, symbols, apostrophes,
///    control and format characters) becomes a space;
/// 7. runs of spaces collapse to one and the ends are trimmed.
///
/// A leading "the" is kept: dropping it would make "The The" empty and merge bands that differ by
/// it, and the simple rule is easier to predict. Letters of other scripts (日本語, Кино) stay as
/// lowercase letters, so a name with any letter or digit never folds to an empty key; a name made
/// only of punctuation ("!!!") does, and callers must not treat two empty keys as a match.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub struct NormalizedName(String);

impl NormalizedName {
    /// Folds `text` into its matching key. Folding a key again leaves it unchanged.
    pub fn new(text: &str) -> Self {
        let mut spaced_key = String::with_capacity(text.len());
        for character in text.chars() {
            push_folded(character, &mut spaced_key, 0);
        }
        let words: Vec<&str> = spaced_key
            .split(' ')
            .filter(|word| !word.is_empty())
            .collect();
        Self(words.join(" "))
    }

    /// The key: lowercase letters and digits separated by single spaces.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the input had no letter or digit at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Appends the folded form of one character to `key`, with a space standing for a separator.
fn push_folded(character: char, key: &mut String, depth: u8) {
    if character.is_ascii() {
        match character {
            'A'..='Z' | 'a'..='z' | '0'..='9' => key.push(character.to_ascii_lowercase()),
            '&' => key.push_str(" and "),
            _ => key.push(' '),
        }
        return;
    }
    if depth > MAX_FOLDING_DEPTH {
        key.push(' ');
        return;
    }

    let mut decomposes = false;
    decompose_compatible(character, |part| decomposes |= part != character);
    if decomposes {
        decompose_compatible(character, |part| push_folded(part, key, depth + 1));
        return;
    }
    if is_combining_mark(character) {
        return;
    }
    if let Some(folded) = folded_letter(character) {
        key.push_str(folded);
        return;
    }
    if !character.to_lowercase().eq([character]) {
        // The lowercase form may itself decompose or fold (`ẞ` lowercases to `ß`).
        for lowercase in character.to_lowercase() {
            push_folded(lowercase, key, depth + 1);
        }
        return;
    }
    if let Some(letter) = enclosed_capital_letter(character) {
        key.push(letter);
        return;
    }
    // A few symbols count as uppercase yet have no lowercase form; they must not leak uppercase
    // into a key, and as symbols they separate words.
    if character.is_alphanumeric() && !character.is_uppercase() {
        key.push(character);
    } else {
        key.push(' ');
    }
}

/// Letters that compatibility decomposition leaves whole but readers treat as plain Latin (or, for
/// `ς`, as the ordinary sigma), already lowercase.
fn folded_letter(character: char) -> Option<&'static str> {
    Some(match character {
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        'ø' => "o",
        'ł' => "l",
        'đ' | 'ð' => "d",
        'þ' => "th",
        'ı' => "i",
        'ħ' => "h",
        'ŧ' => "t",
        'ȷ' => "j",
        'ς' => "σ",
        _ => return None,
    })
}

/// The negative circled and negative squared capital letters (🅐, 🅰) are letters with no
/// decomposition and no lowercase form; they are decorated Latin letters, so they fold to one.
fn enclosed_capital_letter(character: char) -> Option<char> {
    let offset = match u32::from(character) {
        code_point @ 0x1F150..=0x1F169 => code_point - 0x1F150,
        code_point @ 0x1F170..=0x1F189 => code_point - 0x1F170,
        _ => return None,
    };
    char::from_u32(u32::from('a') + offset)
}

impl fmt::Display for NormalizedName {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl FromStr for NormalizedName {
    type Err = Infallible;

    /// Folds any string; parsing cannot fail.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(Self::new(text))
    }
}

impl From<&str> for NormalizedName {
    fn from(text: &str) -> Self {
        Self::new(text)
    }
}

/// Folds again on the way in, so a key read back from storage is a key even if the rules changed
/// or someone wrote the column by hand.
impl From<String> for NormalizedName {
    fn from(text: String) -> Self {
        Self::new(&text)
    }
}

impl From<NormalizedName> for String {
    fn from(name: NormalizedName) -> Self {
        name.0
    }
}

impl AsRef<str> for NormalizedName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// The matching key of a title: the title without its featured artists, normalised.
pub fn title_match_key(title: &str) -> NormalizedName {
    NormalizedName::new(&split_featured_artists(title).main)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use proptest::prelude::*;

    fn normalized(text: &str) -> String {
        NormalizedName::new(text).as_str().to_owned()
    }

    #[test]
    fn drops_accents_and_folds_special_letters() {
        assert_eq!(normalized("Beyoncé"), "beyonce");
        assert_eq!(normalized("Mañana"), "manana");
        assert_eq!(normalized("Sigur Rós"), "sigur ros");
        assert_eq!(normalized("Motörhead"), "motorhead");
        assert_eq!(normalized("Straße"), "strasse");
        assert_eq!(normalized("GROSSE STRAẞE"), "grosse strasse");
        assert_eq!(normalized("Æon"), "aeon");
        assert_eq!(normalized("Œuvre"), "oeuvre");
        assert_eq!(normalized("Røyksopp"), "royksopp");
        assert_eq!(normalized("Łódź"), "lodz");
        assert_eq!(normalized("Đorđe Balašević"), "dorde balasevic");
        assert_eq!(normalized("Þór"), "thor");
        assert_eq!(normalized("Iı İstanbul"), "ii istanbul");
    }

    #[test]
    fn applies_compatibility_forms_and_lowercase() {
        assert_eq!(normalized("ﬁnal ﬂight"), "final flight");
        assert_eq!(normalized("Ｆｕｌｌｗｉｄｔｈ"), "fullwidth");
        assert_eq!(normalized("Mambo No. ⑤"), "mambo no 5");
        assert_eq!(normalized("ΟΔΟΣ"), normalized("οδος"));
        assert_eq!(normalized("𝐁𝐨𝐥𝐝"), "bold");
        assert_eq!(normalized("🅐🅑🅒"), "abc");
    }

    #[test]
    fn turns_ampersand_into_and_and_punctuation_into_spaces() {
        assert_eq!(normalized("Simon & Garfunkel"), "simon and garfunkel");
        assert_eq!(normalized("Simon&Garfunkel"), "simon and garfunkel");
        assert_eq!(normalized("AC/DC"), "ac dc");
        assert_eq!(normalized("  Hello,   World!! "), "hello world");
        assert_eq!(normalized("Don't Stop Me Now"), "don t stop me now");
        assert_eq!(normalized("Guns N’ Roses"), "guns n roses");
        assert_eq!(
            normalized("Tab\there\nnewline\u{200B}zero-width"),
            "tab here newline zero width"
        );
        assert_eq!(normalized("P!nk"), "p nk");
        assert_eq!(normalized("$uicideboy$"), "uicideboy");
    }

    #[test]
    fn keeps_a_leading_the() {
        assert_eq!(normalized("The Beatles"), "the beatles");
        assert_eq!(normalized("The The"), "the the");
    }

    #[test]
    fn keeps_other_scripts_as_lowercase_letters() {
        assert_eq!(normalized("日本語"), "日本語");
        assert_eq!(normalized("Кино"), "кино");
        assert_eq!(normalized("ДДТ — Осень"), "ддт осень");
        assert_eq!(normalized("Ελληνικά"), "ελληνικα");
        assert_eq!(normalized("שלום"), "שלום");
        assert!(!normalized("ガガ").is_empty());
        assert!(!normalized("한국어").is_empty());
    }

    #[test]
    fn punctuation_only_names_fold_to_an_empty_key() {
        assert!(NormalizedName::new("!!!").is_empty());
        assert!(NormalizedName::new("").is_empty());
        assert!(NormalizedName::new(" \u{301} ").is_empty());
    }

    #[test]
    fn conversions_fold_every_input() {
        assert_eq!(
            "Beyoncé".parse::<NormalizedName>().unwrap().as_str(),
            "beyonce"
        );
        assert_eq!(
            NormalizedName::from(String::from("A & B")).to_string(),
            "a and b"
        );
        assert_eq!(String::from(NormalizedName::from("Ø")), "o");
    }

    /// Checks every Unicode scalar value on its own, which proptest's random strings would
    /// rarely reach: each must fold to a key with no uppercase letter or mark that folds to itself.
    #[test]
    fn every_code_point_folds_to_a_stable_key() {
        let mut problems = Vec::new();
        for character in (0..=0x10FFFF_u32).filter_map(char::from_u32) {
            let key = normalized(&character.to_string());
            // Characters such as U+037A (ͺ) or U+FF9E (ﾞ) count as letters but decompose to
            // nothing but marks: they are detached accents, not letters.
            let mut decomposes_to_a_letter_or_digit = false;
            decompose_compatible(character, |part| {
                decomposes_to_a_letter_or_digit |=
                    part.is_alphanumeric() && !is_combining_mark(part);
            });
            let broken = key
                .chars()
                .any(|folded| folded.is_uppercase() || is_combining_mark(folded))
                || normalized(&key) != key
                || (decomposes_to_a_letter_or_digit && key.is_empty());
            if broken {
                problems.push(format!(
                    "U+{:04X} {character:?} -> {key:?}",
                    u32::from(character)
                ));
            }
        }
        assert!(problems.is_empty(), "{problems:#?}");
    }

    #[test]
    fn title_match_key_ignores_featured_artists() {
        assert_eq!(
            title_match_key("Song (feat. B)"),
            NormalizedName::new("song")
        );
        assert_eq!(title_match_key("Song feat. B"), title_match_key("SONG"));
        assert_eq!(
            title_match_key("Song feat. B - Remastered").as_str(),
            "song remastered"
        );
        assert_eq!(title_match_key("Ft. Lauderdale").as_str(), "ft lauderdale");
    }

    /// A word that is not one of the featuring keywords or "and".
    fn plain_word() -> impl Strategy<Value = String> {
        "[A-Z][a-z]{1,8}".prop_filter("keywords split names", |word| {
            !["ft", "feat", "featuring", "and"].contains(&word.to_ascii_lowercase().as_str())
        })
    }

    proptest! {
        #[test]
        fn normalizing_is_idempotent(text in any::<String>()) {
            let once = NormalizedName::new(&text);
            prop_assert_eq!(NormalizedName::new(once.as_str()), once);
        }

        #[test]
        fn keys_are_lowercase_mark_free_and_single_spaced(text in any::<String>()) {
            let key = NormalizedName::new(&text);
            let key = key.as_str();
            prop_assert!(!key.chars().any(char::is_uppercase), "{key:?}");
            prop_assert!(!key.chars().any(is_combining_mark), "{key:?}");
            prop_assert!(!key.contains("  "), "{key:?}");
            prop_assert_eq!(key.trim(), key);
            let only_plain_spaces = key
                .chars()
                .all(|character| !character.is_whitespace() || character == ' ');
            prop_assert!(only_plain_spaces, "{key:?}");
        }

        #[test]
        fn ascii_letters_never_fold_to_an_empty_key(text in any::<String>(), letter in "[A-Za-z]") {
            let surrounded = format!("{text}{letter}{text}");
            prop_assert!(!NormalizedName::new(&surrounded).is_empty());
        }

        #[test]
        fn accents_and_case_do_not_change_the_key(word in "[a-z]{1,12}") {
            let accented: String = word
                .chars()
                .flat_map(|letter| [letter.to_ascii_uppercase(), '\u{301}'])
                .collect();
            let key = NormalizedName::new(&accented);
            prop_assert_eq!(key.as_str(), word.as_str());
        }

        #[test]
        fn title_keys_ignore_featured_artists(
            title_words in proptest::collection::vec(plain_word(), 1..4),
            featured in proptest::collection::vec(plain_word(), 1..4),
            bracketed in any::<bool>(),
        ) {
            let title = title_words.join(" ");
            let list = featured.join(" & ");
            let with_feature = if bracketed {
                format!("{title} (feat. {list})")
            } else {
                format!("{title} ft. {list}")
            };
            prop_assert_eq!(title_match_key(&with_feature), NormalizedName::new(&title));
        }

        #[test]
        fn title_keys_never_panic(title in any::<String>()) {
            let key = title_match_key(&title);
            prop_assert_eq!(NormalizedName::new(key.as_str()), key);
        }
    }
}
