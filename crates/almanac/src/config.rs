//! Configuration: command-line flags with environment fallbacks (clap), validated once at start
//! into plain settings structs so that a bad value stops the process with a clear message.

use std::fs;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::http::HeaderValue;

use crate::accounts::LoginThrottle;
use crate::events::SeriesLimits;
use crate::jobs::QueueTarget;
use crate::redact::url_without_password;
use crate::storage::{DatabaseTarget, PoolSettings};

/// The smallest signing key we accept, as for any HS256 secret.
pub const MIN_SECRET_KEY_BYTES: usize = 32;
const SECRET_KEY_FILE: &str = "secret_key";
const SQLITE_FILE: &str = "almanac.sqlite3";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "{setting} must start with postgres://, postgresql:// or sqlite:// (got {0:?})",
        setting = Setting("DATABASE_URL")
    )]
    UnsupportedDatabaseUrl(String),
    #[error(
        "{setting} is required with PostgreSQL: every web and worker process must sign tokens with the \
         same key (at least {MIN_SECRET_KEY_BYTES} bytes)",
        setting = Setting("ALMANAC_SECRET_KEY")
    )]
    SecretKeyRequired,
    #[error(
        "{setting} must be at least {MIN_SECRET_KEY_BYTES} bytes long (got {0})",
        setting = Setting("ALMANAC_SECRET_KEY")
    )]
    SecretKeyTooShort(usize),
    #[error("the secret key file {path} is unusable: {reason}")]
    SecretKeyFile { path: PathBuf, reason: String },
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{setting} must be longer than zero")]
    ZeroDuration { setting: Setting },
    #[error("{setting} must be at least 1")]
    ZeroCount { setting: Setting },
    #[error(
        "{setting} must be between 1 day and 100 years (got {0:?})",
        setting = Setting("ALMANAC_HORIZON")
    )]
    HorizonOutOfRange(Duration),
    #[error(
        "{setting}: {0:?} is not an origin like https://calendar.example.com",
        setting = Setting("ALMANAC_CORS_ORIGINS")
    )]
    BadCorsOrigin(String),
    #[error(
        "{setting} must look like redis://host:6379/0 (got {0:?})",
        setting = Setting("REDIS_URL")
    )]
    BadRedisUrl(String),
    #[error(
        "`almanac worker` runs jobs from Redis: set {setting} (without Redis, `almanac serve` runs its \
         own jobs)",
        setting = Setting("REDIS_URL")
    )]
    WorkerNeedsRedis,
    #[error(
        "{setting} must be letters, digits, '-', '_' or ':' (got {0:?})",
        setting = Setting("ALMANAC_REDIS_NAMESPACE")
    )]
    BadRedisNamespace(String),
}

/// A setting as a message names it: by its flag and its environment variable, since either may be
/// where the value came from (`--secret-key (ALMANAC_SECRET_KEY)`). Every flag is its variable
/// without `ALMANAC_`, in lower case, with dashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting(pub &'static str);

impl std::fmt::Display for Setting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", flag_of(self.0), self.0)
    }
}

fn flag_of(variable: &str) -> String {
    let name = variable.strip_prefix("ALMANAC_").unwrap_or(variable);
    format!("--{}", name.to_ascii_lowercase().replace('_', "-"))
}

/// A signing key. Its `Debug` never shows the value.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey(Vec<u8>);

impl SecretKey {
    pub fn new(bytes: Vec<u8>) -> Self {
        SecretKey(bytes)
    }

    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

/// Where the data lives.
#[derive(Clone, clap::Args)]
pub struct DatabaseArgs {
    /// Directory for the embedded SQLite database and the generated secret key.
    #[arg(long, env = "ALMANAC_DATA_DIR", default_value = "./almanac-data")]
    pub data_dir: PathBuf,

    /// `postgres://user:pass@host/db` for PostgreSQL, or `sqlite://PATH` for a SQLite file.
    /// Default: DATA_DIR/almanac.sqlite3.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Maximum open connections in the database pool of each process. Default: 4 on SQLite
    /// (one writer at a time; more connections only add page caches), 10 on PostgreSQL.
    #[arg(long, env = "ALMANAC_DB_MAX_CONNECTIONS")]
    pub db_max_connections: Option<u32>,

    /// Longest wait for a connection of the pool before a request is answered 503.
    #[arg(long, env = "ALMANAC_DB_ACQUIRE_TIMEOUT", default_value = "5s", value_parser = humantime::parse_duration)]
    pub db_acquire_timeout: Duration,
}

impl std::fmt::Debug for DatabaseArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseArgs")
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &self.database_url.as_deref().map(url_without_password),
            )
            .field("db_max_connections", &self.db_max_connections)
            .field("db_acquire_timeout", &self.db_acquire_timeout)
            .finish()
    }
}

impl DatabaseArgs {
    pub fn target(&self) -> Result<DatabaseTarget, ConfigError> {
        match self.database_url.as_deref() {
            None => Ok(DatabaseTarget::Sqlite(self.data_dir.join(SQLITE_FILE))),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(DatabaseTarget::Postgres(url.to_owned()))
            }
            Some(url) => url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
                .filter(|path| !path.is_empty())
                .map(|path| DatabaseTarget::Sqlite(PathBuf::from(path)))
                .ok_or_else(|| ConfigError::UnsupportedDatabaseUrl(url_without_password(url))),
        }
    }

    pub fn pool(&self) -> Result<PoolSettings, ConfigError> {
        let max_connections = match (self.db_max_connections, self.target()?) {
            (Some(0), _) => {
                return Err(ConfigError::ZeroCount {
                    setting: Setting("ALMANAC_DB_MAX_CONNECTIONS"),
                });
            }
            (Some(count), _) => count,
            (None, DatabaseTarget::Sqlite(_)) => 4,
            (None, DatabaseTarget::Postgres(_)) => 10,
        };
        if self.db_acquire_timeout.is_zero() {
            return Err(ConfigError::ZeroDuration {
                setting: Setting("ALMANAC_DB_ACQUIRE_TIMEOUT"),
            });
        }
        Ok(PoolSettings {
            max_connections,
            acquire_timeout: self.db_acquire_timeout,
        })
    }

    /// Creates the directory holding the SQLite file, if that is where the data lives.
    pub fn prepare(&self) -> Result<DatabaseTarget, ConfigError> {
        let target = self.target()?;
        if let DatabaseTarget::Sqlite(path) = &target
            && let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty())
        {
            fs::create_dir_all(dir).map_err(|source| ConfigError::DataDir {
                path: dir.to_owned(),
                source,
            })?;
        }
        Ok(target)
    }
}

/// Token signing, lifetimes and login throttling.
#[derive(Debug, Clone, clap::Args)]
pub struct AuthArgs {
    /// Key that signs tokens, at least 32 bytes. Required with PostgreSQL. On the embedded default
    /// it is generated once and kept in DATA_DIR/secret_key (mode 0600).
    #[arg(long, env = "ALMANAC_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,

    /// Lifetime of access tokens (e.g. 90m, 2h).
    #[arg(long, env = "ALMANAC_ACCESS_TOKEN_LIFETIME", default_value = "90m", value_parser = humantime::parse_duration)]
    pub access_token_lifetime: Duration,

    /// Lifetime of refresh tokens (e.g. 7days).
    #[arg(long, env = "ALMANAC_REFRESH_TOKEN_LIFETIME", default_value = "7days", value_parser = humantime::parse_duration)]
    pub refresh_token_lifetime: Duration,

    /// How long a browser session lasts after signing in (e.g. 14days).
    #[arg(long, env = "ALMANAC_SESSION_LIFETIME", default_value = "14days", value_parser = humantime::parse_duration)]
    pub session_lifetime: Duration,

    /// Failed logins allowed per account within the throttle window before answering 429.
    #[arg(long, env = "ALMANAC_LOGIN_FAILURES_PER_ACCOUNT", default_value_t = 5)]
    pub login_failures_per_account: u32,

    /// Failed logins allowed per client address within the throttle window before answering 429.
    #[arg(long, env = "ALMANAC_LOGIN_FAILURES_PER_ADDRESS", default_value_t = 50)]
    pub login_failures_per_address: u32,

    /// Length of the login throttle window.
    #[arg(long, env = "ALMANAC_LOGIN_THROTTLE_WINDOW", default_value = "15m", value_parser = humantime::parse_duration)]
    pub login_throttle_window: Duration,
}

/// Validated authentication settings.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    pub secret_key: SecretKey,
    pub access_token_lifetime: Duration,
    pub refresh_token_lifetime: Duration,
    pub session_lifetime: Duration,
    pub login_throttle: LoginThrottle,
}

impl AuthArgs {
    pub fn resolve(
        &self,
        database: &DatabaseTarget,
        data_dir: &Path,
    ) -> Result<AuthSettings, ConfigError> {
        for (setting, duration) in [
            (
                Setting("ALMANAC_ACCESS_TOKEN_LIFETIME"),
                self.access_token_lifetime,
            ),
            (
                Setting("ALMANAC_REFRESH_TOKEN_LIFETIME"),
                self.refresh_token_lifetime,
            ),
            (
                Setting("ALMANAC_LOGIN_THROTTLE_WINDOW"),
                self.login_throttle_window,
            ),
            (Setting("ALMANAC_SESSION_LIFETIME"), self.session_lifetime),
        ] {
            if duration.is_zero() {
                return Err(ConfigError::ZeroDuration { setting });
            }
        }
        for (setting, count) in [
            (
                Setting("ALMANAC_LOGIN_FAILURES_PER_ACCOUNT"),
                self.login_failures_per_account,
            ),
            (
                Setting("ALMANAC_LOGIN_FAILURES_PER_ADDRESS"),
                self.login_failures_per_address,
            ),
        ] {
            if count == 0 {
                return Err(ConfigError::ZeroCount { setting });
            }
        }
        let secret_key = match (&self.secret_key, database) {
            (Some(key), _) if key.len() < MIN_SECRET_KEY_BYTES => {
                return Err(ConfigError::SecretKeyTooShort(key.len()));
            }
            (Some(key), _) => SecretKey::new(key.as_bytes().to_vec()),
            (None, DatabaseTarget::Postgres(_)) => return Err(ConfigError::SecretKeyRequired),
            (None, DatabaseTarget::Sqlite(_)) => {
                load_or_create_secret_key(&data_dir.join(SECRET_KEY_FILE))?
            }
        };
        Ok(AuthSettings {
            secret_key,
            access_token_lifetime: self.access_token_lifetime,
            refresh_token_lifetime: self.refresh_token_lifetime,
            session_lifetime: self.session_lifetime,
            login_throttle: LoginThrottle {
                failures_per_account: self.login_failures_per_account,
                failures_per_address: self.login_failures_per_address,
                window: self.login_throttle_window,
            },
        })
    }
}

/// Reads the embedded default's key, or generates it on first start. The file is created
/// exclusively with mode 0600, so two processes starting at once cannot write different keys.
fn load_or_create_secret_key(path: &Path) -> Result<SecretKey, ConfigError> {
    let unusable = |reason: String| ConfigError::SecretKeyFile {
        path: path.to_owned(),
        reason,
    };
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|source| ConfigError::DataDir {
            path: dir.to_owned(),
            source,
        })?;
    }
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(mut file) => {
            let key = hex::encode(rand::random::<[u8; 32]>());
            file.write_all(key.as_bytes())
                .map_err(|error| unusable(error.to_string()))?;
            Ok(SecretKey::new(key.into_bytes()))
        }
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            let key = fs::read_to_string(path).map_err(|error| unusable(error.to_string()))?;
            let key = key.trim();
            if key.len() < MIN_SECRET_KEY_BYTES {
                return Err(unusable(format!(
                    "it holds fewer than {MIN_SECRET_KEY_BYTES} bytes"
                )));
            }
            Ok(SecretKey::new(key.as_bytes().to_vec()))
        }
        Err(error) => Err(unusable(error.to_string())),
    }
}

/// The HTTP server.
#[derive(Debug, Clone, clap::Args)]
pub struct HttpArgs {
    /// Address and port to listen on.
    #[arg(long, env = "ALMANAC_BIND", default_value = "127.0.0.1:8000")]
    pub bind: SocketAddr,

    /// Comma-separated origins allowed to call the API from a browser (CORS), e.g.
    /// https://app.example.com. None by default.
    #[arg(long, env = "ALMANAC_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,

    /// Longest time a request may take before it is answered 503.
    #[arg(long, env = "ALMANAC_REQUEST_TIMEOUT", default_value = "30s", value_parser = humantime::parse_duration)]
    pub request_timeout: Duration,

    /// Number of reverse proxies in front of Almanac that append to X-Forwarded-For. The client
    /// address (for login throttling) is taken that many entries from the right; 0 ignores the header.
    #[arg(long, env = "ALMANAC_TRUSTED_PROXIES", default_value_t = 0)]
    pub trusted_proxies: usize,

    /// Megabytes of memory for answers kept per user (the token's account, calendar windows) and
    /// served until that user's data changes; 0 keeps none.
    #[arg(long, env = "ALMANAC_CACHE_MB", default_value_t = 8)]
    pub cache_mb: u64,

    /// Serves Prometheus metrics at /metrics to requests with `Authorization: Bearer <this
    /// token>`. Unset (the default), /metrics answers 404.
    #[arg(long, env = "ALMANAC_METRICS_TOKEN", value_parser = secret_token)]
    pub metrics_token: Option<SecretKey>,
}

fn secret_token(text: &str) -> Result<SecretKey, String> {
    if text.trim().is_empty() {
        return Err("the token is empty".to_owned());
    }
    Ok(SecretKey::new(text.as_bytes().to_vec()))
}

/// Validated HTTP settings.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    pub bind: SocketAddr,
    pub cors_origins: Vec<HeaderValue>,
    pub request_timeout: Duration,
    pub trusted_proxies: usize,
    pub cache_bytes: u64,
    pub metrics_token: Option<SecretKey>,
}

impl HttpArgs {
    pub fn resolve(&self) -> Result<HttpSettings, ConfigError> {
        if self.request_timeout.is_zero() {
            return Err(ConfigError::ZeroDuration {
                setting: Setting("ALMANAC_REQUEST_TIMEOUT"),
            });
        }
        let cors_origins = self
            .cors_origins
            .iter()
            .map(|origin| origin.trim())
            .filter(|origin| !origin.is_empty())
            .map(parse_origin)
            .collect::<Result<_, _>>()?;
        Ok(HttpSettings {
            bind: self.bind,
            cors_origins,
            request_timeout: self.request_timeout,
            trusted_proxies: self.trusted_proxies,
            cache_bytes: self.cache_mb.saturating_mul(1 << 20),
            metrics_token: self.metrics_token.clone(),
        })
    }
}

/// An origin is a scheme, a host and an optional port: nothing after them.
fn parse_origin(origin: &str) -> Result<HeaderValue, ConfigError> {
    let bad = || ConfigError::BadCorsOrigin(origin.to_owned());
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or_else(bad)?;
    let host_ok = !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c));
    if !host_ok {
        return Err(bad());
    }
    HeaderValue::from_str(origin).map_err(|_| bad())
}

/// Limits on recurring series.
#[derive(Debug, Clone, clap::Args)]
pub struct SeriesArgs {
    /// Most occurrences one series with an end may have (a rule that would produce more is
    /// refused with a 400), and most occurrences one generation stores of a series without end.
    #[arg(long, env = "ALMANAC_MAX_OCCURRENCES", default_value_t = 5000)]
    pub max_occurrences: usize,

    /// How far ahead series without end are stored (workers move it forward by themselves);
    /// occurrences beyond it are computed when asked for.
    #[arg(long, env = "ALMANAC_HORIZON", default_value = "2years", value_parser = humantime::parse_duration)]
    pub horizon: Duration,
}

const DAY: Duration = Duration::from_secs(86_400);

impl SeriesArgs {
    pub fn resolve(&self) -> Result<SeriesLimits, ConfigError> {
        if self.max_occurrences == 0 {
            return Err(ConfigError::ZeroCount {
                setting: Setting("ALMANAC_MAX_OCCURRENCES"),
            });
        }
        if !(DAY..=DAY * 36_525).contains(&self.horizon) {
            return Err(ConfigError::HorizonOutOfRange(self.horizon));
        }
        Ok(SeriesLimits {
            max_occurrences: self.max_occurrences,
            horizon: self.horizon,
        })
    }
}

/// The background job queue and the workers that consume it.
#[derive(Clone, clap::Args)]
pub struct QueueArgs {
    /// Redis server holding the job queue (redis://host:6379/0), shared by every web and worker
    /// process. Without it, jobs wait in DATA_DIR/jobs.sqlite3 and the process that queued them
    /// runs them.
    #[arg(long, env = "REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,

    /// Prefix of Almanac's Redis keys, so that several installations can share one server.
    #[arg(long, env = "ALMANAC_REDIS_NAMESPACE", default_value = "almanac")]
    pub redis_namespace: String,

    /// Generation jobs one worker has in hand at once, stored together in batches [default: 128
    /// with the embedded queue, 32 with Redis].
    #[arg(long, env = "ALMANAC_WORKER_CONCURRENCY")]
    pub worker_concurrency: Option<usize>,
}

/// Jobs a worker has in hand by default. A new series waits behind those, so the right number
/// is what a worker stores in about a tenth of a second: the embedded worker stores some 2,000
/// series a second in batches of up to 64, and a worker on PostgreSQL, storing four batches at
/// once, some 1,200 (docs/BENCHMARKS.md).
const WORKER_CONCURRENCY: usize = 128;

/// Validated queue settings.
#[derive(Debug, Clone)]
pub struct QueueSettings {
    pub target: QueueTarget,
    pub worker_concurrency: usize,
}

impl std::fmt::Debug for QueueArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueueArgs")
            .field(
                "redis_url",
                &self.redis_url.as_deref().map(url_without_password),
            )
            .field("redis_namespace", &self.redis_namespace)
            .field("worker_concurrency", &self.worker_concurrency)
            .finish()
    }
}

impl QueueArgs {
    pub fn resolve(&self, data_dir: &Path) -> Result<QueueSettings, ConfigError> {
        if self.worker_concurrency == Some(0) {
            return Err(ConfigError::ZeroCount {
                setting: Setting("ALMANAC_WORKER_CONCURRENCY"),
            });
        }
        let target = match self.redis_url.as_deref().map(str::trim) {
            None | Some("") => QueueTarget::Local(data_dir.to_owned()),
            Some(url) => {
                let usable = url
                    .strip_prefix("redis://")
                    .is_some_and(|rest| !rest.is_empty())
                    && redis::Client::open(url).is_ok();
                if !usable {
                    return Err(ConfigError::BadRedisUrl(url_without_password(url)));
                }
                let namespace = &self.redis_namespace;
                let namespace_ok = !namespace.is_empty()
                    && namespace
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_:".contains(c));
                if !namespace_ok {
                    return Err(ConfigError::BadRedisNamespace(namespace.clone()));
                }
                QueueTarget::Redis {
                    url: url.to_owned(),
                    namespace: namespace.clone(),
                }
            }
        };
        let worker_concurrency = self.worker_concurrency.unwrap_or(WORKER_CONCURRENCY);
        Ok(QueueSettings {
            target,
            worker_concurrency,
        })
    }
}

/// Everything `almanac serve` needs, validated.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub database: DatabaseTarget,
    pub pool: PoolSettings,
    pub auth: AuthSettings,
    pub http: HttpSettings,
    pub limits: SeriesLimits,
    pub queue: QueueSettings,
    /// Run a worker in this process. Always so with the local queue, which only this process reads.
    pub with_worker: bool,
}

/// Everything `almanac worker` needs, validated.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub database: DatabaseTarget,
    pub pool: PoolSettings,
    pub limits: SeriesLimits,
    pub queue: QueueSettings,
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    /// Messages name a setting's flag by the rule of [`Setting`]; so does every flag that has a
    /// variable (the log filter keeps its conventional `RUST_LOG`).
    #[test]
    fn every_flag_is_its_variable_in_lower_case_with_dashes() {
        fn check(command: &clap::Command) {
            for arg in command.get_arguments() {
                let (Some(variable), Some(long)) = (arg.get_env(), arg.get_long()) else {
                    continue;
                };
                let variable = variable.to_str().expect("ASCII");
                if variable == "RUST_LOG" {
                    continue;
                }
                assert_eq!(flag_of(variable), format!("--{long}"), "{variable}");
            }
            command.get_subcommands().for_each(check);
        }
        check(&<crate::cli::Cli as clap::CommandFactory>::command());
        assert_eq!(
            Setting("ALMANAC_SECRET_KEY").to_string(),
            "--secret-key (ALMANAC_SECRET_KEY)"
        );
    }
    use crate::cli::{Cli, Command};

    fn serve_args(args: &[&str]) -> crate::cli::ServeArgs {
        let cli = Cli::try_parse_from(std::iter::once("almanac").chain(args.iter().copied()))
            .expect("parses");
        match cli.command {
            Some(Command::Serve(serve)) => *serve,
            None => cli.serve,
            Some(_) => panic!("not a serve command"),
        }
    }

    #[test]
    fn defaults_serve_on_localhost_with_sqlite_in_the_data_dir() {
        let args = serve_args(&["--data-dir", "/tmp/almanac-x"]);
        assert_eq!(
            args.database.target().expect("valid"),
            DatabaseTarget::Sqlite("/tmp/almanac-x/almanac.sqlite3".into())
        );
        let http = args.http.resolve().expect("valid");
        assert_eq!(http.bind, "127.0.0.1:8000".parse().expect("address"));
        assert!(http.cors_origins.is_empty());
        assert_eq!(
            args.auth.access_token_lifetime,
            Duration::from_secs(90 * 60)
        );
        assert_eq!(
            args.auth.refresh_token_lifetime,
            Duration::from_secs(7 * 86_400)
        );
    }

    #[test]
    fn a_postgres_url_selects_postgres() {
        let args = serve_args(&["serve", "--database-url", "postgresql://u@db/almanac"]);
        assert_eq!(
            args.database.target().expect("valid"),
            DatabaseTarget::Postgres("postgresql://u@db/almanac".into())
        );
    }

    #[test]
    fn a_sqlite_url_names_the_file() {
        let args = serve_args(&["--database-url", "sqlite:///var/lib/almanac/db.sqlite3"]);
        assert_eq!(
            args.database.target().expect("valid"),
            DatabaseTarget::Sqlite("/var/lib/almanac/db.sqlite3".into())
        );
    }

    #[test]
    fn an_unknown_database_scheme_is_refused() {
        let args = serve_args(&["--database-url", "mysql://localhost/almanac"]);
        assert!(matches!(
            args.database.target(),
            Err(ConfigError::UnsupportedDatabaseUrl(_))
        ));
    }

    #[test]
    fn postgres_requires_a_secret_key() {
        let args = serve_args(&["--database-url", "postgres://localhost/almanac"]);
        let target = args.database.target().expect("valid");
        assert!(matches!(
            args.auth.resolve(&target, Path::new("/nonexistent")),
            Err(ConfigError::SecretKeyRequired)
        ));
    }

    #[test]
    fn a_short_secret_key_is_refused() {
        let args = serve_args(&["--secret-key", "too-short"]);
        let target = args.database.target().expect("valid");
        assert!(matches!(
            args.auth.resolve(&target, Path::new("/nonexistent")),
            Err(ConfigError::SecretKeyTooShort(9))
        ));
    }

    #[test]
    fn the_embedded_secret_key_is_generated_once_with_owner_only_permissions() {
        let dir = tempfile::tempdir().expect("temp dir");
        let args = serve_args(&["--data-dir", dir.path().to_str().expect("utf-8")]);
        let target = args.database.target().expect("valid");
        let first = args
            .auth
            .resolve(&target, dir.path())
            .expect("generated")
            .secret_key;
        let second = args
            .auth
            .resolve(&target, dir.path())
            .expect("reloaded")
            .secret_key;
        assert_eq!(first, second);
        assert!(first.expose().len() >= MIN_SECRET_KEY_BYTES);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.path().join(SECRET_KEY_FILE))
                .expect("file")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn lifetimes_accept_human_durations_and_refuse_zero() {
        let args = serve_args(&[
            "--access-token-lifetime",
            "5m",
            "--refresh-token-lifetime",
            "0s",
        ]);
        assert_eq!(args.auth.access_token_lifetime, Duration::from_secs(300));
        let target = DatabaseTarget::Postgres("postgres://x".into());
        let error = AuthArgs {
            secret_key: Some("k".repeat(32)),
            ..args.auth
        }
        .resolve(&target, Path::new("/x"));
        assert!(matches!(
            error,
            Err(ConfigError::ZeroDuration {
                setting: Setting("ALMANAC_REFRESH_TOKEN_LIFETIME")
            })
        ));
    }

    #[test]
    fn the_metrics_token_is_off_by_default_and_never_shown() {
        assert!(
            serve_args(&[])
                .http
                .resolve()
                .expect("valid")
                .metrics_token
                .is_none()
        );
        let args = serve_args(&["--metrics-token", "scrape-me"]);
        let http = args.http.resolve().expect("valid");
        assert_eq!(
            http.metrics_token.as_ref().map(SecretKey::expose),
            Some(&b"scrape-me"[..])
        );
        assert!(!format!("{args:?} {http:?}").contains("scrape-me"));
        let blank = crate::cli::Cli::try_parse_from(["almanac", "--metrics-token", " "]);
        assert!(blank.is_err(), "an empty token is refused");
    }

    #[test]
    fn cors_origins_are_a_comma_separated_allow_list() {
        let args = serve_args(&[
            "--cors-origins",
            "https://a.example.com,http://localhost:3000",
        ]);
        let http = args.http.resolve().expect("valid");
        assert_eq!(
            http.cors_origins,
            ["https://a.example.com", "http://localhost:3000"]
        );
    }

    #[test]
    fn a_cors_origin_with_a_path_is_refused() {
        let args = serve_args(&["--cors-origins", "https://a.example.com/app"]);
        assert!(matches!(
            args.http.resolve(),
            Err(ConfigError::BadCorsOrigin(_))
        ));
    }

    #[test]
    fn the_pool_is_small_on_sqlite_and_larger_on_postgres_unless_set() {
        let sqlite = serve_args(&[]);
        assert_eq!(sqlite.database.pool().expect("valid").max_connections, 4);
        let postgres = serve_args(&["--database-url", "postgres://db/almanac"]);
        assert_eq!(postgres.database.pool().expect("valid").max_connections, 10);
        let chosen = serve_args(&["--db-max-connections", "7"]);
        assert_eq!(chosen.database.pool().expect("valid").max_connections, 7);
        let zero = serve_args(&["--db-max-connections", "0"]);
        assert!(zero.database.pool().is_err());
    }

    #[test]
    fn without_redis_jobs_wait_in_the_data_dir() {
        let args = serve_args(&["--data-dir", "/tmp/almanac-x"]);
        let queue = args
            .queue
            .resolve(Path::new("/tmp/almanac-x"))
            .expect("valid");
        assert_eq!(queue.target, QueueTarget::Local("/tmp/almanac-x".into()));
        assert_eq!(queue.worker_concurrency, 128);
    }

    #[test]
    fn passwords_in_urls_appear_in_no_debug_output_or_error() {
        let args = serve_args(&[
            "--database-url",
            "postgres://almanac:db-s3cret@db/almanac",
            "--redis-url",
            "redis://:redis-s3cret@cache:6379/0",
            "--secret-key",
            "a-secret-key-that-is-long-enough-for-hs256",
        ]);
        let config = args.resolve().expect("valid");
        for shown in [format!("{args:?}"), format!("{config:?}")] {
            assert!(!shown.contains("s3cret"), "{shown}");
            assert!(shown.contains("***"), "the URLs are still shown: {shown}");
        }

        let bad_database = serve_args(&["--database-url", "mysql://root:db-s3cret@db/almanac"]);
        let bad_redis = serve_args(&["--redis-url", "http://:redis-s3cret@cache:6379"]);
        for error in [
            bad_database.database.target().map(|_| ()),
            bad_redis.queue.resolve(Path::new("/x")).map(|_| ()),
        ] {
            let message = error.expect_err("refused").to_string();
            assert!(!message.contains("s3cret"), "{message}");
        }
    }

    #[test]
    fn a_redis_url_selects_redis_under_a_namespace() {
        let args = serve_args(&[
            "--redis-url",
            "redis://cache.internal:6379/2",
            "--redis-namespace",
            "calendar:prod",
        ]);
        let queue = args.queue.resolve(Path::new("/x")).expect("valid");
        assert_eq!(
            queue.target,
            QueueTarget::Redis {
                url: "redis://cache.internal:6379/2".into(),
                namespace: "calendar:prod".into()
            }
        );
        assert_eq!(queue.worker_concurrency, 128);
        let chosen = serve_args(&["--redis-url", "redis://q", "--worker-concurrency", "8"]);
        let queue = chosen.queue.resolve(Path::new("/x")).expect("valid");
        assert_eq!(queue.worker_concurrency, 8);
    }

    #[test]
    fn bad_queue_settings_are_refused() {
        let bad_url = serve_args(&["--redis-url", "http://cache:6379"]);
        assert!(matches!(
            bad_url.queue.resolve(Path::new("/x")),
            Err(ConfigError::BadRedisUrl(_))
        ));
        let bad_namespace = serve_args(&[
            "--redis-url",
            "redis://cache:6379",
            "--redis-namespace",
            "a b",
        ]);
        assert!(matches!(
            bad_namespace.queue.resolve(Path::new("/x")),
            Err(ConfigError::BadRedisNamespace(_))
        ));
        let no_concurrency = serve_args(&["--worker-concurrency", "0"]);
        assert!(matches!(
            no_concurrency.queue.resolve(Path::new("/x")),
            Err(ConfigError::ZeroCount {
                setting: Setting("ALMANAC_WORKER_CONCURRENCY")
            })
        ));
    }

    #[test]
    fn the_horizon_defaults_to_two_years_and_must_be_a_day_to_a_century() {
        let default = serve_args(&[]).series.resolve().expect("valid");
        assert_eq!(default.horizon, Duration::from_secs(63_115_200));
        let chosen = serve_args(&["--horizon", "90days"])
            .series
            .resolve()
            .expect("valid");
        assert_eq!(chosen.horizon, DAY * 90);
        for outside in ["23h", "101years"] {
            assert!(matches!(
                serve_args(&["--horizon", outside]).series.resolve(),
                Err(ConfigError::HorizonOutOfRange(_))
            ));
        }
    }

    #[test]
    fn a_malformed_bind_address_is_refused_by_the_parser() {
        assert!(Cli::try_parse_from(["almanac", "--bind", "localhost"]).is_err());
    }
}
