//! All-day events: dates in and out (the end exclusive, as in iCalendar), the same dates for every
//! viewer, found by range queries read in the event's zone, and series that keep their dates
//! across DST.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{TestApp, each};

fn holiday() -> Value {
    json!({
        "title": "Holiday",
        "all_day": true,
        "start_date": "2031-03-14",
        "end_date": "2031-03-15",
        "timezone": "UTC",
    })
}

on_both_backends! {
    async fn an_all_day_event_is_written_and_read_as_dates(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let event = app.create_event(&access, &holiday()).await;
        assert_eq!(event["all_day"], true);
        assert_eq!(event["start_date"], "2031-03-14");
        assert_eq!(event["end_date"], "2031-03-15", "exclusive, as in iCalendar");
        assert_eq!(event["series_end_date"], "2031-03-15");

        app.run_pending_jobs().await;
        let listed = app.get("/api/v1/event-occurrences/", Some(&access)).await;
        assert_eq!(listed.body[0]["all_day"], true);
        assert_eq!(listed.body[0]["start"], "2031-03-14");
        assert_eq!(listed.body[0]["end"], "2031-03-15");
        assert_eq!(listed.body[0]["original_start"], "2031-03-14");
    }

    async fn viewers_at_utc_minus_10_and_plus_14_find_it_on_its_date(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        app.create_event(&access, &holiday()).await;
        app.run_pending_jobs().await;
        // The day views of 14 March in Honolulu and in Kiritimati, as a calendar there asks.
        for (from, to) in [
            ("2031-03-14T00:00:00-10:00", "2031-03-15T00:00:00-10:00"),
            ("2031-03-14T00:00:00+14:00", "2031-03-15T00:00:00+14:00"),
        ] {
            let query = format!(
                "/api/v1/event-occurrences/?start_date={}&end_date={}",
                from.replace('+', "%2B"),
                to.replace('+', "%2B")
            );
            let day = app.get(&query, Some(&access)).await;
            assert_eq!(each(&day.body, "start"), ["2031-03-14"], "{from}");
        }
        let week_before = app.get("/api/v1/event-occurrences/?start_date=2031-03-01&end_date=2031-03-13", Some(&access)).await;
        assert_eq!(week_before.body, json!([]));
    }

    async fn a_yearly_all_day_series_keeps_its_dates_across_dst_and_a_midnight_gap(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        // 29 March 2026 is the day Berlin moves to summer time (a 23-hour day).
        let berlin = json!({
            "title": "Spring", "all_day": true, "start_date": "2026-03-29", "end_date": "2026-03-30",
            "timezone": "Europe/Berlin",
            "recurrence": {"frequency": "yearly", "count": 3, "exdates": ["2027-03-29"]},
        });
        let event = app.create_event(&access, &berlin).await;
        assert_eq!(event["recurrence"]["exdates"], json!(["2027-03-29"]));
        assert_eq!(event["recurrence"]["summary"], "Yearly on 29 March, 3 times, except 1 date");
        // Sao Paulo's clocks went from 00:00 to 01:00 on 4 November 2018: that day began at 01:00.
        let sao_paulo = json!({
            "title": "Gap", "all_day": true, "start_date": "2018-11-03", "end_date": "2018-11-04",
            "timezone": "America/Sao_Paulo",
            "recurrence": {"frequency": "daily", "end_date": "2018-11-05"},
        });
        let gap = app.create_event(&access, &sao_paulo).await;
        assert_eq!(gap["recurrence"]["end_date"], "2018-11-05");
        assert_eq!(gap["recurrence"]["rrule"], "FREQ=DAILY;UNTIL=20181105");
        app.run_pending_jobs().await;

        let spring = app.get(&format!("/api/v1/event-occurrences/?event={}", event["id"].as_str().expect("id")), Some(&access)).await;
        assert_eq!(each(&spring.body, "start"), ["2026-03-29", "2028-03-29"]);
        let days = app.get(&format!("/api/v1/event-occurrences/?event={}", gap["id"].as_str().expect("id")), Some(&access)).await;
        assert_eq!(each(&days.body, "start"), ["2018-11-03", "2018-11-04", "2018-11-05"]);
        let ends: Vec<&str> = days.body.as_array().expect("array").iter().map(|o| o["end"].as_str().expect("end")).collect();
        assert_eq!(ends, ["2018-11-04", "2018-11-05", "2018-11-06"]);
    }

    async fn an_all_day_event_needs_dates_and_switching_needs_both(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let mut timed = holiday();
        timed["start_date"] = json!("2031-03-14T10:00:00Z");
        let response = app.call(Method::POST, "/api/v1/events/", Some(&timed), &access).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST);
        assert!(response.body["start_date"].is_array(), "{}", response.body);
        let mut empty = holiday();
        empty["end_date"] = json!("2031-03-14");
        let response = app.call(Method::POST, "/api/v1/events/", Some(&empty), &access).await;
        assert!(response.body["end_date"].is_array(), "{}", response.body);

        let event = app.create_event(&access, &holiday()).await;
        let path = format!("/api/v1/events/{}/", event["id"].as_str().expect("id"));
        let half = app.call(Method::PATCH, &path, Some(&json!({"all_day": false})), &access).await;
        assert_eq!(half.status, StatusCode::BAD_REQUEST);
        assert!(half.body["all_day"].is_array(), "{}", half.body);
        let switched = app.call(Method::PATCH, &path, Some(&json!({
            "all_day": false, "start_date": "2031-03-14T09:00:00Z", "end_date": "2031-03-14T17:00:00Z",
        })), &access).await;
        assert_eq!(switched.status, StatusCode::OK, "{}", switched.body);
        assert_eq!((switched.body["all_day"].clone(), switched.body["start_date"].clone()), (json!(false), json!("2031-03-14T09:00:00Z")));
    }

    async fn an_all_day_event_keeps_its_dates_when_its_zone_changes(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let mut body = holiday();
        body["recurrence"] = json!({"frequency": "weekly", "count": 3, "exdates": ["2031-03-21"]});
        let event = app.create_event(&access, &body).await;
        let path = format!("/api/v1/events/{}/", event["id"].as_str().expect("id"));
        let moved = app.call(Method::PATCH, &path, Some(&json!({"timezone": "Pacific/Kiritimati"})), &access).await;
        assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
        assert_eq!((moved.body["start_date"].clone(), moved.body["end_date"].clone()), (json!("2031-03-14"), json!("2031-03-15")));
        assert_eq!(moved.body["recurrence"]["exdates"], json!(["2031-03-21"]));
        app.run_pending_jobs().await;
        let listed = app.get(&format!("/api/v1/event-occurrences/?event={}", event["id"].as_str().expect("id")), Some(&access)).await;
        assert_eq!(each(&listed.body, "start"), ["2031-03-14", "2031-03-28"]);
    }
}
