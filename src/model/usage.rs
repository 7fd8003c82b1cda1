//! Usage: the account's plan, limits and counters, per day, per month, per number and per
//! agent, and the queries of those reports.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::c_form::CForm;
use super::Extra;

/// The account's usage (`GET /v1/usage`): plan, number limits, counters, period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    /// The plan and its limits, as the server reports them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<Value>,
    /// `{used, limit, remaining}` numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numbers: Option<Value>,
    /// The counters (`totalMessages`, `messagesLast24h`, `totalCalls`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stats: Option<Value>,
    /// The start of the billing period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_start: Option<String>,
    /// Its end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_end: Option<String>,
    /// Fields this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A usage report: its rows (`data`), and whatever else the server says of it (`days`,
/// `months`, `period`, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageReport {
    /// One row per day, month, number or agent.
    pub data: Vec<UsageRow>,
    /// Fields this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A row of a usage report: its counters and keys, as the server sends them (`date` or `month`
/// or `numberId` or `agentId`, `messages`, `calls`, ...).
pub type UsageRow = Extra;

/// The query of [`crate::UsageReports::daily`]: the last `days` days (1 to 365; default 30).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DailyQuery {
    /// How many days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
}

/// The query of [`crate::UsageReports::monthly`]: the last `months` months (1 to 120;
/// default 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonthlyQuery {
    /// How many months.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub months: Option<u32>,
}

/// The query of [`crate::UsageReports::by_agent`]: `period` (`week`, `month`, `year`) and
/// `tz` (an IANA time zone).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ByAgentQuery {
    /// `week`, `month` or `year`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// The time zone the period is counted in, e.g. `Europe/Paris`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tz: Option<String>,
}

impl CForm for Usage {}

impl CForm for UsageReport {}
