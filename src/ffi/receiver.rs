//! The webhook receiver for C: `agentphone_receiver_*` (a thin layer on
//! [`crate::webhook::Receiver`]) and the voice reply, `agentphone_reply_*`.

use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

use super::boundary::{boundary, new_handle, opt_str, CallError};
use super::input::parse;
use super::status::agentphone_status;
use crate::error::Error;
use crate::webhook::{Delivery, Receiver, Reply, StopHandle};

/// The environment variable the receiver's secret is read from when the config has none.
const ENV_WEBHOOK_SECRET: &str = "AGENTPHONE_WEBHOOK_SECRET";

/// A webhook receiver: an opaque handle for C. Create with [`agentphone_receiver_new`], serve
/// with [`agentphone_receiver_run`], free with [`agentphone_receiver_free`].
pub struct agentphone_receiver {
    receiver: Receiver,
    stop: StopHandle,
    url: CString,
    on_event: agentphone_receiver_callback,
    user_data: UserData,
}

/// What a voice turn's callback answers with: an opaque handle, valid only inside the callback
/// it is given to.
pub struct agentphone_reply {
    /// The reply of the turn under way; lives on the receiver's stack for the callback's call.
    reply: *mut Reply<'static>,
}

/// Called once for each verified event that is not a duplicate, on one of the receiver's
/// threads (several at once when `threads` > 1). `event_json` is
/// `{"webhookId": <X-Webhook-ID, or null>, "timestamp": <X-Webhook-Timestamp as a number>,
/// "body": <the request body as received>}`, borrowed for the call. `reply` is non-NULL only
/// for a voice turn (`agent.message` on the `voice` channel) and valid until the callback
/// returns. Return 0 when the event is handled: the receiver answers 2xx and remembers it. Any
/// other value: it answers 500 and forgets it, so the API delivers it again later.
pub type agentphone_receiver_callback = Option<
    unsafe extern "C" fn(
        event_json: *const c_char,
        reply: *mut agentphone_reply,
        user_data: *mut c_void,
    ) -> c_int,
>;

/// The program's pointer, passed to every callback untouched. The callback is called from the
/// receiver's threads: what it points to is the program's to guard (the contract says so).
#[derive(Clone, Copy)]
struct UserData(*mut c_void);

// SAFETY: the library never dereferences it; it is handed back to the program's callback,
// whose contract says it runs on the receiver's threads.
unsafe impl Send for UserData {}
// SAFETY: as above.
unsafe impl Sync for UserData {}

/// The config object of `agentphone_receiver_new`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ReceiverConfig {
    secret: Option<String>,
    listen: Option<String>,
    path: Option<String>,
    tolerance_seconds: Option<u64>,
    threads: Option<usize>,
    max_body_bytes: Option<usize>,
    read_timeout_ms: Option<u64>,
    dedupe: Option<Value>,
    tls_cert_file: Option<String>,
    tls_key_file: Option<String>,
    drain_timeout_ms: Option<u64>,
}

/// `dedupe` as an object.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DedupeConfig {
    capacity: Option<usize>,
    ttl_seconds: Option<u64>,
}

/// The receiver described by the config JSON.
fn build_receiver(config_json: Option<&str>) -> Result<Receiver, Error> {
    let c: ReceiverConfig = parse("config_json", config_json)?;
    let secret = match c.secret {
        Some(s) => s,
        None => std::env::var(ENV_WEBHOOK_SECRET).map_err(|_| {
            Error::invalid(
                "secret",
                format_args!("is required (or set {ENV_WEBHOOK_SECRET})"),
            )
        })?,
    };
    let mut b = Receiver::builder(secret);
    match (c.tls_cert_file, c.tls_key_file) {
        (Some(cert), Some(key)) => b = b.tls(cert, key),
        (None, None) => {}
        (Some(_), None) => {
            return Err(Error::invalid(
                "tlsKeyFile",
                "is required with tlsCertFile (both or neither)",
            ))
        }
        (None, Some(_)) => {
            return Err(Error::invalid(
                "tlsCertFile",
                "is required with tlsKeyFile (both or neither)",
            ))
        }
    }
    if let Some(listen) = c.listen {
        b = b.listen(listen);
    }
    if let Some(path) = c.path {
        b = b.path(path);
    }
    if let Some(t) = c.tolerance_seconds {
        b = b.tolerance(Duration::from_secs(t));
    }
    if let Some(n) = c.threads {
        b = b.threads(n);
    }
    if let Some(n) = c.max_body_bytes {
        b = b.max_body_bytes(n);
    }
    if let Some(ms) = c.read_timeout_ms {
        b = b.read_timeout(Duration::from_millis(ms));
    }
    if let Some(ms) = c.drain_timeout_ms {
        b = b.drain_timeout(Duration::from_millis(ms));
    }
    match c.dedupe {
        None | Some(Value::Bool(true)) => {}
        Some(Value::Bool(false)) => b = b.no_dedupe(),
        Some(v @ Value::Object(_)) => {
            let d: DedupeConfig = parse("dedupe", Some(&v.to_string()))
                .map_err(|e| Error::invalid("dedupe", e.message()))?;
            b = b.dedupe(
                d.capacity
                    .unwrap_or(crate::webhook::DEFAULT_DEDUPE_CAPACITY),
                d.ttl_seconds
                    .map_or(crate::webhook::DEFAULT_DEDUPE_TTL, Duration::from_secs),
            );
        }
        Some(_) => {
            return Err(Error::invalid(
                "dedupe",
                "must be false, true, or {\"capacity\": n, \"ttlSeconds\": n}",
            ))
        }
    }
    b.build()
}

/// Creates a receiver from a JSON config object and binds its address; it takes deliveries
/// once [`agentphone_receiver_run`] runs.
///
/// Keys (unknown keys refused, naming them): `secret` (required, or
/// `AGENTPHONE_WEBHOOK_SECRET`), `listen` (default `"127.0.0.1:8080"`; port 0 picks a free one;
/// `"[::1]:8080"` for IPv6), `path` (default `"/webhook"`), `toleranceSeconds` (300),
/// `threads` (callbacks at once, default 8, 1 to 1024), `maxBodyBytes` (default 1 MiB: over it,
/// 413 before the body is read), `readTimeoutMs` (10000: a request must arrive whole within
/// it, and an idle keep-alive connection is closed after it), `dedupe` (`{"capacity": 100000,
/// "ttlSeconds": 90000}` by default; `false` hands every delivery over), `drainTimeoutMs`
/// (10000: how long a stop waits for callbacks under way), `tlsCertFile` and `tlsKeyFile` (both
/// or neither: PEM files of the certificate chain, leaf first, and its private key; the
/// receiver then serves HTTPS, TLS 1.2 and 1.3, and its URL is `https://...`; the files are
/// read here, so a missing or mismatched one is an error naming the key).
///
/// `on_event` must not be NULL; `user_data` is passed to it untouched. On success returns
/// `AGENTPHONE_OK`, stores the receiver in `*out_receiver` and sets `*error` to NULL; otherwise
/// `*out_receiver` is NULL and `*error` the error JSON (free it with `agentphone_string_free`;
/// `error` may be NULL). An address already in use is `AGENTPHONE_NETWORK_ERROR`.
///
/// # Safety
/// `config_json` is NULL or NUL-terminated; `on_event` is NULL or a function that may be called
/// from the receiver's threads until `agentphone_receiver_run` returns; `out_receiver` points to
/// writable storage for one pointer; `error` is NULL or does.
#[no_mangle]
pub unsafe extern "C" fn agentphone_receiver_new(
    config_json: *const c_char,
    on_event: agentphone_receiver_callback,
    user_data: *mut c_void,
    out_receiver: *mut *mut agentphone_receiver,
    error: *mut *mut c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract of this function.
    unsafe {
        new_handle(out_receiver, "out_receiver", error, || {
            if on_event.is_none() {
                return Err(Error::invalid("on_event", "must not be NULL").into());
            }
            // SAFETY: NULL or NUL-terminated by the contract.
            let config = opt_str("config_json", config_json)?;
            let receiver = build_receiver(config)?;
            let url = CString::new(receiver.url())
                .map_err(|_| Error::invalid("path", "must not contain NUL"))?;
            Ok(agentphone_receiver {
                stop: receiver.stop_handle(),
                receiver,
                url,
                on_event,
                user_data: UserData(user_data),
            })
        })
    }
}

/// The URL to register with `agentphone_webhooks_set`, e.g.
/// `"http://127.0.0.1:41234/webhook"` (behind a proxy or tunnel, register its public URL
/// instead). Owned by the receiver: valid until it is freed; do not free it. NULL for a NULL
/// receiver.
///
/// # Safety
/// `receiver` is NULL or a live handle from `agentphone_receiver_new`.
#[no_mangle]
pub unsafe extern "C" fn agentphone_receiver_url(
    receiver: *const agentphone_receiver,
) -> *const c_char {
    // SAFETY: NULL or live by the contract.
    match unsafe { receiver.as_ref() } {
        Some(r) => r.url.as_ptr(),
        None => ptr::null(),
    }
}

/// Serves until [`agentphone_receiver_stop`]: calls `on_event` for each new verified event.
/// `*out` is always set: `"{}"` after a stop (also when the drain timed out), else the error
/// JSON. One run at a time per receiver. When the drain timed out, a callback still under way
/// goes on after this returns (a thread cannot be stopped from outside): keep what it uses
/// (`user_data`) alive until it returns, e.g. with a counter of callbacks under way.
///
/// # Safety
/// `receiver` is a live handle from `agentphone_receiver_new`, not freed during the run; `out`
/// points to writable storage for one pointer.
#[no_mangle]
pub unsafe extern "C" fn agentphone_receiver_run(
    receiver: *mut agentphone_receiver,
    out: *mut *mut c_char,
) -> agentphone_status {
    boundary(out, || {
        // SAFETY: NULL or live by the contract.
        let r = unsafe { receiver.as_ref() }
            .ok_or_else(|| CallError::from(Error::invalid("receiver", "must not be NULL")))?;
        let (Some(on_event), user_data) = (r.on_event, r.user_data) else {
            return Err(Error::invalid("on_event", "must not be NULL").into());
        };
        r.receiver
            .run(move |d: &Delivery, reply: Option<&mut Reply<'_>>| {
                deliver(on_event, user_data, d, reply)
            })?;
        Ok("{}".to_string())
    })
}

/// Hands one delivery to the C callback: 0 is handled, anything else (or a string the
/// callback cannot take) is not.
fn deliver(
    on_event: unsafe extern "C" fn(*const c_char, *mut agentphone_reply, *mut c_void) -> c_int,
    user_data: UserData,
    d: &Delivery,
    reply: Option<&mut Reply<'_>>,
) -> Result<(), ()> {
    let body = std::str::from_utf8(&d.body).map_err(|_| ())?;
    let id = serde_json::to_string(&d.webhook_id).map_err(|_| ())?;
    let event = CString::new(format!(
        "{{\"webhookId\":{id},\"timestamp\":{},\"body\":{body}}}",
        d.timestamp
    ))
    .map_err(|_| ())?;
    let mut handle = reply.map(|r| agentphone_reply {
        reply: (r as *mut Reply<'_>).cast::<Reply<'static>>(),
    });
    let reply_ptr = handle
        .as_mut()
        .map_or(ptr::null_mut(), |h| h as *mut agentphone_reply);
    // SAFETY: the callback's contract (agentphone_receiver_new); the strings and the reply
    // outlive the call.
    let handled = unsafe { on_event(event.as_ptr(), reply_ptr, user_data.0) };
    if handled == 0 {
        Ok(())
    } else {
        Err(())
    }
}

/// Asks a running receiver to stop: it stops taking deliveries, lets the callbacks under way
/// finish (up to `drainTimeoutMs`), and `agentphone_receiver_run` returns. From any thread,
/// and from a signal handler (it is one atomic store). NULL does nothing.
///
/// # Safety
/// `receiver` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn agentphone_receiver_stop(receiver: *mut agentphone_receiver) {
    // SAFETY: NULL or live by the contract.
    if let Some(r) = unsafe { receiver.as_ref() } {
        r.stop.stop();
    }
}

/// Frees a receiver and closes its listening socket. NULL does nothing. Not during
/// `agentphone_receiver_run`.
///
/// # Safety
/// `receiver` is NULL or a handle from `agentphone_receiver_new` not freed yet, and not running.
#[no_mangle]
pub unsafe extern "C" fn agentphone_receiver_free(receiver: *mut agentphone_receiver) {
    if receiver.is_null() {
        return;
    }
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: from `Box::into_raw` in `agentphone_receiver_new`, freed once by the contract.
        drop(unsafe { Box::from_raw(receiver) });
    }));
}

/// The reply behind a handle, with `f` applied; NULL and bad text are
/// `AGENTPHONE_INVALID_ARGUMENT`, a panic `AGENTPHONE_INTERNAL_ERROR`.
///
/// SAFETY (for callers): `reply` is NULL or the handle of the callback under way.
unsafe fn with_reply(
    reply: *mut agentphone_reply,
    f: impl FnOnce(&mut Reply<'static>) -> Result<(), Error>,
) -> agentphone_status {
    let run = || {
        // SAFETY: NULL or the live handle of the callback under way, by the contract; the
        // Reply it points to lives until the callback returns.
        let reply = unsafe { reply.as_mut().and_then(|h| h.reply.as_mut()) }
            .ok_or_else(|| Error::invalid("reply", "must not be NULL"))?;
        f(reply)
    };
    match catch_unwind(AssertUnwindSafe(run)) {
        Ok(Ok(())) => agentphone_status::AGENTPHONE_OK,
        Ok(Err(e)) => agentphone_status::for_kind(e.kind()),
        Err(_) => agentphone_status::AGENTPHONE_INTERNAL_ERROR,
    }
}

/// A text argument of a reply function.
///
/// SAFETY (for callers): `text` is NULL or NUL-terminated.
unsafe fn reply_text<'a>(text: *const c_char) -> Result<&'a str, Error> {
    if text.is_null() {
        return Err(Error::invalid("text", "must not be NULL"));
    }
    // SAFETY: non-NULL and NUL-terminated by the contract.
    unsafe { CStr::from_ptr(text) }
        .to_str()
        .map_err(|_| Error::invalid("text", "is not valid UTF-8"))
}

/// Sets what the caller hears after this voice turn (the last call counts). Only inside the
/// callback that got `reply`.
///
/// # Safety
/// `reply` is NULL or the handle given to the callback under way; `text` is NULL (refused) or
/// NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn agentphone_reply_say(
    reply: *mut agentphone_reply,
    text: *const c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract.
    unsafe {
        with_reply(reply, |r| {
            r.say(reply_text(text)?);
            Ok(())
        })
    }
}

/// Says this at once, before the callback returns, as an NDJSON line
/// `{"text": ..., "interim": true}` (the answer becomes `application/x-ndjson`, chunked): "One
/// moment..." while the program works. `AGENTPHONE_NETWORK_ERROR` when the connection is gone.
///
/// # Safety
/// As [`agentphone_reply_say`].
#[no_mangle]
pub unsafe extern "C" fn agentphone_reply_interim(
    reply: *mut agentphone_reply,
    text: *const c_char,
) -> agentphone_status {
    // SAFETY: forwarded contract.
    unsafe { with_reply(reply, |r| r.interim(reply_text(text)?)) }
}

/// Hangs up after the text.
///
/// # Safety
/// `reply` is NULL or the handle given to the callback under way.
#[no_mangle]
pub unsafe extern "C" fn agentphone_reply_hangup(
    reply: *mut agentphone_reply,
) -> agentphone_status {
    // SAFETY: forwarded contract.
    unsafe {
        with_reply(reply, |r| {
            r.hangup();
            Ok(())
        })
    }
}

/// Transfers the call after the text (`"action": "transfer"`: to the agent's transfer number).
///
/// # Safety
/// `reply` is NULL or the handle given to the callback under way.
#[no_mangle]
pub unsafe extern "C" fn agentphone_reply_transfer(
    reply: *mut agentphone_reply,
) -> agentphone_status {
    // SAFETY: forwarded contract.
    unsafe {
        with_reply(reply, |r| {
            r.transfer();
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_is_checked_naming_the_key() {
        let err = |json: &str| build_receiver(Some(json)).unwrap_err().to_string();
        assert!(err(r#"{"secret": "s", "listen": "127.0.0.1:0", "thread": 2}"#).contains("thread"));
        assert!(
            err(r#"{"secret": "s", "listen": "127.0.0.1:0", "threads": 0}"#).contains("threads")
        );
        assert!(err(r#"{"secret": "s", "listen": "127.0.0.1:0", "dedupe": 3}"#).contains("dedupe"));
        assert!(
            err(r#"{"secret": "s", "listen": "127.0.0.1:0", "dedupe": {"cap": 1}}"#)
                .contains("dedupe")
        );
        assert!(
            err(r#"{"secret": "s", "listen": "127.0.0.1:0", "tlsCertFile": "c.pem"}"#)
                .contains("tlsKeyFile")
        );
        assert!(
            err(r#"{"secret": "s", "listen": "127.0.0.1:0", "tlsKeyFile": "k.pem"}"#)
                .contains("tlsCertFile")
        );
        let missing = err(
            r#"{"secret": "s", "listen": "127.0.0.1:0", "tlsCertFile": "/nonexistent/c.pem", "tlsKeyFile": "k.pem"}"#,
        );
        assert!(
            missing.contains("tlsCertFile") && missing.contains("/nonexistent/c.pem"),
            "{missing}"
        );
        assert!(
            err(r#"{"secret": "s", "listen": "127.0.0.1:0", "maxBodyBytes": -1}"#)
                .contains("maxBodyBytes")
        );
        let ok = build_receiver(Some(
            r#"{"secret": "s", "listen": "127.0.0.1:0", "path": "/hooks", "dedupe": {"capacity": 5}}"#,
        ))
        .unwrap();
        assert!(ok.url().ends_with("/hooks"), "{}", ok.url());
    }
}
