//! A blocking client of the [AgentPhone](https://agentphone.ai) API for Rust, C and C++:
//! numbers, messages and conversations, agents, and calls (placing them, waiting for them,
//! following their transcript live, downloading recordings), webhooks, contacts and usage.
//!
//! No async runtime, no system TLS library: HTTP is [`ureq`] over rustls, trusting the bundled web
//! PKI roots, the system's, or a PEM file's ([`TlsRoots`]). The same crate builds
//! `libagentphone.so` for C (see [`ffi`] and `include/agentphone.h`). An offline, stateful
//! stand-in for the API, to develop and test against, is the `agentphone-sandbox` crate.
//!
//! # Example
//!
//! ```no_run
//! use agentphone::{Client, CreateCall, CreateNumber, ListMessages, SendMessage, TranscriptEvent};
//!
//! fn main() -> Result<(), agentphone::Error> {
//!     // AGENTPHONE_API_KEY (and optionally AGENTPHONE_BASE_URL) from the environment.
//!     let client = Client::from_env()?;
//!
//!     // Billed: never retried once the request may have reached the server.
//!     let number = client.numbers().create(&CreateNumber::new().country("US"))?;
//!     println!("provisioned {} ({})", number.phone_number, number.id);
//!     client.agents().attach_number("agt_abc123", &number.id)?;
//!
//!     // Every message, all pages, fetched lazily; each answered once.
//!     for message in client.numbers().iter_messages(&number.id, ListMessages::new()) {
//!         let message = message?;
//!         println!("{} from {}: {}", message.received_at, message.from, message.body);
//!         let reply = SendMessage::new(&message.from, "Thanks, we will call you back.")
//!             .number_id(&number.id)
//!             .reply_to_message_id(&message.id);
//!         match client.messages().send(&reply) {
//!             Ok(sent) => println!("replied: {}", sent.id),
//!             // The reply may have gone out: look at the conversation before sending again.
//!             Err(e) if e.may_have_succeeded() => println!("unknown outcome: {e}"),
//!             Err(e) => return Err(e),
//!         }
//!     }
//!
//!     // A call, followed live until it ends.
//!     let call = client.calls().create(&CreateCall::new("agt_abc123", "+15551234567"))?;
//!     for event in client.calls().stream_transcript(&call.id)? {
//!         if let TranscriptEvent::Turn(turn) = event? {
//!             println!("{}: {}", turn.role, turn.content);
//!         }
//!     }
//!
//!     match client.numbers().release(&number.id) {
//!         Ok(_) => println!("released"),
//!         Err(e) if e.kind() == agentphone::ErrorKind::NotFound => println!("already gone"),
//!         Err(e) => return Err(e),
//!     }
//!     Ok(())
//! }
//! ```
//!
//! # Configuration and defaults
//!
//! | setting | default | |
//! |---|---|---|
//! | API key | `AGENTPHONE_API_KEY` | required; sent as `Authorization: Bearer` |
//! | base URL | `AGENTPHONE_BASE_URL`, else `https://api.agentphone.ai` | https, or http to loopback only |
//! | timeout | 30 s | one attempt: connect, TLS, send, and the whole response |
//! | connect timeout | 10 s | TCP connect and TLS handshake |
//! | max retries | 2 | `0` sends exactly one request |
//! | max response size | 16 MiB | a larger body is an error and is never buffered whole |
//! | idle connections | 16 per host | one keep-alive pool shared by every clone and thread |
//! | sub-account | none | header `X-Sub-Account-Id` |
//! | User-Agent | `agentphone-rust/<version>` | plus an optional suffix |
//! | retry backoff | 500 ms doubling to 8 s, jittered | `Retry-After` wins; over 60 s: no retry |
//! | trust roots | [`ENV_CA_FILE`], else the bundled roots | [`TlsRoots::System`], or only a PEM file's: [`TlsRoots::CaFile`] |
//!
//! Proxies come from the environment: for an https base URL `HTTPS_PROXY` (or `https_proxy`),
//! else `ALL_PROXY` (or `all_proxy`), with `NO_PROXY` honoured; never for loopback base URLs. A
//! SOCKS proxy, or a value that is not a proxy URL, is refused by [`ClientBuilder::build`]
//! naming the variable. Redirects are never followed (a 3xx is an [`ErrorKind::Api`] error), so
//! the API key never reaches another host.
//!
//! # Retry policy (money-safe)
//!
//! A number is billed from the moment it is created, and the API has no idempotency key, so a
//! create that is sent twice can buy two numbers. Whether a request may be sent again depends on
//! its method and on whether it could have reached the server, which is decided by the phase the
//! failure happened in (resolving, connecting, the proxy tunnel and the TLS handshake come
//! before any byte of the request is written), never by the I/O error's kind.
//!
//! | failure | GET, DELETE, PUT, PATCH | POST (create, attach) | [`is_retryable`] | [`may_have_succeeded`] |
//! |---|---|---|---|---|
//! | never reached the server: DNS, connection refused or unreachable, connect timeout, proxy tunnel, TLS handshake | retried | retried | true | false |
//! | the server's TLS certificate was refused | not retried | not retried | false | false |
//! | timeout, or connection lost, after the connection was set up | retried | **not retried** | true / false | false / **true** |
//! | 429 (rate limited) | retried | retried | true | false |
//! | 408 | retried | not retried | true / false | false |
//! | 500, 502, 503, 504 | retried | **not retried** | true / false | false / **true** |
//! | 501 and other 5xx | not retried | not retried | false | false / **true** |
//! | 409 with code `DELIVERY_UNCONFIRMED` | not retried | not retried | false | false / **true** |
//! | any other 4xx (400, 401, 403, 404, 409, 422) | not retried | not retried | false | false |
//! | a 2xx whose body cannot be decoded, or is over the size limit | not retried | not retried | false | false / **true** |
//!
//! ("true / false": for the idempotent methods / for POST.)
//!
//! - **Delay**: the server's `Retry-After` (seconds or an HTTP date, read as at most about 31
//!   years) when present; if it asks for more than 60 s, no retry is made and the error carries
//!   [`Error::retry_after`]. Otherwise exponential backoff from 500 ms, doubling, capped at 8 s,
//!   with jitter (a random point in the upper half of each delay).
//! - Each attempt gets the full timeout; `max_retries` (default 2) counts retries after the
//!   first attempt.
//!
//! [`is_retryable`]: Error::is_retryable
//! [`may_have_succeeded`]: Error::may_have_succeeded
//!
//! When a billed call fails with [`Error::may_have_succeeded`], reconcile before sending it
//! again: give the number your own `externalId`, and look for it.
//!
//! ```no_run
//! # use agentphone::{Client, CreateNumber, PhoneNumber};
//! fn provision(client: &Client, order: &str) -> Result<PhoneNumber, agentphone::Error> {
//!     let request = CreateNumber::new().country("US").external_id(order);
//!     match client.numbers().create(&request) {
//!         Err(e) if e.may_have_succeeded() => {
//!             // The create may have gone through: find it rather than buy a second one.
//!             for number in client.numbers().iter(100) {
//!                 let number = number?;
//!                 if number.external_id.as_deref() == Some(order) {
//!                     return Ok(number);
//!                 }
//!             }
//!             client.numbers().create(&request) // it did not: creating again is safe
//!         }
//!         other => other,
//!     }
//! }
//! ```
//!
//! # Errors
//!
//! Every failure is an [`Error`]; [`Error::kind`] says which of [`ErrorKind`]'s classes it is.
//! Input is checked before anything is sent ([`ErrorKind::InvalidArgument`], naming the field and
//! the rule). For error answers, [`Error::message`] is the server's text whichever of the API's
//! error shapes it came in, with [`Error::code`], [`Error::details`], [`Error::request_id`] and
//! [`Error::retry_after`] when the server gave them; [`Error::is_retryable`] and
//! [`Error::may_have_succeeded`] say what may be done next. The API key never appears in any
//! `Display` or `Debug` output.
//!
//! # Endpoints without a typed function
//!
//! [`Client::request`] reaches any other endpoint on the same path as the typed operations (the
//! key, timeouts, limits, the error shape, the retry policy by method). Its path is relative to
//! the base URL and can never leave it; see [`RawRequest`].
//!
//! ```no_run
//! # fn main() -> Result<(), agentphone::Error> {
//! let client = agentphone::Client::from_env()?;
//! let stats: serde_json::Value = client
//!     .request("GET", "/v1/webhooks/deliveries/stats")
//!     .query("hours", "48")
//!     .send()?;
//! println!("{}", stats["successRate"]);
//! # Ok(())
//! # }
//! ```
//!
//! # Receiving webhooks
//!
//! [`webhook`] verifies a received request (signature and age) and reads its typed event; no
//! client is needed. [`webhook::Receiver`] is a blocking webhook server: it verifies each
//! delivery, drops duplicates, calls the program for each new event on a bounded number of
//! threads, and answers a voice turn with what the caller hears. Setting a webhook
//! ([`Webhooks::set`]) generates a new secret every time.
//!
//! # Logging
//!
//! The library records each request, each failed attempt with what was decided (retried, or
//! not and why), and each webhook delivery a receiver answered, through the `log` crate under
//! the target [`LOG_TARGET`] (`agentphone`): install any logger (`env_logger`, `tracing-log`)
//! to see them. Bodies are recorded at `trace` only; no record holds the API key or a webhook
//! secret, and below `trace` query values are elided. Setting [`ENV_LOG`]
//! (`AGENTPHONE_LOG=info`) also writes them to standard error.
//!
//! # Using from C
//!
//! See [`ffi`] for the C API's conventions (ownership, freeing, threads, errors); the header is
//! `include/agentphone.h`.
#![deny(unsafe_code)]
#![warn(missing_docs)]
// docs.rs (see Cargo.toml) marks what a feature brings.
#![cfg_attr(docsrs, feature(doc_cfg))]

/// Declares a layer's resource files and re-exports what each makes public: a resource is
/// registered in its layer (model, api, ffi) by its name in that layer's one list.
macro_rules! resources {
    ($($name:ident),+ $(,)?) => {
        $(
            pub(crate) mod $name;
            pub use $name::*;
        )+
    };
}

mod api;
mod client;
mod error;
pub mod ffi;
mod file;
mod logging;
mod model;
mod random;
mod tls;
mod transport;
pub mod webhook;

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;

// Each resource's public items, as its file declares them (`resources!` in each layer).
pub use api::paging::{CursorIter, OffsetIter};
pub use api::raw::RawRequest;
pub use api::validate::{MAX_OFFSET, MESSAGES_LIMIT, PAGE_LIMIT};
pub use api::*;
pub use client::{
    Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_IDLE_PER_HOST,
    DEFAULT_MAX_RECORDING_BYTES, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_RETRIES,
    DEFAULT_RETRY_BASE_DELAY, DEFAULT_RETRY_MAX_DELAY, DEFAULT_TIMEOUT, ENV_API_KEY, ENV_BASE_URL,
    MAX_MAX_RECORDING_BYTES, MAX_MAX_RESPONSE_BYTES, MAX_MAX_RETRIES, MAX_RETRY_AFTER, MAX_TIMEOUT,
    USER_AGENT,
};
pub use error::{Error, ErrorKind};
pub use logging::{ENV_LOG, LOG_TARGET};
pub use model::*;
pub use tls::{TlsRoots, ENV_CA_FILE};

/// Re-exported so callers can name timestamps without adding chrono themselves.
pub use chrono;
