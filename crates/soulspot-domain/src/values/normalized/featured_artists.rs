//! Taking featured artists out of artist strings and titles, so that "Song (feat. B)" from
//! Spotify and "Song" with `B` in the artist tag produce the same matching key.
//!
//! Like the keys themselves, the split is only for matching: stored titles keep their
//! featuring part exactly as written.

use crate::values::case_insensitive::strip_prefix_ignoring_case;

/// An artist string or title with its featured artists taken out.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct FeaturedSplit {
    /// The text without the featuring part, trimmed but otherwise as written.
    pub main: String,
    /// The featured artists in order, each trimmed but otherwise as written.
    pub featured: Vec<String>,
}

/// Keywords that introduce featured artists, matched as whole words in any ASCII case, each
/// optionally followed by a dot. "with" is deliberately absent: "Duet with Myself" and "Dancing
/// with Myself" are titles, not features.
const FEATURING_KEYWORDS: [&str; 3] = ["featuring", "feat", "ft"];

/// How many featuring keywords one call looks at, counting those it leaves alone. Real titles
/// have one or two; the bound keeps a hostile tag made of thousands of "ft" cheap, since each
/// look costs a pass over the text.
const MAX_FEATURING_MARKERS_EXAMINED: usize = 64;

/// Takes the featured artists out of an artist string or a title.
///
/// Finds `feat`, `feat.`, `ft`, `ft.` or `featuring` as a whole word, in any case, either inline
/// ("Artist A feat. B & C") or inside brackets ("Song (feat. B)", "Song [ft. B]",
/// "Song (Remix feat. B)"), and splits the names after it on `,`, `&` and the word `and`. Inline,
/// the names run up to the next bracket, ` - ` or featuring keyword, so "Song feat. B - Live"
/// keeps " - Live" in the main part. Words that merely contain the letters ("Daft Punk",
/// "Defeated") are left alone, and so is a keyword with nothing before it ("Ft. Lauderdale") or no
/// name after it. A featured band whose name holds a separator ("Earth, Wind & Fire") comes out in
/// pieces; matching keys use only the main part, so they do not suffer from it.
pub fn split_featured_artists(text: &str) -> FeaturedSplit {
    let mut main = text.trim().to_owned();
    let mut featured = Vec::new();
    let mut search_from = 0;
    for _ in 0..MAX_FEATURING_MARKERS_EXAMINED {
        let Some(marker) = find_featuring_marker(&main, search_from) else {
            break;
        };
        match cut_featured_part(&main, &marker) {
            Some((remaining, names)) => {
                featured.extend(names);
                main = remaining;
                // The cut changed positions; markers skipped before are skipped again.
                search_from = 0;
            }
            None => search_from = marker.content_start,
        }
    }
    FeaturedSplit { main, featured }
}

/// Where a featuring keyword sits in a text.
#[derive(Debug, Clone, Copy)]
struct FeaturingMarker {
    /// Byte index where the keyword starts.
    keyword_start: usize,
    /// Byte index just after the keyword, its dot and the whitespace after them.
    content_start: usize,
}

/// Finds the first featuring keyword at or after byte `search_from` that stands as a word.
fn find_featuring_marker(text: &str, search_from: usize) -> Option<FeaturingMarker> {
    let mut previous_character: Option<char> = None;
    for (index, character) in text.char_indices() {
        let starts_a_word = previous_character
            .is_none_or(|previous| previous.is_whitespace() || previous == '(' || previous == '[');
        previous_character = Some(character);
        if index < search_from || !starts_a_word {
            continue;
        }
        let Some(rest) = text.get(index..) else {
            continue;
        };
        for keyword in FEATURING_KEYWORDS {
            let Some(after_keyword) = strip_prefix_ignoring_case(rest, keyword) else {
                continue;
            };
            let (has_dot, after_dot) = match after_keyword.strip_prefix('.') {
                Some(after_dot) => (true, after_dot),
                None => (false, after_keyword),
            };
            let after_whitespace = after_dot.trim_start();
            let followed_by_whitespace = after_whitespace.len() < after_dot.len();
            // "feat.B" is a feature; "feather" and "ftp" are not.
            let followed_by_name = after_dot
                .chars()
                .next()
                .is_some_and(|next| has_dot && next.is_alphanumeric());
            if (followed_by_whitespace || followed_by_name) && !after_whitespace.is_empty() {
                return Some(FeaturingMarker {
                    keyword_start: index,
                    content_start: text.len() - after_whitespace.len(),
                });
            }
        }
    }
    None
}

/// Removes the featuring part that `marker` starts from `text`. Returns the remaining text and
/// the featured names, or `None` when the keyword has no text before it or no names after it.
fn cut_featured_part(text: &str, marker: &FeaturingMarker) -> Option<(String, Vec<String>)> {
    let before_keyword = &text[..marker.keyword_start];
    let (kept_before, featured_text, kept_after) = match innermost_open_bracket(before_keyword) {
        Some((open_index, open_bracket)) => {
            let close_bracket = if open_bracket == '(' { ')' } else { ']' };
            let close_index =
                matching_close_bracket(text, marker.content_start, open_bracket, close_bracket)
                    .unwrap_or(text.len());
            let featured_text = &text[marker.content_start..close_index];
            let bracket_opens_with_keyword =
                text[open_index + 1..marker.keyword_start].trim().is_empty();
            if bracket_opens_with_keyword {
                // "Song (feat. B) (Remix)": the whole bracket goes.
                let after_close = text
                    .get(close_index + close_bracket.len_utf8()..)
                    .unwrap_or("");
                (&text[..open_index], featured_text, after_close)
            } else {
                // "Song (Remix feat. B)": the bracket stays, closed right after "Remix".
                (before_keyword, featured_text, &text[close_index..])
            }
        }
        None => {
            let rest = &text[marker.content_start..];
            let run_end = [
                rest.find(['(', '[']),
                rest.find(" - "),
                find_featuring_marker(rest, 1).map(|next| next.keyword_start),
            ]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(rest.len());
            (before_keyword, &rest[..run_end], &rest[run_end..])
        }
    };

    let kept_before = kept_before.trim();
    let names = split_featured_names(featured_text);
    if kept_before.is_empty() || names.is_empty() {
        return None;
    }
    let kept_after = kept_after.trim();
    let remaining = if kept_after.is_empty() {
        kept_before.to_owned()
    } else if kept_after.starts_with([')', ']']) {
        format!("{kept_before}{kept_after}")
    } else {
        format!("{kept_before} {kept_after}")
    };
    Some((remaining, names))
}

/// The byte index and character of the innermost bracket still open at the end of `text`.
fn innermost_open_bracket(text: &str) -> Option<(usize, char)> {
    let mut open_brackets: Vec<(usize, char)> = Vec::new();
    for (index, character) in text.char_indices() {
        match character {
            '(' | '[' => open_brackets.push((index, character)),
            ')' | ']' => {
                let opener = if character == ')' { '(' } else { '[' };
                if open_brackets
                    .last()
                    .is_some_and(|(_, open)| *open == opener)
                {
                    open_brackets.pop();
                }
            }
            _ => {}
        }
    }
    open_brackets.pop()
}

/// The byte index of the bracket that closes one opened before `from`, skipping nested pairs.
fn matching_close_bracket(
    text: &str,
    from: usize,
    open_bracket: char,
    close_bracket: char,
) -> Option<usize> {
    let mut depth = 0_usize;
    for (offset, character) in text.get(from..)?.char_indices() {
        if character == open_bracket {
            depth += 1;
        } else if character == close_bracket {
            if depth == 0 {
                return Some(from + offset);
            }
            depth -= 1;
        }
    }
    None
}

/// Splits a list of featured names on `,`, `&` and the word `and`; drops empty pieces.
fn split_featured_names(list: &str) -> Vec<String> {
    list.split([',', '&'])
        .flat_map(split_on_word_and)
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Splits on "and" standing between whitespace, in any case, leaving "Sandy" and "Andy" whole.
fn split_on_word_and(text: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut piece_start = 0;
    let mut previous_character: Option<char> = None;
    for (index, character) in text.char_indices() {
        let after_whitespace = previous_character.is_some_and(char::is_whitespace);
        previous_character = Some(character);
        if !after_whitespace || index < piece_start {
            continue;
        }
        let Some(after_word) = text
            .get(index..)
            .and_then(|rest| strip_prefix_ignoring_case(rest, "and"))
        else {
            continue;
        };
        if after_word.starts_with(char::is_whitespace) {
            pieces.push(&text[piece_start..index]);
            piece_start = text.len() - after_word.len();
        }
    }
    pieces.push(&text[piece_start..]);
    pieces
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use proptest::prelude::*;

    fn split(text: &str) -> (String, Vec<String>) {
        let FeaturedSplit { main, featured } = split_featured_artists(text);
        (main, featured)
    }

    fn names(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn splits_inline_featured_artists() {
        assert_eq!(
            split("Artist A feat. B & C"),
            ("Artist A".to_owned(), names(&["B", "C"]))
        );
        assert_eq!(
            split("Artist A ft B, C and D"),
            ("Artist A".to_owned(), names(&["B", "C", "D"]))
        );
        assert_eq!(
            split("Artist A FEATURING Beyoncé"),
            ("Artist A".to_owned(), names(&["Beyoncé"]))
        );
        assert_eq!(
            split("Artist A Ft. B"),
            ("Artist A".to_owned(), names(&["B"]))
        );
        assert_eq!(
            split("Hello feat.World"),
            ("Hello".to_owned(), names(&["World"]))
        );
        assert_eq!(split("  A   feat.   B  "), ("A".to_owned(), names(&["B"])));
    }

    #[test]
    fn splits_bracketed_featured_artists_out_of_titles() {
        assert_eq!(split("Song (feat. B)"), ("Song".to_owned(), names(&["B"])));
        assert_eq!(
            split("Song [ft. B, C & D]"),
            ("Song".to_owned(), names(&["B", "C", "D"]))
        );
        assert_eq!(
            split("Song (Featuring B) (Remix)"),
            ("Song (Remix)".to_owned(), names(&["B"]))
        );
        assert_eq!(
            split("Song (Radio Edit feat. B)"),
            ("Song (Radio Edit)".to_owned(), names(&["B"]))
        );
        assert_eq!(
            split("Song (feat. B (UK)) [Live]"),
            ("Song [Live]".to_owned(), names(&["B (UK)"]))
        );
        assert_eq!(split("Song (feat. B"), ("Song".to_owned(), names(&["B"])));
        assert_eq!(
            split("Song feat. B (Remix)"),
            ("Song (Remix)".to_owned(), names(&["B"]))
        );
        assert_eq!(
            split("Song feat. B - Remastered 2011"),
            ("Song - Remastered 2011".to_owned(), names(&["B"]))
        );
    }

    #[test]
    fn splits_every_featuring_part() {
        assert_eq!(
            split("A feat. B feat. C"),
            ("A".to_owned(), names(&["B", "C"]))
        );
        assert_eq!(
            split("Song (feat. B) [ft. C]"),
            ("Song".to_owned(), names(&["B", "C"]))
        );
    }

    #[test]
    fn splits_names_only_on_whole_word_and() {
        assert_eq!(
            split("Song (feat. Sandy & Andy and Brandon)"),
            ("Song".to_owned(), names(&["Sandy", "Andy", "Brandon"]))
        );
        assert_eq!(
            split("X feat. Sandy AND Andy"),
            ("X".to_owned(), names(&["Sandy", "Andy"]))
        );
    }

    #[test]
    fn leaves_words_that_merely_contain_the_letters() {
        for untouched in [
            "Daft Punk",
            "Left",
            "Soft Cell",
            "Aftermath",
            "Defeated",
            "Feather",
            "Ftp Server",
            "Left Feat",
            "Ft. Lauderdale",
            "Song (feat.)",
            "Song (feat. )",
            "Dancing with Myself",
            "Earth, Wind & Fire",
            "Simon and Garfunkel",
            "",
        ] {
            assert_eq!(
                split(untouched),
                (untouched.trim().to_owned(), Vec::new()),
                "{untouched:?}"
            );
        }
    }

    #[test]
    fn looks_at_a_bounded_number_of_keywords() {
        let hostile = format!("A{}", " ft B".repeat(MAX_FEATURING_MARKERS_EXAMINED * 2));
        let FeaturedSplit { main, featured } = split_featured_artists(&hostile);
        assert_eq!(featured.len(), MAX_FEATURING_MARKERS_EXAMINED);
        assert!(main.starts_with("A ft B"));
    }

    fn has_no_featuring_keyword(text: &str) -> bool {
        let lowercase = text.to_ascii_lowercase();
        !lowercase.contains("ft") && !lowercase.contains("feat")
    }

    /// Text assembled from the pieces the splitter reacts to, so random inputs reach its
    /// bracket, separator and keyword handling instead of rarely containing "feat".
    fn keyword_heavy_text() -> impl Strategy<Value = String> {
        let pieces = vec![
            "feat",
            "feat.",
            "ft",
            "ft.",
            "featuring",
            "FT.",
            "and",
            "And",
            " ",
            "  ",
            "(",
            ")",
            "[",
            "]",
            ",",
            "&",
            " - ",
            "-",
            ".",
            "A",
            "Song",
            "é",
            "日本",
            "\t",
        ];
        proptest::collection::vec(proptest::sample::select(pieces), 0..24)
            .prop_map(|pieces| pieces.concat())
    }

    /// Ways the keywords are written in the wild.
    const FEATURING_SPELLINGS: [&str; 8] = [
        "feat.",
        "feat",
        "ft.",
        "ft",
        "featuring",
        "Feat.",
        "FT",
        "Featuring",
    ];

    /// A word that is not one of the featuring keywords or "and".
    fn plain_word() -> impl Strategy<Value = String> {
        "[A-Z][a-z]{1,8}".prop_filter("keywords split names", |word| {
            !["ft", "feat", "featuring", "and"].contains(&word.to_ascii_lowercase().as_str())
        })
    }

    proptest! {
        #[test]
        fn splitting_never_panics_and_trims(text in any::<String>()) {
            let FeaturedSplit { main, featured } = split_featured_artists(&text);
            prop_assert_eq!(main.trim(), main.as_str());
            for name in &featured {
                prop_assert!(!name.is_empty());
                prop_assert_eq!(name.trim(), name.as_str());
            }
        }

        #[test]
        fn splitting_keyword_heavy_text_keeps_its_promises(text in keyword_heavy_text()) {
            let FeaturedSplit { main, featured } = split_featured_artists(&text);
            prop_assert_eq!(main.trim(), main.as_str());
            // A cut needs text before the keyword, so a non-blank input keeps a non-empty main.
            prop_assert_eq!(main.is_empty(), text.trim().is_empty());
            for name in &featured {
                prop_assert!(!name.is_empty());
                prop_assert_eq!(name.trim(), name.as_str());
                prop_assert!(!name.contains([',', '&']), "{name:?}");
            }
        }

        #[test]
        fn text_without_keywords_is_left_whole(text in any::<String>()) {
            prop_assume!(has_no_featuring_keyword(&text));
            prop_assert_eq!(split(&text), (text.trim().to_owned(), Vec::new()));
        }

        #[test]
        fn generated_features_split_back_into_their_parts(
            main_words in proptest::collection::vec(plain_word(), 1..4),
            featured in proptest::collection::vec(plain_word(), 1..4),
            keyword in proptest::sample::select(FEATURING_SPELLINGS.to_vec()),
            bracketed in any::<bool>(),
        ) {
            let main = main_words.join(" ");
            let list = featured.join(", ");
            let text = if bracketed {
                format!("{main} ({keyword} {list})")
            } else {
                format!("{main} {keyword} {list}")
            };
            prop_assert_eq!(split(&text), (main, featured));
        }
    }
}
