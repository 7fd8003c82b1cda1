//! Receiving webhooks: verify a request's signature and age, and read its event (no client is
//! needed); or let a [`Receiver`] serve them: a blocking HTTP server that verifies, drops
//! duplicates, hands each new event to the program and answers voice turns (its HTTP contract
//! is [`Receiver`]'s doc).
//!
//! The API signs each delivery with the webhook's secret (`whsec_...`, from
//! [`crate::Webhooks::set`]): the header `X-Webhook-Signature` is `sha256=` and the lowercase
//! hex of HMAC-SHA256, keyed with the secret's UTF-8 bytes, over the `X-Webhook-Timestamp`
//! header exactly as received, a `.`, and the raw body bytes. A request is accepted when the
//! signature matches (compared in constant time) and the timestamp is within the tolerance of
//! now, either way (default 300 s).
//!
//! ```
//! use agentphone::webhook::{sign, Verifier};
//!
//! let body = br#"{"event":"agent.message","channel":"sms","data":{"messageId":"msg_1"}}"#;
//! let signature = sign("whsec_test", "1700000000", body);
//! let event = Verifier::new("whsec_test")
//!     .now(1_700_000_100) // a fixed clock, for the example
//!     .verify(&signature, "1700000000", body)
//!     .unwrap();
//! assert_eq!(event.event, "agent.message");
//! ```

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ring::hmac;

use crate::error::{Error, ErrorKind};
mod dedupe;
mod https;
mod receiver;

#[cfg(feature = "fuzzing")]
pub(crate) use receiver::answers as receiver_answers;

pub use crate::model::events::{
    CallEndedEvent, Event, EventData, HistoryItem, MessageEvent, ReactionEvent, VoiceReply,
    VoiceTurnEvent, VOICE_REPLY_JSON, VOICE_REPLY_NDJSON,
};
pub use receiver::{
    Delivery, Receiver, ReceiverBuilder, Reply, StopHandle, DEFAULT_DEDUPE_CAPACITY,
    DEFAULT_DEDUPE_TTL, DEFAULT_DRAIN_TIMEOUT, DEFAULT_LISTEN, DEFAULT_MAX_BODY_BYTES,
    DEFAULT_PATH, DEFAULT_READ_TIMEOUT, DEFAULT_THREADS, MAX_HEAD_BYTES, MAX_MAX_BODY_BYTES,
    MAX_THREADS, MAX_TIMEOUT,
};

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "X-Webhook-Signature";
/// The header that carries the timestamp (unix seconds).
pub const TIMESTAMP_HEADER: &str = "X-Webhook-Timestamp";
/// The header that carries the delivery's id: the dedupe key.
pub const ID_HEADER: &str = "X-Webhook-ID";
/// The replay window when none is given.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// `sha256=` and the lowercase hex HMAC-SHA256 of `timestamp.body` keyed with `secret`: the
/// `X-Webhook-Signature` of a delivery (for tests, and for servers that send webhooks).
pub fn sign(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(timestamp.as_bytes());
    ctx.update(b".");
    ctx.update(body);
    let tag = ctx.sign();
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256=");
    for b in tag.as_ref() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Checks webhook requests against one secret. Its `Debug` does not show the secret.
#[derive(Clone)]
pub struct Verifier {
    secret: String,
    tolerance: Option<Duration>,
    now: Option<i64>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("secret", &"<redacted>")
            .field("tolerance", &self.tolerance)
            .field("now", &self.now)
            .finish()
    }
}

impl Verifier {
    /// A verifier for this secret, with the default tolerance (300 s) and the system clock.
    pub fn new(secret: impl Into<String>) -> Verifier {
        Verifier {
            secret: secret.into(),
            tolerance: Some(DEFAULT_TOLERANCE),
            now: None,
        }
    }

    /// The replay window: a timestamp further than this from now, either way, is refused.
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = Some(tolerance);
        self
    }

    /// Accepts any timestamp (the signature is still checked). Only for replaying captured
    /// requests in tests: it removes the protection against replays.
    pub fn without_timestamp_check(mut self) -> Self {
        self.tolerance = None;
        self
    }

    /// Uses this time (unix seconds) as now instead of the system clock.
    pub fn now(mut self, unix_seconds: i64) -> Self {
        self.now = Some(unix_seconds);
        self
    }

    /// Checks the signature and the timestamp of a request, then reads its event.
    ///
    /// A failed check is an [`ErrorKind::SignatureInvalid`] error saying which check failed;
    /// it never contains the secret or the expected signature. A verified body that is not an
    /// event (a JSON object with a string `event`) is an [`ErrorKind::Decode`] error.
    pub fn verify(&self, signature: &str, timestamp: &str, body: &[u8]) -> Result<Event, Error> {
        self.check(signature, timestamp, body)?;
        Event::from_slice(body)
    }

    /// Checks the signature and the timestamp only.
    pub fn check(&self, signature: &str, timestamp: &str, body: &[u8]) -> Result<(), Error> {
        let invalid = |why: String| Error::new(ErrorKind::SignatureInvalid, why);
        let Some(hex) = signature.trim().strip_prefix("sha256=") else {
            return Err(invalid(if signature.trim().is_empty() {
                format!("missing {SIGNATURE_HEADER}")
            } else {
                format!("malformed {SIGNATURE_HEADER}: expected \"sha256=\" and 64 hex digits")
            }));
        };
        let tag = decode_lower_hex(hex).ok_or_else(|| {
            invalid(format!(
                "malformed {SIGNATURE_HEADER}: expected \"sha256=\" and 64 lowercase hex digits"
            ))
        })?;
        if timestamp.is_empty() {
            return Err(invalid(format!("missing {TIMESTAMP_HEADER}")));
        }
        let sent: i64 = timestamp
            .parse()
            .ok()
            .filter(|_| timestamp.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| {
                invalid(format!(
                    "malformed {TIMESTAMP_HEADER}: expected unix seconds (digits only)"
                ))
            })?;
        let key = hmac::Key::new(hmac::HMAC_SHA256, self.secret.as_bytes());
        let mut signed = Vec::with_capacity(timestamp.len() + 1 + body.len());
        signed.extend_from_slice(timestamp.as_bytes());
        signed.push(b'.');
        signed.extend_from_slice(body);
        // ring compares in constant time.
        hmac::verify(&key, &signed, &tag).map_err(|_| {
            invalid("signature mismatch: the body, the timestamp or the secret differs".into())
        })?;
        if let Some(tolerance) = self.tolerance {
            let now = self.now.unwrap_or_else(unix_now);
            let age = now.saturating_sub(sent);
            let limit = i64::try_from(tolerance.as_secs()).unwrap_or(i64::MAX);
            if age > limit {
                return Err(invalid(format!(
                    "timestamp too old: {age} s ago, more than the {limit} s allowed"
                )));
            }
            if -age > limit {
                return Err(invalid(format!(
                    "timestamp too far in the future: {} s ahead, more than the {limit} s allowed",
                    -age
                )));
            }
        }
        Ok(())
    }
}

/// The bytes of 64 lowercase hex digits; `None` for anything else (upper case included: the
/// API signs in lower case, and the header is compared whole).
fn decode_lower_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.len() != 64 {
        return None;
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    hex.as_bytes()
        .chunks(2)
        .map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect()
}

/// The system clock, in unix seconds.
fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] =
        br#"{"event":"agent.message","channel":"sms","data":{"messageId":"msg_1"}}"#;

    /// Made independently: `printf '%s' '1700000000.{BODY}' | openssl dgst -sha256 -hmac whsec_test`.
    const OPENSSL_SIGNATURE: &str =
        "sha256=e8e9bd483d9960dadaf34878699115a888bb3ffe4f05fa8841dcc44f4c1b681c";

    fn verifier() -> Verifier {
        Verifier::new("whsec_test").now(1_700_000_000)
    }

    #[test]
    fn a_signature_made_elsewhere_verifies() {
        assert_eq!(sign("whsec_test", "1700000000", BODY), OPENSSL_SIGNATURE);
        verifier()
            .verify(OPENSSL_SIGNATURE, "1700000000", BODY)
            .unwrap();
    }

    #[test]
    fn every_failure_says_which_check_failed_and_never_the_secret() {
        let good = sign("whsec_test", "1700000000", BODY);
        let upper = format!("sha256={}", good[7..].to_uppercase());
        let sha1 = good.replacen("sha256=", "sha1=", 1);
        let other = sign("whsec_other", "1700000000", BODY);
        let cases: Vec<(&str, &str, &[u8], &str)> = vec![
            ("", "1700000000", BODY, "missing X-Webhook-Signature"),
            (&sha1, "1700000000", BODY, "malformed X-Webhook-Signature"),
            (&upper, "1700000000", BODY, "malformed X-Webhook-Signature"),
            (
                "sha256=abc",
                "1700000000",
                BODY,
                "malformed X-Webhook-Signature",
            ),
            (&good, "", BODY, "missing X-Webhook-Timestamp"),
            (&good, "17e8", BODY, "malformed X-Webhook-Timestamp"),
            (&good, "-1700000000", BODY, "malformed X-Webhook-Timestamp"),
            (&good, "1700000001", BODY, "signature mismatch"),
            (&good, "1700000000", b"{}", "signature mismatch"),
            (&other, "1700000000", BODY, "signature mismatch"),
        ];
        for (sig, ts, body, want) in cases {
            let e = verifier().verify(sig, ts, body).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::SignatureInvalid);
            assert!(e.message().starts_with(want), "{want}: {e}");
            assert!(!e.message().contains("whsec") && !e.message().contains(&good[7..]));
        }
    }

    #[test]
    fn the_replay_window_is_symmetric_and_configurable() {
        let at = |ts: i64| {
            let sig = sign("whsec_test", &ts.to_string(), BODY);
            verifier().verify(&sig, &ts.to_string(), BODY)
        };
        assert!(at(1_700_000_000 - 300).is_ok());
        assert!(at(1_700_000_000 + 300).is_ok());
        let e = at(1_700_000_000 - 301).unwrap_err();
        assert_eq!(
            e.message(),
            "timestamp too old: 301 s ago, more than the 300 s allowed"
        );
        let e = at(1_700_000_000 + 301).unwrap_err();
        assert!(
            e.message()
                .starts_with("timestamp too far in the future: 301 s"),
            "{e}"
        );
        let sig = sign("whsec_test", "1", BODY);
        assert!(verifier()
            .without_timestamp_check()
            .verify(&sig, "1", BODY)
            .is_ok());
        assert!(verifier()
            .tolerance(Duration::from_secs(10))
            .verify(&sig, "1", BODY)
            .is_err());
    }

    #[test]
    fn a_verified_body_must_be_an_event() {
        for body in [&b"[]"[..], b"{}", b"{\"event\": 5}", b"not json", b""] {
            let sig = sign("whsec_test", "1700000000", body);
            let e = verifier().verify(&sig, "1700000000", body).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
        }
    }

    #[test]
    fn debug_hides_the_secret() {
        assert!(!format!("{:?}", Verifier::new("whsec_secret")).contains("whsec_secret"));
    }
}
