//! The HTTP/1.1 request reader of agentphone-http (the sandbox's server), on bytes from an untrusted client: no panic; memory
//! bounded by the head and body limits; and the same requests, and the same refusal, however
//! the bytes are split into reads.
//!
//! Input: the first byte chooses how to cut the rest into chunks (one piece, or pieces of a
//! length taken from the following bytes in turn), and with its high bit, a server that takes
//! chunked bodies (the receiver's) or one that refuses them (the sandbox's).
#![no_main]

use agentphone_http::fuzzing::{requests, requests_chunked};
use agentphone_http::{MAX_BODY_BYTES, MAX_HEAD_BYTES};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&cut, stream)) = data.split_first() else {
        return;
    };
    let read = if cut & 0x80 == 0 {
        requests
    } else {
        requests_chunked
    };
    let whole = read(&[stream]);
    let mut chunks: Vec<&[u8]> = Vec::new();
    let mut rest = stream;
    let mut step = usize::from(cut % 16) + 1;
    while !rest.is_empty() {
        let n = step.min(rest.len());
        chunks.push(&rest[..n]);
        rest = &rest[n..];
        step = usize::from(rest.first().copied().unwrap_or(1) % 32) + 1;
    }
    let split = read(&chunks);
    assert_eq!(
        whole.requests, split.requests,
        "requests differ by chunking"
    );
    assert_eq!(whole.refused, split.refused, "refusal differs by chunking");
    for parsed in [&whole, &split] {
        assert!(
            parsed.peak_buffer <= MAX_HEAD_BYTES + MAX_BODY_BYTES + 8192,
            "held {} bytes",
            parsed.peak_buffer
        );
        for (method, path, _, body, _) in &parsed.requests {
            assert!(!method.is_empty() && !path.is_empty());
            assert!(body.len() <= MAX_BODY_BYTES);
        }
    }
    if let Some(status) = whole.refused {
        assert!(
            matches!(status, 400 | 408 | 413 | 431 | 501),
            "refused with {status}"
        );
    }
});
