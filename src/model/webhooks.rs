//! Webhooks: the configuration (project or agent) and the delivery log. The events a
//! receiver gets are in `events.rs`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::c_form::CForm;
use super::{timestamp_opt, Extra};

/// A webhook (`GET /v1/webhooks`, `POST /v1/webhooks`, and per agent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Webhook {
    /// Its id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Where events are sent.
    pub url: String,
    /// The signing secret (`whsec_...`): a new one each time the webhook is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// `active`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// How many recent messages come with each event (`recentHistory`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_limit: Option<u32>,
    /// How long the API waits for an answer, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u32>,
    /// When it was set.
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

/// The body of [`crate::Webhooks::set`] (project or agent): `url` required (an absolute http(s)
/// URL of at most 2083 characters), `contextLimit` 0 to 50 (API default 10), `timeout` 5 to 120
/// seconds (API default 30).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SetWebhook {
    /// Where events are sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// How many recent messages come with each event, 0 to 50.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_limit: Option<u32>,
    /// How long the API waits for an answer, 5 to 120 seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u32>,
}

impl SetWebhook {
    /// A webhook to this URL; chain the setters below.
    pub fn new(url: impl Into<String>) -> SetWebhook {
        SetWebhook {
            url: Some(url.into()),
            ..SetWebhook::default()
        }
    }

    /// Sets how many recent messages come with each event (0 to 50).
    pub fn context_limit(mut self, limit: u32) -> Self {
        self.context_limit = Some(limit);
        self
    }

    /// Sets how long the API waits for an answer (5 to 120 s).
    pub fn timeout(mut self, seconds: u32) -> Self {
        self.timeout = Some(seconds);
        self
    }
}

/// The body of [`crate::Webhooks::test`]: a synthetic `agent.message`, every field optional.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookTest {
    /// The sender to pretend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The recipient to pretend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// The text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `sms`, `imessage`, `mms`, `whatsapp`, `rcs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
}

/// The query of [`crate::Webhooks::deliveries`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryQuery {
    /// Page size, 1 to 100 (API default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// How many to skip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// Only the last this many hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<u32>,
}

/// One attempt to deliver an event.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookDelivery {
    /// Its id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The message it is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// `agent.message`, `agent.call_ended`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
    /// The channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// `success`, `failed`, `pending`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The receiver's answer status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// The start of the receiver's answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_body: Option<String>,
    /// Attempts so far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt_count: Option<u32>,
    /// When it was last tried.
    #[serde(
        default,
        with = "timestamp_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// When it is tried next.
    #[serde(
        default,
        with = "timestamp_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub next_retry_at: Option<DateTime<Utc>>,
    /// When it was first tried.
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

/// One page of the delivery log: `{items, total, offset, limit}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryPage {
    /// The deliveries, newest first.
    pub items: Vec<WebhookDelivery>,
    /// How many there are in all.
    #[serde(default)]
    pub total: Option<u64>,
    /// The offset of this page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// The page size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
    /// Fields this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

impl CForm for Webhook {}

impl CForm for DeliveryPage {
    fn page_total(&self) -> Option<Option<u64>> {
        Some(self.total)
    }
}
