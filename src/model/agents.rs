//! Agents: the agent object, its page, its settings (create and update), custom tools, voices,
//! and the answers to attaching and detaching a number.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::c_form::CForm;
use super::{timestamp_opt, Extra};

/// An agent: its id, creation time and attached numbers, and its settings (the fields of
/// [`AgentSettings`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Agent {
    /// The agent's id.
    pub id: String,
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// When it was created.
    #[serde(
        default,
        with = "timestamp_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_at: Option<DateTime<Utc>>,
    /// The numbers attached to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numbers: Option<Vec<NumberSummary>>,
    /// A description for your own use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `webhook` (your server answers) or `hosted` (the built-in model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice_mode: Option<String>,
    /// `turbo`, `balanced` or `max`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_tier: Option<String>,
    /// The hosted model's instructions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_prompt: Option<String>,
    /// What the agent says first on a call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub begin_message: Option<String>,
    /// The voice id (see [`crate::Agents::voices`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice: Option<String>,
    /// Where calls are transferred to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_number: Option<String>,
    /// The message left on voicemail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voicemail_message: Option<String>,
    /// `fast` or `accurate` speech recognition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stt_mode: Option<String>,
    /// `none`, `office`, `coffee-shop`, `outdoor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ambient_sound: Option<String>,
    /// Noise reduction mode (the aggressive one is billed per minute).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denoising_mode: Option<String>,
    /// Silence before the call ends, 10000 to 3600000 ms (API default 600000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_silence_ms: Option<u64>,
    /// Speaking speed, 0.5 to 2.0 (API default 1.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice_speed: Option<f64>,
    /// How easily the caller interrupts, 0 to 1 (API default 0.8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interruption_sensitivity: Option<f64>,
    /// Whether the agent also handles messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_messaging: Option<bool>,
    /// Whether the agent makes listening noises ("mm-hm").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_backchannel: Option<bool>,
    /// A BCP-47 language code, e.g. `en-US`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Tools the hosted model may call (at most 20); an update replaces the whole set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_tools: Option<Vec<CustomTool>>,
    /// Who the agent says it is when a call is screened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_screening_identity: Option<String>,
    /// Why the agent says it calls when a call is screened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_screening_purpose: Option<String>,
    /// Fields this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One page of [`crate::Agents::list`]. The API answers `{data, total}` (some servers add
/// `hasMore`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentPage {
    /// The agents on this page.
    pub data: Vec<Agent>,
    /// How many agents there are in all.
    #[serde(default)]
    pub total: Option<u64>,
    /// True when more follow (absent on servers that do not say: then `total` tells).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_more: Option<bool>,
    /// Fields this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The body of [`crate::Agents::create`] (`name` required) and [`crate::Agents::update`]
/// (`PATCH`: only the fields set change; `customTools` replaces the whole set). Keys are the
/// API's own, camelCase.
///
/// Checked before sending, by the documented bounds only (new enum values the API may add are
/// passed through): `maxSilenceMs` 10000 to 3600000, `voiceSpeed` 0.5 to 2.0,
/// `interruptionSensitivity` 0 to 1, at most 20 `customTools`, each with a `name` of at most 64
/// characters, a `url`, a `description`, and a `timeoutMs` of 1000 to 120000.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AgentSettings {
    /// The agent's name (required to create).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A description for your own use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `webhook` (your server answers) or `hosted` (the built-in model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice_mode: Option<String>,
    /// `turbo`, `balanced` or `max`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_tier: Option<String>,
    /// The hosted model's instructions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_prompt: Option<String>,
    /// What the agent says first on a call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub begin_message: Option<String>,
    /// The voice id (see [`crate::Agents::voices`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice: Option<String>,
    /// Where calls are transferred to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_number: Option<String>,
    /// The message left on voicemail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voicemail_message: Option<String>,
    /// `fast` or `accurate` speech recognition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stt_mode: Option<String>,
    /// `none`, `office`, `coffee-shop`, `outdoor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ambient_sound: Option<String>,
    /// Noise reduction mode (the aggressive one is billed per minute).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denoising_mode: Option<String>,
    /// Silence before the call ends, 10000 to 3600000 ms (API default 600000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_silence_ms: Option<u64>,
    /// Speaking speed, 0.5 to 2.0 (API default 1.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice_speed: Option<f64>,
    /// How easily the caller interrupts, 0 to 1 (API default 0.8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interruption_sensitivity: Option<f64>,
    /// Whether the agent also handles messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_messaging: Option<bool>,
    /// Whether the agent makes listening noises ("mm-hm").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_backchannel: Option<bool>,
    /// A BCP-47 language code, e.g. `en-US`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Tools the hosted model may call (at most 20); an update replaces the whole set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_tools: Option<Vec<CustomTool>>,
    /// Who the agent says it is when a call is screened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_screening_identity: Option<String>,
    /// Why the agent says it calls when a call is screened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_screening_purpose: Option<String>,
}

impl AgentSettings {
    /// Settings for a new agent with this name; chain the setters below.
    pub fn new(name: impl Into<String>) -> AgentSettings {
        AgentSettings {
            name: Some(name.into()),
            ..AgentSettings::default()
        }
    }

    /// Sets the voice mode (`webhook` or `hosted`).
    pub fn voice_mode(mut self, mode: impl Into<String>) -> Self {
        self.voice_mode = Some(mode.into());
        self
    }

    /// Sets the hosted model's instructions.
    pub fn system_prompt(mut self, prompt: impl Into<String>) -> Self {
        self.system_prompt = Some(prompt.into());
        self
    }

    /// Sets the first thing said on a call.
    pub fn begin_message(mut self, message: impl Into<String>) -> Self {
        self.begin_message = Some(message.into());
        self
    }

    /// Sets the voice.
    pub fn voice(mut self, voice: impl Into<String>) -> Self {
        self.voice = Some(voice.into());
        self
    }

    /// Sets the speaking speed (0.5 to 2.0).
    pub fn voice_speed(mut self, speed: f64) -> Self {
        self.voice_speed = Some(speed);
        self
    }

    /// Sets the silence timeout (10000 to 3600000 ms).
    pub fn max_silence_ms(mut self, ms: u64) -> Self {
        self.max_silence_ms = Some(ms);
        self
    }

    /// Sets how easily the caller interrupts (0 to 1).
    pub fn interruption_sensitivity(mut self, value: f64) -> Self {
        self.interruption_sensitivity = Some(value);
        self
    }

    /// Turns message handling on or off.
    pub fn enable_messaging(mut self, on: bool) -> Self {
        self.enable_messaging = Some(on);
        self
    }

    /// Sets the language (BCP-47).
    pub fn language(mut self, language: impl Into<String>) -> Self {
        self.language = Some(language.into());
        self
    }

    /// Sets the custom tools (replacing the agent's whole set on update).
    pub fn custom_tools(mut self, tools: Vec<CustomTool>) -> Self {
        self.custom_tools = Some(tools);
        self
    }
}

/// A tool the hosted model may call over HTTP.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomTool {
    /// Its name (at most 64 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What it does, for the model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where it is called.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// `GET` or `POST`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Headers sent with each call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<Map<String, Value>>,
    /// The parameters, as a JSON Schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Value>,
    /// How long a call may take, 1000 to 120000 ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    /// Fields this crate does not know, passed through.
    #[serde(flatten)]
    pub extra: Extra,
}

impl CustomTool {
    /// A tool with its required fields.
    pub fn new(
        name: impl Into<String>,
        description: impl Into<String>,
        url: impl Into<String>,
    ) -> CustomTool {
        CustomTool {
            name: Some(name.into()),
            description: Some(description.into()),
            url: Some(url.into()),
            ..CustomTool::default()
        }
    }
}

/// The answer to [`crate::Agents::delete`]: `{success, id, name}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeletedAgent {
    /// Whether the server reports success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success: Option<bool>,
    /// The deleted agent's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Fields this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A voice of the catalogue ([`crate::Agents::voices`]).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Voice {
    /// The id to use as an agent's `voice`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice_id: Option<String>,
    /// Its display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice_name: Option<String>,
    /// Who provides it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Its gender, as the catalogue says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    /// Its accent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accent: Option<String>,
    /// A sample to listen to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview_audio_url: Option<String>,
    /// Fields this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The voice catalogue: `{"data": [...]}`, or a bare list from some servers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub(crate) enum VoiceList {
    Wrapped { data: Vec<Voice> },
    Bare(Vec<Voice>),
}

impl VoiceList {
    pub fn into_vec(self) -> Vec<Voice> {
        match self {
            VoiceList::Wrapped { data } | VoiceList::Bare(data) => data,
        }
    }
}

impl CForm for Agent {}

impl CForm for AgentPage {
    fn page_total(&self) -> Option<Option<u64>> {
        Some(self.total)
    }
}

impl CForm for DeletedAgent {}

impl CForm for VoiceList {}

/// The answer to [`crate::Agents::attach_number`]: `{agentId, number: {id, phoneNumber, status, type}}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttachedNumber {
    /// The agent the number is now attached to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// A summary of the attached number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<NumberSummary>,
    /// Fields this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The short form of a number inside [`AttachedNumber`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NumberSummary {
    /// The number's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The number in E.164 form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// The number's status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The kind of number, e.g. `sms`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub number_type: Option<String>,
    /// Fields this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The answer to [`crate::Agents::detach_number`]: `{success}`, any object, or `{}` for an
/// empty body.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DetachedNumber {
    /// Whether the server reports success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success: Option<bool>,
    /// Fields this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

impl CForm for AttachedNumber {}

impl CForm for DetachedNumber {}
