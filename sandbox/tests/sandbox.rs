//! The sandbox: the API's rules over raw HTTP, the client end to end (the same expectations as
//! the mockito tests, checked on what the sandbox received), paging through 250 numbers, faults,
//! the `/sandbox/...` routes, and the `agentphone-sandbox` binary.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use agentphone::{CreateNumber, ErrorKind, ListMessages, ListNumbers};
use agentphone_sandbox::{Fault, Sandbox, DEFAULT_AGENT};
use serde_json::{json, Value};

/// A raw request (no client-side validation), returning status and JSON body.
fn raw(sandbox: &Sandbox, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    raw_with_key(sandbox, sandbox.api_key(), method, path, body)
}

fn raw_with_key(
    sandbox: &Sandbox,
    key: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let url = format!("{}{path}", sandbox.base_url());
    let auth = format!("Bearer {key}");
    let resp = match (method, body) {
        ("GET", _) => agent.get(&url).header("Authorization", &auth).call(),
        ("DELETE", _) => agent.delete(&url).header("Authorization", &auth).call(),
        ("POST", Some(b)) => agent
            .post(&url)
            .header("Authorization", &auth)
            .header("Content-Type", "application/json")
            .send(b.to_string()),
        ("POST", None) => agent.post(&url).header("Authorization", &auth).send_empty(),
        _ => unreachable!(),
    }
    .unwrap();
    let status = resp.status().as_u16();
    let text = resp.into_body().read_to_string().unwrap();
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, value)
}

#[test]
fn auth_is_required_everywhere() {
    let sb = Sandbox::start().unwrap();
    for (method, path) in [
        ("GET", "/v1/numbers"),
        ("POST", "/v1/numbers"),
        ("GET", "/v1/numbers/num_1"),
        ("DELETE", "/v1/numbers/num_1"),
        ("POST", "/sandbox/agents"),
        ("POST", "/sandbox/faults"),
    ] {
        let (status, body) = raw_with_key(&sb, "sk_wrong", method, path, None);
        assert_eq!(status, 401, "{method} {path}");
        assert_eq!(body["detail"], "Invalid or missing API key");
    }
    let e = sb
        .client_builder()
        .api_key("sk_wrong")
        .build()
        .unwrap()
        .numbers()
        .list(&ListNumbers::new())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthorized);
    assert_eq!(e.message(), "Invalid or missing API key");
}

#[test]
fn client_requests_match_the_documented_shapes() {
    let sb = Sandbox::start().unwrap();
    let c = sb.client_builder().sub_account_id("sub_9").build().unwrap();
    let n = c
        .numbers()
        .create(&CreateNumber::new().country("us").agent_id(DEFAULT_AGENT))
        .unwrap();
    c.numbers()
        .list(&ListNumbers::new().limit(10).offset(0))
        .unwrap();
    c.numbers().get(&n.id).unwrap();
    c.numbers()
        .messages(&n.id, &ListMessages::new().limit(5))
        .unwrap();
    c.agents().detach_number(DEFAULT_AGENT, &n.id).unwrap();
    c.agents().attach_number(DEFAULT_AGENT, &n.id).unwrap();
    c.numbers().release(&n.id).unwrap();

    let reqs = sb.requests();
    let seen: Vec<(&str, &str, &str, &str)> = reqs
        .iter()
        .map(|r| {
            (
                r.method.as_str(),
                r.path.as_str(),
                r.query.as_str(),
                r.body.as_str(),
            )
        })
        .collect();
    let id = n.id.as_str();
    let messages_path = format!("/v1/numbers/{id}/messages");
    let detach_path = format!("/v1/agents/{DEFAULT_AGENT}/numbers/{id}");
    let attach_body = format!("{{\"numberId\":\"{id}\"}}");
    let number_path = format!("/v1/numbers/{id}");
    assert_eq!(
        seen,
        [
            (
                "POST",
                "/v1/numbers",
                "",
                r#"{"country":"US","agentId":"agt_sandbox"}"#
            ),
            ("GET", "/v1/numbers", "limit=10&offset=0", ""),
            ("GET", number_path.as_str(), "", ""),
            ("GET", messages_path.as_str(), "limit=5", ""),
            ("DELETE", detach_path.as_str(), "", ""),
            (
                "POST",
                "/v1/agents/agt_sandbox/numbers",
                "",
                attach_body.as_str()
            ),
            ("DELETE", number_path.as_str(), "", ""),
        ]
    );
    assert!(
        !format!("{reqs:?}").contains(sb.api_key()),
        "Debug must redact the key"
    );
    let ua = format!("agentphone-rust/{}", env!("CARGO_PKG_VERSION"));
    for r in &reqs {
        assert_eq!(
            r.headers["authorization"],
            format!("Bearer {}", sb.api_key())
        );
        assert_eq!(r.headers["user-agent"], ua);
        assert_eq!(r.headers["accept"], "application/json");
        assert_eq!(r.headers["x-sub-account-id"], "sub_9");
        assert_eq!(
            r.headers.get("content-type").map(String::as_str),
            (r.method == "POST").then_some("application/json")
        );
    }
}

#[test]
fn numbers_rules_e164_release_and_limit() {
    let sb = Sandbox::start().unwrap();
    let c = sb.client().unwrap();
    let us = c
        .numbers()
        .create(&CreateNumber::new().area_code("415"))
        .unwrap();
    assert!(
        us.phone_number.starts_with("+1415") && us.phone_number.len() == 12,
        "{}",
        us.phone_number
    );
    assert_eq!(
        (us.country.as_str(), us.number_type.as_deref()),
        ("US", Some("sms"))
    );
    let gb = c
        .numbers()
        .create(&CreateNumber::new().country("GB"))
        .unwrap();
    assert!(
        gb.phone_number.starts_with("+44") && gb.phone_number.len() == 13,
        "{}",
        gb.phone_number
    );
    let e = c
        .numbers()
        .create(&CreateNumber::new().country("ZZ"))
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::Api, Some("VALIDATION_ERROR"))
    );
    assert_eq!(e.details().unwrap()[0]["field"], "country");

    sb.deliver_sms(&us.id, "+15550001111", "kept after release")
        .unwrap();
    let r = c.numbers().release(&us.id).unwrap();
    assert_eq!(r.status.as_deref(), Some("released"));
    assert_eq!(r.phone_number.as_deref(), Some(us.phone_number.as_str()));
    // Released: not listed, still readable, messages kept, a second release refused.
    let page = c.numbers().list(&ListNumbers::new()).unwrap();
    assert_eq!(page.total, Some(1));
    assert!(page.data.iter().all(|n| n.id != us.id));
    assert!(c.numbers().get(&us.id).unwrap().is_released());
    let msgs = c.numbers().messages(&us.id, &ListMessages::new()).unwrap();
    assert_eq!(msgs.data[0].body, "kept after release");
    let e = c.numbers().release(&us.id).unwrap_err();
    assert_eq!(
        (e.status(), e.code()),
        (Some(400), Some("PHONE_NUMBER_ALREADY_RELEASED"))
    );
    let e = sb
        .deliver_sms(&us.id, "+15550001111", "too late")
        .unwrap_err();
    assert_eq!(
        (e.status, e.code.as_deref()),
        (400, Some("VALIDATION_ERROR")),
        "{e}"
    );
    assert!(e.message.contains("released"), "{e}");

    // The self-serve limit: 10 active numbers.
    for _ in 0..9 {
        c.numbers().create(&CreateNumber::new()).unwrap();
    }
    let e = c.numbers().create(&CreateNumber::new()).unwrap_err();
    assert_eq!(e.code(), Some("VALIDATION_ERROR_NUMBER_LIMIT"));
    assert_eq!(
        c.numbers().list(&ListNumbers::new()).unwrap().total,
        Some(10)
    );
    // Releasing one makes room again.
    c.numbers().release(&gb.id).unwrap();
    c.numbers().create(&CreateNumber::new()).unwrap();

    let e = c.numbers().get("num_nope").unwrap_err();
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::NotFound, Some("PHONE_NUMBER_NOT_FOUND"))
    );
    assert!(e.request_id().unwrap().starts_with("req_sbx_"));
}

#[test]
fn query_and_body_validation_use_the_api_shapes() {
    let sb = Sandbox::start().unwrap();
    for (path, loc, kind) in [
        ("/v1/numbers?limit=0", "limit", "greater_than_equal"),
        ("/v1/numbers?limit=101", "limit", "less_than_equal"),
        ("/v1/numbers?limit=ten", "limit", "int_parsing"),
        ("/v1/numbers?offset=-1", "offset", "greater_than_equal"),
        (
            "/v1/numbers/x/messages?limit=201",
            "limit",
            "less_than_equal",
        ),
        (
            "/v1/numbers/x/messages?before=nope",
            "before",
            "datetime_from_date_parsing",
        ),
        (
            "/v1/numbers/x/messages?after=2025-13-01",
            "after",
            "datetime_from_date_parsing",
        ),
    ] {
        let (status, body) = raw(&sb, "GET", path, None);
        assert_eq!(status, 422, "{path}");
        assert_eq!(body["detail"][0]["loc"], json!(["query", loc]), "{path}");
        assert_eq!(body["detail"][0]["type"], kind, "{path}");
    }
    let (status, body) = raw(&sb, "POST", "/v1/numbers", Some(json!("not an object")));
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "VALIDATION_ERROR");
    let (status, body) = raw(&sb, "POST", "/v1/numbers", Some(json!({"areaCode": "41"})));
    assert_eq!(
        (status, body["error"]["details"][0]["field"].clone()),
        (400, json!("areaCode"))
    );
    let (status, _) = raw(&sb, "POST", "/v1/numbers", None);
    assert_eq!(status, 201, "an empty body asks for the defaults");
    let (status, body) = raw(&sb, "GET", "/v1/elsewhere", None);
    assert_eq!((status, body), (404, json!({"detail": "Not Found"})));
    let (status, _) = raw(&sb, "POST", "/v1/numbers/num_1", Some(json!({})));
    assert_eq!(status, 405);
    // The client checks limits itself, so a valid query reaches the number lookup: 404.
    let e = sb
        .client()
        .unwrap()
        .numbers()
        .messages("num_1", &ListMessages::new())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
}

#[test]
fn attach_detach_rules_and_agents() {
    let sb = Sandbox::builder().agent("agt_built").start().unwrap();
    let c = sb.client().unwrap();
    let n = c.numbers().create(&CreateNumber::new()).unwrap();
    let e = c.agents().attach_number("agt_ghost", &n.id).unwrap_err();
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::NotFound, Some("AGENT_NOT_FOUND"))
    );
    let e = c
        .agents()
        .attach_number(DEFAULT_AGENT, "num_ghost")
        .unwrap_err();
    assert_eq!(e.code(), Some("PHONE_NUMBER_NOT_FOUND"));
    let e = c.agents().detach_number(DEFAULT_AGENT, &n.id).unwrap_err();
    assert_eq!(e.code(), Some("PHONE_NUMBER_NOT_ATTACHED"));
    let e = c
        .numbers()
        .create(&CreateNumber::new().agent_id("agt_ghost"))
        .unwrap_err();
    assert_eq!(e.code(), Some("AGENT_NOT_FOUND"));

    // Three ways to add agents: the builder, Rust, and HTTP.
    sb.add_agent("agt_rust");
    let (status, body) = raw(
        &sb,
        "POST",
        "/sandbox/agents",
        Some(json!({"id": "agt_http"})),
    );
    assert_eq!((status, body), (201, json!({"id": "agt_http"})));
    let (status, _) = raw(&sb, "POST", "/sandbox/agents", Some(json!({})));
    assert_eq!(status, 400);
    for agent in ["agt_built", "agt_rust", "agt_http"] {
        let a = c.agents().attach_number(agent, &n.id).unwrap();
        assert_eq!(a.agent_id.as_deref(), Some(agent));
        assert_eq!(
            a.number.as_ref().unwrap().id.as_deref(),
            Some(n.id.as_str())
        );
        assert_eq!(
            c.numbers().get(&n.id).unwrap().agent_id.as_deref(),
            Some(agent)
        );
    }
    let d = c.agents().detach_number("agt_http", &n.id).unwrap();
    assert_eq!(d.success, Some(true));
    assert_eq!(c.numbers().get(&n.id).unwrap().agent_id, None);
}

#[test]
fn messages_end_to_end_with_cursor_paging() {
    let sb = Sandbox::start().unwrap();
    let c = sb.client().unwrap();
    let n = c.numbers().create(&CreateNumber::new()).unwrap();
    for i in 0..25 {
        sb.deliver_sms(&n.id, "+15550001111", &format!("sms {i}"))
            .unwrap();
    }
    // Over HTTP too, with the same auth.
    let (status, body) = raw(
        &sb,
        "POST",
        &format!("/sandbox/numbers/{}/messages", n.id),
        Some(json!({"from": "+447700900123", "body": "over http"})),
    );
    assert_eq!(status, 201);
    assert_eq!(body["from_"], "+447700900123");
    assert_eq!(body["to"], n.phone_number.as_str());
    let (status, _) = raw(
        &sb,
        "POST",
        &format!("/sandbox/numbers/{}/messages", n.id),
        Some(json!({"from": "not a number", "body": "x"})),
    );
    assert_eq!(status, 400);

    let first = c
        .numbers()
        .messages(&n.id, &ListMessages::new().limit(10))
        .unwrap();
    assert!(first.has_more);
    assert_eq!(first.data[0].body, "over http");
    let all: Vec<String> = c
        .numbers()
        .iter_messages(&n.id, ListMessages::new().limit(7))
        .map(|m| m.unwrap().body)
        .collect();
    let mut expected: Vec<String> = (0..25).rev().map(|i| format!("sms {i}")).collect();
    expected.insert(0, "over http".into());
    assert_eq!(all, expected);
    // The iterator always asks for the largest page: 26 messages in one request.
    let pages: Vec<String> = sb
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with("/messages"))
        .map(|r| r.query.clone())
        .collect();
    assert_eq!(pages, ["limit=10", "limit=200"]);
}

#[test]
fn messages_sharing_one_timestamp_are_all_yielded_or_the_iterator_says_why() {
    let sb = Sandbox::builder().start().unwrap();
    let c = sb.client().unwrap();
    let t = chrono::DateTime::parse_from_rfc3339("2026-01-01T12:00:00.123456Z")
        .unwrap()
        .to_utc();
    // 150 messages at one time, then 100 older ones: the first page (200) cuts through nothing
    // that the cursor cannot reach again.
    let n = c.numbers().create(&CreateNumber::new()).unwrap();
    for i in 0..100 {
        let at = t - chrono::Duration::seconds(100 - i);
        sb.deliver_sms_at(&n.id, "+15550001111", &format!("old {i}"), at)
            .unwrap();
    }
    for i in 0..150 {
        sb.deliver_sms_at(&n.id, "+15550001111", &format!("same {i}"), t)
            .unwrap();
    }
    let bodies: Vec<String> = c
        .numbers()
        .iter_messages(&n.id, ListMessages::new())
        .map(|m| m.unwrap().body)
        .collect();
    let mut expected: Vec<String> = (0..150).rev().map(|i| format!("same {i}")).collect();
    expected.extend((0..100).rev().map(|i| format!("old {i}")));
    assert_eq!(bodies, expected);

    // 250 messages at one time: more than a page shares the cursor. Every message the server
    // handed out is yielded, then an error says why the walk cannot go on.
    let m = c.numbers().create(&CreateNumber::new()).unwrap();
    for i in 0..250 {
        sb.deliver_sms_at(&m.id, "+15550001111", &format!("same {i}"), t)
            .unwrap();
    }
    let items: Vec<_> = c
        .numbers()
        .iter_messages(&m.id, ListMessages::new())
        .collect();
    assert_eq!(items.len(), 201);
    assert!(items[..200].iter().all(Result::is_ok));
    let e = items[200].as_ref().unwrap_err();
    assert!(
        e.message()
            .contains("cannot page past messages received at 2026-01-01T12:00:00.123456Z"),
        "{e}"
    );

    // Over HTTP, `receivedAt` is optional and checked.
    let (status, body) = raw(
        &sb,
        "POST",
        &format!("/sandbox/numbers/{}/messages", m.id),
        Some(
            json!({"from": "+15550001111", "body": "x", "receivedAt": "2026-01-01T12:00:00.123456Z"}),
        ),
    );
    assert_eq!(
        (status, body["receivedAt"].as_str()),
        (201, Some("2026-01-01T12:00:00.123456Z"))
    );
    let (status, _) = raw(
        &sb,
        "POST",
        &format!("/sandbox/numbers/{}/messages", m.id),
        Some(json!({"from": "+15550001111", "body": "x", "receivedAt": "noon"})),
    );
    assert_eq!(status, 400);
}

#[test]
fn iterating_250_numbers_with_page_sizes_1_and_100() {
    let sb = Sandbox::builder().number_limit(1000).start().unwrap();
    let c = sb.client().unwrap();
    let mut ids = Vec::new();
    for _ in 0..250 {
        ids.push(c.numbers().create(&CreateNumber::new()).unwrap().id);
    }
    for page_size in [1, 100] {
        sb.clear_requests();
        let seen: Vec<String> = c.numbers().iter(page_size).map(|n| n.unwrap().id).collect();
        assert_eq!(seen, ids, "page size {page_size}");
        let pages = sb.requests().len();
        assert_eq!(
            pages,
            250_usize.div_ceil(page_size as usize),
            "page size {page_size}"
        );
    }
    let last = c
        .numbers()
        .list(&ListNumbers::new().limit(100).offset(200))
        .unwrap();
    assert_eq!(
        (last.data.len(), last.has_more, last.total),
        (50, false, Some(250))
    );
    let past = c
        .numbers()
        .list(&ListNumbers::new().offset(10_000))
        .unwrap();
    assert_eq!((past.data.len(), past.has_more), (0, false));
}

#[test]
fn injected_faults_drive_the_retry_policy() {
    let sb = Sandbox::start().unwrap();
    let c = sb
        .client_builder()
        .retry_backoff(Duration::from_millis(1), Duration::from_millis(5))
        .build()
        .unwrap();

    // GET: an injected 503 is retried and succeeds.
    sb.inject(Fault::status(503).method("GET").path_prefix("/v1/numbers"));
    c.numbers().list(&ListNumbers::new()).unwrap();
    assert_eq!(sb.requests().len(), 2);
    // Once the retries are spent, the error says another try later is safe.
    sb.inject(Fault::status(503).method("GET").times(3));
    let e = c.numbers().list(&ListNumbers::new()).unwrap_err();
    assert!(e.is_retryable() && !e.may_have_succeeded(), "{e}");

    // POST: an injected 500 is sent exactly once, and no number was bought.
    sb.clear_requests();
    sb.inject(Fault::status(500).method("POST").path_prefix("/v1/numbers"));
    let e = c.numbers().create(&CreateNumber::new()).unwrap_err();
    assert_eq!(
        (e.kind(), e.status(), e.code()),
        (ErrorKind::Api, Some(500), Some("SANDBOX_FAULT"))
    );
    assert!(!e.is_retryable() && e.may_have_succeeded(), "{e}");
    assert_eq!(sb.requests().len(), 1);
    assert_eq!(
        c.numbers().list(&ListNumbers::new()).unwrap().total,
        Some(0)
    );

    // POST: a hang past the timeout is not retried; the server acted anyway (the real risk).
    sb.clear_requests();
    sb.inject(Fault::hang(Duration::from_millis(800)).method("POST"));
    let slow = sb
        .client_builder()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let e = slow.numbers().create(&CreateNumber::new()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    // It did act: the error must say so.
    assert!(!e.is_retryable() && e.may_have_succeeded(), "{e}");
    assert_eq!(sb.requests().len(), 1);
    std::thread::sleep(Duration::from_millis(900));
    assert_eq!(
        c.numbers().list(&ListNumbers::new()).unwrap().total,
        Some(1)
    );

    // A dropped connection: GET retried, POST not.
    sb.clear_requests();
    sb.inject(Fault::drop_connection().method("GET"));
    c.numbers().list(&ListNumbers::new()).unwrap();
    assert_eq!(sb.requests().len(), 2);
    sb.clear_requests();
    sb.inject(Fault::drop_connection().method("POST"));
    let e = c.numbers().create(&CreateNumber::new()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network);
    assert!(!e.is_retryable() && e.may_have_succeeded(), "{e}");
    assert_eq!(sb.requests().len(), 1);

    // 429 with Retry-After over HTTP's fault route; POST retried after a 429.
    let (status, _) = raw(
        &sb,
        "POST",
        "/sandbox/faults",
        Some(
            json!({"method": "POST", "pathPrefix": "/v1/numbers", "count": 1, "status": 429, "retryAfter": 0}),
        ),
    );
    assert_eq!(status, 201);
    sb.clear_requests();
    c.numbers().create(&CreateNumber::new()).unwrap();
    let posts = sb
        .requests()
        .iter()
        .filter(|r| r.path == "/v1/numbers")
        .count();
    assert_eq!(posts, 2);

    // A 2xx body that is not the documented shape.
    raw(
        &sb,
        "POST",
        "/sandbox/faults",
        Some(json!({"status": 200, "body": {"id": 1}})),
    );
    let e = c.numbers().get("num_any").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(!e.is_retryable() && !e.may_have_succeeded(), "{e}");
    raw(
        &sb,
        "POST",
        "/sandbox/faults",
        Some(json!({"method": "POST", "status": 201, "body": {"id": 1}})),
    );
    let e = c.numbers().create(&CreateNumber::new()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(
        e.may_have_succeeded(),
        "a 2xx to a create that cannot be read: {e}"
    );

    // Bad fault specs are refused; DELETE clears pending ones.
    for bad in [
        json!({"status": 503, "drop": true}),
        json!({"status": 99}),
        json!({"sttaus": 500}),
    ] {
        let (status, _) = raw(&sb, "POST", "/sandbox/faults", Some(bad));
        assert_eq!(status, 400);
    }
    raw(
        &sb,
        "POST",
        "/sandbox/faults",
        Some(json!({"status": 503, "count": 50})),
    );
    let (status, _) = raw(&sb, "DELETE", "/sandbox/faults", None);
    assert_eq!(status, 204);
    c.numbers().list(&ListNumbers::new()).unwrap();
}

#[test]
fn the_binary_serves_on_the_printed_port() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_agentphone-sandbox"))
        .args(["--port", "0", "--api-key", "sk_bin", "--agent", "agt_bin"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url_line = lines.next().unwrap().unwrap();
    let key_line = lines.next().unwrap().unwrap();
    let url = url_line
        .strip_prefix("AGENTPHONE_BASE_URL=")
        .unwrap()
        .to_string();
    assert_eq!(key_line, "AGENTPHONE_API_KEY=sk_bin");
    let c = agentphone::Client::builder()
        .api_key("sk_bin")
        .base_url(&url)
        .build()
        .unwrap();
    let n = c.numbers().create(&CreateNumber::new()).unwrap();
    c.agents().attach_number("agt_bin", &n.id).unwrap();
    assert_eq!(
        c.numbers().list(&ListNumbers::new()).unwrap().total,
        Some(1)
    );
    child.kill().unwrap();
    child.wait().unwrap();

    let out = Command::new(env!("CARGO_BIN_EXE_agentphone-sandbox"))
        .args(["--port", "notaport"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad port"));

    // An unknown flag or word is named as such, not taken for a flag missing its value.
    for unknown in ["--verbose", "serve"] {
        let out = Command::new(env!("CARGO_BIN_EXE_agentphone-sandbox"))
            .arg(unknown)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.starts_with(&format!("agentphone-sandbox: unknown option {unknown}\n")),
            "{stderr}"
        );
    }
}

#[test]
fn with_log_each_request_is_a_line_on_stderr() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_agentphone-sandbox"))
        .args(["--port", "0", "--api-key", "sk_log", "--log"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = lines.next().unwrap().unwrap();
    let url = url
        .strip_prefix("AGENTPHONE_BASE_URL=")
        .unwrap()
        .to_string();
    let c = agentphone::Client::builder()
        .api_key("sk_log")
        .base_url(&url)
        .build()
        .unwrap();
    c.numbers().list(&ListNumbers::new().limit(2)).unwrap();
    let _ = c.numbers().get("num_nope");
    child.kill().unwrap();
    child.wait().unwrap();
    let mut stderr = String::new();
    use std::io::Read;
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let logged: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        logged,
        [
            "GET /v1/numbers?limit=2 200",
            "GET /v1/numbers/num_nope 404"
        ],
        "{stderr}"
    );
}

#[test]
fn sandbox_requests_lists_what_arrived_and_a_mistyped_control_route_names_the_real_ones() {
    let sb = Sandbox::start().unwrap();
    let c = sb.client().unwrap();
    c.numbers().list(&ListNumbers::new().limit(3)).unwrap();
    let (status, body) = raw(&sb, "GET", "/sandbox/requests", None);
    assert_eq!(status, 200);
    let requests = body["requests"].as_array().unwrap();
    assert_eq!(requests[0]["method"], "GET");
    assert_eq!(requests[0]["path"], "/v1/numbers");
    assert_eq!(requests[0]["query"], "limit=3");
    assert_eq!(
        requests[0]["headers"]["authorization"], "***",
        "the key is not shown"
    );
    assert_eq!(requests.len(), sb.requests().len(), "what requests() gives");
    let (status, body) = raw(&sb, "POST", "/sandbox/call", Some(json!({})));
    assert_eq!(status, 404);
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("no sandbox route POST /sandbox/call;")
            && detail.contains("POST /sandbox/calls/{id}/advance"),
        "{detail}"
    );
    // The API's own 404 stays FastAPI's.
    let (status, body) = raw(&sb, "GET", "/v1/nothing", None);
    assert_eq!((status, body), (404, json!({"detail": "Not Found"})));
}

#[test]
fn dropping_the_sandbox_stops_it() {
    let sb = Sandbox::start().unwrap();
    let c = sb.client_builder().max_retries(0).build().unwrap();
    c.numbers().list(&ListNumbers::new()).unwrap();
    drop(sb);
    let e = c.numbers().list(&ListNumbers::new()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network, "{e}");
}

#[test]
fn a_delivered_text_with_a_wrong_key_names_that_key() {
    let sb = Sandbox::start().unwrap();
    let c = sb.client().unwrap();
    let n = c.numbers().create(&CreateNumber::new()).unwrap();
    let path = format!("/sandbox/numbers/{}/messages", n.id);
    let (status, body) = raw(
        &sb,
        "POST",
        &path,
        Some(json!({"from": "+15550001111", "text": "hi"})),
    );
    assert!((400..500).contains(&status), "{status} {body}");
    assert!(
        body.to_string().contains("text"),
        "the wrong key is named: {body}"
    );
    let (status, body) = raw(&sb, "POST", &path, Some(json!({"from": "+15550001111"})));
    assert!((400..500).contains(&status), "{status} {body}");
    assert!(
        body.to_string().contains("body"),
        "the missing key is named: {body}"
    );
    assert!(!body.to_string().contains("`from` and"), "{body}");
}
