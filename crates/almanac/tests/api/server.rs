//! The server over a real socket: binding port 0, serving, and shutting down gracefully.

use almanac::app::Server;
use almanac::cli::Cli;
use clap::Parser;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

use crate::support::{Backend, TestDatabase};

fn serve_config(database: &TestDatabase) -> almanac::config::ServeConfig {
    let data_dir = database.data_dir.path().to_str().expect("utf-8").to_owned();
    let mut args = vec![
        "almanac".to_owned(),
        "--bind".into(),
        "127.0.0.1:0".into(),
        "--data-dir".into(),
        data_dir,
    ];
    if let Some(url) = &database.url {
        args.extend([
            "--database-url".into(),
            url.clone(),
            "--secret-key".into(),
            "k".repeat(40),
        ]);
    }
    let cli = Cli::try_parse_from(args).expect("valid arguments");
    assert!(cli.command.is_none(), "no command means serve");
    cli.serve.resolve().expect("valid configuration")
}

async fn http_get(address: std::net::SocketAddr, path: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("server accepts connections");
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("request sent");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .await
        .expect("response read");
    response
}

#[tokio::test]
async fn the_embedded_default_serves_on_sqlite_and_stops_on_cancellation() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let server = Server::build(serve_config(&database))
        .await
        .expect("server starts");
    let address = server.local_addr();
    assert_ne!(address.port(), 0);
    let shutdown = CancellationToken::new();
    let running = tokio::spawn(server.run(shutdown.clone()));

    let response = http_get(address, "/healthz").await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with("{\"status\":\"ok\"}"));
    assert!(
        database.data_dir.path().join("secret_key").exists(),
        "the embedded default keeps its key"
    );

    shutdown.cancel();
    running.await.expect("task joins").expect("clean shutdown");
    assert!(
        tokio::net::TcpStream::connect(address).await.is_err(),
        "the port is released"
    );
}

#[tokio::test]
async fn postgres_refuses_to_serve_before_migrations_then_serves_after() {
    let database = TestDatabase::create(Backend::Postgres).await;
    let error = Server::build(serve_config(&database))
        .await
        .expect_err("unmigrated database");
    assert!(
        error.to_string().contains("run `almanac migrate`"),
        "{error}"
    );

    let url = database.url.clone().expect("postgres url");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_almanac"))
        .args(["migrate", "--database-url", &url])
        .status()
        .expect("almanac runs");
    assert!(status.success());

    let server = Server::build(serve_config(&database))
        .await
        .expect("server starts after migrate");
    let address = server.local_addr();
    let shutdown = CancellationToken::new();
    let running = tokio::spawn(server.run(shutdown.clone()));
    assert!(
        http_get(address, "/readyz")
            .await
            .starts_with("HTTP/1.1 200")
    );
    shutdown.cancel();
    running.await.expect("task joins").expect("clean shutdown");
}
