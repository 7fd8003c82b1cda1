//! Agents: the answers to attaching and detaching a number.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{CForm, Extra};

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

impl CForm for AttachedNumber {
    fn may_need_rewrite(_: &[u8]) -> bool {
        false
    }

    fn rewrite(_: &mut Value) -> bool {
        false
    }
}

impl CForm for DetachedNumber {
    fn may_need_rewrite(_: &[u8]) -> bool {
        false
    }

    fn rewrite(_: &mut Value) -> bool {
        false
    }
}
