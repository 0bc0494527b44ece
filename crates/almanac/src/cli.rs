//! The `almanac` command line: one binary for the web server, migrations and administration.

use clap::{Args, Parser, Subcommand};

use crate::jobs::QueueTarget;

use crate::config::{AuthArgs, DatabaseArgs, HttpArgs, QueueArgs, SeriesArgs};

/// Almanac — a self-hosted event manager with recurring events, a calendar and a REST API.
///
/// With no command, `almanac` serves the web UI and API on the embedded default: a SQLite
/// database in ./almanac-data, migrations applied, nothing else to install.
#[derive(Debug, Parser)]
#[command(name = "almanac", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub serve: ServeArgs,

    #[command(flatten)]
    pub log: LogArgs,
}

/// What the process logs, to standard error (every command).
#[derive(Debug, Clone, Args)]
pub struct LogArgs {
    /// Which lines to log: `info`, `debug`, or per module (`info,tower_http=debug` adds a line
    /// per request). Default: info,sqlx=warn,apalis_core=off
    #[arg(long = "log", env = "RUST_LOG", global = true)]
    pub filter: Option<String>,
    /// `text` (in colour at a terminal), or `json`: one object per line, for a log collector
    #[arg(long, env = "ALMANAC_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web UI and the REST API (the default command).
    Serve(Box<ServeArgs>),
    /// Run background jobs from the Redis queue (as many processes as you like).
    Worker(WorkerArgs),
    /// Apply the database migrations that have not run yet, then exit.
    Migrate(MigrateArgs),
    /// Create a staff account that can use the admin pages.
    Createsuperuser(CreateSuperuserArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub auth: AuthArgs,
    #[command(flatten)]
    pub http: HttpArgs,
    #[command(flatten)]
    pub series: SeriesArgs,
    #[command(flatten)]
    pub queue: QueueArgs,

    /// Also run a job worker in this process when jobs are queued in Redis. (Without Redis the
    /// process always runs its own jobs.)
    #[arg(long, env = "ALMANAC_WITH_WORKER")]
    pub with_worker: bool,
}

#[derive(Debug, Clone, Args)]
pub struct WorkerArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub series: SeriesArgs,
    #[command(flatten)]
    pub queue: QueueArgs,

    /// Run the jobs queued now, then exit (instead of waiting for more).
    #[arg(long)]
    pub until_idle: bool,
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
}

#[derive(Debug, Args)]
pub struct CreateSuperuserArgs {
    /// Email address of the new account.
    #[arg(long)]
    pub email: String,

    /// Read the password from standard input instead of prompting for it.
    #[arg(long)]
    pub password_stdin: bool,

    #[command(flatten)]
    pub database: DatabaseArgs,
}

impl ServeArgs {
    /// Validates every setting and prepares the data directory.
    pub fn resolve(&self) -> Result<crate::config::ServeConfig, crate::config::ConfigError> {
        let database = self.database.prepare()?;
        let auth = self.auth.resolve(&database, &self.database.data_dir)?;
        let queue = self.queue.resolve(&self.database.data_dir)?;
        Ok(crate::config::ServeConfig {
            with_worker: self.with_worker || matches!(queue.target, QueueTarget::Local(_)),
            database,
            pool: self.database.pool()?,
            auth,
            http: self.http.resolve()?,
            limits: self.series.resolve()?,
            queue,
        })
    }
}

impl WorkerArgs {
    /// Validates every setting. A worker needs the shared Redis queue: the local queue belongs to
    /// the `serve` process that writes it.
    pub fn resolve(&self) -> Result<crate::config::WorkerConfig, crate::config::ConfigError> {
        let queue = self.queue.resolve(&self.database.data_dir)?;
        if let QueueTarget::Local(_) = queue.target {
            return Err(crate::config::ConfigError::WorkerNeedsRedis);
        }
        Ok(crate::config::WorkerConfig {
            database: self.database.prepare()?,
            pool: self.database.pool()?,
            limits: self.series.resolve()?,
            queue,
        })
    }
}
