//! SoulSpot's own files are private: the data folder is 0700, the SQLite database and its
//! companions (`-wal`, `-shm`, `-journal`) 0600, whoever else uses the machine.
//!
//! No umask is involved. The umask is per process, so setting it around SQLite's open would also
//! apply to every file another thread creates meanwhile (a downloaded track, a tag rewrite), and
//! resetting it would race with them. Instead the database file is created here with mode 0600
//! before SQLite opens it, and SQLite gives the files it creates next to a database (its log, its
//! shared-memory index, a rollback journal) the database file's own permissions, whatever the
//! umask. A folder is created with mode 0700 (`mkdir` with that mode; the umask can only take bits
//! away). Modes of files and folders that already exist are corrected, and the caller is told which
//! so it can say so once.

use std::fs::{self, DirBuilder, OpenOptions, Permissions};
use std::io;
use std::os::unix::fs::{
    DirBuilderExt as _, MetadataExt as _, OpenOptionsExt as _, PermissionsExt,
};
use std::path::{Path, PathBuf};

/// The mode of SoulSpot's folders.
pub const PRIVATE_FOLDER_MODE: u32 = 0o700;
/// The mode of SoulSpot's files.
pub const PRIVATE_FILE_MODE: u32 = 0o600;

/// The suffixes of the files SQLite keeps next to a database.
const SQLITE_COMPANIONS: &[&str] = &["-wal", "-shm", "-journal"];

/// A file or folder whose mode was corrected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModeFixed {
    pub path: PathBuf,
    /// The permission bits it had (e.g. `0o755`).
    pub was: u32,
    pub now: u32,
}

/// What [`private_folder`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FolderPrivacy {
    /// Created now, 0700.
    Created,
    /// Existed with mode 0700 or stricter.
    AlreadyPrivate,
    /// Existed readable by others; its mode is now 0700.
    Fixed(ModeFixed),
    /// Existed and is shared on purpose (sticky bit, as `/tmp`): its mode is not ours to change.
    Shared { mode: u32 },
}

/// Makes `folder` (and any missing parent) exist, private: created with mode 0700, or an existing
/// folder's mode corrected to 0700 when group or others may use it. A folder with the sticky bit
/// is left alone (a data folder set to `/tmp` must not take `/tmp` from everyone else).
pub fn private_folder(folder: &Path) -> io::Result<FolderPrivacy> {
    match fs::metadata(folder) {
        Ok(metadata) if !metadata.is_dir() => Err(io::Error::new(
            io::ErrorKind::NotADirectory,
            format!("{} is not a folder", folder.display()),
        )),
        Ok(metadata) => {
            let mode = metadata.mode() & 0o7777;
            if mode & 0o1000 != 0 {
                Ok(FolderPrivacy::Shared { mode })
            } else if mode & 0o077 == 0 {
                Ok(FolderPrivacy::AlreadyPrivate)
            } else {
                fs::set_permissions(folder, Permissions::from_mode(PRIVATE_FOLDER_MODE))?;
                Ok(FolderPrivacy::Fixed(ModeFixed {
                    path: folder.to_owned(),
                    was: mode,
                    now: PRIVATE_FOLDER_MODE,
                }))
            }
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            DirBuilder::new()
                .recursive(true)
                .mode(PRIVATE_FOLDER_MODE)
                .create(folder)?;
            Ok(FolderPrivacy::Created)
        }
        Err(error) => Err(error),
    }
}

/// Before SQLite opens `database`: creates the file with mode 0600 when it does not exist yet
/// (an empty file is a new database to SQLite), and corrects the mode of the database and of its
/// companions that exist to 0600 when group or others may read them. Returns what it corrected.
pub fn private_sqlite_files(database: &Path) -> io::Result<Vec<ModeFixed>> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .mode(PRIVATE_FILE_MODE)
        .open(database)?;
    let mut fixed = Vec::new();
    if let Some(change) = private_file_mode(&file, database)? {
        fixed.push(change);
    }
    for suffix in SQLITE_COMPANIONS {
        let mut name = database.as_os_str().to_owned();
        name.push(suffix);
        let companion = PathBuf::from(name);
        match OpenOptions::new().read(true).open(&companion) {
            Ok(file) => {
                if let Some(change) = private_file_mode(&file, &companion)? {
                    fixed.push(change);
                }
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound => {}
            Err(error) => return Err(error),
        }
    }
    Ok(fixed)
}

/// Sets an open file's mode to 0600 when group or others have any permission on it.
fn private_file_mode(file: &fs::File, path: &Path) -> io::Result<Option<ModeFixed>> {
    let mode = file.metadata()?.mode() & 0o7777;
    if mode & 0o077 == 0 {
        return Ok(None);
    }
    file.set_permissions(Permissions::from_mode(PRIVATE_FILE_MODE))?;
    Ok(Some(ModeFixed {
        path: path.to_owned(),
        was: mode,
        now: PRIVATE_FILE_MODE,
    }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn mode_of(path: &Path) -> u32 {
        fs::metadata(path).unwrap().mode() & 0o7777
    }

    #[test]
    fn a_new_folder_and_its_missing_parents_are_private() {
        let temp = tempfile::tempdir().unwrap();
        let folder = temp.path().join("a/b/data");

        assert_eq!(private_folder(&folder).unwrap(), FolderPrivacy::Created);

        assert_eq!(mode_of(&folder), 0o700);
        assert_eq!(mode_of(&temp.path().join("a")), 0o700);
        assert_eq!(
            private_folder(&folder).unwrap(),
            FolderPrivacy::AlreadyPrivate
        );
    }

    #[test]
    fn an_open_folder_is_closed_and_a_shared_one_left_alone() {
        let temp = tempfile::tempdir().unwrap();
        let open = temp.path().join("open");
        fs::create_dir(&open).unwrap();
        fs::set_permissions(&open, Permissions::from_mode(0o755)).unwrap();
        let shared = temp.path().join("shared");
        fs::create_dir(&shared).unwrap();
        fs::set_permissions(&shared, Permissions::from_mode(0o1777)).unwrap();

        assert_eq!(
            private_folder(&open).unwrap(),
            FolderPrivacy::Fixed(ModeFixed {
                path: open.clone(),
                was: 0o755,
                now: 0o700
            })
        );
        assert_eq!(mode_of(&open), 0o700);
        assert_eq!(
            private_folder(&shared).unwrap(),
            FolderPrivacy::Shared { mode: 0o1777 }
        );
        assert_eq!(mode_of(&shared), 0o1777);
    }

    #[test]
    fn the_database_is_created_private_and_open_companions_are_closed() {
        let temp = tempfile::tempdir().unwrap();
        let database = temp.path().join("soulspot.db");

        assert!(private_sqlite_files(&database).unwrap().is_empty());
        assert_eq!(mode_of(&database), 0o600);
        assert_eq!(fs::metadata(&database).unwrap().len(), 0);

        fs::write(&database, b"content").unwrap();
        fs::set_permissions(&database, Permissions::from_mode(0o644)).unwrap();
        let wal = temp.path().join("soulspot.db-wal");
        fs::write(&wal, b"log").unwrap();
        fs::set_permissions(&wal, Permissions::from_mode(0o664)).unwrap();

        let fixed = private_sqlite_files(&database).unwrap();

        assert_eq!(
            fixed
                .iter()
                .map(|change| (change.path.clone(), change.was))
                .collect::<Vec<_>>(),
            [(database.clone(), 0o644), (wal.clone(), 0o664)]
        );
        assert_eq!(mode_of(&database), 0o600);
        assert_eq!(mode_of(&wal), 0o600);
        assert_eq!(fs::read(&database).unwrap(), b"content", "never truncated");
    }
}
