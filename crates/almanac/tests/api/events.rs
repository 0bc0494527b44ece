//! `/api/v1/events/` and `/api/v1/recurrences/`: CRUD, validation, ownership, and the
//! `occurrences_status` that follows background generation.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::TestApp;

fn weekly_standup() -> Value {
    json!({
        "title": "Standup",
        "description": "Daily sync",
        "start_date": "2026-03-02T09:00:00+01:00",
        "end_date": "2026-03-02T09:15:00+01:00",
        "timezone": "Europe/Berlin",
        "recurrence": {"frequency": "weekly", "count": 6},
    })
}

on_both_backends! {
    async fn a_list_of_more_than_a_hundred_events_with_equal_starts_is_whole_and_in_order(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        // Seven distinct starts for 130 events: the order within a start is the events' ids.
        for index in 0..130 {
            let start = format!("2026-06-01T{:02}:00:00Z", index % 7);
            let body = json!({"title": format!("Talk {index}"), "start_date": start, "end_date": start});
            let created = app.call(Method::POST, "/api/v1/events/", Some(&body), &access).await;
            assert_eq!(created.status, StatusCode::CREATED);
        }
        let whole = app.get("/api/v1/events/?limit=200", Some(&access)).await;
        assert_eq!(whole.status, StatusCode::OK);
        let listed = whole.body.as_array().expect("a JSON array");
        assert_eq!(listed.len(), 130);
        let keys: Vec<(String, String)> = listed.iter()
            .map(|event| (event["start_date"].as_str().expect("start").to_owned(), event["id"].as_str().expect("id").to_owned()))
            .collect();
        assert!(keys.windows(2).all(|pair| pair[0] < pair[1]), "by start, then id, each once");
        let mut paged = Vec::new();
        for offset in (0..130).step_by(40) {
            let page = app.get(&format!("/api/v1/events/?limit=40&offset={offset}"), Some(&access)).await;
            paged.extend(page.body.as_array().expect("a JSON array").iter().map(|event| event["id"].clone()));
        }
        assert_eq!(paged, listed.iter().map(|event| event["id"].clone()).collect::<Vec<_>>());
    }

    async fn creating_an_event_returns_it_pending_then_ready_after_the_job(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let created = app.call(Method::POST, "/api/v1/events/", Some(&weekly_standup()), &access).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        assert_eq!(created.body["title"], "Standup");
        assert_eq!(created.body["start_date"], "2026-03-02T08:00:00Z");
        assert_eq!(created.body["timezone"], "Europe/Berlin");
        assert_eq!(created.body["recurrence"]["frequency"], "weekly");
        assert_eq!(created.body["recurrence"]["interval"], 1);
        assert_eq!(created.body["recurrence"]["count"], 6);
        assert_eq!(created.body["recurrence"]["summary"], "Weekly on Monday, 6 times");
        assert_eq!(created.body["series_end_date"], "2026-04-06T07:15:00Z", "the sixth Monday, in summer time");
        assert_eq!(created.body["occurrences_status"], "pending");

        assert_eq!(app.run_pending_jobs().await, 1);
        let shown = app.get(&format!("/api/v1/events/{}/", created.string("id")), Some(&access)).await;
        assert_eq!(shown.body["occurrences_status"], "ready");
    }

    async fn creations_sent_together_answer_what_is_stored_and_one_that_fails_fails_alone(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let bodies = [
            weekly_standup(),
            json!({"title": "Offsite", "all_day": true, "start_date": "2026-07-01", "end_date": "2026-07-03",
                   "timezone": "Europe/Paris"}),
            json!({"title": "Gym", "start_date": "2026-03-02T18:00:00", "end_date": "2026-03-02T19:00:00",
                   "timezone": "America/New_York",
                   "recurrence": {"rrule": "FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20260401T000000Z",
                                  "exdates": ["2026-03-04T18:00:00"]}}),
            json!({"title": "Board", "start_date": "2026-03-10T10:00:00Z", "end_date": "2026-03-10T12:00:00Z",
                   "recurrence": {"frequency": "monthly", "by_weekday": ["2TU"]}}),
            json!({"title": "Review", "description": "Quarterly", "start_date": "2026-05-01T10:00:00Z",
                   "end_date": "2026-05-01T11:00:00Z"}),
        ];
        // Sent at once, they are written together (the first perhaps alone, the rest in one batch),
        // beside one for an owner who does not exist, which fails the batch it joins.
        let ghost = almanac::events::EventInput {
            title: Some("Nobody's".into()),
            start_date: Some("2026-05-01T10:00:00Z".into()),
            end_date: Some("2026-05-01T11:00:00Z".into()),
            ..Default::default()
        };
        let creations = futures::future::join_all(bodies.iter().cycle().take(15)
            .map(|body| app.call(Method::POST, "/api/v1/events/", Some(body), &access)));
        let (created, ghost) = tokio::join!(creations, app.state.events.create(uuid::Uuid::now_v7(), ghost));
        assert!(ghost.is_err(), "an event needs an existing owner");
        for answer in &created {
            assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
            let shown = app.get(&format!("/api/v1/events/{}/", answer.string("id")), Some(&access)).await;
            assert_eq!(shown.body, answer.body, "answered as stored");
        }
        let listed = app.get("/api/v1/events/?limit=100", Some(&access)).await;
        assert_eq!(listed.body.as_array().expect("a list").len(), 15);
        assert_eq!(app.run_pending_jobs().await, 15, "each creation queued its generation");
    }

    async fn a_seed_style_event_without_timezone_or_recurrence_is_a_utc_one_off(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let body = json!({"title": "Review", "start_date": "2026-05-01T10:00:00Z", "end_date": "2026-05-01T11:00:00Z"});
        let created = app.call(Method::POST, "/api/v1/events/", Some(&body), &access).await;
        assert_eq!(created.status, StatusCode::CREATED);
        assert_eq!(created.body["timezone"], "UTC");
        assert_eq!(created.body["recurrence"], Value::Null);
        assert_eq!(created.body["description"], "");
    }

    async fn missing_and_mistyped_fields_are_reported_together(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let body = json!({"description": 5, "start_date": "tomorrow", "recurrence": "weekly"});
        let response = app.call(Method::POST, "/api/v1/events/", Some(&body), &access).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST);
        assert_eq!(response.body["title"], json!(["This field is required."]));
        assert_eq!(response.body["end_date"], json!(["This field is required."]));
        assert_eq!(response.body["description"], json!(["Not a valid string."]));
        assert_eq!(response.body["recurrence"], json!({"non_field_errors": ["Invalid data. Expected a dictionary, but got str."]}));
    }

    async fn series_rules_are_validated_with_field_errors(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let with_rule = |rule: Value| {
            let mut body = weekly_standup();
            body["recurrence"] = rule;
            body
        };
        let cases = [
            (with_rule(json!({"frequency": "hourly", "count": 3})), "frequency"),
            (with_rule(json!({"frequency": "daily", "count": 0})), "count"),
            (with_rule(json!({"frequency": "daily", "count": 3, "end_date": "2026-04-01"})), "non_field_errors"),
            (with_rule(json!({"frequency": "daily", "count": 5001})), "count"),
            (with_rule(json!({"frequency": "daily", "end_date": "2026-03-01"})), "end_date"),
            (with_rule(json!({"frequency": "daily", "end_date": "9999-12-31"})), "end_date"),
            (with_rule(json!({"frequency": "daily", "interval": 0, "count": 2})), "interval"),
        ];
        for (body, field) in cases {
            let response = app.call(Method::POST, "/api/v1/events/", Some(&body), &access).await;
            assert_eq!(response.status, StatusCode::BAD_REQUEST, "{body}");
            assert!(response.body["recurrence"][field].is_array(), "{field} in {}", response.body);
        }
    }

    async fn an_end_before_the_start_and_an_unknown_zone_are_refused(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let mut body = weekly_standup();
        body["end_date"] = json!("2026-03-02T08:00:00+01:00");
        let response = app.call(Method::POST, "/api/v1/events/", Some(&body), &access).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST);
        assert!(response.body["end_date"].is_array(), "{}", response.body);

        let mut body = weekly_standup();
        body["timezone"] = json!("Mars/Olympus_Mons");
        let response = app.call(Method::POST, "/api/v1/events/", Some(&body), &access).await;
        assert!(response.body["timezone"].is_array(), "{}", response.body);
    }

    async fn a_zone_is_stored_as_the_zone_database_names_it_and_host_settings_are_not_zones(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        for (sent, stored) in [("EUROPE/BERLIN", "Europe/Berlin"), ("utc", "UTC")] {
            let mut body = weekly_standup();
            body["timezone"] = json!(sent);
            let created = app.call(Method::POST, "/api/v1/events/", Some(&body), &access).await;
            assert_eq!(created.status, StatusCode::CREATED, "{sent}: {}", created.body);
            assert_eq!(created.body["timezone"], stored, "{sent}");
        }
        for host_setting in ["localtime", "posixrules", "Factory"] {
            let mut body = weekly_standup();
            body["timezone"] = json!(host_setting);
            let refused = app.call(Method::POST, "/api/v1/events/", Some(&body), &access).await;
            assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{host_setting}");
            assert_eq!(refused.body["timezone"], json!([format!("\"{host_setting}\" is not a known IANA time zone.")]));
        }
    }

    async fn a_list_stays_within_four_mebibytes_and_its_links_reach_every_event_once(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        // 70 events of 64 KiB each (four-byte characters at the longest description): 4.4 MiB.
        let description = "𝄞".repeat(16_384);
        for day in 0..70 {
            let start = format!("2026-06-01T{:02}:{:02}:00Z", day / 60, day % 60);
            let body = json!({"title": format!("Talk {day}"), "description": description, "start_date": start, "end_date": start, "recurrence": {"frequency": "daily", "count": 1}});
            let created = app.call(Method::POST, "/api/v1/events/", Some(&body), &access).await;
            assert_eq!(created.status, StatusCode::CREATED);
        }
        app.run_pending_jobs().await;
        // What the database hands over is bounded too, not only what is sent.
        let owner = app.get("/api/v1/users/me/", Some(&access)).await.string("id").parse().expect("a UUID");
        let read = almanac::storage::events::list_events(&app.state.db, owner, almanac::storage::events::Page { limit: 5000, offset: 0 })
            .await
            .expect("listed");
        assert!(read.cut_short && read.rows.len() < 70, "{} rows read at once", read.rows.len());
        let occurrences = app.state.events.list_occurrences(owner, Default::default(), almanac::storage::events::Page { limit: 5000, offset: 0 })
            .await
            .expect("listed");
        assert!(occurrences.cut_short && occurrences.rows.len() < 70, "{} occurrences read at once", occurrences.rows.len());
        for list in ["/api/v1/events/", "/api/v1/recurrences/", "/api/v1/event-occurrences/"] {
            let mut seen = Vec::new();
            let mut next = Some(list.to_owned());
            while let Some(path) = next.take() {
                let page = app.get(&path, Some(&access)).await;
                assert_eq!(page.status, StatusCode::OK, "{path}");
                let size = serde_json::to_vec(&page.body).expect("json").len();
                assert!(size <= 4 * 1024 * 1024, "{path}: {size} bytes");
                seen.extend(page.body.as_array().expect("a JSON array").iter().map(|item| item["id"].clone()));
                next = page.header("link").map(|link| link.trim_start_matches('<').split('>').next().expect("a link").to_owned());
            }
            assert_eq!(seen.len(), 70, "{list}: every item, once");
            seen.sort_by_key(Value::to_string);
            seen.dedup();
            assert_eq!(seen.len(), 70, "{list}: no item twice");
        }
    }

    async fn a_time_without_offset_is_read_in_the_events_zone(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let body = json!({"title": "Lunch", "start_date": "2026-07-01T12:00", "end_date": "2026-07-01T13:00", "timezone": "Europe/Berlin"});
        let created = app.call(Method::POST, "/api/v1/events/", Some(&body), &access).await;
        assert_eq!(created.body["start_date"], "2026-07-01T10:00:00Z", "{}", created.body);
    }

    async fn events_are_listed_by_start_and_paginated_with_a_link(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        for day in [3, 1, 2] {
            let body = json!({"title": format!("Day {day}"), "start_date": format!("2026-06-0{day}T10:00:00Z"), "end_date": format!("2026-06-0{day}T11:00:00Z")});
            app.call(Method::POST, "/api/v1/events/", Some(&body), &access).await;
        }
        let all = app.get("/api/v1/events/", Some(&access)).await;
        let titles: Vec<&str> = all.body.as_array().expect("a JSON array").iter().map(|e| e["title"].as_str().expect("title")).collect();
        assert_eq!(titles, ["Day 1", "Day 2", "Day 3"]);
        assert_eq!(all.header("link"), None);

        let first = app.get("/api/v1/events/?limit=2", Some(&access)).await;
        assert_eq!(first.body.as_array().expect("array").len(), 2);
        let link = first.header("link").expect("a next link");
        assert_eq!(link, "</api/v1/events/?limit=2&offset=2>; rel=\"next\"");
        let second = app.get("/api/v1/events/?limit=2&offset=2", Some(&access)).await;
        assert_eq!(second.body[0]["title"], "Day 3");
    }

    async fn patch_changes_only_the_given_fields_and_put_requires_the_full_event(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let created = app.call(Method::POST, "/api/v1/events/", Some(&weekly_standup()), &access).await;
        let path = format!("/api/v1/events/{}/", created.string("id"));

        let patched = app.call(Method::PATCH, &path, Some(&json!({"title": "Stand-up"})), &access).await;
        assert_eq!(patched.status, StatusCode::OK);
        assert_eq!(patched.body["title"], "Stand-up");
        assert_eq!(patched.body["recurrence"]["count"], 6);
        assert_eq!(patched.body["start_date"], created.body["start_date"]);

        let put = app.call(Method::PUT, &path, Some(&json!({"title": "Only a title"})), &access).await;
        assert_eq!(put.status, StatusCode::BAD_REQUEST);
        assert!(put.body["start_date"].is_array() && put.body["end_date"].is_array());

        let mut full = weekly_standup();
        full["recurrence"] = Value::Null;
        let replaced = app.call(Method::PUT, &path, Some(&full), &access).await;
        assert_eq!(replaced.status, StatusCode::OK);
        assert_eq!(replaced.body["recurrence"], Value::Null);
    }

    async fn a_title_change_keeps_occurrences_ready_but_a_schedule_change_does_not(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let created = app.call(Method::POST, "/api/v1/events/", Some(&weekly_standup()), &access).await;
        app.run_pending_jobs().await;
        let path = format!("/api/v1/events/{}/", created.string("id"));
        let renamed = app.call(Method::PATCH, &path, Some(&json!({"title": "Renamed"})), &access).await;
        assert_eq!(renamed.body["occurrences_status"], "ready");
        let moved = app.call(Method::PATCH, &path, Some(&json!({"recurrence": {"frequency": "daily", "count": 3}})), &access).await;
        assert_eq!(moved.body["occurrences_status"], "pending");
    }

    async fn another_users_event_is_a_404_everywhere(backend) {
        let app = TestApp::spawn(backend).await;
        let (ada, _) = app.signed_up("ada@example.com").await;
        let (grace, _) = app.signed_up("grace@example.com").await;
        let created = app.call(Method::POST, "/api/v1/events/", Some(&weekly_standup()), &ada).await;
        let path = format!("/api/v1/events/{}/", created.string("id"));
        let rule_path = format!("/api/v1/recurrences/{}/", created.body["recurrence"]["id"].as_str().expect("rule id"));
        for (method, path, body) in [
            (Method::GET, &path, None),
            (Method::PATCH, &path, Some(json!({"title": "Mine now"}))),
            (Method::PUT, &path, Some(weekly_standup())),
            (Method::DELETE, &path, None),
            (Method::GET, &rule_path, None),
            (Method::PUT, &rule_path, Some(json!({"frequency": "daily", "count": 2}))),
            (Method::DELETE, &rule_path, None),
        ] {
            let response = app.call(method.clone(), path, body.as_ref(), &grace).await;
            assert_eq!(response.status, StatusCode::NOT_FOUND, "{method} {path}");
        }
        assert_eq!(app.get("/api/v1/events/", Some(&grace)).await.body, json!([]));
        assert_eq!(app.get(&path, Some(&ada)).await.body["title"], "Standup");
    }

    async fn a_malformed_id_is_a_404(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        assert_eq!(app.get("/api/v1/events/not-a-uuid/", Some(&access)).await.status, StatusCode::NOT_FOUND);
    }

    async fn events_require_authentication(backend) {
        let app = TestApp::spawn(backend).await;
        assert_eq!(app.get("/api/v1/events/", None).await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(app.get("/api/v1/event-occurrences/", None).await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(app.get("/api/v1/recurrences/", None).await.status, StatusCode::UNAUTHORIZED);
    }

    async fn deleting_an_event_removes_it(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let created = app.call(Method::POST, "/api/v1/events/", Some(&weekly_standup()), &access).await;
        app.run_pending_jobs().await;
        let path = format!("/api/v1/events/{}/", created.string("id"));
        assert_eq!(app.call(Method::DELETE, &path, None, &access).await.status, StatusCode::NO_CONTENT);
        assert_eq!(app.get(&path, Some(&access)).await.status, StatusCode::NOT_FOUND);
        assert_eq!(app.get("/api/v1/event-occurrences/", Some(&access)).await.body, json!([]));
    }

    async fn recurrences_can_be_listed_replaced_and_deleted(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let created = app.call(Method::POST, "/api/v1/events/", Some(&weekly_standup()), &access).await;
        let rule_id = created.body["recurrence"]["id"].as_str().expect("rule id").to_owned();
        let listed = app.get("/api/v1/recurrences/", Some(&access)).await;
        assert_eq!(listed.body[0]["id"], rule_id.as_str());
        assert_eq!(listed.body[0]["event"], created.body["id"]);

        let path = format!("/api/v1/recurrences/{rule_id}/");
        let replaced = app.call(Method::PUT, &path, Some(&json!({"frequency": "daily", "interval": 2, "count": 4})), &access).await;
        assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.body);
        assert_eq!(replaced.body["id"], rule_id.as_str(), "the rule keeps its id");
        assert_eq!(replaced.body["frequency"], "daily");
        assert_eq!(replaced.body["interval"], 2);

        let invalid = app.call(Method::PUT, &path, Some(&json!({"frequency": "daily", "count": 0})), &access).await;
        assert_eq!(invalid.status, StatusCode::BAD_REQUEST);
        assert!(invalid.body["count"].is_array(), "errors of a standalone rule are top-level: {}", invalid.body);

        assert_eq!(app.call(Method::DELETE, &path, None, &access).await.status, StatusCode::NO_CONTENT);
        let event = app.get(&format!("/api/v1/events/{}/", created.string("id")), Some(&access)).await;
        assert_eq!(event.body["recurrence"], Value::Null);
        assert_eq!(app.get(&path, Some(&access)).await.status, StatusCode::NOT_FOUND);
    }
}
