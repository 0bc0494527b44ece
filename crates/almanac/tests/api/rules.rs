//! The rule forms people write — weekdays, nth weekdays, month days, yearly, exclusion dates,
//! RRULE text — through the API on both backends: created, read back in both forms, expanded by
//! the worker, and refused with a field error when invalid.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{TestApp, each};

/// A 09:00 Berlin event on `date` (an hour long) with `recurrence`.
fn berlin(date: &str, recurrence: Value) -> Value {
    json!({
        "title": "Meeting",
        "start_date": format!("{date}T09:00:00"),
        "end_date": format!("{date}T10:00:00"),
        "timezone": "Europe/Berlin",
        "recurrence": recurrence,
    })
}

/// The starts of the event's occurrences, once generated.
async fn series_starts(app: &TestApp, access: &str, event: &Value) -> Vec<String> {
    app.run_pending_jobs().await;
    let id = event["id"].as_str().expect("id");
    let listed = app
        .get(
            &format!("/api/v1/event-occurrences/?event={id}"),
            Some(access),
        )
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    each(&listed.body, "start")
}

/// The 400 answer's messages for `recurrence.<field>` (or a top-level `field`).
async fn refused(app: &TestApp, access: &str, body: &Value) -> Value {
    let response = app
        .call(Method::POST, "/api/v1/events/", Some(body), access)
        .await;
    assert_eq!(
        response.status,
        StatusCode::BAD_REQUEST,
        "{body} → {}",
        response.body
    );
    response.body
}

on_both_backends! {
    async fn every_monday_wednesday_and_friday_is_three_occurrences_a_week(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let event = app.create_event(&access, &berlin("2026-03-02", json!({
            "frequency": "weekly", "by_weekday": ["FR", "MO", "WE"], "count": 6,
        }))).await;
        let rule = &event["recurrence"];
        assert_eq!(rule["by_weekday"], json!(["MO", "WE", "FR"]), "canonical order");
        assert_eq!(rule["rrule"], "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=6");
        assert_eq!(rule["summary"], "Weekly on Monday, Wednesday and Friday, 6 times");
        assert_eq!(rule["week_start"], "MO");
        assert_eq!(rule["exdates"], json!([]));
        assert_eq!(
            series_starts(&app, &access, &event).await,
            [
                "2026-03-02T08:00:00Z", "2026-03-04T08:00:00Z", "2026-03-06T08:00:00Z",
                "2026-03-09T08:00:00Z", "2026-03-11T08:00:00Z", "2026-03-13T08:00:00Z",
            ]
        );
    }

    async fn the_second_tuesday_of_each_month_keeps_nine_oclock_across_dst(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let event = app.create_event(&access, &berlin("2026-03-10", json!({
            "frequency": "monthly", "by_weekday": ["2TU"], "count": 3,
        }))).await;
        assert_eq!(event["recurrence"]["rrule"], "FREQ=MONTHLY;BYDAY=2TU;COUNT=3");
        assert_eq!(event["recurrence"]["summary"], "Monthly on the second Tuesday, 3 times");
        assert_eq!(
            series_starts(&app, &access, &event).await,
            ["2026-03-10T08:00:00Z", "2026-04-14T07:00:00Z", "2026-05-12T07:00:00Z"]
        );
    }

    async fn the_last_weekday_of_the_month_is_a_set_position(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let event = app.create_event(&access, &berlin("2026-03-31", json!({
            "frequency": "monthly",
            "by_weekday": ["MO", "TU", "WE", "TH", "FR"],
            "by_set_position": [-1],
            "count": 3,
        }))).await;
        assert_eq!(event["recurrence"]["rrule"], "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=3");
        assert_eq!(event["recurrence"]["summary"], "Monthly on the last weekday, 3 times");
        assert_eq!(
            series_starts(&app, &access, &event).await,
            ["2026-03-31T07:00:00Z", "2026-04-30T07:00:00Z", "2026-05-29T07:00:00Z"]
        );
    }

    async fn a_yearly_rule_sent_as_rrule_text_reads_back_as_fields_too(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let body = json!({
            "title": "Pi day",
            "start_date": "2026-03-14T10:00:00Z",
            "end_date": "2026-03-14T11:00:00Z",
            "recurrence": {"rrule": "RRULE:FREQ=YEARLY;COUNT=3;BYMONTHDAY=14;BYMONTH=3"},
        });
        let event = app.create_event(&access, &body).await;
        let rule = &event["recurrence"];
        assert_eq!(rule["frequency"], "yearly");
        assert_eq!(rule["by_month"], json!([3]));
        assert_eq!(rule["by_month_day"], json!([14]));
        assert_eq!(rule["count"], 3);
        assert_eq!(rule["rrule"], "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=14;COUNT=3", "canonical");
        assert_eq!(rule["summary"], "Yearly on 14 March, 3 times");
        assert_eq!(
            series_starts(&app, &access, &event).await,
            ["2026-03-14T10:00:00Z", "2027-03-14T10:00:00Z", "2028-03-14T10:00:00Z"]
        );
    }

    async fn the_last_day_of_each_month_is_month_day_minus_one(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let body = json!({
            "title": "Invoices",
            "start_date": "2026-01-31T10:00:00Z",
            "end_date": "2026-01-31T11:00:00Z",
            "recurrence": {"frequency": "monthly", "by_month_day": [-1], "count": 4},
        });
        let event = app.create_event(&access, &body).await;
        assert_eq!(event["recurrence"]["summary"], "Monthly on the last day, 4 times");
        assert_eq!(
            series_starts(&app, &access, &event).await,
            ["2026-01-31T10:00:00Z", "2026-02-28T10:00:00Z", "2026-03-31T10:00:00Z", "2026-04-30T10:00:00Z"]
        );
    }

    async fn an_excluded_date_is_skipped_after_the_count_is_taken(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let event = app.create_event(&access, &berlin("2026-03-02", json!({
            "frequency": "weekly", "count": 4, "exdates": ["2026-03-09T09:00"],
        }))).await;
        assert_eq!(event["recurrence"]["exdates"], json!(["2026-03-09T08:00:00Z"]), "read in the event's zone");
        assert_eq!(event["recurrence"]["summary"], "Weekly on Monday, 4 times, except 1 date");
        assert_eq!(
            series_starts(&app, &access, &event).await,
            ["2026-03-02T08:00:00Z", "2026-03-16T08:00:00Z", "2026-03-23T08:00:00Z"]
        );
    }

    async fn exclusion_dates_stay_when_other_fields_or_the_rule_change(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let event = app.create_event(&access, &berlin("2026-03-02", json!({
            "frequency": "weekly", "count": 4, "exdates": ["2026-03-09T08:00:00Z"],
        }))).await;
        let path = format!("/api/v1/events/{}/", event["id"].as_str().expect("id"));

        let renamed = app.call(Method::PATCH, &path, Some(&json!({"title": "Renamed"})), &access).await;
        assert_eq!(renamed.body["recurrence"]["exdates"], json!(["2026-03-09T08:00:00Z"]));
        let longer = app.call(Method::PATCH, &path, Some(&json!({"recurrence": {"frequency": "weekly", "count": 6}})), &access).await;
        assert_eq!(longer.body["recurrence"]["exdates"], json!(["2026-03-09T08:00:00Z"]), "absent exdates are kept");
        assert_eq!(series_starts(&app, &access, &event).await.len(), 5);

        let cleared = app.call(Method::PATCH, &path, Some(&json!({"recurrence": {"frequency": "weekly", "count": 6, "exdates": []}})), &access).await;
        assert_eq!(cleared.body["recurrence"]["exdates"], json!([]));
        assert_eq!(series_starts(&app, &access, &event).await.len(), 6);
    }

    async fn a_start_the_rule_does_not_produce_is_an_extra_first_occurrence(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        // 2 March 2026 is a Monday; the rule says Tuesdays and Thursdays.
        let event = app.create_event(&access, &berlin("2026-03-02", json!({
            "frequency": "weekly", "by_weekday": ["TU", "TH"], "count": 3,
        }))).await;
        assert_eq!(
            series_starts(&app, &access, &event).await,
            ["2026-03-02T08:00:00Z", "2026-03-03T08:00:00Z", "2026-03-05T08:00:00Z"],
            "the event itself, then the rule's instances; it counts towards count"
        );
    }

    async fn a_rule_can_be_replaced_through_recurrences_with_rrule_text(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let event = app.create_event(&access, &berlin("2026-03-02", json!({"frequency": "weekly", "count": 2}))).await;
        let path = format!("/api/v1/recurrences/{}/", event["recurrence"]["id"].as_str().expect("rule id"));
        let replaced = app.call(Method::PUT, &path, Some(&json!({"rrule": "FREQ=DAILY;INTERVAL=2;COUNT=3"})), &access).await;
        assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.body);
        assert_eq!(replaced.body["frequency"], "daily");
        assert_eq!(replaced.body["interval"], 2);
        assert_eq!(replaced.body["rrule"], "FREQ=DAILY;INTERVAL=2;COUNT=3");
        let invalid = app.call(Method::PUT, &path, Some(&json!({"rrule": "FREQ=DAILY;BYYEARDAY=1"})), &access).await;
        assert_eq!(invalid.status, StatusCode::BAD_REQUEST);
        assert!(invalid.body["rrule"][0].as_str().expect("message").contains("BYYEARDAY"), "{}", invalid.body);
    }

    async fn a_seed_shaped_rule_reads_back_with_the_new_fields_at_their_defaults(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let event = app.create_event(&access, &berlin("2026-03-02", json!({"frequency": "monthly", "interval": 2, "end_date": "2026-12-31"}))).await;
        let rule = &event["recurrence"];
        assert_eq!(rule["frequency"], "monthly");
        assert_eq!(rule["interval"], 2);
        assert_eq!(rule["count"], Value::Null);
        assert_eq!(rule["end_date"], "2026-12-31T22:59:59Z", "the end of that day in Berlin");
        for list in ["by_weekday", "by_month_day", "by_month", "by_set_position", "exdates"] {
            assert_eq!(rule[list], json!([]), "{list}");
        }
        assert_eq!(rule["week_start"], "MO");
        assert_eq!(rule["rrule"], "FREQ=MONTHLY;INTERVAL=2;UNTIL=20261231T225959Z");
        assert_eq!(rule["summary"], "Every 2 months on day 2, until 2026-12-31");
        assert_eq!(event["all_day"], false);
    }

    async fn every_invalid_form_is_refused_naming_its_field(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let cases = [
            (json!({"frequency": "weekly", "by_weekday": ["XX"]}), "by_weekday"),
            (json!({"frequency": "weekly", "by_weekday": "MO"}), "by_weekday"),
            (json!({"frequency": "weekly", "by_weekday": ["2TU"]}), "by_weekday"),
            (json!({"frequency": "monthly", "by_month_day": [0]}), "by_month_day"),
            (json!({"frequency": "monthly", "by_month_day": [32]}), "by_month_day"),
            (json!({"frequency": "weekly", "by_month_day": [5]}), "by_month_day"),
            (json!({"frequency": "yearly", "by_month": [13]}), "by_month"),
            (json!({"frequency": "monthly", "by_set_position": [1]}), "by_set_position"),
            (json!({"frequency": "monthly", "by_weekday": ["MO"], "by_set_position": [0]}), "by_set_position"),
            (json!({"frequency": "weekly", "week_start": "XX"}), "week_start"),
            (json!({"frequency": "hourly"}), "frequency"),
            (json!({"frequency": "daily", "count": 3, "end_date": "2026-04-01"}), "non_field_errors"),
            (json!({"frequency": "yearly", "by_month": [2], "by_month_day": [30]}), "non_field_errors"),
            (json!({"frequency": "daily", "count": 2, "exdates": ["2026-03-02T09:00", "2026-03-03T09:00"]}), "exdates"),
            (json!({"frequency": "daily", "exdates": ["soon"]}), "exdates"),
            (json!({"frequency": "daily", "rrule": "FREQ=DAILY"}), "non_field_errors"),
            (json!({"frequency": null, "rrule": "FREQ=DAILY"}), "non_field_errors"),
            (json!({"rrule": "FREQ=WEEKLY;BYWEEKNO=20"}), "rrule"),
            (json!({"rrule": "FREQ=HOURLY"}), "rrule"),
            (json!({"rrule": "FREQ=DAILY;FOO=1"}), "rrule"),
            (json!({"rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=31"}), "rrule"),
        ];
        for (rule, field) in cases {
            let body = refused(&app, &access, &berlin("2026-03-02", rule.clone())).await;
            assert!(body["recurrence"][field].is_array(), "{rule} → {body}");
        }
        let unsupported = refused(&app, &access, &berlin("2026-03-02", json!({"rrule": "FREQ=WEEKLY;BYWEEKNO=20"}))).await;
        assert!(unsupported["recurrence"]["rrule"][0].as_str().expect("message").contains("BYWEEKNO"), "{unsupported}");
    }

    async fn whole_numbers_written_with_a_decimal_point_are_integers(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let rule = json!({"frequency": "monthly", "interval": 1.0, "count": 2.0, "by_month_day": [2.0], "by_month": [3.0, 4.0], "by_set_position": [1.0]});
        let event = app.create_event(&access, &berlin("2026-03-02", rule)).await;
        assert_eq!(event["recurrence"]["rrule"], "FREQ=MONTHLY;BYMONTH=3,4;BYMONTHDAY=2;BYSETPOS=1;COUNT=2", "{event}");
        let fractional = refused(&app, &access, &berlin("2026-03-02", json!({"frequency": "daily", "count": 2.5}))).await;
        assert_eq!(fractional["recurrence"]["count"], json!(["A valid integer is required."]));
    }

    async fn years_outside_1_to_9999_are_refused_and_a_series_is_never_stored_shorter(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        for start in ["0000-06-01T10:00:00Z", "9999-12-31T23:00:00Z"] {
            let body = json!({"title": "Far", "start_date": start, "end_date": "2026-01-01T00:00:00Z"});
            let refused = refused(&app, &access, &body).await;
            assert_eq!(refused["start_date"], json!(["Years must be between 1 and 9999."]), "{start}");
        }
        let body = json!({
            "title": "To the end of time",
            "start_date": "9990-01-01T10:00:00Z",
            "end_date": "9990-01-01T11:00:00Z",
            "recurrence": {"frequency": "weekly", "count": 5000},
        });
        let refused = refused(&app, &access, &body).await;
        assert_eq!(refused["recurrence"]["count"], json!(["This series would run past the year 9999."]));
    }
}
