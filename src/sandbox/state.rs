//! The sandbox's in-memory state, the router that hands each request to its resource's routes,
//! and what every resource shares: answers, the error shapes, body and query parsing.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use percent_encoding::percent_decode_str;
use serde_json::{json, Map, Value};

use super::http::Request;
use super::numbers::{MessageRec, NumberRec};
use super::{agents, numbers};

/// A self-serve account may hold this many active numbers (`VALIDATION_ERROR_NUMBER_LIMIT`).
pub const DEFAULT_NUMBER_LIMIT: usize = 10;
/// The agent every sandbox starts with.
pub const DEFAULT_AGENT: &str = "agt_sandbox";

/// An answer: status, JSON body (`None` for an empty body), extra headers.
pub(crate) struct Answer {
    pub status: u16,
    pub body: Option<Value>,
    pub headers: Vec<(&'static str, String)>,
}

pub(super) fn ok(status: u16, body: Value) -> Answer {
    Answer {
        status,
        body: Some(body),
        headers: Vec::new(),
    }
}

/// The error envelope: `{"error": {"message", "code", "type", "details"}}`.
pub(crate) fn envelope(status: u16, code: &str, message: &str, details: Value) -> Answer {
    let kind = match status {
        400 | 422 => "invalid_request_error",
        401 | 403 => "authentication_error",
        404 => "not_found_error",
        429 => "rate_limit_error",
        _ => "api_error",
    };
    ok(
        status,
        json!({"error": {"message": message, "code": code, "type": kind, "details": details}}),
    )
}

pub(super) fn invalid_body(field: &str, message: &str) -> Answer {
    envelope(
        400,
        "VALIDATION_ERROR",
        &format!("{field}: {message}"),
        json!([{"field": field, "message": message, "type": "value_error"}]),
    )
}

/// FastAPI's 422 for a bad query parameter.
pub(super) fn invalid_query(name: &str, input: &str, msg: &str, kind: &str) -> Answer {
    ok(
        422,
        json!({"detail": [{"loc": ["query", name], "msg": msg, "type": kind, "input": input}]}),
    )
}

/// Everything the sandbox remembers.
#[derive(Debug)]
pub(crate) struct State {
    pub(super) numbers: Vec<NumberRec>,
    pub(super) index: HashMap<String, usize>,
    pub(super) agents: BTreeSet<String>,
    /// Each number's messages, oldest first (by `receivedAt`, then by arrival).
    pub(super) messages: HashMap<String, Vec<MessageRec>>,
    pub(super) next_number: u64,
    pub(super) next_message: u64,
    pub(super) number_limit: usize,
}

/// One request as the routes see it: the path split into decoded segments, the query parsed.
pub(super) struct Routed<'a> {
    pub method: &'a str,
    pub segments: Vec<&'a str>,
    pub query: HashMap<String, String>,
    pub body: &'a [u8],
}

/// A resource's routes: `None` when the path is not one of the resource's.
type Routes = fn(&mut State, &Routed<'_>) -> Option<Answer>;

/// Every resource's routes, tried in turn.
const ROUTES: [Routes; 2] = [numbers::route, agents::route];

impl State {
    pub fn new(agents: impl IntoIterator<Item = String>, number_limit: usize) -> State {
        State {
            numbers: Vec::new(),
            index: HashMap::new(),
            agents: agents.into_iter().collect(),
            messages: HashMap::new(),
            next_number: 0,
            next_message: 0,
            number_limit,
        }
    }

    /// Routes one authenticated request.
    pub fn handle(&mut self, req: &Request) -> Answer {
        let decoded: Vec<String> = req
            .path
            .trim_start_matches('/')
            .split('/')
            .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
            .collect();
        let routed = Routed {
            method: &req.method,
            segments: decoded.iter().map(String::as_str).collect(),
            query: parse_query(&req.query),
            body: &req.body,
        };
        ROUTES
            .iter()
            .find_map(|route| route(self, &routed))
            .unwrap_or_else(|| ok(404, json!({"detail": "Not Found"})))
    }
}

/// The answer for a known path with a method it does not take.
pub(super) fn method_not_allowed() -> Answer {
    ok(405, json!({"detail": "Method Not Allowed"}))
}

/// The current time at the precision the API stores (microseconds).
pub(super) fn now_micros() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

/// The request body as an object; an empty body is `{}`.
pub(super) fn json_body(body: &[u8]) -> Result<Map<String, Value>, Answer> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(invalid_body("body", "must be a JSON object")),
        Err(e) => Err(invalid_body("body", &format!("is not valid JSON: {e}"))),
    }
}

pub(super) fn opt_string(obj: &Map<String, Value>, key: &str) -> Result<Option<String>, Answer> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid_body(key, "must be a string")),
    }
}

fn parse_query(q: &str) -> HashMap<String, String> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| {
                percent_decode_str(&s.replace('+', " "))
                    .decode_utf8_lossy()
                    .into_owned()
            };
            (decode(k), decode(v))
        })
        .collect()
}

pub(super) fn int_query(
    q: &HashMap<String, String>,
    name: &str,
    default: i64,
    min: i64,
    max: i64,
) -> Result<i64, Answer> {
    let Some(raw) = q.get(name) else {
        return Ok(default);
    };
    let v: i64 = raw.parse().map_err(|_| {
        invalid_query(
            name,
            raw,
            "Input should be a valid integer, unable to parse string as an integer",
            "int_parsing",
        )
    })?;
    if v < min {
        return Err(invalid_query(
            name,
            raw,
            &format!("Input should be greater than or equal to {min}"),
            "greater_than_equal",
        ));
    }
    if v > max {
        return Err(invalid_query(
            name,
            raw,
            &format!("Input should be less than or equal to {max}"),
            "less_than_equal",
        ));
    }
    Ok(v)
}
