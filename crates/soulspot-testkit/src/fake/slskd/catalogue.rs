//! The simulated Soulseek network behind the fake: peers, each sharing files under full remote
//! paths with `\` separators, and how a peer decides which of its files match a search.
//!
//! Matching follows what Soulseek clients do with a query: the text is split into terms on
//! whitespace; a term starting with `-` excludes files containing it; every other term must appear
//! in the file's full path. Terms and paths are compared case-insensitively, word by word (a path's
//! words are its runs of letters and digits, so `AC/DC` matches the words `ac` and `dc`). Wildcards
//! (`*term`) are not reproduced.

use std::time::Duration;

use bytes::Bytes;

/// One file a peer shares, as Soulseek describes it in a search response.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedFile {
    /// The full remote path, e.g. `@@music\Artist\2001 - Album\01 - Title.flac`.
    pub filename: String,
    /// Bytes.
    pub size: u64,
    /// Soulseek's file code (always 1 in practice).
    pub code: i32,
    /// What the peer reports: often the extension without a dot, sometimes empty.
    pub extension: String,
    pub bit_rate: Option<u32>,
    pub bit_depth: Option<u32>,
    pub sample_rate: Option<u32>,
    /// Seconds.
    pub length: Option<u32>,
    pub is_variable_bit_rate: Option<bool>,
    /// Shared only with the peer's buddies: reported among `lockedFiles`, never downloadable.
    pub is_locked: bool,
    /// The bytes a successful download writes; `None`: deterministic filler of `size` bytes.
    pub content: Option<Bytes>,
}

impl SharedFile {
    /// A file with no audio attributes reported (as many clients send them).
    pub fn new(filename: impl Into<String>, size: u64) -> Self {
        let filename = filename.into();
        let extension = file_extension(&filename);
        Self {
            filename,
            size,
            code: 1,
            extension,
            bit_rate: None,
            bit_depth: None,
            sample_rate: None,
            length: None,
            is_variable_bit_rate: None,
            is_locked: false,
            content: None,
        }
    }

    /// A 16-bit/44.1 kHz FLAC of `length_seconds`, sized like one (about 900 kbit/s).
    pub fn flac(filename: impl Into<String>, length_seconds: u32) -> Self {
        let mut file = Self::new(filename, u64::from(length_seconds) * 112_500);
        file.bit_depth = Some(16);
        file.sample_rate = Some(44_100);
        file.length = Some(length_seconds);
        file
    }

    /// A constant-bitrate MP3 of `bit_rate` kbit/s and `length_seconds`, sized like one.
    pub fn mp3(filename: impl Into<String>, bit_rate: u32, length_seconds: u32) -> Self {
        let mut file = Self::new(
            filename,
            u64::from(bit_rate) * 125 * u64::from(length_seconds),
        );
        file.bit_rate = Some(bit_rate);
        file.length = Some(length_seconds);
        file.is_variable_bit_rate = Some(false);
        file
    }

    /// The bytes a successful download writes; the file's size becomes their length.
    pub fn with_content(mut self, content: impl Into<Bytes>) -> Self {
        let content = content.into();
        self.size = content.len() as u64;
        self.content = Some(content);
        self
    }

    /// Shared with buddies only.
    pub fn locked(mut self) -> Self {
        self.is_locked = true;
        self
    }

    /// The file as slskd's `File` JSON object. slskd never copies Soulseek.NET's lock flag into its
    /// own `isLocked`, so it is `false` even among `lockedFiles`; null attributes are left out.
    pub(super) fn to_json(&self) -> serde_json::Value {
        let mut object = serde_json::Map::new();
        if let Some(bit_depth) = self.bit_depth {
            object.insert("bitDepth".into(), bit_depth.into());
        }
        if let Some(bit_rate) = self.bit_rate {
            object.insert("bitRate".into(), bit_rate.into());
        }
        object.insert("code".into(), self.code.into());
        object.insert("extension".into(), self.extension.clone().into());
        object.insert("filename".into(), self.filename.clone().into());
        if let Some(variable) = self.is_variable_bit_rate {
            object.insert("isVariableBitRate".into(), variable.into());
        }
        if let Some(length) = self.length {
            object.insert("length".into(), length.into());
        }
        if let Some(sample_rate) = self.sample_rate {
            object.insert("sampleRate".into(), sample_rate.into());
        }
        object.insert("size".into(), self.size.into());
        object.insert("isLocked".into(), false.into());
        serde_json::Value::Object(object)
    }
}

/// The extension of a remote path's last component, lower-case, without the dot.
fn file_extension(filename: &str) -> String {
    let name = filename.rsplit(['\\', '/']).next().unwrap_or(filename);
    match name.rsplit_once('.') {
        Some((stem, extension)) if !stem.is_empty() => extension.to_lowercase(),
        _ => String::new(),
    }
}

/// A Soulseek user: what their search responses say about them, their shares, and how quickly
/// they answer a search.
#[derive(Debug, Clone, PartialEq)]
pub struct Peer {
    pub username: String,
    pub has_free_upload_slot: bool,
    /// How many uploads wait in the peer's queue.
    pub queue_length: u64,
    /// Bytes per second, as the Soulseek server reports it.
    pub upload_speed: u64,
    /// How long after a search starts this peer's response arrives.
    pub response_delay: Duration,
    pub files: Vec<SharedFile>,
}

impl Peer {
    /// A peer with a free slot, an empty queue, 1 MB/s and a 200 ms response delay, sharing nothing.
    pub fn new(username: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            has_free_upload_slot: true,
            queue_length: 0,
            upload_speed: 1_000_000,
            response_delay: Duration::from_millis(200),
            files: Vec::new(),
        }
    }

    pub fn with_file(mut self, file: SharedFile) -> Self {
        self.files.push(file);
        self
    }

    pub fn with_files(mut self, files: impl IntoIterator<Item = SharedFile>) -> Self {
        self.files.extend(files);
        self
    }

    pub fn response_delay(mut self, delay: Duration) -> Self {
        self.response_delay = delay;
        self
    }

    pub fn upload_speed(mut self, bytes_per_second: u64) -> Self {
        self.upload_speed = bytes_per_second;
        self
    }

    pub fn queue_length(mut self, queue_length: u64) -> Self {
        self.queue_length = queue_length;
        self
    }

    pub fn free_upload_slot(mut self, free: bool) -> Self {
        self.has_free_upload_slot = free;
        self
    }

    /// The file shared under exactly this remote path.
    pub(super) fn file(&self, filename: &str) -> Option<&SharedFile> {
        self.files.iter().find(|file| file.filename == filename)
    }
}

/// A parsed search text: terms every matching path contains, and terms it must not contain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Query {
    required: Vec<String>,
    excluded: Vec<String>,
}

impl Query {
    /// `None` when nothing is left to search for (blank text, or only exclusions).
    pub(super) fn parse(search_text: &str) -> Option<Self> {
        let mut required = Vec::new();
        let mut excluded = Vec::new();
        for term in search_text.split_whitespace() {
            match term.strip_prefix('-') {
                Some(excluded_term) => excluded.extend(words(excluded_term)),
                None => required.extend(words(term)),
            }
        }
        (!required.is_empty()).then_some(Self { required, excluded })
    }

    pub(super) fn matches(&self, filename: &str) -> bool {
        let path_words = words(filename);
        self.required.iter().all(|term| path_words.contains(term))
            && !self.excluded.iter().any(|term| path_words.contains(term))
    }
}

/// The lower-case runs of letters and digits in `text`.
fn words(text: &str) -> Vec<String> {
    text.split(|character: char| !character.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_match_every_term_as_a_word_of_the_path() {
        let query = Query::parse("ac/dc  HIGHWAY -live").unwrap_or_else(|| panic!("a query"));
        assert!(query.matches(r"@@music\AC_DC\1979 - Highway to Hell\01 Highway To Hell.flac"));
        assert!(!query.matches(r"@@music\AC_DC\Live\01 Highway To Hell.flac"));
        assert!(!query.matches(r"@@music\AC_DC\1979 - Highways\01.flac"));
        assert_eq!(Query::parse("  "), None);
        assert_eq!(Query::parse("-live"), None);
        assert_eq!(file_extension(r"a\b\Track.FLAC"), "flac");
        assert_eq!(file_extension(r"a\.hidden"), "");
    }
}
