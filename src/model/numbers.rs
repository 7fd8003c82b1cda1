//! Phone numbers: the number object, its list page, the release answer, and the create and
//! list requests.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::c_form::CForm;
use super::{timestamp, timestamp_opt, Extra};

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

/// The body of [`crate::Numbers::update`] (`PATCH`): only the fields set change.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateNumber {
    /// Your own reference for the number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// **Schedules an automatic release** at this time (the number is then no longer billed,
    /// and cannot be got back).
    #[serde(
        default,
        with = "timestamp_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub expires_at: Option<DateTime<Utc>>,
}

/// The query of [`crate::Numbers::available`]: numbers that can be bought, filtered.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AvailableQuery {
    /// A 3-digit area code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area_code: Option<String>,
    /// A city.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// A state or province (two letters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// A ZIP code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zip: Option<String>,
    /// A two-letter country code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// How many, 1 to 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// The query of [`crate::Numbers::lookup`]: up to 25 numbers in E.164 form.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LookupQuery {
    /// The numbers to look up.
    #[serde(default)]
    pub phone_numbers: Vec<String>,
}

/// A list answered as `{"data": [...]}` (available numbers, lookups): each entry as the
/// server sends it (`phoneNumber`, `city`, `lineType`, `rcsEnabled`, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumberInfoList {
    /// The entries.
    pub data: Vec<Extra>,
    /// Fields this crate does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A number's iMessage contact card.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContactCard {
    /// The first name (required to set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// The last name (required to set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// The name shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// An image URL (to set; the answer says `hasAvatar`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_url: Option<String>,
}

impl CForm for NumberInfoList {}

impl CForm for PhoneNumber {}

impl CForm for NumberPage {
    fn page_total(&self) -> Option<Option<u64>> {
        Some(self.total)
    }
}

impl CForm for ReleasedNumber {}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
}
