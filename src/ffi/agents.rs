//! The agent operations: list, create, get, update, delete, attach and detach a number, an
//! agent's calls and conversations, the voices.

use std::ffi::c_char;

use super::boundary::{boundary, req_str, send, CallError};
use super::client::{agentphone_client, client_ref};
use super::ops::{client_op, id_json_op, id_op, json_op};
use super::status::agentphone_status;
use crate::api::agents::requests;
use crate::Client;

/// The client and both ids of an agent operation.
///
/// SAFETY (for callers): as [`client_ref`] and [`req_str`].
unsafe fn agent_args<'a>(
    client: *const agentphone_client,
    agent_id: *const c_char,
    number_id: *const c_char,
) -> Result<(&'a Client, &'a str, &'a str), CallError> {
    // SAFETY: forwarded contract.
    unsafe {
        Ok((
            client_ref(client)?,
            req_str("agent_id", agent_id)?,
            req_str("number_id", number_id)?,
        ))
    }
}

/// Attaches a number to an agent (`POST /v1/agents/{agentId}/numbers`). On `AGENTPHONE_OK`,
/// `*out` is the server's JSON object, e.g. `{"agentId", "number": {...}}`.
///
/// # Safety
/// `client` is a live handle; `agent_id` and `number_id` are NUL-terminated; `out` as above.
#[no_mangle]
pub unsafe extern "C" fn agentphone_agents_attach_number(
    client: *const agentphone_client,
    agent_id: *const c_char,
    number_id: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    boundary(out, || {
        // SAFETY: forwarded contract of this function.
        let (client, agent, number) = unsafe { agent_args(client, agent_id, number_id)? };
        send(client.transport(), &requests::attach_number(agent, number)?)
    })
}

/// Detaches a number from an agent (`DELETE /v1/agents/{agentId}/numbers/{numberId}`). On
/// `AGENTPHONE_OK`, `*out` is the server's JSON object (`{}` for an empty body).
///
/// # Safety
/// As [`agentphone_agents_attach_number`].
#[no_mangle]
pub unsafe extern "C" fn agentphone_agents_detach_number(
    client: *const agentphone_client,
    agent_id: *const c_char,
    number_id: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    boundary(out, || {
        // SAFETY: forwarded contract of this function.
        let (client, agent, number) = unsafe { agent_args(client, agent_id, number_id)? };
        send(client.transport(), &requests::detach_number(agent, number)?)
    })
}

/// Lists agents (`GET /v1/agents`). `query_json`: NULL or `{"limit": 1..100, "offset": n}`. On
/// `AGENTPHONE_OK`, `*out` is `{"data": [...], "total": n}` (some servers add `hasMore`).
///
/// # Safety
/// `client` is a live handle; `query_json` is NULL or NUL-terminated; `out` points to writable
/// storage for one pointer.
#[no_mangle]
pub unsafe extern "C" fn agentphone_agents_list(
    client: *const agentphone_client,
    query_json: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe { json_op(client, "query_json", query_json, out, requests::list) }
}

/// Creates an agent (`POST /v1/agents`; never sent twice once it may have reached the server).
/// `request_json`: `{"name": "..."}` (required) and any of the API's camelCase settings:
/// `description`, `voiceMode`, `modelTier`, `systemPrompt`, `beginMessage`, `voice`,
/// `transferNumber`, `voicemailMessage`, `sttMode`, `ambientSound`, `denoisingMode`,
/// `maxSilenceMs` (10000 to 3600000), `voiceSpeed` (0.5 to 2.0), `interruptionSensitivity`
/// (0 to 1), `enableMessaging`, `enableBackchannel`, `language`, `customTools` (at most 20:
/// `name` (at most 64 characters), `url`, `description`, `method`, `headers`, `parameters`,
/// `timeoutMs` 1000 to 120000), `callScreeningIdentity`, `callScreeningPurpose`. On
/// `AGENTPHONE_OK`, `*out` is the agent.
///
/// # Safety
/// `client` is a live handle; `request_json` is NULL or NUL-terminated; `out` as above.
#[no_mangle]
pub unsafe extern "C" fn agentphone_agents_create(
    client: *const agentphone_client,
    request_json: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe { json_op(client, "request_json", request_json, out, requests::create) }
}

/// Reads an agent with its attached numbers (`GET /v1/agents/{id}`). On `AGENTPHONE_OK`,
/// `*out` is the agent.
///
/// # Safety
/// `client` is a live handle; `agent_id` is NUL-terminated; `out` as above.
#[no_mangle]
pub unsafe extern "C" fn agentphone_agents_get(
    client: *const agentphone_client,
    agent_id: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe { id_op(client, "agent_id", agent_id, out, requests::get) }
}

/// Updates an agent (`PATCH /v1/agents/{id}`): `request_json` holds the settings to change,
/// with the keys of [`agentphone_agents_create`]; `customTools` replaces the whole set. On
/// `AGENTPHONE_OK`, `*out` is the agent.
///
/// # Safety
/// `client` is a live handle; `agent_id` is NUL-terminated; `request_json` is NULL or
/// NUL-terminated; `out` as above.
#[no_mangle]
pub unsafe extern "C" fn agentphone_agents_update(
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
            requests::update,
        )
    }
}

/// Deletes an agent (`DELETE /v1/agents/{id}`; irreversible, its numbers stay, unattached). On
/// `AGENTPHONE_OK`, `*out` is `{"success", "id", "name"}`.
///
/// # Safety
/// As [`agentphone_agents_get`].
#[no_mangle]
pub unsafe extern "C" fn agentphone_agents_delete(
    client: *const agentphone_client,
    agent_id: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe { id_op(client, "agent_id", agent_id, out, requests::delete) }
}

/// Lists an agent's calls (`GET /v1/agents/{id}/calls`). `query_json`: NULL or
/// `{"limit": 1..100, "offset": n}`. On `AGENTPHONE_OK`, `*out` is
/// `{"data": [...], "hasMore": b, "total": n}`.
///
/// # Safety
/// As [`agentphone_agents_update`], with `query_json` for `request_json`.
#[no_mangle]
pub unsafe extern "C" fn agentphone_agents_calls(
    client: *const agentphone_client,
    agent_id: *const c_char,
    query_json: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe {
        id_json_op(
            client,
            "agent_id",
            agent_id,
            "query_json",
            query_json,
            out,
            requests::calls,
        )
    }
}

/// Lists an agent's conversations (`GET /v1/agents/{id}/conversations`). `query_json`: NULL or
/// `{"limit": 1..100, "offset": n}`. On `AGENTPHONE_OK`, `*out` is
/// `{"data": [...], "hasMore": b, "total": n}`.
///
/// # Safety
/// As [`agentphone_agents_calls`].
#[no_mangle]
pub unsafe extern "C" fn agentphone_agents_conversations(
    client: *const agentphone_client,
    agent_id: *const c_char,
    query_json: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe {
        id_json_op(
            client,
            "agent_id",
            agent_id,
            "query_json",
            query_json,
            out,
            requests::conversations,
        )
    }
}

/// The voice catalogue (`GET /v1/agents/voices`). On `AGENTPHONE_OK`, `*out` is the server's
/// JSON as received: `{"data": [{"voice_id", "voice_name", ...}]}` (or a bare list).
///
/// # Safety
/// `client` is a live handle; `out` points to writable storage for one pointer.
#[no_mangle]
pub unsafe extern "C" fn agentphone_agents_voices(
    client: *const agentphone_client,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe { client_op(client, out, || Ok(requests::voices())) }
}
