//! The C API's JSON inputs, parsed by the same `Deserialize` types as the Rust API (each with
//! `deny_unknown_fields`), so every request has one list of keys. A bad input is an
//! [`ErrorKind::InvalidArgument`](crate::ErrorKind) naming the key that was wrong.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::client::{
    DEFAULT_RETRY_BASE_DELAY, DEFAULT_RETRY_MAX_DELAY, MAX_RETRY_AFTER, MAX_TIMEOUT,
};
use crate::error::Error;
use crate::{Client, TlsRoots};

/// Parses the JSON argument `arg`; NULL means `T::default()` (the API's defaults).
///
/// The error names the key at fault (`limit: invalid type: ...`, `unknown field ...`), or the
/// argument itself when the whole text is wrong (`query_json: expected value ...`).
pub(crate) fn parse<T: DeserializeOwned + Default>(
    arg: &str,
    text: Option<&str>,
) -> Result<T, Error> {
    let Some(text) = text else {
        return Ok(T::default());
    };
    // serde also reads a struct from an array (`[20]` as `{"limit": 20}`): only objects count.
    if !text.trim_start().starts_with('{') {
        return Err(Error::invalid(arg, "must be a JSON object"));
    }
    serde_json::from_str(text).map_err(|e| {
        if e.is_syntax() || e.is_eof() {
            return Error::invalid(arg, format_args!("is not valid JSON: {e}"));
        }
        match path_at(text, error_offset(text, e.line(), e.column())) {
            Some(path) => Error::invalid(&path, e),
            None => Error::invalid(arg, e),
        }
    })
}

/// The byte offset of serde_json's error position: `column` bytes into line `line` (both as
/// serde_json counts them: the bytes read so far on that line).
fn error_offset(text: &str, line: usize, column: usize) -> usize {
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n')
            .nth(line - 2)
            .map_or(text.len(), |(at, _)| at + 1)
    };
    (line_start + column).min(text.len())
}

/// The path of the value that was being read once `offset` bytes of the JSON `text` were read,
/// written as `dedupe.capacity` or `mediaUrls[2]`; `None` for the top-level value itself.
///
/// Finding it afterwards in the text, rather than tracking it while deserializing, keeps the
/// tracking out of every input type's compiled deserializer.
fn path_at(text: &str, offset: usize) -> Option<String> {
    enum Frame {
        Object(Option<String>),
        Array(usize),
    }
    let bytes = text.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    // Inside an object, whether the next string is a key.
    let mut key_next = false;
    let mut i = 0;
    while i < offset.min(bytes.len()) {
        match bytes[i] {
            b'{' => {
                stack.push(Frame::Object(None));
                key_next = true;
            }
            b'[' => {
                stack.push(Frame::Array(0));
                key_next = false;
            }
            b'}' | b']' => {
                stack.pop();
                key_next = false;
            }
            b',' => match stack.last_mut() {
                Some(Frame::Object(key)) => {
                    *key = None;
                    key_next = true;
                }
                Some(Frame::Array(n)) => *n += 1,
                None => {}
            },
            b'"' => {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                if key_next {
                    let raw = &text[start..(i + 1).min(bytes.len())];
                    let key = serde_json::from_str::<String>(raw)
                        .unwrap_or_else(|_| raw.trim_matches('"').to_string());
                    if let Some(Frame::Object(k)) = stack.last_mut() {
                        *k = Some(key);
                    }
                    key_next = false;
                }
            }
            _ => {}
        }
        i += 1;
    }
    let mut path = String::new();
    for frame in &stack {
        match frame {
            Frame::Object(Some(key)) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            Frame::Object(None) => {}
            Frame::Array(n) => path.push_str(&format!("[{n}]")),
        }
    }
    (!path.is_empty()).then_some(path)
}

/// The config object of `agentphone_client_new`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ClientConfig {
    api_key: Option<String>,
    base_url: Option<String>,
    timeout_ms: Option<u64>,
    connect_timeout_ms: Option<u64>,
    max_retries: Option<u32>,
    sub_account_id: Option<String>,
    max_response_bytes: Option<u64>,
    max_recording_bytes: Option<u64>,
    user_agent: Option<String>,
    retry_base_delay_ms: Option<u64>,
    retry_max_delay_ms: Option<u64>,
    max_idle_connections_per_host: Option<usize>,
    tls_roots: Option<String>,
    ca_file: Option<String>,
}

/// A millisecond setting, checked here so that the error names the C key.
fn millis(key: &str, value: Option<u64>) -> Result<Option<Duration>, Error> {
    let max = MAX_TIMEOUT.as_millis() as u64;
    match value {
        Some(ms) if ms == 0 || ms > max => Err(Error::invalid(
            key,
            format_args!("must be between 1 and {max}, got {ms}"),
        )),
        other => Ok(other.map(Duration::from_millis)),
    }
}

/// The client described by the config JSON (NULL: every default, the key from the environment).
pub(crate) fn build_client(config_json: Option<&str>) -> Result<Client, Error> {
    let c: ClientConfig = parse("config_json", config_json)?;
    let mut b = Client::builder();
    if let Some(key) = c.api_key {
        b = b.api_key(key);
    }
    if let Some(url) = c.base_url {
        b = b.base_url(url);
    }
    if let Some(t) = millis("timeoutMs", c.timeout_ms)? {
        b = b.timeout(t);
    }
    if let Some(t) = millis("connectTimeoutMs", c.connect_timeout_ms)? {
        b = b.connect_timeout(t);
    }
    if let Some(n) = c.max_retries {
        b = b.max_retries(n);
    }
    if let Some(id) = c.sub_account_id {
        b = b.sub_account_id(id);
    }
    if let Some(n) = c.max_response_bytes {
        b = b.max_response_bytes(n);
    }
    if let Some(n) = c.max_recording_bytes {
        b = b.max_recording_bytes(n);
    }
    if let Some(ua) = c.user_agent {
        b = b.user_agent_suffix(ua);
    }
    if c.retry_base_delay_ms.is_some() || c.retry_max_delay_ms.is_some() {
        let ms = |key: &str, v: Option<u64>, default: Duration| -> Result<Duration, Error> {
            let max = MAX_RETRY_AFTER.as_millis() as u64;
            match v {
                Some(ms) if ms > max => Err(Error::invalid(
                    key,
                    format_args!("must be at most {max}, got {ms}"),
                )),
                Some(ms) => Ok(Duration::from_millis(ms)),
                None => Ok(default),
            }
        };
        let base = ms(
            "retryBaseDelayMs",
            c.retry_base_delay_ms,
            DEFAULT_RETRY_BASE_DELAY,
        )?;
        let max = ms(
            "retryMaxDelayMs",
            c.retry_max_delay_ms,
            DEFAULT_RETRY_MAX_DELAY,
        )?;
        if base > max {
            return Err(Error::invalid(
                "retryBaseDelayMs",
                format_args!(
                    "must not exceed retryMaxDelayMs ({} ms), got {} ms",
                    max.as_millis(),
                    base.as_millis()
                ),
            ));
        }
        b = b.retry_backoff(base, max);
    }
    if let Some(n) = c.max_idle_connections_per_host {
        b = b.max_idle_connections_per_host(n);
    }
    match (c.tls_roots.as_deref(), c.ca_file) {
        (None, None) => {} // the builder's default: AGENTPHONE_CA_FILE, else the bundled roots
        (Some("bundled"), None) => b = b.tls_roots(TlsRoots::Bundled),
        (Some("system"), None) => b = b.tls_roots(TlsRoots::System),
        (Some(other), None) => {
            return Err(Error::invalid(
                "tlsRoots",
                format_args!("must be \"bundled\" or \"system\", got {other:?}"),
            ))
        }
        (None, Some(path)) if !path.is_empty() => b = b.tls_roots(TlsRoots::CaFile(path.into())),
        (None, Some(_)) => return Err(Error::invalid("caFile", "must not be empty")),
        (Some(_), Some(_)) => {
            return Err(Error::invalid(
                "caFile",
                "replaces the tlsRoots set (only its certificates are trusted): give one of \
                 tlsRoots and caFile",
            ))
        }
    }
    b.build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CreateNumber, ListMessages, ListNumbers};

    /// What `parse` answered when serde_path_to_error tracked the path while deserializing: the
    /// oracle of [`the_path_found_in_the_text_is_the_one_tracked_while_deserializing`].
    fn tracked<T: DeserializeOwned>(arg: &str, text: &str) -> Result<T, Error> {
        let mut de = serde_json::Deserializer::from_str(text);
        let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            if e.inner().is_syntax() || e.inner().is_eof() {
                return Error::invalid(arg, format_args!("is not valid JSON: {}", e.inner()));
            }
            let path = e.path().to_string();
            let field = if path == "." || path == "?" {
                arg
            } else {
                path.as_str()
            };
            Error::invalid(field, e.inner())
        })?;
        de.end()
            .map_err(|e| Error::invalid(arg, format_args!("is not valid JSON: {e}")))?;
        Ok(value)
    }

    /// Every key of `T` (from the unknown-field error), each given every kind of wrong value,
    /// alone and between others, on one line and spread over lines: the error names the same
    /// key, with the same words, as when the path was tracked (and a key given twice by name,
    /// where the tracked path named only the argument).
    fn same_errors_as_tracked<T: DeserializeOwned + Default + std::fmt::Debug>() -> usize {
        let listed = parse::<T>("arg", Some(r#"{"zzz": 1}"#))
            .unwrap_err()
            .to_string();
        let keys: Vec<&str> = listed.split('`').skip(3).step_by(2).collect();
        assert!(!keys.is_empty(), "{listed}");
        let values = [
            "1",
            "-1",
            "1.5",
            "1e400",
            "\"x\"",
            "\"2025-01-15T10:45:00Z\"",
            "[]",
            "[\"x\"]",
            "[1, \"x\"]",
            "{}",
            "{\"a\": 1}",
            "[{\"zzz\": 1}]",
            "[{}, {\"name\": 1}]",
            "true",
            "null",
            "\"\\u00e9\\\"q\"",
        ];
        let mut compared = 0;
        for key in &keys {
            for value in values {
                let first = keys[0];
                for text in [
                    format!(r#"{{"{key}": {value}}}"#),
                    format!("{{\n  \"{first}\": null,\n  \"{key}\":\n    {value}\n}}"),
                    format!(r#"{{"{key}": {value}, "zz\"z": 2}}"#),
                    format!(r#"{{"{first}": null, "{key}": {value}, "{key}": {value}}}"#),
                ] {
                    let ours = parse::<T>("arg", Some(&text)).map_err(|e| e.to_string());
                    let theirs = tracked::<T>("arg", &text).map_err(|e| e.to_string());
                    assert_eq!(ours.is_ok(), theirs.is_ok(), "{text}");
                    if let (Err(ours), Err(theirs)) = (ours, theirs) {
                        // One difference, on purpose: a key given twice is named (the tracked
                        // path stopped at the object that holds it).
                        let twice = format!("duplicate field `{key}`");
                        if theirs.contains(&twice) {
                            assert_eq!(ours, theirs.replace("arg: ", &format!("{key}: ")));
                        } else {
                            assert_eq!(ours, theirs, "{text}");
                        }
                    }
                    compared += 1;
                }
            }
        }
        compared
    }

    #[test]
    fn the_path_found_in_the_text_is_the_one_tracked_while_deserializing() {
        let compared = same_errors_as_tracked::<crate::AgentSettings>()
            + same_errors_as_tracked::<crate::CreateCall>()
            + same_errors_as_tracked::<crate::SendMessage>()
            + same_errors_as_tracked::<crate::LookupQuery>()
            + same_errors_as_tracked::<crate::ContactCard>()
            + same_errors_as_tracked::<crate::ContactDetails>()
            + same_errors_as_tracked::<ListMessages>()
            + same_errors_as_tracked::<crate::UpdateNumber>()
            + same_errors_as_tracked::<crate::SetWebhook>()
            + same_errors_as_tracked::<crate::WebhookTest>()
            + same_errors_as_tracked::<crate::React>()
            + same_errors_as_tracked::<ClientConfig>();
        assert!(compared > 2000, "{compared}");
    }

    #[test]
    fn inputs_name_the_bad_key() {
        let e = parse::<CreateNumber>("request_json", Some(r#"{"country":"US","agentID":"a"}"#))
            .unwrap_err();
        assert!(e.message().contains("unknown field `agentID`"), "{e}");
        let e = parse::<ListNumbers>("query_json", Some(r#"{"offset":-1}"#)).unwrap_err();
        assert!(e.message().starts_with("offset: "), "{e}");
        let e = parse::<ListNumbers>("query_json", Some(r#"{"limit":1.5}"#)).unwrap_err();
        assert!(e.message().starts_with("limit: "), "{e}");
        let e = parse::<ListMessages>("query_json", Some(r#"{"before":"soon"}"#)).unwrap_err();
        assert!(e.message().starts_with("before: "), "{e}");
        for not_object in ["[1]", "null", "1", "\"x\"", ""] {
            let e = parse::<ListMessages>("query_json", Some(not_object)).unwrap_err();
            assert_eq!(e.message(), "query_json: must be a JSON object");
        }
        for bad in ["{} x", "{", r#"{"limit": }"#, r#"{"before": "x"#] {
            let e = parse::<ListMessages>("query_json", Some(bad)).unwrap_err();
            assert!(
                e.message().starts_with("query_json: is not valid JSON: "),
                "{e}"
            );
        }
        let e = build_client(Some(r#"{"apiKey":"k","timeoutMs":-5}"#)).unwrap_err();
        assert!(e.message().starts_with("timeoutMs: "), "{e}");
        let e = build_client(Some(r#"{"apiKey":"k","timeoutMs":0}"#)).unwrap_err();
        assert!(e.message().starts_with("timeoutMs: must be between"), "{e}");
        let e = build_client(Some(r#"{"apiKey":"k","maxRetries":1e9}"#)).unwrap_err();
        assert!(e.message().starts_with("maxRetries: "), "{e}");
        let e = build_client(Some(
            r#"{"apiKey":"k","retryBaseDelayMs":900,"retryMaxDelayMs":800}"#,
        ))
        .unwrap_err();
        assert!(
            e.message().starts_with("retryBaseDelayMs: must not exceed"),
            "{e}"
        );
        let e = build_client(Some(r#"{"apiKey":"k","retryMaxDelayMs":60001}"#)).unwrap_err();
        assert!(
            e.message()
                .starts_with("retryMaxDelayMs: must be at most 60000"),
            "{e}"
        );
        let e = build_client(Some(r#"{"apiKey":"k","maxIdleConnectionsPerHost":0}"#)).unwrap_err();
        assert!(
            e.message().starts_with("maxIdleConnectionsPerHost: "),
            "{e}"
        );
        let e = build_client(Some(r#"{"apiKey":"k","apikey":"k"}"#)).unwrap_err();
        assert!(e.message().contains("unknown field `apikey`"), "{e}");
    }

    #[test]
    fn null_and_absent_keys_are_the_defaults() {
        let q = parse::<CreateNumber>(
            "request_json",
            Some(r#"{"agentId":null,"expiresAt":"2030-01-01T00:00:00Z"}"#),
        )
        .unwrap();
        assert_eq!(q.agent_id, None);
        assert!(q.expires_at.is_some());
        assert_eq!(
            parse::<ListNumbers>("q", None).unwrap(),
            ListNumbers::default()
        );
        assert_eq!(
            parse::<ListNumbers>("q", Some("{}")).unwrap(),
            ListNumbers::default()
        );
    }
}
