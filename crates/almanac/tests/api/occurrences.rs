//! `/api/v1/event-occurrences/` and background generation: the right instants across DST,
//! range filters, stable ids, idempotent and race-safe jobs, and recovery of lost jobs.

use almanac::events::{Generation, GenerationError, SeriesLimits, generate_occurrences_of};
use almanac::jobs::reconcile_stale;
use almanac::storage::Timestamp;
use almanac::storage::events::find_event_by_id;
use almanac::storage::occurrences::{
    StoreOutcome, Stretch, WholeSeries, store_occurrences, store_whole_series,
};
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{TestApp, each};

/// A weekly 09:00 Berlin meeting for six weeks, across the 2026-03-29 change to summer time.
fn berlin_weekly() -> Value {
    json!({
        "title": "Standup",
        "start_date": "2026-03-02T09:00:00+01:00",
        "end_date": "2026-03-02T09:15:00+01:00",
        "timezone": "Europe/Berlin",
        "recurrence": {"frequency": "weekly", "count": 6},
    })
}

on_both_backends! {
    async fn a_weekly_berlin_series_keeps_nine_oclock_local_across_dst(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let event = app.create_event(&access, &berlin_weekly()).await;
        app.run_pending_jobs().await;

        let listed = app.get("/api/v1/event-occurrences/", Some(&access)).await;
        assert_eq!(
            each(&listed.body, "start"),
            [
                "2026-03-02T08:00:00Z", "2026-03-09T08:00:00Z", "2026-03-16T08:00:00Z",
                "2026-03-23T08:00:00Z", "2026-03-30T07:00:00Z", "2026-04-06T07:00:00Z",
            ]
        );
        let first = &listed.body[0];
        assert_eq!(first["end"], "2026-03-02T08:15:00Z");
        assert_eq!(first["event"], event["id"]);
        assert_eq!(first["event_name"], "Standup");
        assert_eq!(first["title"], "Standup");
        assert_eq!(first["original_start"], first["start"]);
        assert_eq!(first["recurrence"], event["recurrence"]["id"]);
    }

    async fn a_one_off_event_has_exactly_one_occurrence(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let body = json!({"title": "Review", "start_date": "2026-05-01T10:00:00Z", "end_date": "2026-05-01T11:00:00Z"});
        app.create_event(&access, &body).await;
        app.run_pending_jobs().await;
        let listed = app.get("/api/v1/event-occurrences/", Some(&access)).await;
        assert_eq!(each(&listed.body, "start"), ["2026-05-01T10:00:00Z"]);
        assert_eq!(listed.body[0]["recurrence"], Value::Null);
    }

    async fn a_range_returns_the_occurrences_that_overlap_it(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        app.create_event(&access, &berlin_weekly()).await;
        app.run_pending_jobs().await;

        let window = app.get("/api/v1/event-occurrences/?start_date=2026-03-09T08:10:00Z&end_date=2026-03-23T08:00:00Z", Some(&access)).await;
        assert_eq!(window.status, StatusCode::OK);
        assert_eq!(each(&window.body, "start"), ["2026-03-09T08:00:00Z", "2026-03-16T08:00:00Z"], "overlap, end exclusive");

        let from_only = app.get("/api/v1/event-occurrences/?start_date=2026-03-29", Some(&access)).await;
        assert_eq!(each(&from_only.body, "start"), ["2026-03-30T07:00:00Z", "2026-04-06T07:00:00Z"]);

        let march = app.get("/api/v1/event-occurrences/?start_date=2026-03-01&end_date=2026-03-31", Some(&access)).await;
        assert_eq!(march.body.as_array().expect("array").len(), 5, "a date end includes that day");
    }

    async fn a_page_of_hundreds_of_occurrences_is_whole_in_order_and_keeps_its_text_exactly(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let title = r#"Ada's "daily" \ stand-up 𝄞 — ü"#;
        let body = json!({"title": title, "start_date": "2026-01-01T09:00:00Z", "end_date": "2026-01-01T09:15:00Z",
                          "recurrence": {"frequency": "daily", "count": 250}});
        app.create_event(&access, &body).await;
        app.run_pending_jobs().await;

        let whole = app.get("/api/v1/event-occurrences/?limit=250", Some(&access)).await;
        assert_eq!(whole.status, StatusCode::OK);
        let starts = each(&whole.body, "start");
        assert_eq!(starts.len(), 250);
        assert!(starts.windows(2).all(|pair| pair[0] < pair[1]), "by start, each once");
        assert_eq!((starts[0].as_str(), starts[249].as_str()), ("2026-01-01T09:00:00Z", "2026-09-07T09:00:00Z"));
        assert!(whole.body.as_array().expect("array").iter().all(|occurrence| occurrence["title"] == title && occurrence["event_name"] == title));

        let mut paged = Vec::new();
        for offset in (0..250).step_by(50) {
            let page = app.get(&format!("/api/v1/event-occurrences/?limit=50&offset={offset}"), Some(&access)).await;
            paged.extend(each(&page.body, "id"));
        }
        assert_eq!(paged, each(&whole.body, "id"), "the same occurrences as page by page");
    }

    async fn a_pages_text_budget_counts_every_row_read_for_it(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        // 32 KiB of description per occurrence: the 4 MiB budget is reached with the 128th.
        let body = json!({"title": "Talk", "description": "é".repeat(16_384), "start_date": "2026-01-01T09:00:00Z",
                          "end_date": "2026-01-01T10:00:00Z", "recurrence": {"frequency": "daily", "count": 130}});
        app.create_event(&access, &body).await;
        app.run_pending_jobs().await;
        let owner = app.get("/api/v1/users/me/", Some(&access)).await.string("id").parse().expect("a UUID");
        let read = app.state.events.list_occurrences(owner, Default::default(), almanac::storage::events::Page { limit: 5000, offset: 0 })
            .await
            .expect("listed");
        assert!(read.cut_short, "the page stops at its budget");
        assert_eq!(read.rows.len(), 128, "rows read within 4 MiB of text");
    }

    async fn occurrences_filter_by_event_and_show_by_id(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let series = app.create_event(&access, &berlin_weekly()).await;
        app.create_event(&access, &json!({"title": "Other", "start_date": "2026-03-03T10:00:00Z", "end_date": "2026-03-03T11:00:00Z"})).await;
        app.run_pending_jobs().await;

        let filtered = app.get(&format!("/api/v1/event-occurrences/?event={}", series.as_object().expect("event")["id"].as_str().expect("id")), Some(&access)).await;
        assert_eq!(filtered.body.as_array().expect("array").len(), 6);

        let id = filtered.body[1]["id"].as_str().expect("id").to_owned();
        let shown = app.get(&format!("/api/v1/event-occurrences/{id}/"), Some(&access)).await;
        assert_eq!(shown.status, StatusCode::OK);
        assert_eq!(shown.body["start"], "2026-03-09T08:00:00Z");

        let (other_user, _) = app.signed_up("grace@example.com").await;
        assert_eq!(app.get(&format!("/api/v1/event-occurrences/{id}/"), Some(&other_user)).await.status, StatusCode::NOT_FOUND);
        assert_eq!(app.get("/api/v1/event-occurrences/", Some(&other_user)).await.body, json!([]));
    }

    async fn bad_range_parameters_are_field_errors(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let response = app.get("/api/v1/event-occurrences/?start_date=soon&event=42&limit=-1", Some(&access)).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST);
        assert!(response.body["start_date"].is_array() && response.body["event"].is_array(), "{}", response.body);
        let reversed = app.get("/api/v1/event-occurrences/?start_date=2026-03-02&end_date=2026-03-01", Some(&access)).await;
        assert_eq!(reversed.body, json!({"end_date": ["Must be after start_date."]}));
    }

    async fn range_bounds_outside_years_1_to_9999_say_so_and_the_last_day_reaches_the_end(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let outside = app.get("/api/v1/event-occurrences/?start_date=-262143-01-01&end_date=9999-12-31T23:00:00-05:00", Some(&access)).await;
        assert_eq!(outside.status, StatusCode::BAD_REQUEST);
        assert_eq!(outside.body, json!({"start_date": ["Years must be between 1 and 9999."], "end_date": ["Years must be between 1 and 9999."]}));
        app.create_event(&access, &json!({"title": "Far", "start_date": "9999-06-01T09:00:00Z", "end_date": "9999-06-01T10:00:00Z"})).await;
        app.run_pending_jobs().await;
        let to_the_end = app.get("/api/v1/event-occurrences/?start_date=9999-01-01&end_date=9999-12-31", Some(&access)).await;
        assert_eq!(to_the_end.status, StatusCode::OK, "{}", to_the_end.body);
        assert_eq!(each(&to_the_end.body, "title"), ["Far"]);
    }

    async fn an_event_lasting_millennia_stays_listed_from_the_first_year(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        // Longer than the 4,713 years PostgreSQL's timestamps reach below year 1.
        app.create_event(&access, &json!({"title": "Epoch", "start_date": "0100-01-01T00:00:00Z", "end_date": "9000-01-01T00:00:00Z"})).await;
        app.run_pending_jobs().await;
        for query in ["", "?start_date=0050-01-01", "?start_date=2026-04-01&end_date=2026-05-01"] {
            let listed = app.get(&format!("/api/v1/event-occurrences/{query}"), Some(&access)).await;
            assert_eq!(listed.status, StatusCode::OK, "{query}: {}", listed.body);
            assert_eq!(each(&listed.body, "title"), ["Epoch"], "{query}");
        }
    }

    async fn running_the_job_twice_leaves_the_same_rows(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let event = app.create_event(&access, &berlin_weekly()).await;
        app.run_pending_jobs().await;
        let before = app.get("/api/v1/event-occurrences/", Some(&access)).await;

        app.state.jobs.enqueue_generation(event["id"].as_str().expect("id").parse().expect("uuid"), 1).await;
        app.run_pending_jobs().await;
        let after = app.get("/api/v1/event-occurrences/", Some(&access)).await;
        assert_eq!(before.body, after.body);
    }

    async fn editing_a_series_keeps_the_ids_of_unmoved_occurrences_and_never_duplicates(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let event = app.create_event(&access, &berlin_weekly()).await;
        app.run_pending_jobs().await;
        let before = each(&app.get("/api/v1/event-occurrences/", Some(&access)).await.body, "id");

        let mut longer = berlin_weekly();
        longer["recurrence"]["count"] = json!(8);
        let path = format!("/api/v1/events/{}/", event["id"].as_str().expect("id"));
        app.call(Method::PUT, &path, Some(&longer), &access).await;
        app.call(Method::PUT, &path, Some(&longer), &access).await;
        app.run_pending_jobs().await;

        let after = each(&app.get("/api/v1/event-occurrences/", Some(&access)).await.body, "id");
        assert_eq!(after.len(), 8);
        assert_eq!(after[..6], before[..], "unmoved occurrences keep their ids");

        let mut shorter = berlin_weekly();
        shorter["recurrence"]["count"] = json!(2);
        app.call(Method::PUT, &path, Some(&shorter), &access).await;
        app.run_pending_jobs().await;
        assert_eq!(each(&app.get("/api/v1/event-occurrences/", Some(&access)).await.body, "id"), before[..2]);
    }

    async fn a_job_for_an_outdated_revision_never_overwrites_the_newer_one(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let event = app.create_event(&access, &berlin_weekly()).await;
        let event_id = event["id"].as_str().expect("id").parse().expect("uuid");
        let path = format!("/api/v1/events/{event_id}/");
        let as_first_read = find_event_by_id(&app.state.db, event_id).await.expect("query").expect("event");
        app.call(Method::PATCH, &path, Some(&json!({"recurrence": {"frequency": "daily", "count": 3}})), &access).await;

        let outcome = store_occurrences(&app.state.db, &as_first_read, Stretch::Whole, &[], None).await.expect("storage works");
        assert_eq!(outcome, StoreOutcome::Superseded);
        assert_eq!(app.get(&path, Some(&access)).await.body["occurrences_status"], "pending");

        app.run_pending_jobs().await;
        let listed = app.get("/api/v1/event-occurrences/", Some(&access)).await;
        assert_eq!(each(&listed.body, "start"), ["2026-03-02T08:00:00Z", "2026-03-03T08:00:00Z", "2026-03-04T08:00:00Z"]);
    }

    async fn in_a_batch_only_the_series_whose_event_changed_meanwhile_is_left_out(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let read = |event: Value| {
            let db = app.state.db.clone();
            async move {
                let id = event["id"].as_str().expect("id").parse().expect("uuid");
                find_event_by_id(&db, id).await.expect("query").expect("event")
            }
        };
        let changed = read(app.create_event(&access, &berlin_weekly()).await).await;
        let unchanged = read(app.create_event(&access, &berlin_weekly()).await).await;
        let path = format!("/api/v1/events/{}/", changed.id);
        app.call(Method::PATCH, &path, Some(&json!({"title": "Renamed"})), &access).await;

        let series = |event| WholeSeries { event, occurrences: &[], stored_until: None };
        let outcomes = store_whole_series(&app.state.db, &[series(&changed), series(&unchanged)]).await.expect("storage works");
        assert_eq!(outcomes, [StoreOutcome::Superseded, StoreOutcome::Stored]);
        assert_eq!(app.get(&path, Some(&access)).await.body["occurrences_status"], "pending");
        let stored = format!("/api/v1/events/{}/", unchanged.id);
        assert_eq!(app.get(&stored, Some(&access)).await.body["occurrences_status"], "ready");
    }

    async fn events_generated_together_each_get_their_own_outcome(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let too_long = app.create_event(&access, &berlin_weekly()).await;
        let mut three = berlin_weekly();
        three["recurrence"]["count"] = json!(3);
        let fine = app.create_event(&access, &three).await;
        let id = |event: &Value| -> uuid::Uuid { event["id"].as_str().expect("id").parse().expect("uuid") };

        // A worker whose limit the six-week series exceeds, given an id twice and one that is gone.
        let limits = SeriesLimits { max_occurrences: 5, ..app.state.limits };
        let ids = [id(&too_long), id(&fine), id(&fine), uuid::Uuid::now_v7()];
        let results = generate_occurrences_of(&app.state.db, limits, &ids, Timestamp::now()).await.expect("storage works");
        assert!(matches!(results[0], Err(GenerationError::InvalidSeries(_))), "{:?}", results[0]);
        assert!(matches!(results[1], Ok(Generation::Stored { occurrences: 3 })), "{:?}", results[1]);
        assert!(matches!(results[2], Ok(Generation::Skipped)), "generated once: {:?}", results[2]);
        assert!(matches!(results[3], Ok(Generation::Skipped)), "{:?}", results[3]);

        let status = |event: &Value| format!("/api/v1/events/{}/", id(event));
        assert_eq!(app.get(&status(&too_long), Some(&access)).await.body["occurrences_status"], "pending");
        assert_eq!(app.get(&status(&fine), Some(&access)).await.body["occurrences_status"], "ready");
        let listed = app.get("/api/v1/event-occurrences/", Some(&access)).await;
        assert_eq!(each(&listed.body, "start"), ["2026-03-02T08:00:00Z", "2026-03-09T08:00:00Z", "2026-03-16T08:00:00Z"]);
    }

    async fn batches_of_the_same_events_stored_at_once_both_succeed(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        for round in 0..3 {
            let mut ids = Vec::new();
            for index in 0..20 {
                let mut body = berlin_weekly();
                body["title"] = json!(format!("Standup {round}.{index}"));
                let event = app.create_event(&access, &body).await;
                ids.push(event["id"].as_str().expect("id").parse::<uuid::Uuid>().expect("uuid"));
            }
            app.drop_pending_jobs().await;
            // Two workers' batches with the same events in opposite orders: on PostgreSQL each
            // takes row locks the other wants, and only the same order of taking them keeps
            // them from waiting for each other in a circle (PostgreSQL would abort one).
            let reversed: Vec<uuid::Uuid> = ids.iter().rev().copied().collect();
            let (forward, backward) = tokio::join!(
                generate_occurrences_of(&app.state.db, app.state.limits, &ids, Timestamp::now()),
                generate_occurrences_of(&app.state.db, app.state.limits, &reversed, Timestamp::now()),
            );
            for results in [forward.expect("storage works"), backward.expect("storage works")] {
                assert!(results.iter().all(|result| result.is_ok()), "{results:?}");
            }
            let listed = app.get("/api/v1/events/?limit=100", Some(&access)).await;
            assert!(each(&listed.body, "occurrences_status").iter().all(|status| status == "ready"));
        }
    }

    async fn a_lost_job_is_redone_by_the_reconciler(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let event = app.create_event(&access, &berlin_weekly()).await;
        let path = format!("/api/v1/events/{}/", event["id"].as_str().expect("id"));

        app.drop_pending_jobs().await;
        assert_eq!(app.get(&path, Some(&access)).await.body["occurrences_status"], "pending");

        let enqueued = reconcile_stale(&app.state.db, &app.state.jobs, Timestamp::now()).await.expect("reconciles");
        assert_eq!(enqueued, 1);
        app.run_pending_jobs().await;
        assert_eq!(app.get(&path, Some(&access)).await.body["occurrences_status"], "ready");
        assert_eq!(app.get("/api/v1/event-occurrences/", Some(&access)).await.body.as_array().expect("array").len(), 6);
        assert_eq!(reconcile_stale(&app.state.db, &app.state.jobs, Timestamp::now()).await.expect("reconciles"), 0);
    }
}
