//! Secrets at rest: the key file that seals stored credentials, the API key file, and the
//! XChaCha20-Poly1305 cipher implementing the domain's `SecretCipher`.
//!
//! Both files live in the data directory, are created on first use with mode 0600 and are never
//! logged. Creation is exclusive (`create_new`, then a hard link that fails if the name exists) so
//! two processes starting together end up with one key: the loser of the race reads the winner's
//! file instead of writing its own, and never sees it half-written.
//! XChaCha20's 24-byte nonce is large enough to be drawn at random for every seal without any
//! realistic chance of reuse, so no nonce counter has to be stored.

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::{RngCore, TryRngCore};
use soulspot_domain::SealedSecret;
use soulspot_domain::ports::{SecretCipher, SecretCipherError};

/// Bytes in a secret key (XChaCha20-Poly1305 takes a 256-bit key).
pub const SECRET_KEY_LEN: usize = 32;
/// Bytes in an XChaCha20 nonce.
const NONCE_LEN: usize = 24;
/// Random bytes behind a generated API key (rendered as twice as many hex digits).
const API_KEY_BYTES: usize = 32;
/// The shortest API key accepted from a file: a hand-written key must still resist guessing.
pub const MIN_API_KEY_CHARS: usize = 16;
/// How long a process that lost the creation race waits for the winner to finish writing. The
/// winner writes a few dozen bytes right after creating the file, so this is only ever a
/// fraction of it; the bound keeps a crashed winner from hanging start-up.
const RACE_WAIT: Duration = Duration::from_secs(1);
const RACE_POLL: Duration = Duration::from_millis(10);

/// Why a key file could not be loaded or created. Every message names the file.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("cannot read the key file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot create the key file {}: {source}", path.display())]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the key file {} holds {actual} bytes, but a key is exactly {expected}: restore the \
         original file (deleting it makes every stored secret unreadable)",
        path.display()
    )]
    WrongLength {
        path: PathBuf,
        expected: usize,
        actual: usize,
    },
    #[error(
        "the API key file {} holds {actual} characters, but an API key needs at least {minimum}",
        path.display()
    )]
    ApiKeyTooShort {
        path: PathBuf,
        minimum: usize,
        actual: usize,
    },
    #[error("the API key file {} is not UTF-8 text", path.display())]
    ApiKeyNotText { path: PathBuf },
    #[error("the system's random number generator failed: {0}")]
    Random(String),
}

/// The 256-bit key that seals stored secrets, loaded from (or created in) its key file.
pub struct SecretKey([u8; SECRET_KEY_LEN]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key itself never reaches a log.
        f.write_str("SecretKey(..)")
    }
}

impl SecretKey {
    /// Reads the key file at `path`, or creates it with 32 random bytes (mode 0600) when there is
    /// none. A file of any other length is refused rather than repaired: replacing it would make
    /// every secret sealed under the old key unreadable.
    pub fn load_or_create(path: &Path) -> Result<SecretKey, KeyFileError> {
        let complete = |bytes: &[u8]| bytes.len() >= SECRET_KEY_LEN;
        let bytes = match read_existing(path)? {
            Some(bytes) => bytes,
            None => {
                let key = random_bytes::<SECRET_KEY_LEN>()?;
                match create_new(path, &key)? {
                    Created::Written => return Ok(SecretKey(key)),
                    Created::AlreadyThere => read_after_lost_race(path, complete)?,
                }
            }
        };
        let key: [u8; SECRET_KEY_LEN] =
            bytes
                .as_slice()
                .try_into()
                .map_err(|_| KeyFileError::WrongLength {
                    path: path.to_owned(),
                    expected: SECRET_KEY_LEN,
                    actual: bytes.len(),
                })?;
        Ok(SecretKey(key))
    }
}

/// The key clients send to the HTTP API. Generated keys are 32 random bytes written as 64
/// lowercase hexadecimal digits (plus a newline); a hand-written file may hold any text of at
/// least [`MIN_API_KEY_CHARS`] characters.
#[derive(Debug)]
pub struct ApiKey;

impl ApiKey {
    /// Reads the API key file at `path` (without its trailing line break), or creates it (mode
    /// 0600) with a new random key. Returns the key and whether it was created now, so the caller
    /// can tell the user where to find it, once.
    pub fn load_or_create(path: &Path) -> Result<(String, bool), KeyFileError> {
        // A generated file ends with its newline, which marks it as completely written.
        let complete = |bytes: &[u8]| bytes.ends_with(b"\n");
        let bytes = match read_existing(path)? {
            Some(bytes) => bytes,
            None => {
                let key = hex(&random_bytes::<API_KEY_BYTES>()?);
                match create_new(path, format!("{key}\n").as_bytes())? {
                    Created::Written => return Ok((key, true)),
                    Created::AlreadyThere => read_after_lost_race(path, complete)?,
                }
            }
        };
        let text = String::from_utf8(bytes).map_err(|_| KeyFileError::ApiKeyNotText {
            path: path.to_owned(),
        })?;
        let key = text.trim_end_matches(['\n', '\r']);
        let length = key.chars().count();
        if length < MIN_API_KEY_CHARS {
            return Err(KeyFileError::ApiKeyTooShort {
                path: path.to_owned(),
                minimum: MIN_API_KEY_CHARS,
                actual: length,
            });
        }
        Ok((key.to_owned(), false))
    }
}

/// XChaCha20-Poly1305 under the key file's key. Each seal draws a fresh 24-byte nonce; the
/// secret's context (its name) is the associated data, so a sealed value moved to another name
/// does not open.
pub struct XChaChaCipher {
    aead: XChaCha20Poly1305,
}

impl std::fmt::Debug for XChaChaCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XChaChaCipher").finish_non_exhaustive()
    }
}

impl XChaChaCipher {
    pub fn new(key: &SecretKey) -> Self {
        Self {
            aead: XChaCha20Poly1305::new(&key.0.into()),
        }
    }
}

impl SecretCipher for XChaChaCipher {
    fn seal(&self, context: &str, plaintext: &[u8]) -> SealedSecret {
        let mut nonce = [0_u8; NONCE_LEN];
        // The thread-local generator is a CSPRNG seeded from the operating system.
        rand::rng().fill_bytes(&mut nonce);
        let payload = Payload {
            msg: plaintext,
            aad: context.as_bytes(),
        };
        // Encryption only fails for inputs of hundreds of gigabytes. Should it ever fail, the
        // empty ciphertext (shorter than a tag) can never open, so the failure surfaces as
        // `Undecryptable` instead of a stored plaintext.
        let ciphertext = self
            .aead
            .encrypt(&XNonce::from(nonce), payload)
            .unwrap_or_default();
        SealedSecret {
            nonce: nonce.to_vec(),
            ciphertext,
        }
    }

    fn open(&self, context: &str, sealed: &SealedSecret) -> Result<Vec<u8>, SecretCipherError> {
        let nonce = XNonce::try_from(sealed.nonce.as_slice())
            .map_err(|_| SecretCipherError::Undecryptable)?;
        let payload = Payload {
            msg: &sealed.ciphertext,
            aad: context.as_bytes(),
        };
        self.aead
            .decrypt(&nonce, payload)
            .map_err(|_| SecretCipherError::Undecryptable)
    }
}

enum Created {
    Written,
    AlreadyThere,
}

/// The file's bytes, or `None` when it does not exist.
fn read_existing(path: &Path) -> Result<Option<Vec<u8>>, KeyFileError> {
    let read_error = |source| KeyFileError::Read {
        path: path.to_owned(),
        source,
    };
    let file = match File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(read_error(error)),
    };
    if let Ok(metadata) = file.metadata()
        && metadata.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(
            path = %path.display(),
            "other users can access the key file; restrict it with chmod 600"
        );
    }
    let mut bytes = Vec::with_capacity(SECRET_KEY_LEN * 2 + 1);
    // A key file is tiny; reading a few bytes past any valid length is enough to refuse it.
    file.take(4096)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    Ok(Some(bytes))
}

/// Creates `path` holding `contents`, mode 0600, unless it already exists.
///
/// The contents are written to a private temporary file (`create_new`, mode 0600) that is then
/// hard-linked to `path`: the link either appears with the complete contents or fails with
/// `AlreadyExists` when another process won, so no reader ever sees a half-written key. Where the
/// filesystem has no hard links, `path` itself is created with `create_new` and a racing reader
/// waits for its contents (see [`read_after_lost_race`]).
fn create_new(path: &Path, contents: &[u8]) -> Result<Created, KeyFileError> {
    let create_error = |source| KeyFileError::Create {
        path: path.to_owned(),
        source,
    };
    let file_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(
        ".{file_name}.{}.{}.tmp",
        std::process::id(),
        hex(&random_bytes::<8>()?)
    ));
    write_new_file(&temporary, contents).map_err(create_error)?;
    let linked = std::fs::hard_link(&temporary, path);
    let _ = std::fs::remove_file(&temporary);
    match linked {
        Ok(()) => {}
        Err(error) if error.kind() == ErrorKind::AlreadyExists => return Ok(Created::AlreadyThere),
        Err(_) => match write_new_file(path, contents) {
            Ok(()) => {}
            Err(error) if error.kind() == ErrorKind::AlreadyExists => {
                return Ok(Created::AlreadyThere);
            }
            Err(error) => return Err(create_error(error)),
        },
    }
    // Make the new directory entry durable too, so a crash cannot lose a key already in use.
    let directory = match path.parent() {
        Some(directory) if !directory.as_os_str().is_empty() => directory,
        _ => Path::new("."),
    };
    if let Ok(directory) = File::open(directory) {
        let _ = directory.sync_all();
    }
    Ok(Created::Written)
}

/// Creates `path` with mode 0600 only if it does not exist (`O_CREAT | O_EXCL`: the mode applies
/// from the first instant, with no window in which the file is readable by others) and writes
/// `contents` durably. A failed write removes the file: nobody can have used it yet.
fn write_new_file(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    let written = file.write_all(contents).and_then(|()| file.sync_all());
    if written.is_err() {
        drop(file);
        let _ = std::fs::remove_file(path);
    }
    written
}

/// Reads a file another process has just created (our `create_new` found it), waiting briefly
/// until `complete` says its writer has finished. Returns what is there when the wait runs out:
/// the caller's length checks then refuse it with a message naming the file.
fn read_after_lost_race(
    path: &Path,
    complete: impl Fn(&[u8]) -> bool,
) -> Result<Vec<u8>, KeyFileError> {
    let deadline = tokio::time::Instant::now() + RACE_WAIT;
    loop {
        let bytes = read_existing(path)?.unwrap_or_default();
        if complete(&bytes) || tokio::time::Instant::now() >= deadline {
            return Ok(bytes);
        }
        std::thread::sleep(RACE_POLL);
    }
}

fn random_bytes<const N: usize>() -> Result<[u8; N], KeyFileError> {
    let mut bytes = [0_u8; N];
    // Keys come straight from the operating system's generator.
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|error| KeyFileError::Random(error.to_string()))?;
    Ok(bytes)
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn cipher() -> XChaChaCipher {
        XChaChaCipher::new(&SecretKey([7; SECRET_KEY_LEN]))
    }

    #[test]
    fn seal_and_open_round_trip() {
        let cipher = cipher();
        let sealed = cipher.seal("spotify.client_secret", b"hunter2");
        assert_eq!(sealed.nonce.len(), NONCE_LEN);
        assert_ne!(sealed.ciphertext, b"hunter2");
        assert_eq!(
            cipher.open("spotify.client_secret", &sealed).unwrap(),
            b"hunter2"
        );
        let empty = cipher.seal("empty", b"");
        assert_eq!(cipher.open("empty", &empty).unwrap(), b"");
    }

    #[test]
    fn wrong_context_does_not_open() {
        let cipher = cipher();
        let sealed = cipher.seal("spotify.client_secret", b"hunter2");
        assert_eq!(
            cipher.open("slskd.api_key", &sealed),
            Err(SecretCipherError::Undecryptable)
        );
    }

    #[test]
    fn altered_bytes_do_not_open() {
        let cipher = cipher();
        let sealed = cipher.seal("key", b"hunter2");
        for index in 0..sealed.ciphertext.len() {
            let mut altered = sealed.clone();
            altered.ciphertext[index] ^= 0x01;
            assert_eq!(
                cipher.open("key", &altered),
                Err(SecretCipherError::Undecryptable),
                "byte {index}"
            );
        }
        let mut altered = sealed.clone();
        altered.nonce[0] ^= 0x01;
        assert!(cipher.open("key", &altered).is_err());
        let mut short = sealed.clone();
        short.nonce.pop();
        assert!(cipher.open("key", &short).is_err());
        let mut truncated = sealed;
        truncated.ciphertext.truncate(3);
        assert!(cipher.open("key", &truncated).is_err());
    }

    #[test]
    fn another_key_does_not_open() {
        let sealed = cipher().seal("key", b"hunter2");
        let other = XChaChaCipher::new(&SecretKey([8; SECRET_KEY_LEN]));
        assert_eq!(
            other.open("key", &sealed),
            Err(SecretCipherError::Undecryptable)
        );
    }

    #[test]
    fn every_seal_has_its_own_nonce() {
        let cipher = cipher();
        let first = cipher.seal("key", b"same plaintext");
        let second = cipher.seal("key", b"same plaintext");
        assert_ne!(first.nonce, second.nonce);
        assert_ne!(first.ciphertext, second.ciphertext);
    }

    #[test]
    fn debug_shows_no_key_material() {
        let key = SecretKey([0xab; SECRET_KEY_LEN]);
        let shown = format!("{key:?} {:?}", XChaChaCipher::new(&key));
        assert!(!shown.contains("171") && !shown.to_lowercase().contains("ab, "));
        assert_eq!(format!("{key:?}"), "SecretKey(..)");
    }

    #[test]
    fn key_file_is_created_private_and_reloaded() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("secret.key");
        let created = SecretKey::load_or_create(&path).unwrap();
        let metadata = std::fs::metadata(&path).unwrap();
        assert_eq!(metadata.permissions().mode() & 0o777, 0o600);
        assert_eq!(metadata.len(), SECRET_KEY_LEN as u64);
        let reloaded = SecretKey::load_or_create(&path).unwrap();
        assert_eq!(created.0, reloaded.0);
        assert_ne!(created.0, [0; SECRET_KEY_LEN]);
        // What one key sealed, the reloaded key opens.
        let sealed = XChaChaCipher::new(&created).seal("key", b"v");
        assert_eq!(
            XChaChaCipher::new(&reloaded).open("key", &sealed).unwrap(),
            b"v"
        );
    }

    #[test]
    fn key_file_of_wrong_length_is_refused() {
        let directory = tempfile::tempdir().unwrap();
        for length in [0, 16, 31, 33, 64] {
            let path = directory.path().join(format!("key-{length}"));
            std::fs::write(&path, vec![1_u8; length]).unwrap();
            let error = SecretKey::load_or_create(&path).unwrap_err();
            assert!(
                matches!(error, KeyFileError::WrongLength { actual, .. } if actual == length),
                "{error:?}"
            );
            let message = error.to_string();
            assert!(message.contains(&path.display().to_string()), "{message}");
            // Refused, not repaired.
            assert_eq!(std::fs::read(&path).unwrap().len(), length);
        }
    }

    #[test]
    fn unreadable_key_path_is_an_error_naming_it() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("no-such-dir").join("secret.key");
        let error = SecretKey::load_or_create(&path).unwrap_err();
        assert!(matches!(error, KeyFileError::Create { .. }), "{error:?}");
        assert!(error.to_string().contains("no-such-dir"));
    }

    #[test]
    fn racing_creators_end_with_one_key() {
        for _ in 0..20 {
            let directory = tempfile::tempdir().unwrap();
            let path = directory.path().join("secret.key");
            let barrier = std::sync::Barrier::new(4);
            let keys: Vec<[u8; SECRET_KEY_LEN]> = std::thread::scope(|scope| {
                let handles: Vec<_> = (0..4)
                    .map(|_| {
                        scope.spawn(|| {
                            barrier.wait();
                            SecretKey::load_or_create(&path).unwrap().0
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            assert!(keys.windows(2).all(|pair| pair[0] == pair[1]));
            assert_eq!(std::fs::read(&path).unwrap(), keys[0]);
        }
    }

    #[test]
    fn a_lost_race_waits_for_the_winner_to_finish_writing() {
        // The path taken where the filesystem has no hard links: the winner's file exists
        // before its contents do.
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("secret.key");
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .unwrap();
        let read = std::thread::scope(|scope| {
            let reader =
                scope.spawn(|| read_after_lost_race(&path, |bytes| bytes.len() >= SECRET_KEY_LEN));
            std::thread::sleep(Duration::from_millis(50));
            (&file).write_all(&[9; SECRET_KEY_LEN]).unwrap();
            reader.join().unwrap().unwrap()
        });
        assert_eq!(read, [9; SECRET_KEY_LEN]);
    }

    #[test]
    fn api_key_is_created_once_as_hex() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("api.key");
        let (key, created) = ApiKey::load_or_create(&path).unwrap();
        assert!(created);
        assert_eq!(key.len(), 64);
        assert!(
            key.chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        );
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(ApiKey::load_or_create(&path).unwrap(), (key, false));
    }

    #[test]
    fn api_key_file_is_trimmed_and_checked() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("api.key");
        std::fs::write(&path, "my-own-key-0123456789\r\n").unwrap();
        assert_eq!(
            ApiKey::load_or_create(&path).unwrap(),
            ("my-own-key-0123456789".to_owned(), false)
        );
        for short in ["", "\n", "short-key\n", "fifteen-chars-x"] {
            std::fs::write(&path, short).unwrap();
            let error = ApiKey::load_or_create(&path).unwrap_err();
            assert!(
                matches!(error, KeyFileError::ApiKeyTooShort { .. }),
                "{short:?}: {error:?}"
            );
            assert!(error.to_string().contains("api.key"));
        }
        std::fs::write(&path, [0xff_u8; 20]).unwrap();
        assert!(matches!(
            ApiKey::load_or_create(&path),
            Err(KeyFileError::ApiKeyNotText { .. })
        ));
    }

    #[test]
    fn racing_api_key_creators_end_with_one_key() {
        for _ in 0..20 {
            let directory = tempfile::tempdir().unwrap();
            let path = directory.path().join("api.key");
            let barrier = std::sync::Barrier::new(2);
            let results: Vec<(String, bool)> = std::thread::scope(|scope| {
                let handles: Vec<_> = (0..2)
                    .map(|_| {
                        scope.spawn(|| {
                            barrier.wait();
                            ApiKey::load_or_create(&path).unwrap()
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            assert_eq!(results[0].0, results[1].0);
            assert_eq!(
                results.iter().filter(|(_, created)| *created).count(),
                1,
                "exactly one thread created the file"
            );
        }
    }
}
