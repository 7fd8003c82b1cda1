//! The API's objects and the request and query types, one file per resource, and what they
//! share: [`Extra`], [`Paging`] and timestamps. The C API's form of a result is in [`c_form`].
//!
//! Every response type keeps the fields this crate does not know in `extra` and writes them back
//! out when serialized, so a newer server's additions survive a round trip. Timestamps are
//! [`DateTime<Utc>`] and serialize as RFC 3339; on input, RFC 3339 is accepted, and so is a
//! date-time without an offset (taken as UTC), which some servers send.

pub(crate) mod c_form;
pub(crate) mod events;

resources!(
    agents,
    calls,
    contacts,
    conversations,
    messages,
    numbers,
    usage,
    webhooks
);

use std::fmt;

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use serde::de::Visitor;
use serde::{Deserialize, Deserializer, Serializer};
use serde_json::{Map, Value};

/// Fields of a response object that this crate has no typed field for, kept verbatim.
pub type Extra = Map<String, Value>;

/// The query of an offset-paged list (conversations, agents, calls). Unset fields use the API's
/// defaults (limit 20, offset 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Paging {
    /// Page size, 1 to 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// How many items to skip (at most 2^63 - 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
}

impl Paging {
    /// The API's defaults; chain the setters below.
    pub fn new() -> Paging {
        Paging::default()
    }

    /// Sets the page size (1 to 100).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Sets how many items to skip.
    pub fn offset(mut self, offset: u64) -> Self {
        self.offset = Some(offset);
        self
    }
}

/// Formats a timestamp as RFC 3339 in UTC with a `Z`, as sent to and returned from the API.
pub(crate) fn format_timestamp(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Parses RFC 3339, or an ISO 8601 date-time without an offset (taken as UTC).
pub(crate) fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    parse_naive(s)
}

/// Parses an ISO 8601 date-time without an offset, taken as UTC.
fn parse_naive(s: &str) -> Option<DateTime<Utc>> {
    let naive = ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())?;
    Some(naive.and_utc())
}

/// The newtype struct a timestamp is read as: transparent to every deserializer (serde_json's
/// reads the string inside), and the mark by which the test walk of the C form
/// (`c_form::rewrite_timestamps`) finds the timestamps of a type without a list of them.
pub(crate) const TIMESTAMP: &str = "$agentphone::Timestamp";

/// Reads a timestamp from the string as the deserializer holds it (borrowed from the input, or
/// its scratch buffer after unescaping), without a copy. A timestamp without an offset is told
/// to [`c_form::note_naive`], which the C form listens to: that is how the C form knows which
/// strings of a body its type reads as timestamps.
struct TimestampVisitor;

impl TimestampVisitor {
    fn read<E: serde::de::Error>(s: &str) -> Result<DateTime<Utc>, E> {
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            return Ok(t.with_timezone(&Utc));
        }
        let t = parse_naive(s)
            .ok_or_else(|| E::custom(format!("invalid date-time {s:?} (expected ISO 8601)")))?;
        c_form::note_naive(s, t);
        Ok(t)
    }
}

impl<'de> Visitor<'de> for TimestampVisitor {
    type Value = DateTime<Utc>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an ISO 8601 date-time string")
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<DateTime<Utc>, E> {
        Self::read(s)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<DateTime<Utc>, D::Error> {
        d.deserialize_str(self)
    }
}

/// [`TimestampVisitor`] behind `null`: `None` for `null` (or a missing field, through
/// `#[serde(default)]`).
struct OptionalTimestampVisitor;

impl<'de> Visitor<'de> for OptionalTimestampVisitor {
    type Value = Option<DateTime<Utc>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an ISO 8601 date-time string or null")
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_newtype_struct(TIMESTAMP, TimestampVisitor)
            .map(Some)
    }
}

/// Serde adapter for a required timestamp.
pub(crate) mod timestamp {
    use super::*;

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_timestamp(t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        d.deserialize_newtype_struct(TIMESTAMP, TimestampVisitor)
    }
}

/// Serde adapter for an optional timestamp (`null` or absent is `None`).
pub(crate) mod timestamp_opt {
    use super::*;

    pub fn serialize<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&format_timestamp(t)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        d.deserialize_option(OptionalTimestampVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_accept_rfc3339_and_naive_utc() {
        let z = parse_timestamp("2025-01-15T10:45:00Z").unwrap();
        assert_eq!(parse_timestamp("2025-01-15T11:45:00+01:00"), Some(z));
        assert_eq!(parse_timestamp("2025-01-15T10:45:00"), Some(z));
        assert_eq!(parse_timestamp("2025-01-15 10:45:00.000"), Some(z));
        assert_eq!(parse_timestamp("yesterday"), None);
        assert_eq!(format_timestamp(&z), "2025-01-15T10:45:00Z");
    }
}
