//! The C API: `extern "C"` functions that take and return JSON strings and an opaque client
//! handle. `include/agentphone.h` is generated from this module by cbindgen.
//!
//! # Conventions
//!
//! - **Status**: every operation returns an [`agentphone_status`]; the numbers are fixed forever
//!   and never reused. [`agentphone_status_name`] names them.
//! - **Output**: every operation takes `char **out`, which must not be NULL (else
//!   `AGENTPHONE_INVALID_ARGUMENT` and nothing is sent). Whatever the status, `*out` is set to a
//!   NUL-terminated UTF-8 JSON string owned by the caller: the result on `AGENTPHONE_OK`, else the
//!   error object `{"code", "message", "status", "apiCode", "details", "requestId",
//!   "retryAfterMs"}`. Free it with [`agentphone_string_free`], exactly once.
//!   A result is the server's JSON as received when it is already in the documented form, else
//!   the normalized form (RFC 3339 timestamps, the sender under `from_`): key order is not
//!   significant, and fields the crate does not know are always kept.
//! - **Input**: strings are borrowed for the duration of the call only, must be NUL-terminated
//!   UTF-8, and are never freed by the library. A NULL request or query JSON means the API's
//!   defaults; a NULL id or client is `AGENTPHONE_INVALID_ARGUMENT`. Unknown JSON keys are
//!   refused, naming the key, before anything is sent.
//! - **Client**: created by [`agentphone_client_new`], freed by [`agentphone_client_free`]
//!   (NULL is fine). One client may be used from any number of threads at once, and they share
//!   its connection pool; `agentphone_client_free` must not race with other calls on it.
//! - **Panics** never cross the boundary: a caught panic returns `AGENTPHONE_INTERNAL_ERROR` with
//!   an error JSON, and the process keeps running.
//! - **Retries** follow the Rust client's money-safe policy: a create is never sent twice after
//!   it may have reached the server.
#![allow(unsafe_code)]
#![allow(non_camel_case_types)]

use std::ffi::{c_char, c_int, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::time::Duration;

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::agents::calls as agent_calls;
use crate::model::{parse_timestamp, CREATE_NUMBER_KEYS};
use crate::numbers::calls as number_calls;
use crate::transport::Decoded;
use crate::{Client, CreateNumber, Error, ErrorKind, ListMessages, ListNumbers};

/// The result of every call. The numbers are fixed forever and never reused.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum agentphone_status {
    /// Success: `*out` holds the result JSON.
    AGENTPHONE_OK = 0,
    /// NULL pointer, bad UTF-8, bad JSON, unknown key, value out of range: nothing was sent.
    AGENTPHONE_INVALID_ARGUMENT = 1,
    /// The server answered 401 or 403.
    AGENTPHONE_UNAUTHORIZED = 2,
    /// The server answered 404.
    AGENTPHONE_NOT_FOUND = 3,
    /// The server answered 429, after the retries.
    AGENTPHONE_RATE_LIMITED = 4,
    /// Any other non-2xx answer.
    AGENTPHONE_API_ERROR = 5,
    /// DNS, connect, TLS, connection reset.
    AGENTPHONE_NETWORK_ERROR = 6,
    /// The connect timeout or the per-attempt timeout expired.
    AGENTPHONE_TIMEOUT = 7,
    /// A 2xx response that is not the documented shape, or larger than `maxResponseBytes`.
    AGENTPHONE_DECODE_ERROR = 8,
    /// A bug, e.g. a caught panic; the process keeps running.
    AGENTPHONE_INTERNAL_ERROR = 9,
}

use agentphone_status as S;

/// Every status, in number order (index = number).
const STATUSES: [(agentphone_status, &CStr); 10] = [
    (S::AGENTPHONE_OK, c"OK"),
    (S::AGENTPHONE_INVALID_ARGUMENT, c"INVALID_ARGUMENT"),
    (S::AGENTPHONE_UNAUTHORIZED, c"UNAUTHORIZED"),
    (S::AGENTPHONE_NOT_FOUND, c"NOT_FOUND"),
    (S::AGENTPHONE_RATE_LIMITED, c"RATE_LIMITED"),
    (S::AGENTPHONE_API_ERROR, c"API_ERROR"),
    (S::AGENTPHONE_NETWORK_ERROR, c"NETWORK_ERROR"),
    (S::AGENTPHONE_TIMEOUT, c"TIMEOUT"),
    (S::AGENTPHONE_DECODE_ERROR, c"DECODE_ERROR"),
    (S::AGENTPHONE_INTERNAL_ERROR, c"INTERNAL_ERROR"),
];

impl agentphone_status {
    fn for_kind(kind: ErrorKind) -> agentphone_status {
        match kind {
            ErrorKind::InvalidArgument => S::AGENTPHONE_INVALID_ARGUMENT,
            ErrorKind::Unauthorized => S::AGENTPHONE_UNAUTHORIZED,
            ErrorKind::NotFound => S::AGENTPHONE_NOT_FOUND,
            ErrorKind::RateLimited => S::AGENTPHONE_RATE_LIMITED,
            ErrorKind::Api => S::AGENTPHONE_API_ERROR,
            ErrorKind::Network => S::AGENTPHONE_NETWORK_ERROR,
            ErrorKind::Timeout => S::AGENTPHONE_TIMEOUT,
            ErrorKind::Decode => S::AGENTPHONE_DECODE_ERROR,
        }
    }
}

/// An API client: an opaque handle for C. Create with [`agentphone_client_new`], free with
/// [`agentphone_client_free`].
pub struct agentphone_client {
    client: Client,
}

/// What a call failed with, before it becomes the error JSON.
enum Failure {
    Error(Error),
    Panic,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::Error(e)
    }
}

impl Failure {
    fn status(&self) -> agentphone_status {
        match self {
            Failure::Error(e) => agentphone_status::for_kind(e.kind()),
            Failure::Panic => S::AGENTPHONE_INTERNAL_ERROR,
        }
    }

    /// The error object of the C contract.
    fn to_json(&self) -> String {
        let value = match self {
            Failure::Error(e) => json!({
                "code": e.kind().as_str(),
                "message": e.message(),
                "status": e.status(),
                "apiCode": e.code(),
                "details": e.details(),
                "requestId": e.request_id(),
                "retryAfterMs": e.retry_after().map(|d| d.as_millis() as u64),
            }),
            Failure::Panic => json!({
                "code": "internal_error",
                "message": "internal error: a panic was caught at the C boundary (a bug; please report it)",
                "status": null, "apiCode": null, "details": null, "requestId": null,
                "retryAfterMs": null,
            }),
        };
        value.to_string()
    }
}

/// Moves a Rust string to a caller-owned C string. JSON text never holds a NUL byte (serde_json
/// escapes it), so the fallback is unreachable in practice; it still yields valid JSON.
fn into_c_string(s: String) -> *mut c_char {
    CString::new(s)
        .unwrap_or_else(|_| CString::from(c"{\"code\":\"internal_error\"}"))
        .into_raw()
}

/// The panic/NULL boundary of every operation: checks `out`, runs `f` with panics caught, and
/// stores the result or the error JSON in `*out`.
fn boundary(
    out: *mut *mut c_char,
    f: impl FnOnce() -> Result<String, Failure>,
) -> agentphone_status {
    if out.is_null() {
        return S::AGENTPHONE_INVALID_ARGUMENT;
    }
    let (status, text) = match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(text)) => (S::AGENTPHONE_OK, text),
        Ok(Err(failure)) => (failure.status(), failure.to_json()),
        Err(_) => (S::AGENTPHONE_INTERNAL_ERROR, Failure::Panic.to_json()),
    };
    // SAFETY: `out` is non-NULL (checked above) and the caller promises it points to writable
    // storage for one pointer.
    unsafe { *out = into_c_string(text) };
    status
}

/// The C API's result text: the body as received when it is already in the contract's form (no
/// re-serialization: it was a fifth of the C API's instructions per call), else the decoded value
/// serialized.
fn output<T: Serialize>(decoded: Decoded<T>) -> Result<String, Failure> {
    if decoded.canonical {
        // serde_json accepted the body, so it is UTF-8 and holds no NUL byte.
        if let Ok(text) = String::from_utf8(decoded.body) {
            return Ok(text);
        }
    }
    to_json(&decoded.value)
}

fn to_json(value: &impl Serialize) -> Result<String, Failure> {
    serde_json::to_string(value).map_err(|e| {
        Failure::Error(Error::new(
            ErrorKind::Decode,
            format!("result could not be encoded: {e}"),
        ))
    })
}

/// Borrows the client behind a handle.
///
/// SAFETY (for callers): `client` is NULL or a pointer from `agentphone_client_new` not yet freed.
unsafe fn client_ref<'a>(client: *const agentphone_client) -> Result<&'a Client, Failure> {
    // SAFETY: see the function's contract; NULL is checked by `as_ref`.
    unsafe { client.as_ref() }
        .map(|c| &c.client)
        .ok_or_else(|| Error::invalid("client", "must not be NULL").into())
}

/// Borrows a C string argument as UTF-8; NULL is `None`.
///
/// SAFETY (for callers): `s` is NULL or points to a NUL-terminated string valid for the call.
unsafe fn opt_str<'a>(name: &str, s: *const c_char) -> Result<Option<&'a str>, Failure> {
    if s.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL and NUL-terminated by the function's contract.
    let bytes = unsafe { CStr::from_ptr(s) };
    bytes
        .to_str()
        .map(Some)
        .map_err(|_| Error::invalid(name, "is not valid UTF-8").into())
}

/// Borrows a required C string argument; NULL is an error naming it.
///
/// SAFETY (for callers): as [`opt_str`].
unsafe fn req_str<'a>(name: &str, s: *const c_char) -> Result<&'a str, Failure> {
    // SAFETY: forwarded contract.
    unsafe { opt_str(name, s) }?.ok_or_else(|| Error::invalid(name, "must not be NULL").into())
}

/// The client and the number id of a number operation.
///
/// SAFETY (for callers): as [`client_ref`] and [`req_str`].
unsafe fn number_args<'a>(
    client: *const agentphone_client,
    number_id: *const c_char,
) -> Result<(&'a Client, &'a str), Failure> {
    // SAFETY: forwarded contract.
    unsafe { Ok((client_ref(client)?, req_str("number_id", number_id)?)) }
}

/// The client and both ids of an agent operation.
///
/// SAFETY (for callers): as [`client_ref`] and [`req_str`].
unsafe fn agent_args<'a>(
    client: *const agentphone_client,
    agent_id: *const c_char,
    number_id: *const c_char,
) -> Result<(&'a Client, &'a str, &'a str), Failure> {
    // SAFETY: forwarded contract.
    unsafe {
        Ok((
            client_ref(client)?,
            req_str("agent_id", agent_id)?,
            req_str("number_id", number_id)?,
        ))
    }
}

/// Parses an optional JSON object argument, refusing keys outside `allowed`.
fn json_object(
    arg: &str,
    text: Option<&str>,
    allowed: &[&str],
) -> Result<Map<String, Value>, Error> {
    let Some(text) = text else {
        return Ok(Map::new());
    };
    let value: Value = serde_json::from_str(text)
        .map_err(|e| Error::invalid(arg, format_args!("is not valid JSON: {e}")))?;
    let Value::Object(map) = value else {
        return Err(Error::invalid(arg, "must be a JSON object"));
    };
    if let Some(key) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(Error::invalid(
            arg,
            format_args!("unknown key {key:?} (allowed: {})", allowed.join(", ")),
        ));
    }
    Ok(map)
}

/// A string field; `null` or absent is `None`.
fn str_field(map: &Map<String, Value>, key: &str) -> Result<Option<String>, Error> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(Error::invalid(key, "must be a string or null")),
    }
}

/// A whole-number field within `min..=max`; `null` or absent is `None`.
fn uint_field(
    map: &Map<String, Value>,
    key: &str,
    min: u64,
    max: u64,
) -> Result<Option<u64>, Error> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match n.as_u64() {
            Some(v) if (min..=max).contains(&v) => Ok(Some(v)),
            _ => Err(Error::invalid(
                key,
                format_args!("must be a whole number between {min} and {max}, got {n}"),
            )),
        },
        Some(_) => Err(Error::invalid(key, "must be a number or null")),
    }
}

/// An ISO 8601 date-time field; `null` or absent is `None`.
fn time_field(
    map: &Map<String, Value>,
    key: &str,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, Error> {
    match str_field(map, key)? {
        None => Ok(None),
        Some(s) => parse_timestamp(&s).map(Some).ok_or_else(|| {
            Error::invalid(
                key,
                format_args!(
                    "must be an ISO 8601 date-time (e.g. \"2025-01-15T10:45:00Z\"), got {s:?}"
                ),
            )
        }),
    }
}

/// The C config object, checked: the keys of `agentphone_client_new`.
fn build_client(config_json: Option<&str>) -> Result<Client, Error> {
    let map = json_object(
        "config_json",
        config_json,
        &[
            "apiKey",
            "baseUrl",
            "timeoutMs",
            "connectTimeoutMs",
            "maxRetries",
            "subAccountId",
            "maxResponseBytes",
            "userAgent",
        ],
    )?;
    let mut b = Client::builder();
    if let Some(key) = str_field(&map, "apiKey")? {
        b = b.api_key(key);
    }
    if let Some(url) = str_field(&map, "baseUrl")? {
        b = b.base_url(url);
    }
    const HOUR_MS: u64 = 3_600_000;
    if let Some(ms) = uint_field(&map, "timeoutMs", 1, HOUR_MS)? {
        b = b.timeout(Duration::from_millis(ms));
    }
    if let Some(ms) = uint_field(&map, "connectTimeoutMs", 1, HOUR_MS)? {
        b = b.connect_timeout(Duration::from_millis(ms));
    }
    if let Some(n) = uint_field(&map, "maxRetries", 0, crate::client::MAX_MAX_RETRIES.into())? {
        b = b.max_retries(n as u32);
    }
    if let Some(id) = str_field(&map, "subAccountId")? {
        b = b.sub_account_id(id);
    }
    if let Some(n) = uint_field(
        &map,
        "maxResponseBytes",
        1,
        crate::client::MAX_MAX_RESPONSE_BYTES,
    )? {
        b = b.max_response_bytes(n);
    }
    if let Some(ua) = str_field(&map, "userAgent")? {
        b = b.user_agent_suffix(ua);
    }
    b.build()
}

fn create_request(json: Option<&str>) -> Result<CreateNumber, Error> {
    let map = json_object("request_json", json, &CREATE_NUMBER_KEYS)?;
    Ok(CreateNumber {
        country: str_field(&map, "country")?,
        agent_id: str_field(&map, "agentId")?,
        area_code: str_field(&map, "areaCode")?,
        number_type: str_field(&map, "type")?,
        imessage_type: str_field(&map, "imessageType")?,
        external_id: str_field(&map, "externalId")?,
        expires_at: time_field(&map, "expiresAt")?,
    })
}

fn list_query(json: Option<&str>) -> Result<ListNumbers, Error> {
    let map = json_object("query_json", json, &["limit", "offset"])?;
    let (min, max) = crate::NUMBERS_LIMIT;
    Ok(ListNumbers {
        limit: uint_field(&map, "limit", min.into(), max.into())?.map(|v| v as u32),
        offset: uint_field(&map, "offset", 0, i64::MAX as u64)?,
    })
}

fn messages_query(json: Option<&str>) -> Result<ListMessages, Error> {
    let map = json_object("query_json", json, &["limit", "before", "after"])?;
    let (min, max) = crate::MESSAGES_LIMIT;
    Ok(ListMessages {
        limit: uint_field(&map, "limit", min.into(), max.into())?.map(|v| v as u32),
        before: time_field(&map, "before")?,
        after: time_field(&map, "after")?,
    })
}

/// Creates a client from a JSON config object (or NULL for all defaults).
///
/// Keys, all optional: `apiKey` (else `AGENTPHONE_API_KEY`), `baseUrl` (else `AGENTPHONE_BASE_URL`,
/// else `https://api.agentphone.ai`; http only for loopback hosts), `timeoutMs` (per attempt,
/// default 30000), `connectTimeoutMs` (default 10000), `maxRetries` (default 2, at most 10),
/// `subAccountId`, `maxResponseBytes` (default 16 MiB), `userAgent` (appended to
/// `agentphone-rust/<version>`).
///
/// On success returns `AGENTPHONE_OK`, stores the client in `*client_out` and sets `*error_out`
/// to NULL. Otherwise returns `AGENTPHONE_INVALID_ARGUMENT` (no key anywhere, an empty key, a bad
/// URL, plain http to a non-loopback host, a negative or absurd number, an unknown key, bad
/// JSON), sets `*client_out` to NULL and `*error_out` to the error JSON, which the caller frees
/// with `agentphone_string_free`. `error_out` may be NULL when the caller does not want the
/// details. Sends nothing.
///
/// # Safety
/// `config_json` is NULL or a NUL-terminated string; `client_out` points to writable storage for
/// one pointer; `error_out` is NULL or does.
#[no_mangle]
pub unsafe extern "C" fn agentphone_client_new(
    config_json: *const c_char,
    client_out: *mut *mut agentphone_client,
    error_out: *mut *mut c_char,
) -> agentphone_status {
    let mut text: *mut c_char = ptr::null_mut();
    let status = boundary(&mut text, || {
        if client_out.is_null() {
            return Err(Error::invalid("client_out", "must not be NULL").into());
        }
        // SAFETY: `client_out` is non-NULL and writable by the contract.
        unsafe { *client_out = ptr::null_mut() };
        // SAFETY: `config_json` is NULL or NUL-terminated by the contract.
        let config = unsafe { opt_str("config_json", config_json) }?;
        let client = build_client(config)?;
        let handle = Box::into_raw(Box::new(agentphone_client { client }));
        // SAFETY: as above.
        unsafe { *client_out = handle };
        Ok(String::new())
    });
    if status == S::AGENTPHONE_OK {
        // On success the boundary stored an empty result that is not handed out.
        // SAFETY: from `into_c_string`, freed once here.
        unsafe { agentphone_string_free(text) };
        text = ptr::null_mut();
    }
    if error_out.is_null() {
        // SAFETY: from `into_c_string` (or NULL), not handed to the caller.
        unsafe { agentphone_string_free(text) };
    } else {
        // SAFETY: non-NULL and writable by the contract.
        unsafe { *error_out = text };
    }
    status
}

/// Frees a client and closes its connections. NULL does nothing. Must not race with other calls
/// on the same client, and the handle must not be used afterwards.
///
/// # Safety
/// `client` is NULL or a pointer from `agentphone_client_new` that was not freed yet.
#[no_mangle]
pub unsafe extern "C" fn agentphone_client_free(client: *mut agentphone_client) {
    if client.is_null() {
        return;
    }
    // A panic while dropping (none is known) must not unwind into C.
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: from `Box::into_raw` in `agentphone_client_new`, freed once by the contract.
        drop(unsafe { Box::from_raw(client) });
    }));
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
        output(client.execute_decoded(number_calls::create(&create_request(request)?)?)?)
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
        let mut page = client.execute_decoded(number_calls::list(&list_query(query)?)?)?;
        // The contract's list result always has `total` (null when the server omitted it).
        page.canonical &= page.value.total.is_some();
        output(page)
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
        output(client.execute_decoded(number_calls::get(id)?)?)
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
        output(client.execute_decoded(number_calls::release(id)?)?)
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
        output(client.execute_decoded(number_calls::messages(id, &messages_query(query)?)?)?)
    })
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
        output(client.execute_decoded(agent_calls::attach_number(agent, number)?)?)
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
        output(client.execute_decoded(agent_calls::detach_number(agent, number)?)?)
    })
}

/// Frees a string returned by this library. NULL is fine. Each string must be freed once.
///
/// # Safety
/// `s` is NULL or a string from this library that was not freed yet.
#[no_mangle]
pub unsafe extern "C" fn agentphone_string_free(s: *mut c_char) {
    if s.is_null() {
        return;
    }
    // SAFETY: from `CString::into_raw` in this library, freed once by the contract.
    drop(unsafe { CString::from_raw(s) });
}

/// The name of a status: `"OK"`, `"INVALID_ARGUMENT"`, ..., `"INTERNAL_ERROR"`, or `"UNKNOWN"`
/// for any other value. The string is static: do not free it.
#[no_mangle]
pub extern "C" fn agentphone_status_name(status: c_int) -> *const c_char {
    usize::try_from(status)
        .ok()
        .and_then(|i| STATUSES.get(i))
        .map_or(c"UNKNOWN", |(_, name)| name)
        .as_ptr()
}

/// The library's version, e.g. `"0.1.0"` (the crate version). The string is static: do not
/// free it.
#[no_mangle]
pub extern "C" fn agentphone_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn take(p: *mut c_char) -> String {
        assert!(!p.is_null());
        // SAFETY: a NUL-terminated string from the boundary, freed here once.
        let s = unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_string();
        // SAFETY: as above; not used afterwards.
        unsafe { agentphone_string_free(p) };
        s
    }

    #[test]
    fn status_names_are_fixed() {
        for (i, (status, name)) in STATUSES.iter().enumerate() {
            assert_eq!(*status as usize, i);
            let p = agentphone_status_name(i as c_int);
            // SAFETY: a static NUL-terminated string.
            assert_eq!(unsafe { CStr::from_ptr(p) }, *name);
        }
        for bad in [-1, 10, c_int::MAX, c_int::MIN] {
            let p = agentphone_status_name(bad);
            // SAFETY: a static NUL-terminated string.
            assert_eq!(unsafe { CStr::from_ptr(p) }, c"UNKNOWN");
        }
    }

    #[test]
    fn a_panic_is_caught_and_reported_as_internal_error() {
        let mut out = ptr::null_mut();
        let status = boundary(&mut out, || panic!("boom"));
        assert_eq!(status, S::AGENTPHONE_INTERNAL_ERROR);
        let v: Value = serde_json::from_str(&take(out)).unwrap();
        assert_eq!(v["code"], "internal_error");
        assert_eq!(v["status"], Value::Null);
    }

    #[test]
    fn null_out_is_refused_without_running() {
        let mut ran = false;
        let status = boundary(ptr::null_mut(), || {
            ran = true;
            Ok(String::new())
        });
        assert_eq!(status, S::AGENTPHONE_INVALID_ARGUMENT);
        assert!(!ran);
    }

    #[test]
    fn inputs_name_the_bad_key() {
        let e = create_request(Some(r#"{"country":"US","agentID":"agt_1"}"#)).unwrap_err();
        assert!(e.message().contains("unknown key \"agentID\""), "{e}");
        let e = list_query(Some(r#"{"offset":-1}"#)).unwrap_err();
        assert!(e.message().starts_with("offset: "), "{e}");
        let e = list_query(Some(r#"{"limit":1.5}"#)).unwrap_err();
        assert!(e.message().starts_with("limit: "), "{e}");
        let e = messages_query(Some(r#"{"before":"soon"}"#)).unwrap_err();
        assert!(e.message().starts_with("before: "), "{e}");
        let e = messages_query(Some("[1]")).unwrap_err();
        assert_eq!(e.message(), "query_json: must be a JSON object");
        let e = build_client(Some(r#"{"apiKey":"k","timeoutMs":-5}"#)).unwrap_err();
        assert!(e.message().starts_with("timeoutMs: "), "{e}");
        let e = build_client(Some(r#"{"apiKey":"k","maxRetries":1e9}"#)).unwrap_err();
        assert!(e.message().starts_with("maxRetries: "), "{e}");
        let q = create_request(Some(
            r#"{"agentId":null,"expiresAt":"2030-01-01T00:00:00Z"}"#,
        ))
        .unwrap();
        assert_eq!(q.agent_id, None);
        assert!(q.expires_at.is_some());
    }
}
