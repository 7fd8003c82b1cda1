//! Faults injected into the sandbox's answers: a status, a hang, or a dropped connection for
//! the next requests that match a method and a path prefix, or an answer spoiled after the
//! request was acted on; and the `/sandbox/faults` endpoint.

use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Deserializer};
use serde_json::{json, Value};

use crate::answer::{self, given, Answer};
use crate::pipeline::reply;
use crate::state::lock;
use agentphone_http::{self as http, Reply, Request, Response};

/// What an injected fault does to a matching request.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
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
    /// Act on the request as usual, then spoil the answer: the server acted, and the client
    /// cannot tell.
    AfterActing(Spoil),
}

/// How an answer is spoiled after the request was acted on ([`FaultAction::AfterActing`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Spoil {
    /// Close the connection without answering.
    Drop,
    /// Answer this status (the error envelope, code `SANDBOX_FAULT`) instead.
    Status(u16),
    /// Send the head, with the whole body's `Content-Length`, and half the body; then close.
    Truncate,
    /// Answer 200 with a JSON body of at least this many bytes (over a client's size limit).
    Oversize(usize),
    /// Answer 200 with the first half of the body: not JSON.
    Malformed,
}

impl Spoil {
    /// A short name for reports: `drop`, `500`, `truncate`, `oversize`, `malformed`.
    pub fn name(&self) -> String {
        match self {
            Spoil::Drop => "drop".into(),
            Spoil::Status(s) => s.to_string(),
            Spoil::Truncate => "truncate".into(),
            Spoil::Oversize(_) => "oversize".into(),
            Spoil::Malformed => "malformed".into(),
        }
    }
}

impl FaultAction {
    /// A short name for reports: `status 503`, `hang`, `drop`, `after acting: truncate`, ...
    pub fn name(&self) -> String {
        match self {
            FaultAction::Status {
                status,
                retry_after: Some(s),
                ..
            } => format!("status {status} (Retry-After: {s})"),
            FaultAction::Status { status, .. } => format!("status {status}"),
            FaultAction::Hang(_) => "hang".into(),
            FaultAction::Drop => "drop".into(),
            FaultAction::AfterActing(spoil) => format!("after acting: {}", spoil.name()),
        }
    }
}

/// Faults on a schedule: of the requests whose path starts with `path_prefix`, every
/// `every`-th gets the next action of `actions` in turn (the `every`-th the first, the
/// `2 * every`-th the second, ...). Faults added with [`crate::Sandbox::inject`] come
/// first.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultSchedule {
    /// Only requests whose path starts with this count.
    pub path_prefix: String,
    /// One request in this many is faulted (at least 1).
    pub every: u64,
    /// The faults, applied in turn, round and round.
    pub actions: Vec<FaultAction>,
}

/// A schedule in force, and what it has done.
#[derive(Debug)]
pub(super) struct Scheduled {
    pub schedule: FaultSchedule,
    /// Requests that matched the prefix so far.
    pub seen: u64,
    /// How many times each action was applied, in the order of `actions`.
    pub applied: Vec<u64>,
}

impl Scheduled {
    pub fn new(schedule: FaultSchedule) -> Scheduled {
        let applied = vec![0; schedule.actions.len()];
        Scheduled {
            schedule,
            seen: 0,
            applied,
        }
    }

    /// The action for this request, if it is one the schedule faults.
    pub fn next(&mut self, req: &Request) -> Option<FaultAction> {
        let s = &self.schedule;
        if s.actions.is_empty() || !req.path.starts_with(&s.path_prefix) {
            return None;
        }
        self.seen += 1;
        let every = s.every.max(1);
        if self.seen % every != 0 {
            return None;
        }
        let index = ((self.seen / every - 1) % s.actions.len() as u64) as usize;
        self.applied[index] += 1;
        Some(s.actions[index].clone())
    }
}

/// A fault for the next `count` requests whose method and path match.
///
/// Made with [`Fault::status`], [`Fault::hang`], [`Fault::drop_connection`] or
/// [`Fault::after_acting`], then narrowed with its builder methods.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
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

    /// Act on the next matching request, then spoil its answer.
    pub fn after_acting(spoil: Spoil) -> Fault {
        Fault::new(FaultAction::AfterActing(spoil))
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

    pub(super) fn matches(&self, req: &Request) -> bool {
        self.count > 0
            && self.method.as_deref().is_none_or(|m| m == req.method)
            && req.path.starts_with(&self.path_prefix)
    }

    /// From the body of `POST /sandbox/faults` (see [`FaultBody`]).
    pub(super) fn from_body(body: &[u8]) -> Result<Fault, String> {
        let value = match serde_json::from_slice::<Value>(body) {
            Ok(v @ Value::Object(_)) => v,
            _ => return Err("body must be a JSON object".to_string()),
        };
        let b: FaultBody = serde_path_to_error::deserialize(value).map_err(|e| {
            let key = e.path().to_string();
            let message = e.inner().to_string();
            if let Some(unknown) = message.strip_prefix("unknown field `") {
                let name = unknown
                    .split_once("`, expected")
                    .map_or(unknown, |(n, _)| n);
                return format!("unknown key {name:?}");
            }
            match key.as_str() {
                "afterActing" => message,
                "method" | "pathPrefix" => format!("{key} must be a string"),
                _ => format!("{key} must be a whole number"),
            }
        })?;
        let action = match (b.status, b.hang_ms, b.drop, b.after_acting) {
            (Some(status), None, None, None) if (100..=599).contains(&status) => {
                FaultAction::Status {
                    status: status as u16,
                    retry_after: b.retry_after,
                    body: b.body,
                }
            }
            (None, Some(ms), None, None) => FaultAction::Hang(Duration::from_millis(ms)),
            (None, None, Some(Value::Bool(true)), None) => FaultAction::Drop,
            (None, None, None, Some(spoil)) => FaultAction::AfterActing(spoil),
            _ => {
                return Err(
                    "give exactly one of status (100-599), hangMs, drop: true, or \
                     afterActing"
                        .to_string(),
                )
            }
        };
        Ok(Fault {
            method: b.method.map(|m| m.to_ascii_uppercase()),
            path_prefix: b.path_prefix.unwrap_or_else(|| "/".into()),
            count: b.count.unwrap_or(1).min(u32::MAX.into()) as u32,
            action,
        })
    }
}

/// The body of `POST /sandbox/faults`: `{"method", "pathPrefix", "count", and one of "status"
/// (with "retryAfter", "body"), "hangMs", "drop": true, or "afterActing"}`. A key it does not
/// name is an error: a misspelt fault must not pass as no fault.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FaultBody {
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    path_prefix: Option<String>,
    #[serde(default)]
    count: Option<u64>,
    #[serde(default)]
    status: Option<u64>,
    #[serde(default)]
    retry_after: Option<u64>,
    /// As given, `null` included (then the fault answers `null`).
    #[serde(default, deserialize_with = "given")]
    body: Option<Value>,
    #[serde(default)]
    hang_ms: Option<u64>,
    /// As given: only `true` is a drop, and `null` or `false` beside another action is the
    /// error that asks for exactly one.
    #[serde(default, deserialize_with = "given")]
    drop: Option<Value>,
    #[serde(default, deserialize_with = "spoil")]
    after_acting: Option<Spoil>,
}

/// `afterActing`: `null` is none; else a [`Spoil`].
fn spoil<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Spoil>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        v => Spoil::from_json(&v)
            .map(Some)
            .map_err(serde::de::Error::custom),
    }
}

impl Spoil {
    /// `"drop"`, `"truncate"`, `"malformed"`, `{"status": 500}` or `{"oversize": bytes}`.
    fn from_json(v: &Value) -> Result<Spoil, String> {
        let bad = || {
            "afterActing must be \"drop\", \"truncate\", \"malformed\", {\"status\": 100-599} \
             or {\"oversize\": bytes}"
                .to_string()
        };
        match v {
            Value::String(s) => match s.as_str() {
                "drop" => Ok(Spoil::Drop),
                "truncate" => Ok(Spoil::Truncate),
                "malformed" => Ok(Spoil::Malformed),
                _ => Err(bad()),
            },
            Value::Object(o) if o.len() == 1 => {
                let n = o.values().next().and_then(Value::as_u64).ok_or_else(bad)?;
                match o.keys().next().map(String::as_str) {
                    Some("status") if (100..=599).contains(&n) => Ok(Spoil::Status(n as u16)),
                    Some("oversize") if n <= 64 << 20 => Ok(Spoil::Oversize(n as usize)),
                    _ => Err(bad()),
                }
            }
            _ => Err(bad()),
        }
    }
}

/// The error envelope of an injected status.
pub(crate) fn envelope(status: u16) -> Answer {
    answer::envelope(
        status,
        "SANDBOX_FAULT",
        &format!("injected fault: HTTP {status}"),
        Value::Null,
    )
}

/// An answer as a fault spoils it, after the request was acted on.
pub(crate) fn spoiled(answered: Reply, spoil: Spoil, request_id: String) -> Reply {
    let Reply::Respond(r) = answered else {
        return answered; // a stream is not spoiled
    };
    match spoil {
        Spoil::Drop => Reply::Drop,
        Spoil::Status(status) => reply(envelope(status), request_id),
        Spoil::Truncate => {
            let mut bytes = http::render(&r, false);
            bytes.truncate(bytes.len() - r.body.len() / 2 - 1);
            Reply::Raw(bytes)
        }
        Spoil::Oversize(n) => reply(
            Answer::json(
                200,
                json!({ "padding": "x".repeat(n), "answer": r.body.len() }),
            ),
            request_id,
        ),
        Spoil::Malformed => {
            let half = r.body.len() / 2;
            let mut body = r.body;
            body.truncate(half);
            Reply::Respond(Response {
                status: 200,
                body,
                ..r
            })
        }
    }
}

/// `POST /sandbox/faults`: one more fault, after those in force.
pub(crate) fn add(faults: &Mutex<Vec<Fault>>, body: &[u8]) -> Answer {
    match Fault::from_body(body) {
        Ok(fault) => {
            lock(faults).push(fault);
            Answer::json(201, json!({"success": true}))
        }
        Err(message) => answer::envelope(
            400,
            "VALIDATION_ERROR",
            &format!("fault: {message}"),
            Value::Null,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(path: &str) -> Request {
        Request {
            method: "POST".into(),
            path: path.into(),
            query: String::new(),
            headers: Default::default(),
            body: Vec::new(),
        }
    }

    #[test]
    fn a_schedule_faults_every_nth_matching_request_with_each_action_in_turn() {
        let mut s = Scheduled::new(FaultSchedule {
            path_prefix: "/v1/".into(),
            every: 3,
            actions: vec![FaultAction::Drop, FaultAction::AfterActing(Spoil::Truncate)],
        });
        let got: Vec<Option<FaultAction>> = (0..12)
            .map(|i| {
                // Requests outside the prefix neither count nor get faults.
                assert_eq!(s.next(&request("/sandbox/x")), None);
                s.next(&request(&format!("/v1/n/{i}")))
            })
            .collect();
        let d = Some(FaultAction::Drop);
        let t = Some(FaultAction::AfterActing(Spoil::Truncate));
        assert_eq!(
            got,
            [
                None,
                None,
                d.clone(),
                None,
                None,
                t.clone(),
                None,
                None,
                d,
                None,
                None,
                t
            ]
        );
        assert_eq!(s.applied, [2, 2]);
    }

    #[test]
    fn after_acting_faults_from_the_body() {
        let parse = |v: Value| Fault::from_body(v.to_string().as_bytes());
        for (v, spoil) in [
            (json!("drop"), Spoil::Drop),
            (json!("truncate"), Spoil::Truncate),
            (json!("malformed"), Spoil::Malformed),
            (json!({"status": 500}), Spoil::Status(500)),
            (json!({"oversize": 1000}), Spoil::Oversize(1000)),
        ] {
            let f = parse(json!({"afterActing": v, "pathPrefix": "/v1/messages"})).unwrap();
            assert_eq!(f.action, FaultAction::AfterActing(spoil));
            assert_eq!(f.path_prefix, "/v1/messages");
        }
        for bad in [
            json!({"afterActing": "explode"}),
            json!({"afterActing": {"status": 700}}),
            json!({"afterActing": {"oversize": 1u64 << 40}}),
            json!({"afterActing": "drop", "status": 500}),
        ] {
            assert!(parse(bad.clone()).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_bad_fault_body_is_refused_naming_the_key() {
        let parse = |v: &str| Fault::from_body(v.as_bytes()).unwrap_err();
        assert_eq!(parse(r#"{"statu": 500}"#), r#"unknown key "statu""#);
        assert_eq!(
            parse(r#"{"status": "500"}"#),
            "status must be a whole number"
        );
        assert_eq!(
            parse(r#"{"status": 500, "count": -1}"#),
            "count must be a whole number"
        );
        assert_eq!(
            parse(r#"{"status": 500, "method": 5}"#),
            "method must be a string"
        );
        assert_eq!(parse("[1]"), "body must be a JSON object");
        assert!(parse(r#"{"afterActing": "x"}"#).starts_with("afterActing must be"));
        assert!(parse(r#"{"status": 500, "drop": null}"#).starts_with("give exactly one"));
        assert!(parse("{}").starts_with("give exactly one"));
        let f = Fault::from_body(br#"{"status": 418, "body": null}"#).unwrap();
        assert_eq!(
            f.action,
            FaultAction::Status {
                status: 418,
                retry_after: None,
                body: Some(Value::Null)
            },
            "a null body is the body"
        );
    }
}
