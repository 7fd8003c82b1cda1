//! The C API's sink for the library's records: their levels, the callback, and the function
//! that installs it.

use std::ffi::{c_char, c_void, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::logging::{self, Level, Sink};

/// A record's level. The numbers are fixed: a callback given `max_level` INFO gets ERROR, WARN
/// and INFO records.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum agentphone_log_level {
    /// No records.
    AGENTPHONE_LOG_OFF = 0,
    /// Failures of the library itself.
    AGENTPHONE_LOG_ERROR = 1,
    /// A failed attempt and what was decided (retrying in N ms, or not retried and why, for a
    /// write "may have succeeded"); a receiver's stop that cut callbacks off.
    AGENTPHONE_LOG_WARN = 2,
    /// Each completed request (method, path, status, time, attempt k of n, request id); each
    /// delivery a receiver answered (its id, event, verdict, status).
    AGENTPHONE_LOG_INFO = 3,
    /// A new or reused connection and the time to set it up (TCP and TLS), the proxy, the
    /// retry policy's inputs (Retry-After, backoff).
    AGENTPHONE_LOG_DEBUG = 4,
    /// Request and response bodies (cut at 4 KiB) and full queries: they hold personal data
    /// (phone numbers, messages).
    AGENTPHONE_LOG_TRACE = 5,
}

/// Called for each record taken: `level` is the record's, `line` (NUL-terminated UTF-8, no
/// newline) is borrowed for the call, `user_data` is the pointer given with the callback.
/// Called on the thread that made the record, possibly on several threads at once (a client
/// used from many threads, a receiver's threads): the callback guards what it shares. It must
/// return normally (no C++ exception, no longjmp) and must not call into the library.
pub type agentphone_log_callback = Option<
    unsafe extern "C" fn(level: agentphone_log_level, line: *const c_char, user_data: *mut c_void),
>;

/// The program's pointer, handed back to its callback untouched.
struct UserData(*mut c_void);

// SAFETY: the library never dereferences it; the callback's contract says it is called from
// any thread.
unsafe impl Send for UserData {}
// SAFETY: as above.
unsafe impl Sync for UserData {}

impl UserData {
    /// The pointer (a method, so that a closure captures the whole `UserData`, not its field).
    fn get(&self) -> *mut c_void {
        self.0
    }
}

fn c_level(level: Level) -> agentphone_log_level {
    use agentphone_log_level as L;
    match level {
        Level::Error => L::AGENTPHONE_LOG_ERROR,
        Level::Warn => L::AGENTPHONE_LOG_WARN,
        Level::Info => L::AGENTPHONE_LOG_INFO,
        Level::Debug => L::AGENTPHONE_LOG_DEBUG,
        Level::Trace => L::AGENTPHONE_LOG_TRACE,
    }
}

/// Sends the library's records up to `max_level` to `callback`, process-wide and at once, for
/// every client and receiver, on any thread; records above `max_level` are not even formatted.
/// A NULL `callback` (or `AGENTPHONE_LOG_OFF`) restores the default sink: standard error when
/// the environment variable `AGENTPHONE_LOG` is `warn`, `info`, `debug` or `trace` (read once,
/// at the first client or receiver), else nothing. When this returns, the callback it replaced
/// is no longer running and is never called again, so its `user_data` may be freed. No record
/// holds the API key, the Authorization header, a webhook secret or a proxy's credentials;
/// below TRACE, query values are elided (`?phoneNumbers=…`).
///
/// `max_level` must be one of the enum's values.
///
/// # Safety
/// `callback` is NULL or a function that may be called as its type says, from any thread,
/// until this function is called again.
#[no_mangle]
pub unsafe extern "C" fn agentphone_set_log_callback(
    max_level: agentphone_log_level,
    callback: agentphone_log_callback,
    user_data: *mut c_void,
) {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        let max = (max_level as u8).min(Level::Trace as u8);
        let sink = match callback {
            Some(function) if max > 0 => {
                let data = UserData(user_data);
                Some(Box::new(move |level: Level, line: &str| {
                    // Our own text holds no NUL; one from a body is shown as \0.
                    let line = CString::new(line.replace('\0', "\\0")).unwrap_or_default();
                    // SAFETY: the callback's contract (this function's safety section).
                    unsafe { function(c_level(level), line.as_ptr(), data.get()) }
                }) as Sink)
            }
            _ => None,
        };
        logging::set_callback(max, sink);
    }));
}
