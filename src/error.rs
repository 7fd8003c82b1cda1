//! The one error type of the crate, [`Error`], and its classification, [`ErrorKind`].
//!
//! Every failure (bad input caught before sending, a transport failure, an error answer of the
//! server, a response that does not parse) is an [`Error`]. The server's error text is extracted
//! from whichever of the API's error shapes it came in (see [`Error::message`]).

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use serde_json::Value;

/// What went wrong, coarsely: the thing to `match` on.
///
/// New kinds may be added in a minor release, so matches need a `_` arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The caller's input broke a rule; nothing was sent.
    InvalidArgument,
    /// The server answered 401 or 403: the API key is missing, wrong or lacks permission.
    Unauthorized,
    /// The server answered 404.
    NotFound,
    /// The server answered 429, after the retries the policy allows.
    RateLimited,
    /// Any other non-2xx answer (400, 409, 422, 5xx, an unexpected redirect, ...).
    Api,
    /// DNS, connect, TLS, or the connection was reset or closed early.
    Network,
    /// A timeout (connect or the whole attempt) expired.
    Timeout,
    /// A 2xx response whose body is not the documented shape, or is larger than the limit.
    Decode,
    /// A webhook request whose signature or timestamp does not verify.
    SignatureInvalid,
}

impl ErrorKind {
    /// A stable lower-case name, e.g. `"not_found"` (the C API's `code`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidArgument => "invalid_argument",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::NotFound => "not_found",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Api => "api_error",
            ErrorKind::Network => "network_error",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Decode => "decode_error",
            ErrorKind::SignatureInvalid => "signature_invalid",
        }
    }

    /// The kind for an HTTP error status.
    pub(crate) fn from_status(status: u16) -> ErrorKind {
        match status {
            401 | 403 => ErrorKind::Unauthorized,
            404 => ErrorKind::NotFound,
            429 => ErrorKind::RateLimited,
            _ => ErrorKind::Api,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error from the client: see [`Error::kind`] for what happened and the accessors for what the
/// server said.
///
/// Neither `Display` nor `Debug` ever contains the API key: the key is never copied into an error.
#[derive(Debug)]
#[non_exhaustive]
pub struct Error {
    inner: Box<Inner>,
}

#[derive(Debug)]
struct Inner {
    kind: ErrorKind,
    message: String,
    status: Option<u16>,
    code: Option<String>,
    details: Option<Value>,
    request_id: Option<String>,
    retry_after: Option<Duration>,
    retryable: bool,
    may_have_succeeded: bool,
    source: Option<Box<dyn StdError + Send + Sync>>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                status: None,
                code: None,
                details: None,
                request_id: None,
                retry_after: None,
                retryable: false,
                may_have_succeeded: false,
                source: None,
            }),
        }
    }

    /// An [`ErrorKind::InvalidArgument`] naming the field and the rule it broke.
    pub(crate) fn invalid(field: &str, rule: impl fmt::Display) -> Error {
        Error::new(ErrorKind::InvalidArgument, format!("{field}: {rule}"))
    }

    pub(crate) fn with_status(mut self, status: u16) -> Error {
        self.inner.status = Some(status);
        self
    }

    pub(crate) fn with_code(mut self, code: Option<String>) -> Error {
        self.inner.code = code;
        self
    }

    pub(crate) fn with_details(mut self, details: Option<Value>) -> Error {
        self.inner.details = details;
        self
    }

    pub(crate) fn with_request_id(mut self, request_id: Option<String>) -> Error {
        self.inner.request_id = request_id;
        self
    }

    pub(crate) fn with_retry_after(mut self, retry_after: Option<Duration>) -> Error {
        self.inner.retry_after = retry_after;
        self
    }

    /// Set by the transport from the request's method and the phase the failure happened in.
    pub(crate) fn with_verdict(mut self, retryable: bool, may_have_succeeded: bool) -> Error {
        self.inner.retryable = retryable;
        self.inner.may_have_succeeded = may_have_succeeded;
        self
    }

    /// Adds a sentence to the message, after the server's text.
    pub(crate) fn with_note(mut self, note: &str) -> Error {
        self.inner.message = format!("{} ({note})", self.inner.message);
        self
    }

    pub(crate) fn with_source(mut self, source: impl StdError + Send + Sync + 'static) -> Error {
        self.inner.source = Some(Box::new(source));
        self
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The HTTP status of the server's answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }

    /// A human-readable description: for an error answer, the server's own text, taken from
    /// whichever error shape it used (`error.message`, `detail`, `message`, or the raw body);
    /// for [`ErrorKind::InvalidArgument`], the field and the rule it broke.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The server's machine-readable error code, e.g. `PHONE_NUMBER_NOT_FOUND`, when it gave one.
    pub fn code(&self) -> Option<&str> {
        self.inner.code.as_deref()
    }

    /// The server's structured details (the envelope's `error.details`, or FastAPI's `detail`
    /// list), when it gave any.
    pub fn details(&self) -> Option<&Value> {
        self.inner.details.as_ref()
    }

    /// The `X-Request-Id` (or `Request-Id`) header of the server's answer, when present.
    pub fn request_id(&self) -> Option<&str> {
        self.inner.request_id.as_deref()
    }

    /// How long the server asked the client to wait (`Retry-After`), when it did.
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }

    /// True when sending the same call again cannot act twice **and** may succeed: the request
    /// never reached the server, the server refused it for now (429), or it is a read or an
    /// idempotent write that failed with a timeout, a lost connection, 408 or 500/502/503/504.
    ///
    /// The client has already retried such failures as far as its retry settings allow; this
    /// says whether trying again later makes sense. It is false for a POST whose outcome is
    /// unknown: see [`Error::may_have_succeeded`].
    pub fn is_retryable(&self) -> bool {
        self.inner.retryable
    }

    /// True when the request was a non-idempotent write (POST: create a number, attach it, ...)
    /// whose outcome is unknown: a timeout or a lost connection after it was sent, a 5xx, a 2xx
    /// whose body could not be decoded, or a 409 `DELIVERY_UNCONFIRMED`. The server may have
    /// carried it out (and billed it): check before sending it again, e.g. list the numbers
    /// before creating another one.
    pub fn may_have_succeeded(&self) -> bool {
        self.inner.may_have_succeeded
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.write_str(i.kind.as_str())?;
        match (i.status, &i.code) {
            (Some(s), Some(c)) => write!(f, " (HTTP {s}, {c})")?,
            (Some(s), None) => write!(f, " (HTTP {s})")?,
            (None, Some(c)) => write!(f, " ({c})")?,
            (None, None) => {}
        }
        write!(f, ": {}", i.message)?;
        if let Some(id) = &i.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

/// The text, code and details of a non-2xx answer, from any of the API's error shapes.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct ApiErrorBody {
    pub message: Option<String>,
    pub code: Option<String>,
    pub details: Option<Value>,
}

/// Longest raw (non-JSON) error body kept as the message, in bytes.
const MAX_RAW_MESSAGE: usize = 1000;

impl ApiErrorBody {
    /// Reads the server's error text from the envelope `{"error": {...}}`, FastAPI's
    /// `{"detail": "..."}` or `{"detail": [{loc, msg, type}]}`, `{"message": "..."}`, or a body
    /// that is not JSON at all (kept as text, shortened).
    pub fn parse(body: &[u8]) -> ApiErrorBody {
        let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(body) else {
            return ApiErrorBody::raw(body);
        };
        let mut out = ApiErrorBody::default();
        match obj.get("error") {
            Some(Value::Object(env)) => {
                out.message = str_field(env, "message");
                out.code = str_field(env, "code").or_else(|| str_field(env, "type"));
                out.details = env.get("details").filter(|d| !d.is_null()).cloned();
            }
            Some(Value::String(s)) => out.message = text(s),
            _ => {}
        }
        match obj.get("detail") {
            Some(Value::String(s)) if out.message.is_none() => out.message = text(s),
            Some(Value::Array(items)) => {
                if out.message.is_none() {
                    out.message = text(&fastapi_message(items));
                }
                if out.details.is_none() {
                    out.details = Some(Value::Array(items.clone()));
                }
            }
            _ => {}
        }
        if out.message.is_none() {
            out.message = str_field(&obj, "message");
        }
        if out.code.is_none() {
            out.code = str_field(&obj, "code");
        }
        if out.message.is_none() {
            // JSON, but none of the known shapes: the JSON text is the most useful message.
            return ApiErrorBody {
                code: out.code,
                details: out.details,
                ..ApiErrorBody::raw(body)
            };
        }
        out
    }

    fn raw(body: &[u8]) -> ApiErrorBody {
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        if text.is_empty() {
            return ApiErrorBody::default();
        }
        let mut end = text.len().min(MAX_RAW_MESSAGE);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let mut message = text[..end].to_string();
        if end < text.len() {
            message.push_str("...");
        }
        ApiErrorBody {
            message: Some(message),
            ..ApiErrorBody::default()
        }
    }
}

fn str_field(obj: &serde_json::Map<String, Value>, key: &str) -> Option<String> {
    match obj.get(key) {
        Some(Value::String(s)) => text(s),
        _ => None,
    }
}

/// A message the server wrote, or `None` when it is empty or only spaces (then a message of
/// the crate's own stands in: an error always says something).
fn text(s: &str) -> Option<String> {
    (!s.trim().is_empty()).then(|| s.to_owned())
}

/// `"body.country: String should have at most 2 characters; query.limit: ..."`.
fn fastapi_message(items: &[Value]) -> String {
    let parts: Vec<String> = items
        .iter()
        .map(|item| {
            let msg = item
                .get("msg")
                .or_else(|| item.get("message"))
                .and_then(Value::as_str)
                .unwrap_or("invalid value");
            let loc = item.get("loc").and_then(Value::as_array).map(|loc| {
                loc.iter()
                    .map(|p| match p {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(".")
            });
            match loc {
                Some(loc) if !loc.is_empty() => format!("{loc}: {msg}"),
                _ => msg.to_string(),
            }
        })
        .collect();
    if parts.is_empty() {
        "validation error".to_string()
    } else {
        parts.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn envelope_shape() {
        let b = ApiErrorBody::parse(
            br#"{"error":{"message":"Phone number not found","code":"PHONE_NUMBER_NOT_FOUND","type":"not_found","details":[{"field":"id","message":"unknown","type":"x"}]}}"#,
        );
        assert_eq!(b.message.as_deref(), Some("Phone number not found"));
        assert_eq!(b.code.as_deref(), Some("PHONE_NUMBER_NOT_FOUND"));
        assert_eq!(
            b.details,
            Some(json!([{"field":"id","message":"unknown","type":"x"}]))
        );
    }

    #[test]
    fn fastapi_shapes() {
        let b = ApiErrorBody::parse(br#"{"detail":"Invalid API key"}"#);
        assert_eq!(b.message.as_deref(), Some("Invalid API key"));
        assert_eq!(b.details, None);
        let b = ApiErrorBody::parse(
            br#"{"detail":[{"loc":["query","limit"],"msg":"Input should be less than or equal to 100","type":"less_than_equal"}]}"#,
        );
        assert_eq!(
            b.message.as_deref(),
            Some("query.limit: Input should be less than or equal to 100")
        );
        assert!(b.details.unwrap().is_array());
        // An empty or blank text is no message: the body itself says more.
        for body in [
            &br#"{"detail":""}"#[..],
            br#"{"error":" "}"#,
            br#"{"error":{"message":""}}"#,
        ] {
            let m = ApiErrorBody::parse(body).message.unwrap();
            assert_eq!(m.as_bytes(), body, "{m}");
        }
    }

    #[test]
    fn message_and_raw_shapes() {
        let b = ApiErrorBody::parse(br#"{"message":"slow down","code":"RATE_LIMIT_EXCEEDED"}"#);
        assert_eq!(b.message.as_deref(), Some("slow down"));
        assert_eq!(b.code.as_deref(), Some("RATE_LIMIT_EXCEEDED"));
        let b = ApiErrorBody::parse(b"<html>502 Bad Gateway</html>");
        assert_eq!(b.message.as_deref(), Some("<html>502 Bad Gateway</html>"));
        assert_eq!(ApiErrorBody::parse(b""), ApiErrorBody::default());
        let long = "é".repeat(2000);
        let b = ApiErrorBody::parse(long.as_bytes());
        let m = b.message.unwrap();
        assert!(
            m.ends_with("...") && m.len() <= MAX_RAW_MESSAGE + 3,
            "{}",
            m.len()
        );
    }

    #[test]
    fn display_names_kind_status_code_and_request_id() {
        let e = Error::new(ErrorKind::NotFound, "Phone number not found")
            .with_status(404)
            .with_code(Some("PHONE_NUMBER_NOT_FOUND".into()))
            .with_request_id(Some("req_1".into()));
        assert_eq!(
            e.to_string(),
            "not_found (HTTP 404, PHONE_NUMBER_NOT_FOUND): Phone number not found [request id req_1]"
        );
    }
}
