//! The C API: `extern "C"` functions that take and return JSON strings and an opaque client
//! handle. `include/agentphone.h` is generated from this module by cbindgen.
//!
//! # Conventions
//!
//! - **Status**: every operation returns an [`agentphone_status`]; the numbers are fixed forever
//!   and never reused, new ones only appended (`AGENTPHONE_SIGNATURE_INVALID = 10` for a webhook
//!   that does not verify). [`agentphone_status_name`] names them.
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

// A resource's exports are registered here by its `mod` line and its `pub use` (the flat
// `agentphone::ffi::*` namespace), not by the `resources!` list of the other layers: cbindgen
// reads the `mod` items to find the files, and does not expand macros.
mod agents;
pub(crate) mod boundary;
mod calls;
mod client;
mod contacts;
mod conversations;
pub(crate) mod input;
mod log;
mod messages;
mod numbers;
mod ops;
mod raw;
mod receiver;
mod status;
mod usage;
mod webhooks;

use std::ffi::c_char;

pub use agents::*;
pub use boundary::agentphone_string_free;
pub use calls::*;
pub use client::*;
pub use contacts::*;
pub use conversations::*;
pub use log::*;
pub use messages::*;
pub use numbers::*;
pub use raw::*;
pub use receiver::*;
pub use status::*;
pub use usage::*;
pub use webhooks::*;

/// The library's version, e.g. `"0.1.0"` (the crate version). The string is static: do not
/// free it.
#[no_mangle]
pub extern "C" fn agentphone_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// The library's version as a number, `(major << 16) | (minor << 8) | patch`: the same formula
/// as `AGENTPHONE_VERSION_NUM` in the header, so a program can compare the library it runs
/// with the header it was built against.
#[no_mangle]
pub extern "C" fn agentphone_version_number() -> u32 {
    const fn parse(s: &str) -> u32 {
        let b = s.as_bytes();
        let mut n = 0;
        let mut i = 0;
        while i < b.len() {
            n = n * 10 + (b[i] - b'0') as u32;
            i += 1;
        }
        n
    }
    const MAJOR: u32 = parse(env!("CARGO_PKG_VERSION_MAJOR"));
    const MINOR: u32 = parse(env!("CARGO_PKG_VERSION_MINOR"));
    const PATCH: u32 = parse(env!("CARGO_PKG_VERSION_PATCH"));
    (MAJOR << 16) | (MINOR << 8) | PATCH
}
