//! The API's objects ([`PhoneNumber`], [`Message`], pages, results) and the request and query
//! types.
//!
//! Every response type keeps the fields this crate does not know in `extra` and writes them back
//! out when serialized, so a newer server's additions survive a round trip. Timestamps are
//! [`DateTime<Utc>`] and serialize as RFC 3339; on input, RFC 3339 is accepted, and so is a
//! date-time without an offset (taken as UTC), which some servers send.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// Fields of a response object that this crate has no typed field for, kept verbatim.
pub type Extra = Map<String, Value>;

/// A provisioned phone number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhoneNumber {
    /// The number's id, e.g. `num_xyz789`.
    pub id: String,
    /// The number in E.164 form, e.g. `+15551234567`.
    pub phone_number: String,
    /// Two-letter country code, e.g. `US`.
    pub country: String,
    /// `active`, `released`, or another status a newer server defines.
    pub status: String,
    /// When the number was created.
    #[serde(with = "timestamp")]
    pub created_at: DateTime<Utc>,
    /// The agent the number is attached to, if any (always serialized, as `null` when none).
    #[serde(default)]
    pub agent_id: Option<String>,
    /// `sms` (the API's default) or another kind of number.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub number_type: Option<String>,
    /// Outbound SMS settings, as the server reports them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbound_sms: Option<Value>,
    /// Whether inbound calls are enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inbound_calls_enabled: Option<bool>,
    /// Whether read receipts are enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_receipts_enabled: Option<bool>,
    /// Whether WhatsApp is enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub whatsapp_enabled: Option<bool>,
    /// The daily budget of new contacts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daily_new_contacts: Option<DailyNewContacts>,
    /// When the number was purchased from the carrier.
    #[serde(
        default,
        with = "timestamp_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub purchased_at: Option<DateTime<Utc>>,
    /// The caller's own reference, given at creation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// When the number expires, if it was created with an expiry.
    #[serde(
        default,
        with = "timestamp_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub expires_at: Option<DateTime<Utc>>,
    /// RCS fallback settings, as the server reports them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rcs_fallback_for_alias: Option<Value>,
    /// Fields this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

impl PhoneNumber {
    /// True when the number is `active`.
    pub fn is_active(&self) -> bool {
        self.status == "active"
    }

    /// True when the number has been `released` (it is then no longer billed nor listed).
    pub fn is_released(&self) -> bool {
        self.status == "released"
    }
}

/// The daily budget of new contacts of a number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DailyNewContacts {
    /// How many were used today.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used: Option<u64>,
    /// The daily limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
    /// Fields this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A message received by (or sent from) a number.
///
/// On input the sender may be spelled `from_`, `from` or `fromNumber` and the recipient `to` or
/// `toNumber`; on output they are always `from_` and `to`, as on the API's documentation page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", try_from = "RawMessage")]
pub struct Message {
    /// The message id, e.g. `msg_001`.
    pub id: String,
    /// The sender, in E.164 form.
    #[serde(rename = "from_")]
    pub from: String,
    /// The recipient, in E.164 form.
    pub to: String,
    /// The text (empty for a message the server sent with a `null` body, such as media only).
    pub body: String,
    /// When the message was received.
    #[serde(with = "timestamp")]
    pub received_at: DateTime<Utc>,
    /// `inbound` or `outbound`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<String>,
    /// `sms`, `mms`, `imessage`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// Delivery status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Why delivery failed, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
    /// The first media attachment's URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_url: Option<String>,
    /// All media attachments' URLs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_urls: Option<Vec<String>>,
    /// The conversation the message belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    /// Fields this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The message as it arrives: every spelling of the sender and recipient is its own field, so a
/// server that sends two spellings at once (`from` and `fromNumber`) still parses.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawMessage {
    id: String,
    #[serde(rename = "from_", default)]
    from_underscore: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    from_number: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    to_number: Option<String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(with = "timestamp")]
    received_at: DateTime<Utc>,
    #[serde(default)]
    direction: Option<String>,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    failure_reason: Option<String>,
    #[serde(default)]
    media_url: Option<String>,
    #[serde(default)]
    media_urls: Option<Vec<String>>,
    #[serde(default)]
    conversation_id: Option<String>,
    #[serde(flatten)]
    extra: Extra,
}

impl TryFrom<RawMessage> for Message {
    type Error = String;

    fn try_from(raw: RawMessage) -> Result<Message, String> {
        if raw.from.is_some()
            || raw.from_number.is_some()
            || raw.to_number.is_some()
            || raw.body.is_none()
        {
            note_normalized();
        }
        let from = raw
            .from_underscore
            .or(raw.from)
            .or(raw.from_number)
            .ok_or("message has no sender (`from_`, `from` or `fromNumber`)")?;
        let to = raw
            .to
            .or(raw.to_number)
            .ok_or("message has no recipient (`to` or `toNumber`)")?;
        Ok(Message {
            id: raw.id,
            from,
            to,
            body: raw.body.unwrap_or_default(),
            received_at: raw.received_at,
            direction: raw.direction,
            channel: raw.channel,
            status: raw.status,
            failure_reason: raw.failure_reason,
            media_url: raw.media_url,
            media_urls: raw.media_urls,
            conversation_id: raw.conversation_id,
            extra: raw.extra,
        })
    }
}

/// One page of [`crate::Numbers::list`]: offset paging.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NumberPage {
    /// The numbers on this page (released numbers are never listed).
    pub data: Vec<PhoneNumber>,
    /// True when more numbers follow this page.
    pub has_more: bool,
    /// How many numbers the list has in all (serialized as `null` if the server omitted it).
    #[serde(default)]
    pub total: Option<u64>,
    /// Fields this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One page of [`crate::Numbers::messages`]: newest first, cursor paging by `before`/`after`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessagePage {
    /// The messages on this page, newest first.
    pub data: Vec<Message>,
    /// True when older messages follow this page.
    pub has_more: bool,
    /// Fields this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The answer to [`crate::Numbers::release`]: `{success, phoneNumber, status}` from current
/// servers, any object (or an empty body, read as `{}`) from others.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReleasedNumber {
    /// Whether the server reports success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success: Option<bool>,
    /// The number that was released, in E.164 form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// The number's new status, normally `released`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Fields this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

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

/// The keys of the create body, as the API documents them (`../shared/api/NOTES.md`).
pub(crate) const CREATE_NUMBER_KEYS: [&str; 7] = [
    "country",
    "agentId",
    "areaCode",
    "type",
    "imessageType",
    "externalId",
    "expiresAt",
];

/// The body of [`crate::Numbers::create`]. Every field is optional: `CreateNumber::default()`
/// asks for the API's defaults (a US number attached to no agent).
///
/// Validated before sending: `country` is 2 ASCII letters (upper-cased), `areaCode` 3 digits,
/// ids non-empty and free of control characters.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateNumber {
    /// Two-letter country code (the API defaults to `US`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Attach the new number to this agent at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// A 3-digit area code (US and CA; the server treats it as best effort).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area_code: Option<String>,
    /// The kind of number, e.g. `sms`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub number_type: Option<String>,
    /// The iMessage flavour, for numbers that support it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imessage_type: Option<String>,
    /// The caller's own reference for the number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Release the number automatically at this time.
    #[serde(
        default,
        with = "timestamp_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub expires_at: Option<DateTime<Utc>>,
}

impl CreateNumber {
    /// A request with the API's defaults; chain the setters below.
    pub fn new() -> CreateNumber {
        CreateNumber::default()
    }

    /// Sets the two-letter country code.
    pub fn country(mut self, country: impl Into<String>) -> Self {
        self.country = Some(country.into());
        self
    }

    /// Attaches the new number to this agent.
    pub fn agent_id(mut self, agent_id: impl Into<String>) -> Self {
        self.agent_id = Some(agent_id.into());
        self
    }

    /// Asks for a 3-digit area code.
    pub fn area_code(mut self, area_code: impl Into<String>) -> Self {
        self.area_code = Some(area_code.into());
        self
    }

    /// Sets the kind of number (`type`).
    pub fn number_type(mut self, number_type: impl Into<String>) -> Self {
        self.number_type = Some(number_type.into());
        self
    }

    /// Sets the iMessage flavour.
    pub fn imessage_type(mut self, imessage_type: impl Into<String>) -> Self {
        self.imessage_type = Some(imessage_type.into());
        self
    }

    /// Sets the caller's own reference.
    pub fn external_id(mut self, external_id: impl Into<String>) -> Self {
        self.external_id = Some(external_id.into());
        self
    }

    /// Sets the expiry.
    pub fn expires_at(mut self, expires_at: DateTime<Utc>) -> Self {
        self.expires_at = Some(expires_at);
        self
    }
}

/// The query of [`crate::Numbers::list`]. Unset fields use the API's defaults (limit 20,
/// offset 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListNumbers {
    /// Page size, 1 to 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// How many numbers to skip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
}

impl ListNumbers {
    /// The API's defaults; chain the setters below.
    pub fn new() -> ListNumbers {
        ListNumbers::default()
    }

    /// Sets the page size (1 to 100).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Sets how many numbers to skip.
    pub fn offset(mut self, offset: u64) -> Self {
        self.offset = Some(offset);
        self
    }
}

/// The query of [`crate::Numbers::messages`]. Unset fields use the API's defaults (limit 50,
/// no time bounds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListMessages {
    /// Page size, 1 to 200.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Only messages received before this time.
    #[serde(
        default,
        with = "timestamp_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub before: Option<DateTime<Utc>>,
    /// Only messages received after this time.
    #[serde(
        default,
        with = "timestamp_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub after: Option<DateTime<Utc>>,
}

impl ListMessages {
    /// The API's defaults; chain the setters below.
    pub fn new() -> ListMessages {
        ListMessages::default()
    }

    /// Sets the page size (1 to 200).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Only messages received before this time.
    pub fn before(mut self, before: DateTime<Utc>) -> Self {
        self.before = Some(before);
        self
    }

    /// Only messages received after this time.
    pub fn after(mut self, after: DateTime<Utc>) -> Self {
        self.after = Some(after);
        self
    }
}

thread_local! {
    /// Set while decoding when a value had to be normalized (see [`take_normalized`]).
    static NORMALIZED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Records that the value being decoded differs in form from its canonical serialization.
fn note_normalized() {
    NORMALIZED.with(|n| n.set(true));
}

/// Whether anything was normalized on this thread since the last call (and resets the flag).
/// Decoding is synchronous, so a reset before and a read after bracket exactly one response.
pub(crate) fn take_normalized() -> bool {
    NORMALIZED.with(|n| n.replace(false))
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
    note_normalized();
    Some(naive.and_utc())
}

/// Serde adapter for a required timestamp.
pub(crate) mod timestamp {
    use super::*;

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_timestamp(t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = String::deserialize(d)?;
        parse_timestamp(&s).ok_or_else(|| {
            serde::de::Error::custom(format!("invalid date-time {s:?} (expected ISO 8601)"))
        })
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
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(s) => parse_timestamp(&s).map(Some).ok_or_else(|| {
                serde::de::Error::custom(format!("invalid date-time {s:?} (expected ISO 8601)"))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
    fn deserializing_keeps_unknown_fields_and_names_bad_ones() {
        // An escaped key is still the known field; unknown keys are kept in order of arrival.
        let n: PhoneNumber = serde_json::from_str(
            r#"{"id":"n","phone\u004eumber":"+1","country":"US","status":"active",
                "createdAt":"2025-01-15T10:45:00Z","agentId":null,"zeta":1,"alpha":{"b":[true]}}"#,
        )
        .unwrap();
        assert_eq!(
            (n.phone_number.as_str(), n.agent_id.as_deref()),
            ("+1", None)
        );
        assert_eq!(n.extra.len(), 2);
        assert_eq!(n.extra["alpha"], json!({"b": [true]}));
        // Missing required fields and wrong types are errors naming the field or the type.
        let e = serde_json::from_str::<PhoneNumber>(r#"{"id":"n"}"#).unwrap_err();
        assert!(e.to_string().contains("missing field `phoneNumber`"), "{e}");
        let e = serde_json::from_str::<NumberPage>(r#"{"data":[],"hasMore":"no"}"#).unwrap_err();
        assert!(e.to_string().contains("expected a boolean"), "{e}");
        let e = serde_json::from_str::<NumberPage>(r#"[1]"#).unwrap_err();
        assert!(e.to_string().contains("invalid type"), "{e}");
        // Optional fields may be null or absent.
        let p: NumberPage =
            serde_json::from_str(r#"{"data":[],"hasMore":false,"total":null}"#).unwrap();
        assert_eq!(p.total, None);
        let r: ReleasedNumber = serde_json::from_str("{}").unwrap();
        assert_eq!(r, ReleasedNumber::default());
    }

    #[test]
    fn message_accepts_every_spelling_and_writes_from_underscore() {
        for (from_key, to_key) in [("from_", "to"), ("from", "toNumber"), ("fromNumber", "to")] {
            let m: Message = serde_json::from_value(json!({
                "id": "msg_1", from_key: "+15550000001", to_key: "+15550000002",
                "body": "hi", "receivedAt": "2025-01-15T12:00:00Z"
            }))
            .unwrap();
            assert_eq!(
                (m.from.as_str(), m.to.as_str()),
                ("+15550000001", "+15550000002")
            );
            let out = serde_json::to_value(&m).unwrap();
            assert_eq!(out["from_"], "+15550000001");
            assert_eq!(out["to"], "+15550000002");
            assert!(out.get("from").is_none() && out.get("toNumber").is_none());
        }
        // Two spellings at once: the documented one wins, no duplicate-field error.
        let m: Message = serde_json::from_value(json!({
            "id": "m", "from": "+1", "fromNumber": "+2", "to": "+3", "body": null,
            "receivedAt": "2025-01-15T12:00:00Z"
        }))
        .unwrap();
        assert_eq!((m.from.as_str(), m.body.as_str()), ("+1", ""));
        let err = serde_json::from_value::<Message>(json!({
            "id": "m", "to": "+3", "body": "x", "receivedAt": "2025-01-15T12:00:00Z"
        }))
        .unwrap_err();
        assert!(err.to_string().contains("no sender"), "{err}");
    }
}
