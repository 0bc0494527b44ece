//! The test harness: builds the real application against a fresh database and job queue — a
//! SQLite file with the local queue beside it in a temporary directory, or a new PostgreSQL
//! database with a Redis queue under a namespace of its own — and calls it in-process.

use std::net::SocketAddr;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use almanac::app::{App, AppState, build_app};
use almanac::cli::{Cli, Command};
use almanac::jobs::{Jobs, run_until_idle};
use almanac::storage::Db;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use clap::Parser;
use http_body_util::BodyExt;
use serde_json::Value;
use sqlx::{Connection, Executor, PgConnection};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tower::ServiceExt;

#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each test body once per backend, as `<test>::sqlite` and `<test>::postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($(async fn $name:ident($backend:ident) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn run($backend: $crate::support::Backend) $body

                #[tokio::test]
                async fn sqlite() {
                    run($crate::support::Backend::Sqlite).await
                }

                #[tokio::test]
                async fn postgres() {
                    run($crate::support::Backend::Postgres).await
                }
            }
        )*
    };
}

/// Where the test PostgreSQL server is; each test creates its own database there.
pub fn postgres_admin_url() -> String {
    std::env::var("ALMANAC_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

pub const PASSWORD: &str = "correct horse battery";

/// Where the test Redis server is; each PostgreSQL test queues its jobs under its own namespace.
pub fn redis_url() -> String {
    std::env::var("ALMANAC_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".to_owned())
}

pub struct TestApp {
    pub app: App,
    pub state: AppState,
    database: Arc<TestDatabase>,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, &[]).await
    }

    /// Spawns with extra `almanac serve` flags.
    pub async fn spawn_with(backend: Backend, extra_args: &[&str]) -> TestApp {
        Self::on(Arc::new(TestDatabase::create(backend).await), extra_args).await
    }

    /// Spawns on a fresh PostgreSQL database reached through `route`, which is given the
    /// server's address (`host:port`) and answers the address to connect to instead.
    pub async fn spawn_on_postgres_through(
        route: impl FnOnce(String) -> (String, u16),
        extra_args: &[&str],
    ) -> TestApp {
        let mut database = TestDatabase::create(Backend::Postgres).await;
        let (host, port) = route(database.postgres_server());
        database.url = Some(database.postgres_url_through(&host, port));
        Self::on(Arc::new(database), extra_args).await
    }

    /// Another process on the same database and job queue, as behind a load balancer: its own
    /// pools and its own memory.
    pub async fn another_process(&self) -> TestApp {
        Self::on(self.database.clone(), &[]).await
    }

    async fn on(database: Arc<TestDatabase>, extra_args: &[&str]) -> TestApp {
        let data_dir = database
            .data_dir
            .path()
            .to_str()
            .expect("utf-8 temp dir")
            .to_owned();
        let secret = "test-secret-key-that-is-long-enough-for-hs256";
        let mut args = vec![
            "almanac",
            "serve",
            "--data-dir",
            &data_dir,
            "--secret-key",
            secret,
        ];
        if let Some(url) = &database.url {
            args.extend(["--database-url", url.as_str()]);
        }
        let redis = redis_url();
        if let Some(namespace) = &database.redis_namespace {
            args.extend(["--redis-url", &redis, "--redis-namespace", namespace]);
        }
        args.extend_from_slice(extra_args);
        let Some(Command::Serve(serve)) = Cli::try_parse_from(args)
            .expect("valid test arguments")
            .command
        else {
            panic!("expected the serve command");
        };
        let config = serve.resolve().expect("valid test configuration");
        let db = Db::connect(&config.database, &config.pool)
            .await
            .expect("test database reachable");
        db.migrate().await.expect("migrations apply");
        let jobs = Jobs::connect(&config.queue.target)
            .await
            .expect("job queue reachable");
        let state = AppState::new(db, &config, jobs);
        let app = build_app(state.clone(), &config.http);
        TestApp {
            app,
            state,
            database,
        }
    }

    /// Waits until this process keeps answers in memory: at once on SQLite, once its listening
    /// connection is up on PostgreSQL.
    pub async fn wait_until_caching(&self) {
        for _ in 0..500 {
            if self.state.db.changes().stamp(uuid::Uuid::nil()).is_some() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("the process never started keeping answers in memory");
    }

    /// Runs every queued background job to completion with a real worker; returns how many ran.
    pub async fn run_pending_jobs(&self) -> usize {
        run_until_idle(&self.state.jobs, self.state.job_context(2))
            .await
            .expect("the queue drains")
    }

    /// Loses every queued job, as a broker that lost its data would.
    pub async fn drop_pending_jobs(&self) {
        match &self.state.jobs {
            Jobs::Local { storage, .. } => {
                sqlx::query("DELETE FROM Jobs")
                    .execute(storage.pool())
                    .await
                    .expect("local queue reachable");
            }
            Jobs::Redis(storage) => {
                let config = storage.get_config();
                let mut connection = storage.clone().get_connection().clone();
                redis::pipe()
                    .del(config.scheduled_jobs_set())
                    .del(config.active_jobs_list())
                    .query_async::<()>(&mut connection)
                    .await
                    .expect("Redis reachable");
            }
        }
    }

    /// Sends an authenticated JSON request.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        access: &str,
    ) -> TestResponse {
        self.request(method, path, body, Some(access)).await
    }

    /// Sends an authenticated JSON request with `If-Match: if_match`.
    pub async fn call_if_match(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        access: &str,
        if_match: &str,
    ) -> TestResponse {
        let builder = Request::builder().header(header::IF_MATCH, if_match);
        self.send(json_request(builder, method, path, body, Some(access)))
            .await
    }

    /// Sends an authenticated JSON request with extra headers.
    pub async fn call_with(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        access: &str,
        headers: &[(&str, &str)],
    ) -> TestResponse {
        let builder = headers
            .iter()
            .fold(Request::builder(), |builder, (name, value)| {
                builder.header(*name, *value)
            });
        self.send(json_request(builder, method, path, body, Some(access)))
            .await
    }

    /// The PostgreSQL database's URL (`None` on SQLite).
    pub fn database_url(&self) -> Option<&str> {
        self.database.url.as_deref()
    }

    /// The directory holding this app's SQLite file and secret key.
    pub fn data_dir(&self) -> &std::path::Path {
        self.database.data_dir.path()
    }

    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let response = self
            .app
            .clone()
            .oneshot(request)
            .await
            .expect("the app never fails at the service level");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body readable")
            .to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        TestResponse {
            status,
            headers,
            body,
        }
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        access: Option<&str>,
    ) -> TestResponse {
        self.send(json_request(Request::builder(), method, path, body, access))
            .await
    }

    pub async fn get(&self, path: &str, access: Option<&str>) -> TestResponse {
        self.request(Method::GET, path, None, access).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> TestResponse {
        self.request(Method::POST, path, Some(body), None).await
    }

    pub async fn register(&self, email: &str, password: &str) -> TestResponse {
        self.post(
            "/api/v1/users/register/",
            &serde_json::json!({"email": email, "password": password}),
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> TestResponse {
        self.post(
            "/api/v1/users/login/",
            &serde_json::json!({"email": email, "password": password}),
        )
        .await
    }

    /// Creates an event through the API; returns its body.
    pub async fn create_event(&self, access: &str, body: &Value) -> Value {
        let created = self
            .call(Method::POST, "/api/v1/events/", Some(body), access)
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        created.body
    }

    /// Registers `email` and signs in: returns (access, refresh).
    pub async fn signed_up(&self, email: &str) -> (String, String) {
        assert_eq!(
            self.register(email, PASSWORD).await.status,
            StatusCode::CREATED
        );
        let response = self.login(email, PASSWORD).await;
        assert_eq!(response.status, StatusCode::OK, "{:?}", response.body);
        (response.string("access"), response.string("refresh"))
    }
}

/// A request with a JSON body (if any) and a bearer token (if any), on top of `builder`.
fn json_request(
    builder: axum::http::request::Builder,
    method: Method,
    path: &str,
    body: Option<&Value>,
    access: Option<&str>,
) -> Request<Body> {
    let mut builder = builder.method(method).uri(path);
    if let Some(token) = access {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let body = match body {
        Some(json) => {
            builder = builder.header(header::CONTENT_TYPE, "application/json");
            Body::from(json.to_string())
        }
        None => Body::empty(),
    };
    builder.body(body).expect("valid request")
}

/// One string field of every object in a JSON array answer (`starts`, `ids`, titles…).
pub fn each(list: &Value, field: &str) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a JSON array: {list}"))
        .iter()
        .map(|item| {
            item[field]
                .as_str()
                .unwrap_or_else(|| panic!("no string {field:?} in {item}"))
                .to_owned()
        })
        .collect()
}

#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl TestResponse {
    pub fn string(&self, field: &str) -> String {
        self.body[field]
            .as_str()
            .unwrap_or_else(|| panic!("no string {field:?} in {}", self.body))
            .to_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

/// A database that exists for one test: a temporary directory (SQLite file, local job queue and
/// secret key) and, for PostgreSQL, a fresh database and a Redis namespace, both removed when the
/// test ends.
pub struct TestDatabase {
    pub data_dir: tempfile::TempDir,
    pub url: Option<String>,
    pub redis_namespace: Option<String>,
    name: Option<String>,
}

impl TestDatabase {
    pub async fn create(backend: Backend) -> TestDatabase {
        let data_dir = tempfile::tempdir().expect("temp dir");
        match backend {
            Backend::Sqlite => TestDatabase {
                data_dir,
                url: None,
                redis_namespace: None,
                name: None,
            },
            Backend::Postgres => {
                let name = format!("almanac_test_{}", uuid::Uuid::new_v4().simple());
                let admin = postgres_admin_url();
                let mut connection = PgConnection::connect(&admin).await.unwrap_or_else(|error| {
                    panic!("PostgreSQL must be reachable at {admin} (set ALMANAC_TEST_POSTGRES_URL): {error}")
                });
                connection
                    .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .await
                    .expect("create test database");
                let url = database_url(&admin, &name);
                TestDatabase {
                    data_dir,
                    url: Some(url),
                    redis_namespace: Some(name.clone()),
                    name: Some(name),
                }
            }
        }
    }
}

impl TestDatabase {
    /// The `postgres` database of a server of the test's own, with a Redis namespace of its own.
    pub fn on_own_server(postgres: &OwnPostgres) -> TestDatabase {
        TestDatabase {
            data_dir: tempfile::tempdir().expect("temp dir"),
            url: Some(postgres.url()),
            redis_namespace: Some(format!("almanac_test_{}", uuid::Uuid::new_v4().simple())),
            name: None,
        }
    }

    fn postgres_url(&self) -> url::Url {
        url::Url::parse(self.url.as_deref().expect("a PostgreSQL URL"))
            .expect("a valid PostgreSQL URL")
    }

    /// The PostgreSQL server's address, `host:port`.
    pub fn postgres_server(&self) -> String {
        let url = self.postgres_url();
        format!(
            "{}:{}",
            url.host_str().expect("a host"),
            url.port().unwrap_or(5432)
        )
    }

    /// The database's URL with `host:port` in place of the server's: to reach it through a relay.
    pub fn postgres_url_through(&self, host: &str, port: u16) -> String {
        let mut url = self.postgres_url();
        url.set_host(Some(host)).expect("a host");
        url.set_port(Some(port)).expect("a port");
        url.to_string()
    }
}

fn database_url(admin: &str, name: &str) -> String {
    let base = admin.rsplit_once('/').map_or(admin, |(base, _)| base);
    format!("{base}/{name}")
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let name = self.name.take();
        let Some(namespace) = self.redis_namespace.take() else {
            return;
        };
        // The test's runtime is going away; drop the database from a runtime of our own.
        let dropper = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                if let Some(name) = name
                    && let Ok(mut connection) = PgConnection::connect(&postgres_admin_url()).await
                {
                    let _ = connection
                        .execute(sqlx::AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                        )))
                        .await;
                }
                forget_redis_namespace(&namespace).await;
            });
        });
        let _ = dropper.join();
    }
}

/// Deletes a test's Redis keys, and its queue from apalis's list of queues.
async fn forget_redis_namespace(namespace: &str) {
    let Ok(client) = redis::Client::open(redis_url()) else {
        return;
    };
    let Ok(mut connection) = client.get_multiplexed_async_connection().await else {
        return;
    };
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{namespace}:*"))
        .query_async(&mut connection)
        .await
        .unwrap_or_default();
    let mut cleanup = redis::pipe();
    for key in &keys {
        cleanup.del(key).ignore();
    }
    cleanup
        .zrem(
            "core:apalis:queues:list",
            format!("{namespace}:generate-occurrences:workers"),
        )
        .ignore();
    let _ = cleanup.query_async::<()>(&mut connection).await;
}

/// A TCP relay between the application and PostgreSQL that can be cut: then connections through
/// it are dropped and new ones refused, as by a server that is down. It runs on a thread and a
/// runtime of its own, so that it keeps relaying whatever the test's own thread is blocked on.
pub struct Relay {
    pub address: SocketAddr,
    server: String,
    runtime: tokio::runtime::Handle,
    running: Arc<Mutex<JoinSet<()>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Relay {
    /// Relays connections on a free local port to `server` (`host:port`).
    pub fn start(server: String) -> Relay {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        let address = listener.local_addr().expect("bound");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for the relay");
        let handle = runtime.handle().clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let _ = runtime.block_on(stopped);
        });
        let relay = Relay {
            address,
            server,
            runtime: handle,
            running: Arc::new(Mutex::new(JoinSet::new())),
            stop: Some(stop),
            thread: Some(thread),
        };
        relay.listen(listener);
        relay
    }

    fn listen(&self, listener: std::net::TcpListener) {
        listener.set_nonblocking(true).expect("non-blocking");
        let (server, running) = (self.server.clone(), self.running.clone());
        let accept = async move {
            let listener = TcpListener::from_std(listener).expect("a tokio listener");
            while let Ok((mut client, _)) = listener.accept().await {
                let server = server.clone();
                running.lock().expect("not poisoned").spawn(async move {
                    if let Ok(mut upstream) = TcpStream::connect(&server).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                    }
                });
            }
        };
        self.running
            .lock()
            .expect("not poisoned")
            .spawn_on(accept, &self.runtime);
    }

    /// Drops every connection and stops listening.
    pub fn cut(&self) {
        self.running.lock().expect("not poisoned").abort_all();
    }

    /// Listens again on the same port.
    pub fn restore(&self) {
        self.listen(std::net::TcpListener::bind(self.address).expect("the same port again"));
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.cut();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A Redis server of the test's own, on a free port, that the test can stop and start again;
/// it keeps nothing on disk, so it always starts empty.
pub struct OwnRedis {
    port: u16,
    server: Option<Child>,
}

impl OwnRedis {
    pub fn start() -> OwnRedis {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let mut redis = OwnRedis { port, server: None };
        redis.restart();
        redis
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Starts the server again, empty, and waits until it accepts connections.
    pub fn restart(&mut self) {
        let server = std::process::Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server is installed (apt-get install redis-server)");
        self.server = Some(server);
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the server: whatever it held is lost.
    pub fn stop(&mut self) {
        if let Some(mut server) = self.server.take() {
            let _ = server.kill();
            let _ = server.wait();
        }
    }
}

/// A PostgreSQL server of the test's own: a fresh cluster in a temporary directory, on a free
/// port, that the test stops and starts again as an operator would. Run as the `postgres` user
/// when the test runs as root, which PostgreSQL refuses to run as.
pub struct OwnPostgres {
    cluster: tempfile::TempDir,
    port: u16,
}

impl OwnPostgres {
    pub fn start() -> OwnPostgres {
        let cluster = tempfile::tempdir().expect("temp dir");
        if running_as_root() {
            let owned = std::process::Command::new("chown")
                .arg("postgres:")
                .arg(cluster.path())
                .status()
                .expect("chown runs");
            assert!(
                owned.success(),
                "the cluster's directory is given to postgres"
            );
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let postgres = OwnPostgres { cluster, port };
        postgres.run(
            "initdb",
            &[
                "--auth=trust",
                "--username=postgres",
                "--no-sync",
                "--pgdata",
            ],
            &[postgres.data().as_str()],
        );
        postgres.restart();
        postgres
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Starts the server and waits until it accepts connections.
    pub fn restart(&self) {
        let options = format!(
            "-c listen_addresses=127.0.0.1 -c port={} -c unix_socket_directories={} -c fsync=off",
            self.port,
            self.cluster.path().display()
        );
        let log = format!("{}/server.log", self.cluster.path().display());
        self.run(
            "pg_ctl",
            &["start", "--wait", "--silent", "--pgdata"],
            &[self.data().as_str(), "--log", &log, "--options", &options],
        );
    }

    /// Stops the server as an operator would (`pg_ctl stop`, fast mode): sessions are ended and
    /// new connections refused until [`OwnPostgres::restart`].
    pub fn stop(&self) {
        self.run(
            "pg_ctl",
            &["stop", "--wait", "--silent", "--mode=fast", "--pgdata"],
            &[self.data().as_str()],
        );
    }

    fn data(&self) -> String {
        format!("{}/data", self.cluster.path().display())
    }

    fn run(&self, program: &str, args: &[&str], more: &[&str]) {
        let output = postgres_command(program)
            .args(args)
            .args(more)
            .output()
            .unwrap_or_else(|error| panic!("{program} runs: {error}"));
        assert!(
            output.status.success(),
            "{program} {args:?} {more:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let _ = postgres_command("pg_ctl")
            .args(["stop", "--mode=immediate", "--pgdata"])
            .arg(self.data())
            .output();
    }
}

/// A PostgreSQL server program, as the `postgres` user when the test runs as root.
fn postgres_command(program: &str) -> std::process::Command {
    let program = postgres_program(program);
    if running_as_root() {
        let mut command = std::process::Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        std::process::Command::new(program)
    }
}

/// Where a PostgreSQL server program is: Debian keeps them out of `PATH`, in a directory per
/// major version (the last by name is taken); elsewhere, `PATH`.
fn postgres_program(name: &str) -> std::path::PathBuf {
    let installed = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|version| version.path().join("bin").join(name))
        .filter(|program| program.exists())
        .max();
    installed.unwrap_or_else(|| name.into())
}

fn running_as_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| output.stdout.trim_ascii() == b"0")
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.stop();
    }
}
