//! The production topology with real processes: `almanac serve` on PostgreSQL queuing jobs in
//! Redis without running them, and separate `almanac worker` processes that do.

use std::net::SocketAddr;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::processes::{Process, almanac, call, migrate, serve, sign_up};
use crate::support::{Backend, TestDatabase};

fn status_of(address: SocketAddr, token: &str, id: &str) -> String {
    let (_, event) = call(
        address,
        "GET",
        &format!("/api/v1/events/{id}/"),
        Some(token),
        None,
    );
    event["occurrences_status"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn create_series(address: SocketAddr, token: &str, title: &str) -> String {
    let body = json!({
        "title": title,
        "start_date": "2026-03-02T09:00:00",
        "end_date": "2026-03-02T10:00:00",
        "timezone": "Europe/Berlin",
        "recurrence": {"frequency": "weekly", "count": 10},
    });
    let (status, event) = call(address, "POST", "/api/v1/events/", Some(token), Some(&body));
    assert_eq!(status, 201, "{event}");
    event["id"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn serve_queues_jobs_in_redis_and_separate_workers_run_them() {
    let database = TestDatabase::create(Backend::Postgres).await;
    migrate(&database);
    let (_server, address) = serve(&database);

    let token = &sign_up(address, "ada@example.com");

    // No worker anywhere: the series waits, pending.
    let first = create_series(address, token, "Planning");
    assert_eq!(status_of(address, token, &first), "pending");

    // A one-shot worker runs what is queued and exits.
    let drained = almanac(&database, &["worker", "--until-idle"])
        .output()
        .expect("almanac worker runs");
    assert!(drained.status.success(), "{drained:?}");
    assert_eq!(
        String::from_utf8_lossy(&drained.stdout).trim(),
        "1 job(s) run; the queue is empty."
    );
    assert_eq!(status_of(address, token, &first), "ready");

    // Long-running workers pick up new jobs as they come, and stop cleanly on SIGTERM.
    let workers: Vec<Process> = (0..2)
        .map(|_| {
            Process(
                almanac(&database, &["worker"])
                    .spawn()
                    .expect("almanac worker starts"),
            )
        })
        .collect();
    let second = create_series(address, token, "Review");
    let deadline = Instant::now() + Duration::from_secs(20);
    while status_of(address, token, &second) != "ready" {
        assert!(
            Instant::now() < deadline,
            "the workers did not generate the series"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (_, occurrences) = call(
        address,
        "GET",
        &format!("/api/v1/event-occurrences/?event={second}"),
        Some(token),
        None,
    );
    assert_eq!(
        occurrences.as_array().map(Vec::len),
        Some(10),
        "no duplicates from two workers"
    );

    for mut worker in workers {
        let terminated = Command::new("kill")
            .args(["-TERM", &worker.0.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(terminated.success());
        let exit = worker.0.wait().expect("worker exits");
        assert!(
            exit.success(),
            "a worker stopped on SIGTERM exits cleanly: {exit:?}"
        );
    }
}
