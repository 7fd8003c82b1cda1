//! The agent operations: attach and detach a number.

use std::ffi::c_char;

use super::boundary::{boundary, req_str, send, CallError};
use super::client::{agentphone_client, client_ref};
use super::status::agentphone_status;
use crate::api::agents::calls;
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
        send(client.transport(), &calls::attach_number(agent, number)?)
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
        send(client.transport(), &calls::detach_number(agent, number)?)
    })
}
