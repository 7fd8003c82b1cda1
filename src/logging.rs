//! The library's own records (what the client sent and what came back, what the receiver was
//! delivered) and where they go: a C program's callback, standard error when
//! `AGENTPHONE_LOG` is set, and the `log` crate's logger under the target `agentphone`.
//!
//! A record is formatted only when some sink takes its level: with logging off, a call site
//! costs two relaxed atomic loads. No record ever holds the API key, the `Authorization`
//! header, a webhook secret or a proxy's credentials; below `trace`, query values are elided
//! (phone numbers are personal data). Bodies are recorded at `trace` only.

use std::fmt;
use std::io::Write;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Once, RwLock};

/// The environment variable that sends records to standard error: `warn`, `info`, `debug` or
/// `trace` (also `error`, and `off`).
pub const ENV_LOG: &str = "AGENTPHONE_LOG";

/// The `log` target of every record.
pub const LOG_TARGET: &str = "agentphone";

/// How much a bigger body is cut to, at `trace`.
pub(crate) const MAX_BODY_BYTES: usize = 4096;

/// A record's level, the C API's numbers (`agentphone_log_level`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Level {
    Error = 1,
    Warn = 2,
    Info = 3,
    Debug = 4,
    Trace = 5,
}

impl Level {
    fn name(self) -> &'static str {
        match self {
            Level::Error => "ERROR",
            Level::Warn => "WARN",
            Level::Info => "INFO",
            Level::Debug => "DEBUG",
            Level::Trace => "TRACE",
        }
    }

    fn to_log(self) -> ::log::Level {
        match self {
            Level::Error => ::log::Level::Error,
            Level::Warn => ::log::Level::Warn,
            Level::Info => ::log::Level::Info,
            Level::Debug => ::log::Level::Debug,
            Level::Trace => ::log::Level::Trace,
        }
    }
}

/// A program's own sink (the C API's callback), given each record's level and line.
pub(crate) type Sink = Box<dyn Fn(Level, &str) + Send + Sync>;

/// The most detailed level the C callback takes (0 when there is none), and the environment's.
static CALLBACK_MAX: AtomicU8 = AtomicU8::new(0);
static ENV_MAX: AtomicU8 = AtomicU8::new(0);
/// The callback. Held for reading while it runs, so that once a new one is set, the old one is
/// never called again (and what it points to may be freed).
static CALLBACK: RwLock<Option<Sink>> = RwLock::new(None);
static ENV_READ: Once = Once::new();

/// Reads `AGENTPHONE_LOG` once (at the first client or receiver); later calls do nothing.
pub(crate) fn init_from_env() {
    ENV_READ.call_once(|| {
        let level = std::env::var(ENV_LOG).ok().and_then(|v| parse_level(&v));
        ENV_MAX.store(level.map_or(0, |l| l as u8), Ordering::Relaxed);
    });
}

/// A level as `AGENTPHONE_LOG` spells it; `off` (and anything unknown) is `None`.
fn parse_level(value: &str) -> Option<Level> {
    match value.trim().to_ascii_lowercase().as_str() {
        "error" => Some(Level::Error),
        "warn" | "warning" => Some(Level::Warn),
        "info" => Some(Level::Info),
        "debug" => Some(Level::Debug),
        "trace" => Some(Level::Trace),
        _ => None,
    }
}

/// Installs (or, with `None`, removes) the program's sink, taking records up to `max` (0: none).
/// Returns once no record is being handed to the sink it replaces.
pub(crate) fn set_callback(max: u8, callback: Option<Sink>) {
    let mut slot = CALLBACK.write().unwrap_or_else(|e| e.into_inner());
    *slot = callback;
    CALLBACK_MAX.store(if slot.is_some() { max } else { 0 }, Ordering::Relaxed);
}

/// Whether any sink takes records of this level: the test before a record is formatted.
#[inline]
pub(crate) fn enabled(level: Level) -> bool {
    takes(level as u8) || level.to_log() <= ::log::max_level()
}

/// Whether the program's callback, or (when there is none) standard error, takes level `l`.
#[inline]
fn takes(l: u8) -> bool {
    match CALLBACK_MAX.load(Ordering::Relaxed) {
        0 => l <= ENV_MAX.load(Ordering::Relaxed),
        callback_max => l <= callback_max,
    }
}

/// Formats and hands a record to every sink that takes its level. Call it after
/// [`enabled`]: it formats unconditionally.
pub(crate) fn emit(level: Level, args: fmt::Arguments<'_>) {
    let line = fmt::format(args);
    let l = level as u8;
    // The callback, when there is one, replaces standard error (AGENTPHONE_LOG's sink).
    if takes(l) {
        if CALLBACK_MAX.load(Ordering::Relaxed) > 0 {
            let slot = CALLBACK.read().unwrap_or_else(|e| e.into_inner());
            if let Some(sink) = slot.as_ref() {
                sink(level, &line);
            }
        } else {
            let _ = writeln!(
                std::io::stderr().lock(),
                "agentphone: {} {line}",
                level.name()
            );
        }
    }
    let log_level = level.to_log();
    if log_level <= ::log::max_level() {
        let logger = ::log::logger();
        let metadata = ::log::Metadata::builder()
            .level(log_level)
            .target(LOG_TARGET)
            .build();
        if logger.enabled(&metadata) {
            logger.log(
                &::log::Record::builder()
                    .metadata(metadata)
                    .args(format_args!("{line}"))
                    .build(),
            );
        }
    }
}

/// A record, formatted only when some sink takes its level.
macro_rules! record {
    ($level:expr, $($arg:tt)+) => {
        if $crate::logging::enabled($level) {
            $crate::logging::emit($level, format_args!($($arg)+));
        }
    };
}
pub(crate) use record;

/// A path and query as a record shows them below `trace`: each query value elided
/// (`/v1/numbers/lookup?phoneNumbers=…`), the path as sent.
pub(crate) fn elided(path_and_query: &str) -> String {
    let Some((path, query)) = path_and_query.split_once('?') else {
        return path_and_query.to_string();
    };
    let keys: Vec<&str> = query
        .split('&')
        .map(|pair| pair.split_once('=').map_or(pair, |(k, _)| k))
        .collect();
    let mut out = String::with_capacity(path.len() + query.len());
    out.push_str(path);
    out.push('?');
    for (i, key) in keys.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(key);
        out.push_str("=…");
    }
    out
}

/// A body as a `trace` record shows it: every `"secret"` string value replaced by `"***"`,
/// invalid UTF-8 replaced, and at most [`MAX_BODY_BYTES`] of it (the rest counted).
pub(crate) fn shown_body(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let redacted = redact_secrets(&text);
    if redacted.len() <= MAX_BODY_BYTES {
        return redacted;
    }
    let mut cut = MAX_BODY_BYTES;
    while !redacted.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}… ({} bytes in all)", &redacted[..cut], body.len())
}

/// `text` with the string value of every `"secret"` key (at any depth) replaced by `"***"`.
/// Works on any text: a body that is not JSON is left as it is, but for such a key.
pub(crate) fn redact_secrets(text: &str) -> String {
    const KEY: &str = "\"secret\"";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(KEY) {
        let after_key = at + KEY.len();
        out.push_str(&rest[..after_key]);
        rest = &rest[after_key..];
        let colon = rest.len() - rest.trim_start().len();
        if !rest[colon..].starts_with(':') {
            continue;
        }
        let value_at = colon + 1 + (rest[colon + 1..].len() - rest[colon + 1..].trim_start().len());
        if !rest[value_at..].starts_with('"') {
            continue;
        }
        // The end of the string value: its closing quote, escapes skipped.
        let bytes = rest.as_bytes();
        let mut i = value_at + 1;
        while i < bytes.len() && bytes[i] != b'"' {
            i += if bytes[i] == b'\\' { 2 } else { 1 };
        }
        out.push_str(&rest[..value_at]);
        out.push_str("\"***\"");
        rest = &rest[(i + 1).min(rest.len())..];
    }
    out.push_str(rest);
    out
}

/// A proxy as a record shows it: scheme, host and port, never its credentials.
pub(crate) fn shown_proxy(proxy: &ureq::Proxy) -> String {
    format!(
        "{} proxy {}:{}",
        proxy.protocol(),
        proxy.host(),
        proxy.port()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_elided_and_paths_kept() {
        assert_eq!(
            elided("/v1/numbers/lookup?phoneNumbers=%2B14155550100&x=1"),
            "/v1/numbers/lookup?phoneNumbers=…&x=…"
        );
        assert_eq!(elided("/v1/numbers/num_1"), "/v1/numbers/num_1");
        assert_eq!(elided("/v1/calls?flag"), "/v1/calls?flag=…");
    }

    #[test]
    fn secrets_are_replaced_at_any_depth_and_in_any_spacing() {
        let body =
            r#"{"secret":"whsec_abc","a":{"secret" : "x\"y","n":1},"secretive":"keep","secret":5}"#;
        let shown = redact_secrets(body);
        assert!(
            !shown.contains("whsec_abc") && !shown.contains("x\\\"y"),
            "{shown}"
        );
        assert_eq!(
            shown,
            r#"{"secret":"***","a":{"secret" : "***","n":1},"secretive":"keep","secret":5}"#
        );
        assert_eq!(
            redact_secrets(r#"{"secret":"unterminated"#),
            r#"{"secret":"***""#
        );
        assert_eq!(redact_secrets("not json"), "not json");
    }

    #[test]
    fn a_long_body_is_cut_on_a_character_boundary() {
        let body = "é".repeat(3000);
        let shown = shown_body(body.as_bytes());
        assert!(
            shown.ends_with("… (6000 bytes in all)"),
            "{}",
            &shown[shown.len() - 40..]
        );
        assert!(shown.len() <= MAX_BODY_BYTES + 40);
    }

    #[test]
    fn levels_are_read_as_the_environment_spells_them() {
        assert_eq!(parse_level("INFO"), Some(Level::Info));
        assert_eq!(parse_level(" trace "), Some(Level::Trace));
        assert_eq!(parse_level("off"), None);
        assert_eq!(parse_level("verbose"), None);
    }
}
