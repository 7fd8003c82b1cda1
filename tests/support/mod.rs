//! A scripted raw HTTP/1.1 server on 127.0.0.1 for the failures mockito cannot produce: a
//! response that never comes, a connection dropped after the request, and counting connections.
#![allow(dead_code)]

pub mod c;
pub mod http;
pub mod pki;
pub mod python;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// What the server does with the n-th request (0-based).
#[derive(Clone, Debug)]
pub enum Action {
    /// Answer with this status, extra headers and body; keep the connection open.
    Respond(u16, Vec<(&'static str, String)>, String),
    /// Read the request, then send nothing for this long, then close.
    Hang(Duration),
    /// Read the request, then close the connection without answering.
    Drop,
    /// Answer like `Respond` (nothing says the connection ends), then close it: a server
    /// dropping a kept-alive connection.
    RespondThenClose(u16, String),
    /// Answer like `Respond`, then send these bytes too, past the answer's end.
    RespondThenSend(u16, String, String),
    /// Wait this long, then answer like `Respond`.
    RespondAfter(Duration, u16, Vec<(&'static str, String)>, String),
}

fn response(status: u16, headers: &[(&str, String)], body: &str) -> String {
    let mut out = format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(body);
    out
}

pub struct RawServer {
    pub port: u16,
    pub requests: Arc<Mutex<Vec<String>>>,
    pub connections: Arc<AtomicUsize>,
}

impl RawServer {
    /// Serves requests with `script(n)`; runs until the test process ends.
    pub fn start(script: impl Fn(usize) -> Action + Send + Sync + 'static) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let script = Arc::new(script);
        let (reqs, conns) = (requests.clone(), connections.clone());
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                conns.fetch_add(1, Ordering::SeqCst);
                let (reqs, script) = (reqs.clone(), script.clone());
                thread::spawn(move || serve(stream, &reqs, &*script));
            }
        });
        RawServer {
            port,
            requests,
            connections,
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn request_count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }

    pub fn connection_count(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

fn serve(stream: TcpStream, reqs: &Mutex<Vec<String>>, script: &(dyn Fn(usize) -> Action + Sync)) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut stream = stream;
    loop {
        let mut head = String::new();
        let mut content_length = 0usize;
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                content_length = v.trim().parse().unwrap_or(0);
            }
            let end = line == "\r\n";
            head.push_str(&line);
            if end {
                break;
            }
        }
        let mut body = vec![0; content_length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        head.push_str(&String::from_utf8_lossy(&body));
        let n = {
            let mut r = reqs.lock().unwrap();
            r.push(head);
            r.len() - 1
        };
        match script(n) {
            Action::Respond(status, headers, body) => {
                if stream
                    .write_all(response(status, &headers, &body).as_bytes())
                    .is_err()
                {
                    return;
                }
            }
            Action::RespondThenClose(status, body) => {
                let _ = stream.write_all(response(status, &[], &body).as_bytes());
                return;
            }
            Action::RespondThenSend(status, body, extra) => {
                if stream
                    .write_all(response(status, &[], &body).as_bytes())
                    .is_err()
                {
                    return;
                }
                // After the client has read the answer, so that the bytes wait in the socket.
                thread::sleep(Duration::from_millis(20));
                if stream.write_all(extra.as_bytes()).is_err() {
                    return;
                }
            }
            Action::RespondAfter(wait, status, headers, body) => {
                thread::sleep(wait);
                if stream
                    .write_all(response(status, &headers, &body).as_bytes())
                    .is_err()
                {
                    return;
                }
            }
            Action::Hang(d) => {
                thread::sleep(d);
                return;
            }
            Action::Drop => return,
        }
    }
}

/// A server on 127.0.0.1 that reads a little of each request, then closes the connection with
/// the rest unread (the kernel answers the client's further writes with a reset). Returns its
/// URL and the count of connections it took.
pub fn closing_server() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            counted.fetch_add(1, Ordering::SeqCst);
            let mut head = [0u8; 4096];
            let _ = stream.read(&mut head);
            drop(stream);
        }
    });
    (url, connections)
}

/// A documented number object.
pub fn number_json(id: &str) -> String {
    format!(
        r#"{{"id":"{id}","phoneNumber":"+15551234567","country":"US","status":"active","agentId":null,"createdAt":"2025-01-15T10:45:00Z"}}"#
    )
}

/// `cargo run --quiet --example NAME --` as a nested build, without the variables cargo sets
/// for this test process (`CARGO_PKG_*`, `CARGO_MANIFEST_*`, `OUT_DIR`, ...): build scripts that
/// watch them would otherwise rebuild. With this test's own features, so that the library is
/// not built again with others.
pub fn cargo_run_example(name: &str) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO"));
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        let keep = key == "CARGO_HOME" || key == "CARGO_TARGET_DIR" || key == "CARGO_TERM_COLOR";
        if (key.starts_with("CARGO") && !keep) || key == "OUT_DIR" || key == "LD_LIBRARY_PATH" {
            cmd.env_remove(key);
        }
    }
    let features: Vec<&str> = [
        ("fuzzing", cfg!(feature = "fuzzing")),
        ("strip-logs", cfg!(feature = "strip-logs")),
    ]
    .iter()
    .filter_map(|&(name, on)| on.then_some(name))
    .collect();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "--quiet", "--example", name])
        .arg(format!("--features={}", features.join(",")))
        .arg("--");
    cmd
}

/// How many numbers the sandbox still lists as active (billed).
pub fn active_numbers(sandbox: &agentphone_sandbox::Sandbox) -> Option<u64> {
    let client = sandbox.client().unwrap();
    client.numbers().list(&Default::default()).unwrap().total
}

/// A sandbox delivery captured by a receiver: its headers (as lines) and raw body.
pub fn capture_delivery() -> (String, String, String) {
    let receiver = RawServer::start(|_| Action::Respond(200, vec![], "{}".into()));
    let sandbox = agentphone_sandbox::Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let secret = client
        .webhooks()
        .set(&agentphone::SetWebhook::new(receiver.url()))
        .unwrap()
        .secret
        .unwrap();
    let number = client
        .numbers()
        .create(&agentphone::CreateNumber::new())
        .unwrap();
    sandbox
        .deliver_sms(&number.id, "+15550001111", "captured")
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while receiver.request_count() == 0 {
        assert!(std::time::Instant::now() < deadline, "no delivery");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let raw = receiver.requests.lock().unwrap()[0].clone();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    (secret, head.to_string(), body.to_string())
}
