//! Every response decoder and every error shape. For a 2xx body of each result type: no panic;
//! the C API refuses exactly what the Rust API refuses; what the C API hands out is JSON that
//! the Rust API decodes to the same value as the body itself, is already canonical (its C form
//! is itself), equals the body with every rewrite made (the test that skips the rewrites
//! skipped none that was needed), holds every timestamp the Rust API decoded as RFC 3339, and
//! holds the keys the header promises. For any other
//! status: the C error JSON has all of its keys with their types.
//!
//! Input: one byte choosing the type (one past the last: an error answer, then two bytes of
//! status, one of flags, a `Retry-After` value up to the first newline), then the body.
#![no_main]

use agentphone::fuzzing::{error_json, RESULT_TYPES};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// The top-level keys `include/agentphone.h` promises in `*out`, by result type.
fn promised(type_name: &str) -> &'static [&'static str] {
    match type_name {
        "NumberPage" | "CallPage" | "ContactPage" | "ConversationPage" => {
            &["data", "hasMore", "total"]
        }
        "DeliveryPage" => &["items", "total"],
        "AgentPage" => &["data", "total"],
        "MessagePage" | "ConversationMessagePage" => &["data", "hasMore"],
        "NumberInfoList" => &["data"],
        _ => &[],
    }
}

/// Where the messages of a value are, for the rule that C hands each sender under `from_`.
fn messages<'a>(type_name: &str, v: &'a Value) -> Vec<&'a Value> {
    match type_name {
        "Message" => vec![v],
        "MessagePage" => v["data"]
            .as_array()
            .map(|a| a.iter().collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// `code` of the C error JSON: `agentphone_error_code`'s strings in the header.
const ERROR_CODES: &[&str] = &[
    "invalid_argument",
    "unauthorized",
    "not_found",
    "rate_limited",
    "api_error",
    "network_error",
    "timeout",
    "decode_error",
    "signature_invalid",
    "internal_error",
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let index = selector as usize % (RESULT_TYPES.len() + 1);
    let Some(&(name, forms)) = RESULT_TYPES.get(index) else {
        return check_error(rest);
    };
    let f = forms(rest);
    assert_eq!(
        f.rust.is_ok(),
        f.c.is_ok(),
        "{name}: Rust {:?} but C {:?}",
        f.rust,
        f.c
    );
    let Ok(text) = &f.c else {
        return;
    };
    let out: Value = serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("{name}: C result is not JSON ({e}): {text}"));
    assert_eq!(
        f.c_decodes_equal,
        Some(true),
        "{name}: the C result decodes otherwise: {text}"
    );
    assert_eq!(
        f.c_equals_full_rewrite,
        Some(true),
        "{name}: a rewrite was skipped: {text}"
    );
    assert_eq!(
        f.c_missed_timestamp, None,
        "{name}: a timestamp not rewritten: {text}"
    );
    assert_eq!(
        f.c_again.as_ref(),
        Some(&Ok(text.clone())),
        "{name}: the C result is not canonical"
    );
    for key in promised(name) {
        assert!(out.get(key).is_some(), "{name}: no {key:?} in {text}");
    }
    for m in messages(name, &out) {
        for other in ["from", "fromNumber", "toNumber"] {
            assert!(
                m.get(other).is_none(),
                "{name}: a message with {other:?}: {text}"
            );
        }
    }
});

fn check_error(rest: &[u8]) {
    let [hi, lo, flags, rest @ ..] = rest else {
        return;
    };
    let status = 300 + (u16::from_be_bytes([*hi, *lo]) % 300);
    let (retry_after, body) = match rest.iter().position(|&b| b == b'\n') {
        Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
        None => (None, rest),
    };
    let mut headers: Vec<(&str, &[u8])> = Vec::new();
    if let Some(r) = retry_after {
        headers.push(("retry-after", r));
    }
    if flags & 2 != 0 {
        headers.push(("x-request-id", b"req_fuzz"));
    }
    let idempotent = flags & 1 != 0;
    let text = error_json(status, &headers, body, idempotent);
    let v: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("error JSON ({e}): {text}"));
    let code = v["code"].as_str().unwrap_or_else(|| panic!("code: {text}"));
    assert!(ERROR_CODES.contains(&code), "code {code:?}");
    assert!(
        v["message"].as_str().is_some_and(|m| !m.is_empty()),
        "message: {text}"
    );
    assert_eq!(v["status"], status, "{text}");
    for key in ["apiCode", "requestId"] {
        assert!(v[key].is_null() || v[key].is_string(), "{key}: {text}");
    }
    assert!(v.get("details").is_some(), "details: {text}");
    assert!(
        v["retryAfterMs"].is_null() || v["retryAfterMs"].is_u64(),
        "retryAfterMs: {text}"
    );
    let (retryable, may) = (v["retryable"].as_bool(), v["mayHaveSucceeded"].as_bool());
    assert!(retryable.is_some() && may.is_some(), "{text}");
    // An answer below 500 is a refusal, unless the server says it could not confirm a delivery.
    if status < 500 && v["apiCode"] != "DELIVERY_UNCONFIRMED" {
        assert_eq!(may, Some(false), "a {status} may have succeeded? {text}");
    }
    if !idempotent && status >= 500 {
        assert_eq!(
            retryable,
            Some(false),
            "a billed write retried after {status}: {text}"
        );
    }
}
