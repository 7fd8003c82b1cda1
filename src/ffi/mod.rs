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
//!   "retryAfterMs", "retryable", "mayHaveSucceeded"}`. Free it with [`agentphone_string_free`],
//!   exactly once. The string is allocated with `malloc`: the caller may edit it in place
//!   (truncate it, `strtok` it) before freeing it.
//! - **Result form**: the server's JSON as received, with exactly these rewrites in place and
//!   nothing else added or removed: a timestamp without an offset is written as RFC 3339 UTC, a
//!   message's sender is under `from_` and its recipient under `to`, a `null` message body is
//!   `""`, and a list page without `total` gets `"total": null`. Key order is not significant.
//! - **Errors**: `retryable` is true when sending the same call again cannot act twice and may
//!   succeed. `mayHaveSucceeded` is true when a POST (create, attach) failed in a way that leaves
//!   its outcome unknown (a timeout or lost connection after sending, a 5xx, an undecodable
//!   2xx, 409 `DELIVERY_UNCONFIRMED`): check (list the numbers) before sending it again.
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
//!
//! The module is split like the rest of the crate: `boundary.rs` (panics, out pointers,
//! strings), `input.rs` (JSON inputs through the Rust API's own `Deserialize` types), and one
//! file of exports per resource.
#![allow(unsafe_code)]
#![allow(non_camel_case_types)]

mod agents;
mod boundary;
mod client;
mod input;
mod numbers;

use std::ffi::{c_char, c_int, CStr};

pub use agents::*;
use boundary::free_c_string;
pub use client::*;
pub use numbers::*;

use crate::{Client, ErrorKind};

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

/// Frees a string returned by this library, with `free()`: the string may have been edited
/// in place (truncated, tokenized) first. NULL is fine. Each string must be freed once.
///
/// # Safety
/// `s` is NULL or a string from this library that was not freed yet.
#[no_mangle]
pub unsafe extern "C" fn agentphone_string_free(s: *mut c_char) {
    if s.is_null() {
        return;
    }
    // SAFETY: from this library's malloc, freed once by the contract.
    unsafe { free_c_string(s) };
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
}
