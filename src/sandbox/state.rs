//! The sandbox's in-memory state: numbers, their messages, agents, and the request as the
//! routes see it.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use percent_encoding::percent_decode_str;
use serde_json::{json, Value};

use crate::model::format_timestamp;

/// A self-serve account may hold this many active numbers (`VALIDATION_ERROR_NUMBER_LIMIT`).
pub const DEFAULT_NUMBER_LIMIT: usize = 10;
/// The agent every sandbox starts with.
pub const DEFAULT_AGENT: &str = "agt_sandbox";

#[derive(Debug, Clone)]
pub(crate) struct NumberRec {
    pub(super) id: String,
    pub(super) phone_number: String,
    pub(super) country: String,
    pub(super) status: &'static str,
    pub(super) agent_id: Option<String>,
    pub(super) number_type: String,
    pub(super) created_at: DateTime<Utc>,
    pub(super) external_id: Option<String>,
    pub(super) expires_at: Option<DateTime<Utc>>,
    pub(super) imessage_type: Option<String>,
}

impl NumberRec {
    pub(super) fn to_json(&self) -> Value {
        let mut v = json!({
            "id": self.id,
            "phoneNumber": self.phone_number,
            "country": self.country,
            "status": self.status,
            "type": self.number_type,
            "agentId": self.agent_id,
            "createdAt": format_timestamp(&self.created_at),
        });
        let obj = v.as_object_mut().expect("object");
        if let Some(e) = &self.external_id {
            obj.insert("externalId".into(), json!(e));
        }
        if let Some(t) = &self.expires_at {
            obj.insert("expiresAt".into(), json!(format_timestamp(t)));
        }
        if let Some(t) = &self.imessage_type {
            obj.insert("imessageType".into(), json!(t));
        }
        v
    }
}

#[derive(Debug, Clone)]
pub(crate) struct MessageRec {
    pub(super) id: String,
    pub(super) from: String,
    pub(super) to: String,
    pub(super) body: String,
    pub(super) received_at: DateTime<Utc>,
}

impl MessageRec {
    pub(super) fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "from_": self.from,
            "to": self.to,
            "body": self.body,
            "receivedAt": format_timestamp(&self.received_at),
            "direction": "inbound",
            "channel": "sms",
            "status": "received",
        })
    }
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

impl<'a> Routed<'a> {
    /// Splits `path` into percent-decoded segments (kept in `decoded`) and parses `query`.
    pub fn new(method: &'a str, decoded: &'a [String], query: &str, body: &'a [u8]) -> Routed<'a> {
        Routed {
            method,
            segments: decoded.iter().map(String::as_str).collect(),
            query: parse_query(query),
            body,
        }
    }

    /// The percent-decoded segments of a path.
    pub fn segments_of(path: &str) -> Vec<String> {
        path.trim_start_matches('/')
            .split('/')
            .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
            .collect()
    }
}

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

    pub fn add_agent(&mut self, id: &str) -> bool {
        self.agents.insert(id.to_string())
    }

    pub(super) fn number(&self, id: &str) -> Option<&NumberRec> {
        self.index.get(id).map(|&i| &self.numbers[i])
    }

    pub(super) fn number_mut(&mut self, id: &str) -> Option<&mut NumberRec> {
        self.index.get(id).map(|&i| &mut self.numbers[i])
    }
}

/// The current time at the precision the API stores (microseconds).
pub(super) fn now_micros() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
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
