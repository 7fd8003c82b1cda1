//! The message operations: send, react.

use std::ffi::c_char;

use super::client::agentphone_client;
use super::ops::{id_json_op, json_op};
use super::status::agentphone_status;
use crate::api::messages::requests;

/// Sends an SMS, MMS or iMessage (`POST /v1/messages`; **billed, seen by a person**).
/// `request_json`: an object with the API's keys: `body` (required, may be empty), exactly one
/// of `to_number` or `recipients` (2 or more), and optionally `agent_id`, `number_id`,
/// `from_number`, `media_urls` (at most 20), `media_url`, `send_style`, `reply_to_message_id`.
/// On `AGENTPHONE_OK`, `*out` is `{"id", "status", "channel", "from_number", "to_number",
/// "conversation_id", ...}`.
///
/// Never sent twice once it may have reached the server: when the error JSON says
/// `"mayHaveSucceeded": true`, the message may have gone out; look at the conversation before
/// sending it again.
///
/// # Safety
/// `client` is a live handle; `request_json` is NULL or NUL-terminated; `out` points to writable
/// storage for one pointer.
#[no_mangle]
pub unsafe extern "C" fn agentphone_messages_send(
    client: *const agentphone_client,
    request_json: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe { json_op(client, "request_json", request_json, out, requests::send) }
}

/// Reacts to a message with an iMessage tapback (`POST /v1/messages/{id}/reactions`; seen by a
/// person, never sent twice). `request_json`: `{"reaction": "love"}` (`like`, `dislike`,
/// `laugh`, `emphasize`, `question`, or an emoji). On `AGENTPHONE_OK`, `*out` is
/// `{"id", "reaction_type", "message_id", "channel"}`.
///
/// # Safety
/// `client` is a live handle; `message_id` is NUL-terminated; `request_json` is NULL or
/// NUL-terminated; `out` as above.
#[no_mangle]
pub unsafe extern "C" fn agentphone_messages_react(
    client: *const agentphone_client,
    message_id: *const c_char,
    request_json: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe {
        id_json_op(
            client,
            "message_id",
            message_id,
            "request_json",
            request_json,
            out,
            requests::react,
        )
    }
}
