//! The usage reports: counters, per day, per month, per number, per agent.

use std::ffi::c_char;

use super::client::agentphone_client;
use super::ops::{client_op, json_op};
use super::status::agentphone_status;
use crate::api::usage::requests;

/// The account's plan, limits and counters (`GET /v1/usage`).
///
/// # Safety
/// `client` is a live handle; `out` points to writable storage for one pointer.
#[no_mangle]
pub unsafe extern "C" fn agentphone_usage_get(
    client: *const agentphone_client,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe { client_op(client, out, || Ok(requests::get())) }
}

/// Usage per day (`GET /v1/usage/daily`). `query_json`: NULL or `{"days": 1..365}` (default 30).
/// On `AGENTPHONE_OK`, `*out` is `{"data": [{"date", "messages", "calls", "webhooks"}], "days"}`.
///
/// # Safety
/// `client` is a live handle; `query_json` is NULL or NUL-terminated; `out` points to writable
/// storage for one pointer.
#[no_mangle]
pub unsafe extern "C" fn agentphone_usage_daily(
    client: *const agentphone_client,
    query_json: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe { json_op(client, "query_json", query_json, out, requests::daily) }
}

/// Usage per month (`GET /v1/usage/monthly`). `query_json`: NULL or `{"months": 1..120}`
/// (default 6).
///
/// # Safety
/// `client` is a live handle; `query_json` is NULL or NUL-terminated; `out` points to writable
/// storage for one pointer.
#[no_mangle]
pub unsafe extern "C" fn agentphone_usage_monthly(
    client: *const agentphone_client,
    query_json: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe { json_op(client, "query_json", query_json, out, requests::monthly) }
}

/// Usage per number (`GET /v1/usage/by-number`).
///
/// # Safety
/// `client` is a live handle; `out` points to writable storage for one pointer.
#[no_mangle]
pub unsafe extern "C" fn agentphone_usage_by_number(
    client: *const agentphone_client,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe { client_op(client, out, || Ok(requests::by_number())) }
}

/// Usage per agent (`GET /v1/usage/by-agent`). `query_json`: NULL or `{"period": "week" |
/// "month" | "year", "tz": "Europe/Paris"}`.
///
/// # Safety
/// `client` is a live handle; `query_json` is NULL or NUL-terminated; `out` points to writable
/// storage for one pointer.
#[no_mangle]
pub unsafe extern "C" fn agentphone_usage_by_agent(
    client: *const agentphone_client,
    query_json: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe { json_op(client, "query_json", query_json, out, requests::by_agent) }
}
