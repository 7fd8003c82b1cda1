//! The conversation operations: list, get, update, messages, typing.

use std::ffi::c_char;

use super::boundary::{boundary, opt_str, send};
use super::client::{agentphone_client, client_and_id, client_ref};
use super::input::parse;
use super::status::agentphone_status;
use crate::api::conversations::calls;

/// Lists conversations, newest activity first (`GET /v1/conversations`). `query_json`: NULL or
/// `{"limit": 1..100, "offset": n}`. On `AGENTPHONE_OK`, `*out` is
/// `{"data": [...], "hasMore": b, "total": n}`.
///
/// # Safety
/// `client` is a live handle; `query_json` is NULL or NUL-terminated; `out` points to writable
/// storage for one pointer.
#[no_mangle]
pub unsafe extern "C" fn agentphone_conversations_list(
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

/// Reads a conversation with its recent messages (`GET /v1/conversations/{id}`). `query_json`:
/// NULL or `{"message_limit": 1..200}` (default 50). On `AGENTPHONE_OK`, `*out` is the
/// conversation, with `messages` newest first (each with `fromNumber` and `toNumber`).
///
/// # Safety
/// `client` is a live handle; `conversation_id` is NUL-terminated; `query_json` is NULL or
/// NUL-terminated; `out` as above.
#[no_mangle]
pub unsafe extern "C" fn agentphone_conversations_get(
    client: *const agentphone_client,
    conversation_id: *const c_char,
    query_json: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    boundary(out, || {
        // SAFETY: forwarded contract of this function.
        let ((client, id), query) = unsafe {
            (
                client_and_id(client, "conversation_id", conversation_id)?,
                opt_str("query_json", query_json)?,
            )
        };
        send(
            client.transport(),
            &calls::get(id, &parse("query_json", query)?)?,
        )
    })
}

/// Updates a conversation (`PATCH /v1/conversations/{id}`): `request_json` is
/// `{"metadata": {...}}` (replaces it; `{}` clears it) and/or `{"group_name": "..."}`. On
/// `AGENTPHONE_OK`, `*out` is the conversation.
///
/// # Safety
/// As [`agentphone_conversations_get`].
#[no_mangle]
pub unsafe extern "C" fn agentphone_conversations_update(
    client: *const agentphone_client,
    conversation_id: *const c_char,
    request_json: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    boundary(out, || {
        // SAFETY: forwarded contract of this function.
        let ((client, id), request) = unsafe {
            (
                client_and_id(client, "conversation_id", conversation_id)?,
                opt_str("request_json", request_json)?,
            )
        };
        send(
            client.transport(),
            &calls::update(id, &parse("request_json", request)?)?,
        )
    })
}

/// Reads one page of a conversation's messages, newest first
/// (`GET /v1/conversations/{id}/messages`). `query_json`: NULL or an object with `limit`
/// (1 to 200), `before`, `after` (ISO 8601). On `AGENTPHONE_OK`, `*out` is
/// `{"data": [...], "hasMore": b}`.
///
/// # Safety
/// As [`agentphone_conversations_get`].
#[no_mangle]
pub unsafe extern "C" fn agentphone_conversations_messages(
    client: *const agentphone_client,
    conversation_id: *const c_char,
    query_json: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    boundary(out, || {
        // SAFETY: forwarded contract of this function.
        let ((client, id), query) = unsafe {
            (
                client_and_id(client, "conversation_id", conversation_id)?,
                opt_str("query_json", query_json)?,
            )
        };
        send(
            client.transport(),
            &calls::messages(id, &parse("query_json", query)?)?,
        )
    })
}

/// Shows a typing indicator in a conversation (`POST /v1/conversations/{id}/typing`; iMessage,
/// best effort). On `AGENTPHONE_OK`, `*out` is `{"conversationId", "channel", "status"}`.
///
/// # Safety
/// `client` is a live handle; `conversation_id` is NUL-terminated; `out` as above.
#[no_mangle]
pub unsafe extern "C" fn agentphone_conversations_typing(
    client: *const agentphone_client,
    conversation_id: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    boundary(out, || {
        // SAFETY: forwarded contract of this function.
        let (client, id) = unsafe { client_and_id(client, "conversation_id", conversation_id)? };
        send(client.transport(), &calls::typing(id)?)
    })
}
