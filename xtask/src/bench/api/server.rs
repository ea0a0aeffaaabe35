//! The application served in this process on a loopback port, as `soulspot serve` builds it, and
//! the capture of its WARN/ERROR log, which is how a "database is locked" behind a generic 500
//! (or a pool timeout behind a 503) gets noticed and counted.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::{Context as _, anyhow};
use soulspot_api::{ApiKey, ApiSettings, ApiState, MetricsEndpoint};
use soulspot_infrastructure::Database;
use soulspot_infrastructure::secrets::{SecretKey, XChaChaCipher};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::API_KEY;

/// How long in-flight requests may take when the server stops.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// The application, served in this process until stopped.
pub struct Server {
    pub address: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
    metrics_upkeep: JoinHandle<()>,
    /// Holds the secret key file of the credential cipher.
    _keys: tempfile::TempDir,
}

impl Server {
    /// Builds the state as `soulspot serve` does and serves it on a loopback port chosen by the
    /// kernel, with one worker per core.
    pub async fn start(database: Database) -> anyhow::Result<Self> {
        let keys = tempfile::tempdir().context("cannot create a directory for the secret key")?;
        let secret_key = SecretKey::load_or_create(&keys.path().join("secret.key"))?;
        let metrics = MetricsEndpoint::install()?;
        let state = ApiState::new(
            database,
            XChaChaCipher::new(&secret_key),
            std::sync::Arc::new(soulspot_infrastructure::SystemClock),
            metrics.clone(),
            ApiSettings {
                api_key: ApiKey::new(API_KEY.to_owned()),
                cors_origins: Vec::new(),
                max_body_bytes: 1024 * 1024,
                compression_min_bytes: 1024,
                metrics_require_key: false,
                limits: soulspot_api::ServerLimits::default(),
            },
        );
        // As `serve` does: histogram samples are folded in every few seconds.
        let metrics_upkeep = tokio::spawn(async move {
            let mut interval = tokio::time::interval(Duration::from_secs(5));
            loop {
                interval.tick().await;
                metrics.run_upkeep();
            }
        });
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .context("cannot bind a loopback port")?;
        listener.set_nonblocking(true)?;
        let address = listener.local_addr()?;
        let workers = std::thread::available_parallelism().map_or(1, usize::from);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(soulspot_api::run(
            listener,
            state,
            workers,
            SHUTDOWN_GRACE,
            async move {
                // A dropped sender stops the server too.
                let _ = stopped.await;
            },
        ));
        Ok(Self {
            address,
            stop,
            task,
            metrics_upkeep,
            _keys: keys,
        })
    }

    pub async fn stop(self) {
        let _ = self.stop.send(());
        match tokio::time::timeout(SHUTDOWN_GRACE * 2, self.task).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(error))) => eprintln!("the server failed: {error}"),
            Ok(Err(error)) => eprintln!("the server task failed: {error}"),
            Err(_) => eprintln!("the server did not stop within {SHUTDOWN_GRACE:?} × 2"),
        }
        self.metrics_upkeep.abort();
    }
}

/// The server's WARN and ERROR events, captured in memory (the fmt subscriber writes here).
#[derive(Clone, Default)]
pub struct ServerLog(Arc<Mutex<Vec<u8>>>);

impl ServerLog {
    /// Installs the capture as the process' tracing subscriber. INFO events (one per request) are
    /// filtered out at their call sites, so capturing costs nothing while all is well.
    pub fn install() -> anyhow::Result<Self> {
        let log = Self::default();
        let writer = log.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing_subscriber::filter::LevelFilter::WARN)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .try_init()
            .map_err(|error| anyhow!("cannot capture the server log: {error}"))?;
        Ok(log)
    }

    /// Everything logged since the last call.
    pub fn take(&self) -> LogExcerpt {
        let bytes = std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner));
        LogExcerpt::new(String::from_utf8_lossy(&bytes).into_owned())
    }
}

impl std::io::Write for ServerLog {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Server log lines of one measurement, and what they say.
#[derive(Debug, Default)]
pub struct LogExcerpt {
    pub text: String,
    /// WARN and ERROR events.
    pub events: usize,
    /// Lines naming SQLite's "database is locked" (or "database table is locked").
    pub locked: usize,
    /// Lines where a request found no connection in time ("the database is unavailable").
    pub unavailable: usize,
}

impl LogExcerpt {
    fn new(text: String) -> Self {
        let lines_with = |needle: &str| text.lines().filter(|line| line.contains(needle)).count();
        Self {
            events: lines_with(" WARN ") + lines_with(" ERROR "),
            locked: lines_with("is locked"),
            unavailable: lines_with("database is unavailable"),
            text,
        }
    }

    /// Echoes the first lines to stderr, where the progress goes, for diagnosis.
    pub fn echo(&self, context: &str) {
        if self.text.is_empty() {
            return;
        }
        eprintln!("server log during {context}:");
        for line in self.text.lines().take(20) {
            eprintln!("    {line}");
        }
    }
}
