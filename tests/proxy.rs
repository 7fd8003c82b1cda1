//! Proxies come from the environment (`ALL_PROXY` here), and are never used for loopback base
//! URLs. Its own test binary: it sets process-wide environment variables.

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
}
