//! The webhook receiver, from outside: every row of its HTTP contract over real connections,
//! duplicates under concurrency, slow senders, voice replies (JSON and NDJSON), the stop, and
//! the sandbox delivering to it.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use agentphone::webhook::{sign, Delivery, Receiver, ReceiverBuilder, Reply, StopHandle};

mod support;

const SECRET: &str = "whsec_receiver_test";

/// A receiver running on its own thread, its callback's record, and how to stop it.
struct Running {
    addr: SocketAddr,
    url: String,
    stop: StopHandle,
    seen: Arc<Mutex<Vec<Delivery>>>,
    run: Option<thread::JoinHandle<Result<(), agentphone::Error>>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop.stop();
        if let Some(run) = self.run.take() {
            let _ = run.join();
        }
    }
}

type Callback = dyn Fn(&Delivery, Option<&mut Reply<'_>>) -> Result<(), String> + Send + Sync;

/// Starts `builder`'s receiver with `on_event`, which also records every delivery it is given.
fn start(builder: ReceiverBuilder, on_event: Arc<Callback>) -> Running {
    let receiver = builder.listen("127.0.0.1:0").build().unwrap();
    let seen: Arc<Mutex<Vec<Delivery>>> = Arc::default();
    let (addr, url, stop) = (
        receiver.local_addr(),
        receiver.url().to_string(),
        receiver.stop_handle(),
    );
    let record = seen.clone();
    let run = thread::spawn(move || {
        receiver.run(move |d: &Delivery, reply: Option<&mut Reply<'_>>| {
            record.lock().unwrap().push(d.clone());
            on_event(d, reply)
        })
    });
    Running {
        addr,
        url,
        stop,
        seen,
        run: Some(run),
    }
}

fn ok_callback() -> Arc<Callback> {
    Arc::new(|_, _| Ok(()))
}

fn now() -> String {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string()
}

fn sms(message_id: &str) -> String {
    format!(
        r#"{{"event":"agent.message","channel":"sms","agentId":"agt_1","data":{{"messageId":"{message_id}","from":"+15551230001","to":"+15551230002","message":"hi","direction":"inbound"}}}}"#
    )
}

fn voice_turn(call: &str, said: &str) -> String {
    voice_turn_at(call, said, "2025-01-15T10:45:00Z")
}

fn voice_turn_at(call: &str, said: &str, at: &str) -> String {
    format!(
        r#"{{"event":"agent.message","channel":"voice","timestamp":"{at}","data":{{"callId":"{call}","transcript":"{said}","confidence":0.9}}}}"#
    )
}

/// A raw HTTP/1.1 exchange: the whole answer, up to the server's close (every request here
/// says `Connection: close`, or is refused and closed).
fn exchange(addr: SocketAddr, request: &[u8]) -> String {
    let mut c = TcpStream::connect(addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    c.write_all(request).unwrap();
    let mut out = Vec::new();
    let _ = c.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// A signed POST of `body` (with these extra header lines), as the API sends one.
fn post(addr: SocketAddr, path: &str, body: &str, timestamp: &str, extra: &str) -> String {
    let signature = sign(SECRET, timestamp, body.as_bytes());
    exchange(
        addr,
        format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
             X-Webhook-Signature: {signature}\r\nX-Webhook-Timestamp: {timestamp}\r\n{extra}\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    )
}

fn status(answer: &str) -> u16 {
    answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

fn body(answer: &str) -> &str {
    answer.split_once("\r\n\r\n").map_or("", |(_, b)| b)
}

#[test]
fn a_signed_delivery_is_handed_over_once_and_a_duplicate_is_answered_without_it() {
    let r = start(Receiver::builder(SECRET), ok_callback());
    assert!(r.url.starts_with("http://127.0.0.1:") && r.url.ends_with("/webhook"));
    let ts = now();
    let first = post(r.addr, "/webhook", &sms("msg_1"), &ts, "");
    assert_eq!(status(&first), 200, "{first}");
    let again = post(r.addr, "/webhook", &sms("msg_1"), &ts, "");
    assert_eq!(status(&again), 200, "{again}");
    assert_eq!(body(&again), r#"{"duplicate":true}"#);
    let chunked_body = sms("msg_chunked");
    let chunked = exchange(
        r.addr,
        format!(
            "POST /webhook HTTP/1.1\r\nX-Webhook-Signature: {}\r\nX-Webhook-Timestamp: {ts}\r\n\
             Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{chunked_body}\r\n0\r\n\r\n",
            sign(SECRET, &ts, chunked_body.as_bytes()),
            chunked_body.len()
        )
        .as_bytes(),
    );
    assert_eq!(status(&chunked), 200, "a chunked delivery: {chunked}");
    let other = post(
        r.addr,
        "/webhook",
        &sms("msg_2"),
        &ts,
        "X-Webhook-ID: wh_2\r\n",
    );
    assert_eq!(status(&other), 200);
    let seen = r.seen.lock().unwrap();
    assert_eq!(seen.len(), 3, "msg_1 once, the chunked one, msg_2 once");
    assert_eq!(seen[0].event.event, "agent.message");
    assert_eq!(
        seen[0].body,
        sms("msg_1").as_bytes(),
        "the body as received"
    );
    assert_eq!(seen[0].timestamp.to_string(), ts);
    assert_eq!(seen[1].body, chunked_body.as_bytes());
    assert_eq!(seen[2].webhook_id.as_deref(), Some("wh_2"));
}

#[test]
fn each_bad_request_gets_its_status_and_never_reaches_the_callback() {
    let r = start(
        Receiver::builder(SECRET)
            .max_body_bytes(1000)
            .read_timeout(Duration::from_millis(500)),
        ok_callback(),
    );
    let ts = now();
    let body_ok = sms("msg_x");
    let unsigned = exchange(
        r.addr,
        format!(
            "POST /webhook HTTP/1.1\r\nX-Webhook-Timestamp: {ts}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body_ok}",
            body_ok.len()
        )
        .as_bytes(),
    );
    assert_eq!(status(&unsigned), 401, "{unsigned}");
    assert!(
        body(&unsigned).contains("missing X-Webhook-Signature"),
        "{unsigned}"
    );

    let wrong = exchange(
        r.addr,
        format!(
            "POST /webhook HTTP/1.1\r\nX-Webhook-Signature: {}\r\nX-Webhook-Timestamp: {ts}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body_ok}",
            sign("whsec_other", &ts, body_ok.as_bytes()),
            body_ok.len()
        )
        .as_bytes(),
    );
    assert_eq!(status(&wrong), 401, "{wrong}");

    let stale = (now().parse::<i64>().unwrap() - 3600).to_string();
    let old = post(r.addr, "/webhook", &body_ok, &stale, "");
    assert_eq!(status(&old), 401, "{old}");
    assert!(body(&old).contains("error"), "{old}");

    let not_object = post(r.addr, "/webhook", "[1,2]", &ts, "");
    assert_eq!(status(&not_object), 400, "{not_object}");

    let health = exchange(
        r.addr,
        b"GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(
        (status(&health), body(&health)),
        (200, r#"{"status":"ok"}"#)
    );
    let head = exchange(
        r.addr,
        b"HEAD /healthz HTTP/1.1\r\nConnection: close\r\n\r\n",
    );
    assert!(
        status(&head) == 405 && head.contains("Allow: GET"),
        "{head}"
    );
    let other = exchange(
        r.addr,
        b"GET /elsewhere HTTP/1.1\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status(&other), 404);
    let get = exchange(
        r.addr,
        b"GET /webhook HTTP/1.1\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status(&get), 405);
    assert!(get.contains("\r\nAllow: POST\r\n"), "{get}");

    let big = exchange(
        r.addr,
        b"POST /webhook HTTP/1.1\r\nContent-Length: 1001\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(
        status(&big),
        413,
        "refused on its Content-Length, nothing read: {big}"
    );
    let chunked_big = exchange(
        r.addr,
        format!(
            "POST /webhook HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n{}\r\n10\r\n",
            "x".repeat(1000)
        )
        .as_bytes(),
    );
    assert_eq!(
        status(&chunked_big),
        413,
        "chunked, refused once over: {chunked_big}"
    );
    let long_head = format!(
        "POST /webhook HTTP/1.1\r\nX-Pad: {pad}\r\nX-Pad2: {pad}\r\nX-Pad3: {pad}\r\nContent-Length: 0\r\n\r\n",
        pad = "a".repeat(6000),
    );
    assert_eq!(status(&exchange(r.addr, long_head.as_bytes())), 431);
    let slow = exchange(
        r.addr,
        b"POST /webhook HTTP/1.1\r\nContent-Length: 10\r\n\r\n12",
    );
    assert_eq!(status(&slow), 408, "{slow}");
    assert!(r.seen.lock().unwrap().is_empty());
}

#[test]
fn a_failed_callback_answers_500_and_the_redelivery_is_handled() {
    let fails = Arc::new(AtomicUsize::new(1));
    let r = start(
        Receiver::builder(SECRET),
        Arc::new(move |_, _| {
            if fails.fetch_sub(1, Ordering::SeqCst) > 0 {
                Err("not now".to_string())
            } else {
                Ok(())
            }
        }),
    );
    let ts = now();
    let first = post(r.addr, "/webhook", &sms("msg_f"), &ts, "");
    assert_eq!(status(&first), 500, "{first}");
    let second = post(r.addr, "/webhook", &sms("msg_f"), &ts, "");
    assert_eq!(
        (status(&second), body(&second)),
        (200, "{}"),
        "handled, not a duplicate"
    );
    let third = post(r.addr, "/webhook", &sms("msg_f"), &ts, "");
    assert_eq!(body(&third), r#"{"duplicate":true}"#);
    assert_eq!(r.seen.lock().unwrap().len(), 2);
}

#[test]
fn a_panicking_callback_is_a_500_not_a_lost_delivery() {
    let r = start(
        Receiver::builder(SECRET),
        Arc::new(|d, _| {
            if d.body.windows(5).any(|w| w == b"boom!") {
                panic!("the program's bug");
            }
            Ok(())
        }),
    );
    let ts = now();
    let boom = post(r.addr, "/webhook", &sms("boom!"), &ts, "");
    assert_eq!(status(&boom), 500, "{boom}");
    let after = post(r.addr, "/webhook", &sms("msg_after"), &ts, "");
    assert_eq!(status(&after), 200);
}

#[test]
fn a_voice_turn_is_answered_with_what_the_caller_hears() {
    let r = start(
        Receiver::builder(SECRET),
        Arc::new(|d, reply| {
            let reply = reply.expect("a voice turn has a reply");
            let said = d.body.clone();
            let said = String::from_utf8(said).unwrap();
            if said.contains("\"bye\"") {
                reply.say("Goodbye");
                reply.hangup();
            } else if said.contains("\"wait\"") {
                reply.interim("One moment...").unwrap();
                reply.say("Here it is");
            } else if said.contains("\"transfer\"") {
                reply.say("Connecting you");
                reply.transfer();
            }
            Ok(())
        }),
    );
    let ts = now();
    let bye = post(r.addr, "/webhook", &voice_turn("c1", "bye"), &ts, "");
    assert_eq!(status(&bye), 200);
    assert!(bye.contains("Content-Type: application/json"), "{bye}");
    assert_eq!(body(&bye), r#"{"text":"Goodbye","hangup":true}"#);

    let transfer = post(r.addr, "/webhook", &voice_turn("c1", "transfer"), &ts, "");
    assert_eq!(
        body(&transfer),
        r#"{"text":"Connecting you","action":"transfer"}"#
    );

    let silent = post(r.addr, "/webhook", &voice_turn("c1", "hmm"), &ts, "");
    assert_eq!((status(&silent), body(&silent)), (200, "{}"), "silence");

    let streamed = post(r.addr, "/webhook", &voice_turn("c1", "wait"), &ts, "");
    assert!(
        streamed.contains("Content-Type: application/x-ndjson"),
        "{streamed}"
    );
    assert!(
        streamed.contains("Transfer-Encoding: chunked"),
        "{streamed}"
    );
    let lines: Vec<serde_json::Value> = dechunk(body(&streamed))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines,
        [
            serde_json::json!({"text": "One moment...", "interim": true}),
            serde_json::json!({"text": "Here it is"})
        ]
    );
    // Every turn of a call shares its id: a later turn that says the same is not a duplicate,
    // the same turn again is.
    let later = voice_turn_at("c1", "bye", "2025-01-15T10:46:00Z");
    assert_eq!(
        body(&post(r.addr, "/webhook", &later, &ts, "")),
        r#"{"text":"Goodbye","hangup":true}"#
    );
    assert_eq!(
        body(&post(r.addr, "/webhook", &later, &ts, "")),
        r#"{"duplicate":true}"#
    );
}

/// The data of a chunked body (its terminating chunk included).
fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size, 16).unwrap();
        if n == 0 {
            return out;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
    panic!("no terminating chunk in {out:?}");
}

#[test]
fn the_same_event_at_once_from_50_senders_is_handled_once_and_2000_distinct_ones_each_once() {
    let gate = Arc::new(Barrier::new(2));
    let hold = gate.clone();
    let first = Arc::new(AtomicUsize::new(0));
    let r = start(
        Receiver::builder(SECRET).threads(16),
        Arc::new(move |d, _| {
            if d.body.windows(6).any(|w| w == b"msg_50")
                && first.fetch_add(1, Ordering::SeqCst) == 0
            {
                hold.wait(); // the first copy stays under way until all 50 are answered
            }
            Ok(())
        }),
    );
    let ts = now();
    let answers: Vec<u16> = thread::scope(|s| {
        let senders: Vec<_> = (0..50)
            .map(|_| s.spawn(|| status(&post(r.addr, "/webhook", &sms("msg_50"), &ts, ""))))
            .collect();
        // 49 answers come while the first is held: each 409 (under way).
        thread::sleep(Duration::from_millis(500));
        gate.wait();
        senders.into_iter().map(|t| t.join().unwrap()).collect()
    });
    assert_eq!(
        answers.iter().filter(|&&s| s == 200).count(),
        1,
        "{answers:?}"
    );
    assert_eq!(
        answers.iter().filter(|&&s| s == 409).count(),
        49,
        "{answers:?}"
    );

    thread::scope(|s| {
        for t in 0..16 {
            let (addr, ts) = (r.addr, &ts);
            s.spawn(move || {
                for i in 0..125 {
                    let answer = post(addr, "/webhook", &sms(&format!("msg_d_{t}_{i}")), ts, "");
                    assert_eq!(status(&answer), 200, "{answer}");
                }
            });
        }
    });
    let seen = r.seen.lock().unwrap();
    let mut ids: Vec<String> = seen
        .iter()
        .map(|d| String::from_utf8_lossy(&d.body).into_owned())
        .filter(|b| b.contains("msg_d_"))
        .collect();
    assert_eq!(ids.len(), 2000);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 2000, "each handled exactly once");
}

#[test]
fn senders_that_trickle_a_byte_a_second_do_not_hold_up_a_delivery() {
    let r = start(Receiver::builder(SECRET), ok_callback());
    let slow: Vec<TcpStream> = (0..64)
        .map(|_| {
            let mut c = TcpStream::connect(r.addr).unwrap();
            c.write_all(b"P").unwrap();
            c
        })
        .collect();
    thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    let answer = post(r.addr, "/webhook", &sms("msg_fast"), &now(), "");
    let took = started.elapsed();
    assert_eq!(status(&answer), 200);
    assert!(
        took < Duration::from_secs(1),
        "64 slow senders held a delivery up for {took:?}"
    );
    drop(slow);
}

#[test]
fn a_stop_lets_the_callback_under_way_finish_then_run_returns() {
    let finished = Arc::new(AtomicUsize::new(0));
    let done = finished.clone();
    let r = start(
        Receiver::builder(SECRET),
        Arc::new(move |_, _| {
            thread::sleep(Duration::from_millis(500));
            done.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }),
    );
    let addr = r.addr;
    let ts = now();
    let sender = thread::spawn(move || post(addr, "/webhook", &sms("msg_slow"), &ts, ""));
    thread::sleep(Duration::from_millis(200));
    let mut r = r;
    r.stop.stop();
    let result = r.run.take().unwrap().join().unwrap();
    assert!(result.is_ok());
    assert_eq!(
        finished.load(Ordering::SeqCst),
        1,
        "the callback under way finished"
    );
    assert_eq!(
        status(&sender.join().unwrap()),
        200,
        "and its answer was sent"
    );
    assert!(
        TcpStream::connect(addr)
            .and_then(|mut c| {
                c.set_read_timeout(Some(Duration::from_secs(2)))?;
                c.write_all(b"GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n")?;
                let mut out = Vec::new();
                c.read_to_end(&mut out)?;
                Ok(out)
            })
            .map_or(true, |out| out.is_empty()),
        "after run returned, nothing is answered"
    );
}

#[test]
fn bad_settings_are_refused_naming_them() {
    let e = Receiver::builder("").build().unwrap_err();
    assert!(e.to_string().contains("secret"), "{e}");
    let e = Receiver::builder(SECRET)
        .path("webhook")
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("path"), "{e}");
    let e = Receiver::builder(SECRET).threads(0).build().unwrap_err();
    assert!(e.to_string().contains("threads"), "{e}");
    let e = Receiver::builder(SECRET)
        .listen("nowhere")
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("listen"), "{e}");
    let e = Receiver::builder(SECRET)
        .listen("127.0.0.1:0")
        .max_body_bytes(0)
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("maxBodyBytes"), "{e}");
    let debug = format!("{:?}", Receiver::builder("whsec_very_secret"));
    assert!(!debug.contains("very_secret"), "{debug}");
}

#[test]
fn ipv6_loopback_works_where_the_machine_has_it() {
    let Ok(receiver) = Receiver::builder(SECRET).listen("[::1]:0").build() else {
        return; // no IPv6 on this machine
    };
    assert!(
        receiver.url().starts_with("http://[::1]:"),
        "{}",
        receiver.url()
    );
}

fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        thread::sleep(Duration::from_millis(10));
    }
}

/// A sandbox (retrying a failed delivery after `retry`, doubling), a client of it, and a
/// receiver registered as its project webhook. The secret comes back from registering the URL,
/// so the port is chosen first.
fn sandbox_with_receiver(
    retry: Duration,
) -> (agentphone_sandbox::Sandbox, agentphone::Client, Receiver) {
    let sb = agentphone_sandbox::Sandbox::builder()
        .webhook_retry_delay(retry)
        .start()
        .unwrap();
    let c = sb.client().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/webhook");
    let secret = c
        .webhooks()
        .set(&agentphone::SetWebhook::new(url.as_str()))
        .unwrap()
        .secret
        .unwrap();
    let receiver = Receiver::builder(secret)
        .listen(format!("127.0.0.1:{port}"))
        .build()
        .unwrap();
    assert_eq!(receiver.url(), url);
    (sb, c, receiver)
}

/// The sandbox delivers to the receiver as the API would: an SMS whose first delivery fails is
/// redelivered and handled once; a voice conversation is held (an interim line, an answer, a
/// hangup), and the call's end arrives once.
#[test]
fn the_sandbox_delivers_to_the_receiver_and_hears_its_replies() {
    use agentphone::webhook::EventData;
    use agentphone::CreateNumber;
    use agentphone_sandbox::DEFAULT_AGENT;

    let (sb, c, receiver) = sandbox_with_receiver(Duration::from_millis(10));
    let stop = receiver.stop_handle();
    let sms_tries = Arc::new(AtomicUsize::new(0));
    let handled: Arc<Mutex<Vec<String>>> = Arc::default();
    let (tries, log) = (sms_tries.clone(), handled.clone());
    let run = thread::spawn(move || {
        receiver.run(move |d: &Delivery, reply: Option<&mut Reply<'_>>| {
            match (&d.event.data, reply) {
                (EventData::Message(m), None) => {
                    if tries.fetch_add(1, Ordering::SeqCst) == 0 {
                        return Err("the first delivery fails");
                    }
                    log.lock()
                        .unwrap()
                        .push(format!("sms {}", m.message.as_deref().unwrap_or("")));
                }
                (EventData::VoiceTurn(t), Some(reply)) => {
                    let said = t.transcript.clone().unwrap_or_default();
                    log.lock().unwrap().push(format!("heard {said}"));
                    if said.contains("bye") {
                        reply.say("Goodbye.");
                        reply.hangup();
                    } else {
                        reply.interim("One moment").map_err(|_| "gone")?;
                        reply.say("Hello! How can I help?");
                    }
                }
                (EventData::CallEnded(_), None) => log.lock().unwrap().push("ended".into()),
                _ => {}
            }
            Ok(())
        })
    });

    let n = c
        .numbers()
        .create(&CreateNumber::new().agent_id(DEFAULT_AGENT))
        .unwrap();
    sb.deliver_sms(&n.id, "+15550001234", "hello there")
        .unwrap();
    wait_for("the SMS, handled", || {
        handled
            .lock()
            .unwrap()
            .iter()
            .any(|l| l == "sms hello there")
    });
    assert_eq!(
        sms_tries.load(Ordering::SeqCst),
        2,
        "failed once, then handled"
    );

    let call = sb
        .inbound_call(
            &n.id,
            "+15550001234",
            &[
                ("user", "Hi there"),
                ("agent", "scripted"),
                ("user", "Thanks, bye"),
            ],
        )
        .unwrap();
    sb.advance_call(&call.id, None).unwrap(); // answered
    sb.advance_call(&call.id, None).unwrap(); // "Hi there"
    wait_for("the first answer", || {
        c.calls()
            .get(&call.id)
            .unwrap()
            .transcripts
            .unwrap_or_default()
            .iter()
            .any(|t| t.response.as_deref() == Some("Hello! How can I help?"))
    });
    sb.advance_call(&call.id, None).unwrap(); // "Thanks, bye": the receiver hangs up
    wait_for("the call to end", || {
        c.calls().get(&call.id).unwrap().is_finished()
    });
    wait_for("the end event", || {
        handled.lock().unwrap().iter().any(|l| l == "ended")
    });
    stop.stop();
    run.join().unwrap().unwrap();
    let log = handled.lock().unwrap().clone();
    assert_eq!(
        log,
        [
            "sms hello there",
            "heard Hi there",
            "heard Thanks, bye",
            "ended"
        ],
        "each event once, in order"
    );
}

/// The sandbox delivering 120 texts to the receiver while the program fails some attempts (the
/// first of every third text, the first two of every seventh): each text reaches the program
/// until it is handled, and is handled exactly once.
#[test]
fn through_failed_attempts_each_delivered_text_is_handled_exactly_once() {
    use agentphone::webhook::EventData;
    use agentphone::CreateNumber;
    use agentphone_sandbox::DEFAULT_AGENT;
    use std::collections::HashMap;

    let (sb, c, receiver) = sandbox_with_receiver(Duration::from_millis(5));
    let stop = receiver.stop_handle();
    // Per text: (attempts that reached the program, times it was handled).
    let seen: Arc<Mutex<HashMap<String, (u32, u32)>>> = Arc::default();
    let record = seen.clone();
    let run = thread::spawn(move || {
        receiver.run(move |d: &Delivery, _: Option<&mut Reply<'_>>| {
            let EventData::Message(m) = &d.event.data else {
                return Ok(());
            };
            let text = m.message.clone().unwrap_or_default();
            let n: u32 = text.trim_start_matches("text ").parse().unwrap_or(0);
            let mut seen = record.lock().unwrap();
            let entry = seen.entry(text).or_default();
            entry.0 += 1;
            let fails = match n {
                n if n % 7 == 0 => 2,
                n if n % 3 == 0 => 1,
                _ => 0,
            };
            if entry.0 <= fails {
                return Err("not this time");
            }
            entry.1 += 1;
            Ok(())
        })
    });
    let n = c
        .numbers()
        .create(&CreateNumber::new().agent_id(DEFAULT_AGENT))
        .unwrap();
    for i in 1..=120 {
        sb.deliver_sms(&n.id, "+15550009999", &format!("text {i}"))
            .unwrap();
    }
    wait_for("every text handled", || {
        let seen = seen.lock().unwrap();
        seen.len() == 120 && seen.values().all(|&(_, handled)| handled >= 1)
    });
    // Whatever is still due would show up now.
    thread::sleep(Duration::from_millis(200));
    stop.stop();
    run.join().unwrap().unwrap();
    let seen = seen.lock().unwrap();
    for i in 1..=120u32 {
        let (attempts, handled) = seen[&format!("text {i}")];
        let fails = if i % 7 == 0 {
            2
        } else if i % 3 == 0 {
            1
        } else {
            0
        };
        assert_eq!(handled, 1, "text {i} handled once");
        assert_eq!(
            attempts,
            fails + 1,
            "text {i}: each failed attempt came again, no more"
        );
    }
}

/// A CA, and a certificate it signed for 127.0.0.1 with its key, as PEM files under the target
/// directory's `dir`: (CA, leaf chain file, key file).
fn tls_files(dir: &str) -> (rustls::pki_types::CertificateDer<'static>, PathBuf, PathBuf) {
    support::pki::ca_and_leaf(&Path::new(env!("CARGO_TARGET_TMPDIR")).join(dir))
}

/// An HTTPS exchange with a client that trusts only `ca`: the whole answer, read to the
/// server's close_notify (a close without one is an error here).
fn exchange_tls(
    addr: SocketAddr,
    ca: &rustls::pki_types::CertificateDer<'static>,
    request: &[u8],
) -> std::io::Result<String> {
    let session = support::pki::client_session(ca);
    let socket = TcpStream::connect(addr).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut tls = rustls::StreamOwned::new(session, socket);
    tls.write_all(request)?;
    let mut out = Vec::new();
    tls.read_to_end(&mut out)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn signed_request(body: &str, connection: &str) -> String {
    let timestamp = now();
    let signature = sign(SECRET, &timestamp, body.as_bytes());
    format!(
        "POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         X-Webhook-Signature: {signature}\r\nX-Webhook-Timestamp: {timestamp}\r\n\
         Content-Length: {}\r\nConnection: {connection}\r\n\r\n{body}",
        body.len()
    )
}

#[test]
fn over_tls_deliveries_keep_alive_voice_streams_end_cleanly_and_plain_http_is_refused() {
    let (ca, cert_file, key_file) = tls_files("receiver-tls");
    let on_event: Arc<Callback> = Arc::new(|_, reply| {
        if let Some(reply) = reply {
            reply.interim("One moment").map_err(|e| e.to_string())?;
            reply.say("Here it is");
        }
        Ok(())
    });
    let r = start(
        Receiver::builder(SECRET).tls(&cert_file, &key_file),
        on_event,
    );
    assert!(r.url.starts_with("https://127.0.0.1:"), "{}", r.url);

    // Two deliveries on one kept-alive TLS connection, the second a duplicate of the first.
    let once = signed_request(&sms("msg_tls_1"), "keep-alive");
    let twice = signed_request(&sms("msg_tls_1"), "close");
    let answer = exchange_tls(r.addr, &ca, format!("{once}{twice}").as_bytes()).unwrap();
    assert_eq!(answer.matches("HTTP/1.1 200 OK").count(), 2, "{answer}");
    assert!(answer.contains(r#"{"duplicate":true}"#), "{answer}");
    assert_eq!(r.seen.lock().unwrap().len(), 1);

    // A voice turn's NDJSON answer is delimited by the close: it ends with close_notify.
    let turn = signed_request(&voice_turn("call_tls", "hello"), "close");
    let answer = exchange_tls(r.addr, &ca, turn.as_bytes()).unwrap();
    assert!(answer.contains("application/x-ndjson"), "{answer}");
    let lines = dechunk(body(&answer));
    assert!(lines.contains(r#""interim":true"#), "{lines}");
    assert!(lines.contains(r#""text":"Here it is""#), "{lines}");

    // Plain HTTP to the TLS port gets no answer, and the receiver keeps serving.
    let plain = exchange(
        r.addr,
        signed_request(&sms("msg_tls_2"), "close").as_bytes(),
    );
    assert!(!plain.contains("HTTP/1.1 200"), "{plain}");
    let answer = exchange_tls(
        r.addr,
        &ca,
        signed_request(&sms("msg_tls_3"), "close").as_bytes(),
    )
    .unwrap();
    assert_eq!(status(&answer), 200, "{answer}");
    let handled: Vec<String> = r
        .seen
        .lock()
        .unwrap()
        .iter()
        .map(|d| String::from_utf8_lossy(&d.body).into_owned())
        .collect();
    assert_eq!(handled.len(), 3, "{handled:?}");
    assert!(!handled.iter().any(|b| b.contains("msg_tls_2")));
}

#[test]
fn tls_files_that_cannot_serve_are_refused_at_build_naming_the_setting() {
    let (_, cert_file, key_file) = tls_files("receiver-tls-bad");
    let (_, other_cert, _) = tls_files("receiver-tls-other");
    let build = |cert: &Path, key: &Path| {
        Receiver::builder(SECRET)
            .listen("127.0.0.1:0")
            .tls(cert, key)
            .build()
            .unwrap_err()
            .to_string()
    };
    let e = build(Path::new("/nonexistent/cert.pem"), &key_file);
    assert!(
        e.contains("tlsCertFile") && e.contains("/nonexistent/cert.pem"),
        "{e}"
    );
    let e = build(&cert_file, Path::new("/nonexistent/key.pem"));
    assert!(e.contains("tlsKeyFile"), "{e}");
    // The key file as the certificate: no CERTIFICATE block in it.
    let e = build(&key_file, &key_file);
    assert!(e.contains("tlsCertFile"), "{e}");
    // The certificate as the key.
    let e = build(&cert_file, &cert_file);
    assert!(e.contains("tlsKeyFile"), "{e}");
    // Another certificate's key.
    let e = build(&other_cert, &key_file);
    assert!(
        e.contains("tlsKeyFile") && e.contains("does not go with"),
        "{e}"
    );
}
