//! Secrets never printed: whichever form a database or upstream URL with a password takes,
//! neither `soulspot config` nor the log of a start (that fails to reach the database, or that
//! serves) shows it.

use crate::{drain, run_to_end, start_with, terminate};

/// The password in every URL below.
const SECRET: &str = "hunter2";

/// Database URLs with a secret, in every form a user may write one.
const DATABASE_URLS: &[&str] = &[
    "postgres://me:hunter2@127.0.0.1:1/soulspot",
    "postgresql://me:hunter2@127.0.0.1:1/soulspot",
    "postgres://me@127.0.0.1:1/soulspot?password=hunter2",
    "postgres://127.0.0.1:1/soulspot?user=me&password=hunter2&sslmode=disable",
    "postgres://127.0.0.1:1/soulspot?sslmode=disable&PASSWORD=hunter2",
    "postgres://me:hunter2%40x@127.0.0.1:1/soulspot",
    "postgres://me:hun@ter2@127.0.0.1:1/soulspot",
    "postgres://me:hun/ter2@127.0.0.1:1/soulspot",
    "postgres://me:hunter2@[::1]:1/soulspot",
    "host=127.0.0.1 port=1 user=me password=hunter2",
];

fn assert_hidden(context: &str, text: &str) {
    let unbroken = text.replace("hun@ter2", "").replace("hun/ter2", "");
    assert!(
        !text.contains(SECRET) && unbroken.len() == text.len(),
        "{context} shows the password:\n{text}"
    );
}

#[test]
fn config_and_the_log_never_show_a_database_password() {
    let directory = tempfile::tempdir().unwrap();
    for url in DATABASE_URLS {
        let (_, stdout, stderr) = run_to_end(directory.path(), &["config", "--database-url", url]);
        assert_hidden(&format!("`soulspot config` with {url}"), &stdout);
        assert_hidden(&format!("`soulspot config` with {url}"), &stderr);

        // Nothing listens on port 1: the start fails, and says why without the password.
        let (ok, stdout, stderr) =
            run_to_end(directory.path(), &["migrate", "--database-url", url]);
        assert!(!ok, "{url}: {stderr}");
        assert_hidden(&format!("the log with {url}"), &stdout);
        assert_hidden(&format!("the log with {url}"), &stderr);
    }
}

#[test]
fn config_and_the_log_never_show_an_upstream_password() {
    let directory = tempfile::tempdir().unwrap();
    let variables = [
        (
            "SOULSPOT_UPSTREAMS__MUSICBRAINZ__BASE_URL",
            "https://me:hunter2@127.0.0.1:1/ws/2",
        ),
        (
            "SOULSPOT_UPSTREAMS__LRCLIB__BASE_URL",
            "http://192.0.2.1:1/api?api_key=hunter2",
        ),
        (
            "SOULSPOT_UPSTREAMS__SLSKD__BASE_URL",
            "http://me:hunter2@192.0.2.1:5030/api/v0",
        ),
    ];
    let mut command = crate::command(directory.path());
    command.arg("config");
    for (name, value) in variables {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("REDACTED@127.0.0.1:1/ws/2"), "{stdout}");
    assert_hidden("`soulspot config`", &stdout);

    let mut server = start_with(directory.path(), &[], &variables);
    assert!(terminate(&mut server).success());
    let log = drain(&server.log).join("\n");
    assert!(log.contains("plain http"), "{log}");
    assert_hidden("the log of a start", &log);
}
