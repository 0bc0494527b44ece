//! Real `almanac` processes over real sockets, for tests of what only separate processes show.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::support::{PASSWORD, TestDatabase, redis_url};

const SECRET_KEY: &str = "topology-test-secret-key-long-enough-for-hs256";

/// A running `almanac` process, killed if the test ends early.
pub struct Process(pub Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Process {
    /// Whether the process has not exited (on its own, or by a signal).
    pub fn is_running(&mut self) -> bool {
        matches!(self.0.try_wait(), Ok(None))
    }

    /// Kills the process with SIGKILL, as the OOM killer or a lost machine would: it has no say
    /// in what it leaves behind.
    pub fn kill(mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Applies the migrations to the test's database with `almanac migrate`.
pub fn migrate(database: &TestDatabase) {
    let migrated = almanac(database, &["migrate"])
        .output()
        .expect("almanac runs");
    assert!(migrated.status.success(), "{migrated:?}");
}

/// `almanac <args>` on the test's database: its data directory, and on PostgreSQL its database
/// and Redis namespace.
pub fn almanac(database: &TestDatabase, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_almanac"));
    command
        .args(args)
        .arg("--data-dir")
        .arg(database.data_dir.path())
        .env("ALMANAC_SECRET_KEY", SECRET_KEY)
        .env("RUST_LOG", "warn");
    if let (Some(url), Some(namespace)) = (&database.url, &database.redis_namespace) {
        command
            .env("DATABASE_URL", url)
            .env("REDIS_URL", redis_url())
            .env("ALMANAC_REDIS_NAMESPACE", namespace);
    }
    command
}

/// Starts `almanac serve` on a free port and returns its address, read from what it prints.
pub fn serve(database: &TestDatabase) -> (Process, SocketAddr) {
    serving(almanac(database, &["serve", "--bind", "127.0.0.1:0"]))
}

/// Starts `command`, an `almanac serve`, and returns its address, read from what it prints.
pub fn serving(mut command: Command) -> (Process, SocketAddr) {
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .expect("almanac serve starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("serve prints its address");
    let address = line
        .trim()
        .strip_prefix("Almanac is serving on http://")
        .and_then(|rest| rest.strip_suffix('/'))
        .and_then(|address| address.parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"));
    (Process(child), address)
}

/// An HTTP answer: its status, its ETag, its other headers and its JSON body (`null` if none).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

impl Answer {
    /// The value of the header `name` (case-insensitive), if the answer has it.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// How long a request may wait for its whole answer before it counts as unanswered.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(45);

/// One HTTP/1.1 request with a JSON body and extra header lines; blocking. Panics if the server
/// does not answer.
pub fn request(
    address: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
    headers: &[(&str, &str)],
) -> Answer {
    try_request(address, method, path, token, body, headers)
        .unwrap_or_else(|error| panic!("{method} {path}: no answer: {error}"))
}

/// One HTTP/1.1 request, as [`request`]; an error if the server refuses the connection, drops
/// it, or does not answer within [`ANSWER_TIMEOUT`].
pub fn try_request(
    address: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
    headers: &[(&str, &str)],
) -> std::io::Result<Answer> {
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(ANSWER_TIMEOUT))?;
    stream.set_write_timeout(Some(ANSWER_TIMEOUT))?;
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut extra: String = headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect();
    if let Some(token) = token {
        extra.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{extra}\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes())?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let malformed = || {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not an HTTP response: {response:?}"),
        )
    };
    let status = response
        .get(9..12)
        .and_then(|code| code.parse().ok())
        .ok_or_else(malformed)?;
    let (head, body) = response.split_once("\r\n\r\n").ok_or_else(malformed)?;
    let headers: Vec<(String, String)> = head
        .lines()
        .skip(1)
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            Some((name.trim().to_owned(), value.trim().to_owned()))
        })
        .collect();
    let length = headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.parse::<usize>().ok());
    if length.is_some_and(|length| length != body.len()) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            format!("a truncated answer: {response:?}"),
        ));
    }
    Ok(Answer {
        status,
        headers,
        body: serde_json::from_str(body).unwrap_or(Value::Null),
    })
}

/// One HTTP/1.1 request with a JSON body; returns the status and the JSON answer.
pub fn call(
    address: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (u16, Value) {
    let answer = request(address, method, path, token, body, &[]);
    (answer.status, answer.body)
}

/// Registers `email` and signs in on the server at `address`; returns the access token.
pub fn sign_up(address: SocketAddr, email: &str) -> String {
    let credentials = serde_json::json!({"email": email, "password": PASSWORD});
    let (status, body) = call(
        address,
        "POST",
        "/api/v1/users/register/",
        None,
        Some(&credentials),
    );
    assert_eq!(status, 201, "{body}");
    let (status, tokens) = call(
        address,
        "POST",
        "/api/v1/users/login/",
        None,
        Some(&credentials),
    );
    assert_eq!(status, 200, "{tokens}");
    tokens["access"].as_str().expect("access token").to_owned()
}
