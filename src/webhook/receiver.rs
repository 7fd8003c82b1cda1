//! The receiver: a blocking HTTP server that verifies each delivery, drops the duplicates,
//! hands each new event to the program, and answers a voice turn with what the caller hears
//! (the contract is [`Receiver`]'s doc).

use std::fmt;
use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, ToSocketAddrs};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use agentphone_http::{Handler, Limits, Reply as HttpReply, Request, Response, Server};
use rustls::ServerConfig;
use serde_json::{json, Value};

use super::dedupe::{self, Memory, Seen};
use super::https;
use super::{Event, Verifier, VoiceReply, DEFAULT_TOLERANCE, VOICE_REPLY_NDJSON};
use crate::error::{Error, ErrorKind};
use crate::logging::{self, record, Level};

/// The address a receiver listens on when none is given.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// The path deliveries are posted to when none is given.
pub const DEFAULT_PATH: &str = "/webhook";
/// How many callbacks may run at once when not set.
pub const DEFAULT_THREADS: usize = 8;
/// The most callbacks at once that may be set.
pub const MAX_THREADS: usize = 1024;
/// The largest delivery body when not set (1 MiB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 1 << 20;
/// The largest delivery body that may be set (64 MiB).
pub const MAX_MAX_BODY_BYTES: usize = 64 << 20;
/// The largest request head (request line and headers): over it, `431`.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;
/// How long a request may take to arrive whole, from its first byte, when not set; an idle
/// keep-alive connection is closed after the same time.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How many handled deliveries are remembered when not set.
pub const DEFAULT_DEDUPE_CAPACITY: usize = 100_000;
/// How long a handled delivery is remembered when not set: 25 hours, beyond the API's ~24 h of
/// redeliveries.
pub const DEFAULT_DEDUPE_TTL: Duration = Duration::from_secs(90_000);
/// How long a stop waits for the callbacks under way when not set.
pub const DEFAULT_DRAIN_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest of the timeouts above that may be set (one hour).
pub const MAX_TIMEOUT: Duration = Duration::from_secs(3600);

/// How long a response may take to write (a voice reply's interim lines each in turn).
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// How often `run` looks at the stop flag (a stop from a signal handler can only set a flag).
const STOP_POLL: Duration = Duration::from_millis(20);

/// One verified, new delivery, as the callback gets it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Delivery {
    /// The `X-Webhook-ID` header, when the sender gave one (not covered by the signature).
    pub webhook_id: Option<String>,
    /// The `X-Webhook-Timestamp` header: unix seconds, as signed.
    pub timestamp: i64,
    /// The body as received (the bytes the signature covers).
    pub body: Vec<u8>,
    /// The body, read.
    pub event: Event,
}

impl Delivery {
    /// Whether it is a voice turn (`agent.message` on the `voice` channel): the answer is what
    /// the caller hears.
    pub fn is_voice_turn(&self) -> bool {
        self.event.event == "agent.message" && self.event.channel.as_deref() == Some("voice")
    }
}

/// What the caller hears after a voice turn, made inside the callback.
///
/// [`say`](Reply::say) sets the text (the last one counts), [`hangup`](Reply::hangup) and
/// [`transfer`](Reply::transfer) what follows it; [`interim`](Reply::interim) is said at once,
/// before the callback returns ("One moment..."), which makes the answer NDJSON. A callback that
/// says nothing answers `{}`: silence.
pub struct Reply<'a> {
    reply: VoiceReply,
    said: bool,
    out: &'a mut dyn Write,
    /// Whether the NDJSON answer has begun (an interim line was sent).
    streaming: bool,
}

impl fmt::Debug for Reply<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reply")
            .field("reply", &self.reply)
            .field("streaming", &self.streaming)
            .finish()
    }
}

impl Reply<'_> {
    /// Says this (replacing what was set before).
    pub fn say(&mut self, text: impl Into<String>) {
        self.reply.text = text.into();
        self.said = true;
    }

    /// Hangs up after the text.
    pub fn hangup(&mut self) {
        self.reply.hangup = Some(true);
        self.said = true;
    }

    /// Transfers the call (`"action": "transfer"`) after the text.
    pub fn transfer(&mut self) {
        self.reply.action = Some("transfer".into());
        self.said = true;
    }

    /// Sends this line now, as `{"text": ..., "interim": true}`: the answer becomes
    /// `application/x-ndjson`, chunked, and its last line is the reply. Fails when the
    /// connection is gone.
    pub fn interim(&mut self, text: &str) -> Result<(), Error> {
        let line = json!({"text": text, "interim": true}).to_string();
        let sent = (|| -> io::Result<()> {
            if !self.streaming {
                self.out.write_all(
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: {VOICE_REPLY_NDJSON}\r\n\
                         Transfer-Encoding: chunked\r\nCache-Control: no-cache\r\n\
                         Connection: close\r\n\r\n"
                    )
                    .as_bytes(),
                )?;
                self.streaming = true;
            }
            write_chunk(self.out, format!("{line}\n").as_bytes())?;
            self.out.flush()
        })();
        sent.map_err(|e| {
            Error::new(
                ErrorKind::Network,
                format!("could not send the interim line: {e}"),
            )
        })
    }

    /// The final answer, once the callback returned `Ok`.
    fn finish(self) -> io::Result<()> {
        let body = if self.said {
            self.reply.to_json()
        } else {
            "{}".to_string()
        };
        if self.streaming {
            write_chunk(self.out, format!("{body}\n").as_bytes())?;
            self.out.write_all(b"0\r\n\r\n")?;
        } else {
            self.out
                .write_all(&agentphone_http::render(&Response::json(200, body), false))?;
        }
        self.out.flush()
    }
}

/// One chunk of a chunked body.
fn write_chunk(w: &mut dyn Write, data: &[u8]) -> io::Result<()> {
    w.write_all(format!("{:x}\r\n", data.len()).as_bytes())?;
    w.write_all(data)?;
    w.write_all(b"\r\n")
}

/// Stops a running receiver, from any thread (and, being one atomic store, from a signal
/// handler): it stops taking deliveries, lets the callbacks under way finish (up to the drain
/// timeout), and `run` returns. A stop before `run` makes it return at once.
#[derive(Debug, Clone)]
pub struct StopHandle(Arc<AtomicBool>);

impl StopHandle {
    /// Asks the receiver to stop.
    pub fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Sets up a [`Receiver`]; [`Receiver::builder`] makes one.
#[derive(Clone)]
pub struct ReceiverBuilder {
    secret: String,
    listen: String,
    path: String,
    tolerance: Option<Duration>,
    threads: usize,
    max_body_bytes: usize,
    read_timeout: Duration,
    dedupe: Option<(usize, Duration)>,
    drain_timeout: Duration,
    tls: Option<(PathBuf, PathBuf)>,
}

impl fmt::Debug for ReceiverBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReceiverBuilder")
            .field("secret", &"***")
            .field("listen", &self.listen)
            .field("path", &self.path)
            .field("tolerance", &self.tolerance)
            .field("threads", &self.threads)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("read_timeout", &self.read_timeout)
            .field("dedupe", &self.dedupe)
            .field("drain_timeout", &self.drain_timeout)
            .field("tls", &self.tls)
            .finish()
    }
}

impl ReceiverBuilder {
    /// Where to listen, `host:port` (default [`DEFAULT_LISTEN`]; port 0 picks a free one; an
    /// IPv6 address in brackets, `[::1]:8080`).
    pub fn listen(mut self, addr: impl Into<String>) -> Self {
        self.listen = addr.into();
        self
    }

    /// The path deliveries are posted to (default [`DEFAULT_PATH`]).
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// The replay window of the timestamp check, either way (default 300 s).
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = Some(tolerance);
        self
    }

    /// How many callbacks may run at once (default [`DEFAULT_THREADS`], 1 to [`MAX_THREADS`]).
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    /// The largest delivery body (default [`DEFAULT_MAX_BODY_BYTES`], at most
    /// [`MAX_MAX_BODY_BYTES`]): a larger one is refused with 413 before it is read.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// How long a request may take to arrive whole, from its first byte (default
    /// [`DEFAULT_READ_TIMEOUT`]): else 408. An idle keep-alive connection is closed after it.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// How many handled deliveries to remember, and for how long (defaults
    /// [`DEFAULT_DEDUPE_CAPACITY`], [`DEFAULT_DEDUPE_TTL`]).
    pub fn dedupe(mut self, capacity: usize, ttl: Duration) -> Self {
        self.dedupe = Some((capacity, ttl));
        self
    }

    /// Hands every verified delivery to the callback, duplicates included.
    pub fn no_dedupe(mut self) -> Self {
        self.dedupe = None;
        self
    }

    /// How long a stop waits for the callbacks under way (default [`DEFAULT_DRAIN_TIMEOUT`]).
    pub fn drain_timeout(mut self, timeout: Duration) -> Self {
        self.drain_timeout = timeout;
        self
    }

    /// Serves HTTPS with this certificate chain (PEM, the leaf first) and private key (PEM:
    /// PKCS#8, PKCS#1 or SEC1); both files are read at [`build`](ReceiverBuilder::build).
    /// TLS 1.2 and 1.3, by rustls; the URL becomes `https://`.
    pub fn tls(mut self, cert_file: impl Into<PathBuf>, key_file: impl Into<PathBuf>) -> Self {
        self.tls = Some((cert_file.into(), key_file.into()));
        self
    }

    /// Checks the settings and binds the address; deliveries are taken once [`Receiver::run`]
    /// runs (until then they wait in the listen queue).
    pub fn build(self) -> Result<Receiver, Error> {
        logging::init_from_env();
        if self.secret.is_empty() {
            return Err(Error::invalid("secret", "must not be empty"));
        }
        if !self.path.starts_with('/') || self.path.contains(['?', '#', ' ']) {
            return Err(Error::invalid(
                "path",
                "must start with / and hold no '?', '#' or space",
            ));
        }
        if self.path == "/healthz" {
            return Err(Error::invalid(
                "path",
                "must not be /healthz (the health check)",
            ));
        }
        if !(1..=MAX_THREADS).contains(&self.threads) {
            return Err(Error::invalid(
                "threads",
                format!("must be 1 to {MAX_THREADS}"),
            ));
        }
        if !(1..=MAX_MAX_BODY_BYTES).contains(&self.max_body_bytes) {
            return Err(Error::invalid(
                "maxBodyBytes",
                format!("must be 1 to {MAX_MAX_BODY_BYTES}"),
            ));
        }
        for (name, t) in [
            ("readTimeoutMs", self.read_timeout),
            ("drainTimeoutMs", self.drain_timeout),
        ] {
            if t.is_zero() || t > MAX_TIMEOUT {
                return Err(Error::invalid(name, "must be 1 ms to 1 hour"));
            }
        }
        if let Some((capacity, ttl)) = self.dedupe {
            if capacity == 0 || ttl.is_zero() {
                return Err(Error::invalid(
                    "dedupe",
                    "capacity and ttlSeconds must be at least 1",
                ));
            }
        }
        let tls = match &self.tls {
            Some((cert, key)) => Some(https::server_config(cert, key)?),
            None => None,
        };
        let addrs: Vec<SocketAddr> = self
            .listen
            .to_socket_addrs()
            .map_err(|e| Error::invalid("listen", format!("is not host:port ({e})")))?
            .collect();
        let listener = TcpListener::bind(&addrs[..]).map_err(|e| {
            Error::new(
                ErrorKind::Network,
                format!("could not listen on {}: {e}", self.listen),
            )
        })?;
        let addr = listener.local_addr().map_err(|e| {
            Error::new(
                ErrorKind::Network,
                format!("could not read the address: {e}"),
            )
        })?;
        let mut verifier = Verifier::new(self.secret);
        if let Some(t) = self.tolerance {
            verifier = verifier.tolerance(t);
        }
        Ok(Receiver {
            url: url(tls.is_some(), addr, &self.path),
            listener,
            settings: Settings {
                verifier,
                path: self.path,
                threads: self.threads,
                dedupe: self.dedupe,
                drain_timeout: self.drain_timeout,
                limits: Limits {
                    idle: self.read_timeout,
                    request: self.read_timeout,
                    write: WRITE_TIMEOUT,
                    max_head_bytes: MAX_HEAD_BYTES,
                    max_body_bytes: self.max_body_bytes,
                    refusal: error_refusal,
                    chunked_bodies: true,
                },
                tls,
            },
            stop: StopHandle(Arc::default()),
        })
    }
}

/// The URL of a bound address: a wildcard address (all interfaces) as the loopback address of
/// its family, which is where a local sender reaches it.
fn url(https: bool, addr: SocketAddr, path: &str) -> String {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    let scheme = if https { "https" } else { "http" };
    format!("{scheme}://{}{path}", SocketAddr::new(ip, addr.port()))
}

/// A refusal as the receiver writes it: `{"error": "..."}`.
fn error_refusal(status: u16, why: &str) -> Response {
    Response::json(status, json!({ "error": why }).to_string())
}

/// What a receiver runs with, once built.
struct Settings {
    verifier: Verifier,
    path: String,
    threads: usize,
    dedupe: Option<(usize, Duration)>,
    drain_timeout: Duration,
    limits: Limits,
    /// Serve HTTPS with these settings.
    tls: Option<Arc<ServerConfig>>,
}

/// A webhook receiver, bound and ready to [`run`](Receiver::run).
///
/// What a sender (the API, a proxy, an attacker) meets:
///
/// | request | answer | callback |
/// |---|---|---|
/// | `POST {path}`, valid signature, fresh timestamp, a JSON object that is an event | 200 (a voice turn: the reply) | once |
/// | the same dedupe key again, after it was handled | 200 `{"duplicate": true}` | no |
/// | the same key again while its callback runs | 409 | no |
/// | a missing, malformed or wrong signature, a missing or stale timestamp | 401, `error` naming the check | no |
/// | a valid signature on a body that is not an event | 400 | no |
/// | the callback failed | 500 (the key is forgotten: the API delivers it again) | (it ran) |
/// | `GET /healthz` | 200 `{"status": "ok"}` | no |
/// | another path; another method on `{path}` | 404; 405 with `Allow: POST` | no |
/// | a body over `max_body_bytes` (by `Content-Length`, or chunked as it arrives); a head over 16 KiB | 413 (unread); 431 | no |
/// | a request not whole within `read_timeout` of its first byte | 408, then closed | no |
/// | anything, once a stop began | 503 | no |
///
/// Each connection is read on its own thread (at most 512 at once), so a slow sender holds only
/// its own; `threads` bounds the callbacks that run at once. The dedupe memory is in the
/// process: behind several processes, dedupe on [`Delivery::webhook_id`] in a shared store.
///
/// ```no_run
/// use agentphone::webhook::Receiver;
///
/// # fn main() -> Result<(), agentphone::Error> {
/// let receiver = Receiver::builder("whsec_...").listen("127.0.0.1:0").build()?;
/// println!("register {}", receiver.url());
/// receiver.run(|delivery, reply| {
///     if let Some(reply) = reply {
///         reply.say("Hello from Rust");
///     }
///     println!("{}", delivery.event.event);
///     Ok::<(), std::convert::Infallible>(())
/// })?;
/// # Ok(())
/// # }
/// ```
pub struct Receiver {
    url: String,
    listener: TcpListener,
    settings: Settings,
    stop: StopHandle,
}

impl fmt::Debug for Receiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("url", &self.url)
            .field("threads", &self.settings.threads)
            .finish_non_exhaustive()
    }
}

impl Receiver {
    /// A receiver for deliveries signed with `secret` (the webhook's `whsec_...`).
    pub fn builder(secret: impl Into<String>) -> ReceiverBuilder {
        ReceiverBuilder {
            secret: secret.into(),
            listen: DEFAULT_LISTEN.into(),
            path: DEFAULT_PATH.into(),
            tolerance: Some(DEFAULT_TOLERANCE),
            threads: DEFAULT_THREADS,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            read_timeout: DEFAULT_READ_TIMEOUT,
            dedupe: Some((DEFAULT_DEDUPE_CAPACITY, DEFAULT_DEDUPE_TTL)),
            drain_timeout: DEFAULT_DRAIN_TIMEOUT,
            tls: None,
        }
    }

    /// The URL to register with [`crate::Webhooks::set`] (behind a public proxy or tunnel, its
    /// public URL instead), e.g. `http://127.0.0.1:41234/webhook`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The address it is bound to.
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    /// A handle that stops [`run`](Receiver::run) from another thread.
    pub fn stop_handle(&self) -> StopHandle {
        self.stop.clone()
    }

    /// Serves until stopped: each verified delivery that is not a duplicate goes to
    /// `on_event`, with a [`Reply`] for a voice turn. `Ok(())` answers 2xx and remembers it;
    /// `Err` (or a panic) answers 500 and forgets it, so the API delivers it again. Several
    /// callbacks run at once, on the receiver's threads, up to `threads`.
    ///
    /// Returns `Ok(())` after a stop, once the callbacks under way finished or the drain
    /// timeout passed (a callback still under way then goes on, on its thread, and its answer
    /// is cut off); the receiver may then run again.
    pub fn run<F, E>(&self, on_event: F) -> Result<(), Error>
    where
        F: Fn(&Delivery, Option<&mut Reply<'_>>) -> Result<(), E> + Send + Sync + 'static,
    {
        let listener = self
            .listener
            .try_clone()
            .map_err(|e| Error::new(ErrorKind::Network, format!("could not serve: {e}")))?;
        let s = &self.settings;
        let shared = Arc::new(Shared::new(
            s.verifier.clone(),
            s.path.clone(),
            s.dedupe,
            s.threads,
            on_event,
        ));
        let handler: Handler = {
            let shared = shared.clone();
            Arc::new(move |req| handle(&shared, req))
        };
        let layer = s.tls.clone().map(https::layer);
        let server = Server::serve_layered(listener, s.limits, layer, handler)
            .map_err(|e| Error::new(ErrorKind::Network, format!("could not serve: {e}")))?;
        while !self.stop.0.load(Ordering::SeqCst) {
            thread::sleep(STOP_POLL);
        }
        shared.stopping.store(true, Ordering::SeqCst);
        let drain_until = Instant::now() + s.drain_timeout;
        while shared.running.load(Ordering::SeqCst) > 0 && Instant::now() < drain_until {
            thread::sleep(STOP_POLL);
        }
        let cut_off = shared.running.load(Ordering::SeqCst);
        if cut_off > 0 {
            record!(
                Level::Warn,
                "receiver stopped: {cut_off} callback(s) still running after the drain timeout \
                 ({} ms); their answers are cut off",
                s.drain_timeout.as_millis()
            );
        }
        drop(server);
        self.stop.0.store(false, Ordering::SeqCst);
        Ok(())
    }
}

/// What the connection threads of one `run` share.
struct Shared<F> {
    verifier: Verifier,
    path: String,
    memory: Option<Mutex<Memory>>,
    permits: Permits,
    /// Callbacks under way.
    running: AtomicUsize,
    stopping: AtomicBool,
    on_event: F,
}

impl<F> Shared<F> {
    fn new(
        verifier: Verifier,
        path: String,
        dedupe: Option<(usize, Duration)>,
        threads: usize,
        on_event: F,
    ) -> Shared<F> {
        Shared {
            verifier,
            path,
            memory: dedupe.map(|(capacity, ttl)| Mutex::new(Memory::new(capacity, ttl))),
            permits: Permits::new(threads),
            running: AtomicUsize::new(0),
            stopping: AtomicBool::new(false),
            on_event,
        }
    }
}

/// At most `threads` callbacks at once.
struct Permits {
    /// The permits free, and the threads waiting for one.
    state: Mutex<(usize, usize)>,
    freed: Condvar,
}

impl Permits {
    fn new(n: usize) -> Permits {
        Permits {
            state: Mutex::new((n, 0)),
            freed: Condvar::new(),
        }
    }

    fn acquire(&self) -> Permit<'_> {
        let mut state = lock(&self.state);
        while state.0 == 0 {
            state.1 += 1;
            state = self.freed.wait(state).unwrap_or_else(|e| e.into_inner());
            state.1 -= 1;
        }
        state.0 -= 1;
        Permit(self)
    }
}

struct Permit<'a>(&'a Permits);

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut state = lock(&self.0.state);
        state.0 += 1;
        // A notification is a system call even with nobody waiting: only when someone is.
        let waiting = state.1 > 0;
        drop(state);
        if waiting {
            self.0.freed.notify_one();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn answer(status: u16, body: Value) -> HttpReply {
    HttpReply::Respond(Response::json(status, body.to_string()))
}

fn handle<F, E>(shared: &Arc<Shared<F>>, req: Request) -> HttpReply
where
    F: Fn(&Delivery, Option<&mut Reply<'_>>) -> Result<(), E> + Send + Sync + 'static,
{
    if req.path == "/healthz" {
        // GET only: an answer to HEAD must not carry the body this one has.
        return match req.method.as_str() {
            "GET" => answer(200, json!({"status": "ok"})),
            _ => not_allowed("GET"),
        };
    }
    if req.path != shared.path {
        return answer(404, json!({"error": "no such path"}));
    }
    if req.method != "POST" {
        return not_allowed("POST");
    }
    let id = req.header("x-webhook-id").map(str::to_owned);
    let seen =
        |event: &str, verdict: &str, status: u16| answered(id.as_deref(), event, verdict, status);
    if shared.stopping.load(Ordering::SeqCst) {
        seen("?", "the receiver is stopping", 503);
        return answer(503, json!({"error": "the receiver is stopping"}));
    }
    let signature = req.header("x-webhook-signature").unwrap_or_default();
    let timestamp = req.header("x-webhook-timestamp").unwrap_or_default();
    if let Err(e) = shared.verifier.check(signature, timestamp, &req.body) {
        seen("?", &format!("not verified ({})", e.message()), 401);
        return answer(401, json!({"error": e.message()}));
    }
    let event = match Event::from_slice(&req.body) {
        Ok(event) => event,
        Err(e) => {
            seen("?", "verified, but not an event", 400);
            return answer(400, json!({"error": e.message()}));
        }
    };
    let key = dedupe::key(id.as_deref(), &event, &req.body);
    if let Some(memory) = &shared.memory {
        match lock(memory).check(&key, Instant::now()) {
            Seen::New => {}
            Seen::Handled => {
                seen(&event.event, "a duplicate of one handled", 200);
                return answer(200, json!({"duplicate": true}));
            }
            Seen::UnderWay => {
                seen(&event.event, "a duplicate of one under way", 409);
                return answer(409, json!({"error": "this delivery is being handled"}));
            }
        }
    }
    let delivery = Delivery {
        webhook_id: id,
        // The check parsed it.
        timestamp: timestamp.parse().unwrap_or_default(),
        body: req.body,
        event,
    };
    if delivery.is_voice_turn() {
        let shared = shared.clone();
        return HttpReply::Takeover(Box::new(move |w: &mut dyn Write| {
            let mut reply = Reply {
                reply: VoiceReply::default(),
                said: false,
                out: w,
                streaming: false,
            };
            let handled = call(&shared, &delivery, Some(&mut reply));
            settle(&shared, &key, handled);
            let (verdict, status) = match (handled, reply.streaming) {
                (true, _) => ("a voice turn handled", 200),
                (false, true) => (
                    "a voice turn whose callback failed after an interim line",
                    200,
                ),
                (false, false) => ("a voice turn whose callback failed", 500),
            };
            let id = delivery.webhook_id.as_deref();
            answered(id, &delivery.event.event, verdict, status);
            match (handled, reply.streaming) {
                (true, _) => reply.finish(),
                // Ends the stream without a final line: the caller hears what was said.
                (false, true) => Ok(()),
                (false, false) => reply
                    .out
                    .write_all(&agentphone_http::render(&failed(), false)),
            }
        }));
    }
    let handled = call(shared, &delivery, None);
    settle(shared, &key, handled);
    let id = delivery.webhook_id.as_deref();
    if handled {
        answered(id, &delivery.event.event, "handled", 200);
        answer(200, json!({}))
    } else {
        answered(id, &delivery.event.event, "the callback failed", 500);
        HttpReply::Respond(failed())
    }
}

/// The info record of a delivery answered: its id, its event, what was made of it, the status.
fn answered(id: Option<&str>, event: &str, verdict: &str, status: u16) {
    record!(
        Level::Info,
        "webhook delivery {}: {event}: {verdict}; answered {status}",
        id.unwrap_or("(no X-Webhook-ID)")
    );
}

/// Runs the callback under a permit; true when it returned `Ok` (a panic is a failure).
fn call<F, E>(shared: &Shared<F>, delivery: &Delivery, reply: Option<&mut Reply<'_>>) -> bool
where
    F: Fn(&Delivery, Option<&mut Reply<'_>>) -> Result<(), E>,
{
    let _permit = shared.permits.acquire();
    shared.running.fetch_add(1, Ordering::SeqCst);
    let result = catch_unwind(AssertUnwindSafe(|| (shared.on_event)(delivery, reply)));
    shared.running.fetch_sub(1, Ordering::SeqCst);
    matches!(result, Ok(Ok(())))
}

/// Remembers a handled delivery; forgets a failed one.
fn settle<F>(shared: &Shared<F>, key: &str, handled: bool) {
    if let Some(memory) = &shared.memory {
        let mut memory = lock(memory);
        if handled {
            memory.handled(key, Instant::now());
        } else {
            memory.forget(key);
        }
    }
}

fn failed() -> Response {
    Response::json(
        500,
        json!({"error": "the program did not handle the event"}).to_string(),
    )
}

fn not_allowed(allow: &'static str) -> HttpReply {
    let mut r = Response::json(405, json!({"error": "method not allowed"}).to_string());
    r.headers.push(("Allow", allow.to_string()));
    HttpReply::Respond(r)
}

/// For the fuzz target: what a receiver on `/webhook` with `secret` answers to each request in
/// turn, and whether its callback ran (the callback fails when the body holds `fail`, says a
/// word to a voice turn, and sends an interim line first when the body holds `interim`).
#[cfg(feature = "fuzzing")]
pub(crate) fn answers(secret: &str, requests: Vec<Request>) -> Vec<(u16, bool)> {
    let called = Arc::new(AtomicBool::new(false));
    let flag = called.clone();
    let holds = |body: &[u8], word: &[u8]| body.windows(word.len()).any(|w| w == word);
    let shared = Arc::new(Shared::new(
        Verifier::new(secret),
        DEFAULT_PATH.into(),
        Some((1000, DEFAULT_DEDUPE_TTL)),
        1,
        move |d: &Delivery, reply: Option<&mut Reply<'_>>| {
            flag.store(true, Ordering::SeqCst);
            if let Some(reply) = reply {
                if holds(&d.body, b"interim") {
                    let _ = reply.interim("One moment");
                }
                reply.say("ok");
            }
            if holds(&d.body, b"fail") {
                Err(())
            } else {
                Ok(())
            }
        },
    ));
    requests
        .into_iter()
        .map(|req| {
            called.store(false, Ordering::SeqCst);
            let status = match handle(&shared, req) {
                HttpReply::Respond(r) => r.status,
                HttpReply::Takeover(write) => {
                    let mut out = Vec::new();
                    let _ = write(&mut out);
                    String::from_utf8_lossy(&out)
                        .split(' ')
                        .nth(1)
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(0)
                }
                _ => 0,
            };
            (status, called.load(Ordering::SeqCst))
        })
        .collect()
}
