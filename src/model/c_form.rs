//! The C API's form of a result ([`CForm`]): the server's JSON with the few rewrites that make
//! it what the header documents, found from the types themselves, and the cheap tests that
//! skip them when a body needs none.

use std::cell::Cell;

use chrono::DateTime;
use serde::de::{DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::Deserializer;
use serde_json::Value;

use super::{format_timestamp, parse_timestamp, TIMESTAMP};

/// How a result is handed to C: the server's JSON as received, with exactly the rewrites below
/// made in place, whatever else the object holds (a key the server left out stays out):
///
/// - a timestamp field (one the type decodes as a timestamp; a field this crate does not know
///   is kept verbatim) whose value is not RFC 3339 with an offset is written as RFC 3339 in
///   UTC (`...Z`);
/// - a message's sender and recipient are under the keys its endpoint documents (`from_` and
///   `to` for a number's messages, `fromNumber` and `toNumber` for a conversation's), the other
///   spellings renamed, and a `null` message body is `""`;
/// - a list page without `total` gets `"total": null`.
///
/// Which fields are timestamps is not listed anywhere: [`rewrite_timestamps`] deserializes the
/// type from the JSON and rewrites every string the type's own `Deserialize` reads as a
/// timestamp (through [`timestamp`](super::timestamp) or [`timestamp_opt`](super::timestamp_opt)). A new timestamp field is therefore
/// rewritten as soon as it is typed. The message spellings and the pages' `total` are the API's
/// rules, not the types', and the types they concern say so by overriding the defaults.
///
/// When nothing needs rewriting, the body bytes themselves are the result. Whether that is so
/// is first judged from the decoded value and the bytes ([`CForm::may_need_rewrite`]), so that
/// the common case costs no second parse.
pub(crate) trait CForm: DeserializeOwned {
    /// For a list page that has a `total`: the `total` it decoded to (`None` when the body's was
    /// `null` or absent). `None` for every other type.
    fn page_total(&self) -> Option<Option<u64>> {
        None
    }

    /// False only when `body`, which decoded as `self`, certainly needs no rewrite. Cheap: what
    /// the decoded value tells, else a scan of the bytes. It may say true for a body that turns
    /// out to need nothing, never false for one that does.
    fn may_need_rewrite(&self, body: &[u8]) -> bool {
        has_naive_timestamp(body) || self.page_total().is_some_and(|t| lacks_total(t, body))
    }

    /// Makes the rewrites in `value` (from which `self` was decoded); true when anything changed.
    fn rewrite(&self, value: &mut Value) -> bool {
        rewrite_timestamps::<Self>(value) | (self.page_total().is_some() && add_total(value))
    }
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

    fn rewrite(&self, _: &mut Value) -> bool {
        false
    }
}

/// `null` (no webhook) stays `null`.
impl<T: CForm> CForm for Option<T> {
    fn may_need_rewrite(&self, body: &[u8]) -> bool {
        self.as_ref().is_some_and(|t| t.may_need_rewrite(body))
    }

    fn rewrite(&self, value: &mut Value) -> bool {
        self.as_ref().is_some_and(|t| t.rewrite(value))
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

/// Rewrites, in place, every string of `value` that `T` reads as a timestamp and that is not
/// RFC 3339 with an offset; true when anything changed.
///
/// `T` is deserialized from `value` through [`Node`], a deserializer that hands out the value's
/// own nodes: where `T`'s `Deserialize` reads a timestamp (the newtype struct [`TIMESTAMP`]
/// that [`timestamp`](super::timestamp) and [`timestamp_opt`](super::timestamp_opt) ask for), the node is rewritten. Content that serde
/// buffers before it knows the type (the unknown fields kept in [`Extra`](super::Extra), an untagged enum's
/// variants) is read as plain JSON and left as it is.
pub(crate) fn rewrite_timestamps<T: DeserializeOwned>(value: &mut Value) -> bool {
    let changed = Cell::new(false);
    // `value` decoded as `T` already; an error here can only leave a node unvisited.
    let _ = T::deserialize(Node {
        value,
        changed: &changed,
    });
    changed.get()
}

/// One node of the JSON being walked, as a deserializer (see [`rewrite_timestamps`]).
struct Node<'a, 'c> {
    value: &'a mut Value,
    changed: &'c Cell<bool>,
}

impl Node<'_, '_> {
    fn rewrite_timestamp(&mut self) {
        if let Value::String(s) = &mut *self.value {
            if DateTime::parse_from_rfc3339(s).is_err() {
                if let Some(t) = parse_timestamp(s) {
                    *s = format_timestamp(&t);
                    self.changed.set(true);
                }
            }
        }
    }
}

impl<'de> Deserializer<'de> for Node<'_, '_> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.value {
            Value::Object(map) => visitor.visit_map(Fields {
                fields: map.iter_mut(),
                pending: None,
                changed: self.changed,
            }),
            Value::Array(items) => visitor.visit_seq(Items {
                items: items.iter_mut(),
                changed: self.changed,
            }),
            leaf => leaf.clone().deserialize_any(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        mut self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        if name == TIMESTAMP {
            self.rewrite_timestamp();
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.value.clone().deserialize_enum(name, variants, visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

/// An object's fields, each value a [`Node`].
struct Fields<'a, 'c> {
    fields: serde_json::map::IterMut<'a>,
    pending: Option<&'a mut Value>,
    changed: &'c Cell<bool>,
}

impl<'de> MapAccess<'de> for Fields<'_, '_> {
    type Error = serde_json::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        let Some((key, value)) = self.fields.next() else {
            return Ok(None);
        };
        self.pending = Some(value);
        seed.deserialize(Value::String(key.clone())).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        let value = self
            .pending
            .take()
            .ok_or_else(|| serde::de::Error::custom("a value asked for before its key"))?;
        seed.deserialize(Node {
            value,
            changed: self.changed,
        })
    }
}

/// An array's items, each a [`Node`].
struct Items<'a, 'c> {
    items: std::slice::IterMut<'a, Value>,
    changed: &'c Cell<bool>,
}

impl<'de> SeqAccess<'de> for Items<'_, '_> {
    type Error = serde_json::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Self::Error> {
        self.items
            .next()
            .map(|value| {
                seed.deserialize(Node {
                    value,
                    changed: self.changed,
                })
            })
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{agents, calls, timestamp, timestamp_opt, Extra};
    use chrono::Utc;
    use serde::Deserialize;

    /// A type with a required, an optional and a nested timestamp, a string that is not one,
    /// and the unknown fields.
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Stamps {
        #[serde(with = "timestamp")]
        created_at: DateTime<Utc>,
        #[serde(default, with = "timestamp_opt")]
        ended_at: Option<DateTime<Utc>>,
        #[serde(default)]
        note: Option<String>,
        #[serde(default)]
        inner: Option<Vec<Stamps>>,
        #[serde(flatten)]
        extra: Extra,
    }

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

    #[test]
    fn the_walk_rewrites_what_the_type_reads_as_a_timestamp_and_nothing_else() {
        let naive = "2025-01-15T10:45:00.5";
        let mut v = serde_json::json!({
            "createdAt": naive, "endedAt": "2025-01-15T10:45:00+01:00", "note": naive,
            "unknownAt": naive,
            "inner": [{"createdAt": naive, "endedAt": null}, {"createdAt": "2025-01-15 10:45:00"}]
        });
        assert!(rewrite_timestamps::<Stamps>(&mut v));
        assert_eq!(
            v,
            serde_json::json!({
                "createdAt": "2025-01-15T10:45:00.500Z", "endedAt": "2025-01-15T10:45:00+01:00",
                "note": naive, "unknownAt": naive,
                "inner": [{"createdAt": "2025-01-15T10:45:00.500Z", "endedAt": null},
                          {"createdAt": "2025-01-15T10:45:00Z"}]
            }),
            "typed timestamps rewritten; an offset kept; a string field and an unknown field as sent"
        );
        assert!(!rewrite_timestamps::<Stamps>(&mut v), "nothing left to do");
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
            assert!(rewrite_timestamps::<Stamps>(&mut v), "{loose}");
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
