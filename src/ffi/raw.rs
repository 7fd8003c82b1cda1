//! A request to any endpoint: `agentphone_request`.

use std::ffi::c_char;

use serde_json::Value;

use super::boundary::{boundary, opt_str, req_str};
use super::client::{agentphone_client, client_ref};
use super::status::agentphone_status;
use crate::error::Error;

/// Sends a request to any endpoint, for those without a typed function, on the same path as
/// the typed ones (the key, the sub-account header, timeouts, the size limit, the error JSON,
/// the retry policy by method: GET, PUT, PATCH and DELETE like a read; POST never sent again
/// once it may have reached the server, with `"mayHaveSucceeded": true` when its outcome is
/// unknown).
///
/// `method` is `GET`, `POST`, `PUT`, `PATCH` or `DELETE`. `path_and_query` is relative to
/// the base URL, e.g. `"/v1/usage/daily?days=7"`, and can never leave it: it starts with
/// `/`, and a scheme, host, `//`, a `.` or `..` segment (encoded or not), a backslash, a
/// fragment, a control character, a space or a non-ASCII character is
/// `AGENTPHONE_INVALID_ARGUMENT` with nothing sent. The query is passed as given: encode its
/// values (`+` as `%2B`); it must be validly percent-encoded. `body_json` is NULL or any JSON
/// value (a GET takes none).
///
/// On `AGENTPHONE_OK`, `*out` is the answer's JSON as received (`null` for an empty answer); a
/// 2xx answer that is not JSON is `AGENTPHONE_DECODE_ERROR` naming its content type.
///
/// # Safety
/// `client` is a live handle; `method` and `path_and_query` are NUL-terminated; `body_json` is
/// NULL or NUL-terminated; `out` points to writable storage for one pointer.
#[no_mangle]
pub unsafe extern "C" fn agentphone_request(
    client: *const agentphone_client,
    method: *const c_char,
    path_and_query: *const c_char,
    body_json: *const c_char,
    out: *mut *mut c_char,
) -> agentphone_status {
    boundary(out, || {
        // SAFETY: forwarded contract of this function.
        let (client, method, path, body) = unsafe {
            (
                client_ref(client)?,
                req_str("method", method)?,
                req_str("path_and_query", path_and_query)?,
                opt_str("body_json", body_json)?,
            )
        };
        let mut request = client.request(method, path);
        if let Some(text) = body {
            let value: Value = serde_json::from_str(text)
                .map_err(|e| Error::invalid("body_json", format_args!("is not valid JSON: {e}")))?;
            request = request.json(&value);
        }
        Ok(request.send_text()?)
    })
}
