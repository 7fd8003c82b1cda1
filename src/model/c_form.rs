//! The C API's form of a result ([`CForm`]): the server's JSON with the few rewrites that make
//! it what the header documents, found from the types themselves, and the cheap tests that
//! skip them when a body needs none.

use std::cell::RefCell;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{format_timestamp, parse_timestamp};

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
/// Which fields are timestamps is not listed anywhere: the one decoding of the body as the
/// type ([`decode_rewriting_timestamps`]) notes where each string it reads as a timestamp
/// without an offset lies in the body, and those strings are rewritten in the bytes. A new
/// timestamp field is therefore rewritten as soon as it is typed. The message spellings and the
/// pages' `total` are the API's rules, not the types', and the types they concern say so by
/// overriding the defaults below.
///
/// When nothing needs rewriting, the body bytes themselves are the result. Whether the key
/// rewrites are needed is first judged from the decoded value and the bytes
/// ([`CForm::may_need_rewrite`]), so that the common case costs no second parse.
pub(crate) trait CForm: DeserializeOwned {
    /// For a list page that has a `total`: the `total` it decoded to (`None` when the body's was
    /// `null` or absent). `None` for every other type.
    fn page_total(&self) -> Option<Option<u64>> {
        None
    }

    /// False only when `body`, which decoded as `self`, certainly needs no rewrite of its keys
    /// ([`CForm::rewrite`]). Cheap: what the decoded value tells, else a scan of the bytes. It
    /// may say true for a body that turns out to need nothing, never false for one that does.
    fn may_need_rewrite(&self, body: &[u8]) -> bool {
        self.page_total().is_some_and(|t| lacks_total(t, body))
    }

    /// Makes the rewrites other than timestamps in `value` (from which `self` was decoded); true
    /// when anything changed.
    fn rewrite(&self, value: &mut Value) -> bool {
        self.page_total().is_some() && add_total(value)
    }
}

thread_local! {
    /// The naive timestamps read on this thread while a [`Listening`] lasts; `None` otherwise.
    static NAIVE: RefCell<Option<Vec<Naive>>> = const { RefCell::new(None) };
}

/// A timestamp without an offset that a typed decoding read: where its text was (the address
/// of the string it was read from) and the instant it reads as.
struct Naive {
    addr: usize,
    len: usize,
    at: DateTime<Utc>,
}

/// Called by the timestamp deserializers for every timestamp without an offset they read: when
/// the C form is listening on this thread, notes where the text was. Otherwise nothing (a
/// thread-local read).
pub(crate) fn note_naive(text: &str, at: DateTime<Utc>) {
    NAIVE.with(|naive| {
        if let Some(naive) = naive.borrow_mut().as_mut() {
            naive.push(Naive {
                addr: text.as_ptr() as usize,
                len: text.len(),
                at,
            });
        }
    });
}

/// This thread's timestamp notes, from its start until it is taken or dropped (a panic in the
/// decoding included: nothing is left listening).
struct Listening;

impl Listening {
    fn start() -> Listening {
        NAIVE.with(|naive| *naive.borrow_mut() = Some(Vec::new()));
        Listening
    }

    fn take(self) -> Vec<Naive> {
        NAIVE.with(|naive| naive.borrow_mut().take().unwrap_or_default())
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        NAIVE.with(|naive| *naive.borrow_mut() = None);
    }
}

/// Decodes `body` as `T` and rewrites, in the bytes, every string `T` reads as a timestamp that
/// has no offset, to RFC 3339 in UTC. The body comes back as it was when there is none.
///
/// serde_json hands a string without escapes to the timestamp deserializer borrowed from the
/// body (serde's buffering for unknown fields and untagged enums keeps it borrowed), so the
/// string's address says where it lies. A string written with escapes is read from a scratch
/// copy instead; so before decoding, each such string that reads as a timestamp without an
/// offset is replaced by a stand-in without escapes for the same instant, and put back as sent
/// when the type does not read it as a timestamp.
pub(crate) fn decode_rewriting_timestamps<T: DeserializeOwned>(
    body: Vec<u8>,
) -> Result<(T, Vec<u8>), serde_json::Error> {
    let (body, stand_ins) = stand_in_for_escaped_timestamps(body);
    let listening = Listening::start();
    let decoded = serde_json::from_slice::<T>(&body);
    let naive = listening.take();
    match decoded {
        Ok(decoded) => Ok((decoded, rewrite_noted(body, naive, stand_ins))),
        Err(e) if stand_ins.is_empty() => Err(e),
        // The error names a place in the body as sent, not in the one with stand-ins.
        Err(e) => Err(serde_json::from_slice::<T>(&splice(&body, stand_ins))
            .err()
            .unwrap_or(e)),
    }
}

/// The body with the naive timestamps its decoding noted rewritten, and the stand-ins the
/// decoding did not read as timestamps put back as sent. Apart from the decoding, so that it
/// is compiled once and not for every type.
#[inline(never)]
fn rewrite_noted(body: Vec<u8>, naive: Vec<Naive>, stand_ins: Vec<Edit>) -> Vec<u8> {
    if naive.is_empty() && stand_ins.is_empty() {
        return body;
    }
    let base = body.as_ptr() as usize;
    let mut edits: Vec<Edit> = Vec::with_capacity(naive.len() + stand_ins.len());
    for n in naive {
        let Some(start) = n.addr.checked_sub(base).filter(|s| s + n.len <= body.len()) else {
            debug_assert!(false, "a naive timestamp read from outside the body");
            continue;
        };
        edits.push(Edit {
            start,
            end: start + n.len,
            text: format_timestamp(&n.at).into_bytes(),
            stand_in: false,
        });
    }
    // A stand-in the type read as a timestamp has an edit at its start already, which sorts
    // first and is the one the dedup keeps; the other stand-ins go back to their text as sent.
    edits.extend(stand_ins);
    edits.sort_unstable_by_key(|e| (e.start, e.stand_in));
    edits.dedup_by_key(|e| e.start);
    splice(&body, edits)
}

/// Bytes `start..end` of a body to be replaced by `text`.
struct Edit {
    start: usize,
    end: usize,
    text: Vec<u8>,
    /// A stand-in's original text (see [`stand_in_for_escaped_timestamps`]).
    stand_in: bool,
}

/// `body` with each edit made (sorted by start, not overlapping).
fn splice(body: &[u8], edits: Vec<Edit>) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 8 * edits.len());
    let mut at = 0;
    for e in edits {
        out.extend_from_slice(&body[at..e.start]);
        out.extend_from_slice(&e.text);
        at = e.end;
    }
    out.extend_from_slice(&body[at..]);
    out
}

/// The body with each string that has escapes and reads as a timestamp without an offset
/// replaced by a stand-in without escapes for the same instant (see [`stand_in`]); and for each
/// stand-in, where it lies and the text it replaced. Without a backslash, the body as it is.
#[inline(never)]
fn stand_in_for_escaped_timestamps(body: Vec<u8>) -> (Vec<u8>, Vec<Edit>) {
    if memchr::memchr(b'\\', &body).is_none() {
        return (body, Vec::new());
    }
    let mut found: Vec<(usize, usize, String)> = Vec::new();
    let mut at = 0;
    // Outside strings JSON has no quotes, so quote to quote is string by string.
    while let Some(q) = memchr::memchr(b'"', &body[at..]) {
        let start = at + q + 1;
        let end = string_end(&body, start);
        if end == body.len() {
            break;
        }
        if memchr::memchr(b'\\', &body[start..end]).is_some() {
            if let Some(stand_in) = stand_in(&body[start - 1..=end]) {
                found.push((start, end, stand_in));
            }
        }
        at = end + 1;
    }
    if found.is_empty() {
        return (body, Vec::new());
    }
    let mut out = Vec::with_capacity(body.len());
    let mut stand_ins = Vec::with_capacity(found.len());
    let mut at = 0;
    for (start, end, stand_in) in found {
        out.extend_from_slice(&body[at..start]);
        let new_start = out.len();
        out.extend_from_slice(stand_in.as_bytes());
        stand_ins.push(Edit {
            start: new_start,
            end: out.len(),
            text: body[start..end].to_vec(),
            stand_in: true,
        });
        at = end;
    }
    out.extend_from_slice(&body[at..]);
    (out, stand_ins)
}

/// For a JSON string token (with its quotes) that reads as a timestamp without an offset: a
/// text without escapes that the timestamp deserializers read as the same naive timestamp
/// (RFC 3339 in UTC without its `Z`).
fn stand_in(token: &[u8]) -> Option<String> {
    let text: String = serde_json::from_slice(token).ok()?;
    if DateTime::parse_from_rfc3339(&text).is_ok() {
        return None;
    }
    let at = parse_timestamp(&text)?;
    let stand_in = format_timestamp(&at);
    let stand_in = stand_in.strip_suffix('Z')?;
    (DateTime::parse_from_rfc3339(stand_in).is_err() && parse_timestamp(stand_in) == Some(at))
        .then(|| stand_in.to_owned())
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

/// A second way to the timestamp rewrites, for the tests and the fuzzer to hold the C form to:
/// a walk of the parsed value instead of notes taken while decoding the bytes. Not in the
/// library itself, where it would compile every type's `Deserialize` a second time.
#[cfg(any(test, feature = "fuzzing"))]
mod walk {
    use std::cell::Cell;

    use chrono::DateTime;
    use serde::de::{DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};
    use serde::Deserializer;
    use serde_json::Value;

    use super::super::{format_timestamp, parse_timestamp, TIMESTAMP};

    /// Rewrites, in place, every string of `value` that `T` reads as a timestamp and that is not
    /// RFC 3339 with an offset; true when anything changed.
    ///
    /// `T` is deserialized from `value` through [`Node`], a deserializer that hands out the value's
    /// own nodes: where `T`'s `Deserialize` reads a timestamp (the newtype struct [`TIMESTAMP`]
    /// that [`timestamp`](super::super::timestamp) and
    /// [`timestamp_opt`](super::super::timestamp_opt) ask for), the node is rewritten. Content that
    /// serde buffers before it knows the type (the unknown fields kept in
    /// [`Extra`](super::super::Extra), an untagged enum's variants) is read as plain JSON and left as it is.
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
}

#[cfg(any(test, feature = "fuzzing"))]
pub(crate) use walk::rewrite_timestamps;

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

    /// The C form of `body` as a [`Stamps`], as text.
    fn stamps(body: &str) -> String {
        let (_, out) = decode_rewriting_timestamps::<Stamps>(body.as_bytes().to_vec()).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_decoding_rewrites_every_naive_timestamp_it_reads_in_the_bytes() {
        for (naive, rewritten) in [
            (
                r#"{"createdAt":"2025-01-15T10:45:00"}"#,
                r#"{"createdAt":"2025-01-15T10:45:00Z"}"#,
            ),
            (
                r#"{"createdAt" :  "2025-01-15 10:45:00.123", "note": "2025-01-15 10:45:00"}"#,
                r#"{"createdAt" :  "2025-01-15T10:45:00.123Z", "note": "2025-01-15 10:45:00"}"#,
            ),
            // A key with an escape; looser forms the typed decoding reads as naive.
            (
                r#"{"createdA\u0074":"2025-1-5T9:00:00","endedAt":" 2025-01-05T09:00:00"}"#,
                r#"{"createdA\u0074":"2025-01-05T09:00:00Z","endedAt":"2025-01-05T09:00:00Z"}"#,
            ),
            (
                r#"{"createdAt":"+2025-01-15T10:45:00","inner":[{"createdAt":"2025-01-15T10:45:00.5"}]}"#,
                r#"{"createdAt":"2025-01-15T10:45:00Z","inner":[{"createdAt":"2025-01-15T10:45:00.500Z"}]}"#,
            ),
            // A naive string in a field the type does not know, or does not read as a
            // timestamp, is not one.
            (
                r#"{"createdAt":"2025-01-15T10:45:00Z","unknownAt":"2025-01-15T10:45:00"}"#,
                r#"{"createdAt":"2025-01-15T10:45:00Z","unknownAt":"2025-01-15T10:45:00"}"#,
            ),
        ] {
            assert_eq!(stamps(naive), rewritten);
        }
        for fine in [
            r#"{"createdAt":"2025-01-15T10:45:00Z"}"#,
            r#"{"createdAt":"2025-01-15T10:45:00.123456+01:00","endedAt":null}"#,
            r#"{"createdAt":"2025-01-15t10:45:00.5z","endedAt":"2025-01-15 10:45:00+00:00"}"#,
            r#"{"createdAt":"2025-01-15T10:45:00Z","note":"a \"quote\" and \n"}"#,
        ] {
            assert_eq!(stamps(fine), fine, "nothing to rewrite");
        }
    }

    #[test]
    fn a_timestamp_written_with_escapes_is_rewritten_and_other_escaped_strings_are_kept() {
        let body = r#"{"createdAt":"2025-01-15T10\u003a45:00","unknownAt":"2025-01-15T10\u003a45:00","note":"2025\u002d01-15 10:45:00","inner":[{"createdAt":"2025-01-15\t10:45:00"}]}"#;
        assert_eq!(
            stamps(body),
            r#"{"createdAt":"2025-01-15T10:45:00Z","unknownAt":"2025-01-15T10\u003a45:00","note":"2025\u002d01-15 10:45:00","inner":[{"createdAt":"2025-01-15T10:45:00Z"}]}"#,
            "the typed timestamps rewritten; every other string byte for byte as sent"
        );
        let mut walked: Value = serde_json::from_str(body).unwrap();
        rewrite_timestamps::<Stamps>(&mut walked);
        assert_eq!(
            serde_json::from_str::<Value>(&stamps(body)).unwrap(),
            walked,
            "the same as the walk of the parsed value"
        );
    }

    #[test]
    fn a_refused_body_is_refused_as_sent_and_nothing_is_left_listening() {
        // The stand-in is shorter than the escaped text: the error still names the place in
        // the body as sent.
        let body = r#"{"note":"2025-01-15T10\u003a45:00", "createdAt": 7}"#;
        let e = decode_rewriting_timestamps::<Stamps>(body.as_bytes().to_vec())
            .err()
            .unwrap();
        let direct = serde_json::from_str::<Stamps>(body).err().unwrap();
        assert_eq!(e.to_string(), direct.to_string());
        assert!(NAIVE.with(|n| n.borrow().is_none()));
        // Outside the C form, a decoding notes nothing.
        serde_json::from_str::<Stamps>(r#"{"createdAt":"2025-01-15T10:45:00"}"#).unwrap();
        assert!(NAIVE.with(|n| n.borrow().is_none()));
    }

    #[test]
    fn a_stand_in_reads_as_the_same_instant() {
        for text in [
            r#""2025-01-15T10\u003a45:00.123456789""#,
            r#""2025\u002d01-15 10:45:00""#,
            r#""\u00202025-01-15T10:45:00""#,
        ] {
            let stand_in = stand_in(text.as_bytes()).unwrap();
            let original: String = serde_json::from_str(text).unwrap();
            assert_eq!(
                parse_timestamp(&stand_in),
                parse_timestamp(&original),
                "{text}"
            );
            assert!(!stand_in.contains('\\'));
        }
        assert_eq!(
            stand_in(br#""2025-01-15T10:45:00\u002b01:00""#),
            None,
            "has an offset"
        );
        assert_eq!(stand_in(br#""not \u0061 time""#), None);
    }
}
