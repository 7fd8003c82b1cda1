//! The call operations: list, create, get (and wait), end, transcript (whole or streamed),
//! recording.

use std::ffi::{c_char, c_int, c_void, CString};

use serde_json::{json, Value};

use super::boundary::{boundary, req_str};
use super::client::{agentphone_client, client_and_id};
use super::ops::{id_json_op, id_op, json_op};
use super::status::agentphone_status;
use crate::api::calls::requests;
use crate::error::Error;

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
/// `callScreeningPurpose`, `waitForCompletion` (hold the request until the call ends) with
/// `maxWaitSeconds` (10 to 600): the request's own timeout is then the wait (600 s when not
/// given) plus 30 s, whatever the client's `timeoutMs`, and a timeout after sending says
/// `mayHaveSucceeded` (the call was placed). On `AGENTPHONE_OK`, `*out` is the call.
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

/// Called for each event of [`agentphone_calls_stream_transcript`] with
/// `{"event": "connected" | "turn" | "ended" | ..., "data": {...}}` (the string is borrowed for
/// the call only: copy what you keep, do not free it) and the `user_data` given. Return 0 to go
/// on, anything else to stop.
pub type agentphone_event_callback =
    Option<unsafe extern "C" fn(event_json: *const c_char, user_data: *mut c_void) -> c_int>;

/// Follows a call's transcript live (`GET /v1/calls/{id}/transcript/stream`, server-sent
/// events), calling `callback` for each event: the turns so far are replayed, then each new
/// one, then `ended`. Returns when `ended` arrives, when the server closes the stream, or when
/// the callback returns non-zero. On `AGENTPHONE_OK`, `*out` is
/// `{"events": n, "ended": true|false, "stopped": true|false}` (`stopped`: by the callback).
///
/// Blocks for as long as the call lasts; 45 s without a byte (the server sends a heartbeat
/// every 15 s) is `AGENTPHONE_TIMEOUT`. The stream is never reopened once events flowed.
///
/// # Safety
/// `client` is a live handle; `call_id` is NUL-terminated; `callback` is NULL (refused) or a
/// function that may be called from this thread until this function returns; `user_data` is
/// passed to it untouched; `out` points to writable storage for one pointer.
#[no_mangle]
pub unsafe extern "C" fn agentphone_calls_stream_transcript(
    client: *const agentphone_client,
    call_id: *const c_char,
    callback: agentphone_event_callback,
    user_data: *mut c_void,
    out: *mut *mut c_char,
) -> agentphone_status {
    boundary(out, || {
        // SAFETY: forwarded contract of this function.
        let (client, id) = unsafe { client_and_id(client, "call_id", call_id)? };
        let Some(callback) = callback else {
            return Err(Error::invalid("callback", "must not be NULL").into());
        };
        let mut stream = client.calls().stream_transcript(id)?;
        let (mut events, mut ended, mut stopped) = (0u64, false, false);
        while let Some(next) = stream.next_raw() {
            let (event, data) = next?;
            let data: Value =
                serde_json::from_str(&data).unwrap_or_else(|_| Value::String(data.clone()));
            let text = json!({"event": event, "data": data}).to_string();
            // serde_json escapes NUL, so the text has none.
            let text = CString::new(text).unwrap_or_default();
            events += 1;
            ended = event == "ended";
            // SAFETY: the caller's callback, with a string valid for the duration of the call
            // and the caller's own user_data.
            if unsafe { callback(text.as_ptr(), user_data) } != 0 {
                stopped = true;
                break;
            }
        }
        Ok(json!({"events": events, "ended": ended, "stopped": stopped}).to_string())
    })
}

/// Downloads a call's recording (`GET /v1/calls/{id}/recording`) into the file `path`,
/// streamed to a temporary file beside it that is renamed over `path` once complete and on
/// disk: a failed download never leaves a partial file (an existing file at `path` is replaced
/// only on success). At most the client's `maxRecordingBytes` (default 1 GiB; never held in
/// memory). A new file is created mode `0600` whatever the umask (call audio is personal
/// data); a file it replaces keeps its permission bits; a symbolic link at `path` is replaced
/// by the file, its target left unwritten. On `AGENTPHONE_OK`, `*out` is
/// `{"path", "contentType", "bytes"}`. A call without a recording is `AGENTPHONE_NOT_FOUND`; a
/// recording over the limit is `AGENTPHONE_DECODE_ERROR`; a path that cannot be written is
/// `AGENTPHONE_INVALID_ARGUMENT` naming it (before anything is sent when the temporary file
/// cannot be created).
///
/// # Safety
/// `client` is a live handle; `call_id` and `path` are NUL-terminated; `out` as above.
#[no_mangle]
pub unsafe extern "C" fn agentphone_calls_recording_save(
    client: *const agentphone_client,
    call_id: *const c_char,
    path: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    boundary(out, || {
        // SAFETY: forwarded contract of this function.
        let ((client, id), path) = unsafe {
            (
                client_and_id(client, "call_id", call_id)?,
                req_str("path", path)?,
            )
        };
        if path.is_empty() {
            return Err(Error::invalid("path", "must not be empty").into());
        }
        let saved = client.calls().save_recording(id, path)?;
        Ok(json!({
            "path": path,
            "contentType": saved.content_type,
            "bytes": saved.bytes,
        })
        .to_string())
    })
}
