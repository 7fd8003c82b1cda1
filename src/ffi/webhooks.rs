//! Webhooks: the project's and an agent's configuration, and verifying a received request.

use std::ffi::{c_char, CStr};

use super::boundary::{boundary, req_str, CallError};
use super::client::agentphone_client;
use super::ops::{client_op, id_json_op, id_op, json_op};
use super::status::agentphone_status;
use crate::api::webhooks::requests;
use crate::error::Error;
use crate::webhook::{Verifier, DEFAULT_TOLERANCE};

/// Reads the project's webhook (`GET /v1/webhooks`). On `AGENTPHONE_OK`, `*out` is the webhook
/// (`{"id", "url", "secret", "status", "contextLimit", "timeout", "createdAt"}`), or `null`
/// when none is set.
///
/// # Safety
/// `client` is a live handle; `out` points to writable storage for one pointer.
#[no_mangle]
pub unsafe extern "C" fn agentphone_webhooks_get(
    client: *const agentphone_client,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe { client_op(client, out, || Ok(requests::get(requests::PROJECT))) }
}

/// Sets the project's webhook (`POST /v1/webhooks`). `request_json`: `{"url": "https://..."}`
/// (required; at most 2083 characters), `contextLimit` (0 to 50), `timeout` (5 to 120 s).
/// On `AGENTPHONE_OK`, `*out` is the webhook with its `secret`.
///
/// **Each call generates a new secret** and the old one stops verifying: never sent twice
/// once it may have reached the server. On `"mayHaveSucceeded": true`, read the webhook back
/// with [`agentphone_webhooks_get`] for the secret in force.
///
/// # Safety
/// `client` is a live handle; `request_json` is NULL or NUL-terminated; `out` as above.
#[no_mangle]
pub unsafe extern "C" fn agentphone_webhooks_set(
    client: *const agentphone_client,
    request_json: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe {
        json_op(client, "request_json", request_json, out, |w| {
            requests::set(requests::PROJECT, w)
        })
    }
}

/// Removes the project's webhook (`DELETE /v1/webhooks`). On `AGENTPHONE_OK`, `*out` is the
/// server's JSON (`{}` for an empty answer).
///
/// # Safety
/// As [`agentphone_webhooks_get`].
#[no_mangle]
pub unsafe extern "C" fn agentphone_webhooks_delete(
    client: *const agentphone_client,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe { client_op(client, out, || Ok(requests::delete(requests::PROJECT))) }
}

/// Sends a synthetic `agent.message` to the project's webhook (`POST /v1/webhooks/test`;
/// reaches your endpoint, never sent twice). `request_json`: NULL, or any of `from`, `to`,
/// `message`, `channel`. On `AGENTPHONE_OK`, `*out` is the server's report
/// (`{"success", "httpStatus", "errorMessage"}`).
///
/// # Safety
/// As [`agentphone_webhooks_set`].
#[no_mangle]
pub unsafe extern "C" fn agentphone_webhooks_test(
    client: *const agentphone_client,
    request_json: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe {
        json_op(client, "request_json", request_json, out, |t| {
            requests::test(requests::PROJECT, Some(t))
        })
    }
}

/// Reads the delivery log (`GET /v1/webhooks/deliveries`). `query_json`: NULL or an object
/// with `limit` (1 to 100), `offset`, `hours`. On `AGENTPHONE_OK`, `*out` is
/// `{"items": [...], "total", "offset", "limit"}`.
///
/// # Safety
/// `client` is a live handle; `query_json` is NULL or NUL-terminated; `out` as above.
#[no_mangle]
pub unsafe extern "C" fn agentphone_webhooks_deliveries(
    client: *const agentphone_client,
    query_json: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe { json_op(client, "query_json", query_json, out, requests::deliveries) }
}

/// Reads an agent's webhook (`GET /v1/agents/{id}/webhook`); `*out` is `null` when none is set.
///
/// # Safety
/// `client` is a live handle; `agent_id` is NUL-terminated; `out` as above.
#[no_mangle]
pub unsafe extern "C" fn agentphone_agents_webhook_get(
    client: *const agentphone_client,
    agent_id: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe {
        id_op(client, "agent_id", agent_id, out, |id| {
            Ok(requests::get(&requests::agent_base(id)?))
        })
    }
}

/// Sets an agent's webhook (`POST /v1/agents/{id}/webhook`), which takes precedence over the
/// project's for that agent's events. `request_json` as [`agentphone_webhooks_set`], and so
/// is the hazard: **a new secret each time**, never sent twice.
///
/// # Safety
/// `client` is a live handle; `agent_id` is NUL-terminated; `request_json` is NULL or
/// NUL-terminated; `out` as above.
#[no_mangle]
pub unsafe extern "C" fn agentphone_agents_webhook_set(
    client: *const agentphone_client,
    agent_id: *const c_char,
    request_json: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe {
        id_json_op(
            client,
            "agent_id",
            agent_id,
            "request_json",
            request_json,
            out,
            |id, w| requests::set(&requests::agent_base(id)?, w),
        )
    }
}

/// Removes an agent's webhook (`DELETE /v1/agents/{id}/webhook`).
///
/// # Safety
/// As [`agentphone_agents_webhook_get`].
#[no_mangle]
pub unsafe extern "C" fn agentphone_agents_webhook_delete(
    client: *const agentphone_client,
    agent_id: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe {
        id_op(client, "agent_id", agent_id, out, |id| {
            Ok(requests::delete(&requests::agent_base(id)?))
        })
    }
}

/// Sends a test event to an agent's webhook (`POST /v1/agents/{id}/webhook/test`).
///
/// # Safety
/// As [`agentphone_agents_webhook_get`].
#[no_mangle]
pub unsafe extern "C" fn agentphone_agents_webhook_test(
    client: *const agentphone_client,
    agent_id: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe {
        id_op(client, "agent_id", agent_id, out, |id| {
            requests::test(&requests::agent_base(id)?, None)
        })
    }
}

/// Verifies a received webhook request; needs no client.
///
/// `signature_header` and `timestamp_header` are the `X-Webhook-Signature` and
/// `X-Webhook-Timestamp` headers as received; `body` and `body_len` the raw body (any bytes;
/// `body` may be NULL only when `body_len` is 0). `body_len` is a `uintptr_t`, which is
/// `size_t` on every platform the library builds for: pass a `size_t` (e.g. `strlen(body)`). `now_unix` is the time to check against (0:
/// the system clock); `tolerance_seconds` the replay window either way (0: 300; negative is
/// refused).
///
/// On `AGENTPHONE_OK`, `*out` is the event JSON: the body as received (a JSON object with a
/// string `event`, else `AGENTPHONE_DECODE_ERROR`). A signature or timestamp that does not
/// verify is `AGENTPHONE_SIGNATURE_INVALID`, the error JSON's `message` saying which check
/// failed (never the secret or the expected signature).
///
/// # Safety
/// `secret`, `signature_header` and `timestamp_header` are NUL-terminated; `body` points to
/// `body_len` readable bytes (or is NULL with `body_len` 0); `out` points to writable storage
/// for one pointer.
#[no_mangle]
pub unsafe extern "C" fn agentphone_webhook_verify(
    secret: *const c_char,
    signature_header: *const c_char,
    timestamp_header: *const c_char,
    body: *const c_char,
    body_len: usize,
    now_unix: i64,
    tolerance_seconds: i64,
    out: *mut *mut c_char,
) -> agentphone_status {
    boundary(out, || {
        // SAFETY: forwarded contract of this function.
        let (secret, signature, timestamp) = unsafe {
            (
                req_str("secret", secret)?,
                header("signature_header", signature_header)?,
                header("timestamp_header", timestamp_header)?,
            )
        };
        let body: &[u8] = match (body.is_null(), body_len) {
            (true, 0) => &[],
            (true, _) => {
                return Err(Error::invalid("body", "must not be NULL when body_len > 0").into())
            }
            // SAFETY: the caller promises `body_len` readable bytes at `body`.
            (false, n) => unsafe { std::slice::from_raw_parts(body.cast::<u8>(), n) },
        };
        let mut verifier = Verifier::new(secret);
        verifier = match tolerance_seconds {
            0 => verifier.tolerance(DEFAULT_TOLERANCE),
            t if t < 0 => {
                return Err(Error::invalid(
                    "tolerance_seconds",
                    format_args!("must be 0 (300 s) or more, got {t}"),
                )
                .into())
            }
            t => verifier.tolerance(std::time::Duration::from_secs(t as u64)),
        };
        if now_unix != 0 {
            verifier = verifier.now(now_unix);
        }
        verifier.verify(&signature, &timestamp, body)?;
        // The event as received: it parsed as an event, so it is UTF-8 JSON.
        String::from_utf8(body.to_vec())
            .map_err(|e| Error::invalid("body", format_args!("is not UTF-8: {e}")).into())
    })
}

/// A header argument: NULL is refused naming it; the bytes need not be UTF-8 to be refused as
/// a bad signature, so they are read lossily.
///
/// SAFETY (for callers): `s` is NULL or NUL-terminated.
unsafe fn header<'a>(name: &str, s: *const c_char) -> Result<std::borrow::Cow<'a, str>, CallError> {
    if s.is_null() {
        return Err(Error::invalid(name, "must not be NULL").into());
    }
    // SAFETY: non-NULL and NUL-terminated by the contract.
    Ok(unsafe { CStr::from_ptr(s) }.to_string_lossy())
}
