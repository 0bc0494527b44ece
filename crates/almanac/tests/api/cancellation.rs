//! A request cut short — its client hung up — never leaves a pooled connection inside a
//! transaction, where later statements would hold its locks and stay invisible to others, and
//! never leaves a written series without its generation job.

use std::time::Duration;

use almanac::storage::{DatabaseTarget, Db, Pool, PoolSettings, begin};
use axum::http::Method;
use serde_json::json;

use crate::on_both_backends;
use crate::support::{Backend, TestApp, TestDatabase};

on_both_backends! {
    async fn a_series_written_for_a_client_that_hung_up_is_still_generated(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let body = json!({
            "title": "Standup",
            "start_date": "2026-03-02T09:00:00",
            "end_date": "2026-03-02T09:15:00",
            "timezone": "Europe/Berlin",
            "recurrence": {"frequency": "daily", "count": 5},
        });
        // Dropped after more and more turns of the runtime, until one runs to its end: some drops
        // land between the commit and the queueing of the job.
        let mut turns = 1;
        loop {
            let mut creating = std::pin::pin!(app.call(Method::POST, "/api/v1/events/", Some(&body), &access));
            let mut finished = false;
            for _ in 0..turns {
                if futures::poll!(creating.as_mut()).is_ready() {
                    finished = true;
                    break;
                }
                tokio::task::yield_now().await;
            }
            if finished {
                break;
            }
            // Lets the dropped request's write finish, so that writes do not pile up and each
            // request needs about as many turns as the one before.
            tokio::time::sleep(Duration::from_millis(2)).await;
            turns += 1;
            assert!(turns < 10_000, "a request never finished");
        }
        // The writes of dropped requests finish in tasks of their own, some after the queue has
        // been drained once: drain it until every series is generated. A series whose job was
        // never queued stays pending, since nothing here runs the reconciler.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            app.run_pending_jobs().await;
            let events = app.get("/api/v1/events/?limit=100", Some(&access)).await;
            let statuses: Vec<String> = events.body.as_array().expect("a list").iter()
                .map(|event| event["occurrences_status"].as_str().expect("a status").to_owned())
                .collect();
            // The last request wrote, and dropped ones that got as far as their write (on SQLite a
            // request often runs from before its write to its end in one turn).
            if !statuses.is_empty() && statuses.iter().all(|status| status == "ready") {
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "{statuses:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

#[tokio::test]
async fn a_transaction_dropped_while_it_begins_is_rolled_back_on_postgresql() {
    let database = TestDatabase::create(Backend::Postgres).await;
    let url = database.url.clone().expect("a PostgreSQL database");
    let settings = PoolSettings {
        max_connections: 1,
        ..PoolSettings::default()
    };
    let db = Db::connect(&DatabaseTarget::Postgres(url), &settings)
        .await
        .expect("PostgreSQL reachable");
    let Pool::Postgres(pool) = db.pool() else {
        panic!("a PostgreSQL pool");
    };

    // Dropped after more and more turns of the runtime, as by a client hanging up: some drops land
    // while BEGIN is on its way, before its answer.
    let mut dropped_unfinished = 0;
    for turns in 1..=60 {
        let finished = {
            let mut beginning = std::pin::pin!(begin(pool));
            let mut finished = false;
            for _ in 0..turns {
                if futures::poll!(beginning.as_mut()).is_ready() {
                    finished = true;
                    break;
                }
                tokio::task::yield_now().await;
            }
            finished
        };
        if !finished {
            dropped_unfinished += 1;
        }
        tokio::time::sleep(Duration::from_millis(60)).await;
        // A statement of its own is in a transaction that has just begun, not one from before.
        let on_its_own: bool = sqlx::query_scalar(
            "SELECT clock_timestamp() - xact_start < INTERVAL '40 milliseconds' \
             FROM pg_stat_activity WHERE pid = pg_backend_pid()",
        )
        .fetch_one(pool)
        .await
        .expect("the pool's only connection answers");
        assert!(
            on_its_own,
            "the pooled connection was left inside a transaction"
        );
    }
    assert!(
        dropped_unfinished > 0,
        "no transaction was dropped while beginning"
    );
}
