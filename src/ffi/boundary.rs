//! The boundary every export goes through: panics caught, `out` pointers checked and always
//! set, C strings borrowed and returned, and results or errors turned into the contract's JSON.

use std::ffi::{c_char, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use super::status::agentphone_status;
use super::status::agentphone_status as S;
use crate::error::Error;
use crate::logging::{record, Level};
use crate::model::c_form::{decode_rewriting_timestamps, CForm};
use crate::transport::{Operation, Transport};

/// What a call failed with, before it becomes the error JSON.
pub(crate) enum CallError {
    Error(Error),
    Panic,
}

impl From<Error> for CallError {
    fn from(e: Error) -> CallError {
        CallError::Error(e)
    }
}

impl CallError {
    fn status(&self) -> agentphone_status {
        match self {
            CallError::Error(e) => agentphone_status::for_kind(e.kind()),
            CallError::Panic => S::AGENTPHONE_INTERNAL_ERROR,
        }
    }

    /// The error object of the C contract: every key always present.
    pub fn to_json(&self) -> String {
        let value = match self {
            CallError::Error(e) => json!({
                "code": e.kind().as_str(),
                "message": e.message(),
                "status": e.status(),
                "apiCode": e.code(),
                "details": e.details(),
                "requestId": e.request_id(),
                "retryAfterMs": e.retry_after().map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
                "retryable": e.is_retryable(),
                "mayHaveSucceeded": e.may_have_succeeded(),
            }),
            CallError::Panic => json!({
                "code": "internal_error",
                "message": "internal error: a panic was caught at the C boundary (a bug; please report it)",
                "status": null, "apiCode": null, "details": null, "requestId": null,
                "retryAfterMs": null, "retryable": false, "mayHaveSucceeded": false,
            }),
        };
        value.to_string()
    }
}

/// Copies text into a string allocated with `malloc`, owned by the caller and freed with
/// `free` (through `agentphone_string_free`): the caller may truncate or tokenize it in place
/// first. Text with a NUL byte (never produced: JSON escapes it) is replaced by an error object.
pub(crate) fn c_string(text: &str) -> *mut c_char {
    const NUL_FALLBACK: &str = r#"{"code":"internal_error","message":"result held a NUL byte"}"#;
    let bytes = if memchr::memchr(0, text.as_bytes()).is_some() {
        NUL_FALLBACK.as_bytes()
    } else {
        text.as_bytes()
    };
    let size = bytes.len() + 1;
    // SAFETY: malloc may be called with any size; the result is checked for NULL below.
    let p = unsafe { libc::malloc(size) }.cast::<u8>();
    if p.is_null() {
        // As for any allocation in Rust: out of memory ends the process.
        std::alloc::handle_alloc_error(
            std::alloc::Layout::array::<u8>(size).unwrap_or(std::alloc::Layout::new::<u8>()),
        );
    }
    // SAFETY: `p` is a fresh allocation of `size` bytes; `bytes` does not overlap it.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), p, bytes.len());
        *p.add(bytes.len()) = 0;
    }
    p.cast()
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
    // SAFETY: from `c_string`'s malloc (NULL returned above), freed once by the contract.
    unsafe { libc::free(s.cast()) };
}

/// The panic/NULL boundary of every operation: checks `out`, runs `f` with panics caught, and
/// stores the result or the error JSON in `*out`.
pub(crate) fn boundary(
    out: *mut *mut c_char,
    f: impl FnOnce() -> Result<String, CallError>,
) -> agentphone_status {
    if out.is_null() {
        return S::AGENTPHONE_INVALID_ARGUMENT;
    }
    // SAFETY: `out` is non-NULL (checked above) and the caller promises it points to writable
    // storage for one pointer.
    unsafe { hand_out(out, catch_unwind(AssertUnwindSafe(f))) }
}

/// Stores what a call produced in `*out` and returns its status: one copy for every export,
/// since only the call itself differs between them.
///
/// # Safety
/// `out` is non-NULL and points to writable storage for one pointer.
#[inline(never)]
unsafe fn hand_out(
    out: *mut *mut c_char,
    produced: std::thread::Result<Result<String, CallError>>,
) -> agentphone_status {
    let (status, text) = match produced {
        Ok(Ok(text)) => (S::AGENTPHONE_OK, text),
        Ok(Err(failure)) => (failure.status(), failure.to_json()),
        Err(_) => {
            record!(
                Level::Error,
                "internal error: a panic was caught at the C boundary"
            );
            (S::AGENTPHONE_INTERNAL_ERROR, CallError::Panic.to_json())
        }
    };
    // SAFETY: by this function's contract.
    unsafe { *out = c_string(&text) };
    status
}

/// The boundary of a constructor (`agentphone_client_new`, `agentphone_receiver_new`): the
/// handle `make` builds goes to `*out_handle` (NULL on failure, which needs a non-NULL
/// `out_handle` to say), the error JSON to `*error` (NULL on success; `error` may be NULL when
/// the caller does not want it).
///
/// # Safety
/// `out_handle` is NULL (refused) or points to writable storage for one pointer; `error` is
/// NULL or does.
pub(crate) unsafe fn new_handle<T>(
    out_handle: *mut *mut T,
    out_name: &str,
    error: *mut *mut c_char,
    make: impl FnOnce() -> Result<T, CallError>,
) -> agentphone_status {
    let mut text: *mut c_char = ptr::null_mut();
    let status = boundary(&mut text, || {
        if out_handle.is_null() {
            return Err(Error::invalid(out_name, "must not be NULL").into());
        }
        // SAFETY: non-NULL and writable by the contract.
        unsafe { *out_handle = ptr::null_mut() };
        let handle = Box::into_raw(Box::new(make()?));
        // SAFETY: as above.
        unsafe { *out_handle = handle };
        Ok(String::new())
    });
    if status == S::AGENTPHONE_OK {
        // On success the boundary stored an empty result that is not handed out.
        // SAFETY: from the boundary's `c_string`, freed once here.
        unsafe { agentphone_string_free(text) };
        text = ptr::null_mut();
    }
    if error.is_null() {
        // SAFETY: from the boundary's `c_string` (or NULL), not handed to the caller.
        unsafe { agentphone_string_free(text) };
    } else {
        // SAFETY: non-NULL and writable by the contract.
        unsafe { *error = text };
    }
    status
}

/// Sends a call and returns its result in the C contract's form (see [`c_form`]).
pub(crate) fn send<T: DeserializeOwned + CForm>(
    transport: &Transport,
    call: &Operation<T>,
) -> Result<String, CallError> {
    // A plain function pointer: the transport's generic part is compiled once for all types.
    let decode: fn(Vec<u8>) -> Result<String, String> = c_form::<T>;
    Ok(transport.send(&call.request, decode)?)
}

/// A 2xx body in the C contract's form (see [`CForm`]): the body as received when nothing needs
/// rewriting, else the body with the rewrites made. Refused, with the reason, when the body does
/// not decode as `T` exactly as the Rust API decodes it.
pub(crate) fn c_form<T: DeserializeOwned + CForm>(body: Vec<u8>) -> Result<String, String> {
    let (decoded, body) = decode_rewriting_timestamps::<T>(body).map_err(|e| e.to_string())?;
    if decoded.may_need_rewrite(&body) {
        let mut value: Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        if decoded.rewrite(&mut value) {
            return serde_json::to_string(&value).map_err(|e| e.to_string());
        }
    }
    String::from_utf8(body).map_err(|e| e.to_string())
}

/// Borrows a C string argument as UTF-8; NULL is `None`.
///
/// SAFETY (for callers): `s` is NULL or points to a NUL-terminated string valid for the call.
pub(crate) unsafe fn opt_str<'a>(
    name: &str,
    s: *const c_char,
) -> Result<Option<&'a str>, CallError> {
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
pub(crate) unsafe fn req_str<'a>(name: &str, s: *const c_char) -> Result<&'a str, CallError> {
    // SAFETY: forwarded contract.
    unsafe { opt_str(name, s) }?.ok_or_else(|| Error::invalid(name, "must not be NULL").into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use std::ptr;

    fn take(p: *mut c_char) -> String {
        assert!(!p.is_null());
        // SAFETY: a NUL-terminated string from the boundary, freed here once.
        let s = unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_string();
        // SAFETY: as above; not used afterwards.
        unsafe { agentphone_string_free(p) };
        s
    }

    #[test]
    fn a_panic_is_caught_and_reported_as_internal_error() {
        let mut out = ptr::null_mut();
        let status = boundary(&mut out, || panic!("boom"));
        assert_eq!(status, S::AGENTPHONE_INTERNAL_ERROR);
        let v: Value = serde_json::from_str(&take(out)).unwrap();
        assert_eq!(v["code"], "internal_error");
        assert_eq!(v["status"], Value::Null);
        assert_eq!(v["mayHaveSucceeded"], false);
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
    fn error_json_has_every_key_and_saturates_the_wait() {
        let e = Error::new(ErrorKind::RateLimited, "slow down")
            .with_status(429)
            .with_retry_after(Some(std::time::Duration::MAX))
            .with_verdict(true, false);
        let v: Value = serde_json::from_str(&CallError::Error(e).to_json()).unwrap();
        assert_eq!(v["retryAfterMs"], u64::MAX);
        assert_eq!(
            (v["retryable"].clone(), v["mayHaveSucceeded"].clone()),
            (json!(true), json!(false))
        );
        for key in [
            "code",
            "message",
            "status",
            "apiCode",
            "details",
            "requestId",
        ] {
            assert!(v.get(key).is_some(), "{key}");
        }
    }

    #[test]
    fn strings_are_malloced_and_nul_safe() {
        let p = c_string("{\"a\":1}");
        // SAFETY: a fresh malloc'd string; editing it in place and freeing it with free() is
        // exactly what the contract allows.
        unsafe {
            *p.add(4) = 0;
            assert_eq!(CStr::from_ptr(p).to_str().unwrap(), "{\"a\"");
            agentphone_string_free(p);
        }
        let text = take(c_string("a\0b"));
        assert!(text.contains("internal_error"), "{text}");
    }
}
