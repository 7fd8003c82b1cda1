//! Proxies come from the environment, are never used for loopback base URLs, and a proxy that
//! cannot work (SOCKS) is refused when the client is built, naming the variable. Its own test
//! binary, with one test: it sets process-wide environment variables.

use agentphone::{Client, ErrorKind, ListNumbers};

mod support;
use support::{Action, RawServer};

#[test]
fn env_proxy_is_used_for_remote_hosts_and_skipped_for_loopback() {
    // The "proxy" refuses every tunnel: what matters is what it was asked.
    let proxy = RawServer::start(|_| Action::Respond(502, vec![], String::new()));
    let api = RawServer::start(|_| {
        Action::Respond(
            200,
            vec![],
            r#"{"data":[],"hasMore":false,"total":0}"#.into(),
        )
    });
    for var in [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "NO_PROXY",
        "no_proxy",
    ] {
        std::env::remove_var(var);
    }
    std::env::set_var("ALL_PROXY", proxy.url());

    let remote = Client::builder()
        .api_key("sk_proxy_test")
        .base_url("https://api.agentphone.ai")
        .max_retries(0)
        .build()
        .unwrap();
    let local = Client::builder()
        .api_key("sk_proxy_test")
        .base_url(api.url())
        .build()
        .unwrap();
    std::env::remove_var("ALL_PROXY");

    let e = remote.numbers().list(&ListNumbers::new()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network, "{e}");
    let asked = proxy.requests.lock().unwrap().clone();
    assert_eq!(asked.len(), 1);
    assert!(
        asked[0].starts_with("CONNECT api.agentphone.ai:443 HTTP/1.1"),
        "{}",
        asked[0]
    );
    // The tunnel request carries no API key: it goes inside the TLS session.
    assert!(!asked[0].contains("sk_proxy_test"));

    local.numbers().list(&ListNumbers::new()).unwrap();
    assert_eq!(api.request_count(), 1);
    assert_eq!(
        proxy.request_count(),
        1,
        "a loopback base URL must not use the proxy"
    );

    // A SOCKS proxy cannot be used: refused at build time, naming the variable, instead of a
    // misleading "connection refused" at every call.
    let remote = || {
        Client::builder()
            .api_key("sk_proxy_test")
            .base_url("https://api.agentphone.ai")
            .max_retries(0)
            .build()
    };
    std::env::set_var("ALL_PROXY", "socks5h://127.0.0.1:1080");
    let e = remote().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(
        e.message()
            .starts_with("ALL_PROXY: socks5h proxies are not supported"),
        "{e}"
    );

    // HTTPS_PROXY wins over ALL_PROXY for https: the working HTTP proxy is used.
    std::env::set_var("HTTPS_PROXY", proxy.url());
    let c = remote().unwrap();
    c.numbers().list(&ListNumbers::new()).unwrap_err();
    let asked = proxy.requests.lock().unwrap().clone();
    assert_eq!(asked.len(), 2);
    assert!(
        asked[1].starts_with("CONNECT api.agentphone.ai:443 "),
        "{}",
        asked[1]
    );

    // NO_PROXY for the host: no proxy at all, so the SOCKS value does not matter.
    std::env::remove_var("HTTPS_PROXY");
    std::env::set_var("NO_PROXY", "localhost,.agentphone.ai");
    remote().unwrap();
    std::env::remove_var("NO_PROXY");
    std::env::remove_var("ALL_PROXY");
}
