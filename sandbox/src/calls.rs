//! The sandbox's calls: `/v1/calls...` (list, place, read with a long poll, end, transcript),
//! an agent's and a number's calls, and the control routes `POST /sandbox/calls` (an inbound
//! call with a scripted transcript) and `POST /sandbox/calls/{id}/advance`.
//!
//! A call rings, then goes `in-progress`; each advance plays its next scripted turn (or the
//! turn given), and an advance with nothing left to play completes it. Ending it completes it
//! at once.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::answer::{
    self, agent_not_found, envelope, int_query, invalid_body, invalid_query, is_e164,
    method_not_allowed, number_not_found, ok, record, Answer, Answered,
};
use crate::state::{now_micros, Routed, State};
use crate::time::{format_timestamp, rfc3339, rfc3339_opt};

/// One turn of a call: who spoke (`agent` or `user`) and what was said.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Turn {
    pub(crate) role: String,
    pub(crate) content: String,
    pub(crate) at: DateTime<Utc>,
}

/// A call and its scripted course: `ringing`, then `in-progress` (one scripted turn per
/// advance), then `completed` when the script runs out or the call is ended.
#[derive(Debug, Clone)]
pub(crate) struct CallRec {
    pub(crate) id: String,
    pub(crate) agent_id: Option<String>,
    pub(crate) number_id: String,
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) direction: &'static str,
    pub(crate) status: &'static str,
    pub(crate) started_at: DateTime<Utc>,
    pub(crate) ended_at: Option<DateTime<Utc>>,
    pub(crate) turns: Vec<Turn>,
    /// Turns still to come, as (role, content).
    pub(crate) script: VecDeque<(String, String)>,
    pub(crate) recording: bool,
}

/// The calls, in the order they started.
#[derive(Debug, Default)]
pub(crate) struct Calls {
    pub(crate) list: Vec<CallRec>,
    pub(crate) next: u64,
}

/// The call routes.
pub(super) fn route(state: &mut State, req: &Routed<'_>) -> Option<Answered> {
    let answer = match (req.method, req.segments.as_slice()) {
        ("GET", ["v1", "calls"]) => state.list_calls(&req.query, |_| true),
        ("POST", ["v1", "calls"]) => state.create_call(req.body),
        ("GET", ["v1", "calls", id]) => state.get_call(id, req),
        ("POST", ["v1", "calls", id, "end"]) => state.end_call(id),
        ("GET", ["v1", "calls", id, "transcript"]) => state.transcript(id),
        ("GET", ["v1", "calls", id, "recording"]) => state.recording(id),
        ("GET", ["v1", "agents", id, "calls"]) => match state.agents.by_id.contains_key(*id) {
            true => state.list_calls(&req.query, |c| c.agent_id.as_deref() == Some(id)),
            false => Err(agent_not_found(id)),
        },
        ("GET", ["v1", "numbers", id, "calls"]) => match state.number(id) {
            Some(_) => state.list_calls(&req.query, |c| c.number_id == *id),
            None => Err(number_not_found(id)),
        },
        ("POST", ["sandbox", "calls"]) => state.sandbox_inbound_call(req.body),
        ("POST", ["sandbox", "calls", id, "advance"]) => state.sandbox_advance(id, req.body),
        (
            _,
            ["v1", "calls"]
            | ["v1", "calls", _]
            | ["v1", "calls", _, "end" | "transcript" | "recording"]
            | ["v1", "calls", _, "transcript", "stream"]
            | ["v1", "agents", _, "calls"]
            | ["v1", "numbers", _, "calls"],
        ) => Err(method_not_allowed()),
        _ => return None,
    };
    Some(answer)
}

/// The `maxWaitSeconds` a create accepts; without one, a create that waits waits the longest.
const CREATE_WAIT_SECONDS: std::ops::RangeInclusive<u64> = 10..=600;

/// For `POST /v1/calls` with `waitForCompletion`, answered 201: the call just placed, and when
/// the wait ends (`maxWaitSeconds` after the request arrived, 600 s by default).
pub(super) fn completion_wait(req: &Routed<'_>, answer: &Answer) -> Option<(String, Instant)> {
    if req.method != "POST" || req.segments != ["v1", "calls"] || answer.status != 201 {
        return None;
    }
    let body: Value = serde_json::from_slice(req.body).ok()?;
    if body.get("waitForCompletion") != Some(&Value::Bool(true)) {
        return None;
    }
    let seconds = body
        .get("maxWaitSeconds")
        .and_then(Value::as_u64)
        .unwrap_or(*CREATE_WAIT_SECONDS.end());
    let id = answer.body.as_ref()?.get("id")?.as_str()?.to_string();
    Some((id, req.arrived + Duration::from_secs(seconds)))
}

/// The path of a call's recording (served without the API key, as the API does).
pub(super) fn is_recording_path(path: &str) -> bool {
    matches!(
        Routed::segments_of(path).as_slice(),
        [v1, calls, _, recording] if v1 == "v1" && calls == "calls" && recording == "recording"
    )
}

/// The call id of `GET /v1/calls/{id}/transcript/stream`.
pub(super) fn transcript_stream_path(method: &str, path: &str) -> Option<String> {
    match Routed::segments_of(path).as_slice() {
        [v1, calls, id, transcript, stream]
            if method == "GET"
                && v1 == "v1"
                && calls == "calls"
                && transcript == "transcript"
                && stream == "stream" =>
        {
            Some(id.clone())
        }
        _ => None,
    }
}

/// The events of a call's transcript stream after the first `sent` turns: each turn, then
/// `ended` once the call is over.
pub(super) fn transcript_since(
    state: &State,
    call_id: &str,
    sent: usize,
) -> (Vec<(String, Value)>, bool) {
    let Some(call) = state.calls.list.iter().find(|c| c.id == call_id) else {
        return (Vec::new(), true);
    };
    let mut events: Vec<(String, Value)> = call
        .turns
        .iter()
        .skip(sent)
        .map(|t| {
            (
                "turn".to_string(),
                json!({"role": t.role, "content": t.content}),
            )
        })
        .collect();
    let ended = call.is_over();
    if ended {
        let duration = call
            .ended_at
            .map(|end| (end - call.started_at).num_milliseconds() as f64 / 1000.0);
        events.push((
            "ended".to_string(),
            json!({"callId": call.id, "status": call.status, "durationSeconds": duration}),
        ));
    }
    (events, ended)
}

/// A WAV file of `seconds` of silence (8 kHz, 16-bit, mono).
fn silent_wav(seconds: f64) -> Vec<u8> {
    let samples = (seconds.clamp(0.1, 5.0) * 8000.0) as u32;
    let data = samples * 2;
    let mut wav = Vec::with_capacity(44 + data as usize);
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&1u16.to_le_bytes()); // mono
    wav.extend_from_slice(&8000u32.to_le_bytes());
    wav.extend_from_slice(&16000u32.to_le_bytes()); // bytes per second
    wav.extend_from_slice(&2u16.to_le_bytes()); // block align
    wav.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&data.to_le_bytes());
    wav.resize(44 + data as usize, 0);
    wav
}

fn call_not_found(id: &str) -> Answer {
    envelope(
        404,
        "CALL_NOT_FOUND",
        &format!("Call {id} not found"),
        Value::Null,
    )
}

/// The body of `POST /v1/calls` (camelCase, as the API spells it). The settings a call only
/// passes on stay as given, checked where they are used.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewCall {
    #[serde(default)]
    agent_id: Option<String>,
    #[serde(default)]
    to_number: Option<String>,
    #[serde(default)]
    from_number_id: Option<String>,
    #[serde(default)]
    initial_greeting: Option<String>,
    #[serde(default)]
    wait_for_completion: Option<Value>,
    #[serde(default)]
    max_wait_seconds: Option<Value>,
    #[serde(default)]
    disable_recording: Option<Value>,
}

/// The body of `POST /sandbox/calls`: an inbound call to one of the numbers, and what the
/// caller and the agent say.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InboundCall {
    #[serde(default)]
    number_id: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default, deserialize_with = "script")]
    transcript: VecDeque<(String, String)>,
}

/// The turns of an inbound call's script, `(role, content)`; `null` is none.
fn script<'de, D: serde::Deserializer<'de>>(d: D) -> Result<VecDeque<(String, String)>, D::Error> {
    let bad = || serde::de::Error::custom("must be a list of {\"role\", \"content\"}");
    match Value::deserialize(d)? {
        Value::Null => Ok(VecDeque::new()),
        Value::Array(turns) => turns
            .iter()
            .map(|t| {
                let role = t.get("role")?.as_str()?.to_string();
                let content = t.get("content")?.as_str()?.to_string();
                Some((role, content))
            })
            .collect::<Option<VecDeque<_>>>()
            .ok_or_else(bad),
        _ => Err(bad()),
    }
}

/// A call as the API writes one ([`CallRec::to_json`]).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CallView<'a> {
    id: &'a str,
    from_number: &'a str,
    to_number: &'a str,
    direction: &'a str,
    status: &'a str,
    #[serde(serialize_with = "rfc3339")]
    started_at: DateTime<Utc>,
    #[serde(serialize_with = "rfc3339_opt")]
    ended_at: Option<DateTime<Utc>>,
    duration_seconds: Option<f64>,
    agent_id: Option<&'a str>,
    agent_name: Option<&'a str>,
    phone_number_id: &'a str,
    phone_number: Option<&'a str>,
    recording_available: bool,
    recording_url: Option<String>,
    transcripts: Vec<TranscriptView<'a>>,
    last_transcript_snippet: Option<&'a str>,
}

/// One exchange of a call's transcript: what the caller said and the agent's answer.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TranscriptView<'a> {
    id: String,
    transcript: Option<&'a str>,
    response: Option<&'a str>,
    #[serde(serialize_with = "rfc3339")]
    created_at: DateTime<Utc>,
}

impl CallRec {
    fn is_over(&self) -> bool {
        self.ended_at.is_some()
    }

    /// The call as the API writes one: its number and agent looked up in `state`, each thing
    /// the caller said paired with the agent's answer.
    fn to_json(&self, state: &State) -> Value {
        let mut transcripts = Vec::new();
        let mut turns = self.turns.iter().peekable();
        while let Some(t) = turns.next() {
            let (transcript, response) = if t.role == "agent" {
                (None, Some(t.content.as_str()))
            } else {
                let answer = turns.next_if(|n| n.role == "agent");
                (Some(t.content.as_str()), answer.map(|n| n.content.as_str()))
            };
            transcripts.push(TranscriptView {
                id: format!("{}_t{}", self.id, transcripts.len() + 1),
                transcript,
                response,
                created_at: t.at,
            });
        }
        let recorded = self.recording && self.is_over();
        record(&CallView {
            id: &self.id,
            from_number: &self.from,
            to_number: &self.to,
            direction: self.direction,
            status: self.status,
            started_at: self.started_at,
            ended_at: self.ended_at,
            duration_seconds: self
                .ended_at
                .map(|end| (end - self.started_at).num_milliseconds() as f64 / 1000.0),
            agent_id: self.agent_id.as_deref(),
            agent_name: self
                .agent_id
                .as_ref()
                .and_then(|a| state.agents.by_id.get(a))
                .map(|a| a.name.as_str()),
            phone_number_id: &self.number_id,
            phone_number: state
                .number(&self.number_id)
                .map(|n| n.phone_number.as_str()),
            recording_available: recorded,
            recording_url: recorded.then(|| format!("/v1/calls/{}/recording", self.id)),
            transcripts,
            last_transcript_snippet: self.turns.last().map(|t| t.content.as_str()),
        })
    }

    /// Plays the next scripted turn (or `turn`); with nothing to play, the call completes.
    fn advance(&mut self, turn: Option<(String, String)>) {
        if self.is_over() {
            return;
        }
        if self.status == "ringing" {
            self.status = "in-progress";
            if turn.is_none() {
                return;
            }
        }
        match turn.or_else(|| self.script.pop_front()) {
            Some((role, content)) => self.turns.push(Turn {
                role,
                content,
                at: now_micros(),
            }),
            None => self.finish(),
        }
    }

    fn finish(&mut self) {
        if !self.is_over() {
            self.status = "completed";
            self.ended_at = Some(now_micros());
        }
    }
}

impl State {
    fn call_index(&self, id: &str) -> Option<usize> {
        self.calls.list.iter().position(|c| c.id == id)
    }

    /// A page of calls (newest first) that pass `keep` and the query's filters.
    fn list_calls(
        &self,
        query: &HashMap<String, String>,
        keep: impl Fn(&CallRec) -> bool,
    ) -> Answered {
        let limit = int_query(query, "limit", 20, 1, 100)? as usize;
        let offset =
            usize::try_from(int_query(query, "offset", 0, 0, i64::MAX)?).unwrap_or(usize::MAX);
        let filter = |key: &str| query.get(key).map(String::as_str);
        let matching: Vec<&CallRec> = self
            .calls
            .list
            .iter()
            .rev()
            .filter(|c| keep(c))
            .filter(|c| filter("status").is_none_or(|s| c.status == s))
            .filter(|c| filter("direction").is_none_or(|d| c.direction == d))
            .filter(|_| filter("type").is_none_or(|t| t == "pstn"))
            .filter(|c| filter("search").is_none_or(|s| c.from.contains(s) || c.to.contains(s)))
            .collect();
        let total = matching.len();
        let data: Vec<Value> = matching
            .iter()
            .skip(offset)
            .take(limit)
            .map(|c| c.to_json(self))
            .collect();
        ok(
            200,
            json!({"data": data, "hasMore": offset.saturating_add(limit) < total, "total": total}),
        )
    }

    fn create_call(&mut self, body: &[u8]) -> Answered {
        let req: NewCall = answer::body(body)?;
        let agent_id = req
            .agent_id
            .ok_or_else(|| invalid_body("agentId", "Field required"))?;
        let to = req
            .to_number
            .ok_or_else(|| invalid_body("toNumber", "Field required"))?;
        if !is_e164(&to) {
            return Err(invalid_body("toNumber", "must be an E.164 number"));
        }
        if !self.agents.by_id.contains_key(&agent_id) {
            return Err(agent_not_found(&agent_id));
        }
        let attached = |id: &str| {
            self.number(id).is_some_and(|n| {
                n.status == "active" && n.agent_id.as_deref() == Some(agent_id.as_str())
            })
        };
        let number_id = match req.from_number_id {
            Some(id) if attached(&id) => id,
            Some(_) => {
                return Err(invalid_body(
                    "fromNumberId",
                    "must be an active number attached to the agent",
                ))
            }
            None => self
                .numbers
                .list
                .iter()
                .find(|n| attached(&n.id))
                .map(|n| n.id.clone())
                .ok_or_else(|| invalid_body("agentId", "the agent has no active number"))?,
        };
        let from = self
            .number(&number_id)
            .expect("attached")
            .phone_number
            .clone();
        match req.wait_for_completion {
            None | Some(Value::Bool(_)) => {}
            Some(_) => {
                return Err(invalid_body(
                    "waitForCompletion",
                    "Input should be a valid boolean",
                ))
            }
        }
        match req.max_wait_seconds {
            None => {}
            Some(v) if v.as_u64().is_some_and(|n| CREATE_WAIT_SECONDS.contains(&n)) => {}
            Some(_) => {
                return Err(invalid_body(
                    "maxWaitSeconds",
                    "Input should be an integer between 10 and 600",
                ))
            }
        }
        let greeting = req.initial_greeting;
        let recording = !matches!(req.disable_recording, Some(Value::Bool(true)));
        self.calls.next += 1;
        let mut call = CallRec {
            id: format!("call_sbx{:06}", self.calls.next),
            agent_id: Some(agent_id),
            number_id,
            from,
            to,
            direction: "outbound",
            status: "ringing",
            started_at: now_micros(),
            ended_at: None,
            turns: Vec::new(),
            script: VecDeque::new(),
            recording,
        };
        if let Some(g) = greeting {
            call.script.push_back(("agent".into(), g));
        }
        let out = call.to_json(self);
        self.calls.list.push(call);
        ok(201, out)
    }

    /// `GET /v1/calls/{id}`, with `wait=true&timeout=N` held until the call ends or N seconds
    /// pass (the router asks again whenever the state changes).
    fn get_call(&self, id: &str, req: &Routed<'_>) -> Answered {
        let wait = match req.query.get("wait").map(String::as_str) {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => {
                return Err(invalid_query(
                    "wait",
                    other,
                    "Input should be a valid boolean",
                    "bool_parsing",
                ))
            }
        };
        let timeout = int_query(&req.query, "timeout", 120, 10, 300)? as u64;
        let Some(i) = self.call_index(id) else {
            return Err(call_not_found(id));
        };
        let call = &self.calls.list[i];
        let deadline = req.arrived + Duration::from_secs(timeout);
        if wait && !call.is_over() && std::time::Instant::now() < deadline {
            return Ok(Answer {
                wait_until: Some(deadline),
                ..Answer::json(200, Value::Null)
            });
        }
        ok(200, call.to_json(self))
    }

    /// The answer to a create that waits ([`completion_wait`]): the call as it is once it is
    /// over or the wait ran out; until then, an answer that asks to be tried again.
    pub(super) fn completed_call(&self, id: &str, deadline: Instant) -> Answered {
        let Some(i) = self.call_index(id) else {
            return Err(call_not_found(id));
        };
        let call = &self.calls.list[i];
        if !call.is_over() && Instant::now() < deadline {
            return Ok(Answer {
                wait_until: Some(deadline),
                ..Answer::json(201, Value::Null)
            });
        }
        ok(201, call.to_json(self))
    }

    fn end_call(&mut self, id: &str) -> Answered {
        let Some(i) = self.call_index(id) else {
            return Err(call_not_found(id));
        };
        if !self.calls.list[i].is_over() {
            self.calls.list[i].finish();
            self.on_call_ended(id, "agent_hangup");
        }
        ok(200, self.calls.list[i].to_json(self))
    }

    fn transcript(&self, id: &str) -> Answered {
        let Some(i) = self.call_index(id) else {
            return Err(call_not_found(id));
        };
        let turns: Vec<Value> = self.calls.list[i]
            .turns
            .iter()
            .map(|t| json!({"role": t.role, "content": t.content, "createdAt": format_timestamp(&t.at)}))
            .collect();
        ok(200, json!({"callId": id, "transcript": turns}))
    }

    fn recording(&self, id: &str) -> Answered {
        let Some(i) = self.call_index(id) else {
            return Err(call_not_found(id));
        };
        let call = &self.calls.list[i];
        match call.ended_at {
            Some(end) if call.recording => {
                let seconds = (end - call.started_at).num_milliseconds() as f64 / 1000.0;
                Ok(Answer {
                    raw: Some(("audio/wav", silent_wav(seconds))),
                    ..Answer::json(200, Value::Null)
                })
            }
            _ => Err(envelope(
                404,
                "RECORDING_NOT_FOUND",
                &format!("Call {id} has no recording"),
                Value::Null,
            )),
        }
    }

    fn sandbox_inbound_call(&mut self, body: &[u8]) -> Answered {
        let InboundCall {
            number_id,
            from,
            transcript: script,
        } = answer::body(body)?;
        let number_id = number_id.ok_or_else(|| invalid_body("numberId", "is required"))?;
        let from = from.ok_or_else(|| invalid_body("from", "is required"))?;
        let number = match self.number(&number_id) {
            Some(n) if n.status == "active" => n,
            Some(_) => return Err(invalid_body("numberId", "the number is released")),
            None => return Err(number_not_found(&number_id)),
        };
        let (to, agent_id) = (number.phone_number.clone(), number.agent_id.clone());
        self.calls.next += 1;
        let call = CallRec {
            id: format!("call_sbx{:06}", self.calls.next),
            agent_id,
            number_id,
            from,
            to,
            direction: "inbound",
            status: "ringing",
            started_at: now_micros(),
            ended_at: None,
            turns: Vec::new(),
            script,
            recording: true,
        };
        let out = call.to_json(self);
        self.calls.list.push(call);
        ok(201, out)
    }

    fn sandbox_advance(&mut self, id: &str, body: &[u8]) -> Answered {
        /// The body of an advance: the turn to play, or nothing.
        #[derive(Deserialize)]
        struct Advance {
            #[serde(default)]
            role: Option<String>,
            #[serde(default)]
            content: Option<String>,
        }
        let turn = match answer::body(body)? {
            Advance {
                role: Some(role),
                content: Some(content),
            } => Some((role, content)),
            Advance {
                role: None,
                content: None,
            } => None,
            _ => {
                return Err(invalid_body(
                    "role",
                    "give both role and content, or neither",
                ))
            }
        };
        match self.advance_call(id, turn) {
            Some(v) => ok(200, v),
            None => Err(call_not_found(id)),
        }
    }

    /// Plays a call's next turn (or `turn`), or completes it; the call as it is then. With a
    /// webhook, the caller's turns go to it and its answers are the agent's turns: scripted
    /// agent turns are skipped.
    pub fn advance_call(&mut self, id: &str, turn: Option<(String, String)>) -> Option<Value> {
        let i = self.call_index(id)?;
        if self.has_webhook(self.calls.list[i].agent_id.as_deref()) && turn.is_none() {
            let script = &mut self.calls.list[i].script;
            while script.front().is_some_and(|(role, _)| role == "agent") {
                script.pop_front();
            }
        }
        let (turns, was_over) = (self.calls.list[i].turns.len(), self.calls.list[i].is_over());
        self.calls.list[i].advance(turn);
        let call = &self.calls.list[i];
        if call.turns.len() > turns && call.turns.last().is_some_and(|t| t.role != "agent") {
            self.on_caller_turn(id);
        }
        if !was_over && self.calls.list[i].is_over() {
            self.on_call_ended(id, "completed");
        }
        Some(self.calls.list[i].to_json(self))
    }
}
