//! Real `almanac` processes over real sockets, for tests of what only separate processes show.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use crate::support::{TestDatabase, redis_url};

const SECRET_KEY: &str = "topology-test-secret-key-long-enough-for-hs256";

/// A running `almanac` process, killed if the test ends early.
pub struct Process(pub Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
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
    let mut child = almanac(database, &["serve", "--bind", "127.0.0.1:0"])
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

/// An HTTP answer: its status, its ETag and its JSON body (`null` if none).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub etag: Option<String>,
    pub body: Value,
}

/// One HTTP/1.1 request with a JSON body and extra header lines; blocking.
pub fn request(
    address: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
    headers: &[(&str, &str)],
) -> Answer {
    let mut stream = TcpStream::connect(address).expect("server accepts connections");
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
    stream.write_all(request.as_bytes()).expect("request sent");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response read");
    let status = response
        .get(9..12)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {response:?}"));
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let etag = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("etag")
            .then(|| value.trim().to_owned())
    });
    Answer {
        status,
        etag,
        body: serde_json::from_str(body).unwrap_or(Value::Null),
    }
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
