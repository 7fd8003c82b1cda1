//! A request to any endpoint ([`RawRequest`], from [`Client::request`](crate::Client::request)),
//! on the same path as the typed operations: the key, the sub-account, timeouts, the size
//! limit, the error shapes, and the retry policy by method.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::client::Client;
use crate::error::{Error, ErrorKind};
use crate::transport::{ApiRequest, Method, Received, Transport};

/// Query values given by [`RawRequest::query`] are encoded like form values (`+` as `%2B`).
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A request to any endpoint, built then sent with [`RawRequest::send`].
///
/// The path is relative to the client's base URL and can never leave it: it starts with `/`,
/// and a scheme, a host, `//`, a `.` or `..` segment (encoded or not), a backslash (or `%5C`), an
/// encoded slash (`%2F`: a gateway that decodes it first would see another path), a fragment,
/// a control character, a space or a non-ASCII character is refused before anything is sent.
/// A query in the path is passed as given and must be validly percent-encoded; values added
/// with [`RawRequest::query`] are encoded here.
///
/// Retries follow the method: GET, PUT, PATCH and DELETE like a read; POST never sent again
/// once it may have reached the server ([`Error::may_have_succeeded`]).
#[derive(Debug)]
pub struct RawRequest<'a> {
    transport: &'a Transport,
    request: Result<ApiRequest, Error>,
}

impl Client {
    /// A request to any endpoint, for those without a typed operation: `method` is GET, POST,
    /// PUT, PATCH or DELETE; `path_and_query` is relative to the base URL (e.g.
    /// `/v1/usage/daily?days=7`) and can never leave it. See [`RawRequest`].
    ///
    /// ```no_run
    /// # let client = agentphone::Client::from_env()?;
    /// let status: serde_json::Value = client.request("GET", "/v1/register/status").send()?;
    /// # Ok::<(), agentphone::Error>(())
    /// ```
    pub fn request(&self, method: &str, path_and_query: &str) -> RawRequest<'_> {
        RawRequest::new(self.transport(), method, path_and_query)
    }
}

impl<'a> RawRequest<'a> {
    pub(crate) fn new(
        transport: &'a Transport,
        method: &str,
        path_and_query: &str,
    ) -> RawRequest<'a> {
        RawRequest {
            transport,
            request: build(method, path_and_query),
        }
    }

    /// Adds `key=value` to the query, encoding both.
    pub fn query(mut self, key: &str, value: &str) -> Self {
        if let Ok(r) = &mut self.request {
            let pair = format!(
                "{}={}",
                utf8_percent_encode(key, QUERY_VALUE),
                utf8_percent_encode(value, QUERY_VALUE)
            );
            r.raw_query = Some(match r.raw_query.take() {
                Some(q) if !q.is_empty() => format!("{q}&{pair}"),
                _ => pair,
            });
        }
        self
    }

    /// Sends this JSON body (a GET takes none).
    pub fn json<T: Serialize>(mut self, body: &T) -> Self {
        self.request = self.request.and_then(|r| {
            if r.method == Method::Get {
                return Err(Error::invalid("body", "a GET request takes no body"));
            }
            r.json_body(body)
        });
        self
    }

    /// Sends the request and decodes a 2xx answer as `T` (an empty answer as JSON `null`, so
    /// `serde_json::Value` gives `Null` and `Option<_>` gives `None`).
    ///
    /// A 2xx answer that does not decode is an [`ErrorKind::Decode`] error; for a POST the
    /// server may still have acted on it, and the error says so ([`Error::may_have_succeeded`]).
    pub fn send<T: DeserializeOwned>(self) -> Result<T, Error> {
        let request = self.request?;
        self.transport.send_raw(&request, |answer| {
            // Parsed once on success; only a failure is parsed again, to say which kind it was.
            serde_json::from_slice(json(&answer.body)).map_err(|e| match not_json(&answer) {
                Some(error) => error,
                None => Error::new(
                    ErrorKind::Decode,
                    format!("response is not the requested type: {e}"),
                ),
            })
        })
    }

    /// The answer's JSON text as received (`null` for an empty 2xx body); a 2xx body that is
    /// not JSON is an [`ErrorKind::Decode`] error naming its content type.
    pub(crate) fn send_text(self) -> Result<String, Error> {
        let request = self.request?;
        self.transport.send_raw(&request, |answer| {
            if let Some(error) = not_json(&answer) {
                return Err(error);
            }
            String::from_utf8(json(&answer.body).to_vec())
                .map_err(|e| Error::new(ErrorKind::Decode, e.to_string()))
        })
    }
}

/// A 2xx body as JSON text: `null` when it is empty.
fn json(body: &[u8]) -> &[u8] {
    if body.iter().all(u8::is_ascii_whitespace) {
        b"null"
    } else {
        body
    }
}

/// The error for a 2xx body that is not JSON at all, naming its content type.
fn not_json(answer: &Received) -> Option<Error> {
    let e = serde_json::from_slice::<serde::de::IgnoredAny>(json(&answer.body)).err()?;
    Some(Error::new(
        ErrorKind::Decode,
        format!(
            "the answer is not JSON (Content-Type {}): {e}",
            answer.content_type.as_deref().unwrap_or("not given")
        ),
    ))
}

/// The method and the checked path and query.
pub(crate) fn build(method: &str, path_and_query: &str) -> Result<ApiRequest, Error> {
    let m = Method::parse(method).ok_or_else(|| {
        Error::invalid(
            "method",
            format_args!("must be GET, POST, PUT, PATCH or DELETE, got {method:?}"),
        )
    })?;
    let (path, query) = check_path(path_and_query)?;
    let mut request = ApiRequest::new(m, path.to_string());
    request.raw_query = query.map(str::to_string);
    Ok(request)
}

/// Splits and checks a path and query relative to the base URL (see [`RawRequest`]).
fn check_path(path_and_query: &str) -> Result<(&str, Option<&str>), Error> {
    let bad = |rule: &str| {
        Error::invalid(
            "path_and_query",
            format_args!("{rule}, got {path_and_query:?}"),
        )
    };
    if !path_and_query.starts_with('/') {
        return Err(bad(
            "must start with / (relative to the base URL; no scheme or host)",
        ));
    }
    if let Some(c) = path_and_query
        .chars()
        .find(|c| c.is_control() || *c == ' ' || !c.is_ascii())
    {
        return Err(bad(&format!(
            "must not contain {c:?} (a control character, a space or non-ASCII: percent-encode it)"
        )));
    }
    if path_and_query.contains('#') {
        return Err(bad("must not contain a fragment (#)"));
    }
    if path_and_query.contains('\\') {
        return Err(bad("must not contain a backslash"));
    }
    let (path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path_and_query, None),
    };
    if path.contains("//") {
        return Err(bad("must not contain // (it could name another host)"));
    }
    if !valid_percent_encoding(path) || query.is_some_and(|q| !valid_percent_encoding(q)) {
        return Err(bad(
            "must be validly percent-encoded (% and two hex digits)",
        ));
    }
    for segment in path.split('/').skip(1) {
        let decoded = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
        if decoded == "." || decoded == ".." {
            return Err(bad("must not contain a . or .. segment (encoded or not)"));
        }
        // A gateway that decodes %2F or %5C before it normalises the path (nginx does) sees
        // more segments than were sent: `/%2e%2e%2fadmin` would become `/../admin`.
        if decoded.contains(['/', '\\']) {
            return Err(bad(
                "must not contain an encoded / or \\ (%2F, %5C): a gateway may decode it into a \
                 path separator",
            ));
        }
    }
    Ok((path, query))
}

fn valid_percent_encoding(s: &str) -> bool {
    let b = s.as_bytes();
    (0..b.len()).all(|i| {
        b[i] != b'%'
            || (i + 2 < b.len() && b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_could_leave_the_base_url_are_refused() {
        for bad in [
            "//host/x",
            "/../x",
            "/v1/%2e%2e/x",
            "/v1/%2E%2E/x",
            "/v1/./x",
            "http://x/",
            "\\\\x",
            "/v1\\x",
            "/v1 x",
            "/v1#f",
            "/v1/x?y=#f",
            "/v1/\u{7}",
            "/v1/é",
            "v1/x",
            "",
            "/v1//x",
            "/v1/%zz",
            "/v1/x?q=%2",
            "/v1/x?q=a b",
            "/%2e%2e%2f%2e%2e%2fadmin",
            "/v1/%2E%2E%2Fadmin",
            "/v1/a%2fb",
            "/v1/a%2Fb",
            "/v1/a%5cb",
            "/v1/a%5C..",
            "/v1/x%2Fy",
        ] {
            let e = check_path(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{bad}");
            assert!(e.message().starts_with("path_and_query: "), "{e}");
        }
        for good in [
            "/v1/usage/daily?days=7",
            "/v1/contacts/capabilities?phone_number=%2B15551234567",
            "/integrations/whatsapp/status",
            "/v1/a.b/..c/x%2By",
            "/v1/contacts?q=a%2Fb",
            "/",
        ] {
            assert!(check_path(good).is_ok(), "{good}");
        }
        let e = build("FETCH", "/v1").unwrap_err();
        assert!(e.message().starts_with("method: must be GET"), "{e}");
    }
}
