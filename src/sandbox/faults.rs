//! Faults injected into the sandbox's answers: a status, a hang, or a dropped connection for
//! the next requests that match a method and a path prefix.

use std::time::Duration;

use serde_json::{Map, Value};

use super::http::Request;

/// What an injected fault does to a matching request.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultAction {
    /// Answer this status instead, with an optional `Retry-After` (seconds) and body (default:
    /// the error envelope with code `SANDBOX_FAULT`). The request is not acted on.
    Status {
        /// The HTTP status.
        status: u16,
        /// `Retry-After`, in seconds.
        retry_after: Option<u64>,
        /// The body; `None` for the default envelope.
        body: Option<Value>,
    },
    /// Hold the answer back this long, then act on the request and answer normally (by then the
    /// client has usually given up: the server acted, the client does not know).
    Hang(Duration),
    /// Read the request, then close the connection without acting or answering.
    Drop,
}

/// A fault for the next `count` requests whose method and path match.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// `None` matches every method.
    pub method: Option<String>,
    /// Matches paths that start with this (e.g. `/v1/numbers`); `/` matches all.
    pub path_prefix: String,
    /// How many matching requests it applies to.
    pub count: u32,
    /// What it does.
    pub action: FaultAction,
}

impl Fault {
    /// Answer `status` to the next matching request.
    pub fn status(status: u16) -> Fault {
        Fault::new(FaultAction::Status {
            status,
            retry_after: None,
            body: None,
        })
    }

    /// Hold the next matching request's answer back for `delay`.
    pub fn hang(delay: Duration) -> Fault {
        Fault::new(FaultAction::Hang(delay))
    }

    /// Close the connection of the next matching request without answering.
    pub fn drop_connection() -> Fault {
        Fault::new(FaultAction::Drop)
    }

    fn new(action: FaultAction) -> Fault {
        Fault {
            method: None,
            path_prefix: "/".into(),
            count: 1,
            action,
        }
    }

    /// Only requests with this method.
    pub fn method(mut self, method: &str) -> Fault {
        self.method = Some(method.to_ascii_uppercase());
        self
    }

    /// Only requests whose path starts with `prefix`.
    pub fn path_prefix(mut self, prefix: &str) -> Fault {
        self.path_prefix = prefix.to_string();
        self
    }

    /// Apply to the next `count` matching requests (default 1).
    pub fn times(mut self, count: u32) -> Fault {
        self.count = count;
        self
    }

    /// With [`Fault::status`]: send `Retry-After: seconds`.
    pub fn retry_after(mut self, seconds: u64) -> Fault {
        if let FaultAction::Status { retry_after, .. } = &mut self.action {
            *retry_after = Some(seconds);
        }
        self
    }

    /// With [`Fault::status`]: answer this body instead of the default envelope.
    pub fn body(mut self, value: Value) -> Fault {
        if let FaultAction::Status { body, .. } = &mut self.action {
            *body = Some(value);
        }
        self
    }

    pub(super) fn matches(&self, req: &Request) -> bool {
        self.count > 0
            && self.method.as_deref().is_none_or(|m| m == req.method)
            && req.path.starts_with(&self.path_prefix)
    }

    /// From the body of `POST /sandbox/faults`: `{"method", "pathPrefix", "count", and one of
    /// "status" (with "retryAfter", "body"), "hangMs", or "drop": true}`.
    pub(super) fn from_json(obj: &Map<String, Value>) -> Result<Fault, String> {
        const KEYS: [&str; 8] = [
            "method",
            "pathPrefix",
            "count",
            "status",
            "retryAfter",
            "body",
            "hangMs",
            "drop",
        ];
        if let Some(k) = obj.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return Err(format!("unknown key {k:?}"));
        }
        let uint = |k: &str| -> Result<Option<u64>, String> {
            match obj.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => v
                    .as_u64()
                    .map(Some)
                    .ok_or(format!("{k} must be a whole number")),
            }
        };
        let action = match (uint("status")?, uint("hangMs")?, obj.get("drop")) {
            (Some(status), None, None) if (100..=599).contains(&status) => FaultAction::Status {
                status: status as u16,
                retry_after: uint("retryAfter")?,
                body: obj.get("body").cloned(),
            },
            (None, Some(ms), None) => FaultAction::Hang(Duration::from_millis(ms)),
            (None, None, Some(Value::Bool(true))) => FaultAction::Drop,
            _ => {
                return Err(
                    "give exactly one of status (100-599), hangMs, or drop: true".to_string(),
                )
            }
        };
        let string = |k: &str| match obj.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(format!("{k} must be a string")),
        };
        Ok(Fault {
            method: string("method")?.map(|m| m.to_ascii_uppercase()),
            path_prefix: string("pathPrefix")?.unwrap_or_else(|| "/".into()),
            count: uint("count")?.unwrap_or(1).min(u32::MAX.into()) as u32,
            action,
        })
    }
}
