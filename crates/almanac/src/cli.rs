//! The `almanac` command line: one binary for the web server, migrations and administration.

use clap::{Args, Parser, Subcommand};

use crate::config::{AuthArgs, DatabaseArgs, HttpArgs, SeriesArgs};

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
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web UI and the REST API (the default command).
    Serve(ServeArgs),
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
        Ok(crate::config::ServeConfig {
            database,
            pool: self.database.pool()?,
            auth,
            http: self.http.resolve()?,
            limits: self.series.resolve()?,
        })
    }
}
