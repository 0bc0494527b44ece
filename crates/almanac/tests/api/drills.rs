//! Fault drills with real processes on PostgreSQL and Redis: workers killed in the middle of their
//! jobs, Redis lost and started again empty, PostgreSQL stopped and started again, `serve` killed
//! while clients write. Through each, a write answered 2xx is never lost: its series is generated in the end,
//! and no series has an occurrence twice.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use almanac::jobs::{GenerateOccurrences, Jobs, QueueTarget};
use serde_json::{Value, json};
use sqlx::{Connection, PgConnection};

use crate::processes::{Answer, Process, almanac, migrate, serve, serving, sign_up, try_request};
use crate::support::{Backend, OwnPostgres, OwnRedis, TestDatabase, redis_url};

/// Every series is daily at 09:00 UTC from 2 March 2026, 30 times: 2 to 31 March.
const DAYS: usize = 30;
/// Series written before a worker is started, for the drills that kill workers.
const BACKLOG: usize = 500;
/// At most this many series per drill with clients writing, however long a phase lasts.
const MOST_WRITES: usize = 300;
/// Between two writes of one client: about 20 writes a second for two clients.
const WRITE_PACE: Duration = Duration::from_millis(100);
/// Bounds on the waits, generous for a loaded two-core machine: exceeding one fails the test, no
/// drill expects to come near. The jobs of a killed worker are taken back by the other workers
/// once it has missed heartbeats for 15 s; a series whose job was lost with Redis, with `serve`,
/// or failed while PostgreSQL was away is queued again by a worker's reconciler, which takes the
/// series stale for 30 s, every 15 s (`RECONCILE_GRACE` and `RECONCILE_PERIOD` in
/// `almanac::jobs`): some 45 s after the last write on an idle machine.
const SHORTLY: Duration = Duration::from_secs(30);
const GENERATED_WITHIN: Duration = Duration::from_secs(60);
const RECONCILED_WITHIN: Duration = Duration::from_secs(120);
const POLL: Duration = Duration::from_millis(50);
/// How long PostgreSQL stays stopped in its drill.
const POSTGRES_DOWN_FOR: Duration = Duration::from_secs(5);

fn series(title: &str) -> Value {
    json!({
        "title": title,
        "start_date": "2026-03-02T09:00:00Z",
        "end_date": "2026-03-02T09:30:00Z",
        "recurrence": {"frequency": "daily", "count": DAYS},
    })
}

/// The starts the rule of [`series`] implies.
fn expected_starts() -> BTreeSet<String> {
    (2..2 + DAYS)
        .map(|day| format!("2026-03-{day:02}T09:00:00Z"))
        .collect()
}

/// `almanac <args>` on the test's database, with `settings` overriding its environment (say, its
/// Redis or the address it reaches PostgreSQL at).
fn almanac_with(database: &TestDatabase, args: &[&str], settings: &[(&str, &str)]) -> Command {
    let mut command = almanac(database, args);
    command.envs(settings.iter().copied());
    command
}

fn worker(database: &TestDatabase, settings: &[(&str, &str)]) -> Process {
    Process(
        almanac_with(database, &["worker"], settings)
            .spawn()
            .expect("almanac worker starts"),
    )
}

/// Polls `probe` until it answers `Ok`, failing the test after `within`; `waiting` says what
/// for, and the last thing the probe saw comes with the failure.
fn eventually<T>(
    within: Duration,
    waiting: &str,
    mut probe: impl FnMut() -> Result<T, String>,
) -> T {
    let deadline = Instant::now() + within;
    loop {
        let seen = match probe() {
            Ok(found) => return found,
            Err(seen) => seen,
        };
        assert!(
            Instant::now() < deadline,
            "waited {within:?} for {waiting}; last seen: {seen}"
        );
        std::thread::sleep(POLL);
    }
}

/// Polls `/readyz` until it answers `status` (and, for a 503, names `what` is down).
fn wait_for_readiness(address: SocketAddr, status: u16, what: &str) {
    eventually(
        SHORTLY,
        &format!("/readyz to answer {status}"),
        || match try_request(address, "GET", "/readyz", None, None, &[]) {
            Ok(answer)
                if answer.status == status
                    && (status == 200
                        || answer.body["detail"] == format!("Service unavailable: {what}.")) =>
            {
                Ok(())
            }
            Ok(answer) => Err(format!("{} {}", answer.status, answer.body)),
            Err(error) => Err(error.to_string()),
        },
    );
}

/// Writes the backlog of series one after the other; every write must be answered 201. Returns
/// their ids.
fn write_backlog(address: SocketAddr, token: &str) -> Vec<String> {
    (0..BACKLOG)
        .map(|n| {
            let answer = try_request(
                address,
                "POST",
                "/api/v1/events/",
                Some(token),
                Some(&series(&format!("Backlog {n}"))),
                &[],
            )
            .expect("serve answers");
            assert_eq!(answer.status, 201, "{}", answer.body);
            answer.body["id"].as_str().expect("an id").to_owned()
        })
        .collect()
}

/// A write of a series by a client, and what came back: an answer, or why none did.
#[derive(Debug)]
struct Written {
    title: String,
    /// What the drill was doing when the write was sent.
    phase: &'static str,
    answer: Result<Answer, String>,
}

impl Written {
    fn status(&self) -> Option<u16> {
        self.answer.as_ref().ok().map(|answer| answer.status)
    }

    fn created_id(&self) -> Option<String> {
        let answer = self.answer.as_ref().ok()?;
        (answer.status / 100 == 2).then(|| {
            answer.body["id"]
                .as_str()
                .unwrap_or_else(|| panic!("a 2xx answer without an id: {}", answer.body))
                .to_owned()
        })
    }

    fn describe(&self) -> String {
        match &self.answer {
            Ok(answer) => format!(
                "{} (sent while {}): {} {} Retry-After: {:?}",
                self.title,
                self.phase,
                answer.status,
                answer.body,
                answer.header("retry-after")
            ),
            Err(error) => format!(
                "{} (sent while {}): no answer: {error}",
                self.title, self.phase
            ),
        }
    }
}

/// Clients writing series to `serve`, each on a thread of its own, until stopped.
struct Writers {
    written: Arc<Mutex<Vec<Written>>>,
    phase: Arc<Mutex<&'static str>>,
    /// Writes sent and not yet come back.
    in_flight: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    clients: Vec<JoinHandle<()>>,
}

impl Writers {
    fn start(address: SocketAddr, token: &str, clients: usize) -> Writers {
        let written = Arc::new(Mutex::new(Vec::new()));
        let phase = Arc::new(Mutex::new("nothing is wrong"));
        let in_flight = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let numbers = Arc::new(AtomicUsize::new(0));
        let clients = (0..clients)
            .map(|_| {
                let (written, phase, in_flight, stop, numbers) = (
                    written.clone(),
                    phase.clone(),
                    in_flight.clone(),
                    stop.clone(),
                    numbers.clone(),
                );
                let token = token.to_owned();
                std::thread::spawn(move || {
                    while !stop.load(Ordering::SeqCst) {
                        let number = numbers.fetch_add(1, Ordering::SeqCst);
                        if number >= MOST_WRITES {
                            return;
                        }
                        let title = format!("Drill {number}");
                        let sent_while = *phase.lock().expect("not poisoned");
                        in_flight.fetch_add(1, Ordering::SeqCst);
                        let answer = try_request(
                            address,
                            "POST",
                            "/api/v1/events/",
                            Some(&token),
                            Some(&series(&title)),
                            &[("Idempotency-Key", &title)],
                        )
                        .map_err(|error| error.to_string());
                        in_flight.fetch_sub(1, Ordering::SeqCst);
                        written.lock().expect("not poisoned").push(Written {
                            title,
                            phase: sent_while,
                            answer,
                        });
                        std::thread::sleep(WRITE_PACE);
                    }
                })
            })
            .collect();
        Writers {
            written,
            phase,
            in_flight,
            stop,
            clients,
        }
    }

    /// Tags the writes sent from now on with what the drill is doing.
    fn enter(&self, phase: &'static str) {
        *self.phase.lock().expect("not poisoned") = phase;
    }

    /// Waits until a write is on its way, so that what the drill does next meets it midway.
    fn wait_for_a_write_in_flight(&self) {
        let deadline = Instant::now() + SHORTLY;
        while self.in_flight.load(Ordering::SeqCst) == 0 {
            assert!(
                Instant::now() < deadline,
                "no write was sent for {SHORTLY:?}"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// How many writes have come back, answered or not, so far.
    fn count(&self) -> usize {
        self.written.lock().expect("not poisoned").len()
    }

    /// Waits until `enough` holds of the writes that came back since the first `since`.
    fn wait_for(&self, since: usize, waiting: &str, enough: impl Fn(&[Written]) -> bool) {
        eventually(SHORTLY, waiting, || {
            let written = self.written.lock().expect("not poisoned");
            let recent = &written[since.min(written.len())..];
            if enough(recent) {
                Ok(())
            } else {
                Err(format!(
                    "{} write(s) since, the last: {:?}",
                    recent.len(),
                    recent.last().map(Written::describe)
                ))
            }
        });
    }

    /// Waits until `at_least` writes sent since the first `since` came back with `status`.
    fn wait_for_answers(&self, since: usize, at_least: usize, status: u16) {
        self.wait_for(
            since,
            &format!("{at_least} write(s) answered {status}"),
            |recent| {
                recent
                    .iter()
                    .filter(|write| write.status() == Some(status))
                    .count()
                    >= at_least
            },
        );
    }

    /// Stops the clients and returns every write, in the order they came back.
    fn finish(mut self) -> Vec<Written> {
        self.stop.store(true, Ordering::SeqCst);
        for client in std::mem::take(&mut self.clients) {
            client.join().expect("a client thread never panics");
        }
        let written = std::mem::take(&mut *self.written.lock().expect("not poisoned"));
        let answered = written.iter().filter(|write| write.answer.is_ok()).count();
        eprintln!(
            "{} write(s): {answered} answered, {} created",
            written.len(),
            written
                .iter()
                .filter(|write| write.created_id().is_some())
                .count()
        );
        written
    }
}

impl Drop for Writers {
    /// A drill that failed midway stops its clients too.
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Fails, listing the writes that are not, unless every write is `expected`.
fn assert_every_write(written: &[Written], expected: &str, is_expected: impl Fn(&Written) -> bool) {
    let wrong: Vec<String> = written
        .iter()
        .filter(|write| !is_expected(write))
        .map(Written::describe)
        .collect();
    assert!(
        wrong.is_empty(),
        "every write is {expected}; {} were not:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

fn created_ids(written: &[Written]) -> Vec<String> {
    written.iter().filter_map(Written::created_id).collect()
}

/// Every page of a list, through `limit`/`offset`; an error if a page is not answered 200.
fn every_page(address: SocketAddr, token: &str, path: &str) -> Result<Vec<Value>, String> {
    const PAGE: usize = 1000;
    let separator = if path.contains('?') { '&' } else { '?' };
    let mut items = Vec::new();
    loop {
        let page = format!("{path}{separator}limit={PAGE}&offset={}", items.len());
        let answer = try_request(address, "GET", &page, Some(token), None, &[])
            .map_err(|error| format!("GET {page}: {error}"))?;
        if answer.status != 200 {
            return Err(format!("GET {page}: {} {}", answer.status, answer.body));
        }
        let found = answer
            .body
            .as_array()
            .ok_or_else(|| format!("GET {page}: not a list: {}", answer.body))?
            .clone();
        let full = found.len() == PAGE;
        items.extend(found);
        if !full {
            return Ok(items);
        }
    }
}

fn statuses(events: &[Value]) -> String {
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for event in events {
        *counts
            .entry(event["occurrences_status"].to_string())
            .or_default() += 1;
    }
    format!("{counts:?}")
}

/// Waits until every event of the account has its occurrences generated, the ones in `created`
/// among them; returns the events.
fn wait_until_generated(
    address: SocketAddr,
    token: &str,
    created: &[String],
    within: Duration,
) -> Vec<Value> {
    let started = Instant::now();
    let events = eventually(within, "every series to be generated", || {
        let events = every_page(address, token, "/api/v1/events/")?;
        let listed: BTreeSet<&str> = events
            .iter()
            .filter_map(|event| event["id"].as_str())
            .collect();
        let missing: Vec<&String> = created
            .iter()
            .filter(|id| !listed.contains(id.as_str()))
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "{} series answered 201 are not listed, such as {}",
                missing.len(),
                missing[0]
            ));
        }
        if events
            .iter()
            .all(|event| event["occurrences_status"] == "ready")
        {
            Ok(events)
        } else {
            Err(format!(
                "{} events by occurrences_status: {}",
                events.len(),
                statuses(&events)
            ))
        }
    });
    eprintln!(
        "{} series generated {:?} after the drill",
        events.len(),
        started.elapsed()
    );
    events
}

/// Asserts that each event has exactly the occurrences its rule implies: 30, on 30 distinct days.
fn assert_generated_once(address: SocketAddr, token: &str, events: &[Value]) {
    let expected = expected_starts();
    let mut wrong = Vec::new();
    for event in events {
        let id = event["id"].as_str().expect("an id");
        let occurrences = every_page(
            address,
            token,
            &format!("/api/v1/event-occurrences/?event={id}"),
        )
        .unwrap_or_else(|error| panic!("the occurrences are listed: {error}"));
        let field = |name: &str| -> BTreeSet<String> {
            occurrences
                .iter()
                .map(|occurrence| occurrence[name].as_str().unwrap_or("?").to_owned())
                .collect()
        };
        let (starts, original_starts) = (field("start"), field("original_start"));
        if occurrences.len() != DAYS || starts != expected || original_starts != expected {
            wrong.push(format!(
                "{} ({id}): {} occurrences, {} distinct starts, {} distinct original starts",
                event["title"],
                occurrences.len(),
                starts.len(),
                original_starts.len()
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} series do not have their {DAYS} daily occurrences exactly once:\n{}",
        wrong.len(),
        events.len(),
        wrong.join("\n")
    );
}

/// The test's job queue in Redis, opened as the application opens it, to see which jobs the
/// workers hold.
struct Queue(apalis_redis::RedisStorage<GenerateOccurrences>);

impl Queue {
    async fn open(database: &TestDatabase) -> Queue {
        let target = QueueTarget::Redis {
            url: redis_url(),
            namespace: database.redis_namespace.clone().expect("a Redis namespace"),
        };
        match Jobs::connect(&target).await.expect("Redis reachable") {
            Jobs::Redis(storage) => Queue(storage),
            Jobs::Local { .. } => unreachable!("a Redis target"),
        }
    }

    /// How many jobs each registered worker, alive or dead, has taken and not finished.
    async fn held(&self) -> Vec<usize> {
        let config = self.0.get_config();
        let mut redis = self.0.clone().get_connection().clone();
        let workers: Vec<String> = redis::cmd("ZRANGE")
            .arg(config.workers_set())
            .arg(0)
            .arg(-1)
            .query_async(&mut redis)
            .await
            .expect("Redis reachable");
        let mut held = Vec::new();
        for worker in workers {
            let taken: usize = redis::cmd("SCARD")
                .arg(format!("{}:{worker}", config.inflight_jobs_set()))
                .query_async(&mut redis)
                .await
                .expect("Redis reachable");
            held.push(taken);
        }
        held
    }
}

/// Waits until the workers have generated some of the backlog and each holds jobs of it, then
/// kills them with SIGKILL. The jobs they held must be left taken by dead workers, and some of
/// the backlog undone, or the drill would test nothing. Both are watched from the workers' start
/// in the database and the queue themselves: two workers drain the 500 series in well under a
/// second, and a drill that listed the events through the API to see some generated found the
/// backlog already done.
async fn kill_in_the_middle_of_the_backlog(
    database: &TestDatabase,
    address: SocketAddr,
    token: &str,
    workers: Vec<Process>,
) {
    let ready = |events: &[Value]| {
        events
            .iter()
            .filter(|event| event["occurrences_status"] == "ready")
            .count()
    };
    let queue = Queue::open(database).await;
    let url = database.url.as_deref().expect("a PostgreSQL database");
    let mut connection = PgConnection::connect(url)
        .await
        .expect("PostgreSQL reachable");
    let deadline = Instant::now() + SHORTLY;
    loop {
        let held = queue.held().await;
        if held.iter().filter(|&&jobs| jobs > 0).count() == workers.len() {
            let generated: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM events WHERE occurrences_revision >= revision",
            )
            .fetch_one(&mut connection)
            .await
            .expect("events counted");
            if generated > 0 {
                break;
            }
        }
        assert!(
            Instant::now() < deadline,
            "the workers did not all hold jobs at once with some of the backlog generated: {held:?}"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    for worker in workers {
        worker.kill();
    }
    let orphaned = queue.held().await;
    let events = every_page(address, token, "/api/v1/events/").expect("the events are listed");
    eprintln!(
        "workers killed holding {orphaned:?} job(s), with {} of {} series generated",
        ready(&events),
        events.len()
    );
    assert!(
        orphaned.iter().sum::<usize>() > 0,
        "the workers were killed holding jobs"
    );
    assert!(
        ready(&events) < events.len(),
        "the workers were killed before they finished the backlog"
    );
}

#[tokio::test]
async fn a_worker_killed_mid_job_loses_and_duplicates_nothing() {
    let database = TestDatabase::create(Backend::Postgres).await;
    migrate(&database);
    let (_server, address) = serve(&database);
    let token = sign_up(address, "ada@example.com");
    let created = write_backlog(address, &token);

    kill_in_the_middle_of_the_backlog(&database, address, &token, vec![worker(&database, &[])])
        .await;
    let _another = worker(&database, &[]);

    let events = wait_until_generated(address, &token, &created, GENERATED_WITHIN);
    assert_eq!(events.len(), BACKLOG, "one event per series written");
    assert_generated_once(address, &token, &events);
}

#[tokio::test]
async fn every_worker_killed_mid_backlog_loses_and_duplicates_nothing() {
    let database = TestDatabase::create(Backend::Postgres).await;
    migrate(&database);
    let (_server, address) = serve(&database);
    let token = sign_up(address, "ada@example.com");
    let created = write_backlog(address, &token);

    let workers = vec![worker(&database, &[]), worker(&database, &[])];
    kill_in_the_middle_of_the_backlog(&database, address, &token, workers).await;
    let _others = [worker(&database, &[]), worker(&database, &[])];

    let events = wait_until_generated(address, &token, &created, GENERATED_WITHIN);
    assert_eq!(events.len(), BACKLOG, "one event per series written");
    assert_generated_once(address, &token, &events);
}

#[tokio::test]
async fn redis_restarted_empty_mid_writes_loses_no_answered_write_and_duplicates_nothing() {
    let mut redis = OwnRedis::start();
    let url = redis.url();
    let settings = [("REDIS_URL", url.as_str())];
    let database = TestDatabase::create(Backend::Postgres).await;
    migrate(&database);
    let (_server, address) = serving(almanac_with(
        &database,
        &["serve", "--bind", "127.0.0.1:0"],
        &settings,
    ));
    let mut worker = worker(&database, &settings);
    let token = sign_up(address, "ada@example.com");
    wait_for_readiness(address, 200, "");

    let writers = Writers::start(address, &token, 2);
    writers.wait_for_answers(0, 40, 201);
    writers.enter("Redis was down");
    redis.stop();
    wait_for_readiness(address, 503, "job queue");
    writers.wait_for_answers(writers.count(), 30, 201);
    redis.restart();
    writers.enter("Redis was back, empty");
    wait_for_readiness(address, 200, "");
    writers.wait_for_answers(writers.count(), 40, 201);
    let written = writers.finish();

    assert_every_write(
        &written,
        "a write does not need Redis: answered 201",
        |write| write.status() == Some(201),
    );
    let created = created_ids(&written);
    let events = wait_until_generated(address, &token, &created, RECONCILED_WITHIN);
    assert_generated_once(address, &token, &events);
    assert!(worker.is_running(), "the worker rode out the outage");
}

#[tokio::test]
async fn postgresql_stopped_and_restarted_answers_503_loses_no_answered_write_and_recovers_by_itself()
 {
    let postgres = OwnPostgres::start();
    let database = TestDatabase::on_own_server(&postgres);
    migrate(&database);
    let (_server, address) = serve(&database);
    let mut workers = [worker(&database, &[]), worker(&database, &[])];
    let token = sign_up(address, "ada@example.com");
    wait_for_readiness(address, 200, "");

    let writers = Writers::start(address, &token, 2);
    writers.wait_for_answers(0, 50, 201);
    writers.wait_for_a_write_in_flight();
    writers.enter("PostgreSQL was stopped");
    postgres.stop();
    let stopped = Instant::now();
    wait_for_readiness(address, 503, "database");
    writers.wait_for_answers(writers.count(), 1, 503);
    std::thread::sleep(POSTGRES_DOWN_FOR.saturating_sub(stopped.elapsed()));
    postgres.restart();
    writers.enter("PostgreSQL was back");
    wait_for_readiness(address, 200, "");
    writers.wait_for_answers(writers.count(), 50, 201);
    let written = writers.finish();

    assert_every_write(
        &written,
        "answered, 201 or 503 with Retry-After",
        |write| match &write.answer {
            Ok(answer) if answer.status == 201 => true,
            Ok(answer) if answer.status == 503 => {
                answer.header("retry-after").is_some()
                    && answer.body["detail"] == "Service unavailable: database."
            }
            _ => false,
        },
    );
    let created = created_ids(&written);
    let events = wait_until_generated(address, &token, &created, RECONCILED_WITHIN);
    assert_generated_once(address, &token, &events);
    assert!(
        workers.iter_mut().all(Process::is_running),
        "the workers rode out the outage"
    );
}

#[tokio::test]
async fn serve_killed_mid_writes_loses_no_answered_write_and_duplicates_nothing() {
    let database = TestDatabase::create(Backend::Postgres).await;
    migrate(&database);
    let (server, address) = serve(&database);
    let _workers = [worker(&database, &[]), worker(&database, &[])];
    let token = sign_up(address, "ada@example.com");

    let writers = Writers::start(address, &token, 2);
    writers.wait_for_answers(0, 50, 201);
    writers.wait_for_a_write_in_flight();
    writers.enter("serve was killed");
    server.kill();
    let (_restarted, again) = serving(almanac(
        &database,
        &["serve", "--bind", &address.to_string()],
    ));
    assert_eq!(again, address);
    writers.enter("serve was restarted");
    writers.wait_for_answers(writers.count(), 50, 201);
    let written = writers.finish();

    assert_every_write(&written, "answered 201 if answered at all", |write| {
        write.answer.is_err() || write.status() == Some(201)
    });
    // A client that got no answer retries with the same Idempotency-Key: it gets the event its
    // first try made, if that try got as far as the database, and never a second one.
    let mut created = created_ids(&written);
    for unanswered in written.iter().filter(|write| write.answer.is_err()) {
        let title = &unanswered.title;
        let retried = try_request(
            address,
            "POST",
            "/api/v1/events/",
            Some(&token),
            Some(&series(title)),
            &[("Idempotency-Key", title)],
        )
        .unwrap_or_else(|error| panic!("the retry of {title} is answered: {error}"));
        assert_eq!(retried.status, 201, "{title}: {}", retried.body);
        created.push(retried.body["id"].as_str().expect("an id").to_owned());
    }
    let events = wait_until_generated(address, &token, &created, RECONCILED_WITHIN);
    let titles: BTreeSet<&str> = events
        .iter()
        .filter_map(|event| event["title"].as_str())
        .collect();
    assert_eq!(
        titles.len(),
        events.len(),
        "no write, retried or not, made two events"
    );
    assert_generated_once(address, &token, &events);
}

#[tokio::test]
async fn a_worker_tells_a_redis_outage_once_and_its_end_once() {
    let mut redis = OwnRedis::start();
    let url = redis.url();
    let database = TestDatabase::create(Backend::Postgres).await;
    migrate(&database);
    // With the logging a production worker has by default.
    let mut child = almanac_with(&database, &["worker"], &[("REDIS_URL", url.as_str())])
        .env_remove("RUST_LOG")
        .stderr(Stdio::piped())
        .spawn()
        .expect("almanac worker starts");
    let stderr = child.stderr.take().expect("stderr");
    let worker = Process(child);
    let lines = Arc::new(Mutex::new(Vec::new()));
    let reader = {
        let lines = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                lines.lock().expect("not poisoned").push(line);
            }
        })
    };
    let logged = |text: &str| {
        let lines = lines.lock().expect("not poisoned");
        if lines.iter().any(|line| line.contains(text)) {
            Ok(())
        } else {
            Err(lines.join("\n"))
        }
    };
    eventually(SHORTLY, "the worker to start", || {
        logged("Almanac worker running")
    });
    redis.stop();
    // Long enough for the worker to fail and start again several times (after 0.5, 1, 2 and 4 s).
    std::thread::sleep(Duration::from_secs(8));
    redis.restart();
    eventually(SHORTLY, "the worker to say the queue is back", || {
        logged("the job queue works again")
    });
    drop(worker);
    let _ = reader.join();
    let lines = lines.lock().expect("not poisoned");
    let warnings: Vec<&String> = lines
        .iter()
        .filter(|line| line.contains("WARN") || line.contains("ERROR"))
        .collect();
    assert_eq!(
        warnings.len(),
        1,
        "one warning for the outage:\n{}",
        lines.join("\n")
    );
}
