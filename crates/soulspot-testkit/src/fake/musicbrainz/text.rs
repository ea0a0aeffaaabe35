//! Identifiers, the User-Agent rule and text analysis of the fake MusicBrainz: deterministic
//! MBIDs, what the web service accepts as an MBID or ISRC, which User-Agents it refuses, and the
//! diacritic-folding tokeniser its search (and the LRCLIB fake's matching) uses.

use sha2::{Digest, Sha256};

/// First product tokens of HTTP libraries' default User-Agents, which MusicBrainz blocks.
const GENERIC_USER_AGENT_PRODUCTS: &[&str] = &[
    "python-requests",
    "python-urllib",
    "python-urllib3",
    "python-httpx",
    "aiohttp",
    "curl",
    "wget",
    "go-http-client",
    "hyper",
    "reqwest",
    "okhttp",
    "java",
    "apache-httpclient",
    "axios",
    "node-fetch",
    "undici",
    "libwww-perl",
    "ruby",
    "faraday",
    "dart",
    "rest-client",
];

/// A UUID-v4-shaped MBID derived from `key` (the same key always gives the same id).
pub fn deterministic_mbid(key: &str) -> String {
    let digest = Sha256::digest(format!("soulspot-fake-musicbrainz/{key}").as_bytes());
    let mut bytes = [0_u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// A hyphenated 8-4-4-4-12 UUID in either case: what the web service accepts in a path.
pub fn is_valid_mbid(candidate: &str) -> bool {
    candidate.len() == 36
        && candidate.char_indices().all(|(position, character)| {
            if matches!(position, 8 | 13 | 18 | 23) {
                character == '-'
            } else {
                character.is_ascii_hexdigit()
            }
        })
}

/// Two letters, three alphanumerics, seven digits (case-insensitive).
pub(super) fn is_valid_isrc(candidate: &str) -> bool {
    let bytes = candidate.as_bytes();
    bytes.len() == 12
        && bytes[..2].iter().all(u8::is_ascii_alphabetic)
        && bytes[2..5].iter().all(u8::is_ascii_alphanumeric)
        && bytes[5..].iter().all(u8::is_ascii_digit)
}

/// "The Beatles" sorts as "Beatles, The"; other names sort as themselves.
pub(super) fn default_sort_name(name: &str) -> String {
    match name.strip_prefix("The ") {
        Some(rest) => format!("{rest}, The"),
        None => name.to_owned(),
    }
}

/// Why a User-Agent is refused, or `None` when it is meaningful.
pub fn user_agent_refusal(user_agent: Option<&str>) -> Option<&'static str> {
    let user_agent = user_agent.map(str::trim).unwrap_or_default();
    if user_agent.is_empty() {
        return Some("a User-Agent header is required");
    }
    let product = user_agent.split_whitespace().next().unwrap_or_default();
    let product_name = product.split('/').next().unwrap_or_default();
    if GENERIC_USER_AGENT_PRODUCTS
        .iter()
        .any(|generic| product_name.eq_ignore_ascii_case(generic))
    {
        return Some("generic HTTP library User-Agents are blocked");
    }
    let has_version = product
        .split_once('/')
        .is_some_and(|(name, version)| !name.is_empty() && !version.is_empty());
    let has_contact = user_agent
        .split('(')
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .any(|comment| {
            comment.contains('@')
                || comment.contains("://")
                || comment.contains("www.")
                || comment.contains("http")
        });
    if has_version || has_contact {
        None
    } else {
        Some("the User-Agent must name the application and its version, or a contact")
    }
}

// ----- Text analysis, shared with the LRCLIB fake ------------------------------------------

/// Lowercases and folds Latin letters with diacritics to ASCII ("Björk" → "bjork", "Æ" → "ae"),
/// as MusicBrainz's search analyzer and LRCLIB's matching do.
pub(crate) fn fold_to_ascii_lowercase(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for character in text.chars().flat_map(char::to_lowercase) {
        let replacement = match character {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
            'æ' => "ae",
            'ç' | 'ć' | 'č' => "c",
            'ď' | 'đ' | 'ð' => "d",
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
            'ğ' => "g",
            'ì' | 'í' | 'î' | 'ï' | 'ī' | 'ı' => "i",
            'ł' => "l",
            'ñ' | 'ń' | 'ň' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
            'œ' => "oe",
            'ř' => "r",
            'ś' | 'š' | 'ş' => "s",
            'ß' => "ss",
            'ť' | 'ţ' => "t",
            'þ' => "th",
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => "u",
            'ý' | 'ÿ' => "y",
            'ź' | 'ż' | 'ž' => "z",
            other => {
                folded.push(other);
                continue;
            }
        };
        folded.push_str(replacement);
    }
    folded
}

/// The search tokens of a text: folded words, split at anything that is not a letter or digit.
pub(super) fn search_tokens(text: &str) -> Vec<String> {
    fold_to_ascii_lowercase(text)
        .split(|character: char| !character.is_alphanumeric())
        .filter(|token| !token.is_empty())
        .map(str::to_owned)
        .collect()
}
