//! The money-safe retry policy, timeouts, connection reuse, and the page iterators.

use std::time::{Duration, Instant};

use agentphone::{Client, CreateNumber, ErrorKind, ListMessages, ListNumbers};
use mockito::{Matcher, Server};
use serde_json::json;

mod support;
use support::{number_json, Action, RawServer};

fn fast_client(url: &str) -> agentphone::ClientBuilder {
    Client::builder()
        .api_key("sk_test")
        .base_url(url)
        .retry_backoff(Duration::from_millis(1), Duration::from_millis(5))
}

fn ok_list() -> Action {
    Action::Respond(
        200,
        vec![],
        r#"{"data":[],"hasMore":false,"total":0}"#.into(),
    )
}

#[test]
fn client_is_send_sync_clone() {
    fn check<T: Send + Sync + Clone + 'static>() {}
    fn send_sync<T: Send + Sync + 'static>() {}
    check::<Client>();
    send_sync::<agentphone::Error>();
}

#[test]
fn get_503_then_200_succeeds_after_two_requests() {
    let mut server = Server::new();
    let fail = server
        .mock("GET", "/v1/numbers")
        .with_status(503)
        .expect(1)
        .create();
    let ok = server
        .mock("GET", "/v1/numbers")
        .with_body(r#"{"data":[],"hasMore":false,"total":0}"#)
        .expect(1)
        .create();
    let c = fast_client(&server.url()).build().unwrap();
    c.numbers().list(&ListNumbers::new()).unwrap();
    fail.assert();
    ok.assert();
}

#[test]
fn retryable_statuses_for_get_and_delete_exhaust_max_retries() {
    for (method, status) in [
        ("GET", 500),
        ("GET", 502),
        ("GET", 504),
        ("GET", 408),
        ("DELETE", 503),
    ] {
        let mut server = Server::new();
        let m = server
            .mock(method, "/v1/numbers/num_1")
            .with_status(status)
            .expect(3)
            .create();
        let c = fast_client(&server.url()).max_retries(2).build().unwrap();
        let e = if method == "GET" {
            c.numbers().get("num_1").unwrap_err()
        } else {
            c.numbers().release("num_1").map(|_| ()).unwrap_err()
        };
        assert_eq!(e.status(), Some(status as u16));
        m.assert();
    }
}

#[test]
fn non_retryable_statuses_are_sent_once() {
    for status in [400, 401, 404, 409, 422, 501] {
        let mut server = Server::new();
        let m = server
            .mock("GET", "/v1/numbers/num_1")
            .with_status(status)
            .expect(1)
            .create();
        let c = fast_client(&server.url()).build().unwrap();
        c.numbers().get("num_1").unwrap_err();
        m.assert();
    }
}

#[test]
fn post_500_is_sent_exactly_once() {
    let mut server = Server::new();
    for path in ["/v1/numbers", "/v1/agents/agt_1/numbers"] {
        let m = server
            .mock("POST", path)
            .with_status(500)
            .with_body(r#"{"error":{"message":"carrier down","code":"CARRIER_ERROR"}}"#)
            .expect(1)
            .create();
        let c = fast_client(&server.url()).max_retries(5).build().unwrap();
        let e = if path == "/v1/numbers" {
            c.numbers().create(&CreateNumber::new()).unwrap_err()
        } else {
            c.agents()
                .attach_number("agt_1", "num_1")
                .map(|_| ())
                .unwrap_err()
        };
        assert_eq!((e.kind(), e.status()), (ErrorKind::Api, Some(500)));
        assert_eq!(e.code(), Some("CARRIER_ERROR"));
        m.assert();
    }
}

#[test]
fn post_timeout_is_sent_exactly_once_and_get_timeout_is_retried() {
    let server = RawServer::start(|_| Action::Hang(Duration::from_secs(3)));
    let c = fast_client(&server.url())
        .timeout(Duration::from_millis(300))
        .max_retries(2)
        .build()
        .unwrap();
    let e = c.numbers().create(&CreateNumber::new()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert_eq!(server.request_count(), 1);

    let server = RawServer::start(|_| Action::Hang(Duration::from_secs(3)));
    let c = fast_client(&server.url())
        .timeout(Duration::from_millis(300))
        .max_retries(2)
        .build()
        .unwrap();
    let e = c.numbers().get("num_1").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert_eq!(server.request_count(), 3);
}

#[test]
fn timeout_bounds_the_whole_attempt_not_each_read() {
    // A body that trickles in slower than the attempt's budget: the attempt still ends on time.
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = [0; 4096];
        let _ = s.read(&mut buf);
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
        for _ in 0..1000 {
            if s.write_all(b" ").is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    });
    let c = fast_client(&url)
        .timeout(Duration::from_millis(500))
        .max_retries(0)
        .build()
        .unwrap();
    let e = c.numbers().list(&ListNumbers::new()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
}

#[test]
fn dropped_connection_is_retried_for_get_but_not_post() {
    let server = RawServer::start(|n| if n == 0 { Action::Drop } else { ok_list() });
    let c = fast_client(&server.url()).build().unwrap();
    c.numbers().list(&ListNumbers::new()).unwrap();
    assert_eq!(server.request_count(), 2);

    let server = RawServer::start(|_| Action::Drop);
    let c = fast_client(&server.url()).max_retries(3).build().unwrap();
    let e = c.numbers().create(&CreateNumber::new()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network, "{e}");
    assert_eq!(server.request_count(), 1);
}

#[test]
fn connection_refused_is_a_network_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let c = fast_client(&format!("http://127.0.0.1:{port}"))
        .build()
        .unwrap();
    let e = c.numbers().create(&CreateNumber::new()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network, "{e}");
    // The message names where it tried.
    assert!(
        e.message()
            .starts_with(&format!("could not connect to 127.0.0.1:{port}: ")),
        "{e}"
    );
    // Refused while connecting: the create never left, so it is safe to send again.
    assert!(e.is_retryable() && !e.may_have_succeeded(), "{e}");
}

#[test]
fn an_absurd_retry_after_is_clamped_and_not_waited_for() {
    let server = RawServer::start(|_| {
        Action::Respond(
            429,
            vec![("Retry-After", "18446744073709552".into())],
            "{}".into(),
        )
    });
    let c = fast_client(&server.url()).max_retries(2).build().unwrap();
    let e = c.numbers().list(&ListNumbers::new()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(e.retry_after(), Some(Duration::from_secs(1_000_000_000)));
    assert_eq!(server.request_count(), 1, "a wait over 60 s is not made");
    assert!(e.is_retryable(), "{e}");
}

#[test]
fn retry_after_is_honoured_and_429_retries_post() {
    let server = RawServer::start(|n| {
        if n == 0 {
            Action::Respond(
                429,
                vec![("Retry-After", "1".into())],
                r#"{"error":{"message":"slow down","code":"RATE_LIMIT_EXCEEDED"}}"#.into(),
            )
        } else {
            Action::Respond(201, vec![], number_json("num_new"))
        }
    });
    let c = fast_client(&server.url()).build().unwrap();
    let start = Instant::now();
    let n = c.numbers().create(&CreateNumber::new()).unwrap();
    // The backoff configured here is 1-5 ms: only Retry-After explains a wait of a second.
    assert!(
        start.elapsed() >= Duration::from_millis(950),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(n.id, "num_new");
    assert_eq!(server.request_count(), 2);
}

#[test]
fn rate_limit_after_retries_reports_the_wait() {
    let server =
        RawServer::start(|_| Action::Respond(429, vec![("Retry-After", "0".into())], "{}".into()));
    let c = fast_client(&server.url()).max_retries(2).build().unwrap();
    let e = c.numbers().list(&ListNumbers::new()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(e.retry_after(), Some(Duration::ZERO));
    assert_eq!(server.request_count(), 3);
}

#[test]
fn max_retries_zero_sends_one_request() {
    let mut server = Server::new();
    let m = server
        .mock("GET", "/v1/numbers")
        .with_status(503)
        .expect(1)
        .create();
    let c = fast_client(&server.url()).max_retries(0).build().unwrap();
    let e = c.numbers().list(&ListNumbers::new()).unwrap_err();
    assert_eq!((e.kind(), e.status()), (ErrorKind::Api, Some(503)));
    m.assert();
}

#[test]
fn sequential_calls_reuse_one_connection() {
    let server = RawServer::start(|_| ok_list());
    let c = fast_client(&server.url()).build().unwrap();
    for _ in 0..50 {
        c.numbers().list(&ListNumbers::new()).unwrap();
    }
    assert_eq!(server.request_count(), 50);
    assert_eq!(server.connection_count(), 1);
}

#[test]
fn a_kept_alive_connection_the_server_closed_is_not_used_for_a_post() {
    // Were the closed connection taken from the pool, the create would be written to it, fail
    // after sending, and never be retried (it may have acted).
    let server = RawServer::start(|n| match n {
        0 => Action::RespondThenClose(200, r#"{"data":[],"hasMore":false,"total":0}"#.into()),
        _ => Action::Respond(201, vec![], number_json("num_new")),
    });
    let c = fast_client(&server.url()).build().unwrap();
    c.numbers().list(&ListNumbers::new()).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let created = c.numbers().create(&CreateNumber::new()).unwrap();
    assert_eq!(created.id, "num_new");
    assert_eq!(server.request_count(), 2);
    assert_eq!(server.connection_count(), 2);
}

#[test]
fn bytes_sent_past_an_answer_keep_its_connection_out_of_the_pool() {
    // The stray bytes are a whole answer of their own: read as the next call's, they would
    // give it `total: 999`.
    let stray =
        "HTTP/1.1 200 X\r\nContent-Length: 39\r\n\r\n{\"data\":[],\"hasMore\":false,\"total\":999}";
    let server = RawServer::start(move |n| match n {
        0 => Action::RespondThenSend(
            200,
            r#"{"data":[],"hasMore":false,"total":0}"#.into(),
            stray.into(),
        ),
        _ => ok_list(),
    });
    let c = fast_client(&server.url()).build().unwrap();
    c.numbers().list(&ListNumbers::new()).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let page = c.numbers().list(&ListNumbers::new()).unwrap();
    assert_eq!(page.total, Some(0));
    assert_eq!(server.request_count(), 2);
    assert_eq!(server.connection_count(), 2);
}

#[test]
fn threads_share_one_client_and_its_pool() {
    let server = RawServer::start(|_| ok_list());
    let c = fast_client(&server.url()).build().unwrap();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let c = c.clone();
            std::thread::spawn(move || {
                for _ in 0..25 {
                    c.numbers().list(&ListNumbers::new()).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(server.request_count(), 200);
    // At most one connection per concurrent thread, reused across calls.
    assert!(
        server.connection_count() <= 8,
        "{}",
        server.connection_count()
    );
}

#[test]
fn number_iterator_walks_three_pages_without_gaps_or_duplicates() {
    let mut server = Server::new();
    let page = |ids: &[&str], has_more: bool| {
        let data: Vec<serde_json::Value> = ids
            .iter()
            .map(|id| serde_json::from_str(&number_json(id)).unwrap())
            .collect();
        json!({"data": data, "hasMore": has_more, "total": 5}).to_string()
    };
    let mocks = [
        server
            .mock("GET", "/v1/numbers")
            .match_query(Matcher::Exact("limit=2&offset=0".into()))
            .with_body(page(&["n1", "n2"], true))
            .expect(1)
            .create(),
        server
            .mock("GET", "/v1/numbers")
            .match_query(Matcher::Exact("limit=2&offset=2".into()))
            // n2 again: the list shifted between pages; it must not be yielded twice.
            .with_body(page(&["n2", "n3"], true))
            .expect(1)
            .create(),
        server
            .mock("GET", "/v1/numbers")
            .match_query(Matcher::Exact("limit=2&offset=4".into()))
            .with_body(page(&["n4"], false))
            .expect(1)
            .create(),
    ];
    let c = fast_client(&server.url()).build().unwrap();
    let mut it = c.numbers().iter(2);
    // Lazy: the first item needs one page only.
    assert_eq!(it.next().unwrap().unwrap().id, "n1");
    mocks[0].assert();
    assert!(!mocks[1].matched());
    let rest: Vec<String> = it.map(|n| n.unwrap().id).collect();
    assert_eq!(rest, ["n2", "n3", "n4"]);
    for m in &mocks {
        m.assert();
    }
}

fn msg(id: &str, t: &str) -> serde_json::Value {
    json!({"id": id, "from": "+15550000009", "to": "+15550000001", "body": id, "receivedAt": t})
}

#[test]
fn message_iterator_asks_for_full_pages_just_above_the_oldest_and_skips_seen_ids() {
    let mut server = Server::new();
    let mocks = [
        server
            .mock("GET", "/v1/numbers/num_1/messages")
            // Always the largest page, whatever the query's limit.
            .match_query(Matcher::Exact("limit=200".into()))
            .with_body(
                json!({"data": [msg("m5", "2025-01-05T00:00:00Z"), msg("m4", "2025-01-04T00:00:00Z")], "hasMore": true})
                    .to_string(),
            )
            .expect(1)
            .create(),
        server
            .mock("GET", "/v1/numbers/num_1/messages")
            // One microsecond above the oldest: messages sharing its time are asked for again.
            .match_query(Matcher::Exact(
                "limit=200&before=2025-01-04T00%3A00%3A00.000001Z".into(),
            ))
            .with_body(
                json!({"data": [msg("m4", "2025-01-04T00:00:00Z"), msg("m4b", "2025-01-04T00:00:00Z"), msg("m3", "2025-01-03T00:00:00Z")], "hasMore": true})
                    .to_string(),
            )
            .expect(1)
            .create(),
        server
            .mock("GET", "/v1/numbers/num_1/messages")
            .match_query(Matcher::Exact(
                "limit=200&before=2025-01-03T00%3A00%3A00.000001Z".into(),
            ))
            .with_body(json!({"data": [msg("m3", "2025-01-03T00:00:00Z"), msg("m1", "2025-01-01T00:00:00Z")], "hasMore": false}).to_string())
            .expect(1)
            .create(),
    ];
    let c = fast_client(&server.url()).build().unwrap();
    let ids: Vec<String> = c
        .numbers()
        .iter_messages("num_1", ListMessages::new().limit(2))
        .map(|m| m.unwrap().id)
        .collect();
    assert_eq!(ids, ["m5", "m4", "m4b", "m3", "m1"]);
    for m in &mocks {
        m.assert();
    }
}

#[test]
fn message_iterator_that_cannot_move_says_why_instead_of_ending() {
    // A server that ignores `before`: the same page again and again, always "more".
    let mut server = Server::new();
    let m = server
        .mock("GET", "/v1/numbers/num_1/messages")
        .match_query(Matcher::Any)
        .with_body(
            json!({"data": [msg("m2", "2025-01-02T00:00:00Z"), msg("m1", "2025-01-01T00:00:00Z")], "hasMore": true})
                .to_string(),
        )
        .expect(2)
        .create();
    let c = fast_client(&server.url()).build().unwrap();
    let items: Vec<_> = c
        .numbers()
        .iter_messages("num_1", ListMessages::new())
        .collect();
    assert_eq!(items.len(), 3, "{items:?}");
    assert_eq!(items[0].as_ref().unwrap().id, "m2");
    assert_eq!(items[1].as_ref().unwrap().id, "m1");
    let e = items[2].as_ref().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(
        e.message()
            .contains("cannot page past messages received at 2025-01-01T00:00:00Z"),
        "{e}"
    );
    m.assert();
}

#[test]
fn number_iterator_steps_back_when_numbers_are_released_during_the_walk() {
    let mut server = Server::new();
    let page = |ids: &[&str], has_more: bool, total: u64| {
        let data: Vec<serde_json::Value> = ids
            .iter()
            .map(|id| serde_json::from_str(&number_json(id)).unwrap())
            .collect();
        json!({"data": data, "hasMore": has_more, "total": total}).to_string()
    };
    let mocks = [
        server
            .mock("GET", "/v1/numbers")
            .match_query(Matcher::Exact("limit=2&offset=0".into()))
            .with_body(page(&["n1", "n2"], true, 5))
            .expect(1)
            .create(),
        // n1 was released: n3 moved to offset 1, so offset 2 starts at n4. The total says so.
        server
            .mock("GET", "/v1/numbers")
            .match_query(Matcher::Exact("limit=2&offset=2".into()))
            .with_body(page(&["n4", "n5"], false, 4))
            .expect(1)
            .create(),
        // Read again from 2 - 1: n3 is found, n4 is not yielded twice.
        server
            .mock("GET", "/v1/numbers")
            .match_query(Matcher::Exact("limit=2&offset=1".into()))
            .with_body(page(&["n3", "n4"], true, 4))
            .expect(1)
            .create(),
        server
            .mock("GET", "/v1/numbers")
            .match_query(Matcher::Exact("limit=2&offset=3".into()))
            .with_body(page(&["n5"], false, 4))
            .expect(1)
            .create(),
    ];
    let c = fast_client(&server.url()).build().unwrap();
    let ids: Vec<String> = c.numbers().iter(2).map(|n| n.unwrap().id).collect();
    assert_eq!(ids, ["n1", "n2", "n4", "n5", "n3"]);
    for m in &mocks {
        m.assert();
    }
}

#[test]
fn iterator_yields_the_error_once_then_ends() {
    let mut server = Server::new();
    server
        .mock("GET", "/v1/numbers")
        .match_query(Matcher::Any)
        .with_status(401)
        .with_body(r#"{"detail":"Invalid API key"}"#)
        .expect(1)
        .create();
    let c = fast_client(&server.url()).build().unwrap();
    let items: Vec<_> = c.numbers().iter(10).collect();
    assert_eq!(items.len(), 1);
    assert_eq!(
        items[0].as_ref().unwrap_err().kind(),
        ErrorKind::Unauthorized
    );
}

#[test]
fn from_env_reads_key_and_base_url() {
    // The only test that touches these variables.
    std::env::set_var("AGENTPHONE_API_KEY", "sk_env_key");
    std::env::set_var("AGENTPHONE_BASE_URL", "http://127.0.0.1:9/");
    let c = Client::from_env().unwrap();
    assert_eq!(c.base_url(), "http://127.0.0.1:9");
    assert!(!format!("{c:?}").contains("sk_env_key"));
    std::env::remove_var("AGENTPHONE_BASE_URL");
    let c = Client::from_env().unwrap();
    assert_eq!(c.base_url(), agentphone::DEFAULT_BASE_URL);
    std::env::remove_var("AGENTPHONE_API_KEY");
    let e = Client::from_env().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(e.message().contains("AGENTPHONE_API_KEY"), "{e}");
}
