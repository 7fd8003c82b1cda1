//! What one API call is before it is sent: method, path, query, body, and the type its answer
//! decodes to. Resource modules build these; the transport sends them.

use std::marker::PhantomData;

use serde::Serialize;

use crate::error::{Error, ErrorKind};

/// The HTTP methods the API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    /// Whether sending the request twice has the effect of sending it once. POST is the only
    /// method the API uses for operations that create (and bill) something.
    pub fn is_idempotent(self) -> bool {
        !matches!(self, Method::Post)
    }

    /// The method named `name` (upper case, as HTTP spells it).
    pub fn parse(name: &str) -> Option<Method> {
        Some(match name {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    fn has_body(self) -> bool {
        matches!(self, Method::Post | Method::Put | Method::Patch)
    }
}

/// One API call, before it is sent. The path holds ids already encoded as single segments.
#[derive(Debug, Clone)]
pub(crate) struct ApiRequest {
    pub method: Method,
    pub path: String,
    pub query: Vec<(&'static str, String)>,
    /// A query string given whole, already percent-encoded (raw requests).
    pub raw_query: Option<String>,
    pub body: Option<Vec<u8>>,
    /// The answer may be 204 or an empty 200 (release, detach): read that as `{}`.
    pub empty_body_is_object: bool,
    /// This request's own per-attempt timeout, instead of the client's (a long poll must
    /// outlast the wait it asks the server for).
    pub timeout: Option<std::time::Duration>,
    /// A stream's timeout between reads; a stream has no per-attempt timeout.
    pub stream_read_timeout: Option<std::time::Duration>,
    /// The `Accept` header.
    pub accept: &'static str,
    /// Whether sending it twice has the effect of sending it once: the method's answer, unless
    /// the operation says otherwise (ending a call is a POST that can be repeated).
    pub idempotent: bool,
    /// The API's error codes that say this write was already done (a number already released).
    /// After an attempt whose answer was lost, such an answer (or a 404 to a DELETE) may be that
    /// attempt's doing, and says so ([`Error::may_have_succeeded`]).
    pub already_done_codes: &'static [&'static str],
}

impl ApiRequest {
    pub fn new(method: Method, path: String) -> ApiRequest {
        ApiRequest {
            method,
            path,
            query: Vec::new(),
            raw_query: None,
            body: None,
            empty_body_is_object: false,
            timeout: None,
            stream_read_timeout: None,
            accept: "application/json",
            idempotent: method.is_idempotent(),
            already_done_codes: &[],
        }
    }

    /// Adds `key=value` to the query when `value` is set.
    pub fn query(mut self, key: &'static str, value: Option<impl ToString>) -> ApiRequest {
        if let Some(v) = value {
            self.query.push((key, v.to_string()));
        }
        self
    }

    pub fn json_body(mut self, body: &impl Serialize) -> Result<ApiRequest, Error> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::new(ErrorKind::InvalidArgument, format!("request body: {e}")))?;
        self.body = Some(bytes);
        Ok(self)
    }

    /// Gives this request its own per-attempt timeout.
    pub fn timeout(mut self, timeout: std::time::Duration) -> ApiRequest {
        self.timeout = Some(timeout);
        self
    }

    /// Makes it a stream of server-sent events, with this timeout between reads.
    pub fn event_stream(mut self, read_timeout: std::time::Duration) -> ApiRequest {
        self.accept = "text/event-stream";
        self.stream_read_timeout = Some(read_timeout);
        self
    }

    /// Sets the `Accept` header (binary answers).
    pub fn accept(mut self, accept: &'static str) -> ApiRequest {
        self.accept = accept;
        self
    }

    /// Marks a POST whose repetition changes nothing (end a call, show a typing indicator),
    /// so that the policy retries it like a read.
    pub fn idempotent(mut self) -> ApiRequest {
        self.idempotent = true;
        self
    }

    /// The error codes that say this write was already done (see
    /// [`ApiRequest::already_done_codes`]).
    pub fn already_done_codes(mut self, codes: &'static [&'static str]) -> ApiRequest {
        self.already_done_codes = codes;
        self
    }

    pub fn empty_body_is_object(mut self) -> ApiRequest {
        self.empty_body_is_object = true;
        self
    }

    /// The body to send: the JSON given, `{}` for a method that carries one, else nothing.
    pub fn body_bytes(&self) -> Option<&[u8]> {
        match &self.body {
            Some(b) => Some(b),
            None if self.method.has_body() => Some(b"{}"),
            None => None,
        }
    }
}

/// An [`ApiRequest`] together with the type its answer decodes to. Built and validated once per
/// operation, and sent by the Rust methods and the C API alike.
pub(crate) struct Operation<T> {
    pub request: ApiRequest,
    response: PhantomData<fn() -> T>,
}

impl<T> Operation<T> {
    pub fn new(request: ApiRequest) -> Operation<T> {
        Operation {
            request,
            response: PhantomData,
        }
    }
}
