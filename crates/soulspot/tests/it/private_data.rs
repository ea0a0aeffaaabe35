//! SoulSpot's own files are private: a fresh start makes the data folder 0700 and the database,
//! its log and its index 0600; a start on a data folder left open (0755/0644) closes it and says
//! so once.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::{drain, get, start, terminate};

fn mode_of(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

const DATABASE_FILES: [&str; 3] = ["soulspot.db", "soulspot.db-wal", "soulspot.db-shm"];

#[test]
fn the_data_folder_is_0700_and_the_database_files_0600_and_an_open_folder_is_closed() {
    let directory = tempfile::tempdir().unwrap();
    let data = directory.path().join("data");

    let mut server = start(directory.path(), &[]);
    assert_eq!(get(server.address, "/health/ready").0, 200);
    // While it runs, the log and the shared-memory index exist too.
    assert_eq!(mode_of(&data), 0o700, "the data folder");
    for file in DATABASE_FILES {
        assert_eq!(mode_of(&data.join(file)), 0o600, "{file}");
    }
    assert!(terminate(&mut server).success());
    let log = drain(&server.log).join("\n");
    assert!(!log.contains("made it private"), "{log}");
    assert!(!log.contains("made them private"), "{log}");

    // Left open by an older version (or a restored backup).
    set_mode(&data, 0o755);
    for file in DATABASE_FILES {
        let path = data.join(file);
        if !path.exists() {
            std::fs::write(&path, b"").unwrap();
        }
        set_mode(&path, 0o644);
    }
    let mut server = start(directory.path(), &[]);
    assert_eq!(get(server.address, "/health/ready").0, 200);
    assert_eq!(mode_of(&data), 0o700, "the data folder");
    for file in DATABASE_FILES {
        assert_eq!(mode_of(&data.join(file)), 0o600, "{file}");
    }
    assert!(terminate(&mut server).success());
    let log = drain(&server.log);
    let folder_lines = log
        .iter()
        .filter(|line| line.contains("the data directory was open to other users"))
        .count();
    let file_lines = log
        .iter()
        .filter(|line| line.contains("the database files were readable by other users"))
        .count();
    assert_eq!((folder_lines, file_lines), (1, 1), "{log:#?}");

    // Once fixed, nothing more to say.
    let mut server = start(directory.path(), &[]);
    assert!(terminate(&mut server).success());
    let log = drain(&server.log).join("\n");
    assert!(!log.contains("other users"), "{log}");
}
