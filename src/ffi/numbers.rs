//! The number operations: create, list, get, release, messages, calls.

use std::ffi::c_char;

use super::client::agentphone_client;
use super::ops::{id_json_op, id_op, json_op};
use super::status::agentphone_status;
use crate::api::numbers::requests;

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
    // SAFETY: forwarded contract of this function.
    unsafe { json_op(client, "request_json", request_json, out, requests::create) }
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
    // SAFETY: forwarded contract of this function.
    unsafe { json_op(client, "query_json", query_json, out, requests::list) }
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
    // SAFETY: forwarded contract of this function.
    unsafe { id_op(client, "number_id", number_id, out, requests::get) }
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
    // SAFETY: forwarded contract of this function.
    unsafe { id_op(client, "number_id", number_id, out, requests::release) }
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
    // SAFETY: forwarded contract of this function.
    unsafe {
        id_json_op(
            client,
            "number_id",
            number_id,
            "query_json",
            query_json,
            out,
            requests::messages,
        )
    }
}

/// Lists a number's calls, newest first (`GET /v1/numbers/{id}/calls`). `query_json`: NULL or
/// `{"limit": 1..100, "offset": n}`. On `AGENTPHONE_OK`, `*out` is
/// `{"data": [...], "hasMore": b, "total": n}`.
///
/// # Safety
/// `client` is a live handle; `number_id` is NUL-terminated; `query_json` is NULL or
/// NUL-terminated; `out` points to writable storage for one pointer.
#[no_mangle]
pub unsafe extern "C" fn agentphone_numbers_calls(
    client: *const agentphone_client,
    number_id: *const c_char,
    query_json: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe {
        id_json_op(
            client,
            "number_id",
            number_id,
            "query_json",
            query_json,
            out,
            requests::calls,
        )
    }
}

/// Sets a number's own reference or expiry (`PATCH /v1/numbers/{id}`): `request_json` is
/// `{"externalId", "expiresAt"}`. **An `expiresAt` schedules an automatic release** of the
/// number at that time, irreversibly. On `AGENTPHONE_OK`, `*out` is the number.
///
/// # Safety
/// `client` is a live handle; `number_id` is NUL-terminated; `request_json` is NULL or
/// NUL-terminated; `out` points to writable storage for one pointer.
#[no_mangle]
pub unsafe extern "C" fn agentphone_numbers_update(
    client: *const agentphone_client,
    number_id: *const c_char,
    request_json: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe {
        id_json_op(
            client,
            "number_id",
            number_id,
            "request_json",
            request_json,
            out,
            requests::update,
        )
    }
}

/// Numbers that can be bought (`GET /v1/numbers/available`). `query_json`: NULL or an object
/// with `areaCode`, `city`, `state`, `zip`, `country`, `limit` (1 to 100). On `AGENTPHONE_OK`,
/// `*out` is `{"data": [{"phoneNumber", "city", "state", "rateCenter", "areaCode"}]}`.
///
/// # Safety
/// `client` is a live handle; `query_json` is NULL or NUL-terminated; `out` points to writable
/// storage for one pointer.
#[no_mangle]
pub unsafe extern "C" fn agentphone_numbers_available(
    client: *const agentphone_client,
    query_json: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe { json_op(client, "query_json", query_json, out, requests::available) }
}

/// Line type, country and RCS support (`GET /v1/numbers/lookup`). `query_json`:
/// `{"phoneNumbers": ["+1...", ...]}` (1 to 25, E.164). On `AGENTPHONE_OK`, `*out` is
/// `{"data": [{"phoneNumber", "lineType", "country", "rcsEnabled"}]}`.
///
/// # Safety
/// `client` is a live handle; `query_json` is NULL or NUL-terminated; `out` points to writable
/// storage for one pointer.
#[no_mangle]
pub unsafe extern "C" fn agentphone_numbers_lookup(
    client: *const agentphone_client,
    query_json: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe { json_op(client, "query_json", query_json, out, requests::lookup) }
}

/// A number's iMessage contact card (`GET /v1/numbers/{id}/contact-card`). On `AGENTPHONE_OK`,
/// `*out` is `{"firstName", "lastName", "displayName", "hasAvatar"}`.
///
/// # Safety
/// `client` is a live handle; `number_id` is NUL-terminated; `out` points to writable storage
/// for one pointer.
#[no_mangle]
pub unsafe extern "C" fn agentphone_numbers_contact_card_get(
    client: *const agentphone_client,
    number_id: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe { id_op(client, "number_id", number_id, out, requests::contact_card) }
}

/// Creates or replaces a number's contact card (`PUT /v1/numbers/{id}/contact-card`):
/// `request_json` is `{"firstName", "lastName"}` (required) and optionally `displayName`,
/// `avatarUrl`.
///
/// # Safety
/// `client` is a live handle; `number_id` is NUL-terminated; `request_json` is NULL or
/// NUL-terminated; `out` points to writable storage for one pointer.
#[no_mangle]
pub unsafe extern "C" fn agentphone_numbers_contact_card_set(
    client: *const agentphone_client,
    number_id: *const c_char,
    request_json: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe {
        id_json_op(
            client,
            "number_id",
            number_id,
            "request_json",
            request_json,
            out,
            requests::set_contact_card,
        )
    }
}

/// Removes a number's contact card (`DELETE /v1/numbers/{id}/contact-card`).
///
/// # Safety
/// `client` is a live handle; `number_id` is NUL-terminated; `out` points to writable storage
/// for one pointer.
#[no_mangle]
pub unsafe extern "C" fn agentphone_numbers_contact_card_delete(
    client: *const agentphone_client,
    number_id: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe {
        id_op(
            client,
            "number_id",
            number_id,
            out,
            requests::delete_contact_card,
        )
    }
}
