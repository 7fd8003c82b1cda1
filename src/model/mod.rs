//! The API's objects and the request and query types, one file per resource, and what they
//! share: [`Extra`], timestamps, and the C API's form of a result ([`CForm`]).
//!
//! Every response type keeps the fields this crate does not know in `extra` and writes them back
//! out when serialized, so a newer server's additions survive a round trip. Timestamps are
//! [`DateTime<Utc>`] and serialize as RFC 3339; on input, RFC 3339 is accepted, and so is a
//! date-time without an offset (taken as UTC), which some servers send.

pub(crate) mod agents;
pub(crate) mod calls;
pub(crate) mod contacts;
pub(crate) mod conversations;
pub(crate) mod messages;
pub(crate) mod numbers;
pub(crate) mod usage;
pub(crate) mod webhooks;

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

/// How a result is handed to C: the server's JSON as received, with exactly the rewrites below
/// made in place, whatever else the object holds (a key the server left out stays out):
///
/// - a timestamp field (one the type decodes as a timestamp; a field this crate does not know
///   is kept verbatim) whose value is not RFC 3339 with an offset is written as RFC 3339 in
///   UTC (`...Z`);
/// - a message's sender is under `from_` and its recipient under `to` (the other spellings,
///   `from`, `fromNumber`, `toNumber`, are renamed), and a `null` message body is `""`;
/// - a list page without `total` gets `"total": null`.
///
/// When nothing needs rewriting, the body bytes themselves are the result. Whether that is so
/// is first judged from the decoded value and the bytes ([`CForm::may_need_rewrite`]), so that
/// the common case costs no second parse.
pub(crate) trait CForm {
    /// False only when `body`, which decoded as `self`, certainly needs no rewrite. Cheap: what
    /// the decoded value tells, else a scan of the bytes. It may say true for a body that turns
    /// out to need nothing, never false for one that does.
    fn may_need_rewrite(&self, body: &[u8]) -> bool;

    /// Makes the rewrites in `value` (which decodes as `Self`); true when anything changed.
    fn rewrite(value: &mut Value) -> bool;
}

/// Whether the value of a key ending in `At` (`createdAt`, `receivedAt`, ...: every timestamp
/// the rewrites name) may be a date-time that is not RFC 3339 with an offset: without one, or
/// in any of the looser forms the typed decoding also reads (`2025-1-5T9:00:00`, a leading
/// space, a signed year). Also true whenever the body has a `\u` escape, since a key may be
/// spelled with one.
pub(crate) fn has_naive_timestamp(body: &[u8]) -> bool {
    if contains(body, b"\\u") {
        return true;
    }
    memchr::memmem::find_iter(body, b"At\"").any(|at| {
        let rest = &body[at + 3..];
        let rest = skip_space(rest);
        let Some(rest) = rest.strip_prefix(b":") else {
            return false; // a value ending in `At`, not a key
        };
        match skip_space(rest).strip_prefix(b"\"") {
            Some(value) => !is_rfc3339_with_offset(value),
            None => false, // null, or not a string: nothing to rewrite
        }
    })
}

fn skip_space(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

/// Whether the string starting at `value` (just after its opening quote) is, up to its closing
/// quote, `YYYY-MM-DD[Tt ]HH:MM:SS[.fff](Z|z|+HH:MM|-HH:MM)`: the shape of RFC 3339, which
/// needs no rewrite. Anything else that decodes as a timestamp is rewritten.
fn is_rfc3339_with_offset(value: &[u8]) -> bool {
    fn shaped(b: &[u8], shape: &[u8]) -> bool {
        b.len() >= shape.len()
            && b.iter().zip(shape).all(|(&b, &want)| match want {
                b'd' => b.is_ascii_digit(),
                b'T' => matches!(b, b'T' | b't' | b' '),
                other => b == other,
            })
    }
    const DATE_TIME: &[u8] = b"dddd-dd-ddTdd:dd:dd";
    if !shaped(value, DATE_TIME) {
        return false;
    }
    let mut rest = &value[DATE_TIME.len()..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let n = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return false;
        }
        rest = &fraction[n..];
    }
    let rest = match rest.first() {
        Some(b'Z' | b'z') => &rest[1..],
        Some(b'+' | b'-') if shaped(&rest[1..], b"dd:dd") => &rest[6..],
        _ => return false,
    };
    rest.first() == Some(&b'"')
}

/// Whether `needle` occurs in the bytes.
pub(crate) fn contains(body: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(body, needle).is_some()
}

/// Rewrites, in place, the timestamps under `keys` that have no offset.
pub(crate) fn rewrite_timestamps(value: &mut Value, keys: &[&str]) -> bool {
    let Some(obj) = value.as_object_mut() else {
        return false;
    };
    let mut changed = false;
    for key in keys {
        if let Some(Value::String(s)) = obj.get_mut(*key) {
            if DateTime::parse_from_rfc3339(s).is_err() {
                if let Some(t) = parse_timestamp(s) {
                    *s = format_timestamp(&t);
                    changed = true;
                }
            }
        }
    }
    changed
}

/// Moves a message's sender and recipient to their canonical keys: for each `(canonical,
/// spellings)`, every spelling present is removed, and the canonical key ends up holding the
/// first value that is not `null` in the order canonical, then spellings: the order in which
/// the typed decoding prefers them, where `null` counts as absent. A null `body` becomes `""`.
/// True when anything changed.
pub(crate) fn canonical_message_keys(value: &mut Value, renames: &[(&str, &[&str])]) -> bool {
    let Some(obj) = value.as_object_mut() else {
        return false;
    };
    let mut changed = false;
    for (canonical, spellings) in renames {
        for spelling in *spellings {
            let Some(v) = obj.remove(*spelling) else {
                continue;
            };
            changed = true;
            match obj.get_mut(*canonical) {
                Some(held) if held.is_null() => *held = v,
                Some(_) => {}
                None => {
                    obj.insert((*canonical).to_owned(), v);
                }
            }
        }
    }
    if let Some(body @ Value::Null) = obj.get_mut("body") {
        *body = Value::String(String::new());
        changed = true;
    }
    changed
}

/// Adds `"total": null` to a list page that has no `total`.
pub(crate) fn add_total(value: &mut Value) -> bool {
    match value.as_object_mut() {
        Some(obj) if !obj.contains_key("total") => {
            obj.insert("total".into(), Value::Null);
            true
        }
        _ => false,
    }
}

/// Whether a list page has no `total` key at the top level (then [`add_total`] has work to do),
/// given the `total` it decoded to. A number there settles it without a look at the bytes;
/// otherwise the key was `null` or absent, and a scan of the bytes tells which (a `total` inside
/// an item does not count).
pub(crate) fn lacks_total(decoded: Option<u64>, body: &[u8]) -> bool {
    decoded.is_none() && !has_top_level_key(body, b"total")
}

/// Where the string that starts at `start` (just after its opening quote) ends: the index of its
/// closing quote, or `body.len()`. Jumps from quote to quote (strings are most of a body), and a
/// quote counts when an even number of backslashes stands before it.
fn string_end(body: &[u8], start: usize) -> usize {
    let mut at = start;
    while let Some(q) = memchr::memchr(b'"', &body[at..]) {
        let quote = at + q;
        let backslashes = body[start..quote]
            .iter()
            .rev()
            .take_while(|&&b| b == b'\\')
            .count();
        if backslashes % 2 == 0 {
            return quote;
        }
        at = quote + 1;
    }
    body.len()
}

/// Whether the top-level object of `body` (JSON that has already decoded) has the key `key`
/// spelled without escapes. Linear, without allocating: a scan of the bytes that tracks strings
/// and nesting. False for a body whose top level is not an object.
pub(crate) fn has_top_level_key(body: &[u8], key: &[u8]) -> bool {
    let mut depth = 0usize;
    // Inside the top-level object, where the next string is a key.
    let mut key_next = false;
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'"' => {
                let start = i + 1;
                let end = string_end(body, start);
                if key_next && body.get(start..end) == Some(key) {
                    return true;
                }
                key_next = false;
                i = end + 1;
                continue;
            }
            b'{' => {
                depth += 1;
                key_next = depth == 1;
            }
            b'[' if depth == 0 => return false,
            b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            b',' => key_next = depth == 1,
            _ => {}
        }
        i += 1;
    }
    false
}

/// A result passed through as the server sent it (untyped answers: transcripts, raw requests).
impl CForm for Value {
    fn may_need_rewrite(&self, _: &[u8]) -> bool {
        false
    }

    fn rewrite(_: &mut Value) -> bool {
        false
    }
}

/// Applies `rewrite` to every element of the array under `key`.
pub(crate) fn rewrite_each(value: &mut Value, key: &str, rewrite: fn(&mut Value) -> bool) -> bool {
    let Some(Value::Array(items)) = value.get_mut(key) else {
        return false;
    };
    let mut changed = false;
    for item in items {
        changed |= rewrite(item);
    }
    changed
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
    let naive = ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())?;
    Some(naive.and_utc())
}

/// Reads a timestamp from the string as the deserializer holds it (borrowed from the input, or
/// its scratch buffer after unescaping), without a copy.
struct TimestampVisitor;

impl<'de> Visitor<'de> for TimestampVisitor {
    type Value = DateTime<Utc>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an ISO 8601 date-time string")
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<DateTime<Utc>, E> {
        parse_timestamp(s)
            .ok_or_else(|| E::custom(format!("invalid date-time {s:?} (expected ISO 8601)")))
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
        d.deserialize_str(TimestampVisitor).map(Some)
    }
}

/// Serde adapter for a required timestamp.
pub(crate) mod timestamp {
    use super::*;

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_timestamp(t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        d.deserialize_str(TimestampVisitor)
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
    #[test]
    fn top_level_keys_are_told_from_nested_ones_and_from_values() {
        use super::has_top_level_key as has;
        assert!(has(br#"{"data": [], "total": 3}"#, b"total"));
        assert!(has(br#" {"total":null}"#, b"total"));
        assert!(!has(
            br#"{"data": [{"total": 1}], "hasMore": false}"#,
            b"total"
        ));
        assert!(!has(br#"{"data": {"x": {"total": 1}}}"#, b"total"));
        assert!(!has(br#"{"note": "total", "a": "\"total\""}"#, b"total"));
        assert!(!has(br#"{"note": "x\\", "data": "total"}"#, b"total"));
        assert!(has(br#"{"note": "x\\", "total": 0}"#, b"total"));
        assert!(!has(br#"[{"total": 1}]"#, b"total"));
        assert!(!has(b"", b"total"));
    }

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

    #[test]
    fn c_form_rewrites_only_naive_timestamps() {
        let mut v = serde_json::json!({
            "a": "2025-01-15T10:45:00.5", "b": "2025-01-15T10:45:00+01:00", "c": "x"
        });
        assert!(rewrite_timestamps(&mut v, &["a", "b", "c", "d"]));
        assert_eq!(
            v,
            serde_json::json!({
                "a": "2025-01-15T10:45:00.500Z", "b": "2025-01-15T10:45:00+01:00", "c": "x"
            })
        );
        assert!(!rewrite_timestamps(&mut v, &["a", "b"]));
    }

    #[test]
    fn the_c_form_rewrites_the_typed_timestamps_and_keeps_unknown_fields_verbatim() {
        use crate::ffi::boundary::c_form;
        let call = r#"{"id":"c","startedAt":"2025-01-15T10:45:00","createdAt":"2025-01-15T10:45:00","transcripts":[{"id":"t","createdAt":"2025-01-15T10:45:00"}]}"#;
        let c: Value = serde_json::from_str(&c_form::<calls::Call>(call.into()).unwrap()).unwrap();
        assert_eq!(c["startedAt"], "2025-01-15T10:45:00Z");
        assert_eq!(c["transcripts"][0]["createdAt"], "2025-01-15T10:45:00Z");
        assert_eq!(
            c["createdAt"], "2025-01-15T10:45:00",
            "not a field of a call"
        );
        let agent =
            r#"{"id":"a","createdAt":"2025-01-15T10:45:00","updatedAt":"2025-01-15T10:45:00"}"#;
        let a: Value =
            serde_json::from_str(&c_form::<agents::Agent>(agent.into()).unwrap()).unwrap();
        assert_eq!(a["createdAt"], "2025-01-15T10:45:00Z");
        assert_eq!(
            a["updatedAt"], "2025-01-15T10:45:00",
            "not a field of an agent"
        );
    }

    #[test]
    fn the_byte_scan_finds_every_naive_timestamp() {
        for naive in [
            r#"{"createdAt":"2025-01-15T10:45:00"}"#,
            r#"{"receivedAt" :  "2025-01-15 10:45:00.123"}"#,
            r#"{"createdAt":"2025-01-15T10:45:00Z","expiresAt":"2025-01-15T10:45:00.5"}"#,
            r#"{"createdA\u0074":"2025-01-15T10:45:00Z"}"#,
            // Looser forms that the typed decoding reads as naive.
            r#"{"createdAt":"2025-1-5T9:00:00"}"#,
            r#"{"createdAt":" 2025-01-15T10:45:00"}"#,
            r#"{"createdAt":"+2025-01-15T10:45:00"}"#,
            r#"{"createdAt":"2025-01-15T10:45:00Z ","x":"2025-01-15T10:45:00"}"#,
        ] {
            assert!(has_naive_timestamp(naive.as_bytes()), "{naive}");
        }
        // Whatever the scan sends on is rewritten to RFC 3339, which the scan then passes.
        for loose in [
            "2025-1-5T9:00:00",
            " 2025-01-05T09:00:00",
            "+2025-01-05T09:00:00",
        ] {
            let mut v = serde_json::json!({ "createdAt": loose });
            assert!(rewrite_timestamps(&mut v, &["createdAt"]), "{loose}");
            assert_eq!(v["createdAt"], "2025-01-05T09:00:00Z");
            assert!(!has_naive_timestamp(v.to_string().as_bytes()));
        }
        for fine in [
            r#"{"createdAt":"2025-01-15T10:45:00Z"}"#,
            r#"{"createdAt":"2025-01-15T10:45:00.123456+01:00","expiresAt":null}"#,
            r#"{"receivedAt":"2025-01-15T10:45:00-05:00","body":"At\": 2025-01-15T10:45:00"}"#,
            r#"{"body":"2025-01-15T10:45:00 is not a field ending in At"}"#,
            r#"{"createdAt":"2025-01-15t10:45:00.5z","readAt":"2025-01-15 10:45:00+00:00"}"#,
            "",
        ] {
            assert!(!has_naive_timestamp(fine.as_bytes()), "{fine}");
        }
    }
}
