//! The conversation operations: list, get, update, messages, typing.

use std::ffi::c_char;

use super::client::agentphone_client;
use super::ops::{id_json_op, id_op, json_op};
use super::status::agentphone_status;
use crate::api::conversations::requests;

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
    // SAFETY: forwarded contract of this function.
    unsafe { json_op(client, "query_json", query_json, out, requests::list) }
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
    // SAFETY: forwarded contract of this function.
    unsafe {
        id_json_op(
            client,
            "conversation_id",
            conversation_id,
            "query_json",
            query_json,
            out,
            requests::get,
        )
    }
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
    // SAFETY: forwarded contract of this function.
    unsafe {
        id_json_op(
            client,
            "conversation_id",
            conversation_id,
            "request_json",
            request_json,
            out,
            requests::update,
        )
    }
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
    // SAFETY: forwarded contract of this function.
    unsafe {
        id_json_op(
            client,
            "conversation_id",
            conversation_id,
            "query_json",
            query_json,
            out,
            requests::messages,
        )
    }
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
    // SAFETY: forwarded contract of this function.
    unsafe {
        id_op(
            client,
            "conversation_id",
            conversation_id,
            out,
            requests::typing,
        )
    }
}
