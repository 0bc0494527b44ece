//! Assembles the service: shared state, routes with their middleware, the listener, background
//! housekeeping, and graceful shutdown through one cancellation token.

use std::fs::{File, TryLockError};
use std::net::SocketAddr;
use std::ops::Deref;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Uri};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower::Layer;
use tower::util::{MapRequest, MapRequestLayer};

use crate::accounts::{Accounts, TokenIssuer};
use crate::api::occurrences::{Window, WindowKey};
use crate::cache::OwnerCache;
use crate::config::{HttpSettings, ServeConfig};
use crate::events::{Events, SeriesLimits};
use crate::jobs::{self, Clock, JobContext, Jobs, QueueTarget};
use crate::storage::idempotency::purge_idempotency_keys;
use crate::storage::{DatabaseTarget, Db, PoolSettings, StorageError, Timestamp};
use crate::{api, http, web};

/// What every handler can reach. Cloned for every request and by every extractor that needs it,
/// so one shared count rather than one per pool, cache and queue inside.
#[derive(Debug, Clone)]
pub struct AppState(Arc<AppParts>);

impl Deref for AppState {
    type Target = AppParts;

    fn deref(&self) -> &AppParts {
        &self.0
    }
}

/// The pools, caches and queue an [`AppState`] shares.
#[derive(Debug)]
pub struct AppParts {
    pub db: Db,
    pub accounts: Accounts,
    pub events: Events,
    pub jobs: Jobs,
    pub limits: SeriesLimits,
    pub trusted_proxies: usize,
    /// Pages of occurrences as sent, by user and range: the calendar's request.
    pub(crate) windows: OwnerCache<WindowKey, Window>,
}

/// What a month of a busy calendar weighs serialized: about 60 occurrences.
const TYPICAL_WINDOW_BYTES: u64 = 20_000;

impl AppState {
    /// Also starts following other processes' writes, which answers kept in memory depend on
    /// (`Db::follow_changes`): with the local queue this process is the only writer.
    pub fn new(db: Db, config: &ServeConfig, jobs: Jobs) -> Self {
        let auth = &config.auth;
        let tokens = TokenIssuer::new(
            &auth.secret_key,
            auth.access_token_lifetime,
            auth.refresh_token_lifetime,
        );
        db.follow_changes(jobs.is_local());
        db.watch_reachability();
        // Accounts are small and asked for on every request: an eighth of the memory (1 MB by
        // default) holds thousands of them.
        let cache_bytes = config.http.cache_bytes;
        AppState(Arc::new(AppParts {
            accounts: Accounts::new(
                db.clone(),
                tokens,
                auth.login_throttle.clone(),
                auth.session_lifetime,
                cache_bytes / 8,
            ),
            windows: OwnerCache::new(
                "windows",
                db.changes().clone(),
                cache_bytes - cache_bytes / 8,
                TYPICAL_WINDOW_BYTES,
            ),
            events: Events::new(db.clone(), Arc::new(jobs.clone()), config.limits),
            db,
            jobs,
            limits: config.limits,
            trusted_proxies: config.http.trusted_proxies,
        }))
    }
}

/// The whole HTTP application as one service.
pub type App = MapRequest<Router, fn(Request) -> Request>;

pub fn build_app(state: AppState, settings: &HttpSettings) -> App {
    let metrics_token = settings.metrics_token.clone();
    if metrics_token.is_some() {
        http::metrics::install();
    }
    let metrics = axum::routing::get(
        async move |State(state): State<AppState>, headers: HeaderMap| {
            http::metrics::serve(&state, metrics_token.as_ref(), &headers).await
        },
    );
    let routes = api::router()
        .merge(web::router())
        .route("/metrics", metrics)
        .fallback(web::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            unavailable_while_the_database_is,
        ))
        .with_state(state)
        .layer(axum::middleware::from_fn(web::security_headers));
    let router = http::with_middleware(routes, settings);
    MapRequestLayer::new(add_trailing_slash as fn(Request) -> Request).layer(router)
}

/// While the database does not answer, what needs it answers 503 at once (API: JSON with
/// `Retry-After`; pages: an HTML page), rather than after the pool's wait for a connection. The
/// probes, the metrics, the documentation and static files keep being served.
async fn unavailable_while_the_database_is(
    State(state): State<AppState>,
    request: Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let path = request.uri().path();
    if is_operational(path) || state.db.is_reachable() {
        return next.run(request).await;
    }
    if path.starts_with("/api/") {
        http::error::ApiError::Unavailable("database").into_response()
    } else {
        web::PageError::Unavailable.into_response()
    }
}

/// Files, the API documentation, the probes and the metrics: paths kept exactly as written, and
/// served without the database.
fn is_operational(path: &str) -> bool {
    path.starts_with("/static/")
        || path.starts_with("/api/docs")
        || matches!(
            path,
            "/api/openapi.json" | "/healthz" | "/readyz" | "/metrics"
        )
}

/// The seed's API paths and the pages end in `/`; clients that leave it off reach the same
/// endpoint. Operational paths (files, documentation, probes, metrics) keep theirs.
fn add_trailing_slash(mut request: Request) -> Request {
    let path = request.uri().path();
    if !is_operational(path) && !path.ends_with('/') {
        let path_and_query = match request.uri().query() {
            Some(query) => format!("{path}/?{query}"),
            None => format!("{path}/"),
        };
        let mut parts = request.uri().clone().into_parts();
        if let Ok(rewritten) = path_and_query.parse() {
            parts.path_and_query = Some(rewritten);
            if let Ok(uri) = Uri::from_parts(parts) {
                *request.uri_mut() = uri;
            }
        }
    }
    request
}

impl AppState {
    /// What a job worker in this process needs.
    pub fn job_context(&self, concurrency: usize) -> JobContext {
        JobContext {
            db: self.db.clone(),
            limits: self.limits,
            concurrency,
            clock: Clock::system(),
        }
    }
}

/// A bound, ready-to-run server.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    state: AppState,
    app: App,
    /// Jobs a worker in this process runs at once; `None` runs no worker.
    worker_concurrency: Option<usize>,
    /// Held while serving the embedded database with the local queue (see [`lock_embedded`]).
    _embedded_lock: Option<File>,
}

impl Server {
    /// Connects to the database (migrating the embedded one) and the job queue, and binds the
    /// listener.
    pub async fn build(config: ServeConfig) -> anyhow::Result<Server> {
        let embedded_lock = match (&config.database, &config.queue.target) {
            (DatabaseTarget::Sqlite(path), QueueTarget::Local(_)) => Some(lock_embedded(path)?),
            _ => None,
        };
        let db = open_database(&config.database, &config.pool).await?;
        let jobs = Jobs::connect(&config.queue.target)
            .await
            .context("cannot open the job queue")?;
        let state = AppState::new(db, &config, jobs);
        let app = build_app(state.clone(), &config.http);
        let listener = TcpListener::bind(config.http.bind)
            .await
            .with_context(|| format!("cannot listen on {}", config.http.bind))?;
        Ok(Server {
            listener,
            state,
            app,
            worker_concurrency: config
                .with_worker
                .then_some(config.queue.worker_concurrency),
            _embedded_lock: embedded_lock,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    /// Serves until `shutdown` is cancelled, then lets requests in flight finish.
    pub async fn run(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let housekeeping = tokio::spawn(housekeeping(self.state.clone(), shutdown.clone()));
        let worker = self.worker_concurrency.map(|concurrency| {
            tokio::spawn(jobs::run_worker(
                self.state.jobs.clone(),
                self.state.job_context(concurrency),
                shutdown.clone(),
            ))
        });
        let service = axum::ServiceExt::<Request>::into_make_service_with_connect_info::<SocketAddr>(
            self.app,
        );
        axum::serve(self.listener, service)
            .with_graceful_shutdown(shutdown.clone().cancelled_owned())
            .await
            .context("the HTTP server failed")?;
        shutdown.cancel();
        let _ = housekeeping.await;
        if let Some(worker) = worker {
            let _ = worker.await;
        }
        self.state.db.close().await;
        Ok(())
    }
}

/// Makes this process the only `serve` of an embedded database with the local queue: it then sees
/// every write, which the answers it keeps in memory rely on, and its worker is the only one.
/// The lock is the operating system's, so it goes with the process however that ends.
fn lock_embedded(database: &Path) -> anyhow::Result<File> {
    let path = database.with_extension("lock");
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => bail!(
            "another `almanac serve` is using {}: run one per data directory (or share PostgreSQL and Redis between many)",
            database.display()
        ),
        Err(TryLockError::Error(error)) => {
            Err(error).with_context(|| format!("cannot lock {}", path.display()))
        }
    }
}

/// Connects to the database; migrates the embedded one, and refuses a production database whose
/// migrations are behind this build.
pub async fn open_database(target: &DatabaseTarget, pool: &PoolSettings) -> anyhow::Result<Db> {
    let db = Db::connect(target, pool)
        .await
        .context("cannot connect to the database")?;
    if target.is_embedded() {
        db.migrate().await.context("migrations failed")?;
    } else {
        let pending = db
            .pending_migrations()
            .await
            .context("cannot read the migration state")?;
        if pending > 0 {
            bail!("the database lacks {pending} migration(s): run `almanac migrate` first");
        }
    }
    Ok(db)
}

const HOUSEKEEPING_PERIOD: Duration = Duration::from_secs(3600);

/// How long an `Idempotency-Key` makes a retry safe.
const IDEMPOTENCY_KEY_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// Forgets expired refresh tokens, closed login-throttle windows and idempotency keys past their
/// lifetime, hourly.
async fn housekeeping(state: AppState, shutdown: CancellationToken) {
    let mut ticks = tokio::time::interval(HOUSEKEEPING_PERIOD);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = ticks.tick() => {
                let purged = async {
                    let accounts = state.accounts.purge_expired().await?;
                    let before = Timestamp::now() - IDEMPOTENCY_KEY_LIFETIME;
                    let keys = purge_idempotency_keys(&state.db, before).await?;
                    Ok::<_, StorageError>(accounts + keys)
                }
                .await;
                match purged {
                    Ok(purged) => tracing::debug!(purged, "housekeeping done"),
                    Err(error) => tracing::warn!(%error, "housekeeping failed; will retry"),
                }
            }
        }
    }
}
