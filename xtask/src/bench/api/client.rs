//! The load generator of `bench api`: a minimal HTTP/1.1 client on one persistent connection
//! (`GET`, the status line, headers and a `Content-Length` body; nothing else is needed against
//! our own server), and the phases that drive many such connections at once, one task each.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, ensure};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use super::Measured;
use crate::bench::report::{Latencies, with_thousands};

/// Buffer for one response; it grows when a body is larger (a page of 100 entries is ~70 KB).
const INITIAL_BUFFER: usize = 128 * 1024;
/// Failed requests quoted in the report, per measurement.
const ERROR_EXAMPLES: usize = 5;
/// A connection idle this long is replaced before its next request. actix-web closes a keep-alive
/// connection after 5 s without a request; reusing one past that reads an EOF, which real
/// clients avoid the same way (an idle timeout on their connection pool). Connections sit idle
/// only between phases, while the slowest connections finish their last warm-up request.
const IDLE_RECONNECT: Duration = Duration::from_secs(4);

/// Why a request got no HTTP answer.
#[derive(Debug)]
pub enum RequestError {
    /// The connection could not be (re)opened.
    Connect(std::io::Error),
    Io(std::io::Error),
    /// The server answered something this client does not understand.
    Protocol(String),
}

impl fmt::Display for RequestError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Connect(error) => write!(formatter, "cannot connect: {error}"),
            Self::Io(error) => write!(formatter, "I/O error: {error}"),
            Self::Protocol(problem) => write!(formatter, "unexpected response: {problem}"),
        }
    }
}

impl std::error::Error for RequestError {}

/// A response, borrowed from the client's buffer until the next request.
pub struct Response<'a> {
    pub status: u16,
    pub body: &'a [u8],
}

/// One keep-alive connection; it reconnects after an error or a `Connection: close`.
pub struct Client {
    address: SocketAddr,
    stream: Option<TcpStream>,
    buffer: Vec<u8>,
    /// Bytes of `buffer` read from the socket.
    filled: usize,
    /// Bytes of the previous response, dropped when the next request starts.
    consumed: usize,
    /// When the connection last finished an exchange (or opened).
    last_used: Instant,
}

impl Client {
    pub async fn connect(address: SocketAddr) -> anyhow::Result<Self> {
        let stream = open(address)
            .await
            .with_context(|| format!("cannot connect to {address}"))?;
        Ok(Self {
            address,
            stream: Some(stream),
            buffer: vec![0; INITIAL_BUFFER],
            filled: 0,
            consumed: 0,
            last_used: Instant::now(),
        })
    }

    /// Sends one prepared request and reads the whole response.
    pub async fn send(&mut self, request: &[u8]) -> Result<Response<'_>, RequestError> {
        self.buffer.copy_within(self.consumed..self.filled, 0);
        self.filled -= self.consumed;
        self.consumed = 0;
        if self.last_used.elapsed() >= IDLE_RECONNECT {
            self.stream = None;
        }
        if self.stream.is_none() {
            self.filled = 0;
            self.stream = Some(open(self.address).await.map_err(RequestError::Connect)?);
        }
        let outcome = self.exchange(request).await;
        self.last_used = Instant::now();
        match outcome {
            Ok((head, head_length)) => {
                self.consumed = head_length + head.content_length;
                if head.close {
                    self.stream = None;
                }
                Ok(Response {
                    status: head.status,
                    body: &self.buffer[head_length..self.consumed],
                })
            }
            Err(error) => {
                // The connection's state is unknown now: start the next request on a new one.
                self.stream = None;
                Err(error)
            }
        }
    }

    /// A GET that must answer 200 with JSON.
    pub async fn get_json(&mut self, key: &str, path: &str) -> anyhow::Result<serde_json::Value> {
        let request = request_bytes(self.address, key, path);
        let response = self
            .send(&request)
            .await
            .with_context(|| format!("GET {path}"))?;
        ensure!(
            response.status == 200,
            "GET {path} answered {}: {}",
            response.status,
            snippet(response.body)
        );
        serde_json::from_slice(response.body)
            .with_context(|| format!("GET {path}: the body is not JSON"))
    }

    async fn exchange(&mut self, request: &[u8]) -> Result<(Head, usize), RequestError> {
        let stream = self.stream.as_mut().ok_or_else(not_connected)?;
        stream.write_all(request).await.map_err(RequestError::Io)?;
        let head_length = loop {
            if let Some(end) = head_end(&self.buffer[..self.filled]) {
                break end;
            }
            self.fill().await?;
        };
        let head = parse_head(&self.buffer[..head_length])?;
        let total = head_length + head.content_length;
        if self.buffer.len() < total {
            self.buffer.resize(total, 0);
        }
        while self.filled < total {
            self.fill().await?;
        }
        Ok((head, head_length))
    }

    /// Reads what the socket has into the buffer, growing it when full.
    async fn fill(&mut self) -> Result<(), RequestError> {
        if self.filled == self.buffer.len() {
            self.buffer.resize(self.buffer.len() * 2, 0);
        }
        let stream = self.stream.as_mut().ok_or_else(not_connected)?;
        let read = stream
            .read(&mut self.buffer[self.filled..])
            .await
            .map_err(RequestError::Io)?;
        if read == 0 {
            return Err(RequestError::Io(std::io::ErrorKind::UnexpectedEof.into()));
        }
        self.filled += read;
        Ok(())
    }
}

fn not_connected() -> RequestError {
    RequestError::Io(std::io::ErrorKind::NotConnected.into())
}

async fn open(address: SocketAddr) -> std::io::Result<TcpStream> {
    let stream = TcpStream::connect(address).await?;
    // Requests are one small write each; Nagle would hold them back waiting for ACKs.
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// What the head of a response says.
struct Head {
    status: u16,
    content_length: usize,
    close: bool,
}

/// The length of the head, `\r\n\r\n` included, once it has arrived.
fn head_end(buffer: &[u8]) -> Option<usize> {
    buffer
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .map(|start| start + 4)
}

fn parse_head(head: &[u8]) -> Result<Head, RequestError> {
    let protocol = |problem: String| RequestError::Protocol(problem);
    let text =
        std::str::from_utf8(head).map_err(|_| protocol("the response head is not UTF-8".into()))?;
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or_else(|| protocol(format!("status line {status_line:?}")))?;
    let mut content_length = None;
    let mut close = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            content_length = Some(
                value
                    .parse::<usize>()
                    .map_err(|_| protocol(format!("Content-Length {value:?}")))?,
            );
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(protocol(format!(
                "Transfer-Encoding {value:?} (only Content-Length bodies are read)"
            )));
        } else if name.eq_ignore_ascii_case("connection") {
            close = value.eq_ignore_ascii_case("close");
        }
    }
    let content_length = match content_length {
        Some(length) => length,
        None if status == 204 || status == 304 => 0,
        None => return Err(protocol(format!("HTTP {status} without Content-Length"))),
    };
    Ok(Head {
        status,
        content_length,
        close,
    })
}

/// A GET of `path` with the API key, as bytes ready to write.
fn request_bytes(address: SocketAddr, key: &str, path: &str) -> Vec<u8> {
    format!(
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nX-Api-Key: {key}\r\n\
         Accept: application/json\r\nUser-Agent: soulspot-xtask-bench\r\n\r\n"
    )
    .into_bytes()
}

/// The prepared requests of a scenario, shared by its connections.
pub fn requests_for(address: SocketAddr, key: &str, paths: &[String]) -> Arc<[Vec<u8>]> {
    paths
        .iter()
        .map(|path| request_bytes(address, key, path))
        .collect()
}

/// The first bytes of a body, for error messages.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(300)]);
    text.replace(['\r', '\n'], " ")
}

/// When the connections of a phase stop sending: at a deadline, or after a number of requests
/// shared by all of them.
#[derive(Clone)]
pub struct Budget(Arc<BudgetKind>);

enum BudgetKind {
    Until(Instant),
    Requests { started: AtomicU64, limit: u64 },
}

impl Budget {
    pub fn until(deadline: Instant) -> Self {
        Self(Arc::new(BudgetKind::Until(deadline)))
    }

    pub fn requests(limit: u64) -> Self {
        Self(Arc::new(BudgetKind::Requests {
            started: AtomicU64::new(0),
            limit,
        }))
    }

    /// Whether one more request may start.
    fn take(&self) -> bool {
        match &*self.0 {
            BudgetKind::Until(deadline) => Instant::now() < *deadline,
            BudgetKind::Requests { started, limit } => {
                started.fetch_add(1, Ordering::Relaxed) < *limit
            }
        }
    }
}

/// What one measurement saw.
pub struct LoadFigures {
    /// Latencies of the successful (200) requests, from writing the request to the body's end.
    pub latencies: Latencies,
    pub successes: u64,
    /// Non-200 answers, by status.
    pub failed_statuses: BTreeMap<u16, u64>,
    /// Requests that got no answer (connection errors, unreadable responses).
    pub io_errors: u64,
    /// From the first request of the measured phase to the last answer.
    pub elapsed: Duration,
    /// Failed requests of the warm-up before it (not in the other figures).
    pub warm_up_errors: u64,
    pub error_examples: Vec<String>,
}

impl LoadFigures {
    pub fn errors(&self) -> u64 {
        self.failed_statuses.values().sum::<u64>() + self.io_errors
    }

    pub fn requests(&self) -> u64 {
        self.successes + self.errors()
    }

    pub fn requests_per_second(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 {
            self.requests() as f64 / seconds
        } else {
            0.0
        }
    }

    pub fn max_latency(&self) -> Duration {
        self.latencies.samples().last().unwrap_or_default()
    }

    /// `0`, or the count with its causes: `3 (HTTP 503 ×2, I/O ×1)`.
    pub fn describe_errors(&self) -> String {
        let errors = self.errors();
        if errors == 0 {
            return "0".into();
        }
        let mut causes: Vec<String> = self
            .failed_statuses
            .iter()
            .map(|(status, count)| format!("HTTP {status} ×{}", with_thousands(*count)))
            .collect();
        if self.io_errors > 0 {
            causes.push(format!("I/O ×{}", with_thousands(self.io_errors)));
        }
        format!("**{}** ({})", with_thousands(errors), causes.join(", "))
    }
}

/// Opens `connections` connections, warms them up for `warm_up`, then measures.
pub async fn measure(
    address: SocketAddr,
    requests: &Arc<[Vec<u8>]>,
    connections: usize,
    warm_up: Duration,
    measured: Measured,
) -> anyhow::Result<LoadFigures> {
    ensure!(!requests.is_empty(), "a scenario needs at least one URL");
    let mut clients = Vec::with_capacity(connections);
    // One at a time: a burst of 200 handshakes could overflow the listen backlog, and a dropped
    // SYN costs a one-second retransmit that would land in the warm-up anyway.
    for _ in 0..connections {
        clients.push(Client::connect(address).await?);
    }
    let (clients, warm_up_tally) =
        phase(clients, requests, Budget::until(Instant::now() + warm_up)).await?;
    let started = Instant::now();
    let (clients, tally) = phase(clients, requests, measured.budget()).await?;
    let elapsed = started.elapsed();
    drop(clients);
    Ok(LoadFigures {
        successes: tally.samples.len() as u64,
        latencies: Latencies::new(tally.samples, 0),
        failed_statuses: tally.failed_statuses,
        io_errors: tally.io_errors,
        elapsed,
        warm_up_errors: warm_up_tally.errors(),
        error_examples: warm_up_tally
            .examples
            .into_iter()
            .chain(tally.examples)
            .take(ERROR_EXAMPLES)
            .collect(),
    })
}

/// What the connections of one phase saw, merged.
#[derive(Default)]
struct Tally {
    samples: Vec<Duration>,
    failed_statuses: BTreeMap<u16, u64>,
    io_errors: u64,
    examples: Vec<String>,
}

impl Tally {
    fn example(&mut self, example: String) {
        if self.examples.len() < ERROR_EXAMPLES {
            self.examples.push(example);
        }
    }

    fn errors(&self) -> u64 {
        self.failed_statuses.values().sum::<u64>() + self.io_errors
    }

    fn merge(&mut self, other: Tally) {
        self.samples.extend(other.samples);
        for (status, count) in other.failed_statuses {
            *self.failed_statuses.entry(status).or_default() += count;
        }
        self.io_errors += other.io_errors;
        for example in other.examples {
            self.example(example);
        }
    }
}

/// Runs every connection on its own task until the budget is spent; returns them for the next
/// phase.
async fn phase(
    clients: Vec<Client>,
    requests: &Arc<[Vec<u8>]>,
    budget: Budget,
) -> anyhow::Result<(Vec<Client>, Tally)> {
    let tasks: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(index, client)| tokio::spawn(drive(client, requests.clone(), budget.clone(), index)))
        .collect();
    let mut clients = Vec::with_capacity(tasks.len());
    let mut total = Tally::default();
    for task in tasks {
        let (client, tally) = task.await.context("a load task failed")?;
        clients.push(client);
        total.merge(tally);
    }
    Ok((clients, total))
}

/// One connection's loop: the next URL of the rotation (each connection starts at its own), one
/// request at a time.
async fn drive(
    mut client: Client,
    requests: Arc<[Vec<u8>]>,
    budget: Budget,
    first: usize,
) -> (Client, Tally) {
    let mut tally = Tally::default();
    let mut next = first % requests.len();
    while budget.take() {
        let request = &requests[next];
        next = (next + 1) % requests.len();
        let started = Instant::now();
        match client.send(request).await {
            Ok(Response { status: 200, .. }) => tally.samples.push(started.elapsed()),
            Ok(Response { status, body }) => {
                let example = format!("HTTP {status}: {}", snippet(body));
                *tally.failed_statuses.entry(status).or_default() += 1;
                tally.example(example);
            }
            Err(error) => {
                tally.io_errors += 1;
                let stop = matches!(error, RequestError::Connect(_));
                tally.example(error.to_string());
                // Without a connection, retrying at once would only spin.
                if stop {
                    break;
                }
            }
        }
    }
    (client, tally)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_status_length_and_connection() {
        let head = b"HTTP/1.1 200 OK\r\ncontent-length: 42\r\nConnection: close\r\n\r\n";
        assert_eq!(head_end(head), Some(head.len()));
        assert_eq!(head_end(&head[..head.len() - 1]), None);
        let parsed = parse_head(head).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(parsed.status, 200);
        assert_eq!(parsed.content_length, 42);
        assert!(parsed.close);
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        for head in [
            &b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"[..],
            b"HTTP/1.1 500 Internal Server Error\r\n\r\n",
            b"HTTP/1.0 200 OK\r\ncontent-length: 1\r\n\r\n",
        ] {
            assert!(parse_head(head).is_err());
        }
        let no_body = parse_head(b"HTTP/1.1 204 No Content\r\n\r\n");
        assert!(no_body.is_ok_and(|head| head.content_length == 0));
    }
}
