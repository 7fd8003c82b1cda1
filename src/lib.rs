//! A blocking client of the [AgentPhone](https://agentphone.ai) phone-numbers API for Rust, C and
//! C++: provision an SMS/voice number, list numbers, attach a number to an agent, read the
//! messages it received, and release it.
//!
//! No async runtime, no system TLS library: HTTP is [`ureq`] over rustls with the bundled web PKI
//! roots. The same crate builds `libagentphone.so` for C (see [`ffi`] and
//! `include/agentphone.h`), and with the `sandbox` feature an offline, stateful stand-in for the
//! API.
//!
//! # Example
//!
//! ```no_run
//! use agentphone::{Client, CreateNumber, ListMessages, ListNumbers};
//!
//! fn main() -> Result<(), agentphone::Error> {
//!     // AGENTPHONE_API_KEY (and optionally AGENTPHONE_BASE_URL) from the environment.
//!     let client = Client::from_env()?;
//!
//!     // Billed: never retried once the request may have reached the server.
//!     let number = client.numbers().create(&CreateNumber::new().country("US"))?;
//!     println!("provisioned {} ({})", number.phone_number, number.id);
//!
//!     client.agents().attach_number("agt_abc123", &number.id)?;
//!
//!     let page = client.numbers().list(&ListNumbers::new().limit(10))?;
//!     println!("{} of {:?} numbers", page.data.len(), page.total);
//!
//!     // Every message, all pages, fetched lazily.
//!     for message in client.numbers().iter_messages(&number.id, ListMessages::new()) {
//!         let message = message?;
//!         println!("{} from {}: {}", message.received_at, message.from, message.body);
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
//!
//! Proxies come from `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY` with `NO_PROXY` honoured, and are
//! never used for loopback base URLs. Redirects are never followed (a 3xx is an
//! [`ErrorKind::Api`] error), so the API key never reaches another host.
//!
//! # Retry policy (money-safe)
//!
//! A number is billed from the moment it is created, and the API has no idempotency key, so a
//! create that is sent twice can buy two numbers. Hence:
//!
//! - **GET and DELETE** (list, get, messages, release, detach) are retried after a DNS or connect
//!   failure, a reset or EOF before the response, a timeout, or a 408, 429, 500, 502, 503 or 504
//!   answer (not 501). A repeated release is refused by the server, never billed.
//! - **POST** (create, attach) is retried only when the request provably never reached the server
//!   (DNS failure, connection refused or unreachable, TLS handshake failure, a timeout while
//!   connecting) or when the server answered 429. Never after a timeout once connected, a reset
//!   after sending, or a 5xx: then the error is returned and the caller decides (list the numbers
//!   to see whether the create went through).
//! - **Delay**: the server's `Retry-After` (seconds or an HTTP date) when present; if it asks for
//!   more than 60 s, no retry is made and the error carries [`Error::retry_after`]. Otherwise
//!   exponential backoff from 500 ms, doubling, capped at 8 s, with jitter (a random point in the
//!   upper half of each delay).
//! - Each attempt gets the full timeout; `max_retries` (default 2) counts retries after the first
//!   attempt.
//!
//! # Errors
//!
//! Every failure is an [`Error`]; [`Error::kind`] says which of [`ErrorKind`]'s classes it is.
//! Input is checked before anything is sent ([`ErrorKind::InvalidArgument`], naming the field and
//! the rule). For error answers, [`Error::message`] is the server's text whichever of the API's
//! error shapes it came in, with [`Error::code`], [`Error::details`], [`Error::request_id`] and
//! [`Error::retry_after`] when the server gave them. The API key never appears in any `Display` or
//! `Debug` output.
//!
//! # Using from C
//!
//! See [`ffi`] for the C API's conventions (ownership, freeing, threads, errors); the header is
//! `include/agentphone.h`.
#![deny(unsafe_code)]
#![warn(missing_docs)]

mod agents;
mod client;
mod error;
pub mod ffi;
mod model;
mod numbers;
mod transport;
mod validate;

#[cfg(feature = "sandbox")]
pub mod sandbox;

pub use agents::Agents;
pub use client::{
    Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_IDLE_PER_HOST,
    DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_RETRIES, DEFAULT_RETRY_BASE_DELAY,
    DEFAULT_RETRY_MAX_DELAY, DEFAULT_TIMEOUT, ENV_API_KEY, ENV_BASE_URL, MAX_RETRY_AFTER,
    USER_AGENT,
};
pub use error::{Error, ErrorKind};
pub use model::{
    AttachedNumber, CreateNumber, DailyNewContacts, DetachedNumber, Extra, ListMessages,
    ListNumbers, Message, MessagePage, NumberPage, NumberSummary, PhoneNumber, ReleasedNumber,
};
pub use numbers::{MessageIter, NumberIter, Numbers};
pub use validate::{MESSAGES_LIMIT, NUMBERS_LIMIT};

/// Re-exported so callers can name timestamps without adding chrono themselves.
pub use chrono;
