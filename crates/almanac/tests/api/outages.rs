//! A database that goes down and comes back, as PostgreSQL restarting does: requests answer a
//! prompt 503 meanwhile, nothing half-done is left, and service resumes by itself.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::http::{Method, StatusCode};
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use crate::support::TestApp;

/// A TCP relay between the application and PostgreSQL that can be cut: then connections through
/// it are dropped and new ones refused, as by a server that is down.
struct Relay {
    address: SocketAddr,
    server: String,
    running: Arc<Mutex<JoinSet<()>>>,
}

impl Relay {
    fn start(server: String) -> Relay {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        let address = listener.local_addr().expect("bound");
        let relay = Relay {
            address,
            server,
            running: Arc::new(Mutex::new(JoinSet::new())),
        };
        relay.listen(listener);
        relay
    }

    fn listen(&self, listener: std::net::TcpListener) {
        listener.set_nonblocking(true).expect("non-blocking");
        let listener = TcpListener::from_std(listener).expect("a tokio listener");
        let (server, running) = (self.server.clone(), self.running.clone());
        self.running
            .lock()
            .expect("not poisoned")
            .spawn(async move {
                while let Ok((mut client, _)) = listener.accept().await {
                    let server = server.clone();
                    running.lock().expect("not poisoned").spawn(async move {
                        if let Ok(mut upstream) = TcpStream::connect(&server).await {
                            let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                        }
                    });
                }
            });
    }

    /// Drops every connection and stops listening.
    fn cut(&self) {
        self.running.lock().expect("not poisoned").abort_all();
    }

    /// Listens again on the same port.
    fn restore(&self) {
        self.listen(std::net::TcpListener::bind(self.address).expect("the same port again"));
    }
}

#[tokio::test]
async fn while_postgresql_is_down_requests_answer_503_and_service_resumes_by_itself() {
    let mut relay = None;
    let app = TestApp::spawn_on_postgres_through(|server| {
        let started = Relay::start(server);
        let address = started.address;
        relay = Some(started);
        (address.ip().to_string(), address.port())
    })
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

    relay.restore();
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
