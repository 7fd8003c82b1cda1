//! What the C API returns on success: the server's body itself when it is already in the
//! contract's form, else the server's body with exactly the contract's rewrites made in place
//! (timestamps without an offset, other sender/recipient spellings, a null message body, a list
//! without `total`, an empty body), and nothing else added or removed.

use std::ffi::{c_char, CStr, CString};
use std::ptr;

use agentphone::ffi::*;
use mockito::{Matcher, Server, ServerGuard};
use serde_json::{json, Value};

struct Handle(*mut agentphone_client);

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: from agentphone_client_new, freed once.
        unsafe { agentphone_client_free(self.0) };
    }
}

fn client(server: &ServerGuard) -> Handle {
    let config = CString::new(json!({"apiKey": "k", "baseUrl": server.url()}).to_string()).unwrap();
    let mut c = ptr::null_mut();
    // SAFETY: valid config string and out-pointer; no error string requested.
    let st = unsafe { agentphone_client_new(config.as_ptr(), &mut c, ptr::null_mut()) };
    assert_eq!(st, agentphone_status::AGENTPHONE_OK);
    Handle(c)
}

/// Runs one C call and returns its status and output text (freed here).
fn call(f: impl FnOnce(*mut *mut c_char) -> agentphone_status) -> (agentphone_status, String) {
    let mut out = ptr::null_mut();
    let st = f(&mut out);
    // SAFETY: every call sets *out to a string this library owns; freed once.
    let text = unsafe { CStr::from_ptr(out) }.to_str().unwrap().to_string();
    unsafe { agentphone_string_free(out) };
    (st, text)
}

fn get(server: &mut ServerGuard, body: &str) -> String {
    server
        .mock("GET", "/v1/numbers/n1")
        .with_body(body)
        .create();
    let c = client(server);
    // SAFETY: live handle, NUL-terminated id.
    let (st, text) = call(|out| unsafe { agentphone_numbers_get(c.0, c"n1".as_ptr(), out) });
    assert_eq!(st, agentphone_status::AGENTPHONE_OK, "{text}");
    text
}

#[test]
fn a_canonical_body_is_returned_as_received() {
    let mut server = Server::new();
    let body = r#"{ "status":"active", "id":"n1",  "phoneNumber":"+15550000001", "country":"US",
        "createdAt":"2025-01-15T10:45:00+01:00", "futureField":{"z":[1,2.50,"x"]} }"#;
    assert_eq!(get(&mut server, body), body);

    let page = r#"{"data":[{"id":"m1","from_":"+15550000002","to":"+15550000001","body":"hi","receivedAt":"2025-01-15T12:00:00Z","x":1}],"hasMore":false}"#;
    server
        .mock("GET", "/v1/numbers/n1/messages")
        .with_body(page)
        .create();
    let c = client(&server);
    // SAFETY: live handle, NUL-terminated id, NULL query.
    let (_, text) =
        call(|out| unsafe { agentphone_numbers_messages(c.0, c"n1".as_ptr(), ptr::null(), out) });
    assert_eq!(text, page);
}

#[test]
fn a_timestamp_without_offset_is_normalized() {
    let mut server = Server::new();
    let text = get(
        &mut server,
        r#"{"id":"n1","phoneNumber":"+1","country":"US","status":"active","createdAt":"2025-01-15T10:45:00.5","extra":true}"#,
    );
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["createdAt"], "2025-01-15T10:45:00.500Z");
    assert_eq!(
        v["extra"], true,
        "unknown fields survive the re-serialization"
    );
}

/// The result's keys are the server's keys, whether or not some field needed rewriting: a key
/// the server left out (`agentId` here) stays out, and no typed default appears.
#[test]
fn the_result_keys_never_depend_on_unrelated_fields() {
    let keys = |text: &str| -> Vec<String> {
        let v: Value = serde_json::from_str(text).unwrap();
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    for created in ["2025-01-15T10:45:00Z", "2025-01-15T10:45:00"] {
        let mut server = Server::new();
        let body = json!({"id": "n1", "phoneNumber": "+1", "country": "US", "status": "active",
                          "createdAt": created, "purchasedAt": null, "z": {"a": null}});
        let text = get(&mut server, &body.to_string());
        assert_eq!(
            keys(&text),
            [
                "country",
                "createdAt",
                "id",
                "phoneNumber",
                "purchasedAt",
                "status",
                "z"
            ],
            "createdAt {created}: {text}"
        );
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["z"], json!({"a": null}));
        assert_eq!(v["purchasedAt"], Value::Null);
    }

    // A message that needs its sender renamed keeps every other key as the server sent it.
    let mut server = Server::new();
    server
        .mock("GET", "/v1/numbers/n1/messages")
        .with_body(
            json!({"data": [
                {"id": "m1", "fromNumber": "+2", "to": "+9", "body": "b", "receivedAt": "2025-01-15T12:00:01Z"},
                {"id": "m2", "from_": "+2", "to": "+9", "body": "b", "receivedAt": "2025-01-15T12:00:01Z"}
            ], "hasMore": false, "total": 2})
            .to_string(),
        )
        .create();
    let c = client(&server);
    // SAFETY: live handle, NUL-terminated id, NULL query.
    let (_, text) =
        call(|out| unsafe { agentphone_numbers_messages(c.0, c"n1".as_ptr(), ptr::null(), out) });
    let v: Value = serde_json::from_str(&text).unwrap();
    for m in v["data"].as_array().unwrap() {
        assert_eq!(
            keys(&m.to_string()),
            ["body", "from_", "id", "receivedAt", "to"],
            "{m}"
        );
    }
    assert_eq!(
        v["total"], 2,
        "a key the typed page does not know is kept: {text}"
    );
}

#[test]
fn other_spellings_and_null_bodies_are_normalized() {
    let mut server = Server::new();
    server
        .mock("GET", "/v1/numbers/n1/messages")
        .match_query(Matcher::Any)
        .with_body(
            json!({"data": [
                {"id": "m2", "fromNumber": "+2", "toNumber": "+9", "body": "b", "receivedAt": "2025-01-15T12:00:01Z"},
                {"id": "m1", "from_": "+1", "to": "+9", "body": null, "receivedAt": "2025-01-15T12:00:00Z"}
            ], "hasMore": false})
            .to_string(),
        )
        .create();
    let c = client(&server);
    // SAFETY: live handle, NUL-terminated strings.
    let (_, text) = call(|out| unsafe {
        agentphone_numbers_messages(c.0, c"n1".as_ptr(), c"{\"limit\": 2}".as_ptr(), out)
    });
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["data"][0]["from_"], "+2");
    assert_eq!(v["data"][0]["to"], "+9");
    assert!(
        !text.contains("fromNumber") && !text.contains("toNumber"),
        "{text}"
    );
    assert_eq!(v["data"][1]["body"], "");
}

#[test]
fn a_list_without_total_gets_a_null_total_and_an_empty_body_is_an_object() {
    let mut server = Server::new();
    server
        .mock("GET", "/v1/numbers")
        .with_body(r#"{"data":[],"hasMore":false}"#)
        .create();
    server
        .mock("DELETE", "/v1/numbers/n1")
        .with_status(204)
        .create();
    let c = client(&server);
    // SAFETY: live handle, NULL query.
    let (_, text) = call(|out| unsafe { agentphone_numbers_list(c.0, ptr::null(), out) });
    assert_eq!(text, r#"{"data":[],"hasMore":false,"total":null}"#);
    // SAFETY: live handle, NUL-terminated id.
    let (st, text) = call(|out| unsafe { agentphone_numbers_release(c.0, c"n1".as_ptr(), out) });
    assert_eq!(
        (st, text.as_str()),
        (agentphone_status::AGENTPHONE_OK, "{}")
    );
}

#[test]
fn an_absurd_retry_after_is_reported_clamped_not_wrapped() {
    let mut server = Server::new();
    server
        .mock("GET", "/v1/numbers/n1")
        .with_status(429)
        .with_header("Retry-After", "18446744073709552")
        .create();
    let c = client(&server);
    // SAFETY: live handle, NUL-terminated id.
    let (st, text) = call(|out| unsafe { agentphone_numbers_get(c.0, c"n1".as_ptr(), out) });
    assert_eq!(st, agentphone_status::AGENTPHONE_RATE_LIMITED);
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["retryAfterMs"], 1_000_000_000_000u64, "{text}");
    assert_eq!(
        (v["retryable"].clone(), v["mayHaveSucceeded"].clone()),
        (json!(true), json!(false))
    );
}

/// Found by the `c_results` fuzz target: the agents list and the webhook delivery log were
/// handed out without the `total` the header promises, and a `total` inside an item hid a
/// missing top-level one from the number list.
#[test]
fn every_page_gets_its_promised_total_whatever_its_items_hold() {
    let mut server = Server::new();
    server
        .mock("GET", "/v1/agents")
        .match_query(Matcher::Any)
        .with_body(r#"{"data":[],"hasMore":false}"#)
        .create();
    server
        .mock("GET", "/v1/webhooks/deliveries")
        .match_query(Matcher::Any)
        .with_body(r#"{"items":[],"offset":0,"limit":50}"#)
        .create();
    server
        .mock("GET", "/v1/numbers")
        .match_query(Matcher::Any)
        .with_body(
            r#"{"data":[{"id":"n1","phoneNumber":"+1","country":"US","status":"active","createdAt":"2025-01-15T10:45:00Z","total":7}],"hasMore":false}"#,
        )
        .create();
    let c = client(&server);
    // SAFETY: live handle, NULL queries.
    let (st, agents) = call(|out| unsafe { agentphone_agents_list(c.0, ptr::null(), out) });
    assert_eq!(st, agentphone_status::AGENTPHONE_OK, "{agents}");
    let agents: Value = serde_json::from_str(&agents).unwrap();
    assert_eq!(agents, json!({"data": [], "hasMore": false, "total": null}));
    // SAFETY: as above.
    let (_, log) = call(|out| unsafe { agentphone_webhooks_deliveries(c.0, ptr::null(), out) });
    let log: Value = serde_json::from_str(&log).unwrap();
    assert_eq!(
        log,
        json!({"items": [], "offset": 0, "limit": 50, "total": null})
    );
    // SAFETY: as above.
    let (_, numbers) = call(|out| unsafe { agentphone_numbers_list(c.0, ptr::null(), out) });
    let numbers: Value = serde_json::from_str(&numbers).unwrap();
    assert_eq!(numbers["total"], Value::Null);
    assert!(
        numbers.as_object().unwrap().contains_key("total"),
        "{numbers}"
    );
    assert_eq!(numbers["data"][0]["total"], 7);
}
