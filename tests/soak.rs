//! The fault soak: `tests/soak/soak.c` (eight threads sharing one C client) makes calls of every
//! kind against a sandbox that faults one request in seven on a schedule: connections dropped
//! before and after acting, 500/502/503 (a 500 also after acting), 429 with `Retry-After: 0`,
//! bodies cut short, over the size limit or not JSON, and headers held back past the timeout.
//! Then every create and send is held against the sandbox's own account of what it acted on:
//! nothing acted on twice, a success acted on once, a definite failure never, and the sandbox's
//! count equals the successes plus the "may have succeeded" that did act.
//!
//! The receiver's side: the sandbox delivers texts to the C receiver (`tests/c/
//! test_receiver_load.c`) through a proxy that drops requests, loses answers after the receiver
//! acted and cuts answers short, while its callback fails some attempts; each text is handled
//! exactly once.
//!
//! `AGENTPHONE_SOAK_CALLS` sets the number of calls (default 2,000; `.ci/run` runs 10,000, and
//! again under valgrind; the long form is 100,000). The figures are printed; RELIABILITY.md
//! keeps the long run's.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use agentphone::CreateNumber;
use agentphone_sandbox::{FaultAction, FaultSchedule, Sandbox, Spoil};

mod support;
use support::c::{compile, run};

/// The client's per-attempt timeout in soak.c; a held-back answer outlasts it.
const CLIENT_TIMEOUT: Duration = Duration::from_millis(1000);
/// The client's `maxResponseBytes` in soak.c.
const CLIENT_MAX_BYTES: usize = 262_144;

/// What the C client said of one create or send.
struct Write {
    kind: String,
    status: u32,
    may_have_succeeded: bool,
}

fn schedule() -> FaultSchedule {
    let status = |status, retry_after| FaultAction::Status {
        status,
        retry_after,
        body: None,
    };
    FaultSchedule {
        path_prefix: "/v1/".into(),
        every: 7,
        actions: vec![
            FaultAction::Drop,
            FaultAction::AfterActing(Spoil::Drop),
            status(500, None),
            FaultAction::AfterActing(Spoil::Status(500)),
            status(502, None),
            status(503, None),
            status(429, Some(0)),
            FaultAction::AfterActing(Spoil::Truncate),
            FaultAction::AfterActing(Spoil::Oversize(CLIENT_MAX_BYTES + 1)),
            FaultAction::AfterActing(Spoil::Malformed),
            FaultAction::Hang(CLIENT_TIMEOUT + Duration::from_millis(300)),
        ],
    }
}

/// The soak token in a request body (`soak:<call>;`).
fn token(body: &str) -> Option<&str> {
    let start = body.find("soak:")?;
    let end = body[start..].find(';')?;
    Some(&body[start..start + end + 1])
}

#[test]
fn under_faults_nothing_is_bought_twice_and_nothing_leaks() {
    let calls: usize = std::env::var("AGENTPHONE_SOAK_CALLS")
        .ok()
        .map(|v| v.parse().expect("AGENTPHONE_SOAK_CALLS is a number"))
        .unwrap_or(2_000);
    let sandbox = Sandbox::builder()
        .api_key("sk_soak")
        .number_limit(usize::MAX)
        .start()
        .unwrap();
    let client = sandbox.client().unwrap();
    let agent = agentphone_sandbox::DEFAULT_AGENT;
    // Attached to the agent, so that the calls it places have a number to call from.
    let number = client
        .numbers()
        .create(&CreateNumber::new().agent_id(agent))
        .unwrap();
    // A conversation for the reads to page through.
    sandbox
        .deliver_sms(&number.id, "+15550001111", "hello")
        .unwrap();
    let exe = compile("tests/soak/soak.c", "soak");
    let report = exe.with_extension("report");
    let preexisting = sandbox.acted_writes().len();

    sandbox.schedule_faults(schedule());
    let started = Instant::now();
    let out = run(
        &exe,
        &[
            sandbox.base_url(),
            "sk_soak",
            &calls.to_string(),
            "8",
            report.to_str().unwrap(),
            &number.id,
            agent,
        ],
        &[],
    );
    let took = started.elapsed();
    let faults = sandbox.end_fault_schedule();
    // A held-back answer is acted on when its hold ends, after the client gave up.
    std::thread::sleep(CLIENT_TIMEOUT + Duration::from_millis(800));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "soak.c failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The sandbox's own account: each token's acted creates and sends.
    let mut acted: HashMap<String, usize> = HashMap::new();
    for w in &sandbox.acted_writes()[preexisting..] {
        if w.method == "POST" {
            if let Some(t) = token(&w.body) {
                *acted.entry(t.to_string()).or_default() += 1;
            }
        }
    }
    let text = std::fs::read_to_string(&report).unwrap();
    let mut writes: HashMap<String, Write> = HashMap::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split(' ').collect();
        assert_eq!((f.len(), f[0]), (5, "W"), "report line {line:?}");
        let w = Write {
            kind: f[1].to_string(),
            status: f[3].parse().unwrap(),
            may_have_succeeded: f[4] == "1",
        };
        assert!(writes.insert(f[2].to_string(), w).is_none(), "{line}");
    }
    assert_eq!(
        writes.len(),
        calls.div_ceil(12) * 5 - extra(calls),
        "one line a write"
    );

    // (kind, outcome) -> count, for the figures.
    let mut outcomes: HashMap<(String, &str), usize> = HashMap::new();
    let mut ok = 0;
    let mut unknown_acted = 0;
    for (t, w) in &writes {
        let n = acted.get(t).copied().unwrap_or(0);
        assert!(n <= 1, "{t} ({}) was acted on {n} times", w.kind);
        let outcome = match (w.status, w.may_have_succeeded, n) {
            (0, _, 1) => "ok",
            (0, _, _) => panic!("{t} ({}) succeeded but the sandbox never acted", w.kind),
            (_, false, 0) => "failed, not acted",
            (s, false, _) => panic!(
                "{t} ({}) failed with status {s}, mayHaveSucceeded false, yet it acted",
                w.kind
            ),
            (_, true, 0) => "may have succeeded, did not",
            (_, true, _) => "may have succeeded, did",
        };
        if w.status == 0 {
            ok += 1;
        }
        if outcome == "may have succeeded, did" {
            unknown_acted += 1;
        }
        *outcomes.entry((w.kind.clone(), outcome)).or_default() += 1;
    }
    let sandbox_count: usize = acted.values().sum();
    assert_eq!(
        sandbox_count,
        ok + unknown_acted,
        "the sandbox acted on {sandbox_count} writes; the client reports {ok} successes and \
         {unknown_acted} uncertain ones that acted"
    );
    for t in acted.keys() {
        assert!(
            writes.contains_key(t),
            "{t} acted, but soak.c never sent it"
        );
    }

    // Leaks: what soak.c measured of itself.
    let figure = |name: &str| -> (i64, i64) {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("S {name} ")))
            .unwrap_or_else(|| panic!("no {name} figure in {stdout}"));
        let f: Vec<i64> = line
            .split(' ')
            .skip(2)
            .map(|x| x.parse().unwrap())
            .collect();
        (f[0], f[1])
    };
    let (rss_early, rss_end) = figure("rss_kb");
    let under_tool = std::env::var("AGENTPHONE_C_RUNNER").is_ok_and(|r| !r.is_empty());
    // Warm-up (the allocator's per-thread arenas, the pool) takes some hundreds of calls: the
    // check needs a run whose first tenth has done them.
    if !under_tool && calls >= 10_000 {
        assert!(
            rss_end * 10 <= rss_early * 11,
            "RSS grew from {rss_early} kB at 10% of the run to {rss_end} kB"
        );
    }

    println!(
        "soak: {calls} calls, 8 threads, {:.1} s",
        took.as_secs_f64()
    );
    println!("faults applied (one request in 7 on /v1/, in turn):");
    for (name, n) in &faults {
        println!("  {n:>7}  {name}");
    }
    println!("outcomes of creates and sends:");
    let mut rows: Vec<_> = outcomes.into_iter().collect();
    rows.sort();
    for ((kind, outcome), n) in rows {
        println!("  {n:>7}  {kind}: {outcome}");
    }
    println!("sandbox acted on {sandbox_count} = {ok} ok + {unknown_acted} uncertain that acted");
}

/// Writes the last, partial round of 12 kinds leaves out (kinds 0 to 4 are writes).
fn extra(calls: usize) -> usize {
    let rest = calls % 12;
    if rest == 0 {
        0
    } else {
        5 - rest.min(5)
    }
}

/// What the spoiling proxy did, per text number: attempts seen, and the answers it passed on.
#[derive(Default)]
struct Passed {
    attempts: HashMap<u32, u32>,
    answers: HashMap<u32, Vec<String>>,
}

/// A proxy in front of `upstream` that spoils early attempts of the texts `soak text N`:
/// N % 4 == 0, the first attempt is dropped before it reaches the receiver; N % 4 == 1, it
/// reaches the receiver, whose answer is lost; N % 4 == 2, the answer is cut short, and the
/// second attempt is dropped too. Every other attempt is passed through, to the address set in
/// `upstream` once the receiver listens.
fn spoiling_proxy(upstream: Arc<OnceLock<std::net::SocketAddr>>) -> (String, Arc<Mutex<Passed>>) {
    use std::io::Write;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/webhook", listener.local_addr().unwrap());
    let passed: Arc<Mutex<Passed>> = Arc::default();
    let record = passed.clone();
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(mut client) = client else { return };
            let (record, upstream) = (record.clone(), upstream.clone());
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                while let Some(request) = support::http::read_message(&mut client, &mut buf) {
                    let text = String::from_utf8_lossy(&request).into_owned();
                    let n: u32 = text
                        .split("soak text ")
                        .nth(1)
                        .and_then(|t| t.split(|c: char| !c.is_ascii_digit()).next())
                        .and_then(|d| d.parse().ok())
                        .expect("a soak text");
                    let attempt = {
                        let mut p = record.lock().unwrap();
                        let a = p.attempts.entry(n).or_default();
                        *a += 1;
                        *a
                    };
                    match (n % 4, attempt) {
                        (0, 1) | (2, 2) => return, // never reaches the receiver
                        _ => {}
                    }
                    let mut up = std::net::TcpStream::connect(upstream.get().unwrap()).unwrap();
                    up.write_all(&request).unwrap();
                    let answer =
                        support::http::read_message(&mut up, &mut Vec::new()).expect("an answer");
                    match (n % 4, attempt) {
                        (1, 1) => return, // acted on, the answer lost
                        (2, 1) => {
                            let _ = client.write_all(&answer[..answer.len() / 2]);
                            return;
                        }
                        _ => {}
                    }
                    let answer_text = String::from_utf8_lossy(&answer).into_owned();
                    record
                        .lock()
                        .unwrap()
                        .answers
                        .entry(n)
                        .or_default()
                        .push(answer_text);
                    if client.write_all(&answer).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, passed)
}

/// The webhook receiver in the soak: the sandbox delivers 400 texts to the C receiver through
/// a proxy that drops requests, loses answers after the receiver acted and cuts answers short,
/// and the program's callback fails the first attempt of every fourth text. Each text is
/// handled by the program exactly once; a redelivery of one it handled is answered as a
/// duplicate.
#[test]
fn through_spoiled_deliveries_the_c_receiver_handles_each_text_once() {
    const TEXTS: u32 = 400;
    let sandbox = Sandbox::builder()
        .api_key("sk_soak_receiver")
        .webhook_retry_delay(Duration::from_millis(5))
        .start()
        .unwrap();
    let client = sandbox.client().unwrap();
    let number = client
        .numbers()
        .create(&CreateNumber::new().agent_id(agentphone_sandbox::DEFAULT_AGENT))
        .unwrap();
    let upstream: Arc<OnceLock<std::net::SocketAddr>> = Arc::default();
    let (proxy_url, passed) = spoiling_proxy(upstream.clone());
    let secret = client
        .webhooks()
        .set(&agentphone::SetWebhook::new(proxy_url.as_str()))
        .unwrap()
        .secret
        .unwrap();
    let exe = compile("tests/c/test_receiver_load.c", "test_receiver_load");
    let program = support::c::start(&exe, &[&secret], &[]);
    let first = program.first_line.trim().to_string();
    let url = first.strip_prefix("url ").expect(&first);
    upstream
        .set(
            url.trim_start_matches("http://")
                .trim_end_matches("/webhook")
                .parse()
                .unwrap(),
        )
        .unwrap();

    for n in 0..TEXTS {
        let text = if n % 4 == 3 {
            format!("soak text {n} fail once")
        } else {
            format!("soak text {n}")
        };
        sandbox
            .deliver_sms(&number.id, "+15550007777", &text)
            .unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let done = {
            let p = passed.lock().unwrap();
            (0..TEXTS).all(|n| {
                p.answers
                    .get(&n)
                    .is_some_and(|a| a.last().is_some_and(|a| a.starts_with("HTTP/1.1 200")))
            })
        };
        if done {
            break;
        }
        assert!(Instant::now() < deadline, "not every text was delivered");
        std::thread::sleep(Duration::from_millis(50));
    }
    program.terminate();
    let (exit, rest) = program.finish();
    assert!(exit.success(), "the C receiver failed: {rest}");
    assert!(
        rest.contains(&format!("given {TEXTS} twice 0 failed {}", TEXTS / 4)),
        "{rest}"
    );
    let p = passed.lock().unwrap();
    for n in 0..TEXTS {
        let answers = &p.answers[&n];
        let last = answers.last().unwrap();
        match n % 4 {
            // The receiver had acted on the attempt whose answer was lost or cut short: the
            // next one is a duplicate.
            1 | 2 => assert!(last.ends_with(r#"{"duplicate":true}"#), "text {n}: {last}"),
            _ => assert!(last.ends_with("{}"), "text {n}: {last}"),
        }
    }
    println!(
        "receiver soak: {TEXTS} texts, {} attempts through the proxy",
        p.attempts.values().sum::<u32>()
    );
}
