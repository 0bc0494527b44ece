//! One occurrence edited or cancelled, "this and following", and writes that name the version
//! they expect (`If-Match`).

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{TestApp, each};

/// Weekly on Monday at 09:00 in Berlin (08:00Z in March), from 2 March 2026, `count` times or
/// forever.
fn mondays(count: Option<u32>) -> Value {
    let mut rule = json!({"frequency": "weekly"});
    if let Some(count) = count {
        rule["count"] = json!(count);
    }
    json!({
        "title": "Standup",
        "description": "Daily sync",
        "start_date": "2026-03-02T09:00:00",
        "end_date": "2026-03-02T09:30:00",
        "timezone": "Europe/Berlin",
        "recurrence": rule,
    })
}

fn id_of(value: &Value) -> String {
    value["id"].as_str().expect("id").to_owned()
}

/// A user with a generated series: (access token, event, its occurrences in order).
async fn series(app: &TestApp, body: &Value) -> (String, Value, Vec<Value>) {
    let (access, _) = app.signed_up("ada@example.com").await;
    let event = app.create_event(&access, body).await;
    app.run_pending_jobs().await;
    let occurrences = list(app, &access, &format!("?event={}&limit=100", id_of(&event))).await;
    (access, event, occurrences)
}

async fn list(app: &TestApp, access: &str, query: &str) -> Vec<Value> {
    let listed = app
        .get(&format!("/api/v1/event-occurrences/{query}"), Some(access))
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    listed.body.as_array().expect("a list").clone()
}

fn occurrence_path(occurrence: &Value) -> String {
    format!("/api/v1/event-occurrences/{}/", id_of(occurrence))
}

fn event_path(event: &Value) -> String {
    format!("/api/v1/events/{}/", id_of(event))
}

on_both_backends! {
    async fn every_event_and_occurrence_of_a_page_reads_as_it_does_alone(backend) {
        // On SQLite a page's first rows are decoded on the serving thread (storage::sqlite_page),
        // other reads come through sqlx: every field must come out the same.
        let app = TestApp::spawn(backend).await;
        let (access, event, occurrences) = series(&app, &mondays(None)).await;
        assert_eq!(app.call(Method::PATCH, &occurrence_path(&occurrences[1]), Some(&json!({"title": "Early", "description": "Moved"})), &access).await.status, StatusCode::OK);
        assert_eq!(app.call(Method::PATCH, &occurrence_path(&occurrences[2]), Some(&json!({"start": "2026-03-16T12:00:00Z", "end": "2026-03-16T13:00:00Z"})), &access).await.status, StatusCode::OK);
        assert_eq!(app.call(Method::DELETE, &occurrence_path(&occurrences[3]), None, &access).await.status, StatusCode::NO_CONTENT);
        let split = app.call(Method::POST, &format!("{}split/", event_path(&event)),
            Some(&json!({"original_start": "2026-04-06T09:00", "title": "Standup v2"})), &access).await;
        assert_eq!(split.status, StatusCode::CREATED, "{}", split.body);
        for body in [
            json!({"title": "Holiday", "all_day": true, "start_date": "2026-05-01", "end_date": "2026-05-02", "timezone": "Europe/Berlin",
                   "recurrence": {"frequency": "yearly", "end_date": "2030-12-31", "exdates": ["2027-05-01"]}}),
            json!({"title": "Dentist \"quoted\" 𝄞", "start_date": "2026-03-05T10:00:00Z", "end_date": "2026-03-05T11:00:00Z"}),
        ] {
            app.create_event(&access, &body).await;
        }
        app.run_pending_jobs().await;
        let db = &app.state.db;
        let owner = app.get("/api/v1/users/me/", Some(&access)).await.string("id").parse().expect("a UUID");
        let page = almanac::storage::events::Page { limit: 5000, offset: 0 };

        let events = almanac::storage::events::list_events(db, owner, page).await.expect("listed").rows;
        assert_eq!(events.len(), 4);
        assert!(events.iter().any(|event| event.split_from.is_some() && event.stored_until.is_some()), "{events:?}");
        for event in &events {
            let alone = almanac::storage::events::find_event(db, owner, event.id).await.expect("read").expect("found");
            assert_eq!(event, &alone);
        }

        let filter = almanac::storage::occurrences::OccurrenceFilter {
            to: Some("2031-01-01T00:00:00Z".parse::<jiff::Timestamp>().expect("instant").into()),
            include_cancelled: true,
            ..Default::default()
        };
        let listed = almanac::storage::occurrences::list_occurrences(db, owner, filter, page).await.expect("listed").occurrences;
        assert!(listed.len() > 40, "{} occurrences", listed.len());
        type Kind = fn(&almanac::storage::occurrences::Occurrence) -> bool;
        let kinds: [Kind; 4] = [|o| o.all_day, |o| o.is_exception, |o| o.cancelled, |o| o.recurrence_id.is_none()];
        for kind in kinds {
            assert!(listed.iter().any(kind), "every kind of occurrence is in the page");
        }
        for occurrence in &listed {
            let alone = almanac::storage::occurrences::find_occurrence(db, owner, occurrence.id).await.expect("read").expect("found");
            assert_eq!(occurrence, &alone);
        }
    }
    async fn an_occurrence_made_longer_than_every_event_is_listed_in_a_window_it_reaches(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _, occurrences) = series(&app, &mondays(Some(4))).await;
        // Half an hour made three days: the range query's scan must reach back that far for it.
        let lengthened = app.call(Method::PATCH, &occurrence_path(&occurrences[1]), Some(&json!({"end": "2026-03-12T09:00:00Z"})), &access).await;
        assert_eq!(lengthened.status, StatusCode::OK, "{}", lengthened.body);
        app.run_pending_jobs().await;
        let window = list(&app, &access, "?start_date=2026-03-11&end_date=2026-03-11").await;
        assert_eq!(each(&Value::from(window), "start"), ["2026-03-09T08:00:00Z"]);
    }

    async fn an_edited_occurrence_keeps_its_identity_and_follows_the_series_elsewhere(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, event, occurrences) = series(&app, &mondays(Some(4))).await;
        let second = &occurrences[1];

        let edited = app.call(Method::PATCH, &occurrence_path(second),
            Some(&json!({"title": "Standup (moved)", "start": "2026-03-10T11:00"})), &access).await;
        assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
        assert!(edited.header("etag").is_some(), "an occurrence answer carries its ETag");
        let body = &edited.body;
        assert_eq!((body["id"].clone(), body["original_start"].clone()), (second["id"].clone(), second["original_start"].clone()));
        assert_eq!(body["is_exception"], true);
        assert_eq!(body["title"], "Standup (moved)");
        assert_eq!(body["event_name"], "Standup");
        assert_eq!((body["start"].as_str(), body["end"].as_str()),
            (Some("2026-03-10T10:00:00Z"), Some("2026-03-10T10:30:00Z")), "a new start alone keeps the length");

        // Renaming the series renames the others, not the one with a title of its own.
        let renamed = app.call(Method::PATCH, &event_path(&event), Some(&json!({"title": "Team sync"})), &access).await;
        assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
        assert_eq!(renamed.body["dropped_exceptions"], 0);
        let all = list(&app, &access, &format!("?event={}", id_of(&event))).await;
        assert_eq!(each(&Value::from(all.clone()), "title"), ["Team sync", "Standup (moved)", "Team sync", "Team sync"]);
        assert_eq!(all.len(), 4, "listed once, by its event");
        assert_eq!(all[1]["description"], "Daily sync", "what it does not set follows the series");

        // Range queries find it where it is now, not where the rule put it.
        let on_monday = list(&app, &access, "?start_date=2026-03-09&end_date=2026-03-09").await;
        assert!(on_monday.is_empty(), "{on_monday:?}");
        let on_tuesday = list(&app, &access, "?start_date=2026-03-10&end_date=2026-03-10").await;
        assert_eq!(each(&Value::from(on_tuesday), "id"), [id_of(second)]);

        // Regenerating the series (a longer count) keeps it.
        let longer = app.call(Method::PATCH, &event_path(&event), Some(&json!({"recurrence": {"frequency": "weekly", "count": 6}})), &access).await;
        assert_eq!(longer.body["dropped_exceptions"], 0, "{}", longer.body);
        app.run_pending_jobs().await;
        let all = list(&app, &access, &format!("?event={}", id_of(&event))).await;
        assert_eq!(all.len(), 6);
        assert_eq!((all[1]["title"].as_str(), all[1]["start"].as_str()), (Some("Standup (moved)"), Some("2026-03-10T10:00:00Z")));

        // `null` gives the fields back to the series: no exception left.
        let back = app.call(Method::PATCH, &occurrence_path(second), Some(&json!({"title": null, "start": null})), &access).await;
        assert_eq!(back.status, StatusCode::OK, "{}", back.body);
        assert_eq!((back.body["is_exception"].clone(), back.body["title"].clone(), back.body["start"].clone()),
            (json!(false), json!("Team sync"), json!("2026-03-09T08:00:00Z")));
    }

    async fn a_schedule_change_drops_exceptions_whose_occurrence_is_gone_and_says_how_many(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, event, occurrences) = series(&app, &mondays(Some(4))).await;
        let edited = app.call(Method::PATCH, &occurrence_path(&occurrences[2]), Some(&json!({"description": "Bring slides"})), &access).await;
        assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
        let cancelled = app.call(Method::DELETE, &occurrence_path(&occurrences[1]), None, &access).await;
        assert_eq!(cancelled.status, StatusCode::NO_CONTENT, "{}", cancelled.body);

        let to_tuesdays = app.call(Method::PATCH, &event_path(&event),
            Some(&json!({"start_date": "2026-03-03T09:00:00", "end_date": "2026-03-03T09:30:00"})), &access).await;
        assert_eq!(to_tuesdays.status, StatusCode::OK, "{}", to_tuesdays.body);
        assert_eq!(to_tuesdays.body["dropped_exceptions"], 2, "one exception and one cancellation");
        assert_eq!(to_tuesdays.body["recurrence"]["exdates"], json!([]));
        app.run_pending_jobs().await;
        let all = list(&app, &access, &format!("?event={}&include_cancelled=true", id_of(&event))).await;
        assert_eq!(all.len(), 4);
        assert!(all.iter().all(|o| o["is_exception"] == false && o["status"] == "confirmed"), "{all:?}");
    }

    async fn an_occurrence_is_cancelled_and_restored(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, event, occurrences) = series(&app, &mondays(Some(4))).await;
        let second = &occurrences[1];

        let cancelled = app.call(Method::DELETE, &occurrence_path(second), None, &access).await;
        assert_eq!(cancelled.status, StatusCode::NO_CONTENT, "{}", cancelled.body);
        let march = "?start_date=2026-03-01&end_date=2026-03-31";
        let shown = list(&app, &access, march).await;
        assert_eq!(shown.len(), 3, "the calendar hides it");
        assert!(!each(&Value::from(shown), "id").contains(&id_of(second)));
        let with_cancelled = list(&app, &access, &format!("{march}&include_cancelled=true")).await;
        assert_eq!(each(&Value::from(with_cancelled.clone()), "status"), ["confirmed", "cancelled", "confirmed", "confirmed"]);
        let read = app.get(&occurrence_path(second), Some(&access)).await;
        assert_eq!((read.status, read.body["status"].clone()), (StatusCode::OK, json!("cancelled")));
        let shown_event = app.get(&event_path(&event), Some(&access)).await;
        assert_eq!(shown_event.body["recurrence"]["exdates"], json!([second["original_start"]]), "a cancellation is an exclusion date");
        assert_eq!(app.call(Method::DELETE, &occurrence_path(second), None, &access).await.status, StatusCode::NO_CONTENT, "cancelling twice is harmless");

        let restored = app.call(Method::POST, &format!("{}restore/", occurrence_path(second)), None, &access).await;
        assert_eq!(restored.status, StatusCode::OK, "{}", restored.body);
        assert_eq!((restored.body["status"].clone(), restored.body["id"].clone()), (json!("confirmed"), second["id"].clone()));
        assert_eq!(list(&app, &access, march).await.len(), 4);
        let shown_event = app.get(&event_path(&event), Some(&access)).await;
        assert_eq!(shown_event.body["recurrence"]["exdates"], json!([]));

        // An exclusion date sent with the rule cancels its occurrence the same way.
        let excluded = app.call(Method::PATCH, &event_path(&event),
            Some(&json!({"recurrence": {"frequency": "weekly", "count": 4, "exdates": [occurrences[3]["original_start"]]}})), &access).await;
        assert_eq!(excluded.status, StatusCode::OK, "{}", excluded.body);
        app.run_pending_jobs().await;
        let read = app.get(&occurrence_path(&occurrences[3]), Some(&access)).await;
        assert_eq!(read.body["status"], "cancelled");
    }

    async fn what_cannot_be_cancelled_is_refused_clearly(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _, occurrences) = series(&app, &mondays(Some(2))).await;
        assert_eq!(app.call(Method::DELETE, &occurrence_path(&occurrences[0]), None, &access).await.status, StatusCode::NO_CONTENT);
        let last = app.call(Method::DELETE, &occurrence_path(&occurrences[1]), None, &access).await;
        assert_eq!(last.status, StatusCode::BAD_REQUEST, "{}", last.body);
        assert!(last.body["non_field_errors"][0].as_str().is_some_and(|m| m.contains("delete the event")), "{}", last.body);

        let one_off = app.create_event(&access, &json!({"title": "Dentist", "start_date": "2026-03-05T10:00:00Z", "end_date": "2026-03-05T11:00:00Z"})).await;
        app.run_pending_jobs().await;
        let its = list(&app, &access, &format!("?event={}", id_of(&one_off))).await;
        let refused = app.call(Method::DELETE, &occurrence_path(&its[0]), None, &access).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
        assert!(refused.body["detail"].as_str().is_some_and(|d| d.contains("does not repeat")), "{}", refused.body);
        let restore = format!("{}restore/", occurrence_path(&its[0]));
        let restored = app.call(Method::POST, &restore, None, &access).await;
        assert_eq!(restored.status, StatusCode::OK, "nothing of a one-off is cancelled, so restoring it changes nothing: {}", restored.body);
        assert_eq!(restored.body["status"], "confirmed");
        let bad_time = app.call(Method::PATCH, &occurrence_path(&occurrences[1]), Some(&json!({"start": "soon"})), &access).await;
        assert_eq!(bad_time.status, StatusCode::BAD_REQUEST);
        assert!(bad_time.body["start"].is_array(), "{}", bad_time.body);
        let backwards = app.call(Method::PATCH, &occurrence_path(&occurrences[1]),
            Some(&json!({"start": "2026-03-09T12:00", "end": "2026-03-09T11:00"})), &access).await;
        assert!(backwards.body["end"].is_array(), "{}", backwards.body);
    }

    async fn a_count_series_split_adds_up(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, event, occurrences) = series(&app, &mondays(Some(10))).await;
        let split = app.call(Method::POST, &format!("{}split/", event_path(&event)),
            Some(&json!({"original_start": occurrences[3]["original_start"], "title": "Standup v2"})), &access).await;
        assert_eq!(split.status, StatusCode::CREATED, "{}", split.body);
        let (previous, new) = (&split.body["previous"], &split.body["new"]);
        assert_eq!(previous["id"], event["id"]);
        assert_eq!((previous["recurrence"]["count"].clone(), new["recurrence"]["count"].clone()), (json!(3), json!(7)));
        assert_eq!(new["split_from"], event["id"]);
        assert_eq!((new["title"].as_str(), new["start_date"].as_str()), (Some("Standup v2"), Some("2026-03-23T08:00:00Z")));
        let meanwhile = list(&app, &access, "?start_date=2026-01-01&end_date=2026-12-31").await;
        assert_eq!(meanwhile.len(), 3, "until the rest is generated, the calendar shows no occurrence twice");
        app.run_pending_jobs().await;
        let all = list(&app, &access, "?start_date=2026-01-01&end_date=2026-12-31").await;
        assert_eq!(all.len(), 10, "counts add up");
        let starts: Vec<String> = occurrences.iter().map(|o| o["start"].as_str().expect("start").to_owned()).collect();
        assert_eq!(each(&Value::from(all.clone()), "start"), starts, "same times as before");
        assert_eq!(each(&Value::from(all), "title")[2..5], ["Standup", "Standup v2", "Standup v2"]);
    }

    async fn an_open_ended_series_split_carries_later_exceptions(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, event, occurrences) = series(&app, &mondays(None)).await;
        let edited_early = app.call(Method::PATCH, &occurrence_path(&occurrences[1]), Some(&json!({"title": "Early"})), &access).await;
        assert_eq!(edited_early.status, StatusCode::OK);
        let edited_late = app.call(Method::PATCH, &occurrence_path(&occurrences[5]), Some(&json!({"title": "Late"})), &access).await;
        assert_eq!(edited_late.status, StatusCode::OK);
        assert_eq!(app.call(Method::DELETE, &occurrence_path(&occurrences[4]), None, &access).await.status, StatusCode::NO_CONTENT);

        let split = app.call(Method::POST, &format!("{}split/", event_path(&event)),
            Some(&json!({"original_start": "2026-03-16T09:00", "title": "Standup v2"})), &access).await;
        assert_eq!(split.status, StatusCode::CREATED, "{}", split.body);
        let (previous, new) = (&split.body["previous"], &split.body["new"]);
        assert_eq!(previous["recurrence"]["end_date"], "2026-03-16T07:59:59Z", "ends just before the cut");
        assert_eq!(previous["recurrence"]["exdates"], json!([]));
        assert_eq!((new["recurrence"]["count"].clone(), new["recurrence"]["end_date"].clone()), (Value::Null, Value::Null), "the rest has no end");
        assert_eq!(new["recurrence"]["exdates"], json!([occurrences[4]["original_start"]]), "the later cancellation moved");
        assert_eq!(split.body["dropped_exceptions"], 0);
        app.run_pending_jobs().await;
        let spring = list(&app, &access, "?start_date=2026-03-01&end_date=2026-04-07&include_cancelled=true").await;
        assert_eq!(each(&Value::from(spring.clone()), "start"),
            ["2026-03-02T08:00:00Z", "2026-03-09T08:00:00Z", "2026-03-16T08:00:00Z", "2026-03-23T08:00:00Z", "2026-03-30T07:00:00Z", "2026-04-06T07:00:00Z"]);
        assert_eq!(each(&Value::from(spring.clone()), "title"), ["Standup", "Early", "Standup v2", "Standup v2", "Standup v2", "Late"]);
        assert_eq!(spring[4]["status"], "cancelled");
        assert!(spring[2..].iter().all(|o| o["event"] == new["id"]), "the rest belongs to the new event");

        // A new time from the cut on leaves the later exceptions' original starts behind.
        let retimed = app.call(Method::POST, &format!("{}split/", event_path(new)),
            Some(&json!({"original_start": "2026-03-23T09:00", "start_date": "2026-03-23T10:00", "end_date": "2026-03-23T10:30"})), &access).await;
        assert_eq!(retimed.status, StatusCode::CREATED, "{}", retimed.body);
        assert_eq!(retimed.body["dropped_exceptions"], 2, "one exception and one cancellation");
        assert_eq!(retimed.body["new"]["recurrence"]["exdates"], json!([]));
    }

    async fn a_split_at_the_first_occurrence_changes_the_whole_series(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, event, occurrences) = series(&app, &mondays(Some(3))).await;
        let whole = app.call(Method::POST, &format!("{}split/", event_path(&event)),
            Some(&json!({"original_start": occurrences[0]["original_start"], "title": "Renamed"})), &access).await;
        assert_eq!(whole.status, StatusCode::OK, "{}", whole.body);
        assert_eq!((whole.body["id"].clone(), whole.body["title"].clone()), (event["id"].clone(), json!("Renamed")));
        let nowhere = app.call(Method::POST, &format!("{}split/", event_path(&event)),
            Some(&json!({"original_start": "2026-03-03T09:00"})), &access).await;
        assert_eq!(nowhere.status, StatusCode::BAD_REQUEST);
        assert!(nowhere.body["original_start"].is_array(), "{}", nowhere.body);
    }

    async fn a_change_to_nothing_keeps_the_version_other_clients_hold(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, event, _) = series(&app, &mondays(Some(3))).await;
        let read = app.get(&event_path(&event), Some(&access)).await;
        let etag = read.header("etag").expect("an ETag").to_owned();
        for body in [json!({}), json!({"title": "Standup", "timezone": "Europe/Berlin"})] {
            let unchanged = app.call(Method::PATCH, &event_path(&event), Some(&body), &access).await;
            assert_eq!(unchanged.status, StatusCode::OK, "{}", unchanged.body);
            assert_eq!(unchanged.header("etag"), Some(etag.as_str()), "{body}");
        }
        let without_body = app.call(Method::PATCH, &event_path(&event), None, &access).await;
        assert_eq!((without_body.status, without_body.header("etag")), (StatusCode::OK, Some(etag.as_str())), "no body, no change");
        let others = app.call_if_match(Method::PATCH, &event_path(&event), Some(&json!({"title": "Retro"})), &access, &etag).await;
        assert_eq!(others.status, StatusCode::OK, "another client's If-Match still holds: {}", others.body);
    }

    async fn a_stale_if_match_is_refused_with_412(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, event, occurrences) = series(&app, &mondays(Some(3))).await;
        let read = app.get(&event_path(&event), Some(&access)).await;
        let etag = read.header("etag").expect("an ETag").to_owned();
        assert_eq!(read.body["etag"], etag.as_str(), "the body says it too");
        let listed = list(&app, &access, &format!("?event={}", id_of(&event))).await;
        assert!(listed.iter().all(|o| o["etag"] == etag.as_str()), "an occurrence's ETag is its event's: {listed:?}");

        let first = app.call_if_match(Method::PATCH, &event_path(&event), Some(&json!({"title": "One"})), &access, &etag).await;
        assert_eq!(first.status, StatusCode::OK, "{}", first.body);
        let newer = first.header("etag").expect("a new ETag").to_owned();
        assert_ne!(newer, etag, "every write moves the version");

        let stale = app.call_if_match(Method::PATCH, &event_path(&event), Some(&json!({"title": "Two"})), &access, &etag).await;
        assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED, "{}", stale.body);
        assert_eq!(stale.body["code"], "precondition_failed");
        assert_eq!(stale.header("etag"), Some(newer.as_str()), "the answer names the current version");
        assert_eq!(app.get(&event_path(&event), Some(&access)).await.body["title"], "One", "nothing written");

        for (method, path) in [
            (Method::DELETE, occurrence_path(&occurrences[1])),
            (Method::POST, format!("{}restore/", occurrence_path(&occurrences[1]))),
            (Method::DELETE, event_path(&event)),
        ] {
            let refused = app.call_if_match(method.clone(), &path, None, &access, &etag).await;
            assert_eq!(refused.status, StatusCode::PRECONDITION_FAILED, "{method} {path}: {}", refused.body);
        }
        let patched = app.call_if_match(Method::PATCH, &occurrence_path(&occurrences[1]), Some(&json!({"title": "x"})), &access, &etag).await;
        assert_eq!(patched.status, StatusCode::PRECONDITION_FAILED);
        let split = app.call_if_match(Method::POST, &format!("{}split/", event_path(&event)), Some(&json!({"original_start": occurrences[1]["original_start"]})), &access, &etag).await;
        assert_eq!(split.status, StatusCode::PRECONDITION_FAILED);

        let any = app.call_if_match(Method::PATCH, &event_path(&event), Some(&json!({"title": "Three"})), &access, "*").await;
        assert_eq!(any.status, StatusCode::OK);
        let listed = app.call_if_match(Method::PATCH, &event_path(&event), Some(&json!({"title": "Four"})), &access,
            &format!("\"0\", {}", any.header("etag").expect("etag"))).await;
        assert_eq!(listed.status, StatusCode::OK, "one of a list matches");
        let weak = app.call_if_match(Method::PATCH, &event_path(&event), Some(&json!({"title": "Five"})), &access,
            &format!("W/{}", listed.header("etag").expect("etag"))).await;
        assert_eq!(weak.status, StatusCode::PRECONDITION_FAILED, "If-Match compares strongly");
    }

    async fn an_exception_beyond_the_stored_horizon_is_shown_where_it_was_moved(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _, _) = series(&app, &mondays(None)).await;
        let far = list(&app, &access, "?start_date=2036-03-03&end_date=2036-03-03").await;
        assert_eq!(far.len(), 1, "Monday 3 March 2036");
        let moved = app.call(Method::PATCH, &occurrence_path(&far[0]), Some(&json!({"start": "2036-03-05T15:00"})), &access).await;
        assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
        assert!(list(&app, &access, "?start_date=2036-03-03&end_date=2036-03-03").await.is_empty());
        let there = list(&app, &access, "?start_date=2036-03-05&end_date=2036-03-05").await;
        assert_eq!((there.len(), there[0]["id"].clone(), there[0]["start"].clone()), (1, far[0]["id"].clone(), json!("2036-03-05T14:00:00Z")));
        let cancelled = app.call(Method::DELETE, &occurrence_path(&far[0]), None, &access).await;
        assert_eq!(cancelled.status, StatusCode::NO_CONTENT);
        assert!(list(&app, &access, "?start_date=2036-03-01&end_date=2036-03-31").await.iter().all(|o| o["id"] != far[0]["id"]));
        assert_eq!(app.get(&occurrence_path(&far[0]), Some(&access)).await.body["status"], "cancelled");
    }
}

on_both_backends! {
    async fn an_all_day_occurrence_moves_by_dates_and_a_dated_series_splits(backend) {
        let app = TestApp::spawn(backend).await;
        let holiday = json!({
            "title": "Market", "all_day": true, "start_date": "2026-03-28", "end_date": "2026-03-30",
            "timezone": "Europe/Berlin",
            "recurrence": {"frequency": "weekly", "end_date": "2026-04-30"},
        });
        let (access, event, occurrences) = series(&app, &holiday).await;
        assert_eq!(occurrences.len(), 5);
        let moved = app.call(Method::PATCH, &occurrence_path(&occurrences[0]), Some(&json!({"start": "2026-03-27"})), &access).await;
        assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
        assert_eq!((moved.body["start"].as_str(), moved.body["end"].as_str()), (Some("2026-03-27"), Some("2026-03-29")),
            "two days still, across the change to summer time");
        let bad = app.call(Method::PATCH, &occurrence_path(&occurrences[1]), Some(&json!({"start": "2026-04-04T10:00:00Z"})), &access).await;
        assert!(bad.body["start"].is_array(), "an all-day occurrence takes dates: {}", bad.body);

        let split = app.call(Method::POST, &format!("{}split/", event_path(&event)),
            Some(&json!({"original_start": "2026-04-11", "title": "Spring market"})), &access).await;
        assert_eq!(split.status, StatusCode::CREATED, "{}", split.body);
        assert_eq!(split.body["previous"]["recurrence"]["end_date"], "2026-04-10");
        assert_eq!(split.body["new"]["recurrence"]["end_date"], "2026-04-30", "the rest keeps the end date");
        app.run_pending_jobs().await;
        let spring = list(&app, &access, "?start_date=2026-03-01&end_date=2026-05-31").await;
        assert_eq!(each(&Value::from(spring.clone()), "start"), ["2026-03-27", "2026-04-04", "2026-04-11", "2026-04-18", "2026-04-25"]);
        assert_eq!(each(&Value::from(spring), "title")[1..3], ["Market", "Spring market"]);
    }
}
