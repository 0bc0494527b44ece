//! The `almanac` binary: parses the command line and hands over to the library.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Parser;
use tokio_util::sync::CancellationToken;
use tracing_subscriber::EnvFilter;

use almanac::accounts::{self, AccountError};
use almanac::app::{Server, open_database};
use almanac::cli::{Cli, Command, CreateSuperuserArgs, LogArgs, LogFormat, ServeArgs, WorkerArgs};
use almanac::config::DatabaseArgs;
use almanac::jobs::{self, JobContext, Jobs};
use almanac::storage::Db;

/// mimalloc rather than the system allocator: many small, short-lived allocations across the
/// runtime's threads and the database's (see docs/BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    // On kernels that apply transparent huge pages "always", the allocator's regions are backed in
    // 2 MiB units: about 15 MB more resident memory, for nothing this server gains from
    // (docs/BENCHMARKS.md). Without the switch (an older kernel), memory is merely larger.
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
    let cli = Cli::parse();
    if let Err(error) = init_tracing(&cli.log) {
        eprintln!("error: --log (RUST_LOG) is not a log filter: {error}");
        return ExitCode::FAILURE;
    }
    let outcome = match cli.command {
        None => serve(cli.serve).await,
        Some(Command::Serve(args)) => serve(*args).await,
        Some(Command::Worker(args)) => worker(args).await,
        Some(Command::Migrate(args)) => migrate(&args.database).await,
        Some(Command::Createsuperuser(args)) => create_superuser(args).await,
    };
    // A message for people, with its causes, rather than a backtrace.
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// What is logged without `RUST_LOG`. The job queue library's own lines are off: it logs each
/// failed poll and restart of a worker, which Almanac reports itself once per outage
/// (`RUST_LOG=info,apalis_core=info` shows them).
const DEFAULT_LOG_FILTER: &str = "info,sqlx=warn,apalis_core=off";

/// Logs go to standard error, in colour only when it is a terminal.
fn init_tracing(log: &LogArgs) -> Result<(), tracing_subscriber::filter::ParseError> {
    let filter = EnvFilter::try_new(log.filter.as_deref().unwrap_or(DEFAULT_LOG_FILTER))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    match log.log_format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
    Ok(())
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let config = args.resolve()?;
    let server = Server::build(config).await?;
    println!("Almanac is serving on http://{}/", server.local_addr());
    let shutdown = CancellationToken::new();
    tokio::spawn(cancel_on_signal(shutdown.clone()));
    server.run(shutdown).await
}

async fn worker(args: WorkerArgs) -> anyhow::Result<()> {
    let config = args.resolve()?;
    let db = open_database(&config.database, &config.pool).await?;
    let jobs = Jobs::connect(&config.queue.target)
        .await
        .context("cannot open the job queue")?;
    let context = JobContext {
        db: db.clone(),
        limits: config.limits,
        clock: almanac::jobs::Clock::system(),
        concurrency: config.queue.worker_concurrency,
    };
    if args.until_idle {
        let finished = jobs::run_until_idle(&jobs, context).await?;
        println!("{finished} job(s) run; the queue is empty.");
    } else {
        let shutdown = CancellationToken::new();
        tokio::spawn(cancel_on_signal(shutdown.clone()));
        tracing::info!("Almanac worker running");
        jobs::run_worker(jobs, context, shutdown).await;
    }
    db.close().await;
    Ok(())
}

async fn cancel_on_signal(shutdown: CancellationToken) {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut sigterm = match tokio::signal::unix::signal(
            tokio::signal::unix::SignalKind::terminate(),
        ) {
            Ok(signal) => signal,
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM; only Ctrl-C stops the server");
                let _ = ctrl_c.await;
                shutdown.cancel();
                return;
            }
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = sigterm.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    tracing::info!("shutting down: finishing requests in flight");
    shutdown.cancel();
}

async fn connect(database: &DatabaseArgs) -> anyhow::Result<Db> {
    let target = database.prepare()?;
    Db::connect(&target, &database.pool()?)
        .await
        .context("cannot connect to the database")
}

async fn migrate(database: &DatabaseArgs) -> anyhow::Result<()> {
    let db = connect(database).await?;
    db.migrate().await.context("migrations failed")?;
    println!("Migrations applied.");
    Ok(())
}

async fn create_superuser(args: CreateSuperuserArgs) -> anyhow::Result<()> {
    let password = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from stdin")?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    } else if std::io::stdin().is_terminal() {
        let password = rpassword::prompt_password("Password: ")?;
        if password != rpassword::prompt_password("Password (again): ")? {
            bail!("the passwords do not match");
        }
        password
    } else {
        bail!("no terminal to prompt for a password: pass --password-stdin and pipe it in");
    };
    let db = connect(&args.database).await?;
    if args.database.target()?.is_embedded() {
        db.migrate().await.context("migrations failed")?;
    }
    match accounts::register(&db, &args.email, &password, true).await {
        Ok(user) => {
            println!("Superuser {} created.", user.email);
            Ok(())
        }
        Err(AccountError::Invalid(errors)) => bail!("the account was not created:\n{errors}"),
        Err(error) => Err(error.into()),
    }
}
