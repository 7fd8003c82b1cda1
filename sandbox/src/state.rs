//! The sandbox's in-memory state: one store per resource (each defined in its resource's file),
//! the operations that span several (a message lands in its conversation), the lock and the
//! condition variable that guard them, and the request as the routes see it.

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Instant;

use chrono::{DateTime, Utc};
use percent_encoding::percent_decode_str;
use serde_json::Map;

use crate::agents::AgentRec;
use crate::conversations::ConversationRec;
use crate::messages::MessageRec;
use crate::numbers::NumberRec;

/// A self-serve account may hold this many active numbers (`VALIDATION_ERROR_NUMBER_LIMIT`).
pub const DEFAULT_NUMBER_LIMIT: usize = 10;
/// The agent every sandbox starts with.
pub const DEFAULT_AGENT: &str = "agt_sandbox";

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

/// The state, declared with one field per store by `resources!` in `lib.rs`.
pub(crate) use crate::State;

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
        let mut state = State::default();
        state.numbers.limit = number_limit;
        for id in agents {
            state.add_agent(&id);
        }
        state
    }

    /// Adds an agent with this id (named after it); false if it exists.
    pub fn add_agent(&mut self, id: &str) -> bool {
        if self.agents.by_id.contains_key(id) {
            return false;
        }
        let rec = AgentRec {
            id: id.to_string(),
            name: id.to_string(),
            settings: Map::new(),
            created_at: now_micros(),
        };
        self.agents.by_id.insert(id.to_string(), rec);
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
            .list
            .iter()
            .position(|c| c.number_id == number_id && c.participant == participant);
        let i = match found {
            Some(i) => i,
            None => {
                self.conversations.next += 1;
                self.conversations.list.push(ConversationRec {
                    id: format!("conv_sbx{:06}", self.conversations.next),
                    number_id: number_id.to_string(),
                    participant: participant.to_string(),
                    group: None,
                    metadata: Map::new(),
                    created_at: at,
                    last_message_at: at,
                });
                self.conversations.list.len() - 1
            }
        };
        &mut self.conversations.list[i]
    }

    pub(super) fn conversation(&self, id: &str) -> Option<&ConversationRec> {
        self.conversations.list.iter().find(|c| c.id == id)
    }

    /// A new message id.
    pub(super) fn message_id(&mut self) -> String {
        self.messages.next += 1;
        format!("msg_sbx{:06}", self.messages.next)
    }

    /// Stores a message on its number (oldest first; a message with the same time as others
    /// goes after them) and moves its conversation's last activity.
    pub(super) fn add_message(&mut self, rec: MessageRec) {
        if let Some(c) = self
            .conversations
            .list
            .iter_mut()
            .find(|c| c.id == rec.conversation_id)
        {
            c.last_message_at = c.last_message_at.max(rec.received_at);
        }
        let list = self
            .messages
            .by_number
            .entry(rec.number_id.clone())
            .or_default();
        let at = list.partition_point(|m| m.received_at <= rec.received_at);
        list.insert(at, rec);
    }

    pub(super) fn message_mut(&mut self, id: &str) -> Option<&mut MessageRec> {
        self.messages
            .by_number
            .values_mut()
            .flat_map(|list| list.iter_mut())
            .find(|m| m.id == id)
    }

    /// A conversation's messages, oldest first.
    pub(super) fn conversation_messages(&self, c: &ConversationRec) -> Vec<&MessageRec> {
        self.messages
            .by_number
            .get(&c.number_id)
            .map(|list| list.iter().filter(|m| m.conversation_id == c.id).collect())
            .unwrap_or_default()
    }

    pub(super) fn number(&self, id: &str) -> Option<&NumberRec> {
        self.numbers.index.get(id).map(|&i| &self.numbers.list[i])
    }

    pub(super) fn number_mut(&mut self, id: &str) -> Option<&mut NumberRec> {
        self.numbers
            .index
            .get(id)
            .map(|&i| &mut self.numbers.list[i])
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
