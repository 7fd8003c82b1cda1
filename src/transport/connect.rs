//! Connection set-up: the connector that marks its failures as "request not sent", the
//! resolver, and the choice of proxy from the environment.
//!
//! ureq reports a failure while connecting and a failure while exchanging the request with the
//! same error variants (`Io`, `Timeout`), and a TLS handshake failure as `Io(InvalidData)`. The
//! phase is what decides whether a POST may be repeated, so everything that fails inside
//! [`PhaseConnector`] or [`FastResolver`] is wrapped in [`NotSent`] before ureq sees it.

use std::cell::Cell;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, DefaultConnector, NextTimeout, Transport,
};

use crate::error::Error;
use crate::logging::{self, record, Level};

/// A failure before any byte of the request was written: resolving, connecting, the proxy
/// tunnel, or the TLS handshake. Carried to the classifier as `ureq::Error::Other`.
#[derive(Debug)]
pub(crate) struct NotSent(pub ureq::Error);

impl fmt::Display for NotSent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for NotSent {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

fn not_sent(e: ureq::Error) -> ureq::Error {
    ureq::Error::Other(Box::new(NotSent(e)))
}

/// ureq's own connector chain (proxy, TCP, rustls), with every failure marked [`NotSent`].
/// A connection taken from the pool does not pass through here.
#[derive(Debug, Default)]
pub(crate) struct PhaseConnector {
    inner: DefaultConnector,
}

impl Connector<()> for PhaseConnector {
    type Out = Box<dyn Transport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<()>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        let started = Instant::now();
        let connection = self.inner.connect(details, chained).map_err(not_sent)?;
        NEW_CONNECTION.with(|made| made.set(true));
        if let Some(c) = &connection {
            record!(
                Level::Debug,
                "new {}connection to {}{} in {} ms ({})",
                if c.is_tls() { "TLS " } else { "" },
                host_port(details.uri),
                details
                    .config
                    .proxy()
                    .map(|p| format!(" through the {}", logging::shown_proxy(p)))
                    .unwrap_or_default(),
                started.elapsed().as_millis(),
                if c.is_tls() {
                    "resolving, TCP and the TLS handshake"
                } else {
                    "resolving and TCP"
                }
            );
        }
        Ok(connection.map(|inner| ProbeOnCheckout::new(inner).boxed()))
    }
}

/// `host:port` of a URI (the port when it has one): never its user info, which may hold a
/// proxy's credentials.
fn host_port(uri: &Uri) -> String {
    let host = uri.host().unwrap_or("?");
    match uri.port_u16() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

thread_local! {
    /// Set when this thread's attempt made a new connection (not one from the pool).
    static NEW_CONNECTION: Cell<bool> = const { Cell::new(false) };
}

/// Whether the attempt on this thread since the last call made a new connection.
pub(crate) fn took_new_connection() -> bool {
    NEW_CONNECTION.with(|made| made.replace(false))
}

/// A connection whose liveness probe runs when the pool hands it out, not also when it goes
/// back in.
///
/// ureq probes a kept-alive connection twice between two calls, each probe three syscalls on
/// the socket (non-blocking on, a one-byte read, non-blocking off): when the call that used it
/// ends, and when the next call takes it. The second probe finds everything the first would
/// (bytes the server sent past its answer, or a close), and finds it when it matters, since a
/// connection can also break while it idles. So a probe that comes straight after I/O is
/// answered "open" and left to the probe at checkout, which always runs: no I/O happens on the
/// connection between the two.
#[derive(Debug)]
struct ProbeOnCheckout {
    inner: Box<dyn Transport>,
    /// True after a read or write, until the next probe.
    used_since_probe: bool,
}

impl ProbeOnCheckout {
    fn new(inner: Box<dyn Transport>) -> ProbeOnCheckout {
        ProbeOnCheckout {
            inner,
            used_since_probe: false,
        }
    }
}

impl Transport for ProbeOnCheckout {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.used_since_probe = true;
        self.inner.transmit_output(amount, timeout)
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.used_since_probe = true;
        self.inner.await_input(timeout)
    }

    fn is_open(&mut self) -> bool {
        // The probe straight after a call (ureq's return to the pool) is deferred to checkout.
        std::mem::take(&mut self.used_since_probe) || self.inner.is_open()
    }

    fn is_tls(&self) -> bool {
        self.inner.is_tls()
    }
}

/// True when the TLS failure is the server's certificate being refused (unknown issuer, wrong
/// name, expired, ...): sending again cannot succeed.
pub(crate) fn is_certificate_refusal(e: &ureq::Error) -> bool {
    fn rustls_says_certificate(e: &rustls::Error) -> bool {
        matches!(
            e,
            rustls::Error::InvalidCertificate(_)
                | rustls::Error::NoCertificatesPresented
                | rustls::Error::InvalidCertRevocationList(_)
        )
    }
    match e {
        ureq::Error::Rustls(r) => rustls_says_certificate(r),
        ureq::Error::Io(io) => io
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            .is_some_and(rustls_says_certificate),
        _ => false,
    }
}

/// How long a resolved host name is reused.
const DNS_TTL: Duration = Duration::from_secs(30);

/// Resolves IP-literal hosts without a lookup, and caches host-name lookups for [`DNS_TTL`].
///
/// ureq resolves the host before every call, even one served from the pool; with a per-call
/// timeout its default resolver runs each lookup on a new thread. Here an IP literal costs
/// nothing and a name costs one (time-bounded) lookup per 30 s.
#[derive(Debug, Default)]
pub(crate) struct FastResolver {
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
            return self.inner.resolve(uri, config, timeout).map_err(not_sent);
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
        let addrs = self.inner.resolve(uri, config, timeout).map_err(not_sent)?;
        if let Ok(mut cache) = self.cache.lock() {
            *cache = Some((key, addrs.clone(), Instant::now()));
        }
        Ok(addrs)
    }
}

/// Reads the environment for [`proxy_for`].
pub(crate) fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The proxy for requests to `scheme://host`, from environment variables read by `env`.
///
/// The scheme's own variable wins (`HTTPS_PROXY`, then `https_proxy`; for http `HTTP_PROXY`,
/// `http_proxy`), then `ALL_PROXY`/`all_proxy`. `NO_PROXY`/`no_proxy` entries (`*`, a host, a
/// `.domain` or `*.domain`, which also match subdomains) turn the proxy off. A SOCKS proxy, or a
/// value that is not a proxy URL, is refused naming the variable: ureq is built without SOCKS,
/// and a proxy that is silently skipped or fails at every call is worse than a clear error.
pub(crate) fn proxy_for(
    scheme: &str,
    host: &str,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<ureq::Proxy>, Error> {
    let no_proxy = env("NO_PROXY").or_else(|| env("no_proxy"));
    if no_proxy.is_some_and(|list| no_proxy_matches(&list, host)) {
        return Ok(None);
    }
    let own: [&str; 2] = if scheme == "https" {
        ["HTTPS_PROXY", "https_proxy"]
    } else {
        ["HTTP_PROXY", "http_proxy"]
    };
    let Some((name, value)) = own
        .into_iter()
        .chain(["ALL_PROXY", "all_proxy"])
        .find_map(|name| env(name).map(|v| (name, v)))
    else {
        return Ok(None);
    };
    let value = value.trim();
    let scheme_of_proxy = value.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    match scheme_of_proxy.as_deref() {
        None | Some("http") | Some("https") => {}
        Some(s) if s.starts_with("socks") => {
            return Err(Error::invalid(
                name,
                format_args!(
                    "{s} proxies are not supported; use an HTTP proxy (http://host:port), \
                     or exclude {host} with NO_PROXY"
                ),
            ))
        }
        Some(s) => {
            return Err(Error::invalid(
                name,
                format_args!("unsupported proxy scheme {s:?}; use http://host:port"),
            ))
        }
    }
    ureq::Proxy::new(value).map(Some).map_err(|_| {
        // The value may hold credentials: it is not echoed.
        Error::invalid(name, "is not a valid proxy URL (expected http://host:port)")
    })
}

/// Whether `host` matches a `NO_PROXY` list.
fn no_proxy_matches(list: &str, host: &str) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    list.split(',').map(str::trim).any(|entry| {
        if entry == "*" {
            return true;
        }
        let entry = entry
            .trim_start_matches("*.")
            .trim_start_matches('.')
            .to_ascii_lowercase();
        !entry.is_empty()
            && (host == entry
                || host
                    .strip_suffix(entry.as_str())
                    .is_some_and(|rest| rest.ends_with('.')))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    fn proxy(vars: &[(&str, &str)]) -> Result<Option<String>, Error> {
        proxy_for("https", "api.agentphone.ai", env(vars))
            .map(|p| p.map(|p| format!("{}:{}", p.host(), p.port())))
    }

    #[test]
    fn the_schemes_own_variable_wins_over_all_proxy() {
        let got = proxy(&[
            ("ALL_PROXY", "socks5h://127.0.0.1:1080"),
            ("HTTPS_PROXY", "http://proxy.internal:3128"),
        ]);
        assert_eq!(got.unwrap().as_deref(), Some("proxy.internal:3128"));
        let got = proxy(&[("all_proxy", "http://a:1"), ("https_proxy", "http://b:2")]);
        assert_eq!(got.unwrap().as_deref(), Some("b:2"));
        let got = proxy(&[("ALL_PROXY", "http://a:1"), ("HTTP_PROXY", "http://b:2")]);
        assert_eq!(
            got.unwrap().as_deref(),
            Some("a:1"),
            "HTTP_PROXY is for http only"
        );
        assert_eq!(proxy(&[]).unwrap(), None);
    }

    #[test]
    fn socks_and_junk_are_refused_naming_the_variable() {
        for (var, value) in [
            ("ALL_PROXY", "socks5h://127.0.0.1:1080"),
            ("all_proxy", "socks5://127.0.0.1:1080"),
            ("HTTPS_PROXY", "socks4://127.0.0.1:1080"),
            ("HTTPS_PROXY", "ftp://u:secretpw@h:1"),
            ("HTTPS_PROXY", "http://u:secretpw@:::"),
        ] {
            let e = proxy(&[(var, value)]).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidArgument);
            assert!(e.message().starts_with(&format!("{var}: ")), "{e}");
            assert!(!e.message().contains("secretpw"), "{e}");
        }
    }

    #[test]
    fn no_proxy_turns_it_off() {
        let socks = ("ALL_PROXY", "socks5h://127.0.0.1:1080");
        for list in [
            "*",
            "api.agentphone.ai",
            "agentphone.ai",
            ".agentphone.ai",
            "*.agentphone.ai",
            "x.com, AGENTPHONE.ai",
        ] {
            assert_eq!(proxy(&[socks, ("NO_PROXY", list)]).unwrap(), None, "{list}");
        }
        for list in ["phone.ai", "api.agentphone.ai.evil", ""] {
            assert!(proxy(&[socks, ("no_proxy", list)]).is_err(), "{list}");
        }
    }
}
