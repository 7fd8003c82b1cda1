//! The sandbox's in-memory state: numbers, their messages, agents, and the request as the
//! routes see it.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::atomic::AtomicBool;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use percent_encoding::percent_decode_str;
use serde_json::{json, Map, Value};

use serde::Serialize;

use crate::answer::{int_query, invalid_query, ok, record, Answer, Answered};
use crate::time::{parse_timestamp, rfc3339, rfc3339_opt};

/// A self-serve account may hold this many active numbers (`VALIDATION_ERROR_NUMBER_LIMIT`).
pub const DEFAULT_NUMBER_LIMIT: usize = 10;
/// The agent every sandbox starts with.
pub const DEFAULT_AGENT: &str = "agt_sandbox";

/// A number, serialized as the API writes one.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NumberRec {
    pub(super) id: String,
    pub(super) phone_number: String,
    pub(super) country: String,
    pub(super) status: &'static str,
    pub(super) agent_id: Option<String>,
    #[serde(rename = "type")]
    pub(super) number_type: String,
    #[serde(serialize_with = "rfc3339")]
    pub(super) created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) external_id: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "rfc3339_opt"
    )]
    pub(super) expires_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) imessage_type: Option<String>,
    /// The iMessage contact card, when set (served by its own route).
    #[serde(skip)]
    pub(super) contact_card: Option<Value>,
}

/// A message, inbound or outbound, on a number and in a conversation.
#[derive(Debug, Clone)]
pub(crate) struct MessageRec {
    pub(super) id: String,
    pub(super) number_id: String,
    pub(super) conversation_id: String,
    pub(super) from: String,
    pub(super) to: String,
    pub(super) body: String,
    pub(super) received_at: DateTime<Utc>,
    /// `inbound` or `outbound`.
    pub(super) direction: &'static str,
    /// `sms` or `imessage`: the number's type.
    pub(super) channel: String,
    /// `received` (inbound); `sent`, `delivered` or `failed` (outbound).
    pub(super) status: String,
    pub(super) failure_reason: Option<String>,
    pub(super) delivered_at: Option<DateTime<Utc>>,
    pub(super) media_urls: Vec<String>,
    pub(super) reply_to: Option<String>,
    pub(super) reactions: Vec<Value>,
}

/// The fields both shapes of a message share.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MessageCommon<'a> {
    id: &'a str,
    body: &'a str,
    #[serde(serialize_with = "rfc3339")]
    received_at: DateTime<Utc>,
    direction: &'a str,
    channel: &'a str,
    status: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    media_urls: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    failure_reason: Option<&'a str>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "rfc3339_opt"
    )]
    delivered_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reply_to: Option<ReplyTo<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReplyTo<'a> {
    message_id: &'a str,
}

/// A number's message (`GET /v1/numbers/{id}/messages`): `from_`, `to`, its conversation.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NumberMessage<'a> {
    #[serde(rename = "from_")]
    from: &'a str,
    to: &'a str,
    conversation_id: &'a str,
    #[serde(flatten)]
    common: MessageCommon<'a>,
}

/// A conversation's message: `fromNumber`, `toNumber`, its reactions.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ConversationMessage<'a> {
    from_number: &'a str,
    to_number: &'a str,
    reactions: &'a [Value],
    #[serde(flatten)]
    common: MessageCommon<'a>,
}

impl MessageRec {
    fn common(&self) -> MessageCommon<'_> {
        MessageCommon {
            id: &self.id,
            body: &self.body,
            received_at: self.received_at,
            direction: self.direction,
            channel: &self.channel,
            status: &self.status,
            media_urls: &self.media_urls,
            failure_reason: self.failure_reason.as_deref(),
            delivered_at: self.delivered_at,
            reply_to: self
                .reply_to
                .as_deref()
                .map(|id| ReplyTo { message_id: id }),
        }
    }

    /// The shape of a number's messages (`from_`, `to`).
    pub(super) fn to_number_json(&self) -> Value {
        record(&NumberMessage {
            from: &self.from,
            to: &self.to,
            conversation_id: &self.conversation_id,
            common: self.common(),
        })
    }

    /// The shape of a conversation's messages (`fromNumber`, `toNumber`).
    pub(super) fn to_conversation_json(&self) -> Value {
        record(&ConversationMessage {
            from_number: &self.from,
            to_number: &self.to,
            reactions: &self.reactions,
            common: self.common(),
        })
    }
}

/// A thread between a number and a counterpart, or an iMessage group.
#[derive(Debug, Clone)]
pub(crate) struct ConversationRec {
    pub(super) id: String,
    pub(super) number_id: String,
    /// The counterpart, or the group id for a group.
    pub(super) participant: String,
    pub(super) group: Option<Group>,
    pub(super) metadata: Map<String, Value>,
    pub(super) created_at: DateTime<Utc>,
    pub(super) last_message_at: DateTime<Utc>,
}

/// An iMessage group's own fields.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub(super) name: Option<String>,
    pub(super) members: Vec<String>,
}

/// An agent: its name and the settings it was given (camelCase, as the API spells them).
#[derive(Debug, Clone)]
pub(crate) struct AgentRec {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) settings: Map<String, Value>,
    pub(super) created_at: DateTime<Utc>,
}

/// One turn of a call: who spoke (`agent` or `user`) and what was said.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Turn {
    pub(super) role: String,
    pub(super) content: String,
    pub(super) at: DateTime<Utc>,
}

/// A call and its scripted course: `ringing`, then `in-progress` (one scripted turn per
/// advance), then `completed` when the script runs out or the call is ended.
#[derive(Debug, Clone)]
pub(crate) struct CallRec {
    pub(super) id: String,
    pub(super) agent_id: Option<String>,
    pub(super) number_id: String,
    pub(super) from: String,
    pub(super) to: String,
    pub(super) direction: &'static str,
    pub(super) status: &'static str,
    pub(super) started_at: DateTime<Utc>,
    pub(super) ended_at: Option<DateTime<Utc>>,
    pub(super) turns: Vec<Turn>,
    /// Turns still to come, as (role, content).
    pub(super) script: VecDeque<(String, String)>,
    pub(super) recording: bool,
}

/// A contact of the address book, serialized as the API writes one.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ContactRec {
    pub(super) id: String,
    pub(super) phone_number: String,
    pub(super) name: String,
    pub(super) email: Option<String>,
    pub(super) notes: Option<String>,
    #[serde(serialize_with = "rfc3339")]
    pub(super) created_at: DateTime<Utc>,
    #[serde(serialize_with = "rfc3339")]
    pub(super) updated_at: DateTime<Utc>,
}

/// A webhook: where events go and the secret they are signed with, serialized as the API
/// writes one.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WebhookRec {
    pub(super) id: String,
    pub(super) url: String,
    pub(super) secret: String,
    /// `active`: a webhook that is set is in use.
    pub(super) status: &'static str,
    pub(super) context_limit: u32,
    pub(super) timeout: u32,
    #[serde(serialize_with = "rfc3339")]
    pub(super) created_at: DateTime<Utc>,
}

/// One event's deliveries: its log entry, updated on each attempt, serialized as the API's
/// delivery log writes it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeliveryRec {
    pub(super) id: String,
    pub(super) message_id: Option<String>,
    pub(super) event_type: String,
    pub(super) channel: Option<String>,
    /// `pending`, `success` or `failed`.
    pub(super) status: &'static str,
    pub(super) http_status: Option<u16>,
    pub(super) error_message: Option<String>,
    pub(super) response_body: Option<String>,
    pub(super) attempt_count: u32,
    #[serde(serialize_with = "rfc3339_opt")]
    pub(super) last_attempt_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "rfc3339_opt")]
    pub(super) next_retry_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "rfc3339")]
    pub(super) created_at: DateTime<Utc>,
}

/// An event waiting to be delivered (or delivered again).
#[derive(Debug, Clone)]
pub(crate) struct Job {
    /// The delivery log entry, and the `X-Webhook-ID` (the same on every attempt).
    pub(super) delivery_id: String,
    pub(super) url: String,
    pub(super) secret: String,
    pub(super) timeout: Duration,
    pub(super) body: Vec<u8>,
    /// Attempts made so far.
    pub(super) attempts: u32,
    pub(super) not_before: Instant,
    /// For a voice turn: the call whose next agent turn is the receiver's answer.
    pub(super) call_id: Option<String>,
}

/// How the sandbox delivers webhooks.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WebhookSettings {
    /// The first retry's delay; each next one doubles it.
    pub(super) retry_delay: Duration,
    /// Deliver to hosts other than loopback (off: the sandbox never forwards requests out).
    pub(super) allow_remote: bool,
}

/// The state and what waits on it: shared by the server's threads and the webhook worker.
pub(crate) struct Store {
    pub(super) state: Mutex<State>,
    /// Signalled after every change of `state`: long polls, streams and the webhook worker
    /// wait on it.
    pub(super) changed: Condvar,
    /// Set when the sandbox stops: the worker ends.
    pub(super) stopping: AtomicBool,
}

impl Store {
    pub(super) fn new(state: State) -> Store {
        Store {
            state: Mutex::new(state),
            changed: Condvar::new(),
            stopping: AtomicBool::new(false),
        }
    }
}

/// Locks a mutex even if a thread panicked while holding it: the sandbox keeps serving.
pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Everything the sandbox remembers.
#[derive(Debug)]
pub(crate) struct State {
    pub(super) numbers: Vec<NumberRec>,
    pub(super) index: HashMap<String, usize>,
    pub(super) agents: BTreeMap<String, AgentRec>,
    pub(super) contacts: Vec<ContactRec>,
    pub(super) next_contact: u64,
    pub(super) project_webhook: Option<WebhookRec>,
    pub(super) agent_webhooks: HashMap<String, WebhookRec>,
    pub(super) deliveries: Vec<DeliveryRec>,
    pub(super) outbox: VecDeque<Job>,
    /// The receivers (URLs) with a delivery under way: one at a time each, so that a slow
    /// receiver holds up only its own events.
    pub(super) in_flight: HashSet<String>,
    pub(super) webhook_settings: WebhookSettings,
    pub(super) next_delivery: u64,
    pub(super) calls: Vec<CallRec>,
    /// Each number's messages, oldest first (by `receivedAt`, then by arrival).
    pub(super) messages: HashMap<String, Vec<MessageRec>>,
    pub(super) conversations: Vec<ConversationRec>,
    pub(super) next_number: u64,
    pub(super) next_message: u64,
    pub(super) next_conversation: u64,
    pub(super) next_agent: u64,
    pub(super) next_call: u64,
    pub(super) number_limit: usize,
}

/// One request as the routes see it: the path split into decoded segments, the query parsed.
pub(super) struct Routed<'a> {
    pub method: &'a str,
    pub segments: Vec<&'a str>,
    pub query: HashMap<String, String>,
    pub body: &'a [u8],
    /// When the request arrived: a long poll's deadline counts from it.
    pub arrived: Instant,
}

impl<'a> Routed<'a> {
    /// Splits `path` into percent-decoded segments (kept in `decoded`) and parses `query`.
    pub fn new(
        method: &'a str,
        decoded: &'a [String],
        query: &str,
        body: &'a [u8],
        arrived: Instant,
    ) -> Routed<'a> {
        Routed {
            method,
            segments: decoded.iter().map(String::as_str).collect(),
            query: parse_query(query),
            body,
            arrived,
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
        let mut state = State {
            numbers: Vec::new(),
            index: HashMap::new(),
            agents: BTreeMap::new(),
            contacts: Vec::new(),
            next_contact: 0,
            project_webhook: None,
            agent_webhooks: HashMap::new(),
            deliveries: Vec::new(),
            outbox: VecDeque::new(),
            in_flight: HashSet::new(),
            webhook_settings: WebhookSettings {
                retry_delay: Duration::from_secs(1),
                allow_remote: false,
            },
            next_delivery: 0,
            calls: Vec::new(),
            messages: HashMap::new(),
            conversations: Vec::new(),
            next_number: 0,
            next_message: 0,
            next_conversation: 0,
            next_agent: 0,
            next_call: 0,
            number_limit,
        };
        for id in agents {
            state.add_agent(&id);
        }
        state
    }

    /// Adds an agent with this id (named after it); false if it exists.
    pub fn add_agent(&mut self, id: &str) -> bool {
        if self.agents.contains_key(id) {
            return false;
        }
        let rec = AgentRec {
            id: id.to_string(),
            name: id.to_string(),
            settings: Map::new(),
            created_at: now_micros(),
        };
        self.agents.insert(id.to_string(), rec);
        true
    }

    /// The conversation between a number and a counterpart (or a group id), created if new.
    pub(super) fn conversation_for(
        &mut self,
        number_id: &str,
        participant: &str,
        at: DateTime<Utc>,
    ) -> &mut ConversationRec {
        let found = self
            .conversations
            .iter()
            .position(|c| c.number_id == number_id && c.participant == participant);
        let i = match found {
            Some(i) => i,
            None => {
                self.next_conversation += 1;
                self.conversations.push(ConversationRec {
                    id: format!("conv_sbx{:06}", self.next_conversation),
                    number_id: number_id.to_string(),
                    participant: participant.to_string(),
                    group: None,
                    metadata: Map::new(),
                    created_at: at,
                    last_message_at: at,
                });
                self.conversations.len() - 1
            }
        };
        &mut self.conversations[i]
    }

    pub(super) fn conversation(&self, id: &str) -> Option<&ConversationRec> {
        self.conversations.iter().find(|c| c.id == id)
    }

    /// A new message id.
    pub(super) fn message_id(&mut self) -> String {
        self.next_message += 1;
        format!("msg_sbx{:06}", self.next_message)
    }

    /// Stores a message on its number (oldest first; a message with the same time as others
    /// goes after them) and moves its conversation's last activity.
    pub(super) fn add_message(&mut self, rec: MessageRec) {
        if let Some(c) = self
            .conversations
            .iter_mut()
            .find(|c| c.id == rec.conversation_id)
        {
            c.last_message_at = c.last_message_at.max(rec.received_at);
        }
        let list = self.messages.entry(rec.number_id.clone()).or_default();
        let at = list.partition_point(|m| m.received_at <= rec.received_at);
        list.insert(at, rec);
    }

    pub(super) fn message_mut(&mut self, id: &str) -> Option<&mut MessageRec> {
        self.messages
            .values_mut()
            .flat_map(|list| list.iter_mut())
            .find(|m| m.id == id)
    }

    /// A conversation's messages, oldest first.
    pub(super) fn conversation_messages(&self, c: &ConversationRec) -> Vec<&MessageRec> {
        self.messages
            .get(&c.number_id)
            .map(|list| list.iter().filter(|m| m.conversation_id == c.id).collect())
            .unwrap_or_default()
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

/// The query of a message list: `limit` (1 to 200, default 50), `before`, `after`.
pub(super) struct MessageQuery {
    limit: usize,
    before: Option<DateTime<Utc>>,
    after: Option<DateTime<Utc>>,
}

impl MessageQuery {
    /// Reads the query; a bad value is FastAPI's 422, as the API answers before anything else.
    pub(super) fn parse(query: &HashMap<String, String>) -> Result<MessageQuery, Answer> {
        let limit = int_query(query, "limit", 50, 1, 200)? as usize;
        let mut bounds = [None, None];
        for (i, name) in ["before", "after"].iter().enumerate() {
            if let Some(raw) = query.get(*name) {
                bounds[i] = Some(parse_timestamp(raw).ok_or_else(|| {
                    invalid_query(
                        name,
                        raw,
                        "Input should be a valid datetime",
                        "datetime_from_date_parsing",
                    )
                })?);
            }
        }
        let [before, after] = bounds;
        Ok(MessageQuery {
            limit,
            before,
            after,
        })
    }

    /// A page of `oldest_first`, newest first (equal times: the later arrival first).
    pub(super) fn page(
        &self,
        oldest_first: &[&MessageRec],
        to_json: fn(&MessageRec) -> Value,
    ) -> Answered {
        let matching: Vec<&&MessageRec> = oldest_first
            .iter()
            .rev()
            .filter(|m| self.before.is_none_or(|b| m.received_at < b))
            .filter(|m| self.after.is_none_or(|a| m.received_at > a))
            .collect();
        let data: Vec<Value> = matching
            .iter()
            .take(self.limit)
            .map(|m| to_json(m))
            .collect();
        ok(
            200,
            json!({"data": data, "hasMore": matching.len() > self.limit}),
        )
    }
}
