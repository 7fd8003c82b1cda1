//! The raw request's path check: an accepted path, joined to the base URL, keeps the scheme,
//! host and port, and never climbs above the base path, as two independent parsers read it (the
//! WHATWG URL parser, which resolves `.`/`..` and their encodings, and `http::Uri`, which ureq
//! sends with).
#![no_main]
use libfuzzer_sys::fuzz_target;

const BASES: [&str; 3] = [
    "https://api.agentphone.ai",
    "https://api.agentphone.ai/base",
    "http://127.0.0.1:8080/a/b",
];

fuzz_target!(|data: &[u8]| {
    let Ok(path) = std::str::from_utf8(data) else {
        return;
    };
    for base in BASES {
        let Ok(joined) = agentphone::fuzzing::raw_request_url(base, "GET", path) else {
            continue;
        };
        let base_url = url::Url::parse(base).unwrap();
        let url = url::Url::parse(&joined)
            .unwrap_or_else(|e| panic!("{joined:?} (from {path:?}) is not a URL: {e}"));
        assert_eq!(url.scheme(), base_url.scheme(), "{joined:?}");
        assert_eq!(url.host_str(), base_url.host_str(), "{joined:?}");
        assert_eq!(
            url.port_or_known_default(),
            base_url.port_or_known_default(),
            "{joined:?}"
        );
        assert!(
            url.username().is_empty() && url.password().is_none(),
            "{joined:?}"
        );
        assert!(url.fragment().is_none(), "{joined:?}");
        // No segment was removed by dot-segment resolution: the resolved path has as many
        // segments as the base path and the given path together, and starts with the base path.
        let base_path = base_url.path().trim_end_matches('/');
        assert!(
            url.path().starts_with(&format!("{base_path}/")),
            "{joined:?} -> {url}"
        );
        let given = path.split('?').next().unwrap();
        let want = base_path.matches('/').count() + given.matches('/').count();
        assert_eq!(url.path().matches('/').count(), want, "{joined:?} -> {url}");

        if let Ok(uri) = joined.parse::<http::Uri>() {
            let base_uri: http::Uri = base.parse().unwrap();
            assert_eq!(uri.scheme(), base_uri.scheme(), "{joined:?}");
            assert_eq!(uri.authority(), base_uri.authority(), "{joined:?}");
            assert!(
                uri.path().starts_with(&format!("{base_path}/")),
                "{joined:?}"
            );
        }
    }
});
