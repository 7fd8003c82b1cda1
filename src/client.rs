//! [`Client`], its [`ClientBuilder`], and the defaults of every setting.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use ureq::http::Uri;

use crate::error::Error;
use crate::tls::{TlsRoots, ENV_CA_FILE};
use crate::transport::retry::Backoff;
use crate::transport::{env_var, proxy_for, Settings, Transport};

/// The production API.
pub const DEFAULT_BASE_URL: &str = "https://api.agentphone.ai";
/// Environment variable read for the API key when none is given.
pub const ENV_API_KEY: &str = "AGENTPHONE_API_KEY";
/// Environment variable read for the base URL when none is given.
pub const ENV_BASE_URL: &str = "AGENTPHONE_BASE_URL";
/// Default bound on one attempt: connect, TLS, sending and receiving the whole response.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default bound on connection set-up (TCP connect and TLS handshake).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default number of retries after the first attempt (see the crate docs for which failures).
pub const DEFAULT_MAX_RETRIES: u32 = 2;
/// Default largest response body read; a larger one is an error and is never buffered whole.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 16 * 1024 * 1024;
/// Default largest recording downloaded ([`Calls::save_recording`](crate::Calls::save_recording),
/// [`Calls::recording_to`](crate::Calls::recording_to)): streamed to its destination, never held
/// whole. JSON answers have their own limit, [`DEFAULT_MAX_RESPONSE_BYTES`].
pub const DEFAULT_MAX_RECORDING_BYTES: u64 = 1 << 30;
/// Upper bound on [`ClientBuilder::max_recording_bytes`] (64 GiB).
pub const MAX_MAX_RECORDING_BYTES: u64 = 64 << 30;
/// Default number of idle keep-alive connections kept per host.
pub const DEFAULT_MAX_IDLE_PER_HOST: usize = 16;
/// Default first retry delay; it doubles on each retry.
pub const DEFAULT_RETRY_BASE_DELAY: Duration = Duration::from_millis(500);
/// Default cap on one retry delay.
pub const DEFAULT_RETRY_MAX_DELAY: Duration = Duration::from_secs(8);
/// A `Retry-After` longer than this is not waited for: the error is returned with
/// [`Error::retry_after`] set.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// Upper bound on [`ClientBuilder::timeout`] and [`ClientBuilder::connect_timeout`] (1 hour).
/// Each setting has an upper bound, so that a typo (a timeout in microseconds, say) is an error.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(3600);
/// Upper bound on [`ClientBuilder::max_retries`].
pub const MAX_MAX_RETRIES: u32 = 10;
/// Upper bound on [`ClientBuilder::max_response_bytes`] (1 GiB).
pub const MAX_MAX_RESPONSE_BYTES: u64 = 1 << 30;

/// The User-Agent prefix: `agentphone-rust/<crate version>`.
pub const USER_AGENT: &str = concat!("agentphone-rust/", env!("CARGO_PKG_VERSION"));

/// A blocking client of the AgentPhone API.
///
/// Cheap to clone (one `Arc`), `Send + Sync`: share one client between threads, and they share
/// its keep-alive connection pool. Its `Debug` shows the API key redacted.
#[derive(Clone)]
pub struct Client {
    transport: Arc<Transport>,
}

impl Client {
    /// A builder with every setting at its default.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the environment: `AGENTPHONE_API_KEY` (required) and
    /// `AGENTPHONE_BASE_URL` (optional), every other setting at its default.
    pub fn from_env() -> Result<Client, Error> {
        ClientBuilder::default().build()
    }

    /// The request path, for the resource handles (each api file's accessor) and the C API.
    pub(crate) fn transport(&self) -> &Transport {
        &self.transport
    }

    /// The base URL requests go to (without a trailing slash).
    pub fn base_url(&self) -> &str {
        &self.transport.settings().base_url
    }

    /// The User-Agent sent with every request.
    pub fn user_agent(&self) -> &str {
        &self.transport.settings().user_agent
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.transport.settings();
        f.debug_struct("Client")
            .field("api_key", &"<redacted>")
            .field("base_url", &s.base_url)
            .field("sub_account_id", &s.sub_account_id)
            .field("timeout", &s.timeout)
            .field("connect_timeout", &s.connect_timeout)
            .field("max_retries", &s.max_retries)
            .field("max_response_bytes", &s.max_response_bytes)
            .field("max_recording_bytes", &s.max_recording_bytes)
            .field("proxy", &s.proxy.as_ref().map(|p| (p.host(), p.port())))
            .field("user_agent", &s.user_agent)
            .finish()
    }
}

/// Configures a [`Client`]. Every setting has a documented default; [`ClientBuilder::build`]
/// checks them all and names the first one that is wrong.
#[derive(Clone, Default)]
pub struct ClientBuilder {
    api_key: Option<String>,
    base_url: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    max_retries: Option<u32>,
    sub_account_id: Option<String>,
    max_response_bytes: Option<u64>,
    max_recording_bytes: Option<u64>,
    user_agent_suffix: Option<String>,
    tls_roots: Option<TlsRoots>,
    max_idle_per_host: Option<usize>,
    retry_delays: Option<(Duration, Duration)>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("max_retries", &self.max_retries)
            .field("sub_account_id", &self.sub_account_id)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("max_recording_bytes", &self.max_recording_bytes)
            .field("user_agent_suffix", &self.user_agent_suffix)
            .field("tls_roots", &self.tls_roots)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The API key, sent as `Authorization: Bearer <key>`. Default: `AGENTPHONE_API_KEY`.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The API's base URL. Default: `AGENTPHONE_BASE_URL`, else [`DEFAULT_BASE_URL`].
    /// It must be `https`, except for loopback hosts (127.0.0.0/8, `::1`, `localhost`).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Bound on one attempt: connect, TLS, sending, and receiving the whole response.
    /// Default: [`DEFAULT_TIMEOUT`] (30 s). Retries get a fresh budget each.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Bound on connection set-up (TCP connect and TLS handshake). Default: 10 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Retries after the first attempt, for the failures the retry policy allows.
    /// Default: 2; `0` sends exactly one request.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = Some(retries);
        self
    }

    /// Scopes requests to a sub-account (header `X-Sub-Account-Id`). Default: none.
    pub fn sub_account_id(mut self, id: impl Into<String>) -> Self {
        self.sub_account_id = Some(id.into());
        self
    }

    /// Largest response body read. Default: 16 MiB.
    pub fn max_response_bytes(mut self, bytes: u64) -> Self {
        self.max_response_bytes = Some(bytes);
        self
    }

    /// Largest call recording downloaded, streamed to its file or writer (and held whole only
    /// by [`Calls::recording`](crate::Calls::recording)). Default: 1 GiB
    /// ([`DEFAULT_MAX_RECORDING_BYTES`]), at most 64 GiB.
    pub fn max_recording_bytes(mut self, bytes: u64) -> Self {
        self.max_recording_bytes = Some(bytes);
        self
    }

    /// Appended to the User-Agent: `agentphone-rust/<version> <suffix>`. Default: none.
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// Idle keep-alive connections kept per host: at least the number of threads that share the
    /// client, so that concurrent calls reuse connections. Default: 16.
    pub fn max_idle_connections_per_host(mut self, n: usize) -> Self {
        self.max_idle_per_host = Some(n);
        self
    }

    /// The certificate authorities trusted for https. Default: [`ENV_CA_FILE`] when it is set
    /// (as [`TlsRoots::CaFile`]), else [`TlsRoots::Bundled`]. A PEM file is read by
    /// [`ClientBuilder::build`], which refuses a missing, unreadable or empty one.
    pub fn tls_roots(mut self, roots: TlsRoots) -> Self {
        self.tls_roots = Some(roots);
        self
    }

    /// The first retry delay and the cap on any one delay (default 500 ms and 8 s). Delays double
    /// from `base` up to `max`, with jitter; a server's `Retry-After` overrides them.
    pub fn retry_backoff(mut self, base: Duration, max: Duration) -> Self {
        self.retry_delays = Some((base, max));
        self
    }

    /// Checks every setting (filling in environment variables and defaults) and builds the client.
    ///
    /// Fails with [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) naming the setting: no API key, an empty key, a
    /// key or header value with control characters, a URL that is not http(s), plain http to a
    /// non-loopback host, a zero or absurd timeout, limit or retry count, or a proxy from the
    /// environment that cannot be used (a SOCKS proxy, a value that is not a URL): the error
    /// names the variable.
    pub fn build(self) -> Result<Client, Error> {
        crate::logging::init_from_env();
        let api_key = match self.api_key {
            Some(k) => k,
            None => std::env::var(ENV_API_KEY).map_err(|_| {
                Error::invalid(
                    "apiKey",
                    format_args!("no API key given and {ENV_API_KEY} is not set"),
                )
            })?,
        };
        if api_key.trim().is_empty() {
            return Err(Error::invalid("apiKey", "must not be empty"));
        }
        if !is_header_safe(&api_key) || api_key.contains(' ') {
            // The key itself is never echoed.
            return Err(Error::invalid(
                "apiKey",
                "must be printable ASCII without spaces",
            ));
        }
        let base_url = match self.base_url {
            Some(u) => u,
            None => std::env::var(ENV_BASE_URL)
                .ok()
                .filter(|u| !u.trim().is_empty())
                .unwrap_or_else(|| DEFAULT_BASE_URL.to_string()),
        };
        let (base_url, loopback) = check_base_url(&base_url)?;
        let timeout = check_duration("timeout", self.timeout.unwrap_or(DEFAULT_TIMEOUT))?;
        let connect_timeout = check_duration(
            "connectTimeout",
            self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
        )?;
        let max_retries = self.max_retries.unwrap_or(DEFAULT_MAX_RETRIES);
        if max_retries > MAX_MAX_RETRIES {
            return Err(Error::invalid(
                "maxRetries",
                format_args!("must be at most {MAX_MAX_RETRIES}, got {max_retries}"),
            ));
        }
        let max_response_bytes = check_byte_limit(
            "maxResponseBytes",
            self.max_response_bytes
                .unwrap_or(DEFAULT_MAX_RESPONSE_BYTES),
            MAX_MAX_RESPONSE_BYTES,
        )?;
        let max_recording_bytes = check_byte_limit(
            "maxRecordingBytes",
            self.max_recording_bytes
                .unwrap_or(DEFAULT_MAX_RECORDING_BYTES),
            MAX_MAX_RECORDING_BYTES,
        )?;
        if let Some(id) = &self.sub_account_id {
            if id.is_empty() || !is_header_safe(id) {
                return Err(Error::invalid(
                    "subAccountId",
                    "must be non-empty printable ASCII",
                ));
            }
        }
        let user_agent = match &self.user_agent_suffix {
            None => USER_AGENT.to_string(),
            Some(s) if !s.is_empty() && is_header_safe(s) => format!("{USER_AGENT} {s}"),
            Some(_) => {
                return Err(Error::invalid(
                    "userAgent",
                    "must be non-empty printable ASCII",
                ))
            }
        };
        let max_idle_per_host = self.max_idle_per_host.unwrap_or(DEFAULT_MAX_IDLE_PER_HOST);
        if max_idle_per_host == 0 || max_idle_per_host > 1024 {
            return Err(Error::invalid(
                "maxIdleConnectionsPerHost",
                "must be between 1 and 1024",
            ));
        }
        let (retry_base_delay, retry_max_delay) = self
            .retry_delays
            .unwrap_or((DEFAULT_RETRY_BASE_DELAY, DEFAULT_RETRY_MAX_DELAY));
        if retry_base_delay > retry_max_delay || retry_max_delay > MAX_RETRY_AFTER {
            return Err(Error::invalid(
                "retryBackoff",
                "base must not exceed max, and max must be at most 60 s",
            ));
        }

        // Proxies are never used for loopback; the base URL's host is the only one contacted.
        let proxy = match (loopback, base_url.parse::<Uri>()) {
            (false, Ok(uri)) => proxy_for(
                uri.scheme_str().unwrap_or("https"),
                uri.host().unwrap_or_default(),
                env_var,
            )?,
            _ => None,
        };
        let tls_roots = match self.tls_roots {
            Some(roots) => roots,
            None => match std::env::var_os(ENV_CA_FILE).filter(|v| !v.is_empty()) {
                Some(path) => TlsRoots::CaFile(path.into()),
                None => TlsRoots::Bundled,
            },
        };
        let root_certs = tls_roots.load()?;
        let transport = Transport::new(Settings {
            base_url,
            authorization: format!("Bearer {api_key}"),
            sub_account_id: self.sub_account_id,
            user_agent,
            timeout,
            connect_timeout,
            max_idle_per_host,
            proxy,
            max_retries,
            backoff: Backoff {
                base: retry_base_delay,
                max: retry_max_delay,
                max_retry_after: MAX_RETRY_AFTER,
            },
            max_response_bytes,
            max_recording_bytes,
            root_certs,
        });
        Ok(Client {
            transport: Arc::new(transport),
        })
    }
}

/// Printable ASCII (what an HTTP header value may safely hold).
fn is_header_safe(s: &str) -> bool {
    s.bytes().all(|b| (0x20..0x7f).contains(&b))
}

/// A size limit of 1 to `max` bytes.
fn check_byte_limit(field: &str, bytes: u64, max: u64) -> Result<u64, Error> {
    if bytes == 0 || bytes > max {
        return Err(Error::invalid(
            field,
            format_args!("must be between 1 and {max}, got {bytes}"),
        ));
    }
    Ok(bytes)
}

fn check_duration(field: &str, d: Duration) -> Result<Duration, Error> {
    if d.is_zero() || d > MAX_TIMEOUT {
        return Err(Error::invalid(
            field,
            format_args!("must be more than 0 and at most 1 hour, got {d:?}"),
        ));
    }
    Ok(d)
}

/// True for 127.0.0.0/8, `::1` and `localhost`.
pub(crate) fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    host.parse::<std::net::IpAddr>()
        .map(|ip| ip.is_loopback())
        .unwrap_or(false)
}

/// Checks the base URL; returns it without a trailing slash, and whether its host is loopback.
fn check_base_url(url: &str) -> Result<(String, bool), Error> {
    let bad = |rule: &str| Error::invalid("baseUrl", format_args!("{rule}, got {url:?}"));
    let uri: Uri = url
        .parse()
        .map_err(|_| bad("must be an absolute http(s) URL"))?;
    let host = uri
        .host()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| bad("must be an absolute http(s) URL with a host"))?;
    if uri.query().is_some() || url.contains('#') {
        return Err(bad("must not have a query or fragment"));
    }
    if url.contains('@') {
        return Err(bad("must not contain credentials"));
    }
    let loopback = is_loopback_host(host);
    match uri.scheme_str() {
        Some("https") => {}
        Some("http") if loopback => {}
        Some("http") => {
            return Err(bad(
                "must use https (plain http is allowed only for 127.0.0.0/8, ::1 and localhost)",
            ))
        }
        _ => return Err(bad("must be an absolute http(s) URL")),
    }
    // http::Uri keeps authorities that no request can be sent to (`host:(80`, `[x]y`, reporting
    // no port or a host it never checked): the host and the port are checked here instead.
    if let Some(rule) = authority_problem(uri.authority().map_or("", |a| a.as_str())) {
        return Err(bad(rule));
    }
    // Every path the library sends starts with /v1: a base URL ending in it (what the API's
    // docs show as the URL of an endpoint's root) would make every call `/v1/v1/...`, a 404.
    if uri.path().trim_end_matches('/').ends_with("/v1") {
        return Err(bad(
            "must not end in /v1 (every request's path starts with /v1 already): give the \
             server's root, e.g. \"https://api.agentphone.ai\"",
        ));
    }
    Ok((url.trim_end_matches('/').to_string(), loopback))
}

/// What is wrong with a base URL's authority (no user info: that is refused before), if anything:
/// the host must be a name of letters, digits, `-`, `_` and `.`, a dotted-quad IPv4 address, or
/// an IPv6 address in brackets; a port, when there is one, 1 to 65535.
fn authority_problem(authority: &str) -> Option<&'static str> {
    let (host, port) = match authority.strip_prefix('[') {
        Some(rest) => {
            let (ip, after) = rest.split_once(']').unwrap_or((rest, "!"));
            if ip.parse::<std::net::Ipv6Addr>().is_err() {
                return Some("must have an IPv6 address between [ and ]");
            }
            match after {
                "" => (ip, None),
                _ => match after.strip_prefix(':') {
                    Some(port) => (ip, Some(port)),
                    None => return Some("must have only a port after the IPv6 address"),
                },
            }
        }
        None => match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    let name_ok = |label: &str| {
        !label.is_empty()
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    // One trailing dot is an absolute name (`api.example.com.`).
    let name = host.strip_suffix('.').unwrap_or(host);
    if !authority.starts_with('[') && !name.split('.').all(name_ok) {
        return Some("must have a host name of letters, digits, '-' and '.', or an IP address");
    }
    // A host whose last label is a number (decimal, or hex after `0x`) is an IPv4 address to URL
    // parsers (WHATWG), a name to the resolver: only a dotted-quad address is accepted, so that
    // both read it alike.
    let is_number = |l: &str| match l.strip_prefix("0x").or_else(|| l.strip_prefix("0X")) {
        Some(hex) => hex.bytes().all(|b| b.is_ascii_hexdigit()),
        None => l.bytes().all(|b| b.is_ascii_digit()),
    };
    let numeric_end = name.rsplit('.').next().is_some_and(is_number);
    if !authority.starts_with('[') && numeric_end && name.parse::<std::net::Ipv4Addr>().is_err() {
        return Some("must have a host that is a name or an IPv4 address a.b.c.d");
    }
    if let Some(port) = port {
        if !port.bytes().all(|b| b.is_ascii_digit()) || !matches!(port.parse::<u16>(), Ok(1..)) {
            return Some("must have a port from 1 to 65535 after the host's colon");
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn build(b: ClientBuilder) -> Result<Client, Error> {
        b.api_key("sk_test_secret").build()
    }

    #[test]
    fn base_url_rules() {
        for ok in [
            "https://api.agentphone.ai",
            "https://api.agentphone.ai/",
            "http://127.0.0.1:8080",
            "http://127.9.9.9",
            "http://[::1]:9000/prefix/",
            "http://localhost:1",
            "https://api.agentphone.ai.:443/v1x",
            "https://gw.example.com/v1/agentphone",
        ] {
            let c = build(Client::builder().base_url(ok)).unwrap();
            assert!(!c.base_url().ends_with('/'), "{ok}");
        }
        for bad in [
            "http://api.agentphone.ai",
            "http://10.0.0.1",
            "ftp://localhost",
            "api.agentphone.ai",
            "",
            "https://",
            "https://h/x?y=1",
            "https://user:pw@h",
            // Found by the c_inputs fuzz target: ports that are not numbers were accepted.
            "http://127.0.0.1:(080/",
            "http://127.0.0.1:/",
            "https://h:0",
            "https://h:65536",
            "https://h:+80",
            "http://[::1]:x",
            "https://[acustls]i.eti.meoutMsm/v",
            "http://[::1]x/",
            "https://a..b",
            "https://h%41",
            "https://h!/",
            "https://maxR.0/v",
            "http://127.1",
            "http://127.0.0.1.5",
            "https://a7.0X7./v",
            "https://api.0x1f",
            "https://api.0x",
            "https://api.agentphone.ai/v1",
            "https://api.agentphone.ai/v1/",
            "http://127.0.0.1:8080/base/v1",
        ] {
            let e = build(Client::builder().base_url(bad)).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{bad}");
            assert!(e.message().starts_with("baseUrl: "), "{}", e.message());
        }
        let e = build(Client::builder().base_url("https://api.agentphone.ai/v1")).unwrap_err();
        assert!(
            e.message().contains("must not end in /v1")
                && e.message().contains("https://api.agentphone.ai\""),
            "the refusal gives the fix: {e}"
        );
    }

    #[test]
    fn settings_are_bounded() {
        let cases = [
            (Client::builder().timeout(Duration::ZERO), "timeout"),
            (
                Client::builder().timeout(Duration::from_secs(7200)),
                "timeout",
            ),
            (
                Client::builder().connect_timeout(Duration::ZERO),
                "connectTimeout",
            ),
            (Client::builder().max_retries(11), "maxRetries"),
            (Client::builder().max_response_bytes(0), "maxResponseBytes"),
            (Client::builder().sub_account_id("a\nb"), "subAccountId"),
            (Client::builder().user_agent_suffix("x\r\ny"), "userAgent"),
        ];
        for (b, field) in cases {
            let e = build(b).unwrap_err();
            assert!(e.message().starts_with(field), "{}", e.message());
        }
        let e = Client::builder().api_key("  ").build().unwrap_err();
        assert_eq!(e.message(), "apiKey: must not be empty");
    }

    #[test]
    fn debug_redacts_the_key() {
        let b = Client::builder().api_key("sk_live_very_secret");
        assert!(!format!("{b:?}").contains("very_secret"));
        let c = b.build().unwrap();
        let d = format!("{c:?}");
        assert!(
            !d.contains("very_secret") && d.contains("<redacted>"),
            "{d}"
        );
        let e = Client::builder()
            .api_key("sk_live_very\u{7}secret")
            .build()
            .unwrap_err();
        assert!(!format!("{e} {e:?}").contains("very"));
    }

    #[test]
    fn user_agent() {
        let c = build(Client::builder()).unwrap();
        assert_eq!(c.user_agent(), USER_AGENT);
        let c = build(Client::builder().user_agent_suffix("myapp/1.2")).unwrap();
        assert_eq!(
            c.user_agent(),
            format!("agentphone-rust/{} myapp/1.2", env!("CARGO_PKG_VERSION"))
        );
    }
}
