//! Checks made on the caller's input before anything is sent, and the encoding of ids as path
//! segments. A failed check is an [`ErrorKind::InvalidArgument`](crate::ErrorKind) naming the
//! field and the rule.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::error::Error;
use crate::model::agents::AgentSettings;
use crate::model::calls::{CreateCall, GetCall, ListCalls};
use crate::model::contacts::{ContactDetails, ListContacts};
use crate::model::conversations::GetConversation;
use crate::model::messages::{ListMessages, React, SendMessage};
use crate::model::numbers::{AvailableQuery, ContactCard, LookupQuery};
use crate::model::numbers::{CreateNumber, ListNumbers};
use crate::model::usage::ByAgentQuery;
use crate::model::webhooks::{DeliveryQuery, SetWebhook};
use crate::model::Paging;

/// Page-size range of `GET /v1/numbers`.
pub const NUMBERS_LIMIT: (u32, u32) = (1, 100);
/// Page-size range of `GET /v1/numbers/{id}/messages`.
pub const MESSAGES_LIMIT: (u32, u32) = (1, 200);
/// Longest id accepted, in bytes: far above any real id, low enough to keep URLs sane.
pub const MAX_ID_BYTES: usize = 256;

/// Everything but RFC 3986's unreserved characters is percent-encoded, so an id is always exactly
/// one path segment: `/`, `?`, `#`, `%` and spaces cannot change which endpoint is called.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Checks an id (non-empty, no control characters, not `.` or `..`, at most [`MAX_ID_BYTES`]).
pub(crate) fn id(field: &str, value: &str) -> Result<(), Error> {
    if value.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if value.len() > MAX_ID_BYTES {
        return Err(Error::invalid(
            field,
            format_args!("must be at most {MAX_ID_BYTES} bytes"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::invalid(field, "must not contain control characters"));
    }
    if value == "." || value == ".." {
        return Err(Error::invalid(field, "must not be \".\" or \"..\""));
    }
    Ok(())
}

/// Checks an id and encodes it as one path segment.
pub(crate) fn segment(field: &str, value: &str) -> Result<String, Error> {
    id(field, value)?;
    Ok(utf8_percent_encode(value, SEGMENT).to_string())
}

/// The long-poll wait of `GET /v1/calls/{id}`, in seconds.
pub const CALL_WAIT_SECONDS: (u32, u32) = (10, 300);
/// The range of [`CreateCall::max_wait_seconds`]: a create that waits for the call's end.
pub const CREATE_CALL_WAIT_SECONDS: (u32, u32) = (10, 600);
/// Most custom tools of one agent.
pub const MAX_CUSTOM_TOOLS: usize = 20;

/// Checks a page size against the operation's range.
pub(crate) fn limit(value: Option<u32>, (min, max): (u32, u32)) -> Result<(), Error> {
    match value {
        Some(v) if v < min || v > max => Err(Error::invalid(
            "limit",
            format_args!("must be between {min} and {max}, got {v}"),
        )),
        _ => Ok(()),
    }
}

/// Checks and normalizes a create request: the country is upper-cased.
pub(crate) fn create_number(req: &CreateNumber) -> Result<CreateNumber, Error> {
    let mut req = req.clone();
    if let Some(country) = &req.country {
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(Error::invalid(
                "country",
                format_args!("must be 2 ASCII letters (e.g. \"US\"), got {country:?}"),
            ));
        }
        req.country = Some(country.to_ascii_uppercase());
    }
    if let Some(code) = &req.area_code {
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid(
                "areaCode",
                format_args!("must be 3 digits (e.g. \"415\"), got {code:?}"),
            ));
        }
    }
    if let Some(agent) = &req.agent_id {
        id("agentId", agent)?;
    }
    for (field, value) in [
        ("type", &req.number_type),
        ("imessageType", &req.imessage_type),
        ("externalId", &req.external_id),
    ] {
        if let Some(v) = value {
            if v.chars().any(char::is_control) {
                return Err(Error::invalid(field, "must not contain control characters"));
            }
        }
    }
    Ok(req)
}

/// The largest `offset` the API accepts (it stores it as a signed 64-bit integer).
pub const MAX_OFFSET: u64 = i64::MAX as u64;

/// Page-size range of every offset-paged list (conversations, agents, calls).
pub const PAGE_LIMIT: (u32, u32) = (1, 100);
/// Most media attachments of one message.
pub const MAX_MEDIA_URLS: usize = 20;

/// Checks an offset.
fn offset(value: Option<u64>) -> Result<(), Error> {
    match value {
        Some(o) if o > MAX_OFFSET => Err(Error::invalid(
            "offset",
            format_args!("must be at most {MAX_OFFSET}, got {o}"),
        )),
        _ => Ok(()),
    }
}

/// Checks a list query.
pub(crate) fn list_numbers(q: &ListNumbers) -> Result<(), Error> {
    limit(q.limit, NUMBERS_LIMIT)?;
    offset(q.offset)
}

/// Checks the query of an offset-paged list.
pub(crate) fn paging(q: &Paging) -> Result<(), Error> {
    limit(q.limit, PAGE_LIMIT)?;
    offset(q.offset)
}

/// Checks a string that goes into a body: no control characters.
fn text(field: &str, value: &Option<String>) -> Result<(), Error> {
    match value {
        Some(v) if v.chars().any(char::is_control) => {
            Err(Error::invalid(field, "must not contain control characters"))
        }
        _ => Ok(()),
    }
}

/// Checks a send: a body, exactly one address, at most 20 media.
pub(crate) fn send_message(m: &SendMessage) -> Result<(), Error> {
    if m.body.is_none() {
        return Err(Error::invalid(
            "body",
            "is required (it may be empty, e.g. for media only)",
        ));
    }
    match (&m.to_number, &m.recipients) {
        (Some(_), Some(_)) => {
            return Err(Error::invalid(
                "to_number",
                "give either to_number or recipients, not both",
            ))
        }
        (None, None) => {
            return Err(Error::invalid(
                "to_number",
                "is required (or recipients, to start a group)",
            ))
        }
        (Some(to), None) if to.trim().is_empty() => {
            return Err(Error::invalid("to_number", "must not be empty"))
        }
        (None, Some(r)) if r.len() < 2 => {
            return Err(Error::invalid(
                "recipients",
                format_args!("must have 2 or more entries (a group), got {}", r.len()),
            ))
        }
        (None, Some(r)) => {
            if let Some(bad) = r.iter().find(|x| x.trim().is_empty()) {
                return Err(Error::invalid(
                    "recipients",
                    format_args!("must not hold an empty entry, got {bad:?}"),
                ));
            }
        }
        _ => {}
    }
    if let Some(urls) = &m.media_urls {
        if urls.len() > MAX_MEDIA_URLS {
            return Err(Error::invalid(
                "media_urls",
                format_args!(
                    "must have at most {MAX_MEDIA_URLS} entries, got {}",
                    urls.len()
                ),
            ));
        }
    }
    for (field, value) in [("agent_id", &m.agent_id), ("number_id", &m.number_id)] {
        if let Some(v) = value {
            id(field, v)?;
        }
    }
    for (field, value) in [
        ("to_number", &m.to_number),
        ("from_number", &m.from_number),
        ("send_style", &m.send_style),
        ("reply_to_message_id", &m.reply_to_message_id),
    ] {
        text(field, value)?;
    }
    Ok(())
}

/// Checks a reaction: present and not empty.
pub(crate) fn react(r: &React) -> Result<(), Error> {
    match &r.reaction {
        Some(x) if !x.trim().is_empty() => text("reaction", &r.reaction),
        _ => Err(Error::invalid(
            "reaction",
            "is required (love, like, dislike, laugh, emphasize, question, or an emoji)",
        )),
    }
}

/// Checks a number against a documented range, naming the field.
fn range<T: PartialOrd + std::fmt::Display + Copy>(
    field: &str,
    value: Option<T>,
    (min, max): (T, T),
) -> Result<(), Error> {
    match value {
        // `!(min <= v && v <= max)` also refuses a NaN.
        Some(v) if !(min <= v && v <= max) => Err(Error::invalid(
            field,
            format_args!("must be between {min} and {max}, got {v}"),
        )),
        _ => Ok(()),
    }
}

/// Checks an agent's settings by the documented bounds; `name` is required to create.
pub(crate) fn agent_settings(a: &AgentSettings, creating: bool) -> Result<(), Error> {
    match &a.name {
        None if creating => return Err(Error::invalid("name", "is required")),
        Some(n) if n.trim().is_empty() => return Err(Error::invalid("name", "must not be empty")),
        _ => {}
    }
    range("maxSilenceMs", a.max_silence_ms, (10_000, 3_600_000))?;
    range("voiceSpeed", a.voice_speed, (0.5, 2.0))?;
    range(
        "interruptionSensitivity",
        a.interruption_sensitivity,
        (0.0, 1.0),
    )?;
    let Some(tools) = &a.custom_tools else {
        return Ok(());
    };
    if tools.len() > MAX_CUSTOM_TOOLS {
        return Err(Error::invalid(
            "customTools",
            format_args!(
                "must have at most {MAX_CUSTOM_TOOLS} tools, got {}",
                tools.len()
            ),
        ));
    }
    for (i, tool) in tools.iter().enumerate() {
        let field = |name: &str| format!("customTools[{i}].{name}");
        match &tool.name {
            Some(n) if !n.trim().is_empty() && n.chars().count() <= 64 => {}
            Some(_) => return Err(Error::invalid(&field("name"), "must be 1 to 64 characters")),
            None => return Err(Error::invalid(&field("name"), "is required")),
        }
        for (key, value) in [("url", &tool.url), ("description", &tool.description)] {
            if value.as_deref().is_none_or(|v| v.trim().is_empty()) {
                return Err(Error::invalid(&field(key), "is required"));
            }
        }
        range(&field("timeoutMs"), tool.timeout_ms, (1_000, 120_000))?;
    }
    Ok(())
}

/// True for E.164 as ITU-T defines it: `+`, then 7 to 15 digits (a country code and a subscriber
/// number; the shortest in use, such as Niue's, have 7), the first not 0. The API documents its
/// numbers as E.164 without a narrower rule; the sandbox checks the same.
pub(crate) fn is_e164(s: &str) -> bool {
    s.strip_prefix('+').is_some_and(|d| {
        (7..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()) && !d.starts_with('0')
    })
}

/// Checks a call: an agent and an E.164 number.
pub(crate) fn create_call(c: &CreateCall) -> Result<(), Error> {
    match &c.agent_id {
        Some(a) => id("agentId", a)?,
        None => return Err(Error::invalid("agentId", "is required")),
    }
    match &c.to_number {
        Some(n) if is_e164(n) => {}
        Some(n) => {
            return Err(Error::invalid(
                "toNumber",
                format_args!("must be an E.164 number such as +15551234567, got {n:?}"),
            ))
        }
        None => return Err(Error::invalid("toNumber", "is required")),
    }
    if let Some(n) = &c.from_number_id {
        id("fromNumberId", n)?;
    }
    range(
        "maxWaitSeconds",
        c.max_wait_seconds,
        CREATE_CALL_WAIT_SECONDS,
    )?;
    if c.max_wait_seconds.is_some() && c.wait_for_completion != Some(true) {
        return Err(Error::invalid(
            "maxWaitSeconds",
            "applies only with \"waitForCompletion\": true",
        ));
    }
    Ok(())
}

/// Checks a call list query.
pub(crate) fn list_calls(q: &ListCalls) -> Result<(), Error> {
    limit(q.limit, PAGE_LIMIT)?;
    offset(q.offset)?;
    for (field, value) in [
        ("status", &q.status),
        ("direction", &q.direction),
        ("type", &q.call_type),
        ("search", &q.search),
    ] {
        text(field, value)?;
    }
    Ok(())
}

/// Checks a call read: the long-poll wait is 10 to 300 s, and only with `wait`.
pub(crate) fn get_call(q: &GetCall) -> Result<(), Error> {
    range("timeout", q.timeout, CALL_WAIT_SECONDS)?;
    if q.timeout.is_some() && q.wait != Some(true) {
        return Err(Error::invalid(
            "timeout",
            "applies only with \"wait\": true",
        ));
    }
    Ok(())
}

/// Longest webhook URL the API accepts.
pub const MAX_WEBHOOK_URL: usize = 2083;

/// Checks a webhook: an absolute http(s) URL, `contextLimit` 0 to 50, `timeout` 5 to 120 s.
pub(crate) fn set_webhook(w: &SetWebhook) -> Result<(), Error> {
    let Some(url) = &w.url else {
        return Err(Error::invalid("url", "is required"));
    };
    if url.len() > MAX_WEBHOOK_URL {
        return Err(Error::invalid(
            "url",
            format_args!(
                "must be at most {MAX_WEBHOOK_URL} characters, got {}",
                url.len()
            ),
        ));
    }
    let absolute = url
        .parse::<ureq::http::Uri>()
        .ok()
        .filter(|u| matches!(u.scheme_str(), Some("http" | "https")))
        .is_some_and(|u| u.host().is_some_and(|h| !h.is_empty()));
    if !absolute || url.chars().any(|c| c.is_control() || c == ' ') {
        return Err(Error::invalid(
            "url",
            format_args!("must be an absolute http(s) URL, got {url:?}"),
        ));
    }
    range("contextLimit", w.context_limit, (0, 50))?;
    range("timeout", w.timeout, (5, 120))
}

/// Checks a delivery log query.
pub(crate) fn delivery_query(q: &DeliveryQuery) -> Result<(), Error> {
    limit(q.limit, PAGE_LIMIT)?;
    offset(q.offset)?;
    range("hours", q.hours, (1, 24 * 365))
}

/// Checks a number against a documented range (for other modules).
pub(crate) fn in_range(field: &str, value: Option<u32>, bounds: (u32, u32)) -> Result<(), Error> {
    range(field, value, bounds)
}

/// A required E.164 number.
pub(crate) fn e164<'a>(field: &str, value: Option<&'a str>) -> Result<&'a str, Error> {
    match value {
        Some(v) if is_e164(v) => Ok(v),
        Some(v) => Err(Error::invalid(
            field,
            format_args!("must be an E.164 number such as +15551234567, got {v:?}"),
        )),
        None => Err(Error::invalid(field, "is required")),
    }
}

/// Checks a contact list query.
pub(crate) fn list_contacts(q: &ListContacts) -> Result<(), Error> {
    limit(q.limit, PAGE_LIMIT)?;
    offset(q.offset)?;
    text("search", &q.search)
}

/// Checks a contact: `phoneNumber` and `name` are required to create.
pub(crate) fn contact(c: &ContactDetails, creating: bool) -> Result<(), Error> {
    for (field, value) in [("phoneNumber", &c.phone_number), ("name", &c.name)] {
        match value {
            None if creating => return Err(Error::invalid(field, "is required")),
            Some(v) if v.trim().is_empty() => {
                return Err(Error::invalid(field, "must not be empty"))
            }
            _ => {}
        }
    }
    for (field, value) in [
        ("phoneNumber", &c.phone_number),
        ("name", &c.name),
        ("email", &c.email),
    ] {
        text(field, value)?;
    }
    Ok(())
}

/// Checks a usage-by-agent query.
pub(crate) fn by_agent(q: &ByAgentQuery) -> Result<(), Error> {
    for (field, value) in [("period", &q.period), ("tz", &q.tz)] {
        if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
            return Err(Error::invalid(field, "must not be empty"));
        }
        text(field, value)?;
    }
    Ok(())
}

/// Checks a search of available numbers.
pub(crate) fn available(q: &AvailableQuery) -> Result<(), Error> {
    limit(q.limit, PAGE_LIMIT)?;
    if let Some(code) = &q.area_code {
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid(
                "areaCode",
                format_args!("must be 3 digits, got {code:?}"),
            ));
        }
    }
    if let Some(country) = &q.country {
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(Error::invalid(
                "country",
                format_args!("must be 2 ASCII letters, got {country:?}"),
            ));
        }
    }
    for (field, value) in [("city", &q.city), ("state", &q.state), ("zip", &q.zip)] {
        text(field, value)?;
    }
    Ok(())
}

/// Checks a lookup: 1 to 25 numbers in E.164 form.
pub(crate) fn lookup(q: &LookupQuery) -> Result<(), Error> {
    if q.phone_numbers.is_empty() || q.phone_numbers.len() > 25 {
        return Err(Error::invalid(
            "phoneNumbers",
            format_args!("must hold 1 to 25 numbers, got {}", q.phone_numbers.len()),
        ));
    }
    for n in &q.phone_numbers {
        e164("phoneNumbers", Some(n))?;
    }
    Ok(())
}

/// Checks a contact card: first and last names are required.
pub(crate) fn contact_card(c: &ContactCard) -> Result<(), Error> {
    for (field, value) in [("firstName", &c.first_name), ("lastName", &c.last_name)] {
        match value {
            Some(v) if !v.trim().is_empty() => text(field, value)?,
            _ => return Err(Error::invalid(field, "is required")),
        }
    }
    text("displayName", &c.display_name)
}

/// Checks the query of a conversation read.
pub(crate) fn get_conversation(q: &GetConversation) -> Result<(), Error> {
    match q.message_limit {
        Some(v) if !(MESSAGES_LIMIT.0..=MESSAGES_LIMIT.1).contains(&v) => Err(Error::invalid(
            "message_limit",
            format_args!(
                "must be between {} and {}, got {v}",
                MESSAGES_LIMIT.0, MESSAGES_LIMIT.1
            ),
        )),
        _ => Ok(()),
    }
}

/// Checks a messages query.
pub(crate) fn list_messages(q: &ListMessages) -> Result<(), Error> {
    limit(q.limit, MESSAGES_LIMIT)?;
    if let (Some(before), Some(after)) = (q.before, q.after) {
        if after >= before {
            return Err(Error::invalid("after", "must be earlier than before"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn ids_are_one_segment() {
        assert_eq!(segment("id", "num_1").unwrap(), "num_1");
        assert_eq!(segment("id", "../agents").unwrap(), "..%2Fagents");
        assert_eq!(segment("id", "a/b").unwrap(), "a%2Fb");
        assert_eq!(segment("id", "x?y#z").unwrap(), "x%3Fy%23z");
        assert_eq!(segment("id", "50% é").unwrap(), "50%25%20%C3%A9");
        for bad in ["", ".", "..", "a\nb", "a\u{0}b"] {
            let e = segment("numberId", bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidArgument);
            assert!(e.message().starts_with("numberId: "), "{}", e.message());
        }
        assert!(segment("id", &"x".repeat(MAX_ID_BYTES + 1)).is_err());
    }

    #[test]
    fn create_rules() {
        let ok = create_number(&CreateNumber::new().country("gb").area_code("415")).unwrap();
        assert_eq!(ok.country.as_deref(), Some("GB"));
        for (req, field) in [
            (CreateNumber::new().country("USA"), "country"),
            (CreateNumber::new().country("U1"), "country"),
            (CreateNumber::new().country("ÜS"), "country"),
            (CreateNumber::new().area_code("41"), "areaCode"),
            (CreateNumber::new().area_code("4a5"), "areaCode"),
            (CreateNumber::new().agent_id(""), "agentId"),
        ] {
            let e = create_number(&req).unwrap_err();
            assert!(e.message().starts_with(field), "{}", e.message());
        }
    }

    #[test]
    fn limits() {
        assert!(list_numbers(&ListNumbers::new().limit(100)).is_ok());
        assert!(list_numbers(&ListNumbers::new().limit(0)).is_err());
        assert!(list_numbers(&ListNumbers::new().limit(101)).is_err());
        assert!(list_numbers(&ListNumbers::new().offset(MAX_OFFSET)).is_ok());
        let e = list_numbers(&ListNumbers::new().offset(MAX_OFFSET + 1)).unwrap_err();
        assert_eq!(
            e.message(),
            "offset: must be at most 9223372036854775807, got 9223372036854775808"
        );
        assert!(list_messages(&ListMessages::new().limit(200)).is_ok());
        let e = list_messages(&ListMessages::new().limit(201)).unwrap_err();
        assert_eq!(e.message(), "limit: must be between 1 and 200, got 201");
    }
}
