//! The retry policy as plain functions over plain data: which failures may be sent again, for
//! which methods, whether the server may have acted, and how long to wait.
//!
//! The one question that decides whether a POST may be repeated is whether the request could
//! have reached the server. That is a matter of the phase the failure happened in (see
//! [`Failure`]), never of the I/O error's kind: `EHOSTUNREACH` on a connection that already
//! carried the request says nothing about whether the server saw it.

use std::time::Duration;

/// How an attempt failed, by the phase it failed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    /// Resolving the host, connecting, the proxy tunnel or the TLS handshake failed (or timed
    /// out): no byte of the request was written, so the server cannot have acted.
    NotSent,
    /// The server's certificate was refused. Sending again cannot succeed.
    CertificateRejected,
    /// The attempt timed out after the connection was set up: the request may have reached the
    /// server and been acted on.
    TimedOut,
    /// The connection failed (reset, closed, any I/O error) after it was set up.
    ConnectionLost,
    /// The server answered with a status outside 2xx. `api_code` is the error code of its body.
    Status {
        status: u16,
        api_code: Option<String>,
    },
    /// A 2xx answer whose body could not be read or decoded (malformed, too large).
    BadAnswer,
}

/// What a failure means for the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Verdict {
    /// Sending the same call again cannot act twice, and may succeed.
    pub retryable: bool,
    /// A non-idempotent write (POST) whose outcome is unknown: it may have been carried out.
    pub may_have_succeeded: bool,
}

/// Statuses worth another try for a request that may be repeated.
fn transient_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

/// The server's answer when a POST was received but its delivery could not be confirmed.
pub(crate) const DELIVERY_UNCONFIRMED: &str = "DELIVERY_UNCONFIRMED";

/// Judges a failure of a request; `idempotent` says whether sending it twice is the same as
/// sending it once (GET, PUT, PATCH, DELETE, and the POSTs that are marked so).
pub(crate) fn judge(idempotent: bool, failure: &Failure) -> Verdict {
    // Outcome unknown: the request may have been processed.
    let unknown = |retry_if_idempotent: bool| Verdict {
        retryable: idempotent && retry_if_idempotent,
        may_have_succeeded: !idempotent,
    };
    match failure {
        Failure::NotSent => Verdict {
            retryable: true,
            may_have_succeeded: false,
        },
        Failure::CertificateRejected => Verdict::default(),
        Failure::TimedOut | Failure::ConnectionLost => unknown(true),
        Failure::BadAnswer => unknown(false),
        // A 429 is a refusal: the server did not act, whatever the method.
        Failure::Status { status: 429, .. } => Verdict {
            retryable: true,
            may_have_succeeded: false,
        },
        Failure::Status {
            status: 409,
            api_code: Some(code),
        } if code == DELIVERY_UNCONFIRMED => unknown(false),
        Failure::Status { status, .. } if *status >= 500 => unknown(transient_status(*status)),
        Failure::Status { status, .. } => Verdict {
            retryable: idempotent && transient_status(*status),
            may_have_succeeded: false,
        },
    }
}

/// Whether the server may have acted on an attempt that failed this way: its outcome is
/// unknown (a timeout or a lost connection after sending, a 5xx, an unconfirmed delivery, a 2xx
/// whose body did not arrive whole).
pub(crate) fn may_have_acted(failure: &Failure) -> bool {
    match failure {
        Failure::NotSent | Failure::CertificateRejected => false,
        Failure::TimedOut | Failure::ConnectionLost | Failure::BadAnswer => true,
        Failure::Status {
            status: 409,
            api_code: Some(code),
        } => code == DELIVERY_UNCONFIRMED,
        Failure::Status { status, .. } => *status >= 500,
    }
}

/// Whether an error answer says the write was already done: a 404 to a DELETE, or one of the
/// request's own "already done" codes.
pub(crate) fn already_done(is_delete: bool, codes: &[&str], failure: &Failure) -> bool {
    match failure {
        Failure::Status { status: 404, .. } if is_delete => true,
        Failure::Status {
            status: 400..=499,
            api_code: Some(code),
        } => codes.contains(&code.as_str()),
        _ => false,
    }
}

/// The delays between attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Backoff {
    /// The first delay; each retry doubles it.
    pub base: Duration,
    /// No delay is longer (before jitter).
    pub max: Duration,
    /// A `Retry-After` longer than this is not waited for.
    pub max_retry_after: Duration,
}

/// Why a failed request is not sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The verdict: sending it again could act twice, or cannot succeed.
    NotRetryable,
    /// Every retry `max_retries` allows was made.
    NoRetriesLeft,
    /// The server's `Retry-After` is longer than [`Backoff::max_retry_after`].
    RetryAfterTooLong,
}

/// Whether to try again after a failure, and after how long, or why not.
///
/// `retries_done` counts the retries already made; `random` is any random number (it places the
/// delay in the upper half of the backoff step, so that clients that failed together do not
/// retry together). The server's `Retry-After` replaces the backoff when present.
pub(crate) fn next_delay(
    verdict: Verdict,
    retries_done: u32,
    max_retries: u32,
    retry_after: Option<Duration>,
    backoff: Backoff,
    random: u64,
) -> Result<Duration, Stop> {
    if !verdict.retryable {
        return Err(Stop::NotRetryable);
    }
    if retries_done >= max_retries {
        return Err(Stop::NoRetriesLeft);
    }
    match retry_after {
        Some(wait) if wait > backoff.max_retry_after => Err(Stop::RetryAfterTooLong),
        Some(wait) => Ok(wait),
        None => Ok(jittered(backoff, retries_done, random)),
    }
}

/// `base * 2^n` capped at `max`, then a point in its upper half chosen by `random`.
fn jittered(backoff: Backoff, retries_done: u32, random: u64) -> Duration {
    let full = backoff
        .base
        .checked_mul(1u32 << retries_done.min(16))
        .unwrap_or(backoff.max)
        .min(backoff.max);
    let half = full / 2;
    let span = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
    let jitter = if span == 0 {
        0
    } else {
        random % span.saturating_add(1)
    };
    half + Duration::from_nanos(jitter)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::request::Method::{self, *};
    use Failure::*;

    fn status(status: u16) -> Failure {
        Status {
            status,
            api_code: None,
        }
    }

    /// Every row of the README's retry policy table: the failure, the method, and what follows.
    #[test]
    fn the_policy_table() {
        // (method, failure, retryable, may have succeeded)
        let rows: Vec<(Method, Failure, bool, bool)> = vec![
            // Never reached the server (DNS, connect, proxy, TLS handshake, connect timeout):
            // every method is sent again; nothing can have happened.
            (Get, NotSent, true, false),
            (Delete, NotSent, true, false),
            (Put, NotSent, true, false),
            (Patch, NotSent, true, false),
            (Post, NotSent, true, false),
            // A refused certificate: never sent again, for any method.
            (Get, CertificateRejected, false, false),
            (Post, CertificateRejected, false, false),
            // Timeout or lost connection once connected: idempotent methods again; a POST may
            // have acted and is reported, never re-sent.
            (Get, TimedOut, true, false),
            (Delete, TimedOut, true, false),
            (Post, TimedOut, false, true),
            (Get, ConnectionLost, true, false),
            (Patch, ConnectionLost, true, false),
            (Post, ConnectionLost, false, true),
            // 429: refused, not acted on; any method is sent again.
            (Get, status(429), true, false),
            (Post, status(429), true, false),
            // 408 and 500/502/503/504: idempotent methods again; a POST may have acted.
            (Get, status(408), true, false),
            (Post, status(408), false, false),
            (Get, status(500), true, false),
            (Delete, status(502), true, false),
            (Put, status(503), true, false),
            (Get, status(504), true, false),
            (Post, status(500), false, true),
            (Post, status(502), false, true),
            (Post, status(503), false, true),
            (Post, status(504), false, true),
            // 501 and other 5xx: not worth another try; a POST may still have acted.
            (Get, status(501), false, false),
            (Post, status(501), false, true),
            // Other 4xx: the request was refused as it is.
            (Get, status(400), false, false),
            (Post, status(400), false, false),
            (Get, status(401), false, false),
            (Get, status(404), false, false),
            (Post, status(409), false, false),
            (Post, status(422), false, false),
            // 409 DELIVERY_UNCONFIRMED: the server took the POST but cannot say it went out.
            (
                Post,
                Status {
                    status: 409,
                    api_code: Some(DELIVERY_UNCONFIRMED.into()),
                },
                false,
                true,
            ),
            // A 2xx body that cannot be decoded: the POST happened; nothing to retry.
            (Post, BadAnswer, false, true),
            (Get, BadAnswer, false, false),
        ];
        // A POST marked idempotent (end a call) is judged like a read.
        assert_eq!(
            judge(true, &TimedOut),
            judge(Get.is_idempotent(), &TimedOut)
        );
        for (method, failure, retryable, may_have_succeeded) in rows {
            assert_eq!(
                judge(method.is_idempotent(), &failure),
                Verdict {
                    retryable,
                    may_have_succeeded
                },
                "{method:?} {failure:?}"
            );
        }
    }

    const B: Backoff = Backoff {
        base: Duration::from_millis(500),
        max: Duration::from_secs(8),
        max_retry_after: Duration::from_secs(60),
    };
    const RETRY: Verdict = Verdict {
        retryable: true,
        may_have_succeeded: false,
    };

    #[test]
    fn delays_double_from_base_with_jitter_in_the_upper_half_and_are_capped() {
        for (n, full_ms) in [
            (0, 500),
            (1, 1000),
            (2, 2000),
            (3, 4000),
            (4, 8000),
            (20, 8000),
        ] {
            let full = Duration::from_millis(full_ms);
            let low = next_delay(RETRY, n, 30, None, B, 0).unwrap();
            let high = next_delay(RETRY, n, 30, None, B, u64::MAX - 1).unwrap();
            assert_eq!(low, full / 2, "retry {n}");
            assert!(high >= full / 2 && high <= full, "retry {n}: {high:?}");
        }
    }

    #[test]
    fn retry_after_wins_unless_longer_than_the_cap() {
        let d = next_delay(RETRY, 0, 2, Some(Duration::from_secs(7)), B, 0);
        assert_eq!(d, Ok(Duration::from_secs(7)));
        let d = next_delay(RETRY, 0, 2, Some(Duration::from_secs(61)), B, 0);
        assert_eq!(d, Err(Stop::RetryAfterTooLong));
    }

    #[test]
    fn stops_when_not_retryable_or_out_of_retries() {
        assert_eq!(
            next_delay(Verdict::default(), 0, 2, None, B, 0),
            Err(Stop::NotRetryable)
        );
        assert_eq!(
            next_delay(RETRY, 2, 2, None, B, 0),
            Err(Stop::NoRetriesLeft)
        );
        assert!(next_delay(RETRY, 1, 2, None, B, 0).is_ok());
        assert_eq!(
            next_delay(RETRY, 0, 0, None, B, 0),
            Err(Stop::NoRetriesLeft)
        );
    }
}
