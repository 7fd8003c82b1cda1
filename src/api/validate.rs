//! The checks every resource shares (ids and their encoding as path segments, page sizes and
//! offsets, text, ranges, E.164 numbers); each resource's own checks are in its file. A failed
//! check is an [`ErrorKind::InvalidArgument`](crate::ErrorKind) naming the field and the rule.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::error::Error;
use crate::model::messages::ListMessages;
use crate::model::Paging;

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

/// The largest `offset` the API accepts (it stores it as a signed 64-bit integer).
pub const MAX_OFFSET: u64 = i64::MAX as u64;

/// Page-size range of every offset-paged list (conversations, agents, calls).
pub const PAGE_LIMIT: (u32, u32) = (1, 100);

/// Checks an offset.
pub(crate) fn offset(value: Option<u64>) -> Result<(), Error> {
    match value {
        Some(o) if o > MAX_OFFSET => Err(Error::invalid(
            "offset",
            format_args!("must be at most {MAX_OFFSET}, got {o}"),
        )),
        _ => Ok(()),
    }
}

/// Checks the query of an offset-paged list.
pub(crate) fn paging(q: &Paging) -> Result<(), Error> {
    limit(q.limit, PAGE_LIMIT)?;
    offset(q.offset)
}

/// Checks a string that goes into a body: no control characters.
pub(crate) fn text(field: &str, value: &Option<String>) -> Result<(), Error> {
    match value {
        Some(v) if v.chars().any(char::is_control) => {
            Err(Error::invalid(field, "must not contain control characters"))
        }
        _ => Ok(()),
    }
}

/// Checks a number against a documented range, naming the field.
pub(crate) fn range<T: PartialOrd + std::fmt::Display + Copy>(
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

/// True for E.164 as ITU-T defines it: `+`, then 7 to 15 digits (a country code and a subscriber
/// number; the shortest in use, such as Niue's, have 7), the first not 0. The API documents its
/// numbers as E.164 without a narrower rule; the sandbox checks the same.
pub(crate) fn is_e164(s: &str) -> bool {
    s.strip_prefix('+').is_some_and(|d| {
        (7..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()) && !d.starts_with('0')
    })
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
}
