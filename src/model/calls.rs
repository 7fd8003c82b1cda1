//! Calls: the call object with its transcript turns, its page, placing a call, the list
//! filters, and the long-poll query.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::c_form::CForm;
use super::{timestamp_opt, Extra};

/// A call, inbound or outbound.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Call {
    /// The call's id.
    pub id: String,
    /// The caller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_number: Option<String>,
    /// The called number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_number: Option<String>,
    /// `inbound` or `outbound`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<String>,
    /// `queued`, `ringing`, `in-progress`, `completed`, `failed`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// When it started.
    #[serde(
        default,
        with = "timestamp_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub started_at: Option<DateTime<Utc>>,
    /// When it ended.
    #[serde(
        default,
        with = "timestamp_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub ended_at: Option<DateTime<Utc>>,
    /// How long it lasted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<f64>,
    /// The agent that handled it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// The agent's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_name: Option<String>,
    /// Your number's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number_id: Option<String>,
    /// Your number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// Whether a recording can be downloaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_available: Option<bool>,
    /// Where the recording is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_url: Option<String>,
    /// The transcript so far, turn by turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcripts: Option<Vec<CallTranscript>>,
    /// The end of the last turn, in lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transcript_snippet: Option<String>,
    /// Fields this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Call {
    /// True once the call is over (`completed`, `failed`, `busy`, `no-answer`, `canceled`, or
    /// an `endedAt`).
    pub fn is_finished(&self) -> bool {
        self.ended_at.is_some()
            || matches!(
                self.status.as_deref(),
                Some("completed" | "failed" | "busy" | "no-answer" | "canceled" | "ended")
            )
    }
}

/// One turn of a call's transcript: what the caller said and what the agent answered.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallTranscript {
    /// The turn's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// What the caller said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcript: Option<String>,
    /// What the agent answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
    /// When.
    #[serde(
        default,
        with = "timestamp_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_at: Option<DateTime<Utc>>,
    /// Fields this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One page of a call list: offset paging.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallPage {
    /// The calls on this page, newest first.
    pub data: Vec<Call>,
    /// True when more follow this page.
    pub has_more: bool,
    /// How many there are in all (serialized as `null` if the server omitted it).
    #[serde(default)]
    pub total: Option<u64>,
    /// Fields this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The query of [`crate::Calls::list`]: paging and filters.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListCalls {
    /// Page size, 1 to 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// How many calls to skip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// Only calls with this status, e.g. `completed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Only `inbound` or `outbound` calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<String>,
    /// Only `pstn` or `web` calls.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub call_type: Option<String>,
    /// Only calls whose numbers contain this text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
}

impl ListCalls {
    /// Every call, the API's page size; chain the setters below.
    pub fn new() -> ListCalls {
        ListCalls::default()
    }

    /// Sets the page size (1 to 100).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Sets how many calls to skip.
    pub fn offset(mut self, offset: u64) -> Self {
        self.offset = Some(offset);
        self
    }

    /// Only calls with this status.
    pub fn status(mut self, status: impl Into<String>) -> Self {
        self.status = Some(status.into());
        self
    }

    /// Only `inbound` or `outbound` calls.
    pub fn direction(mut self, direction: impl Into<String>) -> Self {
        self.direction = Some(direction.into());
        self
    }
}

/// The body of [`crate::Calls::create`] (`POST /v1/calls`): camelCase, as the API spells it.
/// `agentId` and an E.164 `toNumber` are required.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateCall {
    /// The agent that makes the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// Who to call, in E.164 form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_number: Option<String>,
    /// Call from this number (it must be attached to the agent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_number_id: Option<String>,
    /// What the agent says first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_greeting: Option<String>,
    /// The voice for this call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice: Option<String>,
    /// With a prompt, the built-in model runs the call; without, your webhook does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_prompt: Option<String>,
    /// The model tier (only with `systemPrompt`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_tier: Option<String>,
    /// Values for `{{name}}` placeholders in the prompt and greeting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variables: Option<BTreeMap<String, String>>,
    /// Store no recording (the transcript is still kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_recording: Option<bool>,
    /// Who the agent says it is when the call is screened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_screening_identity: Option<String>,
    /// Why the agent says it calls when the call is screened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_screening_purpose: Option<String>,
    /// Hold the request until the call ends (at most `maxWaitSeconds`), and answer the call as
    /// it is then: the request's own timeout is the wait plus
    /// [`LONG_POLL_MARGIN`](crate::LONG_POLL_MARGIN). The call is placed either way: a timeout
    /// after sending is [`Error::may_have_succeeded`](crate::Error::may_have_succeeded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_for_completion: Option<bool>,
    /// The longest wait of `waitForCompletion`, in seconds (10 to 600; without it, the client
    /// allows the longest, 600).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_wait_seconds: Option<u32>,
}

impl CreateCall {
    /// A call from this agent to this number; chain the setters below.
    pub fn new(agent_id: impl Into<String>, to_number: impl Into<String>) -> CreateCall {
        CreateCall {
            agent_id: Some(agent_id.into()),
            to_number: Some(to_number.into()),
            ..CreateCall::default()
        }
    }

    /// Calls from this number.
    pub fn from_number_id(mut self, id: impl Into<String>) -> Self {
        self.from_number_id = Some(id.into());
        self
    }

    /// Sets what the agent says first.
    pub fn initial_greeting(mut self, greeting: impl Into<String>) -> Self {
        self.initial_greeting = Some(greeting.into());
        self
    }

    /// Lets the built-in model run the call with these instructions.
    pub fn system_prompt(mut self, prompt: impl Into<String>) -> Self {
        self.system_prompt = Some(prompt.into());
        self
    }

    /// Waits until the call ends, for at most `seconds` (10 to 600), before answering
    /// (`waitForCompletion`, `maxWaitSeconds`).
    pub fn wait_for_completion(mut self, seconds: u32) -> Self {
        self.wait_for_completion = Some(true);
        self.max_wait_seconds = Some(seconds);
        self
    }

    /// Sets a `{{name}}` placeholder's value.
    pub fn variable(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.variables
            .get_or_insert_with(BTreeMap::new)
            .insert(name.into(), value.into());
        self
    }
}

/// The query of `GET /v1/calls/{id}`: `wait` holds the request until the call ends, for at most
/// `timeout` seconds (10 to 300; the API's default is 120).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GetCall {
    /// Hold the request until the call ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait: Option<bool>,
    /// The longest wait, in seconds (10 to 300).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u32>,
}

/// The full transcript of a call (`GET /v1/calls/{id}/transcript`), as the server sends it.
pub type Transcript = Value;

/// One event of a call's live transcript ([`crate::Calls::stream_transcript`]). The server
/// replays the turns so far on connect, then sends each new one, then `ended`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum TranscriptEvent {
    /// The stream is open (`connected`), with what the server says about it.
    Connected(Value),
    /// A turn of the conversation (`turn`).
    Turn(TranscriptTurn),
    /// The call is over (`ended`): its duration and whatever else the server reports. The
    /// stream ends after it.
    Ended(Value),
    /// An event this crate does not know, kept: its name and its data (JSON, or the text as a
    /// JSON string).
    Other {
        /// The event's name.
        event: String,
        /// Its data.
        data: Value,
    },
}

/// A turn of a live transcript: who spoke, and what was said.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TranscriptTurn {
    /// `user` (the caller) or `agent`.
    pub role: String,
    /// What was said.
    pub content: String,
    /// Fields this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

impl TranscriptEvent {
    /// The event's name and its data as JSON (the C API's `{"event", "data"}`).
    pub(crate) fn from_parts(event: &str, data: &str) -> Result<TranscriptEvent, String> {
        let json = || serde_json::from_str::<Value>(data).map_err(|e| format!("{event}: {e}"));
        Ok(match event {
            "connected" => TranscriptEvent::Connected(json()?),
            "turn" => {
                TranscriptEvent::Turn(serde_json::from_str(data).map_err(|e| format!("turn: {e}"))?)
            }
            "ended" => TranscriptEvent::Ended(json()?),
            _ => TranscriptEvent::Other {
                event: event.to_string(),
                data: json().unwrap_or_else(|_| Value::String(data.to_string())),
            },
        })
    }
}

impl CForm for Call {}

impl CForm for CallPage {
    fn page_total(&self) -> Option<Option<u64>> {
        Some(self.total)
    }
}
