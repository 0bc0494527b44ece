//! Answers kept in memory (the token's account, calendar windows) never hide a change: at once in
//! the process that made it, within moments in every other process on PostgreSQL, and only one
//! `serve` may keep them for an embedded database.

use std::time::Duration;

use almanac::app::Server;
use almanac::cli::Cli;
use almanac::storage::users::{AccountFlag, set_user_flag};
use axum::http::{Method, StatusCode};
use clap::Parser;
use serde_json::{Value, json};
use sqlx::{Connection, Executor, PgConnection};
use uuid::Uuid;

use crate::on_both_backends;
use crate::support::{Backend, TestApp, TestDatabase, each};

const MARCH: &str = "/api/v1/event-occurrences/?start_date=2026-03-01&end_date=2026-03-31";

fn daily(title: &str) -> Value {
    json!({
        "title": title,
        "start_date": "2026-03-02T09:00:00",
        "end_date": "2026-03-02T09:30:00",
        "timezone": "Europe/Berlin",
        "recurrence": {"frequency": "daily", "count": 3},
    })
}

fn titles(response: &Value) -> Vec<String> {
    response
        .as_array()
        .expect("a JSON array")
        .iter()
        .map(|occurrence| occurrence["title"].as_str().expect("title").to_owned())
        .collect()
}

/// A user with a three-day series in March, generated, on `app`: (access token, user id, event).
async fn user_with_a_series(app: &TestApp) -> (String, Uuid, Value) {
    let (access, _) = app.signed_up("ada@example.com").await;
    let created = app
        .call(
            Method::POST,
            "/api/v1/events/",
            Some(&daily("Standup")),
            &access,
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    app.run_pending_jobs().await;
    let me = app.get("/api/v1/users/me/", Some(&access)).await;
    let id = me.string("id").parse().expect("a UUID");
    (access, id, created.body)
}

async fn rename(app: &TestApp, access: &str, event: &Value, title: &str) {
    let path = format!("/api/v1/events/{}/", event["id"].as_str().expect("id"));
    let renamed = app
        .call(Method::PUT, &path, Some(&daily(title)), access)
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
}

/// Asks `app` for March until its titles are `expected`, for at most five seconds.
async fn wait_for_titles(app: &TestApp, access: &str, expected: &[&str]) {
    let mut seen = Vec::new();
    for _ in 0..500 {
        let march = app.get(MARCH, Some(access)).await;
        assert_eq!(march.status, StatusCode::OK, "{}", march.body);
        seen = titles(&march.body);
        if seen == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the calendar still shows {seen:?}, not {expected:?}");
}

on_both_backends! {
    async fn the_calendar_shows_an_edit_and_a_deletion_at_once(backend) {
        let app = TestApp::spawn(backend).await;
        app.wait_until_caching().await;
        let (access, _, event) = user_with_a_series(&app).await;

        let first = app.get(MARCH, Some(&access)).await;
        let again = app.get(MARCH, Some(&access)).await;
        assert_eq!(titles(&first.body), ["Standup"; 3]);
        assert_eq!(again.body, first.body, "a repeated answer is the same answer");
        assert_eq!(again.header("content-type"), Some("application/json"));

        rename(&app, &access, &event, "Retro").await;
        assert_eq!(titles(&app.get(MARCH, Some(&access)).await.body), ["Retro"; 3]);

        let path = format!("/api/v1/events/{}/", event["id"].as_str().expect("id"));
        let deleted = app.call(Method::DELETE, &path, None, &access).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        assert_eq!(app.get(MARCH, Some(&access)).await.body, json!([]));
    }

    async fn an_exception_and_a_cancellation_show_in_the_next_calendar_request(backend) {
        let app = TestApp::spawn(backend).await;
        app.wait_until_caching().await;
        let (access, _, _) = user_with_a_series(&app).await;
        let march = app.get(MARCH, Some(&access)).await;
        assert_eq!(titles(&app.get(MARCH, Some(&access)).await.body), ["Standup"; 3], "kept in memory");
        let ids = each(&march.body, "id");

        let occurrence = |id: &str| format!("/api/v1/event-occurrences/{id}/");
        let edited = app.call(Method::PATCH, &occurrence(&ids[0]), Some(&json!({"title": "Kickoff"})), &access).await;
        assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
        assert_eq!(titles(&app.get(MARCH, Some(&access)).await.body), ["Kickoff", "Standup", "Standup"]);

        let cancelled = app.call(Method::DELETE, &occurrence(&ids[1]), None, &access).await;
        assert_eq!(cancelled.status, StatusCode::NO_CONTENT);
        assert_eq!(titles(&app.get(MARCH, Some(&access)).await.body), ["Kickoff", "Standup"]);
    }

    async fn a_page_of_a_kept_window_still_links_to_the_next_page(backend) {
        let app = TestApp::spawn(backend).await;
        app.wait_until_caching().await;
        let (access, _, _) = user_with_a_series(&app).await;

        let path = format!("{MARCH}&limit=2");
        for _ in 0..2 {
            let page = app.get(&path, Some(&access)).await;
            assert_eq!(page.body.as_array().map(Vec::len), Some(2));
            let link = page.header("link").expect("a Link header");
            assert!(link.contains("offset=2") && link.contains("rel=\"next\""), "{link}");
        }
    }

    async fn a_deactivated_account_is_refused_at_once(backend) {
        let app = TestApp::spawn(backend).await;
        app.wait_until_caching().await;
        let (access, id, _) = user_with_a_series(&app).await;
        assert_eq!(app.get("/api/v1/users/me/", Some(&access)).await.status, StatusCode::OK);

        set_user_flag(&app.state.db, id, AccountFlag::Active, false).await.expect("deactivated");
        assert_eq!(app.get("/api/v1/users/me/", Some(&access)).await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(app.get(MARCH, Some(&access)).await.status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn on_postgresql_other_processes_see_a_change_within_moments() {
    let writer = TestApp::spawn(Backend::Postgres).await;
    let reader = writer.another_process().await;
    reader.wait_until_caching().await;
    let (access, id, event) = user_with_a_series(&writer).await;
    wait_for_titles(&reader, &access, &["Standup"; 3]).await;

    rename(&writer, &access, &event, "Retro").await;
    wait_for_titles(&reader, &access, &["Retro"; 3]).await;

    // A write from outside Almanac (here, as from psql) is seen too: the database notifies.
    let url = writer.database_url().expect("a PostgreSQL test");
    let mut psql = PgConnection::connect(url)
        .await
        .expect("PostgreSQL reachable");
    psql.execute("UPDATE events SET title = 'Planning'")
        .await
        .expect("updated");
    wait_for_titles(&reader, &access, &["Planning"; 3]).await;

    // So is a cancelled occurrence.
    let march = writer.get(MARCH, Some(&access)).await;
    let first = &each(&march.body, "id")[0];
    let cancelled = writer
        .call(
            Method::DELETE,
            &format!("/api/v1/event-occurrences/{first}/"),
            None,
            &access,
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::NO_CONTENT);
    wait_for_titles(&reader, &access, &["Planning"; 2]).await;

    set_user_flag(&writer.state.db, id, AccountFlag::Active, false)
        .await
        .expect("deactivated");
    for _ in 0..500 {
        if reader.get("/api/v1/users/me/", Some(&access)).await.status == StatusCode::UNAUTHORIZED {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("another process still accepts a deactivated account's token");
}

#[tokio::test]
async fn a_second_serve_of_the_same_embedded_database_is_refused() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let data_dir = database.data_dir.path().to_str().expect("utf-8");
    let config = || {
        Cli::try_parse_from(["almanac", "--bind", "127.0.0.1:0", "--data-dir", data_dir])
            .expect("valid arguments")
            .serve
            .resolve()
            .expect("valid configuration")
    };
    let first = Server::build(config())
        .await
        .expect("the first serve starts");
    let refused = Server::build(config())
        .await
        .expect_err("a second serve is refused");
    assert!(
        refused.to_string().contains("another `almanac serve`"),
        "{refused:#}"
    );
    drop(first);
    Server::build(config())
        .await
        .expect("serves again once the first has stopped");
}
