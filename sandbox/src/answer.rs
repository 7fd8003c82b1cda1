//! What every route answers with: the answer type, the API's error shapes, and the parsing of
//! request bodies and query values into those shapes.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

/// An answer: status, JSON body (`None` for an empty body), extra headers.
pub(crate) struct Answer {
    /// A body that is not JSON: its media type and bytes (`body` is then unused).
    pub raw: Option<(&'static str, Vec<u8>)>,
    /// Set by a long poll that cannot answer yet: ask again when the state changes, or at this
    /// time at the latest.
    pub wait_until: Option<std::time::Instant>,
    pub status: u16,
    pub body: Option<Value>,
    pub headers: Vec<(&'static str, String)>,
}

/// What a route gives: its answer, or the error answer that ended it (so a check is `?`).
pub(crate) type Answered = Result<Answer, Answer>;

impl Answer {
    /// A JSON answer.
    pub fn json(status: u16, body: Value) -> Answer {
        Answer {
            raw: None,
            wait_until: None,
            status,
            body: Some(body),
            headers: Vec::new(),
        }
    }

    /// An answer without a body (`204`, ...).
    pub fn empty(status: u16) -> Answer {
        Answer {
            raw: None,
            wait_until: None,
            status,
            body: None,
            headers: Vec::new(),
        }
    }
}

/// A record (or a view of one) as the API writes it: its derived `Serialize`.
pub(crate) fn record<T: serde::Serialize>(r: &T) -> Value {
    // Records hold strings, numbers, timestamps and JSON maps: nothing that fails to serialize.
    serde_json::to_value(r).expect("a record serializes")
}

/// A route's JSON answer.
pub(super) fn ok(status: u16, body: Value) -> Answered {
    Ok(Answer::json(status, body))
}

/// The error envelope: `{"error": {"message", "code", "type", "details"}}`.
pub(crate) fn envelope(status: u16, code: &str, message: &str, details: Value) -> Answer {
    let kind = match status {
        400 | 422 => "invalid_request_error",
        401 | 403 => "authentication_error",
        404 => "not_found_error",
        429 => "rate_limit_error",
        _ => "api_error",
    };
    Answer::json(
        status,
        json!({"error": {"message": message, "code": code, "type": kind, "details": details}}),
    )
}

pub(super) fn invalid_body(field: &str, message: &str) -> Answer {
    envelope(
        400,
        "VALIDATION_ERROR",
        &format!("{field}: {message}"),
        json!([{"field": field, "message": message, "type": "value_error"}]),
    )
}

/// FastAPI's 422 for a bad query parameter.
pub(super) fn invalid_query(name: &str, input: &str, msg: &str, kind: &str) -> Answer {
    Answer::json(
        422,
        json!({"detail": [{"loc": ["query", name], "msg": msg, "type": kind, "input": input}]}),
    )
}

/// The answer for a known path with a method it does not take.
pub(super) fn method_not_allowed() -> Answer {
    Answer::json(405, json!({"detail": "Method Not Allowed"}))
}

/// The request body as an object; an empty body is `{}`.
pub(super) fn json_body(body: &[u8]) -> Result<Map<String, Value>, Answer> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(invalid_body("body", "must be a JSON object")),
        Err(e) => Err(invalid_body("body", &format!("is not valid JSON: {e}"))),
    }
}

/// For `#[serde(deserialize_with = "given")]`: a field the body has, as given (`null` is
/// `Some(Value::Null)`, not `None`: a setting set to `null` is set).
pub(super) fn given<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    serde::Deserialize::deserialize(d).map(Some)
}

/// A request body read into `T` by its derived `Deserialize`, with the API's errors: an empty
/// body is `{}`; a body that is not a JSON object, or a field of the wrong type, is the 400 that
/// names it (`externalId: must be a string`). When several fields are wrong, the first in
/// alphabetical order is named. Unknown fields are ignored, as the API ignores them.
pub(super) fn body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, Answer> {
    let object = Value::Object(json_body(bytes)?);
    serde_path_to_error::deserialize(object).map_err(|e| {
        let field = e.path().to_string();
        let message = e.inner().to_string();
        let rule = match message.split_once("expected ") {
            Some((_, "a string")) => "must be a string".to_string(),
            Some((_, "a boolean")) => "must be a boolean".to_string(),
            Some((_, "a sequence")) => "must be a list".to_string(),
            Some((_, "a map")) => "must be an object".to_string(),
            _ => message,
        };
        invalid_body(&field, &rule)
    })
}

pub(super) fn int_query(
    q: &HashMap<String, String>,
    name: &str,
    default: i64,
    min: i64,
    max: i64,
) -> Result<i64, Answer> {
    let Some(raw) = q.get(name) else {
        return Ok(default);
    };
    let v: i64 = raw.parse().map_err(|_| {
        invalid_query(
            name,
            raw,
            "Input should be a valid integer, unable to parse string as an integer",
            "int_parsing",
        )
    })?;
    if v < min {
        return Err(invalid_query(
            name,
            raw,
            &format!("Input should be greater than or equal to {min}"),
            "greater_than_equal",
        ));
    }
    if v > max {
        return Err(invalid_query(
            name,
            raw,
            &format!("Input should be less than or equal to {max}"),
            "less_than_equal",
        ));
    }
    Ok(v)
}

pub(super) fn number_not_found(id: &str) -> Answer {
    envelope(
        404,
        "PHONE_NUMBER_NOT_FOUND",
        &format!("Phone number {id} not found"),
        Value::Null,
    )
}

pub(super) fn agent_not_found(id: &str) -> Answer {
    envelope(
        404,
        "AGENT_NOT_FOUND",
        &format!("Agent {id} not found"),
        Value::Null,
    )
}

/// E.164 as ITU-T defines it and the client checks it: `+`, then 7 to 15 digits (a country
/// code and a subscriber number; the shortest in use, such as Niue's, have 7), the first not 0.
pub(super) fn is_e164(s: &str) -> bool {
    s.strip_prefix('+').is_some_and(|d| {
        (7..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()) && !d.starts_with('0')
    })
}

#[cfg(test)]
mod tests {
    use super::is_e164;

    #[test]
    fn e164_is_a_plus_and_7_to_15_digits_the_first_not_0() {
        for good in [
            "+6834002",
            "+15551234567",
            "+447911123456",
            "+123456789012345",
        ] {
            assert!(is_e164(good), "{good}");
        }
        for bad in [
            "+683400",
            "+1234567890123456",
            "+05551234567",
            "15551234567",
            "+1555-123-4567",
            "+",
            "",
        ] {
            assert!(!is_e164(bad), "{bad}");
        }
    }
}
