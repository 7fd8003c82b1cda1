//! The library's C API, called from Rust. The command's results and errors are then exactly
//! what a C program gets (the C result form, the error JSON, the status), and no operation is
//! mapped a second time. The one file of the command with `unsafe` code: each call hands the
//! C functions NUL-terminated strings that live for the call, and takes ownership of the string
//! each one returns.
#![allow(unsafe_code)]

use std::ffi::{c_char, c_int, c_void, CStr, CString};

use agentphone::ffi::{self as c, agentphone_client, agentphone_status};

/// A failed call: its status and the C API's error JSON.
#[derive(Debug)]
pub struct Failure {
    pub status: agentphone_status,
    pub json: String,
}

impl Failure {
    /// A failure made here (an argument C cannot carry), in the C API's error shape.
    pub fn invalid(message: &str) -> Failure {
        Failure {
            status: agentphone_status::AGENTPHONE_INVALID_ARGUMENT,
            json: serde_json::json!({
                "code": "invalid_argument", "message": message, "status": null,
                "apiCode": null, "details": null, "requestId": null, "retryAfterMs": null,
                "retryable": false, "mayHaveSucceeded": false,
            })
            .to_string(),
        }
    }
}

/// What a call gives: the result JSON, or the failure.
pub type Outcome = Result<String, Failure>;

type Out = *mut *mut c_char;
type Status = agentphone_status;
type Handle = *const agentphone_client;

/// The shapes of the C operations, by their arguments.
#[derive(Clone, Copy)]
pub enum Shape {
    /// The client alone.
    Client(unsafe extern "C" fn(Handle, Out) -> Status),
    /// The client and a JSON argument.
    Json(unsafe extern "C" fn(Handle, *const c_char, Out) -> Status),
    /// The client and an id.
    Id(unsafe extern "C" fn(Handle, *const c_char, Out) -> Status),
    /// The client, an id and a JSON argument.
    IdJson(unsafe extern "C" fn(Handle, *const c_char, *const c_char, Out) -> Status),
    /// The client and two ids.
    IdId(unsafe extern "C" fn(Handle, *const c_char, *const c_char, Out) -> Status),
}

#[cfg(test)]
impl Shape {
    /// How many ids the operation takes.
    pub fn ids(self) -> usize {
        match self {
            Shape::Client(_) | Shape::Json(_) => 0,
            Shape::Id(_) | Shape::IdJson(_) => 1,
            Shape::IdId(_) => 2,
        }
    }

    /// Whether it takes a JSON argument.
    pub fn takes_json(self) -> bool {
        matches!(self, Shape::Json(_) | Shape::IdJson(_))
    }
}

fn text(name: &str, s: &str) -> Result<CString, Failure> {
    CString::new(s).map_err(|_| Failure::invalid(&format!("{name}: holds a NUL byte")))
}

/// Takes a string the library returned, and frees it.
fn take(p: *mut c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: a NUL-terminated string the library returned, freed here once.
    let s = unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned();
    // SAFETY: as above.
    unsafe { c::agentphone_string_free(p) };
    s
}

fn outcome(status: Status, out: *mut c_char) -> Outcome {
    let json = take(out);
    if status == agentphone_status::AGENTPHONE_OK {
        Ok(json)
    } else {
        Err(Failure { status, json })
    }
}

/// A client of the C API; freed when dropped.
pub struct Client(*mut agentphone_client);

// SAFETY: the C contract: one client may be used from any number of threads at once.
unsafe impl Send for Client {}
// SAFETY: as above.
unsafe impl Sync for Client {}

impl Client {
    /// `agentphone_client_new` with this config JSON.
    pub fn new(config_json: &str) -> Result<Client, Failure> {
        let config = text("config", config_json)?;
        let mut handle = std::ptr::null_mut();
        let mut error = std::ptr::null_mut();
        // SAFETY: a NUL-terminated config, and two out pointers to locals.
        let status = unsafe { c::agentphone_client_new(config.as_ptr(), &mut handle, &mut error) };
        if status == agentphone_status::AGENTPHONE_OK {
            take(error);
            Ok(Client(handle))
        } else {
            Err(Failure {
                status,
                json: take(error),
            })
        }
    }

    /// One operation of `shape` with these ids (as many as it takes) and JSON argument.
    pub fn call(&self, shape: Shape, ids: &[String], json: Option<&str>) -> Outcome {
        let ids: Vec<CString> = ids
            .iter()
            .map(|id| text("id", id))
            .collect::<Result<_, _>>()?;
        let json = json.map(|j| text("--data", j)).transpose()?;
        let json_ptr = json.as_ref().map_or(std::ptr::null(), |j| j.as_ptr());
        let id = |i: usize| ids.get(i).map_or(std::ptr::null(), |s| s.as_ptr());
        let mut out = std::ptr::null_mut();
        // SAFETY: a live client, NUL-terminated strings (or NULL) that outlive the call, and
        // an out pointer to a local.
        let status = unsafe {
            match shape {
                Shape::Client(f) => f(self.0, &mut out),
                Shape::Json(f) => f(self.0, json_ptr, &mut out),
                Shape::Id(f) => f(self.0, id(0), &mut out),
                Shape::IdJson(f) => f(self.0, id(0), json_ptr, &mut out),
                Shape::IdId(f) => f(self.0, id(0), id(1), &mut out),
            }
        };
        outcome(status, out)
    }

    /// `agentphone_request`: any endpoint.
    pub fn request(&self, method: &str, path_and_query: &str, body: Option<&str>) -> Outcome {
        let (method, path) = (text("METHOD", method)?, text("PATH", path_and_query)?);
        let body = body.map(|b| text("--data", b)).transpose()?;
        let mut out = std::ptr::null_mut();
        // SAFETY: as in `call`.
        let status = unsafe {
            c::agentphone_request(
                self.0,
                method.as_ptr(),
                path.as_ptr(),
                body.as_ref().map_or(std::ptr::null(), |b| b.as_ptr()),
                &mut out,
            )
        };
        outcome(status, out)
    }

    /// `agentphone_calls_recording_save`: the recording streamed to `path`.
    pub fn save_recording(&self, call_id: &str, path: &str) -> Outcome {
        let (id, path) = (text("CALL_ID", call_id)?, text("--output", path)?);
        let mut out = std::ptr::null_mut();
        // SAFETY: as in `call`.
        let status = unsafe {
            c::agentphone_calls_recording_save(self.0, id.as_ptr(), path.as_ptr(), &mut out)
        };
        outcome(status, out)
    }

    /// `agentphone_calls_stream_transcript`: `on_event` gets each event's JSON, until the call
    /// ends (or it returns false).
    pub fn stream_transcript(
        &self,
        call_id: &str,
        on_event: &mut dyn FnMut(&str) -> bool,
    ) -> Outcome {
        unsafe extern "C" fn each(event_json: *const c_char, user_data: *mut c_void) -> c_int {
            // SAFETY: `user_data` is the `&mut &mut dyn FnMut` below, alive for the call;
            // the event is a NUL-terminated string borrowed for this callback.
            let (on_event, event) = unsafe {
                (
                    &mut *(user_data as *mut &mut dyn FnMut(&str) -> bool),
                    CStr::from_ptr(event_json).to_string_lossy(),
                )
            };
            if on_event(&event) {
                0
            } else {
                1
            }
        }
        let id = text("CALL_ID", call_id)?;
        let mut on_event = on_event;
        let mut out = std::ptr::null_mut();
        // SAFETY: a live client, a NUL-terminated id, a callback whose user_data outlives the
        // call (it is only called before this function returns).
        let status = unsafe {
            c::agentphone_calls_stream_transcript(
                self.0,
                id.as_ptr(),
                Some(each),
                &mut on_event as *mut &mut dyn FnMut(&str) -> bool as *mut c_void,
                &mut out,
            )
        };
        outcome(status, out)
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // SAFETY: a handle from agentphone_client_new, freed once, no call running on it.
        unsafe { c::agentphone_client_free(self.0) };
    }
}

/// `agentphone_webhook_verify`: the event JSON of a delivery whose signature and age check.
pub fn verify_webhook(secret: &str, signature: &str, timestamp: &str, body: &[u8]) -> Outcome {
    let (secret, signature, timestamp) = (
        text("--secret", secret)?,
        text("--signature", signature)?,
        text("--timestamp", timestamp)?,
    );
    let mut out = std::ptr::null_mut();
    // SAFETY: NUL-terminated strings and a body with its length, all alive for the call.
    let status = unsafe {
        c::agentphone_webhook_verify(
            secret.as_ptr(),
            signature.as_ptr(),
            timestamp.as_ptr(),
            body.as_ptr().cast(),
            body.len(),
            0, // now, by the system clock
            0, // the default replay window, 300 s
            &mut out,
        )
    };
    outcome(status, out)
}
