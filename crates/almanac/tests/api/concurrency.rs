//! Many clients changing one event at once, through real `almanac` processes over real sockets —
//! one embedded server on SQLite; two servers and two workers on PostgreSQL and Redis: no change
//! that was answered 200 is lost, and the occurrences end up generated for the final event.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::on_both_backends;
use crate::processes::{Answer, Process, almanac, request, serve};
use crate::support::{Backend, PASSWORD, TestDatabase};

/// PATCHes of the title and of the start, interleaved.
const CHANGES: usize = 40;

/// Servers (and, on PostgreSQL, separate workers) on one database.
fn start(database: &TestDatabase, backend: Backend) -> (Vec<Process>, Vec<SocketAddr>) {
    let migrated = almanac(database, &["migrate"])
        .output()
        .expect("almanac runs");
    assert!(migrated.status.success(), "{migrated:?}");
    let servers = match backend {
        Backend::Sqlite => 1,
        Backend::Postgres => 2,
    };
    let mut processes = Vec::new();
    let mut addresses = Vec::new();
    for _ in 0..servers {
        let (process, address) = serve(database);
        processes.push(process);
        addresses.push(address);
    }
    if matches!(backend, Backend::Postgres) {
        for _ in 0..2 {
            let worker = almanac(database, &["worker"])
                .spawn()
                .expect("almanac worker starts");
            processes.push(Process(worker));
        }
    }
    (processes, addresses)
}

fn version(answer: &Answer) -> i64 {
    answer
        .header("etag")
        .and_then(|tag| tag.trim_matches('"').parse().ok())
        .unwrap_or_else(|| panic!("no ETag in {answer:?}"))
}

on_both_backends! {
    async fn concurrent_patches_of_different_fields_all_survive(backend) {
        let database = TestDatabase::create(backend).await;
        let (_processes, servers) = start(&database, backend);
        let credentials = json!({"email": "ada@example.com", "password": PASSWORD});
        let registered = request(servers[0], "POST", "/api/v1/users/register/", None, Some(&credentials), &[]);
        assert_eq!(registered.status, 201, "{:?}", registered.body);
        let tokens = request(servers[0], "POST", "/api/v1/users/login/", None, Some(&credentials), &[]);
        let token = tokens.body["access"].as_str().expect("access token").to_owned();
        let series = json!({
            "title": "Planning",
            "start_date": "2026-03-02T09:00:00Z",
            "end_date": "2026-03-02T10:00:00Z",
            "recurrence": {"frequency": "weekly", "count": 10},
        });
        let created = request(servers[0], "POST", "/api/v1/events/", Some(&token), Some(&series), &[]);
        assert_eq!(created.status, 201, "{:?}", created.body);
        let path = format!("/api/v1/events/{}/", created.body["id"].as_str().expect("id"));

        // Each change names one field only; the title and start PATCHes race each other.
        let answers: Vec<(Value, Answer)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..CHANGES)
                .map(|index| {
                    let (server, token, path) = (servers[index % servers.len()], &token, &path);
                    scope.spawn(move || {
                        let change = if index % 2 == 0 {
                            json!({"title": format!("Planning {index}")})
                        } else {
                            json!({"start_date": format!("2026-03-02T09:{index:02}:00Z")})
                        };
                        let answer = request(server, "PATCH", path, Some(token), Some(&change), &[]);
                        (change, answer)
                    })
                })
                .collect();
            handles.into_iter().map(|handle| handle.join().expect("client thread")).collect()
        });
        for (change, answer) in &answers {
            assert_eq!(answer.status, 200, "{change}: {:?}", answer.body);
        }
        let mut versions: Vec<i64> = answers.iter().map(|(_, answer)| version(answer)).collect();
        versions.sort_unstable();
        versions.dedup();
        assert_eq!(versions.len(), CHANGES, "each change made its own version");

        // The last answered change of each field is what the event holds.
        let last = |field: &str| {
            answers
                .iter()
                .filter(|(change, _)| change.get(field).is_some())
                .max_by_key(|(_, answer)| version(answer))
                .map(|(change, _)| change[field].clone())
                .expect("some changes of the field")
        };
        let event = request(servers[0], "GET", &path, Some(&token), None, &[]);
        assert_eq!(event.body["title"], last("title"), "no title lost");
        assert_eq!(event.body["start_date"], last("start_date"), "no start lost");
        assert_eq!(version(&event), *versions.last().expect("versions"));

        // The occurrences are generated for the final event.
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let now = request(servers[0], "GET", &path, Some(&token), None, &[]);
            if now.body["occurrences_status"] == "ready" {
                break;
            }
            assert!(Instant::now() < deadline, "never generated: {:?}", now.body);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let occurrences = request(servers[0], "GET",
            &format!("/api/v1/event-occurrences/?event={}", created.body["id"].as_str().expect("id")), Some(&token), None, &[]);
        let starts: Vec<&str> = occurrences.body.as_array().expect("a list").iter()
            .map(|occurrence| occurrence["start"].as_str().expect("start"))
            .collect();
        assert_eq!(starts.len(), 10);
        let start = event.body["start_date"].as_str().expect("start");
        assert_eq!(starts[0], start);
        assert!(starts.iter().all(|each| each[10..] == start[10..]), "every week at the final time: {starts:?}");
        let titles: Vec<&Value> = occurrences.body.as_array().expect("a list").iter().map(|o| &o["title"]).collect();
        assert!(titles.iter().all(|title| **title == event.body["title"]), "{titles:?}");
    }
}
