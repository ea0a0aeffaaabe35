//! File names as the library stores them: text, losslessly.
//!
//! A Unix file name is bytes, not text; most are UTF-8, some (old Latin-1 rips, files copied from
//! other systems) are not. The database stores paths as text, so [`LibraryPath`] encodes the bytes
//! into a string that decodes back to exactly the same bytes: valid UTF-8 is kept as it is, except
//! `%`, which becomes `%25`; every byte that is not part of valid UTF-8 becomes `%XX` (two
//! uppercase hex digits). A path with neither (nearly all of them) is stored unchanged, and a
//! rescan of a non-UTF-8 name meets the same stored text, so it is found unchanged.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// A filesystem path in its stored, lossless text form.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LibraryPath(String);

/// Stored text that no [`LibraryPath`] encodes to (a `%` not followed by two hex digits, or an
/// escape of a byte that needed none).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a stored library path: '%' must start an escape of a byte that needs one")]
pub struct InvalidLibraryPath(pub String);

impl LibraryPath {
    /// Encodes a path's bytes (on Unix; elsewhere its text, which is always valid Unicode there).
    pub fn from_path(path: &Path) -> Self {
        Self(encode(&path_bytes(path)))
    }

    /// Reads back a stored form, refusing text that no path encodes to.
    pub fn from_stored(stored: impl Into<String>) -> Result<Self, InvalidLibraryPath> {
        let stored = stored.into();
        match decode(&stored) {
            Some(bytes) if encode(&bytes) == stored => Ok(Self(stored)),
            _ => Err(InvalidLibraryPath(stored)),
        }
    }

    /// The stored text.
    pub fn as_stored(&self) -> &str {
        &self.0
    }

    pub fn into_stored(self) -> String {
        self.0
    }

    /// The path's original bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Every `LibraryPath` was produced by `encode` or checked by `from_stored`.
        decode(&self.0).unwrap_or_else(|| self.0.clone().into_bytes())
    }

    /// The path on disk, byte for byte.
    pub fn to_path_buf(&self) -> PathBuf {
        PathBuf::from(os_string(self.to_bytes()))
    }

    /// A readable form for people: the name with each byte that is not UTF-8 shown as `�`.
    pub fn display(&self) -> String {
        String::from_utf8_lossy(&self.to_bytes()).into_owned()
    }

    /// Whether the name is valid UTF-8 (so [`Self::display`] shows it exactly).
    pub fn is_utf8(&self) -> bool {
        std::str::from_utf8(&self.to_bytes()).is_ok()
    }

    /// The path of `child` (one name) inside this folder.
    pub fn join(&self, child: &Path) -> Self {
        Self::from_path(&self.to_path_buf().join(child))
    }

    /// The last component's stored text (the file or folder name), `""` for a root.
    pub fn file_name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or("")
    }

    /// Whether `self` is `folder` itself or lies under it (by whole components).
    pub fn is_within(&self, folder: &LibraryPath) -> bool {
        let folder = folder.0.trim_end_matches('/');
        self.0 == folder
            || (self.0.starts_with(folder) && self.0.as_bytes().get(folder.len()) == Some(&b'/'))
    }
}

impl fmt::Display for LibraryPath {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.display())
    }
}

impl TryFrom<String> for LibraryPath {
    type Error = InvalidLibraryPath;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::from_stored(value)
    }
}

impl From<LibraryPath> for String {
    fn from(value: LibraryPath) -> Self {
        value.0
    }
}

#[cfg(unix)]
fn path_bytes(path: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    path.as_os_str().as_bytes().to_vec()
}

#[cfg(not(unix))]
fn path_bytes(path: &Path) -> Vec<u8> {
    path.to_string_lossy().into_owned().into_bytes()
}

#[cfg(unix)]
fn os_string(bytes: Vec<u8>) -> OsString {
    use std::os::unix::ffi::OsStringExt;
    OsString::from_vec(bytes)
}

#[cfg(not(unix))]
fn os_string(bytes: Vec<u8>) -> OsString {
    OsString::from(String::from_utf8_lossy(&bytes).into_owned())
}

fn encode(mut bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    loop {
        match std::str::from_utf8(bytes) {
            Ok(valid) => {
                push_escaping_percent(&mut out, valid);
                return out;
            }
            Err(error) => {
                let (valid, rest) = bytes.split_at(error.valid_up_to());
                // `valid_up_to` marks a UTF-8 boundary, so this cannot fail.
                push_escaping_percent(&mut out, std::str::from_utf8(valid).unwrap_or_default());
                let bad = error.error_len().unwrap_or(rest.len());
                for byte in &rest[..bad] {
                    out.push_str(&format!("%{byte:02X}"));
                }
                bytes = &rest[bad..];
            }
        }
    }
}

fn push_escaping_percent(out: &mut String, text: &str) {
    for (index, part) in text.split('%').enumerate() {
        if index > 0 {
            out.push_str("%25");
        }
        out.push_str(part);
    }
}

fn decode(stored: &str) -> Option<Vec<u8>> {
    let mut bytes = Vec::with_capacity(stored.len());
    let mut rest = stored.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        if byte == b'%' {
            let hex = std::str::from_utf8(tail.get(..2)?).ok()?;
            if !hex
                .bytes()
                .all(|digit| digit.is_ascii_digit() || (b'A'..=b'F').contains(&digit))
            {
                return None;
            }
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            rest = &tail[2..];
        } else {
            bytes.push(byte);
            rest = tail;
        }
    }
    Some(bytes)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use proptest::prelude::*;

    #[test]
    fn plain_utf8_is_stored_unchanged_and_percent_is_escaped() {
        let path = LibraryPath::from_path(Path::new("/music/Sigur Rós/Ágætis byrjun/01.flac"));
        assert_eq!(path.as_stored(), "/music/Sigur Rós/Ágætis byrjun/01.flac");
        let percent = LibraryPath::from_path(Path::new("/music/100% Hits/a.mp3"));
        assert_eq!(percent.as_stored(), "/music/100%25 Hits/a.mp3");
        assert_eq!(percent.display(), "/music/100% Hits/a.mp3");
        assert_eq!(percent.to_path_buf(), Path::new("/music/100% Hits/a.mp3"));
    }

    #[cfg(unix)]
    #[test]
    fn latin1_bytes_round_trip_and_display_readably() {
        let raw = PathBuf::from(os_string(b"/music/Bj\xf6rk/J\xf3ga.mp3".to_vec()));
        let path = LibraryPath::from_path(&raw);
        assert_eq!(path.as_stored(), "/music/Bj%F6rk/J%F3ga.mp3");
        assert_eq!(path.to_path_buf(), raw);
        assert_eq!(path.display(), "/music/Bj\u{fffd}rk/J\u{fffd}ga.mp3");
        assert!(!path.is_utf8());
        assert_eq!(LibraryPath::from_stored(path.as_stored()).unwrap(), path);
    }

    #[test]
    fn stored_text_that_no_path_encodes_to_is_refused() {
        for bad in ["/a/%", "/a/%4", "/a/%zz", "/a/%41", "/a/%c3"] {
            assert!(LibraryPath::from_stored(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn within_compares_whole_components() {
        let root = LibraryPath::from_path(Path::new("/music/a"));
        assert!(LibraryPath::from_path(Path::new("/music/a/b.mp3")).is_within(&root));
        assert!(LibraryPath::from_path(Path::new("/music/a")).is_within(&root));
        assert!(!LibraryPath::from_path(Path::new("/music/ab/c.mp3")).is_within(&root));
        assert_eq!(
            LibraryPath::from_path(Path::new("/m/x.mp3")).file_name(),
            "x.mp3"
        );
    }

    #[cfg(unix)]
    proptest! {
        #[test]
        fn any_bytes_round_trip(bytes in proptest::collection::vec(1u8..=255, 0..40)) {
            let raw = PathBuf::from(os_string(bytes.clone()));
            let path = LibraryPath::from_path(&raw);
            prop_assert_eq!(path.to_bytes(), bytes);
            prop_assert_eq!(LibraryPath::from_stored(path.as_stored()).unwrap(), path);
        }
    }
}
