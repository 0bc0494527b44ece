//! A database that goes down and comes back, as PostgreSQL restarting does: requests answer a
//! prompt 503 meanwhile, nothing half-done is left, and service resumes by itself.

use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::support::{Relay, TestApp};

#[tokio::test]
async fn while_postgresql_is_down_requests_answer_503_and_service_resumes_by_itself() {
    let mut relay = None;
    // A pool that would wait ten minutes for a connection: only answering at once while the
    // database is known to be away keeps requests from waiting until they time out.
    let app = TestApp::spawn_on_postgres_through(
        |server| {
            let started = Relay::start(server);
            let address = started.address;
            relay = Some(started);
            (address.ip().to_string(), address.port())
        },
        &["--db-acquire-timeout", "10min"],
    )
    .await;
    let relay = relay.expect("the relay started");
    let (access, _) = app.signed_up("ada@example.com").await;
    let event = json!({
        "title": "Standup",
        "start_date": "2031-03-03T09:00:00Z",
        "end_date": "2031-03-03T09:15:00Z",
    });

    relay.cut();
    let ready = app.get("/readyz", None).await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        ready.body,
        json!({"detail": "Service unavailable: database."})
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while app.state.db.is_reachable() {
        assert!(Instant::now() < deadline, "the outage is noticed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let write = app
        .call(Method::POST, "/api/v1/events/", Some(&event), &access)
        .await;
    assert_eq!(
        write.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        write.body
    );
    assert_eq!(
        write.body,
        json!({"detail": "Service unavailable: database."})
    );
    assert_eq!(write.header("retry-after"), Some("5"));
    let page = app.get("/login/", None).await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    let html = page.body.as_str().expect("an HTML page");
    assert!(html.contains("cannot reach its database"), "{html}");
    assert_eq!(
        app.get("/healthz", None).await.status,
        StatusCode::OK,
        "the process itself is up"
    );

    relay.restore();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !app.state.db.is_reachable() {
        assert!(Instant::now() < deadline, "the return is noticed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let write = app
        .call(Method::POST, "/api/v1/events/", Some(&event), &access)
        .await;
    assert_eq!(write.status, StatusCode::CREATED, "{}", write.body);
    assert_eq!(app.get("/readyz", None).await.status, StatusCode::OK);
    let events = app.get("/api/v1/events/", Some(&access)).await;
    assert_eq!(
        events.body.as_array().map(Vec::len),
        Some(1),
        "the refused write left nothing behind"
    );
}
