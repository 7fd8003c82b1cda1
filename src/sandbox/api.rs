//! The sandbox's in-memory state and the API's rules: numbers, agents, messages, auth, paging,
//! validation and error shapes as `../shared/api/NOTES.md` describes them.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use percent_encoding::percent_decode_str;
use serde_json::{json, Map, Value};

use super::http::Request;
use crate::model::{format_timestamp, parse_timestamp, CREATE_NUMBER_KEYS};

/// A self-serve account may hold this many active numbers (`VALIDATION_ERROR_NUMBER_LIMIT`).
pub const DEFAULT_NUMBER_LIMIT: usize = 10;
/// The agent every sandbox starts with.
pub const DEFAULT_AGENT: &str = "agt_sandbox";

/// An answer: status, JSON body (`None` for an empty body), extra headers.
pub struct Answer {
    pub status: u16,
    pub body: Option<Value>,
    pub headers: Vec<(&'static str, String)>,
}

fn ok(status: u16, body: Value) -> Answer {
    Answer {
        status,
        body: Some(body),
        headers: Vec::new(),
    }
}

/// The error envelope: `{"error": {"message", "code", "type", "details"}}`.
pub fn envelope(status: u16, code: &str, message: &str, details: Value) -> Answer {
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

fn invalid_body(field: &str, message: &str) -> Answer {
    envelope(
        400,
        "VALIDATION_ERROR",
        &format!("{field}: {message}"),
        json!([{"field": field, "message": message, "type": "value_error"}]),
    )
}

/// FastAPI's 422 for a bad query parameter.
fn invalid_query(name: &str, input: &str, msg: &str, kind: &str) -> Answer {
    ok(
        422,
        json!({"detail": [{"loc": ["query", name], "msg": msg, "type": kind, "input": input}]}),
    )
}

#[derive(Debug, Clone)]
struct NumberRec {
    id: String,
    phone_number: String,
    country: String,
    status: &'static str,
    agent_id: Option<String>,
    number_type: String,
    created_at: DateTime<Utc>,
    external_id: Option<String>,
    expires_at: Option<DateTime<Utc>>,
    imessage_type: Option<String>,
}

impl NumberRec {
    fn to_json(&self) -> Value {
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
struct MessageRec {
    id: String,
    from: String,
    to: String,
    body: String,
    received_at: DateTime<Utc>,
}

impl MessageRec {
    fn to_json(&self) -> Value {
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
pub struct State {
    numbers: Vec<NumberRec>,
    index: HashMap<String, usize>,
    agents: BTreeSet<String>,
    messages: HashMap<String, Vec<MessageRec>>,
    next_number: u64,
    next_message: u64,
    last_received: Option<DateTime<Utc>>,
    pub number_limit: usize,
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
            last_received: None,
            number_limit,
        }
    }

    pub fn add_agent(&mut self, id: &str) -> bool {
        self.agents.insert(id.to_string())
    }

    fn number(&self, id: &str) -> Option<&NumberRec> {
        self.index.get(id).map(|&i| &self.numbers[i])
    }

    fn number_mut(&mut self, id: &str) -> Option<&mut NumberRec> {
        self.index.get(id).map(|&i| &mut self.numbers[i])
    }

    fn active_count(&self) -> usize {
        self.numbers.iter().filter(|n| n.status == "active").count()
    }

    /// Routes one authenticated request.
    pub fn handle(&mut self, req: &Request) -> Answer {
        let segments: Vec<String> = req
            .path
            .trim_start_matches('/')
            .split('/')
            .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
            .collect();
        let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
        let query = parse_query(&req.query);
        match (req.method.as_str(), segs.as_slice()) {
            ("POST", ["v1", "numbers"]) => self.create(&req.body),
            ("GET", ["v1", "numbers"]) => self.list(&query),
            ("GET", ["v1", "numbers", id]) => self.get(id),
            ("DELETE", ["v1", "numbers", id]) => self.release(id),
            ("GET", ["v1", "numbers", id, "messages"]) => self.messages(id, &query),
            ("POST", ["v1", "agents", agent, "numbers"]) => self.attach(agent, &req.body),
            ("DELETE", ["v1", "agents", agent, "numbers", number]) => self.detach(agent, number),
            ("POST", ["sandbox", "agents"]) => self.sandbox_add_agent(&req.body),
            ("POST", ["sandbox", "numbers", id, "messages"]) => self.sandbox_deliver(id, &req.body),
            (
                _,
                ["v1", "numbers"]
                | ["v1", "numbers", _]
                | ["v1", "numbers", _, "messages"]
                | ["v1", "agents", _, "numbers"]
                | ["v1", "agents", _, "numbers", _],
            ) => ok(405, json!({"detail": "Method Not Allowed"})),
            _ => ok(404, json!({"detail": "Not Found"})),
        }
    }

    fn create(&mut self, body: &[u8]) -> Answer {
        let req = match json_body(body) {
            Ok(r) => r,
            Err(a) => return a,
        };
        let country = match opt_string(&req, "country") {
            Ok(c) => c.unwrap_or_else(|| "US".into()),
            Err(a) => return a,
        };
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_alphabetic()) {
            return invalid_body("country", "must be a two-letter country code");
        }
        let country = country.to_ascii_uppercase();
        let prefix = match country.as_str() {
            "US" | "CA" => "+1",
            "GB" => "+44",
            _ => {
                return invalid_body(
                    "country",
                    &format!("numbers in {country} are not available (try US, CA or GB)"),
                )
            }
        };
        let mut values: HashMap<&str, Option<String>> = HashMap::new();
        for f in CREATE_NUMBER_KEYS.into_iter().filter(|k| *k != "country") {
            match opt_string(&req, f) {
                Ok(v) => values.insert(f, v),
                Err(a) => return a,
            };
        }
        let area = values["areaCode"].clone();
        if let Some(a) = &area {
            if a.len() != 3 || !a.bytes().all(|b| b.is_ascii_digit()) {
                return invalid_body("areaCode", "must be 3 digits");
            }
        }
        let expires_at = match &values["expiresAt"] {
            None => None,
            Some(s) => match parse_timestamp(s) {
                Some(t) => Some(t),
                None => return invalid_body("expiresAt", "must be an ISO 8601 date-time"),
            },
        };
        let agent_id = values["agentId"].clone();
        if let Some(a) = &agent_id {
            if !self.agents.contains(a) {
                return agent_not_found(a);
            }
        }
        if self.active_count() >= self.number_limit {
            return envelope(
                400,
                "VALIDATION_ERROR_NUMBER_LIMIT",
                &format!(
                    "Self-serve accounts can have at most {} active phone numbers; release one first",
                    self.number_limit
                ),
                Value::Null,
            );
        }
        self.next_number += 1;
        let n = self.next_number;
        let phone_number = if prefix == "+44" {
            // Ofcom's range reserved for drama: never a real subscriber.
            format!("+447700{:06}", 900_000 + n % 1000)
        } else {
            // 555-01xx is reserved for fiction; the subscriber part keeps numbers distinct.
            let area = area.as_deref().unwrap_or("555");
            format!("+1{area}{:07}", n % 10_000_000)
        };
        let rec = NumberRec {
            id: format!("num_sbx{n:06}"),
            phone_number,
            country,
            status: "active",
            agent_id,
            number_type: values["type"].clone().unwrap_or_else(|| "sms".into()),
            created_at: now_micros(),
            external_id: values["externalId"].clone(),
            expires_at,
            imessage_type: values["imessageType"].clone(),
        };
        let out = rec.to_json();
        self.index.insert(rec.id.clone(), self.numbers.len());
        self.numbers.push(rec);
        ok(201, out)
    }

    fn list(&self, query: &HashMap<String, String>) -> Answer {
        let limit = match int_query(query, "limit", 20, 1, 100) {
            Ok(v) => v,
            Err(a) => return a,
        };
        let offset = match int_query(query, "offset", 0, 0, i64::MAX) {
            Ok(v) => v,
            Err(a) => return a,
        };
        let active: Vec<&NumberRec> = self
            .numbers
            .iter()
            .filter(|n| n.status == "active")
            .collect();
        let total = active.len();
        let start = usize::try_from(offset).unwrap_or(usize::MAX).min(total);
        let end = start.saturating_add(limit as usize).min(total);
        let data: Vec<Value> = active[start..end].iter().map(|n| n.to_json()).collect();
        ok(
            200,
            json!({"data": data, "hasMore": end < total, "total": total}),
        )
    }

    fn get(&self, id: &str) -> Answer {
        match self.number(id) {
            Some(n) => ok(200, n.to_json()),
            None => number_not_found(id),
        }
    }

    fn release(&mut self, id: &str) -> Answer {
        let Some(n) = self.number_mut(id) else {
            return number_not_found(id);
        };
        if n.status == "released" {
            return envelope(
                400,
                "PHONE_NUMBER_ALREADY_RELEASED",
                &format!("Phone number {id} is already released"),
                Value::Null,
            );
        }
        n.status = "released";
        n.agent_id = None;
        ok(
            200,
            json!({"success": true, "phoneNumber": n.phone_number, "status": "released"}),
        )
    }

    fn messages(&self, id: &str, query: &HashMap<String, String>) -> Answer {
        let limit = match int_query(query, "limit", 50, 1, 200) {
            Ok(v) => v as usize,
            Err(a) => return a,
        };
        let mut bounds = [None, None];
        for (i, name) in ["before", "after"].iter().enumerate() {
            if let Some(raw) = query.get(*name) {
                match parse_timestamp(raw) {
                    Some(t) => bounds[i] = Some(t),
                    None => {
                        return invalid_query(
                            name,
                            raw,
                            "Input should be a valid datetime",
                            "datetime_from_date_parsing",
                        )
                    }
                }
            }
        }
        if self.number(id).is_none() {
            return number_not_found(id);
        }
        let [before, after] = bounds;
        // Stored oldest first; answered newest first.
        let matching: Vec<&MessageRec> = self
            .messages
            .get(id)
            .map(|v| v.as_slice())
            .unwrap_or_default()
            .iter()
            .rev()
            .filter(|m| before.is_none_or(|b| m.received_at < b))
            .filter(|m| after.is_none_or(|a| m.received_at > a))
            .collect();
        let data: Vec<Value> = matching.iter().take(limit).map(|m| m.to_json()).collect();
        ok(
            200,
            json!({"data": data, "hasMore": matching.len() > limit}),
        )
    }

    fn attach(&mut self, agent: &str, body: &[u8]) -> Answer {
        let req = match json_body(body) {
            Ok(r) => r,
            Err(a) => return a,
        };
        let number_id = match opt_string(&req, "numberId") {
            Ok(Some(id)) => id,
            Ok(None) => return invalid_body("numberId", "is required"),
            Err(a) => return a,
        };
        if !self.agents.contains(agent) {
            return agent_not_found(agent);
        }
        let Some(n) = self.number_mut(&number_id) else {
            return number_not_found(&number_id);
        };
        if n.status != "active" {
            return invalid_body("numberId", "the number is released and cannot be attached");
        }
        n.agent_id = Some(agent.to_string());
        ok(
            200,
            json!({"agentId": agent, "number": {
                "id": n.id, "phoneNumber": n.phone_number, "status": n.status, "type": n.number_type
            }}),
        )
    }

    fn detach(&mut self, agent: &str, number_id: &str) -> Answer {
        if !self.agents.contains(agent) {
            return agent_not_found(agent);
        }
        let Some(n) = self.number_mut(number_id) else {
            return number_not_found(number_id);
        };
        if n.agent_id.as_deref() != Some(agent) {
            return envelope(
                404,
                "PHONE_NUMBER_NOT_ATTACHED",
                &format!("Phone number {number_id} is not attached to agent {agent}"),
                Value::Null,
            );
        }
        n.agent_id = None;
        ok(200, json!({"success": true}))
    }

    fn sandbox_add_agent(&mut self, body: &[u8]) -> Answer {
        let req = match json_body(body) {
            Ok(r) => r,
            Err(a) => return a,
        };
        match opt_string(&req, "id") {
            Ok(Some(id)) if !id.is_empty() && !id.contains('/') => {
                self.add_agent(&id);
                ok(201, json!({"id": id}))
            }
            Ok(_) => invalid_body("id", "is required: a non-empty agent id without '/'"),
            Err(a) => a,
        }
    }

    fn sandbox_deliver(&mut self, id: &str, body: &[u8]) -> Answer {
        let req = match json_body(body) {
            Ok(r) => r,
            Err(a) => return a,
        };
        let (from, text) = match (opt_string(&req, "from"), opt_string(&req, "body")) {
            (Ok(Some(f)), Ok(Some(b))) => (f, b),
            (Err(a), _) | (_, Err(a)) => return a,
            _ => return invalid_body("from", "`from` and `body` are required"),
        };
        match self.deliver(id, &from, &text) {
            Ok(m) => ok(201, m),
            Err(a) => a,
        }
    }

    /// Delivers an inbound SMS to an active number; returns the message object.
    pub fn deliver(&mut self, number_id: &str, from: &str, body: &str) -> Result<Value, Answer> {
        let Some(n) = self.number(number_id) else {
            return Err(number_not_found(number_id));
        };
        if n.status != "active" {
            return Err(invalid_body(
                "numberId",
                "a released number receives no messages",
            ));
        }
        if !is_e164(from) {
            return Err(invalid_body(
                "from",
                "must be an E.164 number such as +15550001111",
            ));
        }
        let to = n.phone_number.clone();
        // Strictly increasing times, so that `before` cursors never split equal timestamps.
        let mut at = now_micros();
        if let Some(last) = self.last_received {
            if at <= last {
                at = last + ChronoDuration::microseconds(1);
            }
        }
        self.last_received = Some(at);
        self.next_message += 1;
        let rec = MessageRec {
            id: format!("msg_sbx{:06}", self.next_message),
            from: from.to_string(),
            to,
            body: body.to_string(),
            received_at: at,
        };
        let out = rec.to_json();
        self.messages
            .entry(number_id.to_string())
            .or_default()
            .push(rec);
        Ok(out)
    }
}

/// The current time at the precision the API stores (microseconds).
fn now_micros() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

fn agent_not_found(id: &str) -> Answer {
    envelope(
        404,
        "AGENT_NOT_FOUND",
        &format!("Agent {id} not found"),
        Value::Null,
    )
}

fn number_not_found(id: &str) -> Answer {
    envelope(
        404,
        "PHONE_NUMBER_NOT_FOUND",
        &format!("Phone number {id} not found"),
        Value::Null,
    )
}

fn is_e164(s: &str) -> bool {
    s.strip_prefix('+')
        .is_some_and(|d| (8..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
}

/// The request body as an object; an empty body is `{}`.
fn json_body(body: &[u8]) -> Result<Map<String, Value>, Answer> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(invalid_body("body", "must be a JSON object")),
        Err(e) => Err(invalid_body("body", &format!("is not valid JSON: {e}"))),
    }
}

fn opt_string(obj: &Map<String, Value>, key: &str) -> Result<Option<String>, Answer> {
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

fn int_query(
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
