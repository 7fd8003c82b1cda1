//! A minimal blocking HTTP/1.1 server for the sandbox: one thread per connection, keep-alive,
//! `Content-Length` bodies. Small on purpose, and in full control of the connection, so that a
//! fault can hang or drop it.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// Largest request head and body accepted.
const MAX_HEAD_BYTES: usize = 64 * 1024;
const MAX_BODY_BYTES: usize = 1024 * 1024;
/// An idle keep-alive connection is closed after this long.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Connections served at once; more wait in the listen backlog.
const MAX_CONNECTIONS: usize = 512;

/// A parsed request.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The path, still percent-encoded, without the query.
    pub path: String,
    /// The raw query string (without `?`), empty if none.
    pub query: String,
    /// Header names lower-cased.
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

/// What to do with a request.
pub enum Reply {
    Respond(Response),
    /// Close the connection without answering.
    Drop,
}

/// A response with a JSON (or empty) body.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

/// The running listener; stops (closing every connection) when dropped.
pub struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    open: Arc<Mutex<HashMap<u64, TcpStream>>>,
    accept: Option<JoinHandle<()>>,
}

impl Server {
    /// Listens on `127.0.0.1:port` (0 = a free port) and serves every request with `handler`.
    pub fn start(
        port: u16,
        handler: Arc<dyn Fn(Request) -> Reply + Send + Sync>,
    ) -> io::Result<Server> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let open: Arc<Mutex<HashMap<u64, TcpStream>>> = Arc::default();
        let accept = {
            let (stop, open) = (stop.clone(), open.clone());
            thread::Builder::new()
                .name("agentphone-sandbox".into())
                .spawn(move || accept_loop(listener, stop, open, handler))?
        };
        Ok(Server {
            addr,
            stop,
            open,
            accept: Some(accept),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
        if let Ok(open) = self.open.lock() {
            for s in open.values() {
                let _ = s.shutdown(Shutdown::Both);
            }
        }
    }
}

fn accept_loop(
    listener: TcpListener,
    stop: Arc<AtomicBool>,
    open: Arc<Mutex<HashMap<u64, TcpStream>>>,
    handler: Arc<dyn Fn(Request) -> Reply + Send + Sync>,
) {
    let next_id = AtomicU64::new(0);
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        let id = next_id.fetch_add(1, Ordering::Relaxed);
        {
            let Ok(mut open) = open.lock() else { return };
            if open.len() >= MAX_CONNECTIONS {
                continue; // dropped: the client sees a closed connection
            }
            if let Ok(clone) = stream.try_clone() {
                open.insert(id, clone);
            }
        }
        let (open, handler) = (open.clone(), handler.clone());
        let spawned = thread::Builder::new()
            .name("agentphone-sandbox-conn".into())
            .spawn(move || {
                let _ = serve_connection(stream, &*handler);
                if let Ok(mut open) = open.lock() {
                    open.remove(&id);
                }
            });
        if spawned.is_err() {
            continue;
        }
    }
}

fn serve_connection(stream: TcpStream, handler: &dyn Fn(Request) -> Reply) -> io::Result<()> {
    stream.set_read_timeout(Some(IDLE_TIMEOUT))?;
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    loop {
        let request = match read_request(&mut reader) {
            Ok(Some(r)) => r,
            Ok(None) => return Ok(()),
            Err(e) => {
                let body = format!("{{\"detail\":\"bad request: {e}\"}}");
                let r = Response {
                    status: 400,
                    headers: vec![],
                    body: body.into_bytes(),
                };
                write_response(&mut writer, &r, false)?;
                return Ok(());
            }
        };
        let keep_alive = !request
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        match handler(request) {
            Reply::Respond(r) => write_response(&mut writer, &r, keep_alive)?,
            Reply::Drop => return Ok(()),
        }
        if !keep_alive {
            return Ok(());
        }
    }
}

fn bad(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_string())
}

/// Reads one request; `None` when the client closed the connection between requests.
fn read_request(reader: &mut impl BufRead) -> io::Result<Option<Request>> {
    let mut line = String::new();
    let mut head_bytes = 0;
    let mut read_line = |line: &mut String| -> io::Result<usize> {
        line.clear();
        let n = reader.by_ref().take(8192).read_line(line)?;
        head_bytes += n;
        if head_bytes > MAX_HEAD_BYTES {
            return Err(bad("request head too large"));
        }
        Ok(n)
    };
    if read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("malformed request line"));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(bad("unsupported HTTP version"));
    }
    let (method, target) = (method.to_string(), target.to_string());
    let mut headers = HashMap::new();
    loop {
        if read_line(&mut line)? == 0 {
            return Err(bad("connection closed in the request head"));
        }
        let l = line.trim_end_matches(['\r', '\n']);
        if l.is_empty() {
            break;
        }
        let (name, value) = l.split_once(':').ok_or_else(|| bad("malformed header"))?;
        headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
    }
    if headers.contains_key("transfer-encoding") {
        return Err(bad(
            "chunked request bodies are not supported; send Content-Length",
        ));
    }
    let length: usize = match headers.get("content-length") {
        Some(v) => v.parse().map_err(|_| bad("bad Content-Length"))?,
        None => 0,
    };
    if length > MAX_BODY_BYTES {
        return Err(bad("request body too large"));
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (target, String::new()),
    };
    Ok(Some(Request {
        method,
        path,
        query,
        headers,
        body,
    }))
}

fn write_response(w: &mut TcpStream, r: &Response, keep_alive: bool) -> io::Result<()> {
    let reason = ureq::http::StatusCode::from_u16(r.status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Unknown");
    let mut out = Vec::with_capacity(256 + r.body.len());
    write!(
        out,
        "HTTP/1.1 {} {reason}\r\nContent-Length: {}\r\n",
        r.status,
        r.body.len()
    )?;
    if !r.body.is_empty() {
        out.extend_from_slice(b"Content-Type: application/json\r\n");
    }
    if !keep_alive {
        out.extend_from_slice(b"Connection: close\r\n");
    }
    for (k, v) in &r.headers {
        write!(out, "{k}: {v}\r\n")?;
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&r.body);
    w.write_all(&out)?;
    w.flush()
}
