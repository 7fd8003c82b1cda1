//! The number operations: create, list, get, release, messages.

use std::ffi::c_char;

use super::boundary::{boundary, opt_str, req_str, send, CallError};
use super::client::{agentphone_client, client_ref};
use super::input::parse;
use super::status::agentphone_status;
use crate::api::numbers::calls;
use crate::Client;

/// The client and the number id of a number operation.
///
/// SAFETY (for callers): as [`client_ref`] and [`req_str`].
unsafe fn number_args<'a>(
    client: *const agentphone_client,
    number_id: *const c_char,
) -> Result<(&'a Client, &'a str), CallError> {
    // SAFETY: forwarded contract.
    unsafe { Ok((client_ref(client)?, req_str("number_id", number_id)?)) }
}

/// Provisions a number (`POST /v1/numbers`; **billed**). `request_json`: NULL or an object with
/// `country`, `agentId`, `areaCode`, `type`, `imessageType`, `externalId`, `expiresAt`.
/// On `AGENTPHONE_OK`, `*out` is the number object.
///
/// Never retried once the request may have reached the server: after a timeout or a 5xx the
/// number may exist, so list before creating again.
///
/// # Safety
/// `client` is a live handle; `request_json` is NULL or NUL-terminated; `out` points to writable
/// storage for one pointer.
#[no_mangle]
pub unsafe extern "C" fn agentphone_numbers_create(
    client: *const agentphone_client,
    request_json: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    boundary(out, || {
        // SAFETY: forwarded contract of this function.
        let (client, request) =
            unsafe { (client_ref(client)?, opt_str("request_json", request_json)?) };
        let request = parse("request_json", request)?;
        send(client.transport(), &calls::create(&request)?)
    })
}

/// Lists numbers (`GET /v1/numbers`). `query_json`: NULL or an object with `limit` (1 to 100)
/// and `offset` (>= 0). On `AGENTPHONE_OK`, `*out` is `{"data": [...], "hasMore": b, "total": n}`.
///
/// # Safety
/// As [`agentphone_numbers_create`].
#[no_mangle]
pub unsafe extern "C" fn agentphone_numbers_list(
    client: *const agentphone_client,
    query_json: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    boundary(out, || {
        // SAFETY: forwarded contract of this function.
        let (client, query) = unsafe { (client_ref(client)?, opt_str("query_json", query_json)?) };
        send(
            client.transport(),
            &calls::list(&parse("query_json", query)?)?,
        )
    })
}

/// Gets one number, in any status (`GET /v1/numbers/{id}`). On `AGENTPHONE_OK`, `*out` is the
/// number object.
///
/// # Safety
/// `client` is a live handle; `number_id` is NUL-terminated; `out` as above.
#[no_mangle]
pub unsafe extern "C" fn agentphone_numbers_get(
    client: *const agentphone_client,
    number_id: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    boundary(out, || {
        // SAFETY: forwarded contract of this function.
        let (client, id) = unsafe { number_args(client, number_id)? };
        send(client.transport(), &calls::get(id)?)
    })
}

/// Releases a number (`DELETE /v1/numbers/{id}`; irreversible, messages are kept). On
/// `AGENTPHONE_OK`, `*out` is the server's JSON object (`{}` for an empty body).
///
/// # Safety
/// As [`agentphone_numbers_get`].
#[no_mangle]
pub unsafe extern "C" fn agentphone_numbers_release(
    client: *const agentphone_client,
    number_id: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    boundary(out, || {
        // SAFETY: forwarded contract of this function.
        let (client, id) = unsafe { number_args(client, number_id)? };
        send(client.transport(), &calls::release(id)?)
    })
}

/// Reads one page of a number's messages, newest first (`GET /v1/numbers/{id}/messages`).
/// `query_json`: NULL or an object with `limit` (1 to 200), `before`, `after` (ISO 8601). On
/// `AGENTPHONE_OK`, `*out` is `{"data": [...], "hasMore": b}`, each message with the sender
/// under `from_` and the recipient under `to`.
///
/// # Safety
/// `client` is a live handle; `number_id` is NUL-terminated; `query_json` is NULL or
/// NUL-terminated; `out` as above.
#[no_mangle]
pub unsafe extern "C" fn agentphone_numbers_messages(
    client: *const agentphone_client,
    number_id: *const c_char,
    query_json: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    boundary(out, || {
        // SAFETY: forwarded contract of this function.
        let ((client, id), query) = unsafe {
            (
                number_args(client, number_id)?,
                opt_str("query_json", query_json)?,
            )
        };
        send(
            client.transport(),
            &calls::messages(id, &parse("query_json", query)?)?,
        )
    })
}
