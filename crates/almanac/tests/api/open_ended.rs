//! Series without end: stored up to a horizon that the workers move forward by themselves, and
//! answered exactly — with the ids they will have once stored — for any window beyond it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use almanac::jobs::{Clock, JobContext, advance_horizons, run_worker};
use almanac::storage::{Pool, Timestamp};
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::on_both_backends;
use crate::support::{TestApp, each};

const YEAR: Duration = Duration::from_secs(365 * 86_400);

fn weekly_forever() -> Value {
    json!({
        "title": "Standup",
        "start_date": "2026-03-02T09:00:00",
        "end_date": "2026-03-02T09:15:00",
        "timezone": "Europe/Berlin",
        "recurrence": {"frequency": "weekly"},
    })
}

/// How many of the event's occurrences are stored, and the latest stored start.
async fn stored(app: &TestApp, event_id: &str) -> (i64, Option<Timestamp>) {
    let id: Uuid = event_id.parse().expect("uuid");
    let sql = "SELECT COUNT(*), MAX(start_at) FROM occurrences WHERE event_id = $1";
    match app.state.db.pool() {
        Pool::Sqlite(pool) => sqlx::query_as(sql).bind(id).fetch_one(pool).await,
        Pool::Postgres(pool) => sqlx::query_as(sql).bind(id).fetch_one(pool).await,
    }
    .expect("counted")
}

on_both_backends! {
    async fn a_series_without_end_says_so_and_is_stored_to_the_horizon(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let event = app.create_event(&access, &weekly_forever()).await;
        let rule = &event["recurrence"];
        assert_eq!((&rule["count"], &rule["end_date"]), (&Value::Null, &Value::Null));
        assert_eq!(rule["rrule"], "FREQ=WEEKLY");
        assert_eq!(rule["summary"], "Weekly on Monday, forever");
        assert_eq!(event["series_end_date"], Value::Null);

        app.run_pending_jobs().await;
        let (count, last) = stored(&app, event["id"].as_str().expect("id")).await;
        let horizon = Timestamp::now() + app.state.limits.horizon;
        let last = last.expect("some stored");
        assert!(last < horizon && last + Duration::from_secs(7 * 86_400) >= horizon, "stored up to the horizon: {last}");
        assert!(count > 100, "{count} Mondays");
        let shown = app.get(&format!("/api/v1/events/{}/", event["id"].as_str().expect("id")), Some(&access)).await;
        assert_eq!(shown.body["occurrences_status"], "ready");
    }

    async fn a_window_ten_years_ahead_is_exact_and_its_occurrences_can_be_fetched(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let event = app.create_event(&access, &weekly_forever()).await;
        app.run_pending_jobs().await;

        let march_2036 = app.get("/api/v1/event-occurrences/?start_date=2036-03-01&end_date=2036-03-31", Some(&access)).await;
        assert_eq!(march_2036.status, StatusCode::OK);
        assert_eq!(
            each(&march_2036.body, "start"),
            ["2036-03-03T08:00:00Z", "2036-03-10T08:00:00Z", "2036-03-17T08:00:00Z", "2036-03-24T08:00:00Z", "2036-03-31T07:00:00Z"],
            "09:00 in Berlin, summer time from 30 March 2036"
        );
        assert_eq!(march_2036.body[0]["event"], event["id"]);
        assert_eq!(march_2036.body[0]["original_start"], "2036-03-03T08:00:00Z");
        assert_eq!(march_2036.body[0]["recurrence"], event["recurrence"]["id"]);

        let id = march_2036.body[2]["id"].as_str().expect("id");
        let fetched = app.get(&format!("/api/v1/event-occurrences/{id}/"), Some(&access)).await;
        assert_eq!(fetched.status, StatusCode::OK, "{}", fetched.body);
        assert_eq!(fetched.body, march_2036.body[2]);
        let (stranger, _) = app.signed_up("grace@example.com").await;
        assert_eq!(app.get(&format!("/api/v1/event-occurrences/{id}/"), Some(&stranger)).await.status, StatusCode::NOT_FOUND);

        let by_event = app.get(&format!("/api/v1/event-occurrences/?event={}&start_date=2036-03-01&end_date=2036-03-31&limit=2&offset=1", event["id"].as_str().expect("id")), Some(&access)).await;
        assert_eq!(each(&by_event.body, "start"), ["2036-03-10T08:00:00Z", "2036-03-17T08:00:00Z"]);
        assert!(by_event.header("link").is_some(), "more follow");
    }

    async fn a_window_across_the_horizon_joins_stored_and_computed_occurrences_seamlessly(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let event = app.create_event(&access, &weekly_forever()).await;
        let one_off = json!({"title": "Far one-off", "start_date": "2029-01-02T12:00:00Z", "end_date": "2029-01-02T13:00:00Z"});
        app.create_event(&access, &one_off).await;
        app.run_pending_jobs().await;

        let (_, last) = stored(&app, event["id"].as_str().expect("id")).await;
        let last = last.expect("stored").as_jiff();
        // Twenty days either side: whatever DST does, two Mondays before, two after.
        let from = last.checked_sub(jiff::SignedDuration::from_hours(24 * 20)).expect("in range");
        let to = last.checked_add(jiff::SignedDuration::from_hours(24 * 20)).expect("in range");
        let window = app.get(&format!("/api/v1/event-occurrences/?start_date={from}&end_date={to}"), Some(&access)).await;
        let starts = each(&window.body, "start");
        assert_eq!(starts.len(), 5, "three stored Mondays, two computed: {starts:?}");
        let instants: Vec<jiff::Timestamp> = starts.iter().map(|s| s.parse().expect("instant")).collect();
        assert!(instants.windows(2).all(|pair| pair[1].duration_since(pair[0]).as_hours() >= 167), "one a week, no gap, no duplicate: {starts:?}");

        let everything = app.get("/api/v1/event-occurrences/?start_date=2028-12-31&end_date=2029-01-10", Some(&access)).await;
        assert_eq!(each(&everything.body, "title"), ["Standup", "Far one-off", "Standup"], "merged by start");
    }

    async fn a_page_deep_into_a_series_without_end_is_bounded(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        app.create_event(&access, &json!({"title": "Daily", "start_date": "2026-03-02T09:00:00Z", "end_date": "2026-03-02T09:15:00Z", "recurrence": {"frequency": "daily"}})).await;
        app.run_pending_jobs().await;
        let deepest = app.get("/api/v1/event-occurrences/?offset=100000&limit=1", Some(&access)).await;
        assert_eq!(deepest.status, StatusCode::OK, "{}", deepest.body);
        assert_eq!(deepest.body[0]["start"], "2299-12-16T09:00:00Z", "the 100,001st day, computed");
        // Ten million days would have been computed one by one (28 s); it is refused at once.
        let deeper = app.get("/api/v1/event-occurrences/?offset=10000000", Some(&access)).await;
        assert_eq!(deeper.status, StatusCode::BAD_REQUEST);
        assert_eq!(deeper.body, json!({"offset": ["Ensure this value is less than or equal to 100000."]}));
    }

    async fn pages_across_the_horizon_hold_a_bounded_text_and_their_links_reach_every_occurrence_once(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        // 64 KiB a day (four-byte characters at the longest description), stored for years.
        let description = "𝄞".repeat(16_384);
        let body = json!({"title": "Journal", "description": description, "start_date": "2026-03-02T21:00:00Z", "end_date": "2026-03-02T21:30:00Z", "recurrence": {"frequency": "daily"}});
        let event = app.create_event(&access, &body).await;
        app.run_pending_jobs().await;
        let (_, last) = stored(&app, event["id"].as_str().expect("id")).await;
        let last = last.expect("stored").as_jiff();
        // 100 days, half stored and half computed: 6.4 MiB of descriptions.
        let from = last.checked_sub(jiff::SignedDuration::from_hours(24 * 50)).expect("in range");
        let to = last.checked_add(jiff::SignedDuration::from_hours(24 * 50)).expect("in range");

        let owner = app.get("/api/v1/users/me/", Some(&access)).await.string("id").parse().expect("a UUID");
        let filter = almanac::storage::occurrences::OccurrenceFilter { from: Some(from.into()), to: Some(to.into()), ..Default::default() };
        for offset in [0, 10] {
            let page = almanac::storage::events::Page { limit: 5000, offset };
            let read = app.state.events.list_occurrences(owner, filter, page).await.expect("listed");
            assert!(read.cut_short && read.rows.len() < 70, "offset {offset}: {} occurrences read at once", read.rows.len());
        }

        let mut seen = Vec::new();
        let mut next = Some(format!("/api/v1/event-occurrences/?start_date={from}&end_date={to}"));
        while let Some(path) = next.take() {
            let page = app.get(&path, Some(&access)).await;
            assert_eq!(page.status, StatusCode::OK, "{path}");
            let size = serde_json::to_vec(&page.body).expect("json").len();
            assert!(size <= 4 * 1024 * 1024, "{path}: {size} bytes");
            seen.extend(each(&page.body, "start"));
            next = page.header("link").map(|link| link.trim_start_matches('<').split('>').next().expect("a link").to_owned());
        }
        assert_eq!(seen.len(), 100, "every day once: {seen:?}");
        let instants: Vec<jiff::Timestamp> = seen.iter().map(|s| s.parse().expect("instant")).collect();
        assert!(instants.windows(2).all(|pair| pair[1].duration_since(pair[0]).as_hours() == 24), "in order, no gap, no duplicate");
    }

    async fn the_workers_move_the_horizon_forward_by_themselves_keeping_the_ids(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let event = app.create_event(&access, &weekly_forever()).await;
        let event_id = event["id"].as_str().expect("id").to_owned();
        app.run_pending_jobs().await;
        let (count_before, last_before) = stored(&app, &event_id).await;

        let far = app.get("/api/v1/event-occurrences/?start_date=2030-06-01&end_date=2030-07-01", Some(&access)).await;
        assert_eq!(far.body.as_array().expect("array").len(), 5, "computed before they are stored");

        // A worker whose clock says it is three years later.
        let later = Arc::new(Mutex::new(Timestamp::now() + 3 * YEAR));
        let clock = {
            let later = later.clone();
            Clock::from_fn(move || *later.lock().expect("clock"))
        };
        let context = JobContext { clock, ..app.state.job_context(1) };
        let shutdown = CancellationToken::new();
        let worker = tokio::spawn(run_worker(app.state.jobs.clone(), context, shutdown.clone()));
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        let (count_after, last_after) = loop {
            let now = stored(&app, &event_id).await;
            if now.1 > last_before.map(|last| last + 2 * YEAR) {
                break now;
            }
            assert!(std::time::Instant::now() < deadline, "the horizon never moved: {now:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        shutdown.cancel();
        worker.await.expect("worker stops");

        assert!(count_after > count_before + 100, "{count_before} → {count_after}");
        assert!(last_after.expect("stored") < *later.lock().expect("clock") + app.state.limits.horizon);
        let stored_now = app.get("/api/v1/event-occurrences/?start_date=2030-06-01&end_date=2030-07-01", Some(&access)).await;
        assert_eq!(stored_now.body, far.body, "the same occurrences with the same ids, now stored");
    }

    async fn a_series_edit_regenerates_a_series_without_end_from_the_new_rule(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let event = app.create_event(&access, &weekly_forever()).await;
        app.run_pending_jobs().await;
        let path = format!("/api/v1/events/{}/", event["id"].as_str().expect("id"));
        let edited = app.call(Method::PATCH, &path, Some(&json!({"recurrence": {"frequency": "weekly", "by_weekday": ["TU"]}})), &access).await;
        assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
        app.run_pending_jobs().await;

        let far = app.get("/api/v1/event-occurrences/?start_date=2036-03-01&end_date=2036-03-15", Some(&access)).await;
        assert_eq!(each(&far.body, "start"), ["2036-03-04T08:00:00Z", "2036-03-11T08:00:00Z"]);
        let near = app.get("/api/v1/event-occurrences/?start_date=2026-03-01&end_date=2026-03-12", Some(&access)).await;
        assert_eq!(each(&near.body, "start"), ["2026-03-02T08:00:00Z", "2026-03-03T08:00:00Z", "2026-03-10T08:00:00Z"], "the event itself, then Tuesdays");
    }

    async fn the_occurrence_limit_bounds_one_generation_not_how_long_a_series_runs(backend) {
        let app = TestApp::spawn_with(backend, &["--max-occurrences", "50"]).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let daily = json!({
            "title": "Journal", "start_date": "2026-01-01T21:00:00Z", "end_date": "2026-01-01T21:30:00Z",
            "recurrence": {"frequency": "daily"},
        });
        let event = app.create_event(&access, &daily).await;
        let event_id = event["id"].as_str().expect("id").to_owned();
        app.run_pending_jobs().await;
        let (count, last) = stored(&app, &event_id).await;
        assert_eq!(count, 50, "one generation stores at most the limit");
        assert_eq!(last.map(|last| last.to_string()), Some("2026-02-19T21:00:00Z".to_owned()));

        let beyond = app.get("/api/v1/event-occurrences/?start_date=2026-02-19T00:00:00Z&end_date=2026-02-22T00:00:00Z", Some(&access)).await;
        assert_eq!(each(&beyond.body, "start"), ["2026-02-19T21:00:00Z", "2026-02-20T21:00:00Z", "2026-02-21T21:00:00Z"], "stored, then computed");

        let stretches = advance_horizons(&app.state.job_context(1)).await.expect("extended");
        let (count, last) = stored(&app, &event_id).await;
        let horizon = Timestamp::now() + app.state.limits.horizon;
        assert!(last.expect("stored") + Duration::from_secs(86_400) >= horizon, "stored to the horizon in steps");
        assert!(stretches >= usize::try_from(count / 50 - 1).expect("small"), "{stretches} stretches for {count}");
        let after = app.get("/api/v1/event-occurrences/?start_date=2026-02-19T00:00:00Z&end_date=2026-02-22T00:00:00Z", Some(&access)).await;
        assert_eq!(after.body, beyond.body, "the same ids once stored");
    }
}
