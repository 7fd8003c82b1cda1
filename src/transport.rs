//! The one request path every operation uses: build the request, send it, retry what the policy
//! allows, read the body under the size limit, decode it, and map failures to [`Error`].

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io;
use std::marker::PhantomData;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::de::DeserializeOwned;
use ureq::config::Config;
use ureq::http::{HeaderMap, Response, StatusCode, Uri};
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};
use ureq::{Body, Timeout};

use crate::client::{Client, MAX_RETRY_AFTER};
use crate::error::{ApiErrorBody, Error, ErrorKind};

/// The HTTP methods the API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
    Delete,
}

impl Method {
    /// GET and DELETE may be repeated: a second DELETE of a released number is refused by the
    /// server, never billed. POST may buy a second number.
    fn is_idempotent(self) -> bool {
        !matches!(self, Method::Post)
    }
}

/// An [`ApiRequest`] together with the type its answer decodes to. Built (and validated) once per
/// operation in `numbers.rs`/`agents.rs`, and sent by the Rust methods and the C API alike.
pub(crate) struct Call<T> {
    request: ApiRequest,
    response: PhantomData<fn() -> T>,
}

impl<T> Call<T> {
    pub fn new(request: ApiRequest) -> Call<T> {
        Call {
            request,
            response: PhantomData,
        }
    }
}

/// A decoded 2xx answer with the body it came from.
pub(crate) struct Decoded<T> {
    pub value: T,
    /// The body as received (`{}` for an empty body where that is allowed).
    pub body: Vec<u8>,
    /// True when serializing `value` would say nothing the body does not already say in the same
    /// form: no timestamp without an offset, no alternative sender/recipient spelling, no `null`
    /// message body. The C API then returns the body itself instead of re-serializing it.
    pub canonical: bool,
}

/// One API call, before it is sent. Paths hold ids already encoded by
/// [`crate::validate::segment`].
#[derive(Debug)]
pub(crate) struct ApiRequest {
    pub method: Method,
    pub path: String,
    pub query: Vec<(&'static str, String)>,
    pub body: Option<Vec<u8>>,
    /// Release and detach may answer 204 or an empty 200: read that as `{}`.
    pub empty_body_is_object: bool,
}

impl ApiRequest {
    pub fn new(method: Method, path: String) -> ApiRequest {
        ApiRequest {
            method,
            path,
            query: Vec::new(),
            body: None,
            empty_body_is_object: false,
        }
    }

    pub fn query(mut self, key: &'static str, value: Option<impl ToString>) -> ApiRequest {
        if let Some(v) = value {
            self.query.push((key, v.to_string()));
        }
        self
    }

    pub fn json_body(mut self, body: &impl serde::Serialize) -> Result<ApiRequest, Error> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::new(ErrorKind::InvalidArgument, format!("request body: {e}")))?;
        self.body = Some(bytes);
        Ok(self)
    }

    pub fn empty_body_is_object(mut self) -> ApiRequest {
        self.empty_body_is_object = true;
        self
    }
}

/// Query values are encoded like form values (`:` and `+` of a timestamp included).
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The settings the connection pool is built from.
pub(crate) struct AgentSettings<'a> {
    pub timeout: std::time::Duration,
    pub connect_timeout: std::time::Duration,
    pub user_agent: &'a str,
    pub max_idle_per_host: usize,
    pub use_env_proxy: bool,
}

/// Builds the ureq agent: one keep-alive pool, no redirects, error statuses returned as
/// responses, and the per-attempt timeout as `timeout_per_call` (with [`FastResolver`], which
/// keeps that timeout from spawning a resolver thread on every call).
pub(crate) fn new_agent(s: &AgentSettings<'_>) -> ureq::Agent {
    let config = Config::builder()
        .http_status_as_error(false)
        // Never follow a redirect: the Authorization header must not reach another host, and a
        // redirected POST could act twice. A 3xx is returned as an error instead.
        .max_redirects(0)
        .https_only(false) // the base URL is checked by the builder: https, or http on loopback
        .user_agent(s.user_agent)
        .proxy(if s.use_env_proxy {
            ureq::Proxy::try_from_env()
        } else {
            None
        })
        .timeout_per_call(Some(s.timeout))
        .timeout_connect(Some(s.connect_timeout.min(s.timeout)))
        .max_idle_connections(s.max_idle_per_host.max(64))
        .max_idle_connections_per_host(s.max_idle_per_host)
        .build();
    ureq::Agent::with_parts(config, DefaultConnector::default(), FastResolver::default())
}

/// How long a resolved host name is reused.
const DNS_TTL: Duration = Duration::from_secs(30);

/// Resolves IP-literal hosts without a lookup, and caches host-name lookups for [`DNS_TTL`].
///
/// ureq resolves the host before every call, even one served from the pool; with a per-call
/// timeout its default resolver runs each lookup on a new thread. Here an IP literal costs
/// nothing and a name costs one (time-bounded) lookup per 30 s.
#[derive(Debug, Default)]
struct FastResolver {
    inner: DefaultResolver,
    cache: Mutex<Option<(String, ResolvedSocketAddrs, Instant)>>,
}

impl Resolver for FastResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let (Some(host), Some(scheme)) = (uri.host(), uri.scheme_str()) else {
            return self.inner.resolve(uri, config, timeout);
        };
        let port = uri
            .port_u16()
            .unwrap_or(if scheme == "https" { 443 } else { 80 });
        if let Ok(ip) = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
        {
            let mut out = self.empty();
            out.push(SocketAddr::new(ip, port));
            return Ok(out);
        }
        let key = format!("{host}:{port}");
        if let Ok(cache) = self.cache.lock() {
            if let Some((k, addrs, at)) = cache.as_ref() {
                if *k == key && at.elapsed() < DNS_TTL {
                    return Ok(addrs.clone());
                }
            }
        }
        let addrs = self.inner.resolve(uri, config, timeout)?;
        if let Ok(mut cache) = self.cache.lock() {
            *cache = Some((key, addrs.clone(), Instant::now()));
        }
        Ok(addrs)
    }
}

/// What one attempt produced.
enum Attempt {
    /// A complete response (any status), its body read under the limit.
    Answer {
        status: u16,
        headers: HeaderMap,
        body: Vec<u8>,
    },
    /// The request failed before a complete answer arrived.
    Failed(ureq::Error),
    /// The answer's body was larger than the limit (never retried: it would be again).
    TooLarge(Error),
}

impl Client {
    /// Sends the call, retrying as the policy allows, and decodes a 2xx body as `T`.
    pub(crate) fn execute<T: DeserializeOwned>(&self, call: Call<T>) -> Result<T, Error> {
        self.execute_decoded(call).map(|d| d.value)
    }

    /// As [`Client::execute`], also returning the body and whether it is canonical.
    pub(crate) fn execute_decoded<T: DeserializeOwned>(
        &self,
        call: Call<T>,
    ) -> Result<Decoded<T>, Error> {
        let req = call.request;
        let url = self.url(&req);
        let mut retries_done = 0;
        loop {
            let attempt = self.attempt(&req, &url);
            let error = match attempt {
                Attempt::Answer {
                    status,
                    headers,
                    body,
                } if (200..300).contains(&status) => {
                    return decode(&req, status, &headers, body);
                }
                Attempt::Answer {
                    status,
                    headers,
                    body,
                } => status_error(status, &headers, &body),
                Attempt::Failed(e) => transport_error(e),
                Attempt::TooLarge(e) => (e, Retry::Never),
            };
            let (error, retryable) = error;
            if !retryable.allows(req.method) || retries_done >= self.inner.max_retries {
                return Err(error);
            }
            let delay = match error.retry_after() {
                Some(wait) if wait > MAX_RETRY_AFTER => return Err(error),
                Some(wait) => wait,
                None => self.backoff(retries_done),
            };
            std::thread::sleep(delay);
            retries_done += 1;
        }
    }

    fn url(&self, req: &ApiRequest) -> String {
        let mut url = String::with_capacity(self.inner.base_url.len() + req.path.len() + 32);
        url.push_str(&self.inner.base_url);
        url.push_str(&req.path);
        for (i, (k, v)) in req.query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(k);
            url.push('=');
            url.extend(utf8_percent_encode(v, QUERY_VALUE));
        }
        url
    }

    fn attempt(&self, req: &ApiRequest, url: &str) -> Attempt {
        let inner = &*self.inner;
        let result = match (req.method, &req.body) {
            (Method::Get, _) => with_headers(inner.agent.get(url), inner).call(),
            (Method::Delete, _) => with_headers(inner.agent.delete(url), inner).call(),
            (Method::Post, body) => with_headers(inner.agent.post(url), inner)
                .header("Content-Type", "application/json")
                .send(body.as_deref().unwrap_or(b"{}")),
        };
        match result {
            Ok(response) => self.read(response),
            Err(e) => Attempt::Failed(e),
        }
    }

    /// Reads the body, never more than `max_response_bytes` of it.
    fn read(&self, response: Response<Body>) -> Attempt {
        let (parts, mut body) = response.into_parts();
        match body
            .with_config()
            .limit(self.inner.max_response_bytes)
            .read_to_vec()
        {
            Ok(body) => Attempt::Answer {
                status: parts.status.as_u16(),
                headers: parts.headers,
                body,
            },
            Err(ureq::Error::BodyExceedsLimit(limit)) => {
                let error = Error::new(
                    ErrorKind::Decode,
                    format!("response body is larger than maxResponseBytes ({limit} bytes)"),
                )
                .with_status(parts.status.as_u16())
                .with_request_id(request_id(&parts.headers));
                Attempt::TooLarge(error)
            }
            Err(e) => Attempt::Failed(e),
        }
    }

    /// Exponential backoff with jitter: `base * 2^n`, capped, then a random point in its upper
    /// half, so that clients that failed together do not retry together.
    fn backoff(&self, retries_done: u32) -> Duration {
        let base = self.inner.retry_base_delay;
        let cap = self.inner.retry_max_delay;
        let full = base
            .checked_mul(1u32 << retries_done.min(16))
            .unwrap_or(cap)
            .min(cap);
        let half = full / 2;
        let nanos = half.as_nanos() as u64;
        let jitter = if nanos == 0 {
            0
        } else {
            random_u64() % (nanos + 1)
        };
        half + Duration::from_nanos(jitter)
    }
}

/// A random number from the standard library's per-instance hash keys (no extra dependency):
/// every `RandomState` gets fresh keys, so hashing nothing already gives a new value.
pub(crate) fn random_u64() -> u64 {
    RandomState::new().build_hasher().finish()
}

fn with_headers<B>(
    rb: ureq::RequestBuilder<B>,
    inner: &crate::client::Inner,
) -> ureq::RequestBuilder<B> {
    let rb = rb
        .header("Authorization", &inner.authorization)
        .header("Accept", "application/json");
    match &inner.sub_account_id {
        Some(id) => rb.header("X-Sub-Account-Id", id),
        None => rb,
    }
}

/// Which methods may retry after a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Retry {
    Never,
    /// Only requests that can be repeated safely (GET, DELETE).
    Idempotent,
    /// Any request: the server provably did not act (not reached, or 429).
    Any,
}

impl Retry {
    fn allows(self, method: Method) -> bool {
        match self {
            Retry::Never => false,
            Retry::Idempotent => method.is_idempotent(),
            Retry::Any => true,
        }
    }
}

/// The error for a non-2xx answer, and whether it may be retried.
fn status_error(status: u16, headers: &HeaderMap, body: &[u8]) -> (Error, Retry) {
    let parsed = ApiErrorBody::parse(body);
    let retry_after = retry_after(headers);
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
    let error = Error::new(ErrorKind::from_status(status), message)
        .with_status(status)
        .with_code(parsed.code)
        .with_details(parsed.details)
        .with_request_id(request_id(headers))
        .with_retry_after(retry_after);
    let retry = match status {
        429 => Retry::Any,
        408 | 500 | 502 | 503 | 504 => Retry::Idempotent,
        _ => Retry::Never,
    };
    (error, retry)
}

/// The error for a failed attempt, and whether it may be retried.
fn transport_error(e: ureq::Error) -> (Error, Retry) {
    use ureq::Error as U;
    let (kind, retry, message) = match &e {
        U::Timeout(Timeout::Resolve | Timeout::Connect) => (
            ErrorKind::Timeout,
            // No byte of the request was sent: safe even for POST.
            Retry::Any,
            "timed out connecting to the server".to_string(),
        ),
        U::Timeout(t) => (
            ErrorKind::Timeout,
            Retry::Idempotent,
            format!("timed out waiting for the server ({t:?})"),
        ),
        U::HostNotFound => (
            ErrorKind::Network,
            Retry::Any,
            "could not resolve the host".to_string(),
        ),
        U::ConnectionFailed => (
            ErrorKind::Network,
            Retry::Any,
            "could not connect to the server".to_string(),
        ),
        U::Tls(_) | U::Rustls(_) => (
            ErrorKind::Network,
            Retry::Any,
            format!("TLS handshake failed: {e}"),
        ),
        U::Io(io) if never_reached(io) => (
            ErrorKind::Network,
            Retry::Any,
            format!("could not connect to the server: {io}"),
        ),
        U::Io(io) => (
            ErrorKind::Network,
            Retry::Idempotent,
            format!("connection failed during the request: {io}"),
        ),
        U::LargeResponseHeader(..) => (
            ErrorKind::Decode,
            Retry::Never,
            format!("response headers too large: {e}"),
        ),
        _ => (
            ErrorKind::Network,
            Retry::Never,
            format!("request failed: {e}"),
        ),
    };
    (Error::new(kind, message).with_source(e), retry)
}

/// I/O errors that only happen before the request is written: the server never saw it.
fn never_reached(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::AddrNotAvailable
            | io::ErrorKind::NetworkUnreachable
            | io::ErrorKind::HostUnreachable
    )
}

fn decode<T: DeserializeOwned>(
    req: &ApiRequest,
    status: u16,
    headers: &HeaderMap,
    body: Vec<u8>,
) -> Result<Decoded<T>, Error> {
    let body = if req.empty_body_is_object && body.iter().all(u8::is_ascii_whitespace) {
        b"{}".to_vec()
    } else {
        body
    };
    crate::model::take_normalized();
    let value = serde_json::from_slice(&body).map_err(|e| {
        Error::new(
            ErrorKind::Decode,
            format!("response is not the documented shape: {e}"),
        )
        .with_status(status)
        .with_request_id(request_id(headers))
        .with_source(e)
    })?;
    Ok(Decoded {
        value,
        body,
        canonical: !crate::model::take_normalized(),
    })
}

fn request_id(headers: &HeaderMap) -> Option<String> {
    ["x-request-id", "request-id"]
        .iter()
        .find_map(|h| headers.get(*h)?.to_str().ok())
        .map(str::to_string)
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get("retry-after")?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = v.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::from_secs_f64(secs.min(1e9)));
        }
    }
    let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let wait = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ureq::http::HeaderValue;

    fn headers(k: &'static str, v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(k, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn random_values_differ_call_to_call() {
        let values: std::collections::HashSet<u64> = (0..100).map(|_| random_u64()).collect();
        assert_eq!(values.len(), 100);
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(
            retry_after(&headers("retry-after", "7")),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            retry_after(&headers("retry-after", "0.5")),
            Some(Duration::from_millis(500))
        );
        let later = chrono::Utc::now() + chrono::Duration::seconds(120);
        let d = retry_after(&headers("retry-after", &later.to_rfc2822())).unwrap();
        assert!(
            d > Duration::from_secs(100) && d <= Duration::from_secs(120),
            "{d:?}"
        );
        assert_eq!(
            retry_after(&headers("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after(&headers("retry-after", "soon")), None);
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }

    #[test]
    fn status_retry_classes() {
        let h = HeaderMap::new();
        for (status, retry) in [
            (429, Retry::Any),
            (408, Retry::Idempotent),
            (500, Retry::Idempotent),
            (502, Retry::Idempotent),
            (503, Retry::Idempotent),
            (504, Retry::Idempotent),
            (501, Retry::Never),
            (400, Retry::Never),
            (404, Retry::Never),
            (422, Retry::Never),
        ] {
            assert_eq!(status_error(status, &h, b"").1, retry, "{status}");
        }
        assert!(!Retry::Idempotent.allows(Method::Post));
        assert!(Retry::Idempotent.allows(Method::Delete));
    }

    #[test]
    fn transport_retry_classes() {
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        let reset = io::Error::from(io::ErrorKind::ConnectionReset);
        let eof = io::Error::from(io::ErrorKind::UnexpectedEof);
        assert_eq!(transport_error(ureq::Error::Io(refused)).1, Retry::Any);
        assert_eq!(transport_error(ureq::Error::Io(reset)).1, Retry::Idempotent);
        assert_eq!(transport_error(ureq::Error::Io(eof)).1, Retry::Idempotent);
        assert_eq!(transport_error(ureq::Error::HostNotFound).1, Retry::Any);
        let (e, r) = transport_error(ureq::Error::Timeout(Timeout::RecvResponse));
        assert_eq!((e.kind(), r), (ErrorKind::Timeout, Retry::Idempotent));
        let (e, r) = transport_error(ureq::Error::Timeout(Timeout::Connect));
        assert_eq!((e.kind(), r), (ErrorKind::Timeout, Retry::Any));
    }
}
