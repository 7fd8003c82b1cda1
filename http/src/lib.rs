//! The small blocking HTTP/1.1 server of the agentphone crates (the offline sandbox, and the
//! webhook receiver): one thread per connection, keep-alive, `Content-Length` bodies (chunked
//! ones when allowed), over the socket itself or a [`Layer`] laid over it (the receiver's
//! TLS). Small on purpose, and in full control of the connection, so that a handler can hang
//! or drop it; hardened against slow, large and malformed requests, because whoever can reach
//! the port can send it anything.
//!
//! Limits (each a field of [`Limits`], these its defaults): a request head of at most
//! [`MAX_HEAD_BYTES`] with lines of at most [`MAX_LINE_BYTES`] (else `431`), a body of at most
//! [`MAX_BODY_BYTES`] (else `413`, before any of it is read), the whole
//! request within [`Limits::request`] of its first byte (else `408`), each response written
//! within [`Limits::write`], and an idle keep-alive connection closed silently after
//! [`Limits::idle`]. At most [`MAX_CONNECTIONS`] connections are served at once; each holds two
//! descriptors (its socket, and the clone used to shut it down when the server stops).

#![deny(missing_docs)]
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Largest request head (request line and headers), by default.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Largest single line of the head.
pub const MAX_LINE_BYTES: usize = 8 * 1024;
/// Most headers in one request.
const MAX_HEADERS: usize = 100;
/// Largest request body, by default.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Connections served at once; more are closed at once.
pub const MAX_CONNECTIONS: usize = 512;
/// The longest pause of the accept loop after an accept error (out of descriptors, ...).
const MAX_ACCEPT_BACKOFF: Duration = Duration::from_millis(500);

/// The server's limits, and the body of the refusals it writes itself.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// An idle keep-alive connection is closed (without a word) after this long.
    pub idle: Duration,
    /// A request's head and body must arrive within this long of its first byte.
    pub request: Duration,
    /// A response must be written within this long.
    pub write: Duration,
    /// The largest request head (request line and headers): over it, `431`.
    pub max_head_bytes: usize,
    /// The largest request body: over it, `413`, before any of the body is read.
    pub max_body_bytes: usize,
    /// The answer to a request the server refuses itself (400, 408, 413, 431, 501, and 500 for
    /// a handler that panicked), from its status and a sentence saying why. By default
    /// [`detail_refusal`].
    pub refusal: fn(u16, &str) -> Response,
    /// Whether a body may come chunked (`Transfer-Encoding: chunked`, held to `max_body_bytes`
    /// as it arrives); else such a request is refused with 501. Off by default.
    pub chunked_bodies: bool,
}

/// A refusal in FastAPI's shape, `{"detail": "..."}` (the AgentPhone API's own).
pub fn detail_refusal(status: u16, why: &str) -> Response {
    Response::json(status, serde_json::json!({ "detail": why }).to_string())
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            idle: Duration::from_secs(60),
            request: Duration::from_secs(30),
            write: Duration::from_secs(30),
            max_head_bytes: MAX_HEAD_BYTES,
            max_body_bytes: MAX_BODY_BYTES,
            refusal: detail_refusal,
            chunked_bodies: false,
        }
    }
}

/// A parsed request.
#[derive(Debug, Clone)]
pub struct Request {
    /// The method, as sent (`GET`, `POST`, ...).
    pub method: String,
    /// The path, still percent-encoded, without the query.
    pub path: String,
    /// The raw query string (without `?`), empty if none.
    pub query: String,
    /// Header names lower-cased.
    pub headers: HashMap<String, String>,
    /// The body, whole (`Content-Length`; empty when there is none).
    pub body: Vec<u8>,
}

impl Request {
    /// The value of a header, by its lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

/// Writes a streamed body until it is done; the connection is closed after it.
pub type StreamBody = Box<dyn FnOnce(&mut dyn Write) -> io::Result<()> + Send>;

/// What to do with a request.
pub enum Reply {
    /// Answer this, and keep the connection open if the client asked to.
    Respond(Response),
    /// Answer 200 with this content type and a body written as it comes, delimited by closing
    /// the connection (server-sent events).
    Stream(&'static str, Vec<(&'static str, String)>, StreamBody),
    /// Close the connection without answering.
    Drop,
    /// Write these bytes as they are (a spoiled answer), then close the connection.
    Raw(Vec<u8>),
    /// Hand the connection to this function, which writes the whole answer itself (status
    /// line, headers, body) as it comes, within the write limit of each write; the connection
    /// is closed after it.
    Takeover(StreamBody),
}

/// A response with a JSON (or other, or empty) body.
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// Headers besides `Content-Type`, `Content-Length` and `Connection`, which the server writes.
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// The body's media type.
    pub content_type: &'static str,
}

impl Response {
    /// A JSON answer.
    pub fn json(status: u16, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: body.into(),
            content_type: "application/json",
        }
    }
}

/// What the server calls for each request read, on the connection's thread.
pub type Handler = Arc<dyn Fn(Request) -> Reply + Send + Sync>;

/// A connection as the server reads and writes it: the accepted socket itself, or a layer over
/// it (a TLS session).
pub trait Connection: Read + Write + Send {
    /// The socket under it: its read and write timeouts bound each of the server's reads and
    /// writes (a layer's own handshake included).
    fn socket(&self) -> &TcpStream;

    /// Ends the connection in good order once the server is done with it (a TLS layer sends
    /// its `close_notify`, so that a close-delimited answer is seen to be whole).
    fn close(&mut self) {}
}

impl Connection for TcpStream {
    fn socket(&self) -> &TcpStream {
        self
    }
}

/// Turns an accepted socket into the connection served, on the connection's own thread (so a
/// slow handshake holds only its connection): e.g. a TLS session over it. An error drops the
/// connection.
pub type Layer = Arc<dyn Fn(TcpStream) -> io::Result<Box<dyn Connection>> + Send + Sync>;

/// The open connections, by id: what the server shuts down when it stops.
type Open = Arc<Mutex<HashMap<u64, TcpStream>>>;

/// The running listener; stops (closing every connection) when dropped.
pub struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    open: Open,
    accept: Option<JoinHandle<()>>,
}

impl Server {
    /// Listens on `127.0.0.1:port` (0 = a free port) and serves every request with `handler`.
    pub fn start(port: u16, limits: Limits, handler: Handler) -> io::Result<Server> {
        Server::serve(TcpListener::bind(("127.0.0.1", port))?, limits, handler)
    }

    /// Serves every request that arrives on `listener` with `handler`, from now until dropped.
    pub fn serve(listener: TcpListener, limits: Limits, handler: Handler) -> io::Result<Server> {
        Server::serve_layered(listener, limits, None, handler)
    }

    /// As [`Server::serve`], each accepted socket first wrapped by `layer` (TLS), when given.
    pub fn serve_layered(
        listener: TcpListener,
        limits: Limits,
        layer: Option<Layer>,
        handler: Handler,
    ) -> io::Result<Server> {
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let open: Open = Arc::default();
        let accept = {
            let (stop, open) = (stop.clone(), open.clone());
            thread::Builder::new()
                .name("agentphone-http".into())
                .spawn(move || accept_loop(listener, stop, open, limits, layer, handler))?
        };
        Ok(Server {
            addr,
            stop,
            open,
            accept: Some(accept),
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many connections are being served.
    #[cfg(test)]
    pub fn open_connections(&self) -> usize {
        self.open.lock().map(|o| o.len()).unwrap_or(0)
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

/// Removes a connection from the open set when its thread ends, however it ends.
struct Slot {
    id: u64,
    open: Open,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut open) = self.open.lock() {
            open.remove(&self.id);
        }
    }
}

fn accept_loop(
    listener: TcpListener,
    stop: Arc<AtomicBool>,
    open: Open,
    limits: Limits,
    layer: Option<Layer>,
    handler: Handler,
) {
    let next_id = AtomicU64::new(0);
    let mut backoff = Duration::ZERO;
    loop {
        let accepted = listener.accept();
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let stream = match accepted {
            Ok((stream, _)) => {
                backoff = Duration::ZERO;
                stream
            }
            Err(_) => {
                // Out of descriptors (or another transient failure): the pending connection
                // stays in the backlog, so accepting again at once would spin. Wait, longer
                // each time, until descriptors are freed.
                backoff = (backoff * 2).clamp(Duration::from_millis(5), MAX_ACCEPT_BACKOFF);
                thread::sleep(backoff);
                continue;
            }
        };
        let id = next_id.fetch_add(1, Ordering::Relaxed);
        {
            let Ok(mut open_now) = open.lock() else {
                return;
            };
            if open_now.len() >= MAX_CONNECTIONS {
                continue; // dropped: the client sees a closed connection
            }
            match stream.try_clone() {
                Ok(clone) => open_now.insert(id, clone),
                Err(_) => continue,
            };
        }
        let slot = Slot {
            id,
            open: open.clone(),
        };
        let (handler, layer) = (handler.clone(), layer.clone());
        let spawned = thread::Builder::new()
            .name("agentphone-http-conn".into())
            .spawn(move || {
                let _slot = slot;
                let mut conn: Box<dyn Connection> = match layer {
                    None => Box::new(stream),
                    Some(layer) => match layer(stream) {
                        Ok(conn) => conn,
                        Err(_) => return,
                    },
                };
                if serve_connection(&mut *conn, limits, &*handler).is_ok() {
                    conn.close();
                }
            });
        // On failure the closure, and with it the slot and the stream, is dropped.
        drop(spawned);
    }
}

/// Why a request could not be read.
pub enum ReadError {
    /// The connection closed, or stayed idle, before a new request began: close silently.
    Idle,
    /// The request is bad: answer this, then close.
    Answer(Response),
    /// The connection failed: close.
    Io,
}

/// Where a connection's bytes come from: its socket, or bytes in memory for the fuzz target.
pub trait Source {
    /// Reads what has arrived (at most [`READ_CHUNK`] bytes) into `buf`, waiting no later than
    /// `deadline`. Ok(0) at end of stream.
    fn read_more(&mut self, buf: &mut Vec<u8>, deadline: Instant) -> io::Result<usize>;
}

/// The most bytes one read takes from the connection.
pub const READ_CHUNK: usize = 8192;

/// How far past its deadline a read may block: a socket's read timeout is set again only when
/// the one it has would overrun the deadline by more (a `setsockopt` before every read would be
/// a third of a small request's system calls).
const TIMEOUT_SLACK: Duration = Duration::from_millis(10);

/// A connection read against deadlines, remembering the read timeout its socket has.
struct Deadlined<'a> {
    conn: &'a mut dyn Connection,
    timeout: Option<Duration>,
}

impl Source for Deadlined<'_> {
    fn read_more(&mut self, buf: &mut Vec<u8>, deadline: Instant) -> io::Result<usize> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        match self.timeout {
            Some(set) if set >= left && set - left <= TIMEOUT_SLACK => {}
            _ => {
                self.conn.socket().set_read_timeout(Some(left))?;
                self.timeout = Some(left);
            }
        }
        let mut chunk = [0u8; READ_CHUNK];
        // A signal that lands on this thread (a program's SIGTERM handler, installed without
        // SA_RESTART) interrupts the read: read again, as the deadline still allows.
        let n = loop {
            match self.conn.read(&mut chunk) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other?,
            }
        };
        buf.extend_from_slice(&chunk[..n]);
        Ok(n)
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Reads one request. `buf` holds bytes already received (a pipelined request) and keeps what
/// follows this request.
pub fn read_request(
    stream: &mut (impl Source + ?Sized),
    buf: &mut Vec<u8>,
    limits: Limits,
) -> Result<(Request, bool), ReadError> {
    if buf.is_empty() {
        match stream.read_more(buf, Instant::now() + limits.idle) {
            Ok(0) => return Err(ReadError::Idle),
            Ok(_) => {}
            Err(e) if is_timeout(&e) => return Err(ReadError::Idle),
            Err(_) => return Err(ReadError::Io),
        }
    }
    let deadline = Instant::now() + limits.request;
    let too_slow = || ReadError::Answer((limits.refusal)(408, "request not received in time"));
    let head_len = loop {
        if let Some(answer) = head_too_large(buf, limits) {
            return Err(ReadError::Answer(answer));
        }
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut req = httparse::Request::new(&mut headers);
        match req.parse(buf) {
            Ok(httparse::Status::Complete(n)) => break n,
            Ok(httparse::Status::Partial) => {}
            Err(httparse::Error::TooManyHeaders) => {
                return Err(ReadError::Answer((limits.refusal)(
                    431,
                    "too many request headers",
                )))
            }
            Err(e) => {
                return Err(ReadError::Answer((limits.refusal)(
                    400,
                    &format!("malformed request: {e}"),
                )))
            }
        }
        match stream.read_more(buf, deadline) {
            Ok(0) => return Err(ReadError::Io),
            Ok(_) => {}
            Err(e) if is_timeout(&e) => return Err(too_slow()),
            Err(_) => return Err(ReadError::Io),
        }
    };
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut headers);
    let _ = parsed.parse(&buf[..head_len]);
    let bad = |msg: &str| ReadError::Answer((limits.refusal)(400, msg));
    let method = parsed.method.unwrap_or_default().to_string();
    let target = parsed.path.unwrap_or_default().to_string();
    if !target.starts_with('/') {
        // Only origin-form (`/path?query`): the API has no `*` or absolute-form targets.
        return Err(bad("the request target must be a path starting with /"));
    }
    let http10 = parsed.version == Some(0);
    let mut map = HashMap::new();
    let mut length: Option<usize> = None;
    let mut chunked = false;
    for h in parsed.headers.iter() {
        let name = h.name.to_ascii_lowercase();
        let value = String::from_utf8_lossy(h.value).trim().to_string();
        if name == "content-length" {
            let n = value
                .parse::<usize>()
                .map_err(|_| bad("bad Content-Length"))?;
            if length.is_some_and(|l| l != n) {
                return Err(bad("conflicting Content-Length headers"));
            }
            length = Some(n);
        }
        if name == "transfer-encoding" {
            if !limits.chunked_bodies {
                return Err(ReadError::Answer((limits.refusal)(
                    501,
                    "chunked request bodies are not supported; send Content-Length",
                )));
            }
            if !value.eq_ignore_ascii_case("chunked") || chunked {
                return Err(ReadError::Answer((limits.refusal)(
                    501,
                    "the only transfer coding taken is a single chunked",
                )));
            }
            chunked = true;
        }
        map.insert(name, value);
    }
    if chunked && length.is_some() {
        // Which one frames the body is what request smuggling plays on: neither is trusted.
        return Err(bad("Content-Length and Transfer-Encoding together"));
    }
    let length = length.unwrap_or(0);
    if length > limits.max_body_bytes {
        return Err(ReadError::Answer((limits.refusal)(
            413,
            "request body too large",
        )));
    }
    buf.drain(..head_len);
    let body = if chunked {
        read_chunked(stream, buf, deadline, limits)?
    } else {
        fill(stream, buf, length, deadline, limits)?;
        buf.drain(..length).collect()
    };
    let connection = map.get("connection").map(|v| v.to_ascii_lowercase());
    let keep_alive = match connection.as_deref() {
        Some(v) if v.split(',').any(|t| t.trim() == "close") => false,
        Some(v) if v.split(',').any(|t| t.trim() == "keep-alive") => true,
        _ => !http10,
    };
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (target, String::new()),
    };
    let request = Request {
        method,
        path,
        query,
        headers: map,
        body,
    };
    Ok((request, keep_alive))
}

/// Reads until `buf` holds at least `n` bytes, by the deadline.
fn fill(
    stream: &mut (impl Source + ?Sized),
    buf: &mut Vec<u8>,
    n: usize,
    deadline: Instant,
    limits: Limits,
) -> Result<(), ReadError> {
    while buf.len() < n {
        match stream.read_more(buf, deadline) {
            Ok(0) => return Err(ReadError::Io),
            Ok(_) => {}
            Err(e) if is_timeout(&e) => {
                return Err(ReadError::Answer((limits.refusal)(
                    408,
                    "request not received in time",
                )))
            }
            Err(_) => return Err(ReadError::Io),
        }
    }
    Ok(())
}

/// Takes one CRLF-terminated line from the front of `buf` (reading more as needed), without its
/// CRLF. A line longer than [`MAX_LINE_BYTES`] is `431`.
fn take_line(
    stream: &mut (impl Source + ?Sized),
    buf: &mut Vec<u8>,
    deadline: Instant,
    limits: Limits,
) -> Result<Vec<u8>, ReadError> {
    // Where the search for the CRLF goes on from: a line that trickles in a byte a read is not
    // searched from its start again each time.
    let mut from = 0;
    loop {
        if let Some(at) = buf[from..].windows(2).position(|w| w == b"\r\n") {
            let end = from + at;
            let mut line: Vec<u8> = buf.drain(..end + 2).collect();
            line.truncate(end);
            return Ok(line);
        }
        if buf.len() > MAX_LINE_BYTES {
            return Err(ReadError::Answer((limits.refusal)(
                431,
                "chunk line too large",
            )));
        }
        from = buf.len().saturating_sub(1);
        let want = buf.len() + 1;
        fill(stream, buf, want, deadline, limits)?;
    }
}

/// A chunked body (RFC 9112, section 7.1), whole: its chunks held to `max_body_bytes` as they
/// arrive (`413` once over, before the rest is read), extensions ignored, trailers read and
/// dropped (at most the head limit of them).
fn read_chunked(
    stream: &mut (impl Source + ?Sized),
    buf: &mut Vec<u8>,
    deadline: Instant,
    limits: Limits,
) -> Result<Vec<u8>, ReadError> {
    let bad = |why: &str| ReadError::Answer((limits.refusal)(400, why));
    let mut body = Vec::new();
    loop {
        let line = take_line(stream, buf, deadline, limits)?;
        let size = line.split(|&b| b == b';').next().unwrap_or_default();
        let size = std::str::from_utf8(size).map(str::trim).unwrap_or("");
        if size.is_empty() || size.len() > 8 || !size.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad("bad chunk size"));
        }
        let size = usize::from_str_radix(size, 16).map_err(|_| bad("bad chunk size"))?;
        if size == 0 {
            let mut trailers = 0;
            loop {
                let trailer = take_line(stream, buf, deadline, limits)?;
                if trailer.is_empty() {
                    return Ok(body);
                }
                trailers += trailer.len() + 2;
                if trailers > limits.max_head_bytes {
                    return Err(ReadError::Answer((limits.refusal)(
                        431,
                        "request trailers too large",
                    )));
                }
            }
        }
        if body.len() + size > limits.max_body_bytes {
            return Err(ReadError::Answer((limits.refusal)(
                413,
                "request body too large",
            )));
        }
        fill(stream, buf, size + 2, deadline, limits)?;
        if &buf[size..size + 2] != b"\r\n" {
            return Err(bad("a chunk does not end with CRLF"));
        }
        body.extend(buf.drain(..size));
        buf.drain(..2);
    }
}

/// `431` when the head is over the limit, or a line of it is, whether complete or not.
fn head_too_large(buf: &[u8], limits: Limits) -> Option<Response> {
    let end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(buf.len(), |p| p + 4);
    let head = &buf[..end];
    if head.len() > limits.max_head_bytes {
        return Some((limits.refusal)(431, "request head too large"));
    }
    if head
        .split(|&b| b == b'\n')
        .any(|l| l.len() > MAX_LINE_BYTES)
    {
        return Some((limits.refusal)(431, "request header line too large"));
    }
    None
}

/// The writer of a connection, for what takes a `&mut dyn Write`.
struct Writer<'a>(&'a mut dyn Connection);

impl Write for Writer<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.write(bytes)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

fn serve_connection(
    stream: &mut dyn Connection,
    limits: Limits,
    handler: &dyn Fn(Request) -> Reply,
) -> io::Result<()> {
    stream.socket().set_nodelay(true)?;
    stream.socket().set_write_timeout(Some(limits.write))?;
    let mut buf = Vec::new();
    let mut timeout = None;
    loop {
        let mut source = Deadlined {
            conn: &mut *stream,
            timeout,
        };
        let read = read_request(&mut source, &mut buf, limits);
        timeout = source.timeout;
        let (request, keep_alive) = match read {
            Ok(r) => r,
            Err(ReadError::Idle) | Err(ReadError::Io) => return Ok(()),
            Err(ReadError::Answer(response)) => {
                write_response(stream, &response, false)?;
                return Ok(());
            }
        };
        let reply = catch_unwind(AssertUnwindSafe(|| handler(request))).unwrap_or_else(|_| {
            Reply::Respond((limits.refusal)(500, "internal error in the server"))
        });
        match reply {
            Reply::Respond(r) => write_response(stream, &r, keep_alive)?,
            Reply::Stream(content_type, headers, body) => {
                let mut w = Writer(stream);
                let mut head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nCache-Control: no-cache\r\nConnection: close\r\n"
                );
                for (k, v) in headers {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                head.push_str("\r\n");
                w.write_all(head.as_bytes())?;
                return body(&mut w);
            }
            Reply::Drop => return Ok(()),
            Reply::Raw(bytes) => {
                stream.write_all(&bytes)?;
                return stream.flush();
            }
            Reply::Takeover(write) => {
                let mut w = Writer(stream);
                write(&mut w)?;
                return w.flush();
            }
        }
        if !keep_alive {
            return Ok(());
        }
    }
}

/// 1xx, 204 and 304 answers carry no body (and 204 no `Content-Length`).
fn has_body(status: u16) -> bool {
    !(status < 200 || status == 204 || status == 304)
}

fn write_response(w: &mut dyn Connection, r: &Response, keep_alive: bool) -> io::Result<()> {
    w.write_all(&render(r, keep_alive))?;
    w.flush()
}

/// The bytes of a response: status line, headers, body.
pub fn render(r: &Response, keep_alive: bool) -> Vec<u8> {
    let reason = http::StatusCode::from_u16(r.status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Unknown");
    let body: &[u8] = if has_body(r.status) { &r.body } else { &[] };
    let mut out = Vec::with_capacity(256 + body.len());
    let mut head = format!("HTTP/1.1 {} {reason}\r\n", r.status);
    if has_body(r.status) {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    if !body.is_empty() {
        head.push_str(&format!("Content-Type: {}\r\n", r.content_type));
    }
    head.push_str(if keep_alive {
        "Connection: keep-alive\r\n"
    } else {
        "Connection: close\r\n"
    });
    for (k, v) in &r.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    out.extend_from_slice(head.as_bytes());
    out.extend_from_slice(body);
    out
}

#[cfg(feature = "fuzzing")]
pub mod fuzzing;

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            idle: Duration::from_millis(300),
            request: Duration::from_millis(400),
            write: Duration::from_secs(5),
            ..Limits::default()
        }
    }

    /// Answers `status` (from the path `/status/N`) with a small body; `/panic` panics.
    fn server() -> Server {
        let handler: Handler = Arc::new(|req: Request| {
            if req.path == "/panic" {
                panic!("handler bug");
            }
            let status = req
                .path
                .strip_prefix("/status/")
                .and_then(|s| s.parse().ok())
                .unwrap_or(200);
            Reply::Respond(Response {
                status,
                headers: Vec::new(),
                body: b"{\"ok\":true}".to_vec(),
                content_type: "application/json",
            })
        });
        Server::start(0, limits(), handler).unwrap()
    }

    fn connect(s: &Server) -> TcpStream {
        let c = TcpStream::connect(s.addr()).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        c
    }

    /// Everything the server sends until it closes the connection.
    fn read_all(mut c: &TcpStream) -> String {
        let mut out = Vec::new();
        let _ = c.read_to_end(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    fn send(mut c: &TcpStream, bytes: &[u8]) {
        c.write_all(bytes).unwrap();
    }

    #[test]
    fn a_long_header_line_or_head_is_431_never_a_second_header() {
        let s = server();
        let long = "a".repeat(MAX_LINE_BYTES + 10);
        let c = connect(&s);
        send(
            &c,
            format!("GET / HTTP/1.1\r\nX-Long: {long}\r\n\r\n").as_bytes(),
        );
        let out = read_all(&c);
        assert!(out.starts_with("HTTP/1.1 431 "), "{out:.80}");
        assert_eq!(
            out.matches("HTTP/1.1").count(),
            1,
            "one answer, then closed"
        );

        let c = connect(&s);
        let many: String = (0..MAX_HEAD_BYTES / 100 + 10)
            .map(|i| format!("X-H{i}: {}\r\n", "b".repeat(90)))
            .collect();
        send(&c, format!("GET / HTTP/1.1\r\n{many}\r\n").as_bytes());
        assert!(read_all(&c).starts_with("HTTP/1.1 431 "));
    }

    #[test]
    fn a_slow_sender_is_cut_off_at_the_request_deadline() {
        let s = server();
        let c = connect(&s);
        // Part of the head, then nothing: the deadline, not the idle timeout, applies.
        send(&c, b"GET / HTTP/1.1\r\nHost: x\r\n");
        assert!(read_all(&c).starts_with("HTTP/1.1 408 "));

        // A body that trickles in slower than the deadline allows.
        let c = connect(&s);
        send(&c, b"POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\n");
        for _ in 0..8 {
            if (&c).write_all(b"x").is_err() {
                break;
            }
            thread::sleep(Duration::from_millis(100));
        }
        assert!(read_all(&c).starts_with("HTTP/1.1 408 "));
    }

    #[test]
    fn an_idle_keep_alive_connection_is_closed_without_a_word() {
        let s = server();
        let c = connect(&s);
        send(&c, b"GET / HTTP/1.1\r\n\r\n");
        let out = read_all(&c);
        assert_eq!(out.matches("HTTP/1.1 ").count(), 1, "{out}");
        assert!(
            out.starts_with("HTTP/1.1 200 ") && out.ends_with("{\"ok\":true}"),
            "{out}"
        );

        let c = connect(&s);
        assert_eq!(
            read_all(&c),
            "",
            "nothing sent to a connection that sent nothing"
        );
    }

    #[test]
    fn http_1_0_closes_by_default_and_keeps_alive_when_asked() {
        let s = server();
        let c = connect(&s);
        send(&c, b"GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\n\r\n");
        let out = read_all(&c);
        assert_eq!(out.matches("HTTP/1.1 200").count(), 1, "{out}");
        assert!(out.contains("Connection: close"), "{out}");

        let c = connect(&s);
        send(
            &c,
            b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.1\r\nConnection: close\r\n\r\n",
        );
        assert_eq!(read_all(&c).matches("HTTP/1.1 200").count(), 2);
    }

    #[test]
    fn no_body_on_204_and_304() {
        let s = server();
        for status in [204, 304] {
            let c = connect(&s);
            send(
                &c,
                format!("GET /status/{status} HTTP/1.1\r\n\r\nGET /status/200 HTTP/1.1\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            );
            let out = read_all(&c);
            let (first, second) = out.split_at(out.find("HTTP/1.1 200").expect("second answer"));
            assert!(first.starts_with(&format!("HTTP/1.1 {status} ")), "{out}");
            assert!(
                first.ends_with("\r\n\r\n") && !first.contains("ok"),
                "{first:?}"
            );
            assert!(
                !first.contains("Content-Length") || status == 304,
                "{first:?}"
            );
            assert!(second.ends_with("{\"ok\":true}"), "{second:?}");
        }
    }

    #[test]
    fn a_panicking_handler_answers_500_and_frees_the_slot() {
        let s = server();
        for _ in 0..3 {
            let c = connect(&s);
            send(&c, b"GET /panic HTTP/1.1\r\n\r\n");
            let mut first = [0u8; 12];
            (&c).read_exact(&mut first).unwrap();
            assert_eq!(&first, b"HTTP/1.1 500");
        }
        // Each connection's slot is given back once it ends (the idle timeout closes them).
        let deadline = Instant::now() + Duration::from_secs(5);
        while s.open_connections() > 0 && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(s.open_connections(), 0);
    }

    #[test]
    fn bad_requests_get_their_status_then_close() {
        let s = server();
        for (request, status) in [
            (&b"NOT HTTP\r\n\r\n"[..], "400"),
            (
                b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
                "501",
            ),
            (
                b"POST / HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n",
                "413",
            ),
            (
                b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                "400",
            ),
            // Found by the http_requests fuzz target (then sandbox_http): a target that is not a path.
            (b"GET ? HTTP/1.0\r\n\r\n", "400"),
            (b"GET http://h/x HTTP/1.1\r\n\r\n", "400"),
        ] {
            let c = connect(&s);
            send(&c, request);
            let out = read_all(&c);
            assert!(out.starts_with(&format!("HTTP/1.1 {status} ")), "{out}");
        }
    }

    #[test]
    fn the_limits_and_the_refusals_shape_are_the_servers_own() {
        fn error_refusal(status: u16, why: &str) -> Response {
            Response::json(status, format!("{{\"error\":{why:?}}}"))
        }
        let handler: Handler = Arc::new(|req: Request| {
            Reply::Respond(Response::json(200, format!("{}", req.body.len())))
        });
        let limits = Limits {
            max_head_bytes: 1024,
            max_body_bytes: 10,
            refusal: error_refusal,
            ..limits()
        };
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let s = Server::serve(listener, limits, handler).unwrap();

        let c = connect(&s);
        send(
            &c,
            b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789",
        );
        send(&c, b"POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n");
        let out = read_all(&c);
        assert!(out.starts_with("HTTP/1.1 200 "), "{out}");
        assert!(
            out.contains("\r\n\r\n10HTTP/1.1 413 "),
            "at the limit, then over: {out}"
        );
        assert!(
            out.ends_with(r#"{"error":"request body too large"}"#),
            "{out}"
        );

        let c = connect(&s);
        let head = format!("GET / HTTP/1.1\r\nX-A: {}\r\n\r\n", "a".repeat(1100));
        send(&c, head.as_bytes());
        let out = read_all(&c);
        assert!(out.starts_with("HTTP/1.1 431 "), "{out}");
        assert!(out.contains(r#"{"error":"#), "{out}");
    }

    #[test]
    fn a_takeover_writes_the_whole_answer_as_it_comes_then_closes() {
        let handler: Handler = Arc::new(|_req: Request| {
            Reply::Takeover(Box::new(|w: &mut dyn Write| {
                w.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nfirst\n")?;
                w.flush()?;
                w.write_all(b"second\n")
            }))
        });
        let s = Server::start(0, limits(), handler).unwrap();
        let c = connect(&s);
        send(&c, b"GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n");
        assert_eq!(
            read_all(&c),
            "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nfirst\nsecond\n",
            "one answer, written by the handler; the pipelined request is not read"
        );
    }

    #[test]
    fn a_chunked_body_is_read_when_allowed_and_held_to_the_limit() {
        let handler: Handler =
            Arc::new(|req: Request| Reply::Respond(Response::json(200, req.body)));
        let limits = Limits {
            max_body_bytes: 10,
            chunked_bodies: true,
            ..limits()
        };
        let s = Server::start(0, limits, handler).unwrap();
        let ask = |bytes: &[u8]| {
            let c = connect(&s);
            send(&c, bytes);
            read_all(&c)
        };
        let ok = ask(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n4;ext=1\r\nabcd\r\n2\r\nef\r\n0\r\nX-Trailer: t\r\n\r\n");
        assert!(
            ok.starts_with("HTTP/1.1 200 ") && ok.ends_with("\r\n\r\nabcdef"),
            "{ok}"
        );
        let big =
            ask(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n");
        assert!(
            big.starts_with("HTTP/1.1 413 "),
            "over the limit before the chunk arrives: {big}"
        );
        for bad in [
            &b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"[..],
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n",
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n2\r\nab\r\n0\r\n\r\n",
        ] {
            let out = ask(bad);
            assert!(out.starts_with("HTTP/1.1 400 "), "{out}");
        }
        let gzip = ask(b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n");
        assert!(gzip.starts_with("HTTP/1.1 501 "), "{gzip}");
    }
}
