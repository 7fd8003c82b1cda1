//! The library's records through the `log` crate (target `agentphone`), against the sandbox:
//! what each level holds for a success, a retried GET, a POST not retried after a timeout and
//! a 429 with Retry-After; that no secret is in any line, even at trace; query values elided
//! below trace; records from many threads at once.
//!
//! One logger per process: the tests take turns (`serial`) and each reads only its own lines.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use agentphone::{Client, CreateNumber, ErrorKind, ListNumbers, SetWebhook};
use agentphone_sandbox::{Fault, Sandbox};
use log::{Level, LevelFilter, Log, Metadata, Record};

/// Keeps every record given to it.
struct Collector(Mutex<Vec<(Level, String, String)>>);

impl Log for Collector {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &Record<'_>) {
        self.0.lock().unwrap().push((
            record.level(),
            record.target().to_string(),
            record.args().to_string(),
        ));
    }
    fn flush(&self) {}
}

fn collector() -> &'static Collector {
    static C: OnceLock<&'static Collector> = OnceLock::new();
    C.get_or_init(|| {
        let c: &'static Collector = Box::leak(Box::new(Collector(Mutex::new(Vec::new()))));
        log::set_logger(c).unwrap();
        c
    })
}

/// One test at a time, with the collector emptied and the level set.
fn serial(max: LevelFilter) -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    let guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    collector().0.lock().unwrap().clear();
    log::set_max_level(max);
    guard
}

/// The lines recorded so far by the library (target `agentphone`), at `level` or above it.
fn lines(level: Level) -> Vec<String> {
    collector()
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|(l, target, _)| *l <= level && target == "agentphone")
        .map(|(_, _, line)| line.clone())
        .collect()
}

fn lines_at(level: Level) -> Vec<String> {
    collector()
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|(l, target, _)| *l == level && target == "agentphone")
        .map(|(_, _, line)| line.clone())
        .collect()
}

const KEY: &str = "sk_log_test_key_9f3a";

fn client(sb: &Sandbox, timeout: Duration) -> Client {
    Client::builder()
        .api_key(KEY)
        .base_url(sb.base_url())
        .timeout(timeout)
        .retry_backoff(Duration::from_millis(1), Duration::from_millis(5))
        .build()
        .unwrap()
}

fn sandbox() -> Sandbox {
    Sandbox::builder().api_key(KEY).start().unwrap()
}

#[test]
fn a_success_is_one_info_line_with_its_status_attempt_and_time() {
    let _turn = serial(LevelFilter::Info);
    let sb = sandbox();
    let c = client(&sb, Duration::from_secs(5));
    c.numbers().list(&ListNumbers::new().limit(5)).unwrap();
    let info = lines_at(Level::Info);
    assert_eq!(info.len(), 1, "{info:?}");
    let line = &info[0];
    assert!(
        line.starts_with("GET /v1/numbers?limit=…: 200 in "),
        "{line}"
    );
    assert!(line.contains(" ms, attempt 1 of 3"), "{line}");
    assert!(lines(Level::Warn).is_empty());
    // Nothing below info was formatted for this logger's level.
    assert!(lines_at(Level::Debug).is_empty());
}

#[test]
fn a_retried_get_warns_with_the_decision_then_succeeds_on_the_next_attempt() {
    let _turn = serial(LevelFilter::Debug);
    let sb = sandbox();
    let c = client(&sb, Duration::from_secs(5));
    let n = c.numbers().create(&CreateNumber::new()).unwrap();
    collector().0.lock().unwrap().clear();
    sb.inject(
        Fault::status(500)
            .method("GET")
            .path_prefix(&format!("/v1/numbers/{}", n.id)),
    );
    c.numbers().get(&n.id).unwrap();
    let warn = lines_at(Level::Warn);
    assert_eq!(warn.len(), 1, "{warn:?}");
    let path = format!("GET /v1/numbers/{}", n.id);
    assert!(
        warn[0].starts_with(&format!("{path}: attempt 1 of 3 failed with status 500: ")),
        "{}",
        warn[0]
    );
    assert!(warn[0].contains("; retrying in "), "{}", warn[0]);
    let info = lines_at(Level::Info);
    assert!(
        info.iter()
            .any(|l| l.starts_with(&format!("{path}: 200 in ")) && l.contains("attempt 2 of 3")),
        "{info:?}"
    );
    let debug = lines_at(Level::Debug);
    assert!(
        debug
            .iter()
            .any(|l| l.contains("the wait: Retry-After not given, backoff from 1 ms")),
        "{debug:?}"
    );
    assert!(
        debug
            .iter()
            .any(|l| l.starts_with("new connection to 127.0.0.1:")
                || l.ends_with("on a kept-alive connection")),
        "{debug:?}"
    );
}

#[test]
fn a_post_that_timed_out_is_not_retried_and_the_line_says_it_may_have_succeeded() {
    let _turn = serial(LevelFilter::Warn);
    let sb = sandbox();
    let c = client(&sb, Duration::from_millis(300));
    sb.inject(
        Fault::hang(Duration::from_millis(900))
            .method("POST")
            .path_prefix("/v1/numbers"),
    );
    let e = c.numbers().create(&CreateNumber::new()).unwrap_err();
    assert!(e.may_have_succeeded(), "{e}");
    let warn = lines_at(Level::Warn);
    assert_eq!(warn.len(), 1, "{warn:?}");
    let line = &warn[0];
    assert!(
        line.starts_with("POST /v1/numbers: attempt 1 of 3 failed waiting for the answer: "),
        "{line}"
    );
    assert!(
        line.ends_with("not retried: it may have succeeded (a write whose outcome is unknown is never sent again)"),
        "{line}"
    );
    assert!(
        lines_at(Level::Info).is_empty(),
        "info is above this logger's level"
    );
}

#[test]
fn a_429_waits_as_retry_after_says_and_the_line_gives_the_wait() {
    let _turn = serial(LevelFilter::Debug);
    let sb = sandbox();
    let c = client(&sb, Duration::from_secs(5));
    sb.inject(
        Fault::status(429)
            .retry_after(1)
            .method("GET")
            .path_prefix("/v1/numbers"),
    );
    c.numbers().list(&ListNumbers::new()).unwrap();
    let warn = lines_at(Level::Warn);
    assert_eq!(warn.len(), 1, "{warn:?}");
    assert!(
        warn[0].starts_with("GET /v1/numbers: attempt 1 of 3 failed with status 429: "),
        "{}",
        warn[0]
    );
    assert!(warn[0].ends_with("; retrying in 1000 ms"), "{}", warn[0]);
    assert!(
        lines_at(Level::Debug)
            .iter()
            .any(|l| l.contains("the wait: Retry-After 1000 ms")),
        "{:?}",
        lines_at(Level::Debug)
    );
    // A Retry-After past what the client waits: not retried, and the line says why.
    sb.inject(
        Fault::status(429)
            .retry_after(3600)
            .method("GET")
            .path_prefix("/v1/numbers"),
    );
    let e = c.numbers().list(&ListNumbers::new()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    let warn = lines_at(Level::Warn);
    assert!(
        warn.last()
            .unwrap()
            .ends_with("not retried: Retry-After 3600 s is longer than the 60 s waited at most"),
        "{warn:?}"
    );
}

/// A CONNECT proxy that asks for credentials it is never given the chance to check: every
/// request is answered 407, so the client's attempts fail through it.
fn refusing_proxy() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            let mut buf = [0u8; 4096];
            let _ = conn.read(&mut buf);
            let _ = conn.write_all(
                b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    format!("http://proxyuser:proxy-pass-7731@{addr}")
}

#[test]
fn no_secret_is_in_any_line_even_at_trace() {
    let _turn = serial(LevelFilter::Trace);
    let sb = sandbox();
    let c = client(&sb, Duration::from_secs(5));
    let set = c
        .webhooks()
        .set(&SetWebhook::new("http://127.0.0.1:9/webhook"))
        .unwrap();
    let secret = set.secret.clone().unwrap();
    assert!(secret.len() > 8);
    c.webhooks().get().unwrap();
    c.numbers().lookup(&["+14155550123"]).unwrap();
    // Through a proxy with credentials (a non-loopback base URL, so the proxy is used).
    std::env::set_var("HTTPS_PROXY", refusing_proxy());
    let proxied = Client::builder()
        .api_key(KEY)
        .base_url("https://api.agentphone.invalid")
        .max_retries(1)
        .retry_backoff(Duration::from_millis(1), Duration::from_millis(2))
        .build();
    std::env::remove_var("HTTPS_PROXY");
    let proxied = proxied.unwrap();
    assert!(proxied.numbers().list(&ListNumbers::new()).is_err());

    let all = lines(Level::Trace);
    assert!(all.len() >= 8, "{all:?}");
    let basic = "cHJveHl1c2VyOnByb3h5LXBhc3MtNzczMQ"; // base64 of the proxy's user:password
    for line in &all {
        for secret_text in [KEY, secret.as_str(), "proxy-pass-7731", basic, "Bearer"] {
            assert!(!line.contains(secret_text), "{secret_text:?} in {line}");
        }
    }
    assert!(
        all.iter().any(|l| l.contains(r#""secret":"***""#)),
        "the webhook's answer is shown with its secret replaced: {all:?}"
    );
    // At trace the query is shown whole; below it, its values are elided.
    assert!(
        all.iter()
            .any(|l| l.starts_with("GET /v1/numbers/lookup?phoneNumbers=%2B14155550123: 200 in ")),
        "{all:?}"
    );
    // The proxy refuses with a 407 or, when it closes first, a reset: either way the attempt is
    // recorded, naming the server it was for.
    assert!(
        all.iter()
            .any(|l| l.starts_with("GET /v1/numbers: attempt 1 of 2 failed")
                && l.contains("api.agentphone.invalid:443")),
        "the proxied attempt is recorded: {all:?}"
    );
}

#[test]
fn below_trace_query_values_are_elided_and_bodies_are_not_recorded() {
    let _turn = serial(LevelFilter::Debug);
    let sb = sandbox();
    let c = client(&sb, Duration::from_secs(5));
    c.numbers().lookup(&["+14155550123"]).unwrap();
    let all = lines(Level::Debug);
    assert!(
        all.iter()
            .any(|l| l.starts_with("GET /v1/numbers/lookup?phoneNumbers=…: 200 in ")),
        "{all:?}"
    );
    for line in &all {
        assert!(!line.contains("4155550123"), "a phone number in {line}");
        assert!(!line.contains("body"), "a body below trace: {line}");
    }
}

#[test]
fn eight_threads_record_at_once_one_line_a_request() {
    let _turn = serial(LevelFilter::Info);
    let sb = sandbox();
    let c = client(&sb, Duration::from_secs(5));
    std::thread::scope(|scope| {
        for t in 0..8 {
            let c = &c;
            scope.spawn(move || {
                for _ in 0..25 {
                    c.numbers().list(&ListNumbers::new().limit(t + 1)).unwrap();
                }
            });
        }
    });
    let info = lines_at(Level::Info);
    assert_eq!(info.len(), 200, "one line a request");
    let mut per_thread: HashMap<&str, usize> = HashMap::new();
    for line in &info {
        assert!(
            line.starts_with("GET /v1/numbers?limit=…: 200 in "),
            "{line}"
        );
        *per_thread
            .entry(line.split(',').nth(1).unwrap_or(""))
            .or_default() += 1;
    }
    assert!(!per_thread.is_empty());
}

/// A signed POST of `body` to the receiver at `addr`, with an `X-Webhook-ID`; the answer's status.
fn deliver(addr: std::net::SocketAddr, secret: &str, id: &str, body: &str) -> u16 {
    let ts = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let signature = agentphone::webhook::sign(secret, &ts, body.as_bytes());
    let mut c = std::net::TcpStream::connect(addr).unwrap();
    write!(
        c,
        "POST /webhook HTTP/1.1\r\nHost: x\r\nX-Webhook-Signature: {signature}\r\n\
         X-Webhook-Timestamp: {ts}\r\nX-Webhook-ID: {id}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    let _ = c.read_to_string(&mut answer);
    answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

#[test]
fn the_receiver_records_each_delivery_and_a_drain_that_cut_callbacks_off() {
    use agentphone::webhook::{Delivery, Receiver, Reply};
    let _turn = serial(LevelFilter::Info);
    let secret = "whsec_log_receiver_secret";
    let receiver = Receiver::builder(secret)
        .listen("127.0.0.1:0")
        .drain_timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let (addr, stop) = (receiver.local_addr(), receiver.stop_handle());
    let run = std::thread::spawn(move || {
        receiver.run(|d: &Delivery, _: Option<&mut Reply<'_>>| {
            if String::from_utf8_lossy(&d.body).contains("slow") {
                std::thread::sleep(Duration::from_millis(1500));
            }
            Ok::<(), String>(())
        })
    });
    let sms = |id: &str, text: &str| {
        format!(
            r#"{{"event":"agent.message","channel":"sms","data":{{"messageId":"{id}","message":"{text}"}}}}"#
        )
    };
    assert_eq!(deliver(addr, secret, "wh_1", &sms("msg_1", "hi")), 200);
    assert_eq!(deliver(addr, secret, "wh_1", &sms("msg_1", "hi")), 200);
    assert_eq!(
        deliver(addr, "another secret", "wh_2", &sms("msg_2", "hi")),
        401
    );
    let slow = std::thread::spawn(move || deliver(addr, secret, "wh_3", &sms("msg_3", "slow")));
    std::thread::sleep(Duration::from_millis(300));
    stop.stop();
    run.join().unwrap().unwrap();
    let _ = slow.join();

    let info = lines_at(Level::Info);
    assert!(
        info.contains(&"webhook delivery wh_1: agent.message: handled; answered 200".to_string()),
        "{info:?}"
    );
    assert!(
        info.contains(
            &"webhook delivery wh_1: agent.message: a duplicate of one handled; answered 200"
                .to_string()
        ),
        "{info:?}"
    );
    assert!(
        info.iter().any(
            |l| l.starts_with("webhook delivery wh_2: ?: not verified (")
                && l.ends_with("; answered 401")
        ),
        "{info:?}"
    );
    let warn = lines_at(Level::Warn);
    assert!(
        warn.contains(
            &"receiver stopped: 1 callback(s) still running after the drain timeout (100 ms); \
              their answers are cut off"
                .to_string()
        ),
        "{warn:?}"
    );
    for line in lines(Level::Trace) {
        assert!(!line.contains(secret), "{line}");
    }
}
