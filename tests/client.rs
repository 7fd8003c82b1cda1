//! Request and response shapes of every operation, against mockito: the exact method, path,
//! query, body and headers sent, and the parsed result.

use agentphone::chrono::{TimeZone, Utc};
use agentphone::{Client, CreateNumber, ErrorKind, ListMessages, ListNumbers};
use mockito::{Matcher, Server, ServerGuard};
use serde_json::json;
use std::time::Duration;

mod support;

const KEY: &str = "sk_test_123";

fn client(server: &ServerGuard) -> Client {
    Client::builder()
        .api_key(KEY)
        .base_url(server.url())
        .retry_backoff(Duration::from_millis(1), Duration::from_millis(5))
        .build()
        .unwrap()
}

fn ua() -> String {
    format!("agentphone-rust/{}", env!("CARGO_PKG_VERSION"))
}

const NUMBER: &str = r#"{"id":"num_xyz789","phoneNumber":"+15551234567","country":"US","status":"active","agentId":"agt_abc123","createdAt":"2025-01-15T10:45:00Z"}"#;

#[test]
fn create_sends_documented_request_and_parses_number() {
    let mut server = Server::new();
    let m = server
        .mock("POST", "/v1/numbers")
        .match_query(Matcher::Missing)
        .match_header("authorization", format!("Bearer {KEY}").as_str())
        .match_header("user-agent", ua().as_str())
        .match_header("content-type", "application/json")
        .match_header("accept", "application/json")
        .match_header("x-sub-account-id", Matcher::Missing)
        .match_body(Matcher::Json(
            json!({"country": "US", "agentId": "agt_abc123"}),
        ))
        .with_status(201)
        .with_body(NUMBER)
        .expect(1)
        .create();
    let n = client(&server)
        .numbers()
        .create(&CreateNumber::new().country("us").agent_id("agt_abc123"))
        .unwrap();
    m.assert();
    assert_eq!(n.id, "num_xyz789");
    assert_eq!(n.phone_number, "+15551234567");
    assert_eq!(n.country, "US");
    assert!(n.is_active());
    assert_eq!(n.agent_id.as_deref(), Some("agt_abc123"));
    assert_eq!(
        n.created_at,
        Utc.with_ymd_and_hms(2025, 1, 15, 10, 45, 0).unwrap()
    );
}

#[test]
fn create_with_every_field() {
    let mut server = Server::new();
    let m = server
        .mock("POST", "/v1/numbers")
        .match_body(Matcher::Json(json!({
            "country": "GB", "areaCode": "415", "type": "sms", "imessageType": "blue",
            "externalId": "ext-1", "expiresAt": "2030-01-01T00:00:00Z"
        })))
        .with_status(200)
        .with_body(NUMBER)
        .create();
    let req = CreateNumber::new()
        .country("gb")
        .area_code("415")
        .number_type("sms")
        .imessage_type("blue")
        .external_id("ext-1")
        .expires_at(Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap());
    client(&server).numbers().create(&req).unwrap();
    m.assert();
    // The empty request asks for the API's defaults with an empty object.
    let m = server
        .mock("POST", "/v1/numbers")
        .match_body(Matcher::Json(json!({})))
        .with_body(NUMBER)
        .create();
    client(&server)
        .numbers()
        .create(&CreateNumber::default())
        .unwrap();
    m.assert();
}

#[test]
fn list_sends_query_and_keeps_unknown_fields() {
    let mut server = Server::new();
    let body = json!({
        "data": [{
            "id": "num_1", "phoneNumber": "+15550000001", "country": "US", "status": "active",
            "createdAt": "2025-01-15T10:45:00Z", "type": "sms", "whatsappEnabled": false,
            "dailyNewContacts": {"used": 3, "limit": 50, "resetsAt": "tomorrow"},
            "purchasedAt": "2025-01-15T10:44:59.5Z", "futureField": {"nested": [1, 2]}
        }],
        "hasMore": true, "total": 7, "nextCursor": "abc"
    });
    let m = server
        .mock("GET", "/v1/numbers")
        .match_query(Matcher::Exact("limit=10&offset=5".into()))
        .match_header("authorization", format!("Bearer {KEY}").as_str())
        .match_header("user-agent", ua().as_str())
        .match_header("content-type", Matcher::Missing)
        .match_body("")
        .with_body(body.to_string())
        .create();
    let page = client(&server)
        .numbers()
        .list(&ListNumbers::new().limit(10).offset(5))
        .unwrap();
    m.assert();
    assert!(page.has_more);
    assert_eq!(page.total, Some(7));
    let n = &page.data[0];
    assert_eq!(n.number_type.as_deref(), Some("sms"));
    assert_eq!(n.whatsapp_enabled, Some(false));
    assert_eq!(n.daily_new_contacts.as_ref().unwrap().limit, Some(50));
    assert_eq!(n.agent_id, None);
    assert_eq!(n.extra["futureField"], json!({"nested": [1, 2]}));
    // Round trip: every field, known or not, is written back out.
    let out = serde_json::to_value(&page).unwrap();
    assert_eq!(out["nextCursor"], "abc");
    assert_eq!(out["data"][0]["futureField"], json!({"nested": [1, 2]}));
    assert_eq!(out["data"][0]["dailyNewContacts"]["resetsAt"], "tomorrow");
    assert_eq!(out["data"][0]["purchasedAt"], "2025-01-15T10:44:59.500Z");
    assert_eq!(out["data"][0]["agentId"], serde_json::Value::Null);

    // No query fields set: no query string at all (the API's defaults apply).
    let m = server
        .mock("GET", "/v1/numbers")
        .match_query(Matcher::Missing)
        .with_body(r#"{"data":[],"hasMore":false,"total":0}"#)
        .create();
    let page = client(&server)
        .numbers()
        .list(&ListNumbers::default())
        .unwrap();
    m.assert();
    assert_eq!((page.data.len(), page.total), (0, Some(0)));
}

#[test]
fn get_release_and_sub_account_header() {
    let mut server = Server::new();
    let released = NUMBER.replace("active", "released");
    let get = server
        .mock("GET", "/v1/numbers/num_xyz789")
        .match_header("x-sub-account-id", "sub_42")
        .with_body(released)
        .create();
    let del = server
        .mock("DELETE", "/v1/numbers/num_xyz789")
        .match_header("authorization", format!("Bearer {KEY}").as_str())
        .match_header("x-sub-account-id", "sub_42")
        .with_body(
            r#"{"success":true,"phoneNumber":"+15551234567","status":"released","auditId":9}"#,
        )
        .create();
    let c = Client::builder()
        .api_key(KEY)
        .base_url(server.url())
        .sub_account_id("sub_42")
        .build()
        .unwrap();
    let n = c.numbers().get("num_xyz789").unwrap();
    assert!(n.is_released());
    let r = c.numbers().release("num_xyz789").unwrap();
    get.assert();
    del.assert();
    assert_eq!(r.success, Some(true));
    assert_eq!(r.status.as_deref(), Some("released"));
    assert_eq!(r.extra["auditId"], 9);
}

#[test]
fn release_and_detach_accept_an_empty_204() {
    let mut server = Server::new();
    server
        .mock("DELETE", "/v1/numbers/num_1")
        .with_status(204)
        .create();
    let del = server
        .mock("DELETE", "/v1/agents/agt_1/numbers/num_1")
        .with_status(204)
        .expect(1)
        .create();
    let c = client(&server);
    let r = c.numbers().release("num_1").unwrap();
    assert_eq!(r, agentphone::ReleasedNumber::default());
    let d = c.agents().detach_number("agt_1", "num_1").unwrap();
    assert_eq!(d, agentphone::DetachedNumber::default());
    del.assert();
}

#[test]
fn messages_send_cursor_query_and_parse_every_sender_spelling() {
    let mut server = Server::new();
    let m = server
        .mock("GET", "/v1/numbers/num_xyz789/messages")
        .match_query(Matcher::Exact(
            "limit=10&before=2025-01-15T12%3A00%3A00Z&after=2025-01-01T00%3A00%3A00.250Z".into(),
        ))
        .with_body(
            json!({"data": [
                {"id": "msg_001", "from_": "+15559876543", "to": "+15551234567",
                 "body": "Hi, I need help with my order", "receivedAt": "2025-01-15T12:00:00Z"},
                {"id": "msg_000", "fromNumber": "+15559876540", "toNumber": "+15551234567",
                 "body": "earlier", "receivedAt": "2025-01-15T11:00:00Z", "direction": "inbound",
                 "channel": "sms", "mediaUrls": ["https://x/1.png"], "sentiment": "ok"}
            ], "hasMore": false})
            .to_string(),
        )
        .create();
    let q = ListMessages::new()
        .limit(10)
        .before(Utc.with_ymd_and_hms(2025, 1, 15, 12, 0, 0).unwrap())
        .after(Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap() + chrono_ms(250));
    let page = client(&server)
        .numbers()
        .messages("num_xyz789", &q)
        .unwrap();
    m.assert();
    assert!(!page.has_more);
    assert_eq!(page.data[0].from, "+15559876543");
    assert_eq!(page.data[0].body, "Hi, I need help with my order");
    assert_eq!(page.data[1].from, "+15559876540");
    assert_eq!(page.data[1].to, "+15551234567");
    assert_eq!(page.data[1].direction.as_deref(), Some("inbound"));
    assert_eq!(page.data[1].extra["sentiment"], "ok");
    let out = serde_json::to_value(&page.data[1]).unwrap();
    assert_eq!(out["from_"], "+15559876540");
    assert_eq!(out["to"], "+15551234567");
    assert_eq!(out["sentiment"], "ok");
}

fn chrono_ms(ms: i64) -> agentphone::chrono::Duration {
    agentphone::chrono::Duration::milliseconds(ms)
}

#[test]
fn attach_and_detach() {
    let mut server = Server::new();
    let attach = server
        .mock("POST", "/v1/agents/agt_1/numbers")
        .match_header("content-type", "application/json")
        .match_header("authorization", format!("Bearer {KEY}").as_str())
        .match_body(Matcher::Json(json!({"numberId": "num_1"})))
        .with_body(r#"{"agentId":"agt_1","number":{"id":"num_1","phoneNumber":"+15550000001","status":"active","type":"sms"}}"#)
        .create();
    let detach = server
        .mock("DELETE", "/v1/agents/agt_1/numbers/num_1")
        .with_body(r#"{"success":true}"#)
        .create();
    let c = client(&server);
    let a = c.agents().attach_number("agt_1", "num_1").unwrap();
    assert_eq!(a.agent_id.as_deref(), Some("agt_1"));
    let n = a.number.unwrap();
    assert_eq!(n.phone_number.as_deref(), Some("+15550000001"));
    assert_eq!(n.number_type.as_deref(), Some("sms"));
    let d = c.agents().detach_number("agt_1", "num_1").unwrap();
    assert_eq!(d.success, Some(true));
    attach.assert();
    detach.assert();
}

#[test]
fn ids_are_encoded_as_one_path_segment() {
    let mut server = Server::new();
    let get = server
        .mock("GET", "/v1/numbers/..%2Fagents")
        .with_body(NUMBER)
        .expect(1)
        .create();
    let msgs = server
        .mock("GET", "/v1/numbers/a%2Fb/messages")
        .with_body(r#"{"data":[],"hasMore":false}"#)
        .expect(1)
        .create();
    let detach = server
        .mock("DELETE", "/v1/agents/x%3Fy/numbers/n%23%20m")
        .with_body("{}")
        .expect(1)
        .create();
    let c = client(&server);
    c.numbers().get("../agents").unwrap();
    c.numbers().messages("a/b", &ListMessages::new()).unwrap();
    c.agents().detach_number("x?y", "n# m").unwrap();
    get.assert();
    msgs.assert();
    detach.assert();
}

#[test]
fn validation_rejects_before_anything_is_sent() {
    let mut server = Server::new();
    let catch_all = server.mock("GET", Matcher::Any).expect(0).create();
    let post_all = server.mock("POST", Matcher::Any).expect(0).create();
    let del_all = server.mock("DELETE", Matcher::Any).expect(0).create();
    let c = client(&server);
    let cases: Vec<(agentphone::Error, &str)> = vec![
        (
            c.numbers()
                .create(&CreateNumber::new().country("USA"))
                .unwrap_err(),
            "country",
        ),
        (
            c.numbers()
                .create(&CreateNumber::new().area_code("12"))
                .unwrap_err(),
            "areaCode",
        ),
        (
            c.numbers()
                .create(&CreateNumber::new().agent_id("a\u{7}"))
                .unwrap_err(),
            "agentId",
        ),
        (
            c.numbers().list(&ListNumbers::new().limit(0)).unwrap_err(),
            "limit",
        ),
        (
            c.numbers()
                .list(&ListNumbers::new().limit(101))
                .unwrap_err(),
            "limit",
        ),
        (
            c.numbers()
                .messages("num_1", &ListMessages::new().limit(201))
                .unwrap_err(),
            "limit",
        ),
        (c.numbers().get("").unwrap_err(), "numberId"),
        (c.numbers().release("..").unwrap_err(), "numberId"),
        (c.numbers().get("a\nb").unwrap_err(), "numberId"),
        (
            c.agents().attach_number("", "num_1").unwrap_err(),
            "agentId",
        ),
        (c.agents().attach_number("agt", "").unwrap_err(), "numberId"),
        (
            c.agents().detach_number("agt", "\t").unwrap_err(),
            "numberId",
        ),
    ];
    for (e, field) in cases {
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
        assert!(e.message().starts_with(&format!("{field}: ")), "{e}");
        assert_eq!(e.status(), None);
    }
    catch_all.assert();
    post_all.assert();
    del_all.assert();
}

#[test]
fn error_shapes_and_kinds() {
    let mut server = Server::new();
    server
        .mock("GET", "/v1/numbers/env")
        .with_status(404)
        .with_header("x-request-id", "req_abc")
        .with_body(r#"{"error":{"message":"Phone number not found","code":"PHONE_NUMBER_NOT_FOUND","type":"not_found","details":[{"field":"id","message":"no such number","type":"missing"}]}}"#)
        .create();
    server
        .mock("GET", "/v1/numbers/fastapi")
        .with_status(422)
        .with_header("request-id", "req_def")
        .with_body(r#"{"detail":[{"loc":["query","limit"],"msg":"Input should be less than or equal to 100","type":"less_than_equal"}]}"#)
        .create();
    server
        .mock("GET", "/v1/numbers/detail")
        .with_status(401)
        .with_body(r#"{"detail":"Invalid API key"}"#)
        .create();
    server
        .mock("GET", "/v1/numbers/forbidden")
        .with_status(403)
        .with_body(r#"{"message":"Forbidden for this sub-account"}"#)
        .create();
    server
        .mock("GET", "/v1/numbers/message")
        .with_status(400)
        .with_body(r#"{"message":"Bad request","code":"VALIDATION_ERROR"}"#)
        .create();
    server
        .mock("GET", "/v1/numbers/html")
        .with_status(501)
        .with_body("<html>Not Implemented</html>")
        .create();
    server
        .mock("GET", "/v1/numbers/empty")
        .with_status(409)
        .create();
    server
        .mock("GET", "/v1/numbers/limited")
        .with_status(429)
        .with_header("retry-after", "120")
        .with_body(r#"{"error":{"message":"Too many requests","code":"RATE_LIMIT_EXCEEDED"}}"#)
        .expect(1)
        .create();
    server
        .mock("GET", "/v1/numbers/moved")
        .with_status(302)
        .with_header("location", "https://evil.example/steal")
        .create();
    let c = client(&server);
    let get = |id: &str| c.numbers().get(id).unwrap_err();

    let e = get("env");
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(e.status(), Some(404));
    assert_eq!(e.message(), "Phone number not found");
    assert_eq!(e.code(), Some("PHONE_NUMBER_NOT_FOUND"));
    assert_eq!(e.details().unwrap()[0]["field"], "id");
    assert_eq!(e.request_id(), Some("req_abc"));

    let e = get("fastapi");
    assert_eq!((e.kind(), e.status()), (ErrorKind::Api, Some(422)));
    assert_eq!(
        e.message(),
        "query.limit: Input should be less than or equal to 100"
    );
    assert_eq!(e.details().unwrap()[0]["type"], "less_than_equal");
    assert_eq!(e.request_id(), Some("req_def"));

    let e = get("detail");
    assert_eq!(
        (e.kind(), e.message()),
        (ErrorKind::Unauthorized, "Invalid API key")
    );
    let e = get("forbidden");
    assert_eq!(
        (e.kind(), e.message()),
        (ErrorKind::Unauthorized, "Forbidden for this sub-account")
    );
    let e = get("message");
    assert_eq!((e.kind(), e.message()), (ErrorKind::Api, "Bad request"));
    assert_eq!(e.code(), Some("VALIDATION_ERROR"));
    let e = get("html");
    assert_eq!((e.kind(), e.status()), (ErrorKind::Api, Some(501)));
    assert_eq!(e.message(), "<html>Not Implemented</html>");
    let e = get("empty");
    assert_eq!(e.message(), "HTTP 409 Conflict");

    // Retry-After beyond 60 s: no retry, the wait is reported.
    let e = get("limited");
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(e.code(), Some("RATE_LIMIT_EXCEEDED"));
    assert_eq!(e.retry_after(), Some(Duration::from_secs(120)));

    let e = get("moved");
    assert_eq!((e.kind(), e.status()), (ErrorKind::Api, Some(302)));
    assert!(e.message().contains("redirects are not followed"), "{e}");

    // The key is never in an error.
    for id in ["env", "fastapi", "detail"] {
        let e = get(id);
        assert!(!format!("{e} {e:?}").contains(KEY));
    }
}

#[test]
fn decode_errors() {
    let mut server = Server::new();
    server
        .mock("GET", "/v1/numbers/shape")
        .with_body(r#"{"id":"num_1"}"#)
        .create();
    server
        .mock("GET", "/v1/numbers/notjson")
        .with_body("<html>ok</html>")
        .create();
    server
        .mock("GET", "/v1/numbers/baddate")
        .with_body(NUMBER.replace("2025-01-15T10:45:00Z", "last tuesday"))
        .create();
    server
        .mock("GET", "/v1/numbers/empty")
        .with_status(200)
        .create();
    let c = client(&server);
    for id in ["shape", "notjson", "baddate", "empty"] {
        let e = c.numbers().get(id).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode, "{id}: {e}");
        assert_eq!(e.status(), Some(200));
        assert!(
            e.message()
                .starts_with("response is not the documented shape"),
            "{e}"
        );
    }
    let e = c.numbers().get("baddate").unwrap_err();
    assert!(e.message().contains("last tuesday"), "{e}");
}

#[test]
fn response_size_limit() {
    let mut server = Server::new();
    let big = format!(
        r#"{{"data":[],"hasMore":false,"total":0,"pad":"{}"}}"#,
        "x".repeat(4096)
    );
    server
        .mock("GET", "/v1/numbers")
        .with_body(&big)
        .expect(2)
        .create();
    let small = Client::builder()
        .api_key(KEY)
        .base_url(server.url())
        .max_response_bytes(1024)
        .build()
        .unwrap();
    let e = small.numbers().list(&ListNumbers::new()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(e.message().contains("maxResponseBytes (1024 bytes)"), "{e}");
    // The same body under the default 16 MiB limit parses.
    let page = client(&server).numbers().list(&ListNumbers::new()).unwrap();
    assert_eq!(page.extra["pad"].as_str().unwrap().len(), 4096);
}
