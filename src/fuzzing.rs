//! Entry points for the fuzz targets in `fuzz/` (feature `fuzzing`; not part of the API): the
//! crate's parsers of untrusted input that have no public door of their own.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::api::{agents, calls, contacts, conversations, messages, numbers, usage, webhooks};
use crate::error::Error;
use crate::ffi::boundary::{c_form, CallError};
use crate::ffi::input::{build_client, parse};
use crate::model::c_form::{rewrite_timestamps, CForm};
use crate::transport::sse::SseParser;
use crate::transport::{retry, Operation};

/// Dispatched events as `(event, data)` pairs.
pub type Events = Vec<(String, String)>;

/// Feeds `chunks` to the transcript stream's event parser in turn. Returns the events as
/// `(event, data)` pairs, or `Err(the events before it)` when an event (its data and the line
/// being read) is larger than `max_event`.
pub fn sse_events(chunks: &[&[u8]], max_event: usize) -> Result<Events, Events> {
    let mut parser = SseParser::new(max_event);
    let mut events = Vec::new();
    for chunk in chunks {
        match parser.push(chunk) {
            Ok(done) => events.extend(done.into_iter().map(|e| (e.event, e.data))),
            Err(_) => return Err(events),
        }
        if parser.failed().is_some() {
            return Err(events);
        }
    }
    Ok(events)
}

/// The URL a raw request (`Client::request(method, path_and_query)`) is sent to from
/// `base_url`, or the error message that refuses it before anything is sent.
pub fn raw_request_url(
    base_url: &str,
    method: &str,
    path_and_query: &str,
) -> Result<String, String> {
    let request = crate::api::raw::build(method, path_and_query).map_err(|e| e.to_string())?;
    Ok(crate::transport::request_url(base_url, &request))
}

/// A request as the transport would send it.
#[derive(Debug)]
pub struct Sent {
    /// `GET`, `POST`, ...
    pub method: &'static str,
    /// The whole URL, query included, from [`FUZZ_BASE_URL`].
    pub url: String,
    /// The body, if the request has one.
    pub body: Option<Vec<u8>>,
}

/// The base URL the requests of [`C_INPUTS`] are built against.
pub const FUZZ_BASE_URL: &str = "https://api.example.test/base";

/// One C export's input handling: its id argument (ignored by exports that take none) and its
/// JSON argument (NULL as `None`), parsed and validated exactly as the export does, and the
/// request it would send; or the error message it would return, with nothing sent.
pub type InputOp = fn(id: &str, json: Option<&str>) -> Result<Sent, String>;

fn sent<R>(call: Result<Operation<R>, Error>) -> Result<Sent, String> {
    let request = call.map_err(|e| e.to_string())?.request;
    Ok(Sent {
        method: request.method.as_str(),
        url: crate::transport::request_url(FUZZ_BASE_URL, &request),
        body: request.body_bytes().map(<[u8]>::to_vec),
    })
}

/// Every C export that takes a JSON request or query (`agentphone_client_new`'s config is
/// [`client_settings`]; the raw request's path is [`raw_request_url`]): its name, the name of its
/// JSON argument, and what it does with its input. Paired with the exports as they are in
/// `src/ffi/` (a test checks that the names cover the header's).
pub const C_INPUTS: &[(&str, &str, InputOp)] = &[
    ("agentphone_agents_list", "query_json", |_, j| {
        sent(parse("query_json", j).and_then(|q| agents::requests::list(&q)))
    }),
    ("agentphone_agents_create", "request_json", |_, j| {
        sent(parse("request_json", j).and_then(|q| agents::requests::create(&q)))
    }),
    ("agentphone_agents_update", "request_json", |id, j| {
        sent(parse("request_json", j).and_then(|q| agents::requests::update(id, &q)))
    }),
    ("agentphone_agents_calls", "query_json", |id, j| {
        sent(parse("query_json", j).and_then(|q| agents::requests::calls(id, &q)))
    }),
    ("agentphone_agents_conversations", "query_json", |id, j| {
        sent(parse("query_json", j).and_then(|q| agents::requests::conversations(id, &q)))
    }),
    ("agentphone_agents_webhook_set", "request_json", |id, j| {
        sent(
            parse("request_json", j)
                .and_then(|w| webhooks::requests::set(&webhooks::requests::agent_base(id)?, &w)),
        )
    }),
    ("agentphone_calls_list", "query_json", |_, j| {
        sent(parse("query_json", j).and_then(|q| calls::requests::list(&q)))
    }),
    ("agentphone_calls_create", "request_json", |_, j| {
        sent(parse("request_json", j).and_then(|q| calls::requests::create(&q)))
    }),
    ("agentphone_calls_get", "query_json", |id, j| {
        sent(parse("query_json", j).and_then(|q| calls::requests::get(id, &q)))
    }),
    ("agentphone_contacts_list", "query_json", |_, j| {
        sent(parse("query_json", j).and_then(|q| contacts::requests::list(&q)))
    }),
    ("agentphone_contacts_create", "request_json", |_, j| {
        sent(parse("request_json", j).and_then(|q| contacts::requests::create(&q)))
    }),
    ("agentphone_contacts_update", "request_json", |id, j| {
        sent(parse("request_json", j).and_then(|q| contacts::requests::update(id, &q)))
    }),
    ("agentphone_contacts_capabilities", "query_json", |_, j| {
        sent(parse("query_json", j).and_then(|q| contacts::requests::capabilities(&q)))
    }),
    ("agentphone_conversations_list", "query_json", |_, j| {
        sent(parse("query_json", j).and_then(|q| conversations::requests::list(&q)))
    }),
    ("agentphone_conversations_get", "query_json", |id, j| {
        sent(parse("query_json", j).and_then(|q| conversations::requests::get(id, &q)))
    }),
    (
        "agentphone_conversations_update",
        "request_json",
        |id, j| {
            sent(parse("request_json", j).and_then(|q| conversations::requests::update(id, &q)))
        },
    ),
    (
        "agentphone_conversations_messages",
        "query_json",
        |id, j| {
            sent(parse("query_json", j).and_then(|q| conversations::requests::messages(id, &q)))
        },
    ),
    ("agentphone_messages_send", "request_json", |_, j| {
        sent(parse("request_json", j).and_then(|q| messages::requests::send(&q)))
    }),
    ("agentphone_messages_react", "request_json", |id, j| {
        sent(parse("request_json", j).and_then(|q| messages::requests::react(id, &q)))
    }),
    ("agentphone_numbers_create", "request_json", |_, j| {
        sent(parse("request_json", j).and_then(|q| numbers::requests::create(&q)))
    }),
    ("agentphone_numbers_list", "query_json", |_, j| {
        sent(parse("query_json", j).and_then(|q| numbers::requests::list(&q)))
    }),
    ("agentphone_numbers_messages", "query_json", |id, j| {
        sent(parse("query_json", j).and_then(|q| numbers::requests::messages(id, &q)))
    }),
    ("agentphone_numbers_calls", "query_json", |id, j| {
        sent(parse("query_json", j).and_then(|q| numbers::requests::calls(id, &q)))
    }),
    ("agentphone_numbers_update", "request_json", |id, j| {
        sent(parse("request_json", j).and_then(|q| numbers::requests::update(id, &q)))
    }),
    ("agentphone_numbers_available", "query_json", |_, j| {
        sent(parse("query_json", j).and_then(|q| numbers::requests::available(&q)))
    }),
    ("agentphone_numbers_lookup", "query_json", |_, j| {
        sent(parse("query_json", j).and_then(|q| numbers::requests::lookup(&q)))
    }),
    (
        "agentphone_numbers_contact_card_set",
        "request_json",
        |id, j| {
            sent(parse("request_json", j).and_then(|q| numbers::requests::set_contact_card(id, &q)))
        },
    ),
    ("agentphone_usage_daily", "query_json", |_, j| {
        sent(parse("query_json", j).and_then(|q| usage::requests::daily(&q)))
    }),
    ("agentphone_usage_monthly", "query_json", |_, j| {
        sent(parse("query_json", j).and_then(|q| usage::requests::monthly(&q)))
    }),
    ("agentphone_usage_by_agent", "query_json", |_, j| {
        sent(parse("query_json", j).and_then(|q| usage::requests::by_agent(&q)))
    }),
    ("agentphone_webhooks_set", "request_json", |_, j| {
        sent(
            parse("request_json", j)
                .and_then(|w| webhooks::requests::set(webhooks::requests::PROJECT, &w)),
        )
    }),
    ("agentphone_webhooks_test", "request_json", |_, j| {
        sent(
            parse("request_json", j)
                .and_then(|t| webhooks::requests::test(webhooks::requests::PROJECT, Some(&t))),
        )
    }),
    ("agentphone_webhooks_deliveries", "query_json", |_, j| {
        sent(parse("query_json", j).and_then(|q| webhooks::requests::deliveries(&q)))
    }),
];

/// The settings of the client `agentphone_client_new(config_json)` builds, under the config's
/// own key names (`apiKey`, `baseUrl`, `timeoutMs`, `connectTimeoutMs`, `maxRetries`,
/// `subAccountId`, `maxResponseBytes`, `maxRecordingBytes`, `userAgent`: the whole User-Agent header,
/// `retryBaseDelayMs`, `retryMaxDelayMs`, `maxIdleConnectionsPerHost`, `tlsRoots`: `null` for
/// the roots of a PEM file); or the error message it returns.
pub fn client_settings(config_json: Option<&str>) -> Result<Value, String> {
    let client = build_client(config_json).map_err(|e| e.to_string())?;
    let s = client.transport().settings();
    Ok(serde_json::json!({
        "apiKey": s.authorization.strip_prefix("Bearer ").unwrap_or(&s.authorization),
        "baseUrl": s.base_url,
        "timeoutMs": s.timeout.as_millis() as u64,
        "connectTimeoutMs": s.connect_timeout.as_millis() as u64,
        "maxRetries": s.max_retries,
        "subAccountId": s.sub_account_id,
        "maxResponseBytes": s.max_response_bytes,
        "maxRecordingBytes": s.max_recording_bytes,
        "userAgent": s.user_agent,
        "retryBaseDelayMs": s.backoff.base.as_millis() as u64,
        "retryMaxDelayMs": s.backoff.max.as_millis() as u64,
        "maxIdleConnectionsPerHost": s.max_idle_per_host,
        "tlsRoots": match &s.root_certs {
            ureq::tls::RootCerts::WebPki => Some("bundled"),
            ureq::tls::RootCerts::PlatformVerifier => Some("system"),
            _ => None,
        },
    }))
}

/// What the two APIs make of one 2xx body of an operation's documented type.
#[derive(Debug)]
pub struct ResultForms {
    /// The Rust API's typed value, serialized back to JSON; or why it refused the body.
    pub rust: Result<Value, String>,
    /// The C API's `*out` text; or why it refused the body (then the call fails with DECODE).
    pub c: Result<String, String>,
    /// When the C text parsed as JSON: whether the Rust API decodes it to a value equal to the
    /// one it decodes from the body itself (`None` when it refuses the C text).
    pub c_decodes_equal: Option<bool>,
    /// The C form of the C text: the C form is canonical, so this must be the C text again.
    pub c_again: Option<Result<String, String>>,
    /// When the C API accepted the body: whether its text, as JSON, equals the body with every
    /// rewrite applied unconditionally, the timestamps found by the walk of the parsed value
    /// (`c_form::rewrite_timestamps`) rather than by the notes of the decoding. False when the
    /// cheap test that skips the key rewrites (`CForm::may_need_rewrite`) skipped one that was
    /// needed, or when the two ways to the timestamps disagree.
    pub c_equals_full_rewrite: Option<bool>,
    /// When both APIs accepted the body: the first key (a dotted path) where the C text holds a
    /// timestamp of the Rust value not rewritten to RFC 3339; `None` when there is none. Finds
    /// a timestamp field that a type's list of rewrites leaves out.
    pub c_missed_timestamp: Option<String>,
}

fn forms<T: DeserializeOwned + Serialize + PartialEq + CForm>(body: &[u8]) -> ResultForms {
    let typed = serde_json::from_slice::<T>(body).map_err(|e| e.to_string());
    let c = c_form::<T>(body.to_vec());
    let (c_decodes_equal, c_again) = match (&typed, &c) {
        (Ok(t), Ok(text)) => (
            serde_json::from_str::<T>(text)
                .ok()
                .map(|again| &again == t),
            Some(c_form::<T>(text.clone().into_bytes())),
        ),
        _ => (None, None),
    };
    // The C API accepted the body only if it decoded, so `typed` holds the value here.
    let c_equals_full_rewrite = c.as_ref().ok().zip(typed.as_ref().ok()).map(|(text, t)| {
        let rewritten = serde_json::from_slice::<Value>(body).map(|mut v| {
            rewrite_timestamps::<T>(&mut v);
            t.rewrite(&mut v);
            v
        });
        match (rewritten, serde_json::from_str::<Value>(text)) {
            (Ok(all), Ok(handed)) => all == handed,
            _ => false,
        }
    });
    let rust = typed.and_then(|t| serde_json::to_value(t).map_err(|e| e.to_string()));
    let c_missed_timestamp = match (&rust, &c) {
        (Ok(r), Ok(text)) => serde_json::from_str(text)
            .ok()
            .and_then(|handed| missed_timestamp(r, &handed)),
        _ => None,
    };
    ResultForms {
        rust,
        c,
        c_decodes_equal,
        c_again,
        c_equals_full_rewrite,
        c_missed_timestamp,
    }
}

/// The first key, walking `rust` (the Rust value, serialized) and `c` (the C text) side by
/// side, where the Rust value has an RFC 3339 string and the C text a string that is not
/// RFC 3339 but reads as the same instant: a timestamp the C form should have rewritten.
/// Keys only one side has (the renamed message keys) are skipped.
fn missed_timestamp(rust: &Value, c: &Value) -> Option<String> {
    let at = |key: String, r: &Value, c: &Value| match (r, c) {
        (Value::String(r), Value::String(c)) => {
            let instant = chrono::DateTime::parse_from_rfc3339(r).ok()?;
            let unrewritten = chrono::DateTime::parse_from_rfc3339(c).is_err()
                && crate::model::parse_timestamp(c) == Some(instant.to_utc());
            unrewritten.then_some(key)
        }
        _ => missed_timestamp(r, c).map(|inner| format!("{key}.{inner}")),
    };
    match (rust, c) {
        (Value::Object(r), Value::Object(c)) => r
            .iter()
            .find_map(|(key, r)| at(key.clone(), r, c.get(key)?)),
        (Value::Array(r), Value::Array(c)) => r
            .iter()
            .zip(c)
            .enumerate()
            .find_map(|(i, (r, c))| at(i.to_string(), r, c)),
        _ => None,
    }
}

/// What the Rust and C APIs make of a 2xx body of one result type.
pub type ResultOp = fn(&[u8]) -> ResultForms;

/// Every result type an operation's answer decodes to, by its Rust name, with what the Rust
/// and C APIs make of a body.
pub const RESULT_TYPES: &[(&str, ResultOp)] = {
    use crate::model::{agents as a, calls as c, contacts as k, conversations as v};
    use crate::model::{messages as m, numbers as n, usage as u, webhooks as w};
    &[
        ("PhoneNumber", forms::<n::PhoneNumber>),
        ("NumberPage", forms::<n::NumberPage>),
        ("ReleasedNumber", forms::<n::ReleasedNumber>),
        ("NumberInfoList", forms::<n::NumberInfoList>),
        ("Message", forms::<m::Message>),
        ("MessagePage", forms::<m::MessagePage>),
        ("SentMessage", forms::<m::SentMessage>),
        ("Reaction", forms::<m::Reaction>),
        ("Conversation", forms::<v::Conversation>),
        ("ConversationPage", forms::<v::ConversationPage>),
        (
            "ConversationMessagePage",
            forms::<v::ConversationMessagePage>,
        ),
        ("TypingIndicator", forms::<v::TypingIndicator>),
        ("Agent", forms::<a::Agent>),
        ("AgentPage", forms::<a::AgentPage>),
        ("DeletedAgent", forms::<a::DeletedAgent>),
        ("VoiceList", forms::<a::VoiceList>),
        ("AttachedNumber", forms::<a::AttachedNumber>),
        ("DetachedNumber", forms::<a::DetachedNumber>),
        ("Call", forms::<c::Call>),
        ("CallPage", forms::<c::CallPage>),
        ("Contact", forms::<k::Contact>),
        ("ContactPage", forms::<k::ContactPage>),
        ("Capabilities", forms::<k::Capabilities>),
        ("Usage", forms::<u::Usage>),
        ("UsageReport", forms::<u::UsageReport>),
        ("Webhook", forms::<w::Webhook>),
        ("Option<Webhook>", forms::<Option<w::Webhook>>),
        ("DeliveryPage", forms::<w::DeliveryPage>),
        ("Value", forms::<Value>),
    ]
};

/// The C error JSON for a non-2xx answer (`status`, headers as `(name, value)`, body) to a
/// request that is idempotent or not, as the C API hands it to the caller.
pub fn error_json(status: u16, headers: &[(&str, &[u8])], body: &[u8], idempotent: bool) -> String {
    let mut map = ureq::http::HeaderMap::new();
    for (name, value) in headers {
        if let (Ok(n), Ok(v)) = (
            ureq::http::HeaderName::try_from(*name),
            ureq::http::HeaderValue::from_bytes(value),
        ) {
            map.append(n, v);
        }
    }
    let (error, failure) = crate::transport::status_error(status, &map, body);
    let verdict = retry::judge(idempotent, &failure);
    let error = error.with_verdict(verdict.retryable, verdict.may_have_succeeded);
    CallError::Error(error).to_json()
}

/// A request as the receiver's fuzz target makes one: `(method, path, headers, body)`.
pub type FuzzRequest = (String, String, Vec<(String, String)>, Vec<u8>);

/// What the webhook receiver (on `/webhook`, with `secret`) answers to each request in turn,
/// `(method, path, headers, body)`, and whether its callback ran. Its callback fails when the
/// body holds `fail` and sends an interim line to a voice turn whose body holds `interim`.
pub fn receiver_answers(secret: &str, requests: Vec<FuzzRequest>) -> Vec<(u16, bool)> {
    let requests = requests
        .into_iter()
        .map(|(method, path, headers, body)| agentphone_http::Request {
            method,
            path,
            query: String::new(),
            headers: headers
                .into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect(),
            body,
        })
        .collect();
    crate::webhook::receiver_answers(secret, requests)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The C exports with a JSON argument, from the header's declarations (each begins a line
    /// with its return type and ends at `;`): `(name, argument)`.
    fn header_json_exports() -> Vec<(String, String)> {
        let header = include_str!("../include/agentphone.h");
        let mut found = Vec::new();
        let mut lines = header.lines();
        while let Some(line) = lines.next() {
            if !line.starts_with(|c: char| c.is_ascii_lowercase()) || !line.contains('(') {
                continue;
            }
            let mut decl = line.to_string();
            while !decl.contains(';') {
                decl.push_str(lines.next().unwrap());
            }
            let (head, args) = decl.split_once('(').unwrap();
            let name = head.rsplit([' ', '*']).next().unwrap();
            for arg in args.split(',') {
                let arg = arg.trim().trim_end_matches(");");
                let arg = arg.rsplit([' ', '*']).next().unwrap();
                if name.starts_with("agentphone_") && arg.ends_with("_json") {
                    found.push((name.to_string(), arg.to_string()));
                }
            }
        }
        found
    }

    #[test]
    fn c_inputs_cover_every_export_with_a_json_request_or_query() {
        let mut want: Vec<(String, String)> = header_json_exports()
            .into_iter()
            // Covered by `client_settings` and the raw request's own target; a receiver's config
            // sends nothing (its checks are `ffi::receiver`'s tests).
            .filter(|(name, _)| {
                !matches!(
                    name.as_str(),
                    "agentphone_client_new" | "agentphone_request" | "agentphone_receiver_new"
                )
            })
            .collect();
        want.sort();
        let mut have: Vec<(String, String)> = C_INPUTS
            .iter()
            .map(|(n, a, _)| (n.to_string(), a.to_string()))
            .collect();
        have.sort();
        assert!(want.len() > 30, "the header scan found {want:?}");
        assert_eq!(have, want);
    }

    #[test]
    fn c_inputs_send_what_they_are_given() {
        let (_, _, op) = C_INPUTS
            .iter()
            .find(|(n, _, _)| *n == "agentphone_numbers_messages")
            .unwrap();
        let sent = op(
            "num 1",
            Some(r#"{"limit": 5, "after": "2025-01-01T00:00:00Z"}"#),
        )
        .unwrap();
        assert_eq!(sent.method, "GET");
        assert!(
            sent.url
                .starts_with("https://api.example.test/base/v1/numbers/num%201/messages?"),
            "{}",
            sent.url
        );
        assert!(sent.url.contains("limit=5"), "{}", sent.url);
        let e = op("n", Some(r#"{"limit": 0}"#)).unwrap_err();
        assert!(e.contains("limit"), "{e}");
        // Found by the c_inputs target: a searched country was sent as typed, a created one in
        // upper case; both are upper case now.
        let (_, _, available) = C_INPUTS
            .iter()
            .find(|(n, _, _)| *n == "agentphone_numbers_available")
            .unwrap();
        let sent = available("", Some(r#"{"country": "ca"}"#)).unwrap();
        assert!(
            sent.url.ends_with("/v1/numbers/available?country=CA"),
            "{}",
            sent.url
        );
        // Found by the c_inputs target: a float was sent one unit in the last place off.
        let (_, _, create) = C_INPUTS
            .iter()
            .find(|(n, _, _)| *n == "agentphone_agents_create")
            .unwrap();
        let sent = create(
            "",
            Some(r#"{"name": "a", "voiceSpeed": 1.6666666666666665}"#),
        )
        .unwrap();
        let body = String::from_utf8(sent.body.unwrap()).unwrap();
        assert!(body.contains("\"voiceSpeed\":1.6666666666666665"), "{body}");
    }

    #[test]
    fn result_forms_agree_on_a_page_without_total() {
        let (_, forms) = RESULT_TYPES
            .iter()
            .find(|(n, _)| *n == "NumberPage")
            .unwrap();
        let f = forms(br#"{"data": [], "hasMore": false}"#);
        assert_eq!(
            f.c.as_deref(),
            Ok(r#"{"data":[],"hasMore":false,"total":null}"#)
        );
        assert_eq!(f.c_decodes_equal, Some(true));
        assert_eq!(f.c_equals_full_rewrite, Some(true));
        assert!(forms(b"[").c.is_err());
        let (_, forms) = RESULT_TYPES.iter().find(|(n, _)| *n == "Agent").unwrap();
        for created in [
            "2025-01-15T10:45:00",
            "2025-1-15T10:45:00",
            "2025-01-15T10:45:00Z",
        ] {
            let body = format!(r#"{{"id": "a", "createdAt": "{created}"}}"#);
            let f = forms(body.as_bytes());
            assert_eq!(f.c_equals_full_rewrite, Some(true), "{body}: {:?}", f.c);
            assert_eq!(f.c_missed_timestamp, None, "{body}: {:?}", f.c);
        }
    }

    #[test]
    fn a_timestamp_left_unrewritten_is_found_by_its_path() {
        use serde_json::json;
        let rust = json!({"data": [{"id": "a", "endedAt": "2025-01-15T10:45:00Z"}], "n": "x"});
        let missed = json!({"data": [{"id": "a", "endedAt": "2025-01-15T10:45:00"}], "n": "x"});
        assert_eq!(
            missed_timestamp(&rust, &missed).as_deref(),
            Some("data.0.endedAt")
        );
        for fine in [
            rust.clone(),
            json!({"data": [{"id": "a", "endedAt": "2025-01-15T11:45:00+01:00"}], "n": "x"}),
            json!({"data": [{"id": "a", "endedAt": "2025-01-15T10:46:00"}], "n": "x"}),
            json!({"data": [], "n": "x"}),
        ] {
            assert_eq!(missed_timestamp(&rust, &fine), None, "{fine}");
        }
    }
}
