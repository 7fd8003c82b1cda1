//! Conversations: a thread between one of your numbers and a counterpart (or a group), its
//! messages, its page, and the requests that read and update it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::c_form::{
    add_total, canonical_message_keys, contains, lacks_total, rewrite_each, CForm,
};
use super::{timestamp, timestamp_opt, Extra};

/// A conversation, as listed (`GET /v1/conversations`) or read with its recent messages
/// (`GET /v1/conversations/{id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Conversation {
    /// The conversation's id.
    pub id: String,
    /// Your number in the conversation (E.164).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// Your number's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number_id: Option<String>,
    /// The counterpart (E.164 or email); older servers call it `contactNumber`.
    #[serde(
        default,
        alias = "contactNumber",
        skip_serializing_if = "Option::is_none"
    )]
    pub participant: Option<String>,
    /// The agent the number is attached to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// When the last message was sent or received.
    #[serde(
        default,
        with = "timestamp_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_message_at: Option<DateTime<Utc>>,
    /// The start of the last message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message_preview: Option<String>,
    /// How many messages the conversation has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_count: Option<u64>,
    /// Your own state for the conversation (sent with webhooks as `conversationState`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    /// When the conversation started.
    #[serde(
        default,
        with = "timestamp_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_at: Option<DateTime<Utc>>,
    /// `sms`, `imessage`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// True for an iMessage group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_group: Option<bool>,
    /// The group's id (`grp_...`), to send to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// The group's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
    /// The group's members, as the server reports them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participants: Option<Value>,
    /// What can be done in the conversation (send, media, reactions), as the server reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<Value>,
    /// The recent messages, newest first (only when the conversation is read by id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages: Option<Vec<ConversationMessage>>,
    /// Fields this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A message in a conversation.
///
/// On input the sender may be spelled `fromNumber`, `from_` or `from`, and the recipient
/// `toNumber` or `to`; on output they are `fromNumber` and `toNumber`, as the conversation
/// endpoints spell them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", try_from = "RawConversationMessage")]
pub struct ConversationMessage {
    /// The message id.
    pub id: String,
    /// The sender.
    pub from_number: String,
    /// The recipient (absent for some group messages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_number: Option<String>,
    /// The text (empty when the server sent `null`, e.g. for media only).
    pub body: String,
    /// When the message was sent or received.
    #[serde(with = "timestamp")]
    pub received_at: DateTime<Utc>,
    /// `inbound` or `outbound`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<String>,
    /// `sms`, `mms`, `imessage`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// Delivery status: `queued`, `sent`, `delivered`, `failed`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Why delivery failed, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
    /// The carrier's error code, when delivery failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// When the message was delivered.
    #[serde(
        default,
        with = "timestamp_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub delivered_at: Option<DateTime<Utc>>,
    /// When the message was read.
    #[serde(
        default,
        with = "timestamp_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub read_at: Option<DateTime<Utc>>,
    /// All media attachments' URLs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_urls: Option<Vec<String>>,
    /// Who sent it in a group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_identifier: Option<String>,
    /// Reactions to it, as the server reports them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reactions: Option<Vec<Value>>,
    /// The message it replies to, as the server reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<Value>,
    /// Fields this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The message as it arrives, every spelling of the sender and recipient its own field.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawConversationMessage {
    id: String,
    #[serde(default)]
    from_number: Option<String>,
    #[serde(rename = "from_", default)]
    from_underscore: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to_number: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(with = "timestamp")]
    received_at: DateTime<Utc>,
    #[serde(default)]
    direction: Option<String>,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    failure_reason: Option<String>,
    #[serde(default)]
    error_code: Option<String>,
    #[serde(default, with = "timestamp_opt")]
    delivered_at: Option<DateTime<Utc>>,
    #[serde(default, with = "timestamp_opt")]
    read_at: Option<DateTime<Utc>>,
    #[serde(default)]
    media_urls: Option<Vec<String>>,
    #[serde(default)]
    sender_identifier: Option<String>,
    #[serde(default)]
    reactions: Option<Vec<Value>>,
    #[serde(default)]
    reply_to: Option<Value>,
    #[serde(flatten)]
    extra: Extra,
}

impl TryFrom<RawConversationMessage> for ConversationMessage {
    type Error = String;

    fn try_from(raw: RawConversationMessage) -> Result<ConversationMessage, String> {
        let from_number = raw
            .from_number
            .or(raw.from_underscore)
            .or(raw.from)
            .ok_or("message has no sender (`fromNumber`, `from_` or `from`)")?;
        Ok(ConversationMessage {
            id: raw.id,
            from_number,
            to_number: raw.to_number.or(raw.to),
            body: raw.body.unwrap_or_default(),
            received_at: raw.received_at,
            direction: raw.direction,
            channel: raw.channel,
            status: raw.status,
            failure_reason: raw.failure_reason,
            error_code: raw.error_code,
            delivered_at: raw.delivered_at,
            read_at: raw.read_at,
            media_urls: raw.media_urls,
            sender_identifier: raw.sender_identifier,
            reactions: raw.reactions,
            reply_to: raw.reply_to,
            extra: raw.extra,
        })
    }
}

/// One page of [`crate::Conversations::list`] (and of an agent's conversations): offset
/// paging, newest activity first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationPage {
    /// The conversations on this page.
    pub data: Vec<Conversation>,
    /// True when more follow this page.
    pub has_more: bool,
    /// How many there are in all (serialized as `null` if the server omitted it).
    #[serde(default)]
    pub total: Option<u64>,
    /// Fields this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One page of [`crate::Conversations::messages`]: newest first, cursor paging by
/// `before`/`after`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationMessagePage {
    /// The messages on this page, newest first.
    pub data: Vec<ConversationMessage>,
    /// True when older messages follow this page.
    pub has_more: bool,
    /// Fields this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The query of [`crate::Conversations::get`]: how many recent messages come with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GetConversation {
    /// How many recent messages to include (1 to 200; the API's default is 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_limit: Option<u32>,
}

impl GetConversation {
    /// The API's default (50 messages).
    pub fn new() -> GetConversation {
        GetConversation::default()
    }

    /// Sets how many recent messages to include.
    pub fn message_limit(mut self, limit: u32) -> Self {
        self.message_limit = Some(limit);
        self
    }
}

/// The body of [`crate::Conversations::update`] (`PATCH`): only the fields set are changed.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateConversation {
    /// Replaces the conversation's metadata (a JSON object; `{}` clears it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
    /// Renames an iMessage group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
}

impl UpdateConversation {
    /// No change yet; chain the setters below.
    pub fn new() -> UpdateConversation {
        UpdateConversation::default()
    }

    /// Replaces the metadata.
    pub fn metadata(mut self, metadata: Map<String, Value>) -> Self {
        self.metadata = Some(metadata);
        self
    }

    /// Renames the group.
    pub fn group_name(mut self, name: impl Into<String>) -> Self {
        self.group_name = Some(name.into());
        self
    }
}

/// The answer to [`crate::Conversations::typing`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TypingIndicator {
    /// The conversation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    /// The channel, e.g. `imessage`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// Whether it was shown (best effort).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Fields this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Whether a body holding conversation messages may need a rewrite of its keys (a key spelled
/// with a `\u` escape may be one of the spellings).
fn may_need_rewrite(body: &[u8]) -> bool {
    contains(body, b"\\u")
        || [&b"\"from_\""[..], b"\"from\"", b"\"to\"", b"null"]
            .iter()
            .any(|needle| contains(body, needle))
}

/// The keys a conversation's messages are handed to C with (`fromNumber`, `toNumber`): every
/// other spelling renamed, in the order the typed decoding prefers them.
fn canonical_keys(message: &mut Value) -> bool {
    canonical_message_keys(
        message,
        &[("fromNumber", &["from_", "from"]), ("toNumber", &["to"])],
    )
}

/// The messages a conversation holds, with their canonical keys.
fn canonical_keys_of_messages(conversation: &mut Value) -> bool {
    rewrite_each(conversation, "messages", canonical_keys)
}

impl CForm for ConversationMessage {
    fn may_need_rewrite(&self, body: &[u8]) -> bool {
        may_need_rewrite(body)
    }

    fn rewrite(&self, value: &mut Value) -> bool {
        canonical_keys(value)
    }
}

impl CForm for Conversation {
    fn may_need_rewrite(&self, body: &[u8]) -> bool {
        may_need_rewrite(body)
    }

    fn rewrite(&self, value: &mut Value) -> bool {
        canonical_keys_of_messages(value)
    }
}

impl CForm for ConversationPage {
    fn page_total(&self) -> Option<Option<u64>> {
        Some(self.total)
    }

    fn may_need_rewrite(&self, body: &[u8]) -> bool {
        may_need_rewrite(body) || lacks_total(self.total, body)
    }

    fn rewrite(&self, value: &mut Value) -> bool {
        rewrite_each(value, "data", canonical_keys_of_messages) | add_total(value)
    }
}

impl CForm for ConversationMessagePage {
    fn may_need_rewrite(&self, body: &[u8]) -> bool {
        may_need_rewrite(body)
    }

    fn rewrite(&self, value: &mut Value) -> bool {
        rewrite_each(value, "data", canonical_keys)
    }
}

impl CForm for TypingIndicator {}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_sender_spelling_parses_and_writes_from_number() {
        for key in ["fromNumber", "from_", "from"] {
            let m: ConversationMessage = serde_json::from_value(json!({
                "id": "m1", key: "+15550000001", "to": "+15550000002", "body": null,
                "receivedAt": "2025-01-15T12:00:00", "reactions": [], "future": 1
            }))
            .unwrap();
            assert_eq!(m.from_number, "+15550000001");
            assert_eq!(m.to_number.as_deref(), Some("+15550000002"));
            assert_eq!(m.body, "");
            let out = serde_json::to_value(&m).unwrap();
            assert_eq!(out["fromNumber"], "+15550000001");
            assert_eq!(out["toNumber"], "+15550000002");
            assert_eq!(out["future"], 1);
        }
    }

    #[test]
    fn the_c_form_renames_in_place_and_adds_nothing() {
        let v = json!({"id": "c1", "createdAt": "2025-01-15T12:00:00", "messages": [
            {"id": "m1", "from_": "+1", "body": null, "receivedAt": "2025-01-15T12:00:00Z"}
        ]});
        let decoded: Conversation = serde_json::from_value(v.clone()).unwrap();
        assert!(decoded.may_need_rewrite(v.to_string().as_bytes()));
        let c = crate::ffi::boundary::c_form::<Conversation>(v.to_string().into()).unwrap();
        assert_eq!(
            serde_json::from_str::<Value>(&c).unwrap(),
            json!({"id": "c1", "createdAt": "2025-01-15T12:00:00Z", "messages": [
                {"id": "m1", "fromNumber": "+1", "body": "", "receivedAt": "2025-01-15T12:00:00Z"}
            ]})
        );
        // A null canonical key counts as absent, as in the typed decoding.
        let body = r#"{"id":"m1","fromNumber":null,"from":"+1","toNumber":null,"to":"+2","receivedAt":"2025-01-15T12:00:00Z"}"#;
        let typed: ConversationMessage = serde_json::from_str(body).unwrap();
        let c = crate::ffi::boundary::c_form::<ConversationMessage>(body.into()).unwrap();
        let v: Value = serde_json::from_str(&c).unwrap();
        assert_eq!(
            (&v["fromNumber"], &v["toNumber"]),
            (&json!("+1"), &json!("+2")),
            "{c}"
        );
        assert!(v.get("from").is_none() && v.get("to").is_none(), "{c}");
        assert_eq!(
            serde_json::from_str::<ConversationMessage>(&c).unwrap(),
            typed
        );
        let canonical = json!({"data": [], "hasMore": false, "total": 0}).to_string();
        let decoded: ConversationPage = serde_json::from_str(&canonical).unwrap();
        assert!(!decoded.may_need_rewrite(canonical.as_bytes()));
    }
}
