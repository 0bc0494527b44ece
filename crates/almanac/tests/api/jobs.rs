//! Background generation beyond the happy path: failures recorded for admins, a Redis outage that
//! loses jobs, an unreachable queue reported by `/readyz`, and the calendar's range query served
//! by its index.

use std::time::{Duration, Instant};

use almanac::events::SeriesLimits;
use almanac::jobs::{JobContext, reconcile_stale, run_until_idle};
use almanac::storage::Timestamp;
use almanac::storage::events::Page;
use almanac::storage::generation_failures::list_failures;
use almanac::storage::occurrences::{OccurrenceFilter, explain_list_occurrences};
use almanac::storage::users::find_user_by_email_key;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{Backend, OwnRedis, TestApp};

const ALL: Page = Page {
    limit: 100,
    offset: 0,
};

fn daily(count: u32) -> Value {
    json!({
        "title": "Stretch",
        "start_date": "2026-03-02T07:00:00Z",
        "end_date": "2026-03-02T07:10:00Z",
        "recurrence": {"frequency": "daily", "count": count},
    })
}

/// Whether the event's occurrences are `ready` within `limit`, asked again every few milliseconds.
async fn ready_within(app: &TestApp, access: &str, id: &str, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    let path = format!("/api/v1/events/{id}/");
    while app.get(&path, Some(access)).await.body["occurrences_status"] != "ready" {
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    true
}

async fn create(app: &TestApp, access: &str, body: &Value) -> String {
    let created = app
        .call(Method::POST, "/api/v1/events/", Some(body), access)
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    created.string("id")
}

on_both_backends! {
    async fn a_series_the_worker_cannot_expand_is_recorded_and_not_retried(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let id = create(&app, &access, &daily(10)).await;
        let path = format!("/api/v1/events/{id}/");

        // A worker configured with a lower limit than the web process that accepted the series.
        let strict = JobContext {
            limits: SeriesLimits { max_occurrences: 5, ..app.state.limits },
            ..app.state.job_context(1)
        };
        assert_eq!(run_until_idle(&app.state.jobs, strict).await.expect("drains"), 1);

        let failures = list_failures(&app.state.db, ALL).await.expect("listed");
        assert_eq!(failures.len(), 1);
        let failure = &failures[0];
        assert_eq!(failure.event_id.to_string(), id);
        assert_eq!((failure.event_title.as_str(), failure.owner_email.as_str()), ("Stretch", "ada@example.com"));
        assert!(failure.permanent);
        assert_eq!(failure.attempts, 1, "a series that cannot be expanded is not retried");
        assert!(failure.error.contains("more than 5 occurrences"), "{}", failure.error);
        assert_eq!(app.get(&path, Some(&access)).await.body["occurrences_status"], "failed");
        assert_eq!(
            reconcile_stale(&app.state.db, &app.state.jobs, Timestamp::now()).await.expect("reconciles"),
            0,
            "the reconciler leaves a revision that failed for good alone"
        );

        // Editing the event makes a new revision, which generates and clears the failure.
        app.call(Method::PATCH, &path, Some(&json!({"recurrence": {"frequency": "daily", "count": 3}})), &access).await;
        app.run_pending_jobs().await;
        assert_eq!(app.get(&path, Some(&access)).await.body["occurrences_status"], "ready");
        assert!(list_failures(&app.state.db, ALL).await.expect("listed").is_empty());
    }

    async fn the_month_window_query_is_served_by_the_owner_start_index(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        create(&app, &access, &daily(3000)).await;
        let (other, _) = app.signed_up("grace@example.com").await;
        create(&app, &access, &daily(500)).await;
        create(&app, &other, &daily(500)).await;
        app.run_pending_jobs().await;
        if let almanac::storage::Pool::Postgres(pool) = app.state.db.pool() {
            sqlx::query("ANALYZE").execute(pool).await.expect("analyze");
        }

        let owner = find_user_by_email_key(&app.state.db, "ada@example.com").await.expect("query").expect("user");
        let march = OccurrenceFilter {
            from: Some("2026-03-01T00:00:00Z".parse::<jiff::Timestamp>().expect("valid").into()),
            to: Some("2026-04-01T00:00:00Z".parse::<jiff::Timestamp>().expect("valid").into()),
            event_id: None,
            include_cancelled: false,
        };
        let plan = explain_list_occurrences(&app.state.db, owner.id, march, ALL).await.expect("explained");
        assert!(plan.contains("occurrences_owner_start"), "{plan}");
        assert!(!plan.contains("SCAN o") && !plan.contains("Seq Scan on occurrences"), "{plan}");
    }
}

#[tokio::test]
async fn while_redis_is_down_writes_succeed_and_occurrences_follow_once_it_is_back() {
    let mut redis = OwnRedis::start();
    let url = redis.url();
    let app = TestApp::spawn_with(Backend::Sqlite, &["--redis-url", &url]).await;
    let (access, _) = app.signed_up("ada@example.com").await;
    assert_eq!(app.get("/readyz", None).await.status, StatusCode::OK);

    redis.stop();
    let id = create(&app, &access, &daily(7)).await;
    let path = format!("/api/v1/events/{id}/");
    assert_eq!(
        app.get(&path, Some(&access)).await.body["occurrences_status"],
        "pending"
    );
    let ready = app.get("/readyz", None).await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.body["detail"], "Service unavailable: job queue.");

    // Redis comes back empty: the job is gone, and the reconciler finds the stale event.
    redis.restart();
    let deadline = Instant::now() + Duration::from_secs(10);
    while app.state.jobs.ping().await.is_err() {
        assert!(Instant::now() < deadline, "the queue did not reconnect");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        app.run_pending_jobs().await,
        0,
        "the job was lost with Redis"
    );
    let enqueued = reconcile_stale(&app.state.db, &app.state.jobs, Timestamp::now())
        .await
        .expect("reconciles");
    assert_eq!(enqueued, 1);
    assert_eq!(app.run_pending_jobs().await, 1);
    assert_eq!(
        app.get(&path, Some(&access)).await.body["occurrences_status"],
        "ready"
    );
    let occurrences = app
        .get(
            &format!("/api/v1/event-occurrences/?event={id}"),
            Some(&access),
        )
        .await;
    assert_eq!(occurrences.body.as_array().map(Vec::len), Some(7));
}

#[tokio::test]
async fn a_burst_of_jobs_beyond_luas_unpack_limit_is_still_run() {
    use almanac::jobs::{GenerateOccurrences, Jobs};
    use apalis::prelude::TaskSink;

    let app = TestApp::spawn(Backend::Postgres).await;
    let Jobs::Redis(storage) = &app.state.jobs else {
        panic!("PostgreSQL tests queue in Redis");
    };
    // Jobs for events that do not exist: each is a quick no-op, the queue is what is tested.
    let burst: Vec<GenerateOccurrences> = (0..9_000)
        .map(|_| GenerateOccurrences {
            event_id: uuid::Uuid::now_v7(),
            revision: 1,
        })
        .collect();
    storage.clone().push_bulk(burst).await.expect("queued");
    assert_eq!(
        run_until_idle(&app.state.jobs, app.state.job_context(2))
            .await
            .expect("drains"),
        9_000
    );
}

#[tokio::test]
async fn forgetting_finished_jobs_leaves_nothing_of_them_in_redis() {
    use almanac::jobs::Jobs;

    /// The number of members of a Redis set (`SCARD`) or fields of a hash (`HLEN`).
    async fn size(redis: &mut redis::aio::ConnectionManager, command: &str, key: String) -> usize {
        redis::cmd(command)
            .arg(key)
            .query_async(redis)
            .await
            .expect("Redis reachable")
    }

    let app = TestApp::spawn(Backend::Postgres).await;
    let (access, _) = app.signed_up("ada@example.com").await;
    for _ in 0..3 {
        create(&app, &access, &daily(5)).await;
    }
    assert_eq!(app.run_pending_jobs().await, 3);
    let Jobs::Redis(storage) = &app.state.jobs else {
        panic!("PostgreSQL tests queue in Redis");
    };
    let config = storage.get_config();
    let mut redis = storage.clone().get_connection().clone();
    assert_eq!(size(&mut redis, "SCARD", config.done_jobs_set()).await, 3);

    assert_eq!(
        app.state.jobs.forget_finished().await.expect("forgotten"),
        3
    );
    assert_eq!(
        size(&mut redis, "SCARD", config.done_jobs_set()).await,
        0,
        "the ids of finished jobs are gone"
    );
    assert_eq!(
        size(&mut redis, "HLEN", config.job_data_hash()).await,
        0,
        "and so is their data"
    );
}

on_both_backends! {
    async fn jobs_waiting_for_a_worker_are_counted_until_they_start(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        create(&app, &access, &daily(5)).await;
        create(&app, &access, &daily(5)).await;
        app.state.jobs.promote_due().await.expect("promoted");
        assert_eq!(app.state.jobs.waiting().await.expect("counted"), 2);

        app.run_pending_jobs().await;
        assert_eq!(app.state.jobs.waiting().await.expect("counted"), 0);
    }
}

/// Registers a worker named `name` as last heard from `silent_for` ago, and has it take every
/// queued job, as a worker process does before it runs them.
async fn taken_by_worker(app: &TestApp, name: &str, silent_for: Duration) -> usize {
    use almanac::jobs::Jobs;
    use apalis::prelude::WorkerContext;

    let Jobs::Redis(storage) = &app.state.jobs else {
        panic!("PostgreSQL tests queue in Redis");
    };
    let config = storage.get_config();
    let mut redis = storage.clone().get_connection().clone();
    let heard_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        - silent_for;
    redis::cmd("ZADD")
        .arg(config.workers_set())
        .arg(heard_at.as_secs())
        .arg(name)
        .query_async::<()>(&mut redis)
        .await
        .expect("Redis reachable");
    apalis_redis::queries::fetch_next(&mut redis, &WorkerContext::new(name), config)
        .await
        .expect("fetched")
        .len()
}

async fn is_registered(app: &TestApp, name: &str) -> bool {
    use almanac::jobs::Jobs;

    let Jobs::Redis(storage) = &app.state.jobs else {
        panic!("PostgreSQL tests queue in Redis");
    };
    let mut redis = storage.clone().get_connection().clone();
    redis::cmd("ZSCORE")
        .arg(storage.get_config().workers_set())
        .arg(name)
        .query_async::<Option<f64>>(&mut redis)
        .await
        .expect("Redis reachable")
        .is_some()
}

#[tokio::test]
async fn the_jobs_of_a_worker_that_died_are_run_by_another_and_it_is_forgotten() {
    use almanac::jobs::run_worker;
    use tokio_util::sync::CancellationToken;

    let app = TestApp::spawn(Backend::Postgres).await;
    let (access, _) = app.signed_up("ada@example.com").await;
    let id = create(&app, &access, &daily(5)).await;
    // Killed a minute ago with the job in hand: no heartbeat since.
    assert_eq!(
        taken_by_worker(&app, "killed", Duration::from_secs(60)).await,
        1
    );

    let shutdown = CancellationToken::new();
    let worker = tokio::spawn(run_worker(
        app.state.jobs.clone(),
        app.state.job_context(1),
        shutdown.clone(),
    ));
    // Within a few heartbeats, and before the reconciler would take a series this recent.
    assert!(
        ready_within(&app, &access, &id, Duration::from_secs(25)).await,
        "the killed worker's job was not run again"
    );
    assert!(
        !is_registered(&app, "killed").await,
        "the dead worker is forgotten"
    );
    shutdown.cancel();
    worker.await.expect("the worker stops");
}

#[tokio::test]
async fn a_worker_that_stops_gives_back_the_jobs_it_had_not_started() {
    use apalis::prelude::WorkerContext;

    let app = TestApp::spawn(Backend::Postgres).await;
    let (access, _) = app.signed_up("ada@example.com").await;
    let id = create(&app, &access, &daily(5)).await;
    assert_eq!(taken_by_worker(&app, "stopping", Duration::ZERO).await, 1);

    let released = app
        .state
        .jobs
        .release_worker(&WorkerContext::new("stopping"))
        .await
        .expect("Redis reachable");
    assert_eq!(released, 1);
    assert!(!is_registered(&app, "stopping").await);
    assert_eq!(app.run_pending_jobs().await, 1, "the job is queued again");
    assert_eq!(
        app.get(&format!("/api/v1/events/{id}/"), Some(&access))
            .await
            .body["occurrences_status"],
        "ready"
    );
}

#[tokio::test]
async fn stale_events_are_queued_again_once_however_many_workers_run() {
    use almanac::jobs::{Jobs, run_worker};
    use almanac::storage::Pool;
    use tokio_util::sync::CancellationToken;

    let app = TestApp::spawn(Backend::Postgres).await;
    let (access, _) = app.signed_up("ada@example.com").await;
    for _ in 0..20 {
        create(&app, &access, &daily(5)).await;
    }
    // Their jobs were lost an hour ago: the events are stale, for every worker's reconciler.
    app.drop_pending_jobs().await;
    let Pool::Postgres(pool) = app.state.db.pool() else {
        panic!("a PostgreSQL pool");
    };
    sqlx::query("UPDATE events SET revised_at = revised_at - INTERVAL '1 hour'")
        .execute(pool)
        .await
        .expect("PostgreSQL reachable");

    let other = app.another_process().await;
    let shutdown = CancellationToken::new();
    let workers = [&app, &other].map(|process| {
        tokio::spawn(run_worker(
            process.state.jobs.clone(),
            process.state.job_context(1),
            shutdown.clone(),
        ))
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let events = app.get("/api/v1/events/", Some(&access)).await;
        let statuses = events.body.as_array().expect("a list").iter();
        if statuses
            .filter(|event| event["occurrences_status"] == "ready")
            .count()
            == 20
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the stale events were not queued again"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Both workers have reconciled at start by now.
    tokio::time::sleep(Duration::from_millis(500)).await;
    shutdown.cancel();
    for worker in workers {
        worker.await.expect("the worker stops");
    }

    let Jobs::Redis(storage) = &app.state.jobs else {
        panic!("PostgreSQL tests queue in Redis");
    };
    let mut redis = storage.clone().get_connection().clone();
    let jobs_run: usize = redis::cmd("SCARD")
        .arg(storage.get_config().done_jobs_set())
        .query_async(&mut redis)
        .await
        .expect("Redis reachable");
    // At most: a worker's first clean-up may already have forgotten a finished job or two.
    assert!(
        jobs_run <= 20,
        "one job for each stale event, not one per worker: {jobs_run}"
    );
}

#[tokio::test]
async fn one_process_per_period_gets_a_turn_of_a_periodic_task() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let other = app.another_process().await;
    let period = Duration::from_millis(300);
    let claim = |process: &TestApp, task: &'static str| {
        let jobs = process.state.jobs.clone();
        async move {
            jobs.claim_beat(task, period)
                .await
                .expect("Redis reachable")
        }
    };

    assert!(claim(&app, "reconcile").await);
    assert!(!claim(&other, "reconcile").await, "taken for this period");
    assert!(!claim(&app, "reconcile").await);
    assert!(
        claim(&other, "another task").await,
        "each task has its own turns"
    );
    tokio::time::sleep(period).await;
    assert!(claim(&other, "reconcile").await, "the next period is free");
}

// Both queues hand out the newest job first: someone who just saved a series sees it generated at
// once, not after every series of an earlier burst (an import, say).
on_both_backends! {
    async fn a_series_saved_behind_a_backlog_is_generated_before_it(backend) {
        use almanac::jobs::run_worker;
        use tokio_util::sync::CancellationToken;

        const BACKLOG: usize = 200;
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        for _ in 0..BACKLOG {
            create(&app, &access, &daily(30)).await;
        }
        let newest = create(&app, &access, &daily(30)).await;

        let shutdown = CancellationToken::new();
        let worker = tokio::spawn(run_worker(
            app.state.jobs.clone(),
            app.state.job_context(1),
            shutdown.clone(),
        ));
        assert!(
            ready_within(&app, &access, &newest, Duration::from_secs(30)).await,
            "the newest series was never generated"
        );
        shutdown.cancel();
        worker.await.expect("the worker stops");

        let events = app.get("/api/v1/events/?limit=500", Some(&access)).await;
        let waiting = events
            .body
            .as_array()
            .expect("a list")
            .iter()
            .filter(|event| event["occurrences_status"] == "pending")
            .count();
        assert!(
            waiting > BACKLOG / 2,
            "only {waiting} of the {BACKLOG} older series were still waiting"
        );
        app.run_pending_jobs().await;
        let events = app.get("/api/v1/events/?limit=500", Some(&access)).await;
        assert!(
            events
                .body
                .as_array()
                .expect("a list")
                .iter()
                .all(|event| event["occurrences_status"] == "ready"),
            "the older series are generated too"
        );
    }
}
