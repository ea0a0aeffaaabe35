//! Configuration: compiled defaults → `soulspot.toml` → `SOULSPOT_…` environment variables
//! (nested keys joined by `__`) → command-line flags. Unknown keys are errors, so a typo is never
//! silently ignored. Only this crate reads configuration files and the environment.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use soulspot_domain::redact::redact_url;
use soulspot_infrastructure::{DatabaseUrl, PoolSettings};

/// The file read when `--config` is not given (optional: missing is fine).
pub const DEFAULT_CONFIG_FILE: &str = "soulspot.toml";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where SoulSpot keeps its own files (the SQLite database, keys). Created on first start.
    pub data_dir: PathBuf,
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub log: LogConfig,
    pub auth: AuthConfig,
    pub metrics: MetricsConfig,
    pub worker: WorkerConfig,
    pub http: HttpConfig,
    pub upstreams: UpstreamsConfig,
    pub musicbrainz: MusicBrainzConfig,
    pub spotify: SpotifyConfig,
    pub slskd: SlskdConfig,
    pub library: LibraryConfig,
}

/// The music library on disk and how it is scanned.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LibraryConfig {
    /// The folder holding your music. Empty: no library yet (scans are refused until it is set).
    pub music_folder: PathBuf,
    /// Whether folders and files whose names start with `.` are scanned.
    pub include_hidden: bool,
    /// Whether symbolic links to folders are followed (loops are detected either way; a link
    /// leading out of the music folder is never followed).
    pub follow_folder_links: bool,
    /// Files per scan batch: one transaction each, and the scan notices cancellation between
    /// batches.
    pub scan_batch_files: usize,
    /// Threads reading tags at once during a scan.
    pub scan_readers: usize,
    /// Whether worker processes watch the music folder and queue a quick scan of the folders
    /// that changed.
    pub watch: bool,
    /// Seconds of quiet after the last change before the watch queues its scans.
    pub watch_debounce_secs: u64,
}

/// The Spotify app this installation signs in with (each household registers its own).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SpotifyConfig {
    /// The Client ID of your app in Spotify's developer dashboard; empty: Spotify is off.
    pub client_id: String,
}

/// The slskd daemon SoulSpot downloads through.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SlskdConfig {
    /// One of slskd's `web.authentication.api_keys`; empty: downloads are off. Redacted by
    /// `soulspot config`.
    pub api_key: String,
    /// The Soulseek search budget: at most this many searches in any window of
    /// `search_window_secs` (the Soulseek server bans clients that search faster).
    pub searches_per_window: u32,
    pub search_window_secs: u64,
}

/// The one outbound HTTP client's pool.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    pub connect_timeout_secs: u64,
    /// Seconds an idle pooled connection is kept open.
    pub pool_idle_timeout_secs: u64,
    pub pool_max_idle_per_host: usize,
}

/// The policy of each upstream service.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UpstreamsConfig {
    pub musicbrainz: UpstreamConfig,
    pub coverartarchive: UpstreamConfig,
    pub lrclib: UpstreamConfig,
    pub spotify_accounts: UpstreamConfig,
    pub spotify_api: UpstreamConfig,
    pub slskd: UpstreamConfig,
}

/// How SoulSpot calls one upstream service.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UpstreamConfig {
    /// The service's root (a self-hosted mirror's too).
    pub base_url: String,
    /// Seconds one request may take, body included.
    pub timeout_secs: u64,
    /// Average requests per second for the whole process (0: no limit).
    pub rate_per_second: f64,
    /// Requests allowed at once after a quiet spell.
    pub burst: u32,
    /// Requests in flight at once.
    pub max_concurrency: usize,
    /// Retries of an idempotent request after a transient failure.
    pub max_retries: u32,
    pub retry_base_ms: u64,
    pub retry_max_secs: u64,
    /// The longest `Retry-After` a call waits out; longer ones fail the call (the job retries).
    pub max_wait_secs: u64,
    /// Consecutive failures that open the circuit breaker, and its cool-down in seconds.
    pub breaker_failures: u32,
    pub breaker_cool_down_secs: u64,
    /// The largest answer accepted, in bytes (larger: the call fails).
    pub max_response_bytes: usize,
    /// Answers kept in memory, for how long, and "not found" answers for how long.
    pub cache_capacity: usize,
    /// Bytes the cached answers may hold together (counted for cover images, the only large
    /// answers; the other caches are bounded by `cache_capacity`).
    pub cache_max_bytes: usize,
    pub cache_ttl_secs: u64,
    pub not_found_ttl_secs: u64,
}

impl UpstreamConfig {
    /// The defaults every service starts from; each service then sets its own URL and limits.
    fn with_base_url(base_url: &str) -> Self {
        Self {
            base_url: base_url.to_owned(),
            timeout_secs: 30,
            rate_per_second: 0.0,
            burst: 1,
            max_concurrency: 4,
            max_retries: 3,
            retry_base_ms: 1_000,
            retry_max_secs: 30,
            max_wait_secs: 120,
            breaker_failures: 5,
            breaker_cool_down_secs: 60,
            max_response_bytes: 2 * MIB,
            cache_capacity: 10_000,
            cache_max_bytes: 64 * MIB,
            cache_ttl_secs: 7 * 24 * 3600,
            not_found_ttl_secs: 24 * 3600,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MusicBrainzConfig {
    /// An email address or URL MusicBrainz can reach you at; it goes into the User-Agent
    /// (`SoulSpot/<version> ( <contact> )`). MusicBrainz lookups are off until it is set.
    pub contact: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WorkerConfig {
    /// Jobs one worker process runs at once.
    pub slots: usize,
    /// Most jobs of one kind at once, by kind (e.g. `"library.scan" = 1`); others up to `slots`.
    pub per_kind_limits: std::collections::BTreeMap<String, usize>,
    /// Seconds a claim holds a job without a heartbeat; a crashed worker's jobs return after it.
    pub lease_secs: u64,
    /// Seconds between heartbeats (at most a third of the lease).
    pub heartbeat_secs: u64,
    /// Seconds an idle worker waits before looking for work unprompted.
    pub poll_secs: u64,
    /// Seconds running jobs may finish after shutdown is requested; then their leases are given
    /// back and they run again later.
    pub shutdown_grace_secs: u64,
    /// First retry delay of a failing job, in seconds (doubling, with jitter, up to the maximum).
    pub retry_base_secs: u64,
    pub retry_max_secs: u64,
    /// Hours between database maintenance runs (optimise, prune old jobs); 0 turns it off.
    pub maintenance_every_hours: u64,
    /// Days finished jobs are kept before maintenance deletes them.
    pub keep_finished_jobs_days: u64,
    /// Registers `diagnostics.sleep`, a job that sleeps and records a marker file in
    /// `<data_dir>/diagnostics` (for checking a deployment's workers, and for crash tests).
    pub diagnostic_jobs: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// The API key clients must send. Empty: a random key is generated on first start into
    /// `<data_dir>/api_key` (mode 0600) and read from there afterwards.
    pub api_key: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    /// Whether `/metrics` needs the API key like `/api` routes (by default it does; turn it off
    /// for a scraper on a trusted network that cannot send a key).
    pub require_api_key: bool,
}

/// The shortest configured API key accepted.
pub const MIN_API_KEY_CHARS: usize = 16;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Address and port the HTTP API listens on. Loopback by default: exposing SoulSpot is a choice.
    pub bind: SocketAddr,
    /// HTTP worker threads (0: one per core).
    pub workers: usize,
    /// Seconds in-flight requests get to finish on shutdown.
    pub shutdown_grace_secs: u64,
    /// Origins (`https://host:port`) whose browser pages may call the API. Empty: none.
    pub cors_origins: Vec<String>,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Responses smaller than this are sent uncompressed (compressing them costs more than it
    /// saves).
    pub compression_min_bytes: usize,
    /// Connections open at once, across all HTTP workers; more wait until one closes.
    pub max_connections: usize,
    /// Seconds a connection may take to send a request's head.
    pub request_head_timeout_secs: u64,
    /// Seconds reading one request's body may take.
    pub body_read_timeout_secs: u64,
    /// Event streams (`/api/v1/events`) open at once; more are refused (503).
    pub max_event_streams: usize,
}

impl ServerConfig {
    /// The HTTP layer's limits from this section.
    pub fn limits(&self) -> soulspot_api::ServerLimits {
        soulspot_api::ServerLimits {
            max_connections: self.max_connections,
            request_head_timeout: Duration::from_secs(self.request_head_timeout_secs),
            body_read_timeout: Duration::from_secs(self.body_read_timeout_secs),
            max_event_streams: self.max_event_streams,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite://PATH`, a bare path, or `postgres://…`. Empty: `<data_dir>/soulspot.db`.
    pub url: String,
    pub pool: PoolConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PoolConfig {
    pub max_size: usize,
    pub wait_timeout_ms: u64,
    pub create_timeout_ms: u64,
    pub recycle_timeout_ms: u64,
    /// Seconds a connection may live before it is replaced (0: forever).
    pub max_lifetime_secs: u64,
    pub sqlite_busy_timeout_ms: u64,
    /// SQLite only: WAL pages written before a commit checkpoints them into the database file.
    pub sqlite_wal_autocheckpoint_pages: u32,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    pub format: LogFormat,
    /// A tracing filter such as `info` or `soulspot=debug,info`. `RUST_LOG` is not read.
    pub filter: String,
}

impl Default for Config {
    fn default() -> Self {
        let pool = PoolSettings::default();
        Self {
            data_dir: PathBuf::from("data"),
            library: LibraryConfig {
                music_folder: PathBuf::new(),
                include_hidden: false,
                follow_folder_links: false,
                scan_batch_files: 500,
                scan_readers: 2,
                watch: false,
                watch_debounce_secs: 10,
            },
            server: ServerConfig {
                bind: SocketAddr::from(([127, 0, 0, 1], 8765)),
                workers: 0,
                shutdown_grace_secs: 10,
                cors_origins: Vec::new(),
                max_body_bytes: 1024 * 1024,
                compression_min_bytes: 1024,
                max_connections: 1024,
                request_head_timeout_secs: 5,
                body_read_timeout_secs: 30,
                max_event_streams: 64,
            },
            database: DatabaseConfig {
                url: String::new(),
                pool: PoolConfig {
                    max_size: pool.max_size,
                    wait_timeout_ms: millis(pool.wait_timeout),
                    create_timeout_ms: millis(pool.create_timeout),
                    recycle_timeout_ms: millis(pool.recycle_timeout),
                    max_lifetime_secs: pool.max_lifetime.map_or(0, |lifetime| lifetime.as_secs()),
                    sqlite_busy_timeout_ms: millis(pool.sqlite_busy_timeout),
                    sqlite_wal_autocheckpoint_pages: pool.sqlite_wal_autocheckpoint_pages,
                },
            },
            log: LogConfig {
                format: LogFormat::Text,
                filter: "info".into(),
            },
            auth: AuthConfig {
                api_key: String::new(),
            },
            metrics: MetricsConfig {
                require_api_key: true,
            },
            worker: WorkerConfig {
                slots: 4,
                per_kind_limits: std::collections::BTreeMap::new(),
                lease_secs: 30,
                heartbeat_secs: 10,
                poll_secs: 5,
                shutdown_grace_secs: 10,
                retry_base_secs: 5,
                retry_max_secs: 900,
                maintenance_every_hours: 24,
                keep_finished_jobs_days: 14,
                diagnostic_jobs: false,
            },
            http: HttpConfig {
                connect_timeout_secs: 10,
                pool_idle_timeout_secs: 90,
                pool_max_idle_per_host: 8,
            },
            upstreams: UpstreamsConfig {
                // One request per second on average: MusicBrainz's rule for every client.
                musicbrainz: UpstreamConfig {
                    rate_per_second: 1.0,
                    max_concurrency: 2,
                    ..UpstreamConfig::with_base_url("https://musicbrainz.org/ws/2")
                },
                // Redirects to the Internet Archive, which can be slow; images never change.
                coverartarchive: UpstreamConfig {
                    timeout_secs: 60,
                    max_response_bytes: 10 * MIB,
                    cache_capacity: 500,
                    cache_ttl_secs: 30 * 24 * 3600,
                    ..UpstreamConfig::with_base_url("https://coverartarchive.org")
                },
                lrclib: UpstreamConfig {
                    timeout_secs: 45,
                    ..UpstreamConfig::with_base_url("https://lrclib.net/api")
                },
                // Token requests are never retried (a code is single-use); nothing to cache.
                spotify_accounts: UpstreamConfig::with_base_url("https://accounts.spotify.com"),
                spotify_api: UpstreamConfig::with_base_url("https://api.spotify.com/v1"),
                // A daemon on the LAN; its own limits are the search budget and one POST at a
                // time, which the client enforces.
                // A search's responses from hundreds of peers can run to megabytes of JSON.
                slskd: UpstreamConfig {
                    timeout_secs: 60,
                    max_response_bytes: 16 * MIB,
                    ..UpstreamConfig::with_base_url("http://127.0.0.1:5030/api/v0")
                },
            },
            musicbrainz: MusicBrainzConfig {
                contact: String::new(),
            },
            spotify: SpotifyConfig {
                client_id: String::new(),
            },
            slskd: SlskdConfig {
                api_key: String::new(),
                searches_per_window: 34,
                search_window_secs: 220,
            },
        }
    }
}

const MIB: usize = 1024 * 1024;

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

impl UpstreamsConfig {
    /// Each service's policy with its name (the key in `[upstreams.<name>]`).
    pub fn named(&self) -> [(&'static str, &UpstreamConfig); 6] {
        [
            ("musicbrainz", &self.musicbrainz),
            ("coverartarchive", &self.coverartarchive),
            ("lrclib", &self.lrclib),
            ("spotify_accounts", &self.spotify_accounts),
            ("spotify_api", &self.spotify_api),
            ("slskd", &self.slskd),
        ]
    }
}

impl UpstreamConfig {
    fn validate(&self) -> anyhow::Result<()> {
        let url = url::Url::parse(&self.base_url)
            .with_context(|| format!("base_url {:?} is not a URL", redact_url(&self.base_url)))?;
        anyhow::ensure!(
            matches!(url.scheme(), "http" | "https"),
            "base_url must be http:// or https://"
        );
        anyhow::ensure!(
            self.rate_per_second.is_finite() && self.rate_per_second >= 0.0,
            "rate_per_second must be 0 (no limit) or more"
        );
        anyhow::ensure!(
            self.timeout_secs >= 1 && self.max_concurrency >= 1 && self.burst >= 1,
            "timeout_secs, max_concurrency and burst must be at least 1"
        );
        anyhow::ensure!(
            self.retry_base_ms >= 1 && self.retry_base_ms <= self.retry_max_secs * 1_000,
            "retry_base_ms must be at least 1 and at most retry_max_secs"
        );
        anyhow::ensure!(
            self.breaker_failures >= 1 && self.breaker_cool_down_secs >= 1,
            "breaker_failures and breaker_cool_down_secs must be at least 1"
        );
        anyhow::ensure!(
            self.cache_capacity >= 1 && self.cache_ttl_secs >= 1 && self.not_found_ttl_secs >= 1,
            "cache_capacity, cache_ttl_secs and not_found_ttl_secs must be at least 1"
        );
        anyhow::ensure!(
            (1024..=256 * MIB).contains(&self.max_response_bytes),
            "max_response_bytes must be 1024 to 268435456 (256 MiB)"
        );
        anyhow::ensure!(
            self.cache_max_bytes >= self.max_response_bytes,
            "cache_max_bytes must be at least max_response_bytes (or no answer could be kept)"
        );
        Ok(())
    }
}

/// Values given on the command line; they override everything else.
#[derive(Debug, Default, Clone, Serialize)]
pub struct FlagOverrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<ServerOverrides>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<DatabaseOverrides>,
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct ServerOverrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind: Option<SocketAddr>,
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct DatabaseOverrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl LibraryConfig {
    /// The scan's settings from this section.
    pub fn scan_settings(&self) -> soulspot_application::scan::ScanSettings {
        soulspot_application::scan::ScanSettings {
            batch_files: self.scan_batch_files,
            readers: self.scan_readers,
            walk: soulspot_domain::scan::WalkOptions {
                include_hidden: self.include_hidden,
                follow_folder_links: self.follow_folder_links,
                link_boundary: Some(self.music_folder.clone())
                    .filter(|folder| !folder.as_os_str().is_empty()),
            },
            ..soulspot_application::scan::ScanSettings::default()
        }
    }
}

impl Config {
    /// Layers the sources. `config_file` is required to exist when given explicitly.
    pub fn load(
        config_file: Option<&Path>,
        environment: impl IntoIterator<Item = (String, String)>,
        flags: &FlagOverrides,
    ) -> anyhow::Result<Self> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match config_file {
            Some(path) => {
                anyhow::ensure!(
                    path.is_file(),
                    "the configuration file {} does not exist",
                    path.display()
                );
                figment = figment.merge(Toml::file_exact(path));
            }
            None if Path::new(DEFAULT_CONFIG_FILE).is_file() => {
                figment = figment.merge(Toml::file_exact(DEFAULT_CONFIG_FILE))
            }
            None => {}
        }
        // The environment is passed in (not read here) so tests can give their own.
        figment = figment
            .merge(Serialized::defaults(environment_layer(environment)))
            .merge(Serialized::defaults(flags));
        let config: Config = figment
            .extract()
            .map_err(|error| anyhow::anyhow!("invalid configuration: {error}"))?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.database.pool.max_size > 0,
            "database.pool.max_size must be at least 1"
        );
        anyhow::ensure!(
            self.database.pool.sqlite_wal_autocheckpoint_pages > 0,
            "database.pool.sqlite_wal_autocheckpoint_pages must be at least 1 (0 would let the \
             write-ahead log grow without bound)"
        );
        anyhow::ensure!(
            !self.log.filter.trim().is_empty(),
            "log.filter cannot be empty"
        );
        self.database_url()?;
        let key = &self.auth.api_key;
        anyhow::ensure!(
            key.is_empty()
                || (key.len() >= MIN_API_KEY_CHARS && key.bytes().all(|b| b.is_ascii_graphic())),
            "auth.api_key must be empty (generate one) or at least {MIN_API_KEY_CHARS} visible ASCII characters"
        );
        anyhow::ensure!(
            self.server.max_body_bytes >= 1024,
            "server.max_body_bytes must be at least 1024"
        );
        let server = &self.server;
        anyhow::ensure!(
            (1..=3_600).contains(&server.request_head_timeout_secs)
                && (1..=3_600).contains(&server.body_read_timeout_secs),
            "server.request_head_timeout_secs and server.body_read_timeout_secs must be 1-3600"
        );
        anyhow::ensure!(
            server.max_event_streams >= 1 && server.max_event_streams < server.max_connections,
            "server.max_event_streams must be at least 1 and less than server.max_connections \
             (event streams must never take every connection)"
        );
        let library = &self.library;
        anyhow::ensure!(
            library.music_folder.as_os_str().is_empty() || library.music_folder.is_absolute(),
            "library.music_folder must be an absolute path (or empty: no library yet)"
        );
        anyhow::ensure!(
            (1..=100_000).contains(&library.scan_batch_files)
                && (1..=64).contains(&library.scan_readers),
            "library.scan_batch_files must be 1-100000 and library.scan_readers 1-64"
        );
        anyhow::ensure!(
            library.watch_debounce_secs >= 1,
            "library.watch_debounce_secs must be at least 1"
        );
        anyhow::ensure!(
            !library.watch || !library.music_folder.as_os_str().is_empty(),
            "library.watch needs library.music_folder"
        );
        let worker = &self.worker;
        anyhow::ensure!(worker.slots >= 1, "worker.slots must be at least 1");
        anyhow::ensure!(
            worker.lease_secs >= 3
                && worker.heartbeat_secs >= 1
                && worker.heartbeat_secs * 3 <= worker.lease_secs,
            "worker.heartbeat_secs must be at least 1 and at most a third of worker.lease_secs (at least 3)"
        );
        anyhow::ensure!(
            worker.poll_secs >= 1
                && worker.retry_base_secs >= 1
                && worker.retry_base_secs <= worker.retry_max_secs,
            "worker.poll_secs and worker.retry_base_secs must be at least 1, and retry_base_secs at most retry_max_secs"
        );
        for (kind, limit) in &worker.per_kind_limits {
            soulspot_domain::JobKind::parse(kind)
                .with_context(|| format!("worker.per_kind_limits: {kind:?}"))?;
            anyhow::ensure!(
                *limit >= 1,
                "worker.per_kind_limits.{kind} must be at least 1"
            );
        }
        anyhow::ensure!(
            self.http.connect_timeout_secs >= 1,
            "http.connect_timeout_secs must be at least 1"
        );
        anyhow::ensure!(
            self.slskd.searches_per_window >= 1 && self.slskd.search_window_secs >= 1,
            "slskd.searches_per_window and slskd.search_window_secs must be at least 1"
        );
        for (name, upstream) in self.upstreams.named() {
            upstream
                .validate()
                .with_context(|| format!("upstreams.{name}"))?;
        }
        for origin in &self.server.cors_origins {
            let parsed = url::Url::parse(origin)
                .with_context(|| format!("server.cors_origins: {origin:?} is not an origin"))?;
            anyhow::ensure!(
                matches!(parsed.scheme(), "http" | "https")
                    && parsed.path() == "/"
                    && !origin.ends_with('/')
                    && parsed.query().is_none(),
                "server.cors_origins: {origin:?} must be scheme://host[:port], without a path"
            );
        }
        Ok(())
    }

    /// The database to use: the configured URL, or the SQLite file in the data directory.
    pub fn database_url(&self) -> anyhow::Result<DatabaseUrl> {
        if self.database.url.trim().is_empty() {
            return Ok(DatabaseUrl::Sqlite(self.data_dir.join("soulspot.db")));
        }
        DatabaseUrl::parse(&self.database.url).context("database.url")
    }

    pub fn pool_settings(&self) -> PoolSettings {
        let pool = &self.database.pool;
        PoolSettings {
            max_size: pool.max_size,
            wait_timeout: Duration::from_millis(pool.wait_timeout_ms),
            create_timeout: Duration::from_millis(pool.create_timeout_ms),
            recycle_timeout: Duration::from_millis(pool.recycle_timeout_ms),
            max_lifetime: (pool.max_lifetime_secs > 0)
                .then(|| Duration::from_secs(pool.max_lifetime_secs)),
            sqlite_busy_timeout: Duration::from_millis(pool.sqlite_busy_timeout_ms),
            sqlite_wal_autocheckpoint_pages: pool.sqlite_wal_autocheckpoint_pages,
        }
    }

    /// The effective configuration as TOML, with secrets redacted: keys, and the user info and
    /// secret parameters of every URL (the database's, each upstream's base URL).
    pub fn to_redacted_toml(&self) -> anyhow::Result<String> {
        let mut shown = self.clone();
        if !shown.database.url.trim().is_empty() {
            shown.database.url = self.database_url()?.redacted();
        }
        let upstreams = &mut shown.upstreams;
        for upstream in [
            &mut upstreams.musicbrainz,
            &mut upstreams.coverartarchive,
            &mut upstreams.lrclib,
            &mut upstreams.spotify_accounts,
            &mut upstreams.spotify_api,
            &mut upstreams.slskd,
        ] {
            upstream.base_url = redact_url(&upstream.base_url);
        }
        if !shown.auth.api_key.is_empty() {
            shown.auth.api_key = "REDACTED".into();
        }
        if !shown.slskd.api_key.is_empty() {
            shown.slskd.api_key = "REDACTED".into();
        }
        Ok(toml::to_string_pretty(&shown)?)
    }
}

/// `SOULSPOT_SERVER__BIND=…` → `{server: {bind: …}}`, values typed the way figment's `Env`
/// provider types them ("3" is a number, "true" a boolean).
fn environment_layer(
    environment: impl IntoIterator<Item = (String, String)>,
) -> figment::value::Dict {
    use figment::value::{Dict, Value};
    let mut root = Dict::new();
    for (name, raw) in environment {
        let Some(key) = name.strip_prefix(ENV_PREFIX) else {
            continue;
        };
        let path: Vec<String> = key.split("__").map(str::to_lowercase).collect();
        let value: Value = raw.parse().unwrap_or_else(|never| match never {});
        let mut dict = &mut root;
        for (depth, segment) in path.iter().enumerate() {
            if depth + 1 == path.len() {
                dict.insert(segment.clone(), value.clone());
            } else {
                let entry = dict
                    .entry(segment.clone())
                    .or_insert_with(|| Value::from(Dict::new()));
                if !matches!(entry, Value::Dict(..)) {
                    *entry = Value::from(Dict::new());
                }
                let Value::Dict(_, inner) = entry else { break };
                dict = inner;
            }
        }
    }
    root
}

/// Environment variables with this prefix configure SoulSpot.
pub const ENV_PREFIX: &str = "SOULSPOT_";

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn layers_override_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("soulspot.toml");
        std::fs::write(
            &file,
            "data_dir = \"/from-file\"\n[server]\nbind = \"127.0.0.1:9000\"\n",
        )
        .unwrap();
        let config = Config::load(Some(&file), env(&[]), &FlagOverrides::default()).unwrap();
        assert_eq!(config.data_dir, PathBuf::from("/from-file"));
        assert_eq!(config.server.bind.port(), 9000);

        let environment = env(&[
            ("SOULSPOT_SERVER__BIND", "127.0.0.1:9001"),
            ("SOULSPOT_DATABASE__POOL__MAX_SIZE", "3"),
        ]);
        let config =
            Config::load(Some(&file), environment.clone(), &FlagOverrides::default()).unwrap();
        assert_eq!(config.server.bind.port(), 9001);
        assert_eq!(config.database.pool.max_size, 3);

        let flags = FlagOverrides {
            server: Some(ServerOverrides {
                bind: Some("127.0.0.1:9002".parse().unwrap()),
            }),
            ..FlagOverrides::default()
        };
        let config = Config::load(Some(&file), environment, &flags).unwrap();
        assert_eq!(config.server.bind.port(), 9002);
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("soulspot.toml");
        std::fs::write(&file, "[server]\nbnid = \"127.0.0.1:9000\"\n").unwrap();
        let error = Config::load(Some(&file), env(&[]), &FlagOverrides::default()).unwrap_err();
        assert!(format!("{error:#}").contains("bnid"), "{error:#}");
        let error = Config::load(
            None,
            env(&[("SOULSPOT_SERVR__BIND", "x")]),
            &FlagOverrides::default(),
        )
        .unwrap_err();
        assert!(format!("{error:#}").contains("servr"), "{error:#}");
    }

    #[test]
    fn defaults_and_redaction() {
        let config = Config::default();
        assert_eq!(config.server.bind.to_string(), "127.0.0.1:8765");
        assert_eq!(
            config.database_url().unwrap(),
            DatabaseUrl::Sqlite(PathBuf::from("data/soulspot.db"))
        );
        let mut config = Config::default();
        config.database.url = "postgres://user:hunter2@db.local/soulspot".into();
        config.auth.api_key = "correct-horse-battery-staple".into();
        let shown = config.to_redacted_toml().unwrap();
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("battery"), "{shown}");
        assert!(shown.contains("REDACTED"));
    }

    #[test]
    fn short_api_keys_and_origins_with_paths_are_refused() {
        for (name, value) in [
            ("SOULSPOT_AUTH__API_KEY", "short"),
            (
                "SOULSPOT_SERVER__CORS_ORIGINS",
                "[\"https://example.org/app\"]",
            ),
            (
                "SOULSPOT_DATABASE__POOL__SQLITE_WAL_AUTOCHECKPOINT_PAGES",
                "0",
            ),
        ] {
            let error = Config::load(None, env(&[(name, value)]), &FlagOverrides::default());
            assert!(error.is_err(), "{name}={value} was accepted");
        }
        let config = Config::load(
            None,
            env(&[(
                "SOULSPOT_SERVER__CORS_ORIGINS",
                "[\"http://localhost:3000\"]",
            )]),
            &FlagOverrides::default(),
        )
        .unwrap();
        assert_eq!(config.server.cors_origins, ["http://localhost:3000"]);
    }

    #[test]
    fn missing_explicit_file_is_an_error() {
        let error = Config::load(
            Some(Path::new("/nonexistent/soulspot.toml")),
            env(&[]),
            &FlagOverrides::default(),
        );
        assert!(error.is_err());
    }

    #[test]
    fn outbound_answers_are_bounded_per_upstream() {
        let config = Config::default();
        let upstreams = &config.upstreams;
        assert_eq!(upstreams.coverartarchive.max_response_bytes, 10 * MIB);
        for json_api in [
            &upstreams.musicbrainz,
            &upstreams.lrclib,
            &upstreams.spotify_accounts,
            &upstreams.spotify_api,
        ] {
            assert_eq!(json_api.max_response_bytes, 2 * MIB);
        }
        for (name, value) in [
            ("SOULSPOT_UPSTREAMS__LRCLIB__MAX_RESPONSE_BYTES", "100"),
            (
                "SOULSPOT_UPSTREAMS__COVERARTARCHIVE__CACHE_MAX_BYTES",
                "1024",
            ),
            ("SOULSPOT_SERVER__MAX_EVENT_STREAMS", "5000"),
            ("SOULSPOT_SERVER__BODY_READ_TIMEOUT_SECS", "0"),
        ] {
            let error = Config::load(None, env(&[(name, value)]), &FlagOverrides::default());
            assert!(error.is_err(), "{name}={value} was accepted");
        }
        assert!(config.metrics.require_api_key);
        assert!(!config.library.follow_folder_links);
    }

    #[test]
    fn one_upstream_key_keeps_the_other_defaults_of_its_service() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("soulspot.toml");
        std::fs::write(
            &file,
            "[upstreams.musicbrainz]\nbase_url = \"http://127.0.0.1:5000/ws/2\"\n",
        )
        .unwrap();
        let config = Config::load(Some(&file), env(&[]), &FlagOverrides::default()).unwrap();
        let musicbrainz = &config.upstreams.musicbrainz;
        assert_eq!(musicbrainz.base_url, "http://127.0.0.1:5000/ws/2");
        assert_eq!(
            musicbrainz.rate_per_second, 1.0,
            "MusicBrainz's own default stays"
        );
        assert_eq!(config.upstreams.coverartarchive.timeout_secs, 60);
        for (name, value) in [
            (
                "SOULSPOT_UPSTREAMS__LRCLIB__BASE_URL",
                "ftp://lrclib.example",
            ),
            ("SOULSPOT_UPSTREAMS__LRCLIB__RATE_PER_SECOND", "-1"),
            ("SOULSPOT_UPSTREAMS__LRCLIB__MAX_CONCURRENCY", "0"),
            ("SOULSPOT_UPSTREAMS__SPOTIFI__BASE_URL", "https://x.example"),
        ] {
            let error = Config::load(None, env(&[(name, value)]), &FlagOverrides::default());
            assert!(error.is_err(), "{name}={value} was accepted");
        }
    }
}
