//! Every C export's JSON input (request and query objects, and the client config): no panic,
//! and an accepted input is exactly what is sent. Each non-null key given reaches the request
//! with its value (in the body, or in the query once the URL is decoded by the WHATWG `url`
//! crate; a country code in upper case), nothing is sent that was not given, and an id
//! argument is one path segment.
//!
//! Input: one byte choosing the export (one past the last: the client config), then the id
//! argument up to the first newline, then the JSON text (absent without a newline: NULL).
#![no_main]

use agentphone::fuzzing::{client_settings, C_INPUTS, FUZZ_BASE_URL};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};
use url::Url;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    // The C boundary refuses text that is not UTF-8 before any parser sees it.
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let (id, json) = match text.split_once('\n') {
        Some((id, json)) => (id, Some(json)),
        None => (text, None),
    };
    let index = selector as usize % (C_INPUTS.len() + 1);
    let Some(&(name, _, op)) = C_INPUTS.get(index) else {
        return check_config(json);
    };
    let Ok(sent) = op(id, json) else {
        return;
    };
    let given = given_keys(name, json);
    let url =
        Url::parse(&sent.url).unwrap_or_else(|e| panic!("{name}: {} is no URL: {e}", sent.url));
    let base = Url::parse(FUZZ_BASE_URL).unwrap();
    assert_eq!(
        (url.scheme(), url.host_str(), url.port()),
        (base.scheme(), base.host_str(), base.port()),
        "{name}: {url}"
    );
    assert!(url.fragment().is_none(), "{name}: {url}");
    let segments: Vec<String> = url
        .path_segments()
        .unwrap()
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .unwrap()
                .into_owned()
        })
        .collect();
    assert_eq!(
        segments.first().map(String::as_str),
        Some("base"),
        "{name}: {url}"
    );
    // An export takes the id when another id changes the request: then it is one whole segment.
    let other = if id == "other_id" {
        "other_id2"
    } else {
        "other_id"
    };
    if let Ok(sent_other) = op(other, json) {
        if sent_other.url != sent.url {
            assert!(
                segments.iter().any(|s| s == id),
                "{name}: id {id:?} is not one segment of {url}"
            );
        }
    }

    let mut sent_keys: Map<String, Value> = Map::new();
    for (k, v) in url.query_pairs() {
        let previous = sent_keys.insert(k.to_string(), Value::String(v.to_string()));
        assert!(previous.is_none(), "{name}: query key {k} twice in {url}");
    }
    let from_query: Vec<String> = sent_keys.keys().cloned().collect();
    if let Some(body) = &sent.body {
        let body: Value = serde_json::from_slice(body)
            .unwrap_or_else(|e| panic!("{name}: the body sent is not JSON: {e}"));
        let Value::Object(body) = body else {
            panic!("{name}: the body sent is not an object: {body}");
        };
        for (k, v) in body {
            assert!(
                !sent_keys.contains_key(&k),
                "{name}: {k} in the query and the body"
            );
            sent_keys.insert(k, v);
        }
    }
    for (k, v) in &given {
        let Some(s) = sent_keys.get(k) else {
            panic!("{name}: {k} was given ({v}) but not sent: {url} {sent_keys:?}");
        };
        // The one rewrite of a value: a country code is sent in upper case (`us` is `US`).
        let v = &match (k.as_str(), v) {
            ("country", Value::String(c)) => Value::String(c.to_ascii_uppercase()),
            _ => v.clone(),
        };
        let same = if from_query.contains(k) {
            query_value_is(v, s.as_str().unwrap())
        } else {
            json_value_is(v, s)
        };
        assert!(same, "{name}: {k} given {v}, sent {s}");
    }
    for (k, s) in &sent_keys {
        // Nothing sent that the caller did not give (a null body value is "not given" too).
        if !s.is_null() {
            assert!(
                given.contains_key(k),
                "{name}: {k}={s} was sent but not given"
            );
        }
    }
});

/// The non-null keys of an accepted JSON argument (none for NULL).
fn given_keys(name: &str, json: Option<&str>) -> Map<String, Value> {
    let Some(json) = json else {
        return Map::new();
    };
    match serde_json::from_str::<Value>(json) {
        Ok(Value::Object(map)) => map.into_iter().filter(|(_, v)| !v.is_null()).collect(),
        other => panic!("{name}: accepted {json:?}, which is not a JSON object: {other:?}"),
    }
}

/// A timestamp as an instant: RFC 3339, or without an offset (read as UTC).
fn instant(s: &str) -> Option<i128> {
    use agentphone::chrono::{DateTime, NaiveDateTime};
    let t = DateTime::parse_from_rfc3339(s)
        .map(|t| t.to_utc())
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").map(|t| t.and_utc()))
        .ok()?;
    Some(i128::from(t.timestamp()) * 1_000_000_000 + i128::from(t.timestamp_subsec_nanos()))
}

fn same_text(given: &str, sent: &str) -> bool {
    given == sent || instant(given).is_some_and(|t| instant(sent) == Some(t))
}

/// A JSON value given, sent in a JSON body.
fn json_value_is(given: &Value, sent: &Value) -> bool {
    match (given, sent) {
        (Value::String(g), Value::String(s)) => same_text(g, s),
        (Value::Number(g), Value::Number(s)) => g == s || g.as_f64() == s.as_f64(),
        (Value::Array(g), Value::Array(s)) => {
            g.len() == s.len() && g.iter().zip(s).all(|(g, s)| json_value_is(g, s))
        }
        (Value::Object(g), Value::Object(s)) => {
            g.iter()
                .filter(|(_, v)| !v.is_null())
                .all(|(k, v)| s.get(k).is_some_and(|s| json_value_is(v, s)))
                && s.iter()
                    .filter(|(_, v)| !v.is_null())
                    .all(|(k, _)| g.get(k).is_some_and(|v| !v.is_null()))
        }
        (g, s) => g == s,
    }
}

/// A JSON value given, sent as a decoded query value (a list as its items joined by commas).
fn query_value_is(given: &Value, sent: &str) -> bool {
    match given {
        Value::String(g) => same_text(g, sent),
        Value::Number(n) => n.to_string() == sent,
        Value::Bool(b) => b.to_string() == sent,
        Value::Array(items) => {
            let parts: Vec<&str> = sent.split(',').collect();
            items.len() == parts.len() && items.iter().zip(parts).all(|(g, s)| query_value_is(g, s))
        }
        _ => false,
    }
}

/// `agentphone_client_new`: each setting given is the client's setting, and an accepted base
/// URL means one host to both URL parsers, with no credentials, query or fragment.
fn check_config(json: Option<&str>) {
    let Ok(settings) = client_settings(json) else {
        return;
    };
    for (k, v) in given_keys("agentphone_client_new", json) {
        let s = &settings[k.as_str()];
        match k.as_str() {
            "baseUrl" => {
                let given = v.as_str().unwrap();
                assert_eq!(s.as_str().unwrap(), given.trim_end_matches('/'));
                let url = Url::parse(given)
                    .unwrap_or_else(|e| panic!("base URL {given:?} accepted, but {e}"));
                let uri: http::Uri = given.parse().unwrap();
                let host = uri
                    .host()
                    .unwrap()
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .to_ascii_lowercase();
                let url_host = url
                    .host_str()
                    .unwrap_or("")
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .to_string();
                assert!(
                    url_host == host || url_host.parse::<std::net::IpAddr>().is_ok(),
                    "base URL {given:?}: host {host:?} to http::Uri, {url_host:?} to url"
                );
                assert!(
                    url.username().is_empty() && url.password().is_none(),
                    "{given:?}"
                );
                assert!(
                    url.query().is_none() && url.fragment().is_none(),
                    "{given:?}"
                );
                let loopback = url_host == "localhost"
                    || url_host
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback());
                assert!(
                    url.scheme() == "https" || (url.scheme() == "http" && loopback),
                    "{given:?}"
                );
            }
            // The roots of a PEM file replace the named sets.
            "caFile" => assert_eq!(settings["tlsRoots"], Value::Null),
            "userAgent" => {
                let ua = s.as_str().unwrap();
                assert!(
                    ua.starts_with("agentphone-rust/") && ua.ends_with(v.as_str().unwrap()),
                    "{ua}"
                );
            }
            _ => assert_eq!(s, &v, "{k}"),
        }
    }
}
