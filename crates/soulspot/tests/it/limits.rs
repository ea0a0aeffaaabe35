//! Bounded connections, against the real binary on loopback: a client sending its body one byte
//! at a time is cut off at the body read timeout; a flood of idle connections never holds more
//! than `server.max_connections` sockets and each is closed at the request head timeout; event
//! streams beyond `server.max_event_streams` are refused with a 503 problem. Throughout,
//! `/health/live` keeps answering. Loads are modest (a few hundred connections) and every wait is
//! bounded.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::{Server, start_with, terminate};

const KEY: &str = "limits-test-key-0123456789";
const MAX_CONNECTIONS: usize = 64;
const MAX_EVENT_STREAMS: usize = 8;

fn limited_server(directory: &std::path::Path) -> Server {
    let max_connections = MAX_CONNECTIONS.to_string();
    let max_event_streams = MAX_EVENT_STREAMS.to_string();
    start_with(
        directory,
        &[],
        &[
            ("SOULSPOT_AUTH__API_KEY", KEY),
            ("SOULSPOT_SERVER__WORKERS", "2"),
            ("SOULSPOT_SERVER__MAX_CONNECTIONS", &max_connections),
            ("SOULSPOT_SERVER__REQUEST_HEAD_TIMEOUT_SECS", "1"),
            ("SOULSPOT_SERVER__BODY_READ_TIMEOUT_SECS", "2"),
            ("SOULSPOT_SERVER__MAX_EVENT_STREAMS", &max_event_streams),
        ],
    )
}

/// Asks `/health/live` every 200 ms on a thread until stopped; returns the slowest answer. Every
/// probe must be answered (200) within `patience`.
struct LivenessProbe {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Vec<Duration>>,
}

impl LivenessProbe {
    fn start(address: SocketAddr, patience: Duration) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut latencies = Vec::new();
            while !stopping.load(Ordering::Relaxed) {
                let started = Instant::now();
                let status = live_status(address, patience);
                let latency = started.elapsed();
                assert_eq!(status, Some(200), "/health/live after {latency:?}");
                latencies.push(latency);
                std::thread::sleep(Duration::from_millis(200));
            }
            latencies
        });
        Self { stop, thread }
    }

    /// The slowest answer and the number of probes.
    fn finish(self) -> (Duration, usize) {
        self.stop.store(true, Ordering::Relaxed);
        let latencies = self
            .thread
            .join()
            .expect("a probe was not answered in time");
        (
            latencies.iter().copied().max().unwrap_or_default(),
            latencies.len(),
        )
    }
}

fn live_status(address: SocketAddr, patience: Duration) -> Option<u16> {
    let mut stream = TcpStream::connect_timeout(&address, patience).ok()?;
    stream.set_read_timeout(Some(patience)).ok()?;
    stream.set_write_timeout(Some(patience)).ok()?;
    write!(
        stream,
        "GET /health/live HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    response.split_whitespace().nth(1)?.parse().ok()
}

/// The server process's open sockets (its listener, its connections).
fn open_sockets(server: &Server) -> usize {
    std::fs::read_dir(format!("/proc/{}/fd", server.child.id()))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|entry| std::fs::read_link(entry.path()).ok())
                .filter(|target| target.to_string_lossy().starts_with("socket:"))
                .count()
        })
        .unwrap_or(0)
}

/// Reads until the server closes the connection (or `limit` passes); returns what it sent.
fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (Vec<u8>, bool) {
    let deadline = Instant::now() + limit;
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    while Instant::now() < deadline {
        stream
            .set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        match stream.read(&mut buffer) {
            Ok(0) => return (received, true),
            Ok(read) => received.extend_from_slice(&buffer[..read]),
            Err(error)
                if matches!(
                    error.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return (received, true),
        }
    }
    (received, false)
}

#[test]
fn a_body_sent_one_byte_at_a_time_is_cut_off_at_the_body_read_timeout() {
    let directory = tempfile::tempdir().unwrap();
    let mut server = limited_server(directory.path());
    let address = server.address;
    let probe = LivenessProbe::start(address, Duration::from_secs(3));

    let clients: Vec<_> = (0..20)
        .map(|_| {
            std::thread::spawn(move || {
                let mut stream = TcpStream::connect(address).unwrap();
                let started = Instant::now();
                write!(
                    stream,
                    "PUT /api/v1/credentials/slskd HTTP/1.1\r\nHost: {address}\r\nX-Api-Key: {KEY}\r\n\
                     Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
                )
                .unwrap();
                stream.set_nonblocking(false).unwrap();
                // One byte every 300 ms, until the server stops listening.
                let mut answer = Vec::new();
                let mut closed = false;
                while started.elapsed() < Duration::from_secs(15) && !closed {
                    if stream.write_all(b" ").is_err() {
                        closed = true;
                        break;
                    }
                    let (received, ended) =
                        read_until_closed(&mut stream, Duration::from_millis(300));
                    answer.extend(received);
                    closed = ended;
                }
                (started.elapsed(), closed, String::from_utf8_lossy(&answer).into_owned())
            })
        })
        .collect();
    let mut slowest = Duration::ZERO;
    for client in clients {
        let (elapsed, closed, answer) = client.join().unwrap();
        assert!(
            closed,
            "the connection stayed open for {elapsed:?}: {answer}"
        );
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(answer.contains("application/problem+json"), "{answer}");
        assert!(answer.contains("body-timeout"), "{answer}");
        slowest = slowest.max(elapsed);
    }
    // The timeout is 2 s, then 1 s for the client to take the answer; slack for a busy machine.
    assert!(slowest < Duration::from_secs(5), "slowest: {slowest:?}");
    let (slowest_probe, probes) = probe.finish();
    eprintln!(
        "slow bodies cut off after at most {slowest:?}; {probes} liveness probes, slowest {slowest_probe:?}"
    );
    assert!(terminate(&mut server).success());
}

#[test]
fn a_flood_of_idle_connections_never_holds_more_than_max_connections() {
    let directory = tempfile::tempdir().unwrap();
    let mut server = limited_server(directory.path());
    let address = server.address;
    let baseline = open_sockets(&server);
    // Each idle connection is closed after the 1 s head timeout, a share of 64 at a time: 300
    // of them are through in about five rounds.
    let probe = LivenessProbe::start(address, Duration::from_secs(12));

    let flood_started = Instant::now();
    let flood: Vec<TcpStream> = (0..300)
        .filter_map(|_| TcpStream::connect_timeout(&address, Duration::from_secs(10)).ok())
        .collect();
    let connected = flood.len();
    let mut most_sockets = 0;
    while flood_started.elapsed() < Duration::from_secs(12) {
        most_sockets = most_sockets.max(open_sockets(&server));
        std::thread::sleep(Duration::from_millis(50));
    }
    // Every flood connection was closed by the server (none answered, none held).
    let mut still_open = 0;
    for mut stream in flood {
        let (_, closed) = read_until_closed(&mut stream, Duration::from_millis(100));
        if !closed {
            still_open += 1;
        }
    }
    let (slowest_probe, probes) = probe.finish();
    eprintln!(
        "{connected} idle connections; server sockets at most {most_sockets} (baseline {baseline}); \
         {still_open} still open after 12 s; {probes} liveness probes, slowest {slowest_probe:?}"
    );
    assert!(connected >= 250, "only {connected} connected");
    // The accept loop may hold one more connection per worker (2) while it waits for a free
    // place to hand it to.
    assert!(
        most_sockets <= baseline + MAX_CONNECTIONS + 2,
        "{most_sockets} sockets (baseline {baseline}, limit {MAX_CONNECTIONS})"
    );
    assert_eq!(still_open, 0);
    assert!(terminate(&mut server).success());
}

/// Opens `GET /api/v1/events` and reads the head: `(status, head)`.
fn open_event_stream(address: SocketAddr) -> (TcpStream, u16, String) {
    let mut stream = TcpStream::connect(address).unwrap();
    write!(
        stream,
        "GET /api/v1/events HTTP/1.1\r\nHost: {address}\r\nX-Api-Key: {KEY}\r\n\r\n"
    )
    .unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|status| status.parse().ok())
        .unwrap_or(0);
    (stream, status, head)
}

#[test]
fn event_streams_beyond_the_limit_are_refused_with_a_problem() {
    let directory = tempfile::tempdir().unwrap();
    let mut server = limited_server(directory.path());
    let address = server.address;
    let probe = LivenessProbe::start(address, Duration::from_secs(3));

    let mut open = Vec::new();
    let mut refused = 0;
    for _ in 0..3 * MAX_EVENT_STREAMS {
        let (mut stream, status, head) = open_event_stream(address);
        match status {
            200 => {
                assert!(head.contains("text/event-stream"), "{head}");
                open.push(stream);
            }
            503 => {
                assert!(head.contains("application/problem+json"), "{head}");
                assert!(head.to_ascii_lowercase().contains("retry-after"), "{head}");
                let (body, _) = read_until_closed(&mut stream, Duration::from_millis(500));
                assert!(
                    String::from_utf8_lossy(&body).contains("too-many-event-streams"),
                    "{}",
                    String::from_utf8_lossy(&body)
                );
                refused += 1;
            }
            other => panic!("status {other}: {head}"),
        }
    }
    assert_eq!(open.len(), MAX_EVENT_STREAMS);
    assert_eq!(refused, 2 * MAX_EVENT_STREAMS);

    // Closing streams gives their places back.
    drop(open);
    let closed_at = Instant::now();
    let reopened = loop {
        let (stream, status, _) = open_event_stream(address);
        if status == 200 {
            break stream;
        }
        assert!(
            closed_at.elapsed() < Duration::from_secs(40),
            "no place came back within 40 s"
        );
        std::thread::sleep(Duration::from_millis(250));
    };
    let took = closed_at.elapsed();
    drop(reopened);
    let (slowest_probe, probes) = probe.finish();
    eprintln!(
        "{} streams open, {refused} refused; a place came back {took:?} after the clients left; \
         {probes} liveness probes, slowest {slowest_probe:?}",
        MAX_EVENT_STREAMS
    );
    assert!(terminate(&mut server).success());
}
