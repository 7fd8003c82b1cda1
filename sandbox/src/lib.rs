//! An offline, stateful stand-in for the AgentPhone API, for development and tests without an
//! account or a network: a library to start from Rust tests, and the `agentphone-sandbox`
//! program for C and other languages.
//!
//! [`Sandbox::start`] listens on 127.0.0.1 on a port the OS picks and serves every operation of
//! the API from memory, with its rules: Bearer auth, limits and defaults, `total`/`hasMore`
//! paging, US/CA numbers as `+1` and GB as `+44` E.164, released numbers left out of the list but
//! returned by get, the self-serve limit of 10 active numbers, and the API's error shapes. It
//! stops when the handle is dropped.
//!
//! Beyond the API, for tests:
//! - agents: the sandbox starts with [`DEFAULT_AGENT`] (`agt_sandbox`); add more with
//!   [`Sandbox::add_agent`] or `POST /sandbox/agents {"id": "..."}`;
//! - inbound SMS: [`Sandbox::deliver_sms`] or `POST /sandbox/numbers/{id}/messages
//!   {"from": "+1...", "body": "...", "receivedAt": "..." (optional)}`; messages may share one
//!   `receivedAt` ([`Sandbox::deliver_sms_at`]), as on the real API;
//! - outbound messages: `POST /v1/messages` records them in their conversation (created on the
//!   first message between a number and a counterpart, inbound or outbound);
//!   [`Sandbox::set_message_status`] or `POST /sandbox/messages/{id}/status` moves one to
//!   `delivered` or `failed`;
//! - faults: [`Sandbox::inject`] or `POST /sandbox/faults` makes the next N requests matching a
//!   method and path prefix answer a given status (with optional `Retry-After` and body), hang,
//!   or drop the connection, or act on the request and then spoil the answer (`afterActing`:
//!   drop the connection, answer a status, cut the body short, send one over a size limit, or
//!   send one that is not JSON); `DELETE /sandbox/faults` clears them;
//!   [`Sandbox::schedule_faults`] faults every n-th request in turn, for soaks;
//! - [`Sandbox::requests`]: every request received, to assert on what a client sent;
//!   [`Sandbox::acted_writes`]: every write acted on, to hold against what a client reports.
//!
//! Every `/sandbox/...` route needs the same Bearer key as the API.
//!
//! The crate: this file is the facade ([`Sandbox`], its builder, what tests read back);
//! `pipeline.rs` takes each request from the server (the `agentphone-http` crate) through the log, the faults
//! (`faults.rs`) and the key to the resource's routes; a resource is one file of routes and
//! records (`numbers.rs`, `calls.rs`, ...); `stream.rs` writes the live transcript and
//! `delivery.rs` sends webhooks.
//!
//! It is built on the `agentphone` client's public API alone (a [`Client`] pointed at it, the
//! typed records its control methods return, the webhook signature); its HTTP server, its rules
//! and its records are its own, so the tests that trust it do not share code with what they test.
//!
//! ```
//! use agentphone::{CreateNumber, ListMessages};
//! use agentphone_sandbox::Sandbox;
//!
//! let sandbox = Sandbox::start().unwrap();
//! let client = sandbox.client().unwrap();
//! let number = client.numbers().create(&CreateNumber::new()).unwrap();
//! sandbox.deliver_sms(&number.id, "+15550001111", "hello").unwrap();
//! let page = client.numbers().messages(&number.id, &ListMessages::new()).unwrap();
//! assert_eq!(page.data[0].body, "hello");
//! ```

#![deny(unsafe_code)]
#![warn(missing_docs)]

mod answer;
mod delivery;
mod faults;
mod pipeline;
mod random;
mod state;
mod stream;
mod time;
mod unsimulated;

/// The resources: each a file with its routes (`route`) and, where it keeps records, the type
/// of its store. A resource is registered by its line here: this declares its file, gives
/// `State` a field for its store, and puts its routes in the routing table (tried in this
/// order, then `unsimulated`'s 501 for the API's routes the sandbox leaves out).
macro_rules! resources {
    ($($name:ident $(: $store:ident)?),+ $(,)?) => {
        $(mod $name;)+

        /// Everything the sandbox remembers: each resource's store (`state.rs` holds what
        /// spans several).
        #[derive(Debug, Default)]
        pub(crate) struct State {
            $($(pub(crate) $name: $name::$store,)?)+
        }

        /// Every resource's routes, tried in turn.
        pub(crate) const ROUTES: &[pipeline::Routes] = &[$($name::route,)+ unsimulated::route];
    };
}

resources! {
    numbers: Numbers,
    agents: Agents,
    messages: Messages,
    conversations: Conversations,
    calls: Calls,
    webhooks: Webhooks,
    contacts: Contacts,
    usage,
}

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

pub use agentphone_http::{MAX_BODY_BYTES, MAX_CONNECTIONS, MAX_HEAD_BYTES, MAX_LINE_BYTES};
pub use faults::{Fault, FaultAction, FaultSchedule, Spoil};
pub use state::{DEFAULT_AGENT, DEFAULT_NUMBER_LIMIT};

use agentphone::{Call, Client, ClientBuilder, Error, Message};
use agentphone_http::{Limits, Server};
use answer::Answer;
use pipeline::{handle, route_to, Shared};
use state::{lock, Store};
use webhooks::WebhookSettings;

/// A request the sandbox received, as it arrived. Its `Debug` redacts the `authorization` header.
#[derive(Clone, PartialEq)]
pub struct RecordedRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path, still percent-encoded.
    pub path: String,
    /// The raw query string, empty if none.
    pub query: String,
    /// Header names in lower case.
    pub headers: std::collections::HashMap<String, String>,
    /// The body as text (lossy UTF-8).
    pub body: String,
}

impl std::fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: std::collections::BTreeMap<&str, &str> = self
            .headers
            .iter()
            .map(|(k, v)| {
                let v = if k == "authorization" {
                    "<redacted>"
                } else {
                    v.as_str()
                };
                (k.as_str(), v)
            })
            .collect();
        f.debug_struct("RecordedRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &headers)
            .field("body", &self.body)
            .finish()
    }
}

/// The most requests [`Sandbox::requests`] remembers (the oldest are forgotten first).
pub const MAX_RECORDED_REQUESTS: usize = 10_000;

/// The most writes [`Sandbox::acted_writes`] remembers (the oldest are forgotten first).
pub const MAX_ACTED_WRITES: usize = 200_000;

/// A running sandbox; it stops, closing every connection, when dropped.
pub struct Sandbox {
    shared: Arc<Shared>,
    base_url: String,
    server: Server,
    /// Sends webhook events; stopped when the sandbox is dropped.
    worker: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.shared
            .store
            .stopping
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.shared.store.changed.notify_all();
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("base_url", &self.base_url)
            .field("api_key", &"<redacted>")
            .finish()
    }
}

/// Configures a [`Sandbox`].
#[derive(Debug, Clone)]
pub struct SandboxBuilder {
    port: u16,
    api_key: Option<String>,
    agents: Vec<String>,
    number_limit: usize,
    limits: Limits,
    webhooks: WebhookSettings,
    log_requests: bool,
}

impl SandboxBuilder {
    /// The port on 127.0.0.1 (default 0: one the OS picks).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The Bearer key the sandbox accepts (default: a random `sk_sandbox_...`).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// One more agent besides [`DEFAULT_AGENT`].
    pub fn agent(mut self, id: impl Into<String>) -> Self {
        self.agents.push(id.into());
        self
    }

    /// The most active numbers (default [`DEFAULT_NUMBER_LIMIT`], the self-serve limit).
    pub fn number_limit(mut self, limit: usize) -> Self {
        self.number_limit = limit;
        self
    }

    /// How long an idle keep-alive connection is kept open (default 60 s); it is then closed
    /// without a word, as servers do.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.limits.idle = timeout;
        self
    }

    /// How long a client may take to send one request's head and body, from its first byte
    /// (default 30 s); a slower one gets `408` and the connection is closed.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.limits.request = timeout;
        self
    }

    /// How long writing one response may take (default 30 s).
    pub fn write_timeout(mut self, timeout: Duration) -> Self {
        self.limits.write = timeout;
        self
    }

    /// The first delay before a failed webhook delivery is tried again (default 1 s; each next
    /// retry doubles it, 6 attempts in all). The API spreads its attempts over a day; tests
    /// want milliseconds.
    pub fn webhook_retry_delay(mut self, delay: Duration) -> Self {
        self.webhooks.retry_delay = delay;
        self
    }

    /// Lets the sandbox deliver webhooks to hosts other than loopback (default off: the
    /// sandbox never becomes a forwarder of requests to the network).
    pub fn allow_remote_webhooks(mut self, allow: bool) -> Self {
        self.webhooks.allow_remote = allow;
        self
    }

    /// Writes one line per request to standard error: method, path (with its query) and the
    /// status answered (default off).
    pub fn log_requests(mut self, log: bool) -> Self {
        self.log_requests = log;
        self
    }

    /// Starts listening.
    pub fn start(self) -> std::io::Result<Sandbox> {
        let api_key = self
            .api_key
            .unwrap_or_else(|| format!("sk_sandbox_{:016x}", crate::random::random_u64()));
        let mut agents = self.agents;
        agents.push(DEFAULT_AGENT.to_string());
        let mut state = State::new(agents, self.number_limit);
        state.webhooks.settings = self.webhooks;
        let store = Arc::new(Store::new(state));
        let worker = delivery::spawn_worker(store.clone())?;
        let shared = Arc::new(Shared {
            api_key,
            store,
            faults: Mutex::new(Vec::new()),
            schedule: Mutex::new(None),
            log: Mutex::new(VecDeque::new()),
            acted: Mutex::new(VecDeque::new()),
            next_request_id: Default::default(),
            log_requests: self.log_requests,
        });
        let handler_shared = shared.clone();
        let server = Server::start(
            self.port,
            self.limits,
            Arc::new(move |req| handle(&handler_shared, req)),
        )?;
        Ok(Sandbox {
            base_url: format!("http://{}", server.addr()),
            shared,
            server,
            worker: Some(worker),
        })
    }
}

impl Sandbox {
    /// Starts a sandbox on a free port with a random key and the default agent.
    pub fn start() -> std::io::Result<Sandbox> {
        Sandbox::builder().start()
    }

    /// A builder for a port, key, agents or number limit of your choice.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder {
            port: 0,
            api_key: None,
            agents: Vec::new(),
            number_limit: DEFAULT_NUMBER_LIMIT,
            limits: Limits::default(),
            webhooks: WebhookSettings {
                retry_delay: Duration::from_secs(1),
                allow_remote: false,
            },
            log_requests: false,
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.server.addr().port()
    }

    /// The Bearer key it accepts.
    pub fn api_key(&self) -> &str {
        &self.shared.api_key
    }

    /// A client builder pointed at this sandbox with its key.
    pub fn client_builder(&self) -> ClientBuilder {
        Client::builder()
            .api_key(&self.shared.api_key)
            .base_url(&self.base_url)
    }

    /// A client pointed at this sandbox, otherwise with the defaults.
    pub fn client(&self) -> Result<Client, Error> {
        self.client_builder().build()
    }

    /// Adds an agent that numbers can be attached to.
    pub fn add_agent(&self, id: &str) {
        lock(&self.shared.store.state).add_agent(id);
    }

    /// Delivers an inbound SMS from `from` (E.164) to an active number, received now.
    pub fn deliver_sms(
        &self,
        number_id: &str,
        from: &str,
        body: &str,
    ) -> Result<Message, SandboxError> {
        self.deliver(number_id, from, body, None)
    }

    /// Delivers an inbound SMS received at a given time. Several messages may share one
    /// `receivedAt`, as on the real API: a list then puts the later arrival first.
    pub fn deliver_sms_at(
        &self,
        number_id: &str,
        from: &str,
        body: &str,
        received_at: DateTime<Utc>,
    ) -> Result<Message, SandboxError> {
        self.deliver(number_id, from, body, Some(received_at))
    }

    fn deliver(
        &self,
        number_id: &str,
        from: &str,
        body: &str,
        at: Option<DateTime<Utc>>,
    ) -> Result<Message, SandboxError> {
        let answer = self.change(|s| s.deliver(number_id, from, body, at));
        decode_answer(answer.map(|v| Answer::json(201, v)).unwrap_or_else(|a| a))
    }

    /// Sets a message's delivery status: `sent`, `delivered`, or `failed` (with a reason, or a
    /// default one). Returns the message as a conversation lists it, or `None` if there is no
    /// such message. Also `POST /sandbox/messages/{id}/status {"status", "failureReason"}`.
    pub fn set_message_status(
        &self,
        message_id: &str,
        status: &str,
        failure_reason: Option<&str>,
    ) -> Option<Value> {
        if !["sent", "delivered", "failed"].contains(&status) {
            return None;
        }
        self.change(|s| {
            s.set_message_status(message_id, status, failure_reason.map(str::to_string))
        })
    }

    /// Changes the state and wakes the long polls waiting on it.
    fn change<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let r = f(&mut lock(&self.shared.store.state));
        self.shared.store.changed.notify_all();
        r
    }

    /// Starts an inbound call to an active number from `from`, ringing, with a scripted
    /// transcript of `(role, content)` turns (`role` is `user` or `agent`) that
    /// [`Sandbox::advance_call`] plays one at a time. Returns the call. Also
    /// `POST /sandbox/calls {"numberId", "from", "transcript": [{"role", "content"}]}`.
    pub fn inbound_call(
        &self,
        number_id: &str,
        from: &str,
        transcript: &[(&str, &str)],
    ) -> Result<Call, SandboxError> {
        let turns: Vec<Value> = transcript
            .iter()
            .map(|(role, content)| json!({"role": role, "content": content}))
            .collect();
        let body = json!({"numberId": number_id, "from": from, "transcript": turns}).to_string();
        let answer = self.change(|s| route_to(s, "POST", "/sandbox/calls", body.as_bytes()));
        decode_answer(answer)
    }

    /// Moves a call on: a ringing call is answered; an answered one plays its next scripted
    /// turn, or completes when none is left. `turn` plays that `(role, content)` instead.
    /// Returns the call, or `None` if there is no such call. Also
    /// `POST /sandbox/calls/{id}/advance` (optionally `{"role", "content"}`).
    pub fn advance_call(&self, call_id: &str, turn: Option<(&str, &str)>) -> Option<Call> {
        let turn = turn.map(|(r, c)| (r.to_string(), c.to_string()));
        let value = self.change(|s| s.advance_call(call_id, turn))?;
        serde_json::from_value(value).ok()
    }

    /// Adds a fault (see [`Fault`]); faults are checked in the order they were added.
    pub fn inject(&self, fault: Fault) {
        lock(&self.shared.faults).push(fault);
    }

    /// Puts a fault schedule in force (replacing any other); see [`FaultSchedule`].
    pub fn schedule_faults(&self, schedule: FaultSchedule) {
        *lock(&self.shared.schedule) = Some(faults::Scheduled::new(schedule));
    }

    /// Ends the fault schedule. Returns how many times each of its actions was applied, by
    /// [`FaultAction::name`], in the schedule's order (empty when none was in force).
    pub fn end_fault_schedule(&self) -> Vec<(String, u64)> {
        match lock(&self.shared.schedule).take() {
            Some(s) => s
                .schedule
                .actions
                .iter()
                .map(FaultAction::name)
                .zip(s.applied)
                .collect(),
            None => Vec::new(),
        }
    }

    /// Every write to the API (a request other than `GET`, outside `/sandbox/`) that the
    /// sandbox acted on, oldest first, at most [`MAX_ACTED_WRITES`]: its route answered 2xx,
    /// whether or not a fault then spoiled the answer. The sandbox's own account of what was
    /// bought, sent or changed, to hold against what a client reports.
    pub fn acted_writes(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.acted).iter().cloned().collect()
    }

    /// Removes every pending fault (not the schedule: [`Sandbox::end_fault_schedule`]).
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// Every request received so far (at most [`MAX_RECORDED_REQUESTS`], oldest first).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.log).iter().cloned().collect()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        lock(&self.shared.log).clear();
    }
}

/// The typed value of a 2xx answer, or the error it stands for.
fn decode_answer<T: serde::de::DeserializeOwned>(answer: Answer) -> Result<T, SandboxError> {
    let body = answer.body.unwrap_or_default();
    if (200..300).contains(&answer.status) {
        return serde_json::from_value(body).map_err(|e| SandboxError {
            status: answer.status,
            code: None,
            message: format!("the sandbox's answer does not decode: {e}"),
        });
    }
    // The API's two error shapes: {"error": {"code", "message"}} and FastAPI's {"detail": ...}.
    let (code, message) = match (&body["error"], &body["detail"]) {
        (Value::Object(e), _) => (
            e.get("code").and_then(Value::as_str).map(str::to_string),
            e.get("message")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        ),
        (_, Value::String(detail)) => (None, detail.clone()),
        (_, detail) => (None, detail.to_string()),
    };
    Err(SandboxError {
        status: answer.status,
        code,
        message,
    })
}

/// Why a control method ([`Sandbox::deliver_sms`], [`Sandbox::inbound_call`]) was refused: the
/// error answer the matching `/sandbox/...` route would give.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SandboxError {
    /// The HTTP status the route answers (404 for an unknown number, 422 for a bad field, ...).
    pub status: u16,
    /// The API's error code, when the answer has one (`NUMBER_NOT_FOUND`, ...).
    pub code: Option<String>,
    /// The error's message.
    pub message: String,
}

impl std::fmt::Display for SandboxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.code {
            Some(code) => write!(f, "HTTP {} {code}: {}", self.status, self.message),
            None => write!(f, "HTTP {}: {}", self.status, self.message),
        }
    }
}

impl std::error::Error for SandboxError {}
