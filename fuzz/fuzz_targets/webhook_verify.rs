//! The webhook verifier accepts a request exactly when its signature is `sha256=` and the
//! lowercase hex HMAC-SHA256 (computed here from SHA-256, not with ring) of `timestamp.body`
//! under the secret, and the timestamp is unix seconds within the window; the event parser
//! never panics on what it accepts.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};

/// HMAC-SHA256 (RFC 2104) built on the hash alone.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let inner: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
    let outer: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
    let inner_hash = Sha256::new()
        .chain_update(&inner)
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(&outer)
        .chain_update(inner_hash)
        .finalize()
        .into()
}

const NOW: i64 = 1_760_000_000;
const WINDOW: i64 = 300;

fuzz_target!(|input: (String, String, Vec<u8>, String, u8, i16)| {
    let (secret, raw_timestamp, body, raw_signature, choice, skew) = input;
    // Half the time a timestamp near NOW, so the window is exercised.
    let timestamp = if choice & 1 == 0 {
        (NOW + i64::from(skew)).to_string()
    } else {
        raw_timestamp
    };
    let mut message = timestamp.as_bytes().to_vec();
    message.push(b'.');
    message.extend_from_slice(&body);
    let expected: String = hmac_sha256(secret.as_bytes(), &message)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let expected = format!("sha256={expected}");
    // Sometimes the right signature, sometimes it with one character changed, else anything.
    let signature = match choice >> 1 & 3 {
        0 => expected.clone(),
        1 if !raw_signature.is_empty() => {
            let mut s = expected.clone().into_bytes();
            let i = raw_signature.len() % s.len();
            s[i] = raw_signature.as_bytes()[0];
            String::from_utf8_lossy(&s).into_owned()
        }
        _ => raw_signature,
    };
    let verifier = agentphone::webhook::Verifier::new(secret.clone())
        .tolerance(std::time::Duration::from_secs(WINDOW as u64))
        .now(NOW);
    let accepted = verifier.check(&signature, &timestamp, &body).is_ok();
    let in_window = !timestamp.is_empty()
        && timestamp.bytes().all(|b| b.is_ascii_digit())
        && timestamp
            .parse::<i64>()
            .is_ok_and(|t| (NOW - t).abs() <= WINDOW);
    let should = signature.trim() == expected && in_window;
    assert_eq!(
        accepted, should,
        "signature {signature:?} timestamp {timestamp:?}"
    );
    if accepted {
        let _ = verifier.verify(&signature, &timestamp, &body);
    }
});
