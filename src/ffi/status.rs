//! The status every export returns, and its names.

use std::ffi::{c_char, c_int, CStr};

use crate::ErrorKind;

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
    /// A webhook request whose signature or timestamp does not verify.
    AGENTPHONE_SIGNATURE_INVALID = 10,
}

use agentphone_status as S;

/// Every status, in number order (index = number).
const STATUSES: [(agentphone_status, &CStr); 11] = [
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
    (S::AGENTPHONE_SIGNATURE_INVALID, c"SIGNATURE_INVALID"),
];

impl agentphone_status {
    pub(crate) fn for_kind(kind: ErrorKind) -> agentphone_status {
        match kind {
            ErrorKind::InvalidArgument => S::AGENTPHONE_INVALID_ARGUMENT,
            ErrorKind::Unauthorized => S::AGENTPHONE_UNAUTHORIZED,
            ErrorKind::NotFound => S::AGENTPHONE_NOT_FOUND,
            ErrorKind::RateLimited => S::AGENTPHONE_RATE_LIMITED,
            ErrorKind::Api => S::AGENTPHONE_API_ERROR,
            ErrorKind::Network => S::AGENTPHONE_NETWORK_ERROR,
            ErrorKind::Timeout => S::AGENTPHONE_TIMEOUT,
            ErrorKind::Decode => S::AGENTPHONE_DECODE_ERROR,
            ErrorKind::SignatureInvalid => S::AGENTPHONE_SIGNATURE_INVALID,
        }
    }
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
        for bad in [-1, 11, c_int::MAX, c_int::MIN] {
            let p = agentphone_status_name(bad);
            // SAFETY: a static NUL-terminated string.
            assert_eq!(unsafe { CStr::from_ptr(p) }, c"UNKNOWN");
        }
    }
}
