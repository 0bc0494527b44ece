//! `Idempotency-Key` on `POST /events/`: a client that lost the answer can retry without making a
//! second event.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::TestApp;

fn standup(title: &str) -> Value {
    json!({"title": title, "start_date": "2026-03-02T09:00:00Z", "end_date": "2026-03-02T09:15:00Z",
        "recurrence": {"frequency": "daily", "count": 5}})
}

async fn events(app: &TestApp, access: &str) -> Vec<Value> {
    let listed = app.get("/api/v1/events/", Some(access)).await;
    listed.body.as_array().expect("a JSON array").clone()
}

on_both_backends! {
    async fn a_retry_with_the_same_key_gets_the_first_event_and_makes_no_second(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let key = [("idempotency-key", "create-standup-1")];
        let first = app.call_with(Method::POST, "/api/v1/events/", Some(&standup("Standup")), &access, &key).await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
        assert_eq!(first.header("idempotent-replayed"), None);
        // The same request, its fields in another order.
        let same = json!({"recurrence": {"count": 5, "frequency": "daily"}, "end_date": "2026-03-02T09:15:00Z", "start_date": "2026-03-02T09:00:00Z", "title": "Standup"});
        let retried = app.call_with(Method::POST, "/api/v1/events/", Some(&same), &access, &key).await;
        assert_eq!(retried.status, StatusCode::CREATED, "{}", retried.body);
        assert_eq!(retried.body["id"], first.body["id"]);
        assert_eq!(retried.header("idempotent-replayed"), Some("true"));
        assert_eq!(events(&app, &access).await.len(), 1, "one event, however many tries");
        assert_eq!(app.run_pending_jobs().await, 1, "one series generated");

        let other = app.call_with(Method::POST, "/api/v1/events/", Some(&standup("Retro")), &access, &key).await;
        assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", other.body);
        assert!(other.body["detail"].as_str().is_some_and(|d| d.contains("different request")), "{}", other.body);
        let without_key = app.call(Method::POST, "/api/v1/events/", Some(&standup("Standup")), &access).await;
        assert_eq!(without_key.status, StatusCode::CREATED);
        assert_eq!(events(&app, &access).await.len(), 2, "without a key, a request is a new event");
    }

    async fn concurrent_tries_with_one_key_make_one_event(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let tries = (0..8).map(|_| {
            let (app, access) = (&app, &access);
            async move {
                app.call_with(Method::POST, "/api/v1/events/", Some(&standup("Standup")), access, &[("idempotency-key", "one-key")]).await
            }
        });
        let answers = futures::future::join_all(tries).await;
        assert!(answers.iter().all(|answer| answer.status == StatusCode::CREATED), "{:?}", answers.iter().map(|a| (a.status, &a.body)).collect::<Vec<_>>());
        assert!(answers.iter().all(|answer| answer.body["id"] == answers[0].body["id"]));
        assert_eq!(events(&app, &access).await.len(), 1);
    }

    async fn keys_belong_to_their_user_and_outlive_the_event_they_made(backend) {
        let app = TestApp::spawn(backend).await;
        let (ada, _) = app.signed_up("ada@example.com").await;
        let (bea, _) = app.signed_up("bea@example.com").await;
        let key = [("idempotency-key", "shared-looking-key")];
        let adas = app.call_with(Method::POST, "/api/v1/events/", Some(&standup("Standup")), &ada, &key).await;
        let beas = app.call_with(Method::POST, "/api/v1/events/", Some(&standup("Standup")), &bea, &key).await;
        assert_eq!(beas.status, StatusCode::CREATED);
        assert_ne!(beas.body["id"], adas.body["id"], "another user's key is another key");

        let path = format!("/api/v1/events/{}/", adas.body["id"].as_str().expect("id"));
        assert_eq!(app.call(Method::DELETE, &path, None, &ada).await.status, StatusCode::NO_CONTENT);
        let after_delete = app.call_with(Method::POST, "/api/v1/events/", Some(&standup("Standup")), &ada, &key).await;
        assert_eq!(after_delete.status, StatusCode::NOT_FOUND, "the key made an event, since deleted: {}", after_delete.body);
        assert!(events(&app, &ada).await.is_empty());
    }

    async fn a_malformed_key_is_a_400(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let long = "k".repeat(256);
        for key in ["", long.as_str()] {
            let refused = app.call_with(Method::POST, "/api/v1/events/", Some(&standup("Standup")), &access, &[("idempotency-key", key)]).await;
            assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{key:?}");
            assert!(refused.body["detail"].as_str().is_some_and(|d| d.contains("Idempotency-Key")), "{}", refused.body);
        }
        assert!(events(&app, &access).await.is_empty());
    }
}
