//! The sandbox's outbound messages: `POST /v1/messages`, reactions, and
//! `POST /sandbox/messages/{id}/status` to set a message's delivery status.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::answer::{
    self, agent_not_found, envelope, int_query, invalid_body, invalid_query, method_not_allowed,
    number_not_found, ok, record, Answer, Answered,
};
use crate::conversations::Group;
use crate::state::{now_micros, Routed, State};
use crate::time::{parse_timestamp, rfc3339, rfc3339_opt};

/// A message, inbound or outbound, on a number and in a conversation.
#[derive(Debug, Clone)]
pub(crate) struct MessageRec {
    pub(crate) id: String,
    pub(crate) number_id: String,
    pub(crate) conversation_id: String,
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) body: String,
    pub(crate) received_at: DateTime<Utc>,
    /// `inbound` or `outbound`.
    pub(crate) direction: &'static str,
    /// `sms` or `imessage`: the number's type.
    pub(crate) channel: String,
    /// `received` (inbound); `sent`, `delivered` or `failed` (outbound).
    pub(crate) status: String,
    pub(crate) failure_reason: Option<String>,
    pub(crate) delivered_at: Option<DateTime<Utc>>,
    pub(crate) media_urls: Vec<String>,
    pub(crate) reply_to: Option<String>,
    pub(crate) reactions: Vec<Value>,
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
    pub(crate) fn to_number_json(&self) -> Value {
        record(&NumberMessage {
            from: &self.from,
            to: &self.to,
            conversation_id: &self.conversation_id,
            common: self.common(),
        })
    }

    /// The shape of a conversation's messages (`fromNumber`, `toNumber`).
    pub(crate) fn to_conversation_json(&self) -> Value {
        record(&ConversationMessage {
            from_number: &self.from,
            to_number: &self.to,
            reactions: &self.reactions,
            common: self.common(),
        })
    }
}

/// The query of a message list: `limit` (1 to 200, default 50), `before`, `after`.
pub(crate) struct MessageQuery {
    limit: usize,
    before: Option<DateTime<Utc>>,
    after: Option<DateTime<Utc>>,
}

impl MessageQuery {
    /// Reads the query; a bad value is FastAPI's 422, as the API answers before anything else.
    pub(crate) fn parse(query: &HashMap<String, String>) -> Result<MessageQuery, Answer> {
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
    pub(crate) fn page(
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

/// Every message, by the number it is on.
#[derive(Debug, Default)]
pub(crate) struct Messages {
    /// Each number's messages, oldest first (by `receivedAt`, then by arrival).
    pub(crate) by_number: HashMap<String, Vec<MessageRec>>,
    pub(crate) next: u64,
}

/// Reactions the API names; an emoji (any non-ASCII text) is accepted too.
const REACTIONS: [&str; 6] = ["love", "like", "dislike", "laugh", "emphasize", "question"];

/// The message routes.
pub(super) fn route(state: &mut State, req: &Routed<'_>) -> Option<Answered> {
    let answer = match (req.method, req.segments.as_slice()) {
        ("POST", ["v1", "messages"]) => state.send(req.body),
        ("POST", ["v1", "messages", id, "reactions"]) => state.react(id, req.body),
        ("POST", ["sandbox", "messages", id, "status"]) => state.sandbox_status(id, req.body),
        (_, ["v1", "messages"] | ["v1", "messages", _, "reactions"]) => Err(method_not_allowed()),
        _ => return None,
    };
    Some(answer)
}

fn message_not_found(id: &str) -> Answer {
    envelope(
        404,
        "MESSAGE_NOT_FOUND",
        &format!("Message {id} not found"),
        Value::Null,
    )
}

/// The body of a send (snake_case, as the API spells it).
#[derive(Deserialize)]
struct Send {
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    to_number: Option<String>,
    #[serde(default, deserialize_with = "string_list")]
    recipients: Option<Vec<String>>,
    #[serde(default, deserialize_with = "string_list")]
    media_urls: Option<Vec<String>>,
    #[serde(default)]
    media_url: Option<String>,
    #[serde(default)]
    reply_to_message_id: Option<String>,
    // Who it goes out from: an agent, a number id or a phone number, in that order. (Beside
    // the other fields rather than flattened: the error for a bad one then names it.)
    #[serde(default)]
    agent_id: Option<String>,
    #[serde(default)]
    number_id: Option<String>,
    #[serde(default)]
    from_number: Option<String>,
}

/// A list of strings, or `null`; anything else is the error that names the field.
fn string_list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Array(items) => items
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Some(s),
                _ => None,
            })
            .collect::<Option<Vec<String>>>()
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom("must be a list of strings")),
        _ => Err(serde::de::Error::custom("must be a list of strings")),
    }
}

impl State {
    /// The number a send goes out from: by agent, number id or phone number.
    fn sender(&self, send: &Send) -> Result<String, Answer> {
        let active = |n: &&crate::numbers::NumberRec| n.status == "active";
        if let Some(agent) = send.agent_id.as_deref() {
            if !self.agents.by_id.contains_key(agent) {
                return Err(agent_not_found(agent));
            }
            return self
                .numbers
                .list
                .iter()
                .filter(active)
                .find(|n| n.agent_id.as_deref() == Some(agent))
                .map(|n| n.id.clone())
                .ok_or_else(|| invalid_body("agent_id", "the agent has no active number"));
        }
        if let Some(id) = send.number_id.as_deref() {
            return match self.number(id) {
                Some(n) if n.status == "active" => Ok(id.to_string()),
                Some(_) => Err(invalid_body("number_id", "the number is released")),
                None => Err(number_not_found(id)),
            };
        }
        if let Some(phone) = send.from_number.as_deref() {
            return self
                .numbers
                .list
                .iter()
                .filter(active)
                .find(|n| n.phone_number == phone)
                .map(|n| n.id.clone())
                .ok_or_else(|| invalid_body("from_number", "is not one of your active numbers"));
        }
        Err(invalid_body(
            "agent_id",
            "a sender is required: agent_id, number_id or from_number",
        ))
    }

    fn send(&mut self, body: &[u8]) -> Answered {
        let mut send: Send = answer::body(body)?;
        let Some(text) = send.body.take() else {
            return Err(invalid_body("body", "Field required"));
        };
        let mut media_urls = send.media_urls.take().unwrap_or_default();
        if let Some(url) = send.media_url.take() {
            media_urls.insert(0, url);
        }
        if media_urls.len() > 20 {
            return Err(invalid_body("media_urls", "at most 20 media URLs"));
        }
        let number_id = self.sender(&send)?;
        let (to_number, recipients, reply_to) =
            (send.to_number, send.recipients, send.reply_to_message_id);
        let number = self.number(&number_id).expect("sender exists");
        let (from, channel) = (number.phone_number.clone(), number.number_type.clone());
        let at = now_micros();
        let (to, conversation_id) = match (to_number, recipients) {
            (Some(_), Some(_)) => {
                return Err(invalid_body(
                    "to_number",
                    "give either to_number or recipients, not both",
                ))
            }
            (None, None) => {
                return Err(invalid_body(
                    "to_number",
                    "to_number or recipients is required",
                ))
            }
            (Some(to), None) if to.starts_with("grp_") => {
                let c = self
                    .conversations
                    .list
                    .iter()
                    .find(|c| c.number_id == number_id && c.participant == to)
                    .ok_or_else(|| {
                        envelope(
                            404,
                            "CONVERSATION_NOT_FOUND",
                            &format!("Group {to} not found"),
                            Value::Null,
                        )
                    })?;
                (to.clone(), c.id.clone())
            }
            (Some(to), None) => {
                let id = self.conversation_for(&number_id, &to, at).id.clone();
                (to, id)
            }
            (None, Some(members)) if members.len() < 2 => {
                return Err(invalid_body(
                    "recipients",
                    "a group needs 2 or more recipients",
                ))
            }
            (None, Some(members)) => {
                let group_id = format!("grp_sbx{:06}", self.conversations.next + 1);
                let c = self.conversation_for(&number_id, &group_id, at);
                c.group = Some(Group {
                    name: None,
                    members,
                });
                (group_id, c.id.clone())
            }
        };
        let unresolved = reply_to.as_deref().map(|id| self.message_mut(id).is_none());
        let rec = MessageRec {
            id: self.message_id(),
            number_id,
            conversation_id: conversation_id.clone(),
            from: from.clone(),
            to: to.clone(),
            body: text,
            received_at: at,
            direction: "outbound",
            channel: channel.clone(),
            status: "sent".into(),
            failure_reason: None,
            delivered_at: None,
            media_urls: media_urls.clone(),
            reply_to: reply_to.clone(),
            reactions: Vec::new(),
        };
        let id = rec.id.clone();
        self.add_message(rec);
        ok(
            200,
            json!({
                "id": id, "status": "sent", "channel": channel, "from_number": from,
                "to_number": to, "conversation_id": conversation_id, "media_urls": media_urls,
                "reply_to_message_id": reply_to, "reply_parent_unresolved": unresolved,
            }),
        )
    }

    fn react(&mut self, message_id: &str, body: &[u8]) -> Answered {
        /// The body of a reaction.
        #[derive(Deserialize)]
        struct Reaction {
            #[serde(default)]
            reaction: Option<String>,
        }
        let reaction = match answer::body(body)? {
            Reaction { reaction: Some(r) } if REACTIONS.contains(&r.as_str()) || !r.is_ascii() => r,
            _ => {
                return Err(invalid_body(
                    "reaction",
                    "must be love, like, dislike, laugh, emphasize, question, or an emoji",
                ))
            }
        };
        let reaction_id = format!("rxn_{message_id}_{}", self.messages.next + 1);
        self.messages.next += 1;
        let Some(m) = self.message_mut(message_id) else {
            return Err(message_not_found(message_id));
        };
        if m.channel != "imessage" {
            return Err(envelope(
                400,
                "UNSUPPORTED_CHANNEL",
                "Reactions are only available on iMessage",
                Value::Null,
            ));
        }
        let from = if m.direction == "outbound" {
            m.from.clone()
        } else {
            m.to.clone()
        };
        m.reactions.push(json!({
            "id": reaction_id, "reactionType": reaction, "fromNumber": from,
            "direction": "outbound", "createdAt": crate::time::format_timestamp(&now_micros()),
        }));
        ok(
            200,
            json!({"id": reaction_id, "reaction_type": reaction, "message_id": message_id, "channel": "imessage"}),
        )
    }

    fn sandbox_status(&mut self, message_id: &str, body: &[u8]) -> Answered {
        /// The body of a status change.
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct StatusChange {
            #[serde(default)]
            status: Option<String>,
            #[serde(default)]
            failure_reason: Option<String>,
        }
        let (status, reason) = match answer::body(body)? {
            StatusChange {
                status: Some(s),
                failure_reason: r,
            } if ["sent", "delivered", "failed"].contains(&s.as_str()) => (s, r),
            _ => return Err(invalid_body("status", "must be sent, delivered or failed")),
        };
        match self.set_message_status(message_id, &status, reason) {
            Some(v) => ok(200, v),
            None => Err(message_not_found(message_id)),
        }
    }

    /// Sets a message's delivery status (`sent`, `delivered`, `failed` with a reason); returns
    /// the message as a conversation lists it.
    pub fn set_message_status(
        &mut self,
        message_id: &str,
        status: &str,
        failure_reason: Option<String>,
    ) -> Option<Value> {
        let m = self.message_mut(message_id)?;
        m.status = status.to_string();
        m.delivered_at = (status == "delivered").then(now_micros);
        m.failure_reason = if status == "failed" {
            Some(failure_reason.unwrap_or_else(|| "carrier rejected the message".into()))
        } else {
            None
        };
        Some(m.to_conversation_json())
    }
}
