//! The `almanac` binary's commands and help, run as a user would run them.

use std::io::Write;
use std::process::{Command, Stdio};

use axum::http::StatusCode;
use clap::CommandFactory;

use crate::support::{Backend, TestApp};

fn almanac() -> Command {
    Command::new(env!("CARGO_BIN_EXE_almanac"))
}

#[test]
fn help_documents_every_setting() {
    let mut command = almanac::cli::Cli::command();
    // Global flags (the log settings) reach the subcommands when the command is built.
    command.build();
    let serve_help = command
        .find_subcommand_mut("serve")
        .expect("serve command")
        .render_long_help()
        .to_string();
    for setting in [
        "ALMANAC_BIND",
        "ALMANAC_DATA_DIR",
        "DATABASE_URL",
        "ALMANAC_SECRET_KEY",
        "ALMANAC_ACCESS_TOKEN_LIFETIME",
        "ALMANAC_REFRESH_TOKEN_LIFETIME",
        "ALMANAC_CORS_ORIGINS",
        "ALMANAC_REQUEST_TIMEOUT",
        "ALMANAC_TRUSTED_PROXIES",
        "ALMANAC_LOGIN_FAILURES_PER_ACCOUNT",
        "ALMANAC_LOGIN_FAILURES_PER_ADDRESS",
        "ALMANAC_LOGIN_THROTTLE_WINDOW",
        "ALMANAC_DB_MAX_CONNECTIONS",
        "ALMANAC_MAX_OCCURRENCES",
        "REDIS_URL",
        "ALMANAC_REDIS_NAMESPACE",
        "ALMANAC_WORKER_CONCURRENCY",
        "ALMANAC_WITH_WORKER",
        "RUST_LOG",
        "ALMANAC_LOG_FORMAT",
    ] {
        assert!(
            serve_help.contains(setting),
            "serve --help does not mention {setting}"
        );
    }
    let output = almanac().arg("--help").output().expect("almanac runs");
    let help = String::from_utf8_lossy(&output.stdout);
    for command in ["serve", "worker", "migrate", "createsuperuser"] {
        assert!(
            help.contains(command),
            "almanac --help does not list {command}"
        );
    }
}

#[test]
fn a_bad_setting_stops_the_server_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = almanac()
        .args([
            "serve",
            "--data-dir",
            dir.path().to_str().expect("utf-8"),
            "--database-url",
            "postgres://localhost/x",
        ])
        .env_remove("ALMANAC_SECRET_KEY")
        .output()
        .expect("almanac runs");
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("--secret-key (ALMANAC_SECRET_KEY) is required with PostgreSQL")
    );
}

#[test]
fn a_setting_given_as_a_flag_is_named_by_its_flag() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = almanac()
        .args(["serve", "--data-dir", dir.path().to_str().expect("utf-8")])
        .args(["--secret-key", "short"])
        .output()
        .expect("almanac runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.trim(),
        "error: --secret-key (ALMANAC_SECRET_KEY) must be at least 32 bytes long (got 5)"
    );
}

/// `almanac migrate` on a fresh data directory in `dir`.
fn migrate_in(dir: &tempfile::TempDir) -> Command {
    let mut command = almanac();
    command.args(["migrate", "--data-dir", dir.path().to_str().expect("utf-8")]);
    command
}

#[test]
fn logs_to_a_file_or_a_pipe_carry_no_colour_codes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = migrate_in(&dir)
        .args(["--log", "debug"])
        .output()
        .expect("almanac runs");
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("DEBUG"),
        "debug lines were asked for: {stderr}"
    );
    assert!(
        !stderr.contains('\u{1b}'),
        "ANSI escapes in a pipe: {stderr:?}"
    );

    let refused = migrate_in(&dir)
        .env("ALMANAC_LOG_FORMAT", "xml")
        .output()
        .expect("almanac runs");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--log-format"));

    let bad_filter = migrate_in(&dir)
        .env("RUST_LOG", "almanac=loud")
        .output()
        .expect("almanac runs");
    assert!(!bad_filter.status.success());
    assert!(
        String::from_utf8_lossy(&bad_filter.stderr)
            .starts_with("error: --log (RUST_LOG) is not a log filter")
    );
}

#[test]
fn a_worker_without_redis_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = almanac()
        .args(["worker", "--data-dir", dir.path().to_str().expect("utf-8")])
        .env_remove("REDIS_URL")
        .output()
        .expect("almanac runs");
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("`almanac worker` runs jobs from Redis"),
        "{output:?}"
    );
}

#[tokio::test]
async fn createsuperuser_makes_a_staff_account_that_can_sign_in() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let output = create_superuser(&app, "admin@example.com", "a long admin passphrase");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("Superuser admin@example.com created.")
    );

    let login = app
        .login("admin@example.com", "a long admin passphrase")
        .await;
    assert_eq!(login.status, StatusCode::OK);
    let me = app
        .get("/api/v1/users/me/", Some(&login.string("access")))
        .await;
    assert_eq!(me.body["is_staff"], true);
}

#[tokio::test]
async fn createsuperuser_refuses_a_weak_password() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let output = create_superuser(&app, "admin@example.com", "password");
    assert!(!output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stderr).trim(),
        "error: the account was not created:\npassword: This password is too common."
    );
}

/// Runs `almanac createsuperuser` on the app's database, typing the password on stdin.
fn create_superuser(app: &TestApp, email: &str, password: &str) -> std::process::Output {
    let data_dir = app.data_dir().to_str().expect("utf-8").to_owned();
    let mut child = almanac()
        .args([
            "createsuperuser",
            "--email",
            email,
            "--password-stdin",
            "--data-dir",
            &data_dir,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("almanac runs");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(format!("{password}\n").as_bytes())
        .expect("password written");
    drop(stdin);
    child.wait_with_output().expect("command finishes")
}
