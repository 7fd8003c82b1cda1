//! Messages: the message object (with every spelling of its sender and recipient), its page,
//! the query of a number's messages, and sending a message or a reaction.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::c_form::{canonical_message_keys, contains, rewrite_each, CForm};
use super::{timestamp, timestamp_opt, Extra};

/// A message received by (or sent from) a number.
///
/// On input the sender may be spelled `from_`, `from` or `fromNumber` and the recipient `to` or
/// `toNumber`; on output they are always `from_` and `to`, as on the API's documentation page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", try_from = "RawMessage")]
pub struct Message {
    /// The message id, e.g. `msg_001`.
    pub id: String,
    /// The sender, in E.164 form.
    #[serde(rename = "from_")]
    pub from: String,
    /// The recipient, in E.164 form.
    pub to: String,
    /// The text (empty for a message the server sent with a `null` body, such as media only).
    pub body: String,
    /// When the message was received.
    #[serde(with = "timestamp")]
    pub received_at: DateTime<Utc>,
    /// `inbound` or `outbound`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<String>,
    /// `sms`, `mms`, `imessage`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// Delivery status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Why delivery failed, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
    /// The first media attachment's URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_url: Option<String>,
    /// All media attachments' URLs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_urls: Option<Vec<String>>,
    /// The conversation the message belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    /// Fields this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The message as it arrives: every spelling of the sender and recipient is its own field, so a
/// server that sends two spellings at once (`from` and `fromNumber`) still parses.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawMessage {
    id: String,
    #[serde(rename = "from_", default)]
    from_underscore: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    from_number: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    to_number: Option<String>,
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
    media_url: Option<String>,
    #[serde(default)]
    media_urls: Option<Vec<String>>,
    #[serde(default)]
    conversation_id: Option<String>,
    #[serde(flatten)]
    extra: Extra,
}

impl TryFrom<RawMessage> for Message {
    type Error = String;

    fn try_from(raw: RawMessage) -> Result<Message, String> {
        let from = raw
            .from_underscore
            .or(raw.from)
            .or(raw.from_number)
            .ok_or("message has no sender (`from_`, `from` or `fromNumber`)")?;
        let to = raw
            .to
            .or(raw.to_number)
            .ok_or("message has no recipient (`to` or `toNumber`)")?;
        Ok(Message {
            id: raw.id,
            from,
            to,
            body: raw.body.unwrap_or_default(),
            received_at: raw.received_at,
            direction: raw.direction,
            channel: raw.channel,
            status: raw.status,
            failure_reason: raw.failure_reason,
            media_url: raw.media_url,
            media_urls: raw.media_urls,
            conversation_id: raw.conversation_id,
            extra: raw.extra,
        })
    }
}

/// One page of [`crate::Numbers::messages`]: newest first, cursor paging by `before`/`after`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessagePage {
    /// The messages on this page, newest first.
    pub data: Vec<Message>,
    /// True when older messages follow this page.
    pub has_more: bool,
    /// Fields this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The query of [`crate::Numbers::messages`]. Unset fields use the API's defaults (limit 50,
/// no time bounds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListMessages {
    /// Page size, 1 to 200.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Only messages received before this time.
    #[serde(
        default,
        with = "timestamp_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub before: Option<DateTime<Utc>>,
    /// Only messages received after this time.
    #[serde(
        default,
        with = "timestamp_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub after: Option<DateTime<Utc>>,
}

impl ListMessages {
    /// The API's defaults; chain the setters below.
    pub fn new() -> ListMessages {
        ListMessages::default()
    }

    /// Sets the page size (1 to 200).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Only messages received before this time.
    pub fn before(mut self, before: DateTime<Utc>) -> Self {
        self.before = Some(before);
        self
    }

    /// Only messages received after this time.
    pub fn after(mut self, after: DateTime<Utc>) -> Self {
        self.after = Some(after);
        self
    }
}

/// The body of [`crate::Messages::send`] (`POST /v1/messages`). Keys are the API's own,
/// snake_case as it spells them.
///
/// `body` is required (it may be empty, e.g. for media only), and so is exactly one address:
/// `to_number` (a phone number, short code, email or `grp_...` group id) or `recipients` (2 or
/// more, which starts a new iMessage group). The sender is chosen by `agent_id`, `number_id` or
/// `from_number`. At most 20 `media_urls`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendMessage {
    /// The text; required, may be empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// The recipient: a phone number, short code, email, or `grp_...` group id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_number: Option<String>,
    /// Two or more recipients: starts a new iMessage group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipients: Option<Vec<String>>,
    /// Send from this agent's number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// Send from this number (by id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_id: Option<String>,
    /// Send from this number (E.164).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_number: Option<String>,
    /// Media attachments (at most 20; 2 or more with an empty body make a carousel).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_urls: Option<Vec<String>>,
    /// One media attachment (the API's older form of `media_urls`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_url: Option<String>,
    /// An iMessage effect, e.g. `slam` or `confetti` (not checked here: the API may add more).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_style: Option<String>,
    /// Reply in the thread of this message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to_message_id: Option<String>,
}

impl SendMessage {
    /// A message with this text to one recipient; chain the setters below for the rest.
    pub fn new(to_number: impl Into<String>, body: impl Into<String>) -> SendMessage {
        SendMessage {
            to_number: Some(to_number.into()),
            body: Some(body.into()),
            ..SendMessage::default()
        }
    }

    /// A message to a new iMessage group of two or more recipients.
    pub fn to_group(
        recipients: impl IntoIterator<Item = impl Into<String>>,
        body: impl Into<String>,
    ) -> SendMessage {
        SendMessage {
            recipients: Some(recipients.into_iter().map(Into::into).collect()),
            body: Some(body.into()),
            ..SendMessage::default()
        }
    }

    /// Sends from this agent's number.
    pub fn agent_id(mut self, id: impl Into<String>) -> Self {
        self.agent_id = Some(id.into());
        self
    }

    /// Sends from this number (by id).
    pub fn number_id(mut self, id: impl Into<String>) -> Self {
        self.number_id = Some(id.into());
        self
    }

    /// Sends from this number (E.164).
    pub fn from_number(mut self, number: impl Into<String>) -> Self {
        self.from_number = Some(number.into());
        self
    }

    /// Attaches media (at most 20 in all).
    pub fn media_urls(mut self, urls: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.media_urls = Some(urls.into_iter().map(Into::into).collect());
        self
    }

    /// Sets an iMessage effect.
    pub fn send_style(mut self, style: impl Into<String>) -> Self {
        self.send_style = Some(style.into());
        self
    }

    /// Replies in the thread of this message.
    pub fn reply_to_message_id(mut self, id: impl Into<String>) -> Self {
        self.reply_to_message_id = Some(id.into());
        self
    }
}

/// The answer to [`crate::Messages::send`]: the message as queued (snake_case, as the API
/// answers). `status` says how far it got; a later delivery failure shows in the conversation.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SentMessage {
    /// The message id.
    pub id: String,
    /// `queued`, `sent`, `delivered`, `failed`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// `sms`, `mms`, `imessage`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// The sender.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_number: Option<String>,
    /// The recipient (for a new group, the group id to use for follow-ups).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_number: Option<String>,
    /// The conversation it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    /// Its media.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_urls: Option<Vec<String>>,
    /// The message it replies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to_message_id: Option<String>,
    /// True when the message it replies to could not be found (sent as a plain message).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_parent_unresolved: Option<bool>,
    /// Fields this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The body of [`crate::Messages::react`]: an iMessage tapback.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct React {
    /// `love`, `like`, `dislike`, `laugh`, `emphasize`, `question`, or an emoji on newer lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reaction: Option<String>,
}

impl React {
    /// A reaction of this kind.
    pub fn new(reaction: impl Into<String>) -> React {
        React {
            reaction: Some(reaction.into()),
        }
    }
}

/// The answer to [`crate::Messages::react`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Reaction {
    /// The reaction's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The kind of reaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reaction_type: Option<String>,
    /// The message reacted to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// The channel, e.g. `imessage`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// Fields this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

impl CForm for SentMessage {}

impl CForm for Reaction {}

/// Whether a body holding messages may need a rewrite of its keys: another spelling of the
/// sender or recipient (or a key spelled with a `\u` escape, which may be one), or a `null`
/// body (with or without spaces after the colon).
fn message_may_need_rewrite(body: &[u8]) -> bool {
    contains(body, b"\\u")
        || [
            &b"\"from\""[..],
            b"\"fromNumber\"",
            b"\"toNumber\"",
            b"null",
        ]
        .iter()
        .any(|needle| contains(body, needle))
}

/// The keys a number's messages are handed to C with (`from_`, `to`): every other spelling
/// renamed, in the order the typed decoding prefers them.
fn canonical_keys(message: &mut Value) -> bool {
    canonical_message_keys(
        message,
        &[("from_", &["from", "fromNumber"]), ("to", &["toNumber"])],
    )
}

impl CForm for Message {
    fn may_need_rewrite(&self, body: &[u8]) -> bool {
        message_may_need_rewrite(body)
    }

    fn rewrite(&self, value: &mut Value) -> bool {
        canonical_keys(value)
    }
}

impl CForm for MessagePage {
    fn may_need_rewrite(&self, body: &[u8]) -> bool {
        message_may_need_rewrite(body)
    }

    fn rewrite(&self, value: &mut Value) -> bool {
        rewrite_each(value, "data", canonical_keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn message_accepts_every_spelling_and_writes_from_underscore() {
        for (from_key, to_key) in [("from_", "to"), ("from", "toNumber"), ("fromNumber", "to")] {
            let m: Message = serde_json::from_value(json!({
                "id": "msg_1", from_key: "+15550000001", to_key: "+15550000002",
                "body": "hi", "receivedAt": "2025-01-15T12:00:00Z"
            }))
            .unwrap();
            assert_eq!(
                (m.from.as_str(), m.to.as_str()),
                ("+15550000001", "+15550000002")
            );
            let out = serde_json::to_value(&m).unwrap();
            assert_eq!(out["from_"], "+15550000001");
            assert_eq!(out["to"], "+15550000002");
            assert!(out.get("from").is_none() && out.get("toNumber").is_none());
        }
        // Two spellings at once: the documented one wins, no duplicate-field error.
        let m: Message = serde_json::from_value(json!({
            "id": "m", "from": "+1", "fromNumber": "+2", "to": "+3", "body": null,
            "receivedAt": "2025-01-15T12:00:00Z"
        }))
        .unwrap();
        assert_eq!((m.from.as_str(), m.body.as_str()), ("+1", ""));
        let err = serde_json::from_value::<Message>(json!({
            "id": "m", "to": "+3", "body": "x", "receivedAt": "2025-01-15T12:00:00Z"
        }))
        .unwrap_err();
        assert!(err.to_string().contains("no sender"), "{err}");
    }

    #[test]
    fn the_c_form_takes_the_sender_the_typed_decoding_takes_when_a_spelling_is_null() {
        for body in [
            r#"{"id":"m","from_":null,"from":"+1","to":null,"toNumber":"+2","body":"b","receivedAt":"2025-01-15T12:00:00Z"}"#,
            r#"{"id":"m","from_":null,"from":null,"fromNumber":"+1","toNumber":"+2","to":null,"body":"b","receivedAt":"2025-01-15T12:00:00Z"}"#,
            r#"{"id":"m","from_":"+1","from":null,"fromNumber":"+9","to":"+2","toNumber":null,"body":"b","receivedAt":"2025-01-15T12:00:00Z"}"#,
        ] {
            let typed: Message = serde_json::from_str(body).unwrap();
            assert_eq!((typed.from.as_str(), typed.to.as_str()), ("+1", "+2"));
            let c = crate::ffi::boundary::c_form::<Message>(body.as_bytes().to_vec()).unwrap();
            let v: Value = serde_json::from_str(&c).unwrap();
            assert_eq!((&v["from_"], &v["to"]), (&json!("+1"), &json!("+2")), "{c}");
            assert!(
                v.get("from").is_none() && v.get("fromNumber").is_none(),
                "{c}"
            );
            assert!(v.get("toNumber").is_none(), "{c}");
            assert_eq!(serde_json::from_str::<Message>(&c).unwrap(), typed, "{c}");
        }
    }
}
