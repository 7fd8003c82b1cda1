//! An offline, stateful stand-in for the AgentPhone API (feature `sandbox`), for development
//! and tests without an account or a network.
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
//!   {"from": "+1...", "body": "..."}`;
//! - faults: [`Sandbox::inject`] or `POST /sandbox/faults` makes the next N requests matching a
//!   method and path prefix answer a given status (with optional `Retry-After` and body), hang,
//!   or drop the connection; `DELETE /sandbox/faults` clears them;
//! - [`Sandbox::requests`]: every request received, to assert on what a client sent.
//!
//! Every `/sandbox/...` route needs the same Bearer key as the API.
//!
//! ```
//! use agentphone::sandbox::Sandbox;
//! use agentphone::{CreateNumber, ListMessages};
//!
//! let sandbox = Sandbox::start().unwrap();
//! let client = sandbox.client().unwrap();
//! let number = client.numbers().create(&CreateNumber::new()).unwrap();
//! sandbox.deliver_sms(&number.id, "+15550001111", "hello").unwrap();
//! let page = client.numbers().messages(&number.id, &ListMessages::new()).unwrap();
//! assert_eq!(page.data[0].body, "hello");
//! ```

mod api;
mod http;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::{json, Map, Value};

pub use api::{DEFAULT_AGENT, DEFAULT_NUMBER_LIMIT};

use crate::error::{ApiErrorBody, Error, ErrorKind};
use crate::{Client, ClientBuilder, Message};
use api::{envelope, Answer, State};
use http::{Reply, Request, Response, Server};

/// What an injected fault does to a matching request.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultAction {
    /// Answer this status instead, with an optional `Retry-After` (seconds) and body (default:
    /// the error envelope with code `SANDBOX_FAULT`). The request is not acted on.
    Status {
        /// The HTTP status.
        status: u16,
        /// `Retry-After`, in seconds.
        retry_after: Option<u64>,
        /// The body; `None` for the default envelope.
        body: Option<Value>,
    },
    /// Hold the answer back this long, then act on the request and answer normally (by then the
    /// client has usually given up: the server acted, the client does not know).
    Hang(Duration),
    /// Read the request, then close the connection without acting or answering.
    Drop,
}

/// A fault for the next `count` requests whose method and path match.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// `None` matches every method.
    pub method: Option<String>,
    /// Matches paths that start with this (e.g. `/v1/numbers`); `/` matches all.
    pub path_prefix: String,
    /// How many matching requests it applies to.
    pub count: u32,
    /// What it does.
    pub action: FaultAction,
}

impl Fault {
    /// Answer `status` to the next matching request.
    pub fn status(status: u16) -> Fault {
        Fault::new(FaultAction::Status {
            status,
            retry_after: None,
            body: None,
        })
    }

    /// Hold the next matching request's answer back for `delay`.
    pub fn hang(delay: Duration) -> Fault {
        Fault::new(FaultAction::Hang(delay))
    }

    /// Close the connection of the next matching request without answering.
    pub fn drop_connection() -> Fault {
        Fault::new(FaultAction::Drop)
    }

    fn new(action: FaultAction) -> Fault {
        Fault {
            method: None,
            path_prefix: "/".into(),
            count: 1,
            action,
        }
    }

    /// Only requests with this method.
    pub fn method(mut self, method: &str) -> Fault {
        self.method = Some(method.to_ascii_uppercase());
        self
    }

    /// Only requests whose path starts with `prefix`.
    pub fn path_prefix(mut self, prefix: &str) -> Fault {
        self.path_prefix = prefix.to_string();
        self
    }

    /// Apply to the next `count` matching requests (default 1).
    pub fn times(mut self, count: u32) -> Fault {
        self.count = count;
        self
    }

    /// With [`Fault::status`]: send `Retry-After: seconds`.
    pub fn retry_after(mut self, seconds: u64) -> Fault {
        if let FaultAction::Status { retry_after, .. } = &mut self.action {
            *retry_after = Some(seconds);
        }
        self
    }

    /// With [`Fault::status`]: answer this body instead of the default envelope.
    pub fn body(mut self, value: Value) -> Fault {
        if let FaultAction::Status { body, .. } = &mut self.action {
            *body = Some(value);
        }
        self
    }

    fn matches(&self, req: &Request) -> bool {
        self.count > 0
            && self.method.as_deref().is_none_or(|m| m == req.method)
            && req.path.starts_with(&self.path_prefix)
    }

    /// From the body of `POST /sandbox/faults`: `{"method", "pathPrefix", "count", and one of
    /// "status" (with "retryAfter", "body"), "hangMs", or "drop": true}`.
    fn from_json(obj: &Map<String, Value>) -> Result<Fault, String> {
        const KEYS: [&str; 8] = [
            "method",
            "pathPrefix",
            "count",
            "status",
            "retryAfter",
            "body",
            "hangMs",
            "drop",
        ];
        if let Some(k) = obj.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return Err(format!("unknown key {k:?}"));
        }
        let uint = |k: &str| -> Result<Option<u64>, String> {
            match obj.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => v
                    .as_u64()
                    .map(Some)
                    .ok_or(format!("{k} must be a whole number")),
            }
        };
        let action = match (uint("status")?, uint("hangMs")?, obj.get("drop")) {
            (Some(status), None, None) if (100..=599).contains(&status) => FaultAction::Status {
                status: status as u16,
                retry_after: uint("retryAfter")?,
                body: obj.get("body").cloned(),
            },
            (None, Some(ms), None) => FaultAction::Hang(Duration::from_millis(ms)),
            (None, None, Some(Value::Bool(true))) => FaultAction::Drop,
            _ => {
                return Err(
                    "give exactly one of status (100-599), hangMs, or drop: true".to_string(),
                )
            }
        };
        let string = |k: &str| match obj.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(format!("{k} must be a string")),
        };
        Ok(Fault {
            method: string("method")?.map(|m| m.to_ascii_uppercase()),
            path_prefix: string("pathPrefix")?.unwrap_or_else(|| "/".into()),
            count: uint("count")?.unwrap_or(1).min(u32::MAX.into()) as u32,
            action,
        })
    }
}

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

/// What the server threads share.
struct Shared {
    api_key: String,
    state: Mutex<State>,
    faults: Mutex<Vec<Fault>>,
    log: Mutex<Vec<RecordedRequest>>,
    next_request_id: std::sync::atomic::AtomicU64,
}

/// Locks a mutex even if a thread panicked while holding it: the sandbox keeps serving.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A running sandbox; it stops, closing every connection, when dropped.
pub struct Sandbox {
    shared: Arc<Shared>,
    base_url: String,
    server: Server,
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

    /// Starts listening.
    pub fn start(self) -> std::io::Result<Sandbox> {
        let api_key = self
            .api_key
            .unwrap_or_else(|| format!("sk_sandbox_{:016x}", crate::transport::random_u64()));
        let mut agents = self.agents;
        agents.push(DEFAULT_AGENT.to_string());
        let shared = Arc::new(Shared {
            api_key,
            state: Mutex::new(State::new(agents, self.number_limit)),
            faults: Mutex::new(Vec::new()),
            log: Mutex::new(Vec::new()),
            next_request_id: Default::default(),
        });
        let handler_shared = shared.clone();
        let server = Server::start(self.port, Arc::new(move |req| handle(&handler_shared, req)))?;
        Ok(Sandbox {
            base_url: format!("http://{}", server.addr()),
            shared,
            server,
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
        lock(&self.shared.state).add_agent(id);
    }

    /// Delivers an inbound SMS from `from` (E.164) to an active number.
    pub fn deliver_sms(&self, number_id: &str, from: &str, body: &str) -> Result<Message, Error> {
        let result = lock(&self.shared.state).deliver(number_id, from, body);
        match result {
            Ok(v) => {
                serde_json::from_value(v).map_err(|e| Error::new(ErrorKind::Decode, e.to_string()))
            }
            Err(answer) => {
                let body = answer.body.map(|b| b.to_string()).unwrap_or_default();
                let parsed = ApiErrorBody::parse(body.as_bytes());
                Err(Error::new(
                    ErrorKind::from_status(answer.status),
                    parsed.message.unwrap_or_default(),
                )
                .with_status(answer.status)
                .with_code(parsed.code))
            }
        }
    }

    /// Adds a fault (see [`Fault`]); faults are checked in the order they were added.
    pub fn inject(&self, fault: Fault) {
        lock(&self.shared.faults).push(fault);
    }

    /// Removes every pending fault.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// Every request received so far (at most [`MAX_RECORDED_REQUESTS`], oldest first).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.log).clone()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        lock(&self.shared.log).clear();
    }
}

fn reply(answer: Answer, request_id: String) -> Reply {
    let mut headers = answer.headers;
    headers.push(("X-Request-Id", request_id));
    Reply::Respond(Response {
        status: answer.status,
        headers,
        body: answer
            .body
            .map(|b| b.to_string().into_bytes())
            .unwrap_or_default(),
    })
}

/// Every request: record it, apply a matching fault, check auth, then route.
fn handle(shared: &Shared, req: Request) -> Reply {
    let request_id = format!(
        "req_sbx_{}",
        shared
            .next_request_id
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1
    );
    {
        let mut log = lock(&shared.log);
        if log.len() >= MAX_RECORDED_REQUESTS {
            log.remove(0);
        }
        log.push(RecordedRequest {
            method: req.method.clone(),
            path: req.path.clone(),
            query: req.query.clone(),
            headers: req.headers.clone(),
            body: String::from_utf8_lossy(&req.body).into_owned(),
        });
    }
    // The sandbox's own routes are never faulted, so a test can always clear faults.
    let fault = if req.path.starts_with("/sandbox/") {
        None
    } else {
        let mut faults = lock(&shared.faults);
        let hit = faults.iter_mut().find(|f| f.matches(&req)).map(|f| {
            f.count -= 1;
            f.action.clone()
        });
        faults.retain(|f| f.count > 0);
        hit
    };
    match fault {
        Some(FaultAction::Drop) => return Reply::Drop,
        Some(FaultAction::Hang(d)) => std::thread::sleep(d),
        Some(FaultAction::Status {
            status,
            retry_after,
            body,
        }) => {
            let mut answer = match body {
                Some(b) => Answer {
                    status,
                    body: Some(b),
                    headers: Vec::new(),
                },
                None => envelope(
                    status,
                    "SANDBOX_FAULT",
                    &format!("injected fault: HTTP {status}"),
                    Value::Null,
                ),
            };
            if let Some(s) = retry_after {
                answer.headers.push(("Retry-After", s.to_string()));
            }
            return reply(answer, request_id);
        }
        None => {}
    }
    let authorized = req
        .header("authorization")
        .and_then(|h| h.strip_prefix("Bearer "))
        .is_some_and(|k| k == shared.api_key);
    if !authorized {
        let answer = Answer {
            status: 401,
            body: Some(json!({"detail": "Invalid or missing API key"})),
            headers: vec![("WWW-Authenticate", "Bearer".to_string())],
        };
        return reply(answer, request_id);
    }
    let answer = match (req.method.as_str(), req.path.as_str()) {
        ("POST", "/sandbox/faults") => add_fault(shared, &req.body),
        ("DELETE", "/sandbox/faults") => {
            lock(&shared.faults).clear();
            Answer {
                status: 204,
                body: None,
                headers: Vec::new(),
            }
        }
        _ => lock(&shared.state).handle(&req),
    };
    reply(answer, request_id)
}

fn add_fault(shared: &Shared, body: &[u8]) -> Answer {
    let parsed = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(obj)) => Fault::from_json(&obj),
        _ => Err("body must be a JSON object".to_string()),
    };
    match parsed {
        Ok(fault) => {
            lock(&shared.faults).push(fault);
            Answer {
                status: 201,
                body: Some(json!({"success": true})),
                headers: Vec::new(),
            }
        }
        Err(message) => envelope(
            400,
            "VALIDATION_ERROR",
            &format!("fault: {message}"),
            Value::Null,
        ),
    }
}
