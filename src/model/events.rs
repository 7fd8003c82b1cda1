//! The events a webhook receives, typed (the envelope and its data by kind), and the voice
//! reply format. What a delivery is and how it is verified is `crate::webhook`'s.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{format_timestamp, timestamp_opt, Extra};
use crate::error::{Error, ErrorKind};

/// An event delivered to a webhook: the envelope, and its data by kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// `agent.message`, `agent.call_ended`, `agent.reaction`, or a newer name.
    pub event: String,
    /// `sms`, `mms`, `imessage`, `voice`, ...
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// When the event happened.
    #[serde(with = "timestamp_opt", skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<DateTime<Utc>>,
    /// The agent it is for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// The conversation's metadata (set with [`crate::Conversations::update`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversation_state: Option<Value>,
    /// The last messages of the conversation (as many as the webhook's `contextLimit`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recent_history: Option<Vec<HistoryItem>>,
    /// What happened.
    pub data: EventData,
    /// Fields this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// What an event carries, by kind. Unknown kinds are kept whole: a new event name is not an
/// error.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum EventData {
    /// `agent.message` on a messaging channel: a message arrived.
    Message(MessageEvent),
    /// `agent.message` on the `voice` channel: the caller said something; the receiver's answer
    /// ([`VoiceReply`]) is what the caller hears.
    VoiceTurn(VoiceTurnEvent),
    /// `agent.call_ended`: the call is over.
    CallEnded(CallEndedEvent),
    /// `agent.reaction`: an iMessage tapback.
    Reaction(ReactionEvent),
    /// An event this crate does not know: its data as sent.
    Other(Value),
}

/// The data of an inbound message event.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageEvent {
    /// The message id: the dedupe key when there is no `X-Webhook-ID`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// The conversation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    /// The number it arrived on (id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_id: Option<String>,
    /// The sender.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The recipient (your number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// The text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Media attachments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_urls: Option<Vec<String>>,
    /// `inbound`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<String>,
    /// When it arrived.
    #[serde(
        default,
        with = "timestamp_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub received_at: Option<DateTime<Utc>>,
    /// The sender as a contact, as the server reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Value>,
    /// The group, for a group message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<Value>,
    /// Fields this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The data of a voice turn.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VoiceTurnEvent {
    /// The call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_id: Option<String>,
    /// What the caller said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcript: Option<String>,
    /// How sure the speech recognition is, 0 to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
    /// The call's status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Fields this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The data of a call-ended event.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallEndedEvent {
    /// The call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_id: Option<String>,
    /// The whole transcript: `[{"role", "content"}]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcript: Option<Vec<Value>>,
    /// How long the call lasted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<f64>,
    /// A summary of the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Why it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disconnection_reason: Option<String>,
    /// The caller's sentiment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_sentiment: Option<String>,
    /// Whether the call reached its goal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_successful: Option<bool>,
    /// Fields this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The data of a reaction event.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReactionEvent {
    /// `love`, `like`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reaction_type: Option<String>,
    /// The message reacted to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// Who reacted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_number: Option<String>,
    /// Fields this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One message of an event's `recentHistory`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryItem {
    /// The text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// `inbound` or `outbound`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<String>,
    /// The channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// When.
    #[serde(
        default,
        with = "timestamp_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub at: Option<DateTime<Utc>>,
    /// Fields this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The envelope as it arrives.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEvent {
    event: String,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default, with = "timestamp_opt")]
    timestamp: Option<DateTime<Utc>>,
    #[serde(default)]
    agent_id: Option<String>,
    #[serde(default)]
    conversation_state: Option<Value>,
    #[serde(default)]
    recent_history: Option<Vec<HistoryItem>>,
    #[serde(default)]
    data: Value,
    #[serde(flatten)]
    extra: Extra,
}

impl Event {
    /// Reads an event from a request body (already verified: see [`crate::webhook`]).
    ///
    /// The body must be a JSON object with a string `event`; a known event whose data is not
    /// the documented shape is an [`ErrorKind::Decode`] error too. Unknown events are kept.
    pub fn from_slice(body: &[u8]) -> Result<Event, Error> {
        let decode = |why: String| {
            Error::new(
                ErrorKind::Decode,
                format!("webhook body is not an event: {why}"),
            )
        };
        let raw: RawEvent = serde_json::from_slice(body).map_err(|e| decode(e.to_string()))?;
        let data = raw.data;
        let typed = |d: Value| -> Result<EventData, Error> {
            Ok(match (raw.event.as_str(), raw.channel.as_deref()) {
                ("agent.message", Some("voice")) => EventData::VoiceTurn(
                    serde_json::from_value(d).map_err(|e| decode(e.to_string()))?,
                ),
                ("agent.message", _) => EventData::Message(
                    serde_json::from_value(d).map_err(|e| decode(e.to_string()))?,
                ),
                ("agent.call_ended", _) => EventData::CallEnded(
                    serde_json::from_value(d).map_err(|e| decode(e.to_string()))?,
                ),
                ("agent.reaction", _) => EventData::Reaction(
                    serde_json::from_value(d).map_err(|e| decode(e.to_string()))?,
                ),
                _ => EventData::Other(d),
            })
        };
        let data = typed(data)?;
        Ok(Event {
            event: raw.event,
            channel: raw.channel,
            timestamp: raw.timestamp,
            agent_id: raw.agent_id,
            conversation_state: raw.conversation_state,
            recent_history: raw.recent_history,
            data,
            extra: raw.extra,
        })
    }

    /// The key to drop duplicate deliveries by: the `X-Webhook-ID` header when the request had
    /// one (the same on every attempt of a delivery), else one made of the event's own content:
    ///
    /// | event | key |
    /// |---|---|
    /// | a message (`agent.message`, not voice) | `agent.message:<messageId>` |
    /// | a reaction (`agent.reaction`) | `agent.reaction:<messageId>:<reactionType>:<fromNumber>` |
    /// | a call's end (`agent.call_ended`) | `agent.call_ended:<callId>` |
    /// | another event with a `messageId` | `<event>:<messageId>` |
    ///
    /// | a voice turn (`agent.message` on `voice`) | `agent.message:voice:<callId>:<timestamp>:<transcript>` |
    ///
    /// Every turn of a call shares the call id, so a voice turn's key holds the event's
    /// timestamp and what the caller said: a later turn is never taken for a repeat. `None`
    /// when neither the header nor these fields are there. The header is **not covered by the
    /// signature**: a replayed
    /// body with another id verifies too, so a receiver that must never act twice keys its own
    /// records on the content (the key without the header) as well.
    pub fn dedupe_key(&self, webhook_id_header: Option<&str>) -> Option<String> {
        if let Some(id) = webhook_id_header.filter(|id| !id.is_empty()) {
            return Some(id.to_string());
        }
        let event = &self.event;
        match &self.data {
            EventData::Message(m) => m.message_id.as_ref().map(|id| format!("{event}:{id}")),
            EventData::Reaction(r) => {
                let id = r.message_id.as_ref()?;
                let part = |v: &Option<String>| v.clone().unwrap_or_default();
                Some(format!(
                    "{event}:{id}:{}:{}",
                    part(&r.reaction_type),
                    part(&r.from_number)
                ))
            }
            EventData::CallEnded(c) => c.call_id.as_ref().map(|id| format!("{event}:{id}")),
            EventData::Other(v) => v
                .get("messageId")
                .and_then(Value::as_str)
                .map(|id| format!("{event}:{id}")),
            // Every turn of a call shares its id: the turn's time and words tell it apart.
            EventData::VoiceTurn(t) => {
                let call = t.call_id.as_ref()?;
                let at = self
                    .timestamp
                    .map(|t| format_timestamp(&t))
                    .unwrap_or_default();
                let said = t.transcript.as_deref().unwrap_or_default();
                Some(format!("{event}:voice:{call}:{at}:{said}"))
            }
        }
    }
}

/// What a voice agent answers to a [`EventData::VoiceTurn`]: the text the caller hears, and
/// whether to hang up or transfer the call. Answer with [`VoiceReply::to_json`]
/// (`Content-Type: application/json`), or stream partial text first with
/// [`VoiceReply::ndjson`] (`Content-Type: application/x-ndjson`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct VoiceReply {
    /// What the caller hears.
    pub text: String,
    /// Hang up after saying it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hangup: Option<bool>,
    /// `transfer`: hand the call to the agent's transfer number after saying it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
}

/// The media type of a JSON voice reply.
pub const VOICE_REPLY_JSON: &str = "application/json";
/// The media type of a streamed (NDJSON) voice reply.
pub const VOICE_REPLY_NDJSON: &str = "application/x-ndjson";

impl VoiceReply {
    /// Says this.
    pub fn say(text: impl Into<String>) -> VoiceReply {
        VoiceReply {
            text: text.into(),
            ..VoiceReply::default()
        }
    }

    /// Hangs up after saying it.
    pub fn hangup(mut self) -> Self {
        self.hangup = Some(true);
        self
    }

    /// Transfers the call after saying it.
    pub fn transfer(mut self) -> Self {
        self.action = Some("transfer".into());
        self
    }

    /// The JSON answer: `{"text", "hangup"?, "action"?}`.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The streamed answer: each of `interim` as `{"text", "interim": true}` on its own line
    /// (said while the rest is prepared), then this reply.
    pub fn ndjson(&self, interim: &[&str]) -> String {
        let mut out = String::new();
        for text in interim {
            out.push_str(&serde_json::json!({"text": text, "interim": true}).to_string());
            out.push('\n');
        }
        out.push_str(&self.to_json());
        out.push('\n');
        out
    }

    /// Reads a receiver's answer, JSON or NDJSON (the last line that is not interim counts):
    /// `None` when it is not a reply, which the caller hears as silence.
    pub fn parse(body: &[u8]) -> Option<VoiceReply> {
        if let Ok(reply) = serde_json::from_slice::<VoiceReply>(body) {
            return Some(reply);
        }
        let text = std::str::from_utf8(body).ok()?;
        text.lines()
            .rev()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter(|v| v.get("interim") != Some(&Value::Bool(true)))
            .find_map(|v| serde_json::from_value::<VoiceReply>(v).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(v: Value) -> Event {
        Event::from_slice(v.to_string().as_bytes()).unwrap()
    }

    #[test]
    fn events_by_kind_and_unknown_ones_kept() {
        let e = event(
            json!({"event": "agent.message", "channel": "sms", "agentId": "agt_1",
            "timestamp": "2025-01-15T12:00:00Z", "conversationState": {"stage": 1},
            "recentHistory": [{"content": "hi", "direction": "inbound", "channel": "sms", "at": "2025-01-15T11:59:00Z"}],
            "data": {"messageId": "msg_1", "from": "+1", "message": "hi", "new": 1}, "newTop": true}),
        );
        match &e.data {
            EventData::Message(m) => {
                assert_eq!(m.message.as_deref(), Some("hi"));
                assert_eq!(m.extra["new"], 1);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(e.extra["newTop"], true);
        assert_eq!(
            e.recent_history.as_ref().unwrap()[0].content.as_deref(),
            Some("hi")
        );
        assert_eq!(e.dedupe_key(None).as_deref(), Some("agent.message:msg_1"));
        assert_eq!(e.dedupe_key(Some("wh_9")).as_deref(), Some("wh_9"));

        let e = event(json!({"event": "agent.message", "channel": "voice",
            "data": {"callId": "call_1", "transcript": "hello", "confidence": 0.93}}));
        assert!(
            matches!(&e.data, EventData::VoiceTurn(v) if v.transcript.as_deref() == Some("hello"))
        );
        let e = event(
            json!({"event": "agent.call_ended", "data": {"callId": "call_1",
            "transcript": [{"role": "user", "content": "hi"}], "durationSeconds": 12}}),
        );
        assert!(matches!(&e.data, EventData::CallEnded(c) if c.duration_seconds == Some(12.0)));
        let e = event(json!({"event": "agent.reaction", "channel": "imessage",
            "data": {"reactionType": "love", "messageId": "msg_2", "fromNumber": "+1"}}));
        assert!(
            matches!(&e.data, EventData::Reaction(r) if r.reaction_type.as_deref() == Some("love"))
        );
        let e = event(json!({"event": "agent.future_thing", "data": {"x": [1]}}));
        assert_eq!(e.data, EventData::Other(json!({"x": [1]})));
    }

    #[test]
    fn without_the_header_distinct_events_have_distinct_keys() {
        let reaction = |from: &str, kind: &str| {
            event(json!({"event": "agent.reaction", "channel": "imessage",
                "data": {"reactionType": kind, "messageId": "msg_1", "fromNumber": from}}))
        };
        let message = event(json!({"event": "agent.message", "channel": "sms",
            "data": {"messageId": "msg_1", "from": "+1", "message": "hi"}}));
        let keys: Vec<Option<String>> = [
            message,
            reaction("+15550000001", "love"),
            reaction("+15550000002", "love"),
            reaction("+15550000001", "like"),
            event(json!({"event": "agent.future", "data": {"messageId": "msg_1"}})),
            event(json!({"event": "agent.call_ended", "data": {"callId": "msg_1"}})),
        ]
        .iter()
        .map(|e| e.dedupe_key(None))
        .collect();
        let distinct: std::collections::HashSet<_> = keys.iter().collect();
        assert_eq!(distinct.len(), keys.len(), "{keys:?}");
        assert!(keys.iter().all(Option::is_some), "{keys:?}");
        // The same reaction delivered twice has one key.
        assert_eq!(
            reaction("+15550000001", "love").dedupe_key(None),
            reaction("+15550000001", "love").dedupe_key(None)
        );
        // Every turn of a call shares its id: the time and the words tell turns apart.
        let turn = |at: &str, said: &str| {
            event(
                json!({"event": "agent.message", "channel": "voice", "timestamp": at,
                "data": {"callId": "call_1", "transcript": said}}),
            )
        };
        let first = turn("2025-01-15T10:45:00Z", "hello").dedupe_key(None);
        assert_eq!(
            first.as_deref(),
            Some("agent.message:voice:call_1:2025-01-15T10:45:00Z:hello")
        );
        assert_ne!(
            first,
            turn("2025-01-15T10:45:07Z", "hello").dedupe_key(None)
        );
        assert_ne!(first, turn("2025-01-15T10:45:00Z", "bye").dedupe_key(None));
        assert_eq!(
            first,
            turn("2025-01-15T10:45:00Z", "hello").dedupe_key(None)
        );
        assert_eq!(
            turn("2025-01-15T10:45:00Z", "hello")
                .dedupe_key(Some("whd_1"))
                .as_deref(),
            Some("whd_1")
        );
        let no_call = event(json!({"event": "agent.message", "channel": "voice",
            "data": {"transcript": "hello"}}));
        assert_eq!(no_call.dedupe_key(None), None);
    }

    #[test]
    fn voice_replies_in_both_forms() {
        let r = VoiceReply::say("One moment").transfer();
        assert_eq!(r.to_json(), r#"{"text":"One moment","action":"transfer"}"#);
        let nd = VoiceReply::say("Done.").hangup().ndjson(&["Let me check"]);
        assert_eq!(
            nd,
            "{\"interim\":true,\"text\":\"Let me check\"}\n{\"text\":\"Done.\",\"hangup\":true}\n"
        );
        assert_eq!(VoiceReply::parse(nd.as_bytes()).unwrap().text, "Done.");
        assert_eq!(VoiceReply::parse(br#"{"text":"hi"}"#).unwrap().text, "hi");
        assert_eq!(VoiceReply::parse(b"[1]"), None);
    }
}
