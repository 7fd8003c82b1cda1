//! The sandbox's conversations: `/v1/conversations...`. A conversation starts with the first
//! message between a number and a counterpart (inbound or outbound), or with a group send.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::answer::{
    self, agent_not_found, envelope, int_query, invalid_body, method_not_allowed, ok, record,
    Answer, Answered,
};
use crate::messages::{MessageQuery, MessageRec};
use crate::state::{Routed, State};
use crate::time::rfc3339;

/// A thread between a number and a counterpart, or an iMessage group.
#[derive(Debug, Clone)]
pub(crate) struct ConversationRec {
    pub(crate) id: String,
    pub(crate) number_id: String,
    /// The counterpart, or the group id for a group.
    pub(crate) participant: String,
    pub(crate) group: Option<Group>,
    pub(crate) metadata: Map<String, Value>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) last_message_at: DateTime<Utc>,
}

/// An iMessage group's own fields.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub(crate) name: Option<String>,
    pub(crate) members: Vec<String>,
}

/// The conversations, in the order they started.
#[derive(Debug, Default)]
pub(crate) struct Conversations {
    pub(crate) list: Vec<ConversationRec>,
    pub(crate) next: u64,
}

/// The conversation routes.
pub(super) fn route(state: &mut State, req: &Routed<'_>) -> Option<Answered> {
    let answer = match (req.method, req.segments.as_slice()) {
        ("GET", ["v1", "conversations"]) => state.list_conversations(&req.query, None),
        ("GET", ["v1", "agents", id, "conversations"]) => {
            match state.agents.by_id.contains_key(*id) {
                true => state.list_conversations(&req.query, Some(id)),
                false => Err(agent_not_found(id)),
            }
        }
        ("GET", ["v1", "conversations", id]) => state.get_conversation(id, &req.query),
        ("PATCH", ["v1", "conversations", id]) => state.update_conversation(id, req.body),
        ("GET", ["v1", "conversations", id, "messages"]) => state.conversation_page(id, &req.query),
        ("POST", ["v1", "conversations", id, "typing"]) => state.typing(id),
        (
            _,
            ["v1", "conversations"]
            | ["v1", "conversations", _]
            | ["v1", "conversations", _, "messages" | "typing"]
            | ["v1", "agents", _, "conversations"],
        ) => Err(method_not_allowed()),
        _ => return None,
    };
    Some(answer)
}

pub(super) fn conversation_not_found(id: &str) -> Answer {
    envelope(
        404,
        "CONVERSATION_NOT_FOUND",
        &format!("Conversation {id} not found"),
        Value::Null,
    )
}

/// A conversation as the API lists one ([`State::conversation_json`]).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ConversationView<'a> {
    id: &'a str,
    phone_number: Option<&'a str>,
    phone_number_id: &'a str,
    participant: &'a str,
    agent_id: Option<&'a str>,
    #[serde(serialize_with = "rfc3339")]
    last_message_at: DateTime<Utc>,
    last_message_preview: Option<String>,
    message_count: usize,
    metadata: &'a Map<String, Value>,
    #[serde(serialize_with = "rfc3339")]
    created_at: DateTime<Utc>,
    channel: Option<&'a str>,
    is_group: bool,
    /// An iMessage group's own fields, beside the others.
    #[serde(flatten)]
    group: Option<GroupView<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GroupView<'a> {
    group_id: &'a str,
    group_name: Option<&'a str>,
    participants: &'a [String],
}

impl State {
    /// A conversation as listed: no messages.
    fn conversation_json(&self, c: &ConversationRec) -> Value {
        let number = self.number(&c.number_id);
        let messages = self.conversation_messages(c);
        record(&ConversationView {
            id: &c.id,
            phone_number: number.map(|n| n.phone_number.as_str()),
            phone_number_id: &c.number_id,
            participant: &c.participant,
            agent_id: number.and_then(|n| n.agent_id.as_deref()),
            last_message_at: c.last_message_at,
            last_message_preview: messages.last().map(|m| m.body.chars().take(100).collect()),
            message_count: messages.len(),
            metadata: &c.metadata,
            created_at: c.created_at,
            channel: number.map(|n| n.number_type.as_str()),
            is_group: c.group.is_some(),
            group: c.group.as_ref().map(|g| GroupView {
                group_id: &c.participant,
                group_name: g.name.as_deref(),
                participants: &g.members,
            }),
        })
    }

    /// A page of conversations, newest activity first; only `agent`'s when given.
    fn list_conversations(&self, query: &HashMap<String, String>, agent: Option<&str>) -> Answered {
        let limit = int_query(query, "limit", 20, 1, 100)? as usize;
        let offset =
            usize::try_from(int_query(query, "offset", 0, 0, i64::MAX)?).unwrap_or(usize::MAX);
        let mut all: Vec<&ConversationRec> = self
            .conversations
            .list
            .iter()
            .filter(|c| {
                agent.is_none_or(|a| {
                    self.number(&c.number_id)
                        .is_some_and(|n| n.agent_id.as_deref() == Some(a))
                })
            })
            .collect();
        all.sort_by(|a, b| (b.last_message_at, &b.id).cmp(&(a.last_message_at, &a.id)));
        let total = all.len();
        let data: Vec<Value> = all
            .iter()
            .skip(offset)
            .take(limit)
            .map(|c| self.conversation_json(c))
            .collect();
        ok(
            200,
            json!({"data": data, "hasMore": offset.saturating_add(limit) < total, "total": total}),
        )
    }

    fn get_conversation(&self, id: &str, query: &HashMap<String, String>) -> Answered {
        let limit = int_query(query, "message_limit", 50, 1, 200)? as usize;
        let Some(c) = self.conversation(id) else {
            return Err(conversation_not_found(id));
        };
        let mut v = self.conversation_json(c);
        let messages: Vec<Value> = self
            .conversation_messages(c)
            .iter()
            .rev()
            .take(limit)
            .map(|m| m.to_conversation_json())
            .collect();
        v["messages"] = json!(messages);
        ok(200, v)
    }

    fn update_conversation(&mut self, id: &str, body: &[u8]) -> Answered {
        /// The body of a conversation's update (snake_case, as the API spells it).
        #[derive(Deserialize)]
        struct Update {
            #[serde(default)]
            metadata: Option<Map<String, Value>>,
            #[serde(default)]
            group_name: Option<String>,
        }
        let Update {
            metadata,
            group_name,
        } = answer::body(body)?;
        let Some(c) = self.conversations.list.iter_mut().find(|c| c.id == id) else {
            return Err(conversation_not_found(id));
        };
        if let Some(name) = group_name {
            match &mut c.group {
                Some(g) => g.name = Some(name),
                None => return Err(invalid_body("group_name", "only a group can be renamed")),
            }
        }
        if let Some(m) = metadata {
            c.metadata = m;
        }
        self.get_conversation(id, &HashMap::new())
    }

    fn conversation_page(&self, id: &str, query: &HashMap<String, String>) -> Answered {
        let query = MessageQuery::parse(query)?;
        let Some(c) = self.conversation(id) else {
            return Err(conversation_not_found(id));
        };
        query.page(
            &self.conversation_messages(c),
            MessageRec::to_conversation_json,
        )
    }

    fn typing(&self, id: &str) -> Answered {
        let Some(c) = self.conversation(id) else {
            return Err(conversation_not_found(id));
        };
        let channel = self
            .number(&c.number_id)
            .map(|n| n.number_type.clone())
            .unwrap_or_default();
        let status = if channel == "imessage" {
            "sent"
        } else {
            "unsupported"
        };
        ok(
            200,
            json!({"conversationId": id, "channel": channel, "status": status}),
        )
    }
}
