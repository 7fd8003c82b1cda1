//! Checks made on the caller's input before anything is sent, and the encoding of ids as path
//! segments. A failed check is an [`ErrorKind::InvalidArgument`](crate::ErrorKind) naming the
//! field and the rule.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::error::Error;
use crate::model::messages::ListMessages;
use crate::model::numbers::{CreateNumber, ListNumbers};

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

/// Checks a list query.
pub(crate) fn list_numbers(q: &ListNumbers) -> Result<(), Error> {
    limit(q.limit, NUMBERS_LIMIT)?;
    match q.offset {
        Some(o) if o > MAX_OFFSET => Err(Error::invalid(
            "offset",
            format_args!("must be at most {MAX_OFFSET}, got {o}"),
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
