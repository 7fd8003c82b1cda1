//! The contact operations: list, create, get, update, delete, capabilities.

use std::ffi::c_char;

use super::client::agentphone_client;
use super::ops::{id_json_op, id_op, json_op};
use super::status::agentphone_status;
use crate::api::contacts::requests;

/// Lists contacts (`GET /v1/contacts`). `query_json`: NULL or `{"limit": 1..100, "offset": n,
/// "search": "..."}`. On `AGENTPHONE_OK`, `*out` is `{"data": [...], "hasMore": b, "total": n}`.
///
/// # Safety
/// `client` is a live handle; `query_json` is NULL or NUL-terminated; `out` points to writable
/// storage for one pointer.
#[no_mangle]
pub unsafe extern "C" fn agentphone_contacts_list(
    client: *const agentphone_client,
    query_json: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe { json_op(client, "query_json", query_json, out, requests::list) }
}

/// Adds a contact (`POST /v1/contacts`): `request_json` is `{"phoneNumber", "name"}` (required)
/// and optionally `email`, `notes`. A number already in the address book is `AGENTPHONE_API_ERROR`
/// with `"status": 409`, never retried. On `AGENTPHONE_OK`, `*out` is the contact.
///
/// # Safety
/// `client` is a live handle; `request_json` is NULL or NUL-terminated; `out` points to writable
/// storage for one pointer.
#[no_mangle]
pub unsafe extern "C" fn agentphone_contacts_create(
    client: *const agentphone_client,
    request_json: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe { json_op(client, "request_json", request_json, out, requests::create) }
}

/// Reads a contact (`GET /v1/contacts/{id}`).
///
/// # Safety
/// `client` is a live handle; `contact_id` is NUL-terminated; `out` points to writable storage
/// for one pointer.
#[no_mangle]
pub unsafe extern "C" fn agentphone_contacts_get(
    client: *const agentphone_client,
    contact_id: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe { id_op(client, "contact_id", contact_id, out, requests::get) }
}

/// Changes a contact (`PATCH /v1/contacts/{id}`): `request_json` holds the fields to change
/// (`phoneNumber`, `name`, `email`, `notes`). On `AGENTPHONE_OK`, `*out` is the contact.
///
/// # Safety
/// `client` is a live handle; `contact_id` is NUL-terminated; `request_json` is NULL or
/// NUL-terminated; `out` points to writable storage for one pointer.
#[no_mangle]
pub unsafe extern "C" fn agentphone_contacts_update(
    client: *const agentphone_client,
    contact_id: *const c_char,
    request_json: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe {
        id_json_op(
            client,
            "contact_id",
            contact_id,
            "request_json",
            request_json,
            out,
            requests::update,
        )
    }
}

/// Removes a contact (`DELETE /v1/contacts/{id}`). On `AGENTPHONE_OK`, `*out` is `{}`.
///
/// # Safety
/// `client` is a live handle; `contact_id` is NUL-terminated; `out` points to writable storage
/// for one pointer.
#[no_mangle]
pub unsafe extern "C" fn agentphone_contacts_delete(
    client: *const agentphone_client,
    contact_id: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe { id_op(client, "contact_id", contact_id, out, requests::delete) }
}

/// Whether a number can receive iMessage and SMS (`GET /v1/contacts/capabilities`; a live
/// check). `query_json`: `{"phone_number": "+1..."}` (required, E.164; sent as `%2B1...`). On
/// `AGENTPHONE_OK`, `*out` is `{"phoneNumber", "capabilities": {"imessage", "sms"}, "checkedAt"}`.
///
/// # Safety
/// `client` is a live handle; `query_json` is NULL or NUL-terminated; `out` points to writable
/// storage for one pointer.
#[no_mangle]
pub unsafe extern "C" fn agentphone_contacts_capabilities(
    client: *const agentphone_client,
    query_json: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe {
        json_op(
            client,
            "query_json",
            query_json,
            out,
            requests::capabilities,
        )
    }
}
