//! The sandbox's webhooks: `/v1/webhooks...` and `/v1/agents/{id}/webhook...` (set, read,
//! delete, the delivery log and its stats), the events the sandbox sends (inbound messages,
//! voice turns, calls ended, tests), and what each delivery attempt changes: the log, a retry
//! with backoff, and for a voice turn the agent's answer in the call.
//!
//! An event goes to the agent's webhook when it has one, else to the project's; never both.

use crate::time::{rfc3339, rfc3339_opt};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::answer::{
    self, agent_not_found, invalid_body, method_not_allowed, ok, record, Answer, Answered,
};
use crate::calls::Turn;
use crate::messages::MessageRec;
use crate::state::{now_micros, Routed, State};
use crate::time::format_timestamp;
use agentphone::webhook::VoiceReply;

/// A webhook: where events go and the secret they are signed with, serialized as the API
/// writes one.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WebhookRec {
    pub(crate) id: String,
    pub(crate) url: String,
    pub(crate) secret: String,
    /// `active`: a webhook that is set is in use.
    pub(crate) status: &'static str,
    pub(crate) context_limit: u32,
    pub(crate) timeout: u32,
    #[serde(serialize_with = "rfc3339")]
    pub(crate) created_at: DateTime<Utc>,
}

/// One event's deliveries: its log entry, updated on each attempt, serialized as the API's
/// delivery log writes it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeliveryRec {
    pub(crate) id: String,
    pub(crate) message_id: Option<String>,
    pub(crate) event_type: String,
    pub(crate) channel: Option<String>,
    /// `pending`, `success` or `failed`.
    pub(crate) status: &'static str,
    pub(crate) http_status: Option<u16>,
    pub(crate) error_message: Option<String>,
    pub(crate) response_body: Option<String>,
    pub(crate) attempt_count: u32,
    #[serde(serialize_with = "rfc3339_opt")]
    pub(crate) last_attempt_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "rfc3339_opt")]
    pub(crate) next_retry_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "rfc3339")]
    pub(crate) created_at: DateTime<Utc>,
}

/// An event waiting to be delivered (or delivered again).
#[derive(Debug, Clone)]
pub(crate) struct Job {
    /// The delivery log entry, and the `X-Webhook-ID` (the same on every attempt).
    pub(crate) delivery_id: String,
    pub(crate) url: String,
    pub(crate) secret: String,
    pub(crate) timeout: Duration,
    pub(crate) body: Vec<u8>,
    /// Attempts made so far.
    pub(crate) attempts: u32,
    pub(crate) not_before: Instant,
    /// For a voice turn: the call whose next agent turn is the receiver's answer.
    pub(crate) call_id: Option<String>,
}

/// How the sandbox delivers webhooks.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WebhookSettings {
    /// The first retry's delay; each next one doubles it.
    pub(crate) retry_delay: Duration,
    /// Deliver to hosts other than loopback (off: the sandbox never forwards requests out).
    pub(crate) allow_remote: bool,
}

impl Default for WebhookSettings {
    /// A second before the first retry; loopback receivers only.
    fn default() -> WebhookSettings {
        WebhookSettings {
            retry_delay: Duration::from_secs(1),
            allow_remote: false,
        }
    }
}

/// The webhooks set, what was delivered, and what waits to be.
#[derive(Debug, Default)]
pub(crate) struct Webhooks {
    pub(crate) project: Option<WebhookRec>,
    pub(crate) by_agent: HashMap<String, WebhookRec>,
    pub(crate) deliveries: Vec<DeliveryRec>,
    pub(crate) outbox: VecDeque<Job>,
    /// The receivers (URLs) with a delivery under way: one at a time each, so that a slow
    /// receiver holds up only its own events.
    pub(crate) in_flight: HashSet<String>,
    pub(crate) settings: WebhookSettings,
    pub(crate) next_delivery: u64,
}

/// Attempts per event, the first included (as the API: 6 over about a day).
pub const MAX_ATTEMPTS: u32 = 6;

/// The webhook routes (the test routes are sent synchronously by the router: see
/// [`State::test_job`]).
pub(super) fn route(state: &mut State, req: &Routed<'_>) -> Option<Answered> {
    let answer = match (req.method, req.segments.as_slice()) {
        ("GET", ["v1", "webhooks"]) => ok(200, webhook_json(state.webhooks.project.as_ref())),
        ("POST", ["v1", "webhooks"]) => match new_webhook(req.body) {
            Ok(w) => ok(200, webhook_json(Some(state.webhooks.project.insert(w)))),
            Err(a) => Err(a),
        },
        ("DELETE", ["v1", "webhooks"]) => {
            let had = state.webhooks.project.take().is_some();
            ok(200, json!({"success": had}))
        }
        ("GET", ["v1", "webhooks", "deliveries"]) => state.deliveries_page(&req.query),
        ("GET", ["v1", "webhooks", "deliveries", "stats"]) => state.delivery_stats(&req.query),
        ("GET", ["v1", "agents", id, "webhook"]) => match state.agents.by_id.contains_key(*id) {
            true => ok(200, webhook_json(state.webhooks.by_agent.get(*id))),
            false => Err(agent_not_found(id)),
        },
        ("POST", ["v1", "agents", id, "webhook"]) => match state.agents.by_id.contains_key(*id) {
            true => match new_webhook(req.body) {
                Ok(w) => {
                    state.webhooks.by_agent.insert(id.to_string(), w.clone());
                    ok(200, webhook_json(Some(&w)))
                }
                Err(a) => Err(a),
            },
            false => Err(agent_not_found(id)),
        },
        ("DELETE", ["v1", "agents", id, "webhook"]) => match state.agents.by_id.contains_key(*id) {
            true => ok(
                200,
                json!({"success": state.webhooks.by_agent.remove(*id).is_some()}),
            ),
            false => Err(agent_not_found(id)),
        },
        (
            _,
            ["v1", "webhooks"]
            | ["v1", "webhooks", "test" | "deliveries"]
            | ["v1", "webhooks", "deliveries", "stats"]
            | ["v1", "agents", _, "webhook"]
            | ["v1", "agents", _, "webhook", "test"],
        ) => Err(method_not_allowed()),
        _ => return None,
    };
    Some(answer)
}

/// The agent whose webhook a test goes to (`Some(None)`: the project's), for
/// `POST /v1/webhooks/test` and `POST /v1/agents/{id}/webhook/test`.
pub(super) fn test_target(method: &str, segments: &[String]) -> Option<Option<String>> {
    let s: Vec<&str> = segments.iter().map(String::as_str).collect();
    match (method, s.as_slice()) {
        ("POST", ["v1", "webhooks", "test"]) => Some(None),
        ("POST", ["v1", "agents", id, "webhook", "test"]) => Some(Some(id.to_string())),
        _ => None,
    }
}

/// A webhook as its routes answer it: `null` when none is set.
fn webhook_json(w: Option<&WebhookRec>) -> Value {
    record(&w)
}

/// A webhook from a set request, with a new secret (as the API: every set rotates it).
fn new_webhook(body: &[u8]) -> Result<WebhookRec, Answer> {
    /// The body of a set (camelCase, as the API spells it). The numbers stay as given: anything
    /// but an integer in range is the one error that gives the range.
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct SetWebhook {
        #[serde(default)]
        url: Option<String>,
        #[serde(default)]
        context_limit: Option<Value>,
        #[serde(default)]
        timeout: Option<Value>,
    }
    let req: SetWebhook = answer::body(body)?;
    let url = req
        .url
        .ok_or_else(|| invalid_body("url", "Field required"))?;
    let absolute = url
        .parse::<ureq::http::Uri>()
        .ok()
        .is_some_and(|u| matches!(u.scheme_str(), Some("http" | "https")) && u.host().is_some());
    if !absolute || url.len() > 2083 {
        return Err(invalid_body(
            "url",
            "must be an absolute http(s) URL of at most 2083 characters",
        ));
    }
    let number = |key: &str, v: Option<Value>, default: u64, (min, max): (u64, u64)| match v {
        None => Ok(default),
        Some(v) => v
            .as_u64()
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(|| invalid_body(key, &format!("must be between {min} and {max}"))),
    };
    let random = crate::random::random_u64;
    Ok(WebhookRec {
        id: format!("wh_sbx{:08x}", random() as u32),
        url,
        secret: format!("whsec_{:016x}{:016x}", random(), random()),
        status: "active",
        context_limit: number("contextLimit", req.context_limit, 10, (0, 50))? as u32,
        timeout: number("timeout", req.timeout, 30, (5, 120))? as u32,
        created_at: now_micros(),
    })
}

/// The history of a conversation as an event carries it: its last `limit` messages.
fn history(messages: &[&MessageRec], limit: usize) -> Value {
    let start = messages.len().saturating_sub(limit);
    json!(messages[start..]
        .iter()
        .map(
            |m| json!({"content": m.body, "direction": m.direction, "channel": m.channel,
                        "at": format_timestamp(&m.received_at)})
        )
        .collect::<Vec<_>>())
}

impl State {
    /// The webhook an agent's events go to: its own, else the project's.
    fn webhook_for(&self, agent: Option<&str>) -> Option<&WebhookRec> {
        agent
            .and_then(|a| self.webhooks.by_agent.get(a))
            .or(self.webhooks.project.as_ref())
    }

    /// Whether an agent's events have somewhere to go.
    pub(super) fn has_webhook(&self, agent: Option<&str>) -> bool {
        self.webhook_for(agent).is_some()
    }

    /// Queues an event for the agent's webhook (or the project's); nothing when there is none.
    fn enqueue(&mut self, agent: Option<&str>, envelope: Value, call_id: Option<String>) {
        let Some(webhook) = self.webhook_for(agent).cloned() else {
            return;
        };
        let job = self.new_delivery(&webhook, &envelope, call_id);
        self.webhooks.outbox.push_back(job);
    }

    /// A delivery log entry and its first attempt.
    fn new_delivery(
        &mut self,
        webhook: &WebhookRec,
        envelope: &Value,
        call_id: Option<String>,
    ) -> Job {
        self.webhooks.next_delivery += 1;
        let id = format!("whd_sbx{:06}", self.webhooks.next_delivery);
        let data = &envelope["data"];
        self.webhooks.deliveries.push(DeliveryRec {
            id: id.clone(),
            message_id: data["messageId"].as_str().map(str::to_string),
            event_type: envelope["event"].as_str().unwrap_or_default().to_string(),
            channel: envelope["channel"].as_str().map(str::to_string),
            status: "pending",
            http_status: None,
            error_message: None,
            response_body: None,
            attempt_count: 0,
            last_attempt_at: None,
            next_retry_at: None,
            created_at: now_micros(),
        });
        Job {
            delivery_id: id,
            url: webhook.url.clone(),
            secret: webhook.secret.clone(),
            timeout: Duration::from_secs(webhook.timeout.into()),
            body: envelope.to_string().into_bytes(),
            attempts: 0,
            not_before: Instant::now(),
            call_id,
        }
    }

    /// `agent.message` for a message that just arrived.
    pub(super) fn on_inbound_message(&mut self, m: &MessageRec) {
        let agent = self.number(&m.number_id).and_then(|n| n.agent_id.clone());
        let Some(webhook) = self.webhook_for(agent.as_deref()) else {
            return;
        };
        let limit = webhook.context_limit as usize;
        let conversation = self.conversation(&m.conversation_id);
        let state = conversation.map(|c| Value::Object(c.metadata.clone()));
        let recent = conversation
            .map(|c| history(&self.conversation_messages(c), limit))
            .unwrap_or_else(|| json!([]));
        let envelope = json!({
            "event": "agent.message", "channel": m.channel,
            "timestamp": format_timestamp(&now_micros()), "agentId": agent,
            "data": {
                "messageId": m.id, "conversationId": m.conversation_id, "numberId": m.number_id,
                "from": m.from, "to": m.to, "message": m.body, "mediaUrls": m.media_urls,
                "direction": "inbound", "receivedAt": format_timestamp(&m.received_at),
            },
            "conversationState": state.filter(|s| s.as_object().is_some_and(|o| !o.is_empty())),
            "recentHistory": recent,
        });
        self.enqueue(agent.as_deref(), envelope, None);
    }

    /// `agent.message` on the voice channel for what the caller just said; the receiver's
    /// answer becomes the agent's next turn.
    pub(super) fn on_caller_turn(&mut self, call_id: &str) {
        let Some(call) = self.calls.list.iter().find(|c| c.id == call_id) else {
            return;
        };
        let Some(turn) = call.turns.last() else {
            return;
        };
        let limit = self
            .webhook_for(call.agent_id.as_deref())
            .map_or(0, |w| w.context_limit as usize);
        let start = call.turns.len().saturating_sub(limit);
        let recent: Vec<Value> = call.turns[start..]
            .iter()
            .map(|t| {
                json!({"content": t.content,
                            "direction": if t.role == "agent" { "outbound" } else { "inbound" },
                            "channel": "voice", "at": format_timestamp(&t.at)})
            })
            .collect();
        let envelope = json!({
            "event": "agent.message", "channel": "voice",
            "timestamp": format_timestamp(&now_micros()), "agentId": call.agent_id,
            "data": {"callId": call.id, "transcript": turn.content, "confidence": 0.95,
                     "status": call.status, "from": call.from, "to": call.to},
            "conversationState": null, "recentHistory": recent,
        });
        let agent = call.agent_id.clone();
        self.enqueue(agent.as_deref(), envelope, Some(call_id.to_string()));
    }

    /// `agent.call_ended` with the whole transcript.
    pub(super) fn on_call_ended(&mut self, call_id: &str, reason: &str) {
        let Some(call) = self.calls.list.iter().find(|c| c.id == call_id) else {
            return;
        };
        let transcript: Vec<Value> = call
            .turns
            .iter()
            .map(|t| json!({"role": t.role, "content": t.content}))
            .collect();
        let duration = call
            .ended_at
            .map(|end| (end - call.started_at).num_milliseconds() as f64 / 1000.0);
        let envelope = json!({
            "event": "agent.call_ended", "channel": "voice",
            "timestamp": format_timestamp(&now_micros()), "agentId": call.agent_id,
            "data": {"callId": call.id, "transcript": transcript, "durationSeconds": duration,
                     "summary": null, "disconnectionReason": reason, "userSentiment": null,
                     "callSuccessful": null},
        });
        let agent = call.agent_id.clone();
        self.enqueue(agent.as_deref(), envelope, None);
    }

    /// The job of a test delivery (sent at once, not retried), or the answer when there is no
    /// webhook to test.
    pub(super) fn test_job(&mut self, agent: Option<&str>, body: &[u8]) -> Result<Job, Answer> {
        if let Some(a) = agent {
            if !self.agents.by_id.contains_key(a) {
                return Err(agent_not_found(a));
            }
        }
        /// The body of a test: the message event to send, each field defaulted.
        #[derive(Deserialize)]
        struct TestEvent {
            #[serde(default)]
            channel: Option<String>,
            #[serde(default)]
            from: Option<String>,
            #[serde(default)]
            to: Option<String>,
            #[serde(default)]
            message: Option<String>,
        }
        let req: TestEvent = answer::body(body)?;
        let webhook = match agent {
            Some(a) => self.webhooks.by_agent.get(a).cloned(),
            None => self.webhooks.project.clone(),
        }
        .ok_or_else(|| {
            crate::answer::envelope(404, "WEBHOOK_NOT_FOUND", "No webhook is set", Value::Null)
        })?;
        let or = |v: Option<String>, default: &str| v.unwrap_or_else(|| default.to_string());
        self.messages.next += 1;
        let envelope = json!({
            "event": "agent.message", "channel": or(req.channel, "sms"), "test": true,
            "timestamp": format_timestamp(&now_micros()), "agentId": agent,
            "data": {"messageId": format!("msg_test{:06}", self.messages.next),
                     "from": or(req.from, "+15550000000"), "to": or(req.to, "+15550000001"),
                     "message": or(req.message, "This is a test event from the sandbox"),
                     "direction": "inbound", "receivedAt": format_timestamp(&now_micros())},
            "conversationState": null, "recentHistory": [],
        });
        let mut job = self.new_delivery(&webhook, &envelope, None);
        job.attempts = MAX_ATTEMPTS - 1; // a test is not retried
        Ok(job)
    }

    /// The next job that is due for a receiver with no delivery under way, marked under way
    /// (see [`State::delivery_done`]); else how long until the next one is due.
    pub(super) fn next_job(&mut self) -> Result<Job, Option<Duration>> {
        let now = Instant::now();
        let idle = |j: &Job| !self.webhooks.in_flight.contains(&j.url);
        match self
            .webhooks
            .outbox
            .iter()
            .position(|j| j.not_before <= now && idle(j))
        {
            Some(i) => {
                let job = self.webhooks.outbox.remove(i).expect("index in range");
                self.webhooks.in_flight.insert(job.url.clone());
                Ok(job)
            }
            None => Err(self
                .webhooks
                .outbox
                .iter()
                .filter(|j| idle(j))
                .map(|j| j.not_before.saturating_duration_since(now))
                .min()),
        }
    }

    /// The delivery to `url` that [`State::next_job`] handed out is over.
    pub(super) fn delivery_done(&mut self, url: &str) {
        self.webhooks.in_flight.remove(url);
    }

    /// Records an attempt's outcome (the receiver's status and body, or why nothing came
    /// back): the log, a retry with backoff, and for a voice turn the agent's answer.
    pub(super) fn record_attempt(&mut self, mut job: Job, outcome: Result<(u16, Vec<u8>), String>) {
        job.attempts += 1;
        let success = matches!(&outcome, Ok((status, _)) if (200..300).contains(status));
        let retry = !success && job.attempts < MAX_ATTEMPTS;
        let delay = self.webhooks.settings.retry_delay * 2u32.saturating_pow(job.attempts - 1);
        if let Some(d) = self
            .webhooks
            .deliveries
            .iter_mut()
            .find(|d| d.id == job.delivery_id)
        {
            d.attempt_count = job.attempts;
            d.last_attempt_at = Some(now_micros());
            match &outcome {
                Ok((status, body)) => {
                    d.http_status = Some(*status);
                    d.response_body =
                        Some(String::from_utf8_lossy(&body[..body.len().min(1000)]).into_owned());
                    d.error_message = (!success).then(|| format!("the receiver answered {status}"));
                }
                Err(why) => {
                    d.http_status = None;
                    d.error_message = Some(why.clone());
                }
            }
            d.status = match (success, retry) {
                (true, _) => "success",
                (false, true) => "pending",
                (false, false) => "failed",
            };
            d.next_retry_at =
                retry.then(|| now_micros() + chrono::Duration::from_std(delay).unwrap_or_default());
        }
        if success {
            if let (Some(call_id), Ok((_, body))) = (&job.call_id, &outcome) {
                self.answer_turn(call_id, body);
            }
        } else if retry {
            job.not_before = Instant::now() + delay;
            self.webhooks.outbox.push_back(job);
        }
    }

    /// The receiver's answer to a voice turn becomes the agent's turn; `hangup` ends the call.
    fn answer_turn(&mut self, call_id: &str, body: &[u8]) {
        let Some(reply) = VoiceReply::parse(body) else {
            return; // not a reply: the caller hears silence
        };
        let Some(call) = self.calls.list.iter_mut().find(|c| c.id == call_id) else {
            return;
        };
        if call.ended_at.is_some() {
            return;
        }
        call.turns.push(Turn {
            role: "agent".into(),
            content: reply.text,
            at: now_micros(),
        });
        if reply.hangup == Some(true) {
            call.status = "completed";
            call.ended_at = Some(now_micros());
            self.on_call_ended(call_id, "agent_hangup");
        }
    }

    fn deliveries_page(&self, query: &HashMap<String, String>) -> Answered {
        let int = |k: &str, d: i64, max: i64| crate::answer::int_query(query, k, d, 0, max);
        let (limit, offset, hours) = match (
            int("limit", 50, 100),
            int("offset", 0, i64::MAX),
            int("hours", 0, 24 * 365),
        ) {
            (Ok(l), Ok(o), Ok(h)) => (l.max(1) as usize, o as usize, h),
            (Err(a), _, _) | (_, Err(a), _) | (_, _, Err(a)) => return Err(a),
        };
        let since = (hours > 0).then(|| now_micros() - chrono::Duration::hours(hours));
        let matching: Vec<&DeliveryRec> = self
            .webhooks
            .deliveries
            .iter()
            .rev()
            .filter(|d| since.is_none_or(|s| d.created_at >= s))
            .collect();
        let items: Vec<Value> = matching
            .iter()
            .skip(offset)
            .take(limit)
            .map(|d| record(&d))
            .collect();
        ok(
            200,
            json!({"items": items, "total": matching.len(), "offset": offset, "limit": limit}),
        )
    }

    fn delivery_stats(&self, query: &HashMap<String, String>) -> Answered {
        let hours = crate::answer::int_query(query, "hours", 24, 1, 24 * 365)?;
        let since = now_micros() - chrono::Duration::hours(hours);
        let recent: Vec<&DeliveryRec> = self
            .webhooks
            .deliveries
            .iter()
            .filter(|d| d.created_at >= since)
            .collect();
        let count = |status: &str| recent.iter().filter(|d| d.status == status).count();
        let mut by_type: BTreeMap<&str, usize> = BTreeMap::new();
        for d in &recent {
            *by_type.entry(&d.event_type).or_default() += 1;
        }
        let (success, failed) = (count("success"), count("failed"));
        let rate = if success + failed == 0 {
            Value::Null
        } else {
            json!(success as f64 / (success + failed) as f64)
        };
        ok(
            200,
            json!({"total": recent.len(), "success": success, "failed": failed,
                   "pending": count("pending"), "successRate": rate, "byEventType": by_type,
                   "byHour": []}),
        )
    }
}
