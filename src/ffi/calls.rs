//! The call operations: list, create, get (and wait), end, transcript, and a number's calls.

use std::ffi::c_char;

use super::client::agentphone_client;
use super::ops::{id_json_op, id_op, json_op};
use super::status::agentphone_status;
use crate::api::calls::requests;

/// Lists calls, newest first (`GET /v1/calls`). `query_json`: NULL or an object with `limit`
/// (1 to 100), `offset`, `status`, `direction`, `type`, `search`. On `AGENTPHONE_OK`, `*out` is
/// `{"data": [...], "hasMore": b, "total": n}`.
///
/// # Safety
/// `client` is a live handle; `query_json` is NULL or NUL-terminated; `out` points to writable
/// storage for one pointer.
#[no_mangle]
pub unsafe extern "C" fn agentphone_calls_list(
    client: *const agentphone_client,
    query_json: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe { json_op(client, "query_json", query_json, out, requests::list) }
}

/// Places an outbound call (`POST /v1/calls`; **billed per minute, a phone rings**; never sent
/// twice once it may have reached the server). `request_json`: `agentId` and `toNumber`
/// (E.164) required; `fromNumberId`, `initialGreeting`, `voice`, `systemPrompt`, `modelTier`,
/// `variables` (string to string), `disableRecording`, `callScreeningIdentity`,
/// `callScreeningPurpose`. On `AGENTPHONE_OK`, `*out` is the call.
///
/// # Safety
/// `client` is a live handle; `request_json` is NULL or NUL-terminated; `out` as above.
#[no_mangle]
pub unsafe extern "C" fn agentphone_calls_create(
    client: *const agentphone_client,
    request_json: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe { json_op(client, "request_json", request_json, out, requests::create) }
}

/// Reads a call with its transcript so far (`GET /v1/calls/{id}`). `query_json`: NULL, or
/// `{"wait": true, "timeout": 10..300}` to hold the request until the call ends (at most
/// `timeout` seconds, default 120); the request's own timeout is then the wait plus 30 s,
/// whatever the client's `timeoutMs`. On `AGENTPHONE_OK`, `*out` is the call (check its
/// `status`: the wait may run out first).
///
/// # Safety
/// `client` is a live handle; `call_id` is NUL-terminated; `query_json` is NULL or
/// NUL-terminated; `out` as above.
#[no_mangle]
pub unsafe extern "C" fn agentphone_calls_get(
    client: *const agentphone_client,
    call_id: *const c_char,
    query_json: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe {
        id_json_op(
            client,
            "call_id",
            call_id,
            "query_json",
            query_json,
            out,
            requests::get,
        )
    }
}

/// Hangs up (`POST /v1/calls/{id}/end`; retried like a read: ending twice changes nothing). On
/// `AGENTPHONE_OK`, `*out` is the call; its status changes shortly after.
///
/// # Safety
/// `client` is a live handle; `call_id` is NUL-terminated; `out` as above.
#[no_mangle]
pub unsafe extern "C" fn agentphone_calls_end(
    client: *const agentphone_client,
    call_id: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe { id_op(client, "call_id", call_id, out, requests::end) }
}

/// The full transcript of a call (`GET /v1/calls/{id}/transcript`). On `AGENTPHONE_OK`,
/// `*out` is the server's JSON as received.
///
/// # Safety
/// As [`agentphone_calls_end`].
#[no_mangle]
pub unsafe extern "C" fn agentphone_calls_transcript(
    client: *const agentphone_client,
    call_id: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe { id_op(client, "call_id", call_id, out, requests::transcript) }
}
