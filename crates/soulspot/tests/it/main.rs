//! Tests of the real `soulspot` binary: start-up on a fresh data directory, health endpoints,
//! migrations applied once, graceful shutdown, and clear one-line failures.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod crash;
mod limits;
mod private_data;
mod redaction;
mod scan;
mod scan_process;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BINARY: &str = env!("CARGO_BIN_EXE_soulspot");

/// A running server process; killed if the test ends early.
struct Server {
    child: Child,
    address: SocketAddr,
    log: mpsc::Receiver<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn command(directory: &Path) -> Command {
    let mut command = Command::new(BINARY);
    command
        .current_dir(directory)
        .env_remove("RUST_LOG")
        .env("SOULSPOT_LOG__FILTER", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, _) in std::env::vars() {
        if name.starts_with("SOULSPOT_") && name != "SOULSPOT_LOG__FILTER" {
            command.env_remove(name);
        }
    }
    command
}

/// Starts `soulspot serve` in `directory` on a free port and waits until it listens.
fn start(directory: &Path, extra: &[&str]) -> Server {
    start_with(directory, extra, &[])
}

/// [`start`] with environment variables set.
#[expect(
    clippy::zombie_processes,
    reason = "the child moves into Server, whose Drop kills and waits for it"
)]
fn start_with(directory: &Path, extra: &[&str], variables: &[(&str, &str)]) -> Server {
    let mut child = command(directory)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .args(extra)
        .envs(variables.iter().copied())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (sender, log) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    loop {
        let line = log
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("no listen line: {seen:#?}"));
        if let Some(rest) = line.split("listening on http://").nth(1) {
            let address = rest
                .split_whitespace()
                .next()
                .unwrap()
                .trim_end_matches('"')
                .parse()
                .unwrap();
            return Server {
                child,
                address,
                log: with_history(seen, log),
            };
        }
        seen.push(line);
    }
}

/// Puts already-read lines back in front of the live log.
fn with_history(history: Vec<String>, live: mpsc::Receiver<String>) -> mpsc::Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in history.into_iter().chain(live.iter()) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    receiver
}

fn get(address: SocketAddr, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(5)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = response
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    (status, body)
}

fn terminate(server: &mut Server) -> std::process::ExitStatus {
    let pid = server.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    for _ in 0..200 {
        if let Some(status) = server.child.try_wait().unwrap() {
            return status;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the server did not stop within 10 s of SIGTERM");
}

fn drain(log: &mpsc::Receiver<String>) -> Vec<String> {
    let mut lines = Vec::new();
    while let Ok(line) = log.recv_timeout(Duration::from_millis(500)) {
        lines.push(line);
    }
    lines
}

#[test]
fn fresh_start_creates_the_database_and_answers_health() {
    let directory = tempfile::tempdir().unwrap();
    let mut server = start(directory.path(), &[]);
    assert!(
        directory.path().join("data/soulspot.db").is_file(),
        "./data/soulspot.db is created"
    );
    let (status, body) = get(server.address, "/health/live");
    assert_eq!(status, 200, "{body}");
    let (status, body) = get(server.address, "/health/ready");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("schema current"), "{body}");
    let (status, body) = get(server.address, "/metrics");
    assert_eq!(status, 401, "/metrics needs the key by default: {body}");
    let status = terminate(&mut server);
    assert!(status.success(), "graceful shutdown exits 0, got {status}");
    let first_log = drain(&server.log).join("\n");
    assert!(
        first_log.contains("applied database migrations"),
        "{first_log}"
    );

    // A second start finds the schema current and applies nothing.
    let mut server = start(directory.path(), &[]);
    let log: Vec<String> = drain(&server.log);
    let text = log.join("\n");
    assert!(text.contains("database schema is up to date"), "{text}");
    assert!(!text.contains("applied database migrations"), "{text}");
    assert_eq!(get(server.address, "/health/live").0, 200);
    assert!(terminate(&mut server).success());
}

fn run_to_end(directory: &Path, args: &[&str]) -> (bool, String, String) {
    let output = command(directory).args(args).output().unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn assert_one_clear_error(stderr: &str, expected: &str) {
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|line| line.starts_with("error:"))
        .collect();
    assert_eq!(errors.len(), 1, "exactly one error line:\n{stderr}");
    assert!(errors[0].contains(expected), "{stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
}

#[test]
fn unopenable_database_fails_with_one_line() {
    let directory = tempfile::tempdir().unwrap();
    // A file where the data directory should be: the database cannot be created.
    std::fs::write(directory.path().join("blocker"), "").unwrap();
    let (ok, _, stderr) = run_to_end(
        directory.path(),
        &[
            "serve",
            "--database-url",
            "sqlite://blocker/sub/soulspot.db",
        ],
    );
    assert!(!ok);
    assert_one_clear_error(&stderr, "cannot create the data directory");

    let (ok, _, stderr) = run_to_end(
        directory.path(),
        &[
            "serve",
            "--database-url",
            "postgres://nobody@127.0.0.1:1/soulspot",
        ],
    );
    assert!(!ok);
    assert_one_clear_error(&stderr, "cannot open the database");

    let (ok, _, stderr) = run_to_end(
        directory.path(),
        &["serve", "--database-url", "mysql://x/y"],
    );
    assert!(!ok);
    assert_one_clear_error(&stderr, "unsupported database scheme");
}

#[test]
fn no_migrate_refuses_a_stale_schema() {
    let directory = tempfile::tempdir().unwrap();
    let (ok, _, stderr) = run_to_end(directory.path(), &["serve", "--no-migrate"]);
    assert!(!ok);
    assert_one_clear_error(&stderr, "schema is out of date");
    let (ok, _, stderr) = run_to_end(directory.path(), &["migrate"]);
    assert!(ok, "{stderr}");
    assert!(stderr.contains("applied database migrations"), "{stderr}");
    let (ok, _, stderr) = run_to_end(directory.path(), &["migrate"]);
    assert!(ok, "{stderr}");
    assert!(stderr.contains("up to date"), "{stderr}");
    let mut server = start(directory.path(), &["--no-migrate"]);
    assert_eq!(get(server.address, "/health/ready").0, 200);
    assert!(terminate(&mut server).success());
}

#[test]
fn config_is_layered_redacted_and_strict() {
    let directory = tempfile::tempdir().unwrap();
    std::fs::write(
        directory.path().join("soulspot.toml"),
        "[server]\nbind = \"127.0.0.1:9999\"\n",
    )
    .unwrap();
    let (ok, stdout, stderr) = run_to_end(
        directory.path(),
        &[
            "config",
            "--database-url",
            "postgres://me:hunter2@db.example/soulspot",
        ],
    );
    assert!(ok, "{stderr}");
    assert!(stdout.contains("127.0.0.1:9999"), "{stdout}");
    assert!(
        !stdout.contains("hunter2"),
        "secrets are redacted:\n{stdout}"
    );

    std::fs::write(
        directory.path().join("soulspot.toml"),
        "[server]\nbnid = \"127.0.0.1:9999\"\n",
    )
    .unwrap();
    let (ok, _, stderr) = run_to_end(directory.path(), &["config"]);
    assert!(!ok);
    assert_one_clear_error(&stderr, "bnid");
}

#[test]
fn serves_on_postgres_after_migrating_it() {
    let Some(server_url) =
        soulspot_testkit::postgres_url_for_tests("serves_on_postgres_after_migrating_it")
    else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (_, database_url) = runtime.block_on(soulspot_testkit::create_empty_postgres_database(
        &server_url,
    ));
    let directory = tempfile::tempdir().unwrap();
    let mut server = start(directory.path(), &["--database-url", &database_url]);
    let (status, body) = get(server.address, "/health/ready");
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("postgres reachable, schema current"),
        "{body}"
    );
    assert!(terminate(&mut server).success());
    let log = drain(&server.log).join("\n");
    assert!(log.contains("applied database migrations"), "{log}");
    assert!(
        !directory.path().join("data/soulspot.db").exists(),
        "no SQLite file on PostgreSQL"
    );
}

#[test]
fn logs_to_a_pipe_carry_no_colour_codes_and_json_is_one_object_per_line() {
    let directory = tempfile::tempdir().unwrap();
    let (ok, _, stderr) = run_to_end(directory.path(), &["migrate"]);
    assert!(ok, "{stderr}");
    assert!(
        !stderr.contains('\u{1b}'),
        "ANSI escapes in a non-terminal log:\n{stderr:?}"
    );

    let output = command(directory.path())
        .env("SOULSPOT_LOG__FORMAT", "json")
        .arg("migrate")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    for line in stderr.lines() {
        let event: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}"));
        assert!(event["message"].is_string(), "{line}");
    }
    assert!(stderr.contains("up to date"), "{stderr}");
}

/// One request over a fresh connection: `(status, head, body)`.
fn request(
    address: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String, Vec<u8>) {
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(5)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body.as_bytes()).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let split = response
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .unwrap();
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, head, response[split + 4..].to_vec())
}

#[test]
fn first_start_makes_private_keys_seals_credentials_and_serves_docs_from_the_binary() {
    use std::os::unix::fs::PermissionsExt;
    let directory = tempfile::tempdir().unwrap();
    let mut server = start(directory.path(), &[]);
    let data = directory.path().join("data");
    for file in ["api_key", "secret.key"] {
        let mode = std::fs::metadata(data.join(file))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{file} has mode {:o}", mode & 0o777);
    }
    let key = std::fs::read_to_string(data.join("api_key")).unwrap();
    let key = key.trim_end();
    assert!(key.len() >= 32);

    let marker = "plaintext-slskd-key-7f3a9c";
    let (status, _, body) = request(
        server.address,
        "PUT",
        "/api/v1/credentials/slskd",
        &[("X-Api-Key", key), ("Content-Type", "application/json")],
        &format!("{{\"secret\":\"{marker}\"}}"),
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert!(!String::from_utf8_lossy(&body).contains(marker));
    let (status, _, _) = request(server.address, "GET", "/api/v1/credentials", &[], "");
    assert_eq!(status, 401);
    let (status, _, _) = request(
        server.address,
        "GET",
        "/api/v1/credentials",
        &[("Authorization", &format!("Bearer {key}"))],
        "",
    );
    assert_eq!(status, 200);

    // Swagger UI: the page and every asset it names come from the binary, nothing from elsewhere.
    let (status, _, page) = request(server.address, "GET", "/docs/", &[], "");
    assert_eq!(status, 200);
    let page = String::from_utf8(page).unwrap();
    let assets: Vec<&str> = page
        .split(['"', '\''])
        .filter(|part| part.ends_with(".js") || part.ends_with(".css"))
        .collect();
    assert!(assets.len() >= 2, "{page}");
    for asset in assets {
        assert!(!asset.contains("//"), "external asset {asset}");
        let path = format!("/docs/{}", asset.trim_start_matches("./"));
        let (status, _, body) = request(server.address, "GET", &path, &[], "");
        assert_eq!(status, 200, "{path}");
        assert!(!body.is_empty(), "{path}");
    }
    let (status, _, document) = request(server.address, "GET", "/api/openapi.json", &[], "");
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&document).contains("\"openapi\":\"3.1"));

    assert!(terminate(&mut server).success());
    let log = drain(&server.log).join("\n");
    assert!(
        log.contains("api_key"),
        "the key's location is logged: {log}"
    );
    assert!(!log.contains(key), "the key itself is never logged");
    assert!(!log.contains(marker), "secrets are never logged");

    // Neither the database nor its write-ahead log holds the plaintext.
    for entry in std::fs::read_dir(&data).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        assert!(
            !bytes
                .windows(marker.len())
                .any(|window| window == marker.as_bytes()),
            "{} holds the plaintext secret",
            path.display()
        );
    }

    // A restart reads the same key rather than making a new one.
    let mut server = start(directory.path(), &[]);
    let (status, _, body) = request(
        server.address,
        "GET",
        "/api/v1/credentials/slskd",
        &[("X-Api-Key", key)],
        "",
    );
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&body).contains("\"set\":true"));
    assert!(terminate(&mut server).success());
}
