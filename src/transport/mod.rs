//! The one request path every operation uses: build the request, send it, classify a failure by
//! the phase it happened in, retry what the policy allows, read the body under the size limit,
//! and decode it.
//!
//! This layer knows no resource and no `Client`: it sends [`ApiRequest`]s to a base URL with a
//! key. The policy itself is in [`retry`], as plain functions.

mod connect;
mod request;
pub(crate) mod retry;
pub(crate) mod sse;

use std::fmt;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::de::DeserializeOwned;
use ureq::config::Config;
use ureq::http::{HeaderMap, Response, StatusCode};
use ureq::Body;

use crate::error::{ApiErrorBody, Error, ErrorKind};
use crate::logging::{self, record, Level};
pub(crate) use connect::{env_var, proxy_for};
use connect::{is_certificate_refusal, FastResolver, NotSent, PhaseConnector};
pub(crate) use request::{ApiRequest, Method, Operation};
use retry::{Backoff, Failure};

/// A `Retry-After` larger than this (about 31 years) is read as this: the wait is reported in
/// milliseconds, and no server means more.
pub(crate) const RETRY_AFTER_CEILING: Duration = Duration::from_secs(1_000_000_000);

/// Everything the transport is built from, already checked by the client builder.
pub(crate) struct Settings {
    /// Base URL without a trailing slash.
    pub base_url: String,
    /// `Bearer <key>`: the one place the key lives.
    pub authorization: String,
    pub sub_account_id: Option<String>,
    pub user_agent: String,
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub max_idle_per_host: usize,
    pub proxy: Option<ureq::Proxy>,
    pub max_retries: u32,
    pub backoff: Backoff,
    pub max_response_bytes: u64,
    /// The largest download streamed to a sink (recordings).
    pub max_recording_bytes: u64,
    /// The roots that may sign the server's certificate.
    pub root_certs: ureq::tls::RootCerts,
}

/// The request path: one keep-alive pool, the authorization, the base URL and the retry
/// settings. Shared by every clone of a client and every thread.
pub(crate) struct Transport {
    agent: ureq::Agent,
    settings: Settings,
    /// `host:port` of the base URL: what a network error names.
    server: String,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("base_url", &self.settings.base_url)
            .finish_non_exhaustive()
    }
}

/// A connection's first input buffer in each layer: one TLS record (16 KiB) and its overhead.
const INPUT_BUFFER_BYTES: usize = 17 * 1024;
/// A connection's output buffer in each layer: a request head and a JSON body (longer bodies are
/// written through it in pieces).
const OUTPUT_BUFFER_BYTES: usize = 16 * 1024;

/// The most room reserved for a body before it arrives, from its `Content-Length`.
const PRESIZE_MAX_BYTES: u64 = 1024 * 1024;

/// How much of a downloaded body is held at once on its way to the sink.
const DOWNLOAD_CHUNK_BYTES: usize = 64 * 1024;

/// A 2xx answer as it arrived, for a caller that decodes it itself.
pub(crate) struct Received {
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// Query values are encoded like form values (`:` and `+` of a timestamp included).
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

impl Transport {
    pub fn new(settings: Settings) -> Transport {
        let config = Config::builder()
            .http_status_as_error(false)
            // Never follow a redirect: the Authorization header must not reach another host,
            // and a redirected POST could act twice. A 3xx is returned as an error instead.
            .max_redirects(0)
            .https_only(false) // the base URL is checked by the builder: https, or http on loopback
            .user_agent(&settings.user_agent)
            .proxy(settings.proxy.clone())
            .timeout_per_call(Some(settings.timeout))
            .timeout_connect(Some(settings.connect_timeout.min(settings.timeout)))
            .max_idle_connections(settings.max_idle_per_host.max(64))
            .max_idle_connections_per_host(settings.max_idle_per_host)
            // Every new connection zero-fills these buffers in its TCP and its TLS layer, so
            // their size is paid at every handshake (at ureq's default of 128 KiB each, a
            // quarter of a handshake's instructions). The API's requests and answer heads are
            // small, and the input buffer grows when a head needs more.
            .input_buffer_size(INPUT_BUFFER_BYTES)
            .output_buffer_size(OUTPUT_BUFFER_BYTES)
            .tls_config(
                ureq::tls::TlsConfig::builder()
                    .root_certs(settings.root_certs.clone())
                    .build(),
            )
            .build();
        let agent =
            ureq::Agent::with_parts(config, PhaseConnector::default(), FastResolver::default());
        let server = server_of(&settings.base_url);
        Transport {
            agent,
            settings,
            server,
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Sends the call and decodes a 2xx body as `T`.
    pub fn execute<T: DeserializeOwned>(&self, call: &Operation<T>) -> Result<T, Error> {
        self.send(&call.request, |body| {
            serde_json::from_slice(&body).map_err(|e| e.to_string())
        })
    }

    /// Sends the request, retrying as the policy allows, and hands a 2xx body to `decode`
    /// (`{}` for an empty body where the request allows one), which may keep it. A decode
    /// failure is an [`ErrorKind::Decode`] error that, for a POST, may have succeeded.
    pub fn send<R>(
        &self,
        req: &ApiRequest,
        decode: impl Fn(Vec<u8>) -> Result<R, String>,
    ) -> Result<R, Error> {
        let mut decoded = None;
        self.send_body(req, &mut |body| {
            decode(body).map(|value| decoded = Some(value))
        })?;
        Ok(delivered(decoded))
    }

    /// [`Transport::send`] with the decoder behind a pointer: the request path is compiled once,
    /// not once for each type an answer decodes to.
    fn send_body(
        &self,
        req: &ApiRequest,
        decode: &mut dyn FnMut(Vec<u8>) -> Result<(), String>,
    ) -> Result<(), Error> {
        self.exchange(req, &mut |response| {
            let (status, headers, mut body) = self.read(req, response)?;
            if req.empty_body_is_object && body.iter().all(u8::is_ascii_whitespace) {
                body.clear();
                body.extend_from_slice(b"{}");
            }
            decode(body).map_err(|why| {
                let error = Error::new(
                    ErrorKind::Decode,
                    format!("response is not the documented shape: {why}"),
                );
                bad_answer(error, status, &headers)
            })
        })
    }

    /// Sends the request and hands a 2xx answer, as received, to `decode` (raw requests: the
    /// caller decodes). An error `decode` returns is judged like a body that does not decode:
    /// for a POST, the server may have acted ([`Error::may_have_succeeded`]).
    pub fn send_raw<R>(
        &self,
        req: &ApiRequest,
        mut decode: impl FnMut(Received) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let mut decoded = None;
        self.exchange(req, &mut |response| {
            let (status, headers, body) = self.read(req, response)?;
            let received = Received {
                content_type: content_type(&headers),
                body,
            };
            match decode(received) {
                Ok(value) => {
                    decoded = Some(value);
                    Ok(())
                }
                Err(error) => Err(bad_answer(error, status, &headers)),
            }
        })?;
        Ok(delivered(decoded))
    }

    /// Streams a 2xx body into `sink` as it arrives, never holding it whole, and returns its
    /// length and content type. A body longer than `limit` bytes (by its `Content-Length`, or
    /// as it arrives) is an [`ErrorKind::Decode`] error naming `limit_name`; an error of the
    /// sink is an [`ErrorKind::InvalidArgument`] naming `sink_name`.
    ///
    /// Once a byte has reached the sink, a failure is not retried: the sink already holds part
    /// of the body.
    pub fn download(
        &self,
        req: &ApiRequest,
        limit: u64,
        limit_name: &str,
        sink_name: &str,
        sink: &mut dyn Write,
    ) -> Result<(u64, Option<String>), Error> {
        let mut done = None;
        self.exchange(req, &mut |response| {
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let too_large = || {
                let error = Error::new(
                    ErrorKind::Decode,
                    format!("response body is larger than {limit_name} ({limit} bytes)"),
                );
                bad_answer(error, status, &headers)
            };
            let mut body = response.into_body();
            if body.content_length().is_some_and(|n| n > limit) {
                return Err(too_large());
            }
            let mut reader = body.with_config().limit(limit).reader();
            let mut buf = vec![0u8; DOWNLOAD_CHUNK_BYTES];
            let mut written = 0u64;
            loop {
                let n = match reader.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        return Err(match ureq::Error::from(e) {
                            ureq::Error::BodyExceedsLimit(_) => too_large(),
                            e if written == 0 => {
                                let (error, failure) = transport_error(e, &self.server);
                                (error.with_status(status), failure)
                            }
                            e => {
                                let (error, _) = transport_error(e, &self.server);
                                bad_answer(error, status, &headers)
                            }
                        })
                    }
                };
                sink.write_all(&buf[..n]).map_err(|e| {
                    let error = Error::invalid(sink_name, format_args!("cannot write: {e}"));
                    bad_answer(error, status, &headers)
                })?;
                written += n as u64;
            }
            sink.flush().map_err(|e| {
                let error = Error::invalid(sink_name, format_args!("cannot write: {e}"));
                bad_answer(error, status, &headers)
            })?;
            done = Some((written, content_type(&headers)));
            Ok(())
        })?;
        Ok(delivered(done))
    }

    /// Opens a streamed answer: retried like any request until a 2xx head arrives, then the
    /// body is the caller's to read, with no limit on its length or duration but the request's
    /// read timeout between bytes. Never reopened. A 2xx answer of another content type than
    /// the request's `Accept` is an [`ErrorKind::Decode`] error naming it.
    pub fn open(&self, req: &ApiRequest) -> Result<Body, Error> {
        let mut opened = None;
        self.exchange(req, &mut |response| {
            let status = response.status().as_u16();
            let given = content_type(response.headers());
            let essence = given
                .as_deref()
                .and_then(|t| t.split(';').next())
                .map(|t| t.trim().to_ascii_lowercase());
            if essence.as_deref() != Some(req.accept) {
                let headers = response.headers().clone();
                let error = Error::new(
                    ErrorKind::Decode,
                    format!(
                        "the answer is not a stream of {} (Content-Type {})",
                        req.accept,
                        given.as_deref().unwrap_or("not given")
                    ),
                );
                return Err(bad_answer(error, status, &headers));
            }
            opened = Some(response.into_body());
            Ok(())
        })?;
        Ok(delivered(opened))
    }

    /// The request path: attempts, retries and failure classification, with `on_success`
    /// taking a 2xx response (and keeping what it makes of it). An error it returns is judged
    /// like any other failure. `Ok` means `on_success` returned `Ok`.
    fn exchange(
        &self,
        req: &ApiRequest,
        on_success: &mut dyn FnMut(Response<Body>) -> Result<(), (Error, Failure)>,
    ) -> Result<(), Error> {
        let url = self.url(req);
        let backoff = self.settings.backoff;
        let attempts = self.settings.max_retries.saturating_add(1);
        let shown = Shown {
            method: req.method.as_str(),
            path_and_query: &url[self.settings.base_url.len()..],
        };
        let mut retries_done = 0;
        // Whether an earlier attempt may have been acted on, its answer lost.
        let mut earlier_may_have_acted = false;
        loop {
            let attempt = retries_done + 1;
            if logging::enabled(Level::Trace) {
                if let Some(body) = req.body_bytes() {
                    logging::emit(
                        Level::Trace,
                        format_args!("{shown}: request body: {}", logging::shown_body(body)),
                    );
                }
            }
            let started = Instant::now();
            let result = self.attempt(req, &url);
            if !connect::took_new_connection() {
                record!(Level::Debug, "{shown}: on a kept-alive connection");
            }
            let (error, failure) = match result {
                Ok(response) if response.status().is_success() => {
                    let answered = logging::enabled(Level::Info)
                        .then(|| (response.status().as_u16(), request_id(response.headers())));
                    match on_success(response) {
                        Ok(()) => {
                            if let Some((status, id)) = answered {
                                logging::emit(
                                    Level::Info,
                                    format_args!(
                                        "{shown}: {status} in {} ms, attempt {attempt} of {attempts}{}",
                                        started.elapsed().as_millis(),
                                        RequestId(id.as_deref())
                                    ),
                                );
                            }
                            return Ok(());
                        }
                        Err(failed) => failed,
                    }
                }
                Ok(response) => match self.read(req, response) {
                    Ok((status, headers, body)) => status_error(status, &headers, &body),
                    Err(failed) => failed,
                },
                Err(failed) => failed,
            };
            let verdict = retry::judge(req.idempotent, &failure);
            let error = error.with_verdict(verdict.retryable, verdict.may_have_succeeded);
            let failed = |decision: fmt::Arguments<'_>| {
                record!(
                    Level::Warn,
                    "{shown}: attempt {attempt} of {attempts} failed {}: {error}; {decision}",
                    phase(&failure)
                );
            };
            if earlier_may_have_acted
                && retry::already_done(
                    req.method == Method::Delete,
                    req.already_done_codes,
                    &failure,
                )
            {
                failed(format_args!(
                    "not retried: an earlier attempt, whose answer was lost, may have done it"
                ));
                // The answer to a repeat: what it says is done may be the earlier attempt's work.
                return Err(error.with_verdict(false, true).with_note(
                    "an earlier attempt of this request may have done it: its answer was lost",
                ));
            }
            earlier_may_have_acted |= retry::may_have_acted(&failure);
            let delay = match retry::next_delay(
                verdict,
                retries_done,
                self.settings.max_retries,
                error.retry_after(),
                backoff,
                crate::random::random_u64(),
            ) {
                Ok(delay) => delay,
                Err(stop) => {
                    failed(format_args!(
                        "not retried: {}",
                        StopReason(stop, &error, self)
                    ));
                    return Err(error);
                }
            };
            failed(format_args!("retrying in {} ms", delay.as_millis()));
            record!(
                Level::Debug,
                "{shown}: the wait: Retry-After {}, backoff from {} ms up to {} ms",
                error
                    .retry_after()
                    .map_or("not given".to_string(), |w| format!("{} ms", w.as_millis())),
                backoff.base.as_millis(),
                backoff.max.as_millis()
            );
            std::thread::sleep(delay);
            retries_done += 1;
        }
    }

    fn url(&self, req: &ApiRequest) -> String {
        request_url(&self.settings.base_url, req)
    }

    fn attempt(&self, req: &ApiRequest, url: &str) -> Result<Response<Body>, (Error, Failure)> {
        let s = &self.settings;
        let mut builder = ureq::http::Request::builder()
            .method(req.method.as_str())
            .uri(url)
            .header("Authorization", &s.authorization)
            .header("Accept", req.accept);
        if let Some(id) = &s.sub_account_id {
            builder = builder.header("X-Sub-Account-Id", id);
        }
        let result = match req.body_bytes() {
            Some(body) => builder
                .header("Content-Type", "application/json")
                .body(body)
                .map_err(ureq::Error::from)
                .and_then(|r| self.run(r, req)),
            None => builder
                .body(())
                .map_err(ureq::Error::from)
                .and_then(|r| self.run(r, req)),
        };
        result.map_err(|e| transport_error(e, &self.server))
    }

    /// Runs one attempt, with the request's own timeouts when it has them.
    fn run<S: ureq::AsSendBody>(
        &self,
        request: ureq::http::Request<S>,
        req: &ApiRequest,
    ) -> Result<Response<Body>, ureq::Error> {
        match (req.timeout, req.stream_read_timeout) {
            (None, None) => self.agent.run(request),
            (timeout, None) => {
                let request = self
                    .agent
                    .configure_request(request)
                    .timeout_per_call(timeout)
                    .build();
                self.agent.run(request)
            }
            (_, Some(per_read)) => {
                // A stream lasts as long as the call: only the wait between reads is bounded.
                let request = self
                    .agent
                    .configure_request(request)
                    .timeout_per_call(None)
                    .timeout_global(None)
                    .timeout_per_read(Some(per_read))
                    .build();
                self.agent.run(request)
            }
        }
    }

    /// Reads the body, never more than `max_response_bytes` of it.
    #[allow(clippy::type_complexity)]
    fn read(
        &self,
        req: &ApiRequest,
        response: Response<Body>,
    ) -> Result<(u16, HeaderMap, Vec<u8>), (Error, Failure)> {
        let (parts, mut body) = response.into_parts();
        let status = parts.status.as_u16();
        let limit = self.settings.max_response_bytes;
        // Room for the body up front when its length is known, so that it is not regrown and
        // copied as it arrives; at most PRESIZE_MAX_BYTES, so that a length a server claims and
        // never sends costs little (a longer body grows as it arrives). A length past the limit
        // is refused by the read.
        let expected = body
            .content_length()
            .filter(|&n| n <= limit)
            .map_or(0, |n| n.min(PRESIZE_MAX_BYTES));
        let mut bytes = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
        let read = body
            .with_config()
            .limit(limit)
            .reader()
            .read_to_end(&mut bytes)
            .map(|_| bytes)
            .map_err(ureq::Error::from);
        match read {
            Ok(body) => {
                if logging::enabled(Level::Trace) {
                    logging::emit(
                        Level::Trace,
                        format_args!(
                            "{} {}: response body ({status}): {}",
                            req.method.as_str(),
                            req.path,
                            logging::shown_body(&body)
                        ),
                    );
                }
                Ok((status, parts.headers, body))
            }
            Err(ureq::Error::BodyExceedsLimit(limit)) => Err((
                Error::new(
                    ErrorKind::Decode,
                    format!("response body is larger than maxResponseBytes ({limit} bytes)"),
                )
                .with_status(status)
                .with_request_id(request_id(&parts.headers)),
                Failure::BadAnswer,
            )),
            Err(e) => {
                let (error, failure) = transport_error(e, &self.server);
                Err((
                    error
                        .with_status(status)
                        .with_request_id(request_id(&parts.headers)),
                    failure,
                ))
            }
        }
    }
}

/// A request as its records show it: the method, and the path with its query values elided
/// below `trace`.
struct Shown<'a> {
    method: &'a str,
    path_and_query: &'a str,
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if logging::enabled(Level::Trace) {
            write!(f, "{} {}", self.method, self.path_and_query)
        } else {
            write!(
                f,
                "{} {}",
                self.method,
                logging::elided(self.path_and_query)
            )
        }
    }
}

/// `, request id X` when the server gave one.
struct RequestId<'a>(Option<&'a str>);

impl fmt::Display for RequestId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(id) => write!(f, ", request id {id}"),
            None => Ok(()),
        }
    }
}

/// Why a request is not retried, as a record says it.
struct StopReason<'a>(retry::Stop, &'a Error, &'a Transport);

impl fmt::Display for StopReason<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let StopReason(stop, error, transport) = self;
        match stop {
            retry::Stop::NotRetryable if error.may_have_succeeded() => f.write_str(
                "it may have succeeded (a write whose outcome is unknown is never sent again)",
            ),
            retry::Stop::NotRetryable => f.write_str("sending it again cannot succeed"),
            retry::Stop::NoRetriesLeft => write!(
                f,
                "no retries left (maxRetries {})",
                transport.settings.max_retries
            ),
            retry::Stop::RetryAfterTooLong => write!(
                f,
                "Retry-After {} s is longer than the {} s waited at most",
                error.retry_after().unwrap_or_default().as_secs(),
                transport.settings.backoff.max_retry_after.as_secs()
            ),
        }
    }
}

/// Where an attempt failed, as a record says it.
fn phase(failure: &Failure) -> String {
    match failure {
        Failure::NotSent => {
            "before it was sent (resolving, connecting or the TLS handshake)".into()
        }
        Failure::CertificateRejected => "in the TLS handshake".into(),
        Failure::TimedOut => "waiting for the answer".into(),
        Failure::ConnectionLost => "sending or reading: the connection broke".into(),
        Failure::Status { status, .. } => format!("with status {status}"),
        Failure::BadAnswer => "reading the answer".into(),
    }
}

/// An error about a 2xx answer (its body does not decode, is too large, or could not be taken
/// in), with the answer's status and request id: judged like a body that does not decode.
fn bad_answer(error: Error, status: u16, headers: &HeaderMap) -> (Error, Failure) {
    let error = error
        .with_status(status)
        .with_request_id(request_id(headers));
    (error, Failure::BadAnswer)
}

fn content_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// What an `on_success` that returned `Ok` stored: [`Transport::exchange`] returns `Ok` only
/// then, so the value is always there.
fn delivered<T>(value: Option<T>) -> T {
    value.expect("exchange returned Ok, so on_success stored its value")
}

/// The error for a non-2xx answer, and its failure class.
pub(crate) fn status_error(status: u16, headers: &HeaderMap, body: &[u8]) -> (Error, Failure) {
    let parsed = ApiErrorBody::parse(body);
    let message = if (300..400).contains(&status) {
        let location = headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("(no Location)");
        format!("unexpected redirect to {location}; redirects are not followed")
    } else {
        parsed.message.unwrap_or_else(|| {
            let reason = StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("error");
            format!("HTTP {status} {reason}")
        })
    };
    let failure = Failure::Status {
        status,
        api_code: parsed.code.clone(),
    };
    let error = Error::new(ErrorKind::from_status(status), message)
        .with_status(status)
        .with_code(parsed.code)
        .with_details(parsed.details)
        .with_request_id(request_id(headers))
        .with_retry_after(retry_after(headers));
    (error, failure)
}

/// `host:port` of a base URL (the scheme's port when it gives none), for error messages.
fn server_of(base_url: &str) -> String {
    let (scheme, rest) = base_url.split_once("://").unwrap_or(("https", base_url));
    let authority = rest.split('/').next().unwrap_or(rest);
    let has_port = match authority.rfind(':') {
        Some(at) => !authority[at..].contains(']'),
        None => false,
    };
    if has_port {
        authority.to_string()
    } else {
        format!("{authority}:{}", if scheme == "http" { 80 } else { 443 })
    }
}

/// The error for an attempt that got no complete answer, classified by phase; `server` is the
/// `host:port` the message names.
fn transport_error(e: ureq::Error, server: &str) -> (Error, Failure) {
    use ureq::Error as U;
    let (kind, failure, message) = match &e {
        U::Other(inner) => match inner.downcast_ref::<NotSent>() {
            Some(NotSent(cause)) => not_sent_error(cause, server),
            None => (
                ErrorKind::Network,
                Failure::ConnectionLost,
                format!("request to {server} failed: {e}"),
            ),
        },
        U::Timeout(t) => (
            ErrorKind::Timeout,
            Failure::TimedOut,
            format!("timed out waiting for {server} ({t})"),
        ),
        U::Io(io) => (
            ErrorKind::Network,
            Failure::ConnectionLost,
            format!("the connection to {server} failed during the request: {io}"),
        ),
        U::LargeResponseHeader(..) => (
            ErrorKind::Decode,
            Failure::BadAnswer,
            format!("response headers from {server} too large: {e}"),
        ),
        // Anything else after the connection was set up (a malformed answer, ...): the request
        // may have been acted on, and sending it again is not expected to help.
        _ => (
            ErrorKind::Network,
            Failure::BadAnswer,
            format!("request to {server} failed: {e}"),
        ),
    };
    (Error::new(kind, message).with_source(e), failure)
}

/// A failure while resolving, connecting, tunnelling or in the TLS handshake with `server`.
fn not_sent_error(cause: &ureq::Error, server: &str) -> (ErrorKind, Failure, String) {
    use ureq::Error as U;
    if is_certificate_refusal(cause) {
        return (
            ErrorKind::Network,
            Failure::CertificateRejected,
            format!(
                "the server's TLS certificate was refused ({server}: {cause}); to trust a CA that is \
                 installed on this machine, use tlsRoots \"system\" (Rust: TlsRoots::System); \
                 to trust a private CA, give its PEM file as caFile or AGENTPHONE_CA_FILE"
            ),
        );
    }
    let tls = |detail: String| {
        // A plain-HTTP server answers the ClientHello with an HTTP status line, which rustls
        // reads as a record of an unknown content type.
        let plain = detail.contains("InvalidContentType") || detail.contains("corrupt message");
        let hint = if plain {
            format!(
                "; {server} answers plain HTTP, not HTTPS: use an http:// base URL for it \
                 (allowed for loopback hosts only)"
            )
        } else {
            String::new()
        };
        format!("TLS handshake with {server} failed: {detail}{hint}")
    };
    let (kind, message) = match cause {
        U::Timeout(_) => (
            ErrorKind::Timeout,
            format!("timed out connecting to {server}"),
        ),
        U::HostNotFound => (
            ErrorKind::Network,
            format!("could not resolve the host of {server}"),
        ),
        U::Io(io) if io.kind() == std::io::ErrorKind::InvalidData => {
            (ErrorKind::Network, tls(io.to_string()))
        }
        U::Rustls(_) => (ErrorKind::Network, tls(cause.to_string())),
        _ => (
            ErrorKind::Network,
            format!("could not connect to {server}: {cause}"),
        ),
    };
    (kind, Failure::NotSent, message)
}

fn request_id(headers: &HeaderMap) -> Option<String> {
    ["x-request-id", "request-id"]
        .iter()
        .find_map(|h| headers.get(*h)?.to_str().ok())
        .map(str::to_string)
}

/// `Retry-After` as seconds or an HTTP date, at most [`RETRY_AFTER_CEILING`].
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get("retry-after")?.to_str().ok()?.trim();
    let ceiling = RETRY_AFTER_CEILING.as_secs();
    let wait = if let Ok(secs) = v.parse::<u64>() {
        Duration::from_secs(secs.min(ceiling))
    } else if v.bytes().all(|b| b.is_ascii_digit()) && !v.is_empty() {
        // More digits than a u64 holds.
        RETRY_AFTER_CEILING
    } else if let Ok(secs) = v.parse::<f64>() {
        if !secs.is_finite() || secs < 0.0 {
            return None;
        }
        Duration::from_secs_f64(secs.min(ceiling as f64))
    } else {
        let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
        let wait = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
        wait.to_std().unwrap_or(Duration::ZERO)
    };
    Some(wait.min(RETRY_AFTER_CEILING))
}

/// The URL of a request: the base URL, the path, the encoded query pairs, then the raw query
/// (already checked to be validly encoded).
pub(crate) fn request_url(base: &str, req: &ApiRequest) -> String {
    let mut url = String::with_capacity(base.len() + req.path.len() + 32);
    url.push_str(base);
    url.push_str(&req.path);
    for (i, (k, v)) in req.query.iter().enumerate() {
        url.push(if i == 0 { '?' } else { '&' });
        url.push_str(k);
        url.push('=');
        url.extend(utf8_percent_encode(v, QUERY_VALUE));
    }
    if let Some(raw) = &req.raw_query {
        url.push(if req.query.is_empty() { '?' } else { '&' });
        url.push_str(raw);
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;
    use ureq::http::HeaderValue;
    use ureq::Timeout;

    /// The server the classification tests' errors name.
    const SERVER: &str = "api.example.test:443";

    #[test]
    fn the_server_named_is_the_base_urls_host_and_port() {
        assert_eq!(
            server_of("https://api.agentphone.ai"),
            "api.agentphone.ai:443"
        );
        assert_eq!(server_of("http://127.0.0.1:8080/base"), "127.0.0.1:8080");
        assert_eq!(server_of("http://localhost"), "localhost:80");
        assert_eq!(server_of("https://[::1]"), "[::1]:443");
        assert_eq!(server_of("https://[::1]:9443/x"), "[::1]:9443");
    }

    fn headers(k: &'static str, v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(k, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn retry_after_forms() {
        let ra = |v: &str| retry_after(&headers("retry-after", v));
        assert_eq!(ra("7"), Some(Duration::from_secs(7)));
        assert_eq!(ra("0.5"), Some(Duration::from_millis(500)));
        let later = chrono::Utc::now() + chrono::Duration::seconds(120);
        let d = ra(&later.to_rfc2822()).unwrap();
        assert!(
            d > Duration::from_secs(100) && d <= Duration::from_secs(120),
            "{d:?}"
        );
        assert_eq!(ra("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
        assert_eq!(ra("soon"), None);
        assert_eq!(ra("-3"), None);
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }

    #[test]
    fn huge_retry_after_is_clamped_never_wrapped() {
        for v in [
            "18446744073709552",
            "18446744073709551615",
            "99999999999999999999999999",
            "1e300",
            "Fri, 31 Dec 9999 23:59:59 GMT",
        ] {
            let d = retry_after(&headers("retry-after", v)).unwrap();
            assert_eq!(d, RETRY_AFTER_CEILING, "{v}");
            // The C API reports milliseconds: the ceiling fits with room to spare.
            assert!(u64::try_from(d.as_millis()).is_ok());
        }
    }

    #[test]
    fn failures_are_classified_by_phase_not_by_io_kind() {
        let not_sent = |e: ureq::Error| ureq::Error::Other(Box::new(NotSent(e)));
        let io = |k: io::ErrorKind| ureq::Error::Io(io::Error::from(k));
        // Inside the connector: not sent, whatever the error says.
        for e in [
            io(io::ErrorKind::ConnectionRefused),
            io(io::ErrorKind::ConnectionReset),
            io(io::ErrorKind::InvalidData),
            ureq::Error::HostNotFound,
            ureq::Error::Timeout(Timeout::Connect),
        ] {
            let (_, failure) = transport_error(not_sent(e), SERVER);
            assert_eq!(failure, Failure::NotSent);
        }
        let (e, _) = transport_error(not_sent(ureq::Error::Timeout(Timeout::Connect)), SERVER);
        assert_eq!(e.kind(), ErrorKind::Timeout);
        // After the connection was set up: the request may have arrived, even for kinds that
        // sound like "never reached" (EHOSTUNREACH after long retransmission failures).
        for k in [
            io::ErrorKind::HostUnreachable,
            io::ErrorKind::ConnectionRefused,
            io::ErrorKind::ConnectionReset,
            io::ErrorKind::UnexpectedEof,
        ] {
            assert_eq!(
                transport_error(io(k), SERVER).1,
                Failure::ConnectionLost,
                "{k:?}"
            );
        }
        let (e, failure) = transport_error(ureq::Error::Timeout(Timeout::RecvResponse), SERVER);
        assert_eq!((e.kind(), failure), (ErrorKind::Timeout, Failure::TimedOut));
    }

    #[test]
    fn a_refused_certificate_is_its_own_class() {
        let cert = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let wrapped = ureq::Error::Io(io::Error::new(io::ErrorKind::InvalidData, cert.clone()));
        for e in [wrapped, ureq::Error::Rustls(cert)] {
            let (error, failure) =
                transport_error(ureq::Error::Other(Box::new(NotSent(e))), SERVER);
            assert_eq!(failure, Failure::CertificateRejected);
            assert!(
                error.message().contains("certificate was refused"),
                "{error}"
            );
        }
        let other = rustls::Error::HandshakeNotComplete;
        let e = ureq::Error::Io(io::Error::new(io::ErrorKind::InvalidData, other));
        let (error, failure) = transport_error(ureq::Error::Other(Box::new(NotSent(e))), SERVER);
        assert_eq!(failure, Failure::NotSent);
        assert!(
            error
                .message()
                .starts_with("TLS handshake with api.example.test:443 failed"),
            "{error}"
        );
    }

    #[test]
    fn status_errors_carry_the_api_code_for_the_policy() {
        let (e, failure) = status_error(
            409,
            &HeaderMap::new(),
            br#"{"error":{"message":"sent, unconfirmed","code":"DELIVERY_UNCONFIRMED"}}"#,
        );
        assert_eq!(e.code(), Some("DELIVERY_UNCONFIRMED"));
        assert_eq!(
            retry::judge(Method::Post.is_idempotent(), &failure),
            retry::Verdict {
                retryable: false,
                may_have_succeeded: true
            }
        );
    }
}
