//! The client handle: `agentphone_client_new` and `agentphone_client_free`.

use std::ffi::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::boundary::{new_handle, opt_str, req_str, CallError};
use super::input::build_client;
use super::status::agentphone_status;
use crate::error::Error;
use crate::Client;

/// An API client: an opaque handle for C. Create with [`agentphone_client_new`], free with
/// [`agentphone_client_free`].
pub struct agentphone_client {
    client: Client,
}

/// Borrows the client behind a handle.
///
/// SAFETY (for callers): `client` is NULL or a pointer from `agentphone_client_new` not yet freed.
pub(crate) unsafe fn client_ref<'a>(
    client: *const agentphone_client,
) -> Result<&'a Client, CallError> {
    // SAFETY: see the function's contract; NULL is checked by `as_ref`.
    unsafe { client.as_ref() }
        .map(|c| &c.client)
        .ok_or_else(|| Error::invalid("client", "must not be NULL").into())
}

/// Creates a client from a JSON config object (or NULL for all defaults).
///
/// Keys, all optional: `apiKey` (else `AGENTPHONE_API_KEY`), `baseUrl` (else `AGENTPHONE_BASE_URL`,
/// else `https://api.agentphone.ai`; http only for loopback hosts), `timeoutMs` (per attempt,
/// default 30000), `connectTimeoutMs` (default 10000), `maxRetries` (default 2, at most 10),
/// `subAccountId`, `maxResponseBytes` (default 16 MiB: the largest JSON answer, and the largest
/// event of a transcript stream), `maxRecordingBytes` (default 1 GiB, at most 64 GiB: the
/// largest recording `agentphone_calls_recording_save` streams to its file), `userAgent` (appended to
/// `agentphone-rust/<version>`), `retryBaseDelayMs` and `retryMaxDelayMs` (the first retry
/// delay, doubling up to the cap: default 500 and 8000, cap at most 60000),
/// `maxIdleConnectionsPerHost` (keep-alive connections kept, default 16: at least the number
/// of threads sharing the client), `tlsRoots` (`"bundled"`: Mozilla's roots built in, the
/// default; `"system"`: the platform's verifier and CA store), `caFile` (a PEM file whose
/// certificates are trusted **instead of** the `tlsRoots` set; else `AGENTPHONE_CA_FILE`; a
/// missing, unreadable or empty file is `AGENTPHONE_INVALID_ARGUMENT` naming it).
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
    // SAFETY: forwarded contract of this function.
    unsafe {
        new_handle(client_out, "client_out", error_out, || {
            // SAFETY: `config_json` is NULL or NUL-terminated by the contract.
            let config = opt_str("config_json", config_json)?;
            Ok(agentphone_client {
                client: build_client(config)?,
            })
        })
    }
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

/// The client and one required id of an operation (`name` is the C argument's name).
///
/// SAFETY (for callers): as [`client_ref`] and [`req_str`].
pub(crate) unsafe fn client_and_id<'a>(
    client: *const agentphone_client,
    name: &str,
    id: *const c_char,
) -> Result<(&'a Client, &'a str), CallError> {
    // SAFETY: forwarded contract.
    unsafe { Ok((client_ref(client)?, req_str(name, id)?)) }
}
