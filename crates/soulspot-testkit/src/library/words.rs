//! The vocabulary of the generated library: word lists and the patterns that turn them into
//! artist names, album titles, track titles and genres.
//!
//! Most words are plain English, as in most Western libraries, but about one word in twelve (and
//! one name in four) is not ASCII, so a generated library meets accents, Japanese, Cyrillic,
//! decomposed accents (a letter followed by a combining mark, as macOS file names store them),
//! emoji, and the characters a file system refuses (`/`) or trims (trailing dots and spaces).

use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;

/// Adjectives for titles and band names.
const ADJECTIVES: &[&str] = &[
    "Silent", "Electric", "Golden", "Broken", "Midnight", "Crimson", "Velvet", "Hollow", "Wild",
    "Paper", "Neon", "Frozen", "Distant", "Secret", "Burning", "Lonely", "Northern", "Glass",
    "Sweet", "Last", "Blue", "Endless", "Quiet", "Restless", "Bitter", "Bright", "Dark", "Lost",
    "Little", "Strange", "Noir", "Fading", "Hidden", "Perfect", "Savage", "Tender",
];
const INTERNATIONAL_ADJECTIVES: &[&str] = &[
    "Tiefe",
    "Schöne",
    "Dernière",
    "Épique",
    "Ultime",
    "Тихая",
    "Белая",
    "青い",
    "Bonne\u{301}",
];

/// Nouns for titles and album titles.
const NOUNS: &[&str] = &[
    "Heart",
    "River",
    "City",
    "Dream",
    "Fire",
    "Ocean",
    "Machine",
    "Garden",
    "Mirror",
    "Highway",
    "Shadow",
    "Light",
    "Storm",
    "Summer",
    "Winter",
    "Echo",
    "Ghost",
    "Horizon",
    "Satellite",
    "Moon",
    "Rain",
    "Signal",
    "Thunder",
    "Honey",
    "Stone",
    "Window",
    "Radio",
    "Desert",
    "Island",
    "Tide",
    "Love",
    "Night",
    "Road",
    "Sky",
    "Home",
    "Paradise",
    "Memory",
    "Silence",
    "Gold",
];
/// The decomposed "Cafe" + U+0301 sits next to its precomposed twin "Café": a scan keeps both
/// exactly as written, and only matching keys may fold them together.
const INTERNATIONAL_NOUNS: &[&str] = &[
    "Café",
    "Cafe\u{301}",
    "Mañana",
    "Über",
    "Ångström",
    "Coração",
    "Łódź",
    "Звезда",
    "Ночь",
    "Весна",
    "夜明け",
    "東京",
    "さくら",
    "花火",
    "Ame\u{301}lie",
    "Fjörður",
    "🔥",
    "🌙",
    "Sól",
];

/// Plural nouns for band names ("The Velvet Satellites").
const PLURAL_NOUNS: &[&str] = &[
    "Wolves",
    "Machines",
    "Lovers",
    "Kings",
    "Strangers",
    "Ghosts",
    "Satellites",
    "Horses",
    "Sparrows",
    "Pilots",
    "Daughters",
    "Sons",
    "Saints",
    "Rebels",
    "Tigers",
    "Echoes",
    "Animals",
    "Brothers",
    "Sisters",
    "Dreamers",
    "Engines",
    "Cowboys",
    "Astronauts",
    "Monks",
];

/// Verbs for titles ("Chase the Light", "Don't Wait").
const VERBS: &[&str] = &[
    "Chase", "Follow", "Hold", "Leave", "Find", "Burn", "Break", "Remember", "Forget", "Call",
    "Wake", "Save", "Lose", "Carry", "Dance", "Run", "Fall", "Wait", "Stay", "Touch",
];

const FIRST_NAMES: &[&str] = &[
    "Anna", "Yuki", "Nadia", "Marcus", "Lena", "Kenji", "Aiko", "Dmitri", "Ingrid", "Mateo",
    "Fatima", "Oskar", "Priya", "Jonas", "Elif", "Noah", "Sven", "Camille", "Hana", "Ruby", "Leo",
    "Maya", "Felix", "Iris", "Omar", "Nina", "Theo", "Clara", "Hugo", "Vera",
];
const INTERNATIONAL_FIRST_NAMES: &[&str] = &[
    "José",
    "Zoë",
    "Zoe\u{308}",
    "Björn",
    "Søren",
    "Ólafur",
    "Chloé",
    "Mikhaïl",
    "Inès",
    "Léa",
    "Tomás",
    "Jürgen",
];

const LAST_NAMES: &[&str] = &[
    "Berg",
    "Moreau",
    "Tanaka",
    "Novak",
    "O'Neill",
    "Petrov",
    "Lindqvist",
    "Kowalski",
    "Rossi",
    "Yamamoto",
    "Dubois",
    "Andersson",
    "Schmidt",
    "Ivanova",
    "Nakamura",
    "Silva",
    "Jensen",
    "Fischer",
    "Okafor",
    "Haddad",
    "Kim",
    "Costa",
    "Weber",
    "Hart",
    "Blake",
    "Reyes",
];
const INTERNATIONAL_LAST_NAMES: &[&str] = &[
    "García",
    "Müller",
    "Ødegaard",
    "Núñez",
    "Šimek",
    "Çelik",
    "Łukasik",
    "Ferreira-Gonçalves",
];

/// Names taken whole: native scripts, a decomposed accent, emoji, a `/` inside the name (the
/// folder must not split on it), a trailing dot (the folder must drop it) and a trailing space.
const WHOLE_ARTIST_NAMES: &[&str] = &[
    "夜の街",
    "ミドリ",
    "きのこ帝国",
    "Кино-Звезда",
    "Сирена",
    "Белые Ночи",
    "DJ 🌙",
    "Lo-Fi Beats 🎧",
    "Hot/Cold",
    "Mr. Nobody.",
    "Sigur Ósk",
    "Bjo\u{308}rk Sisters",
    "Motörhead Revival",
    "Ñu",
    "Æther",
    "Los Días Felices",
    "Les Enfants Terribles",
    "The The Band",
    "Everything Else ",
    "AC/DC Tribute",
];

/// Syllables for invented words, which keep names distinct in a library of 100,000 files.
const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ra", "ven", "tor", "sha", "el", "dri", "qua", "bel", "nor", "fi", "zan",
    "ul", "pe", "gra", "son", "ti", "mar", "do", "wen", "lu", "ser", "ya", "bro", "ith", "cal",
];

const GENRES: &[&str] = &[
    "Rock",
    "Pop",
    "Electronic",
    "Hip-Hop",
    "Jazz",
    "Classical",
    "Folk",
    "Ambient",
    "Indie Rock",
    "Post-Rock",
    "Soul",
    "R&B",
    "Metal",
    "Punk",
    "Reggae",
    "Country",
    "Blues",
    "J-Pop",
    "Chanson",
    "Drum & Bass",
    "Synthpop",
    "Lo-Fi",
    "Shoegaze",
    "Trip-Hop",
];

/// Two-letter ISO 3166 country codes, the first part of an ISRC.
const ISRC_COUNTRIES: &[&str] = &[
    "US", "GB", "DE", "FR", "JP", "SE", "IS", "RU", "BR", "ES", "NO", "PL", "CA", "AU", "NL",
];

/// One of `words`; the lists above are never empty.
fn pick<'word>(random: &mut StdRng, words: &[&'word str]) -> &'word str {
    words.choose(random).copied().unwrap_or_default()
}

/// A word from `common`, or now and then one from `international`.
fn pick_word(
    random: &mut StdRng,
    common: &[&'static str],
    international: &[&'static str],
) -> &'static str {
    if random.random_bool(0.08) {
        pick(random, international)
    } else {
        pick(random, common)
    }
}

fn adjective(random: &mut StdRng) -> &'static str {
    pick_word(random, ADJECTIVES, INTERNATIONAL_ADJECTIVES)
}

fn noun(random: &mut StdRng) -> &'static str {
    pick_word(random, NOUNS, INTERNATIONAL_NOUNS)
}

fn verb(random: &mut StdRng) -> &'static str {
    pick(random, VERBS)
}

fn first_name(random: &mut StdRng) -> &'static str {
    if random.random_bool(0.25) {
        pick(random, INTERNATIONAL_FIRST_NAMES)
    } else {
        pick(random, FIRST_NAMES)
    }
}

/// "First Last"; accented names are more common than accented words.
fn person(random: &mut StdRng) -> String {
    let first = first_name(random);
    let last = if random.random_bool(0.2) {
        pick(random, INTERNATIONAL_LAST_NAMES)
    } else {
        pick(random, LAST_NAMES)
    };
    format!("{first} {last}")
}

/// An invented capitalised word of two or three syllables ("Kalomi", "Venshadri").
fn invented_word(random: &mut StdRng) -> String {
    let syllables = random.random_range(2..=3);
    let mut word = String::new();
    for _ in 0..syllables {
        word.push_str(pick(random, SYLLABLES));
    }
    let mut characters = word.chars();
    match characters.next() {
        Some(first) => first.to_uppercase().chain(characters).collect(),
        None => word,
    }
}

/// A new artist or band name; the planner redraws when it is already taken.
pub(super) fn artist_name(random: &mut StdRng) -> String {
    match random.random_range(0..100) {
        0..=29 => person(random),
        30..=49 => format!("The {} {}", adjective(random), pick(random, PLURAL_NOUNS)),
        50..=64 => format!("{} {}", first_name(random), invented_word(random)),
        65..=79 => invented_word(random),
        80..=89 => format!(
            "{} & The {}",
            invented_word(random),
            pick(random, PLURAL_NOUNS)
        ),
        _ => pick(random, WHOLE_ARTIST_NAMES).to_owned(),
    }
}

/// A guest's name for "feat." credits and several-artist tracks.
pub(super) fn guest_name(random: &mut StdRng) -> String {
    if random.random_bool(0.5) {
        person(random)
    } else {
        format!("MC {}", invented_word(random))
    }
}

/// A regular album title.
pub(super) fn album_title(random: &mut StdRng) -> String {
    match random.random_range(0..100) {
        0..=39 => format!("{} {}", adjective(random), noun(random)),
        40..=54 => noun(random).to_owned(),
        55..=69 => format!("{} of the {}", noun(random), noun(random)),
        70..=79 => invented_word(random),
        80..=89 => format!("{} {}", verb(random), noun(random)),
        90..=94 => format!("{} (Deluxe Edition)", noun(random)),
        _ => format!("Vol. {}", random.random_range(1..=4)),
    }
}

/// A compilation's title.
pub(super) fn compilation_title(random: &mut StdRng, year: u16) -> String {
    match random.random_range(0..4) {
        0 => format!(
            "Now That's What I Call {} {}",
            noun(random),
            random.random_range(1..=60)
        ),
        1 => format!("Best of {} {year}", pick(random, GENRES)),
        2 => format!("{} {}: The Collection", adjective(random), noun(random)),
        _ => format!("{} Hits", pick(random, GENRES)),
    }
}

/// A track title; repeats across albums are expected, as in any real library.
pub(super) fn track_title(random: &mut StdRng) -> String {
    match random.random_range(0..100) {
        0..=29 => format!("{} {}", adjective(random), noun(random)),
        30..=44 => noun(random).to_owned(),
        45..=59 => format!("{} the {}", verb(random), noun(random)),
        60..=67 => format!("Don't {}", verb(random)),
        68..=75 => format!("{} Me", verb(random)),
        76..=81 => format!("The {} Song", noun(random)),
        82..=85 => format!("{}, Pt. {}", noun(random), random.random_range(1..=3)),
        86..=89 => invented_word(random),
        90..=91 => "Either/Or".to_owned(),
        92..=93 => format!("{}...", verb(random)),
        // A trailing space a careless tagger left: stored as written, trimmed in the file name.
        94 => format!("{} ", noun(random)),
        _ => format!("{} (Remix)", noun(random)),
    }
}

pub(super) fn genre(random: &mut StdRng) -> String {
    pick(random, GENRES).to_owned()
}

/// The country and registrant parts of an ISRC ("GB" and "AYE"), which the planner gives each
/// artist once, as a label assigns codes from its own registrant range.
pub(super) fn isrc_registrant(random: &mut StdRng) -> (String, String) {
    const LETTERS_THEN_DIGITS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let country = pick(random, ISRC_COUNTRIES).to_owned();
    let registrant = (0..3)
        .map(|position| {
            // Registrant codes are letters and digits; these start with a letter, as most do.
            let alphabet = if position == 0 {
                &LETTERS_THEN_DIGITS[..26]
            } else {
                LETTERS_THEN_DIGITS
            };
            char::from(alphabet[random.random_range(0..alphabet.len())])
        })
        .collect();
    (country, registrant)
}

/// A random (version 4) UUID in its usual lowercase hyphenated form, as MusicBrainz ids are
/// written.
pub(super) fn uuid(random: &mut StdRng) -> String {
    let mut bytes: [u8; 16] = random.random();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let mut text = String::with_capacity(36);
    for (position, byte) in bytes.iter().enumerate() {
        if matches!(position, 4 | 6 | 8 | 10) {
            text.push('-');
        }
        text.push(char::from(HEX_DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(HEX_DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";
