//! The C ABI from C and C++: builds `libagentphone.so`, compiles `tests/c/test_api.c` and the
//! C/C++ quickstarts against `include/agentphone.h` with `-Wall -Wextra -Werror -pedantic`, and
//! runs them against an in-process sandbox (see `support::c` for `AGENTPHONE_C_RUNNER` and
//! `AGENTPHONE_CFLAGS`).

use std::path::PathBuf;
use std::time::Duration;

use agentphone_sandbox::{Fault, RecordedRequest, Sandbox};
use serde_json::json;

mod support;
use support::c::{compile, profile_dir, run};

/// A URL where nothing listens.
fn dead_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://127.0.0.1:{}", l.local_addr().unwrap().port())
}

#[test]
fn c_test_suite_passes_against_the_sandbox() {
    let sandbox = Sandbox::builder().api_key("sk_c_test").start().unwrap();
    let faults = [
        Fault::status(429).retry_after(120),
        Fault::status(500),
        Fault::hang(Duration::from_secs(2)),
        Fault::status(200).body(json!({"unexpected": true})),
    ];
    for (id, fault) in [
        "num_ratelimited",
        "num_apierror",
        "num_timeout",
        "num_decode",
    ]
    .iter()
    .zip(faults)
    {
        sandbox.inject(
            fault
                .method("GET")
                .path_prefix(&format!("/v1/numbers/{id}"))
                .times(100),
        );
    }
    sandbox.inject(
        Fault::status(200)
            .body(json!({"data": [
                {"id": "m2", "fromNumber": "+15550000002", "toNumber": "+15559990000", "body": "two",
                 "receivedAt": "2025-01-15T12:00:01Z", "futureField": [1, 2]},
                {"id": "m1", "from": "+15550000001", "to": "+15559990000", "body": "one",
                 "receivedAt": "2025-01-15T12:00:00Z"}
            ], "hasMore": false}))
            .method("GET")
            .path_prefix("/v1/numbers/num_msgs/messages")
            .times(100),
    );
    sandbox.inject(
        Fault::status(503)
            .method("GET")
            .path_prefix("/v1/numbers/num_flaky"),
    );
    sandbox.inject(
        Fault::status(500)
            .method("POST")
            .path_prefix("/v1/agents/agt_flaky/numbers")
            .times(100),
    );
    let exe = compile("tests/c/test_api.c", "test_api");
    let dead = dead_url();
    let out = run(&exe, &[sandbox.base_url(), "sk_c_test", &dead], &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "C tests failed: {stdout}");
    assert!(stdout.contains(", 0 failed"), "{stdout}");

    // Invalid input never reached the server: five number creates and two contact creates
    // (the valid ones), one send, one call, one agent, no typo'd key.
    let requests = sandbox.requests();
    let count = |method: &str, path: &str| {
        requests
            .iter()
            .filter(|r| r.method == method && r.path == path)
            .count()
    };
    assert_eq!(count("POST", "/v1/numbers"), 5);
    assert_eq!(count("POST", "/v1/contacts"), 2);
    assert_eq!(count("POST", "/v1/messages"), 1);
    assert_eq!(count("POST", "/v1/calls"), 1);
    assert_eq!(count("POST", "/v1/agents"), 1);
    // The 503 was retried once; the POST that met a 500 was sent once, though 2 retries were allowed.
    assert_eq!(count("GET", "/v1/numbers/num_flaky"), 2);
    assert_eq!(count("POST", "/v1/agents/agt_flaky/numbers"), 1);
    assert!(requests.iter().all(|r| !r.body.contains("agentID")));
    assert!(requests
        .iter()
        .all(|r| !r.path.is_empty() && !r.path.contains(' ')));
    // No raw path that would leave the base URL was sent.
    assert!(requests.iter().all(|r| r.path.starts_with("/v1/")
        && !r.path.contains("//")
        && !r.path.contains("..")
        && !r.path.to_ascii_lowercase().contains("%2e")));
    assert_eq!(count("GET", "/v1/usage/daily"), 2);
}

/// Compiles a quickstart, runs it against a fresh sandbox, and checks it left nothing billed.
/// Returns the requests the program sent, the executable, and its stdout.
fn run_quickstart(source: &str, name: &str) -> (Vec<RecordedRequest>, PathBuf, String) {
    let sandbox = Sandbox::start().unwrap();
    let exe = compile(source, name);
    let out = run(
        &exe,
        &[],
        &[
            ("AGENTPHONE_API_KEY", sandbox.api_key()),
            ("AGENTPHONE_BASE_URL", sandbox.base_url()),
        ],
    );
    assert!(out.status.success(), "{name} failed");
    let sent = sandbox.requests();
    assert_eq!(
        support::active_numbers(&sandbox),
        Some(0),
        "{name} left a number active"
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    (sent, exe, stdout)
}

#[test]
fn c_quickstart_runs_the_lifecycle_against_the_sandbox() {
    let (sent, _, stdout) = run_quickstart("examples/c/quickstart.c", "quickstart_c");
    for step in ["create", "attach", "list", "messages", "release"] {
        assert!(
            stdout.lines().any(|l| l.starts_with(step)),
            "{step}: {stdout}"
        );
    }
    let methods: Vec<(String, String)> = sent.into_iter().map(|r| (r.method, r.path)).collect();
    assert_eq!(methods.len(), 5, "{methods:?}");
    assert_eq!(methods[0], ("POST".into(), "/v1/numbers".into()));
    assert_eq!(methods[4].0, "DELETE");
}

#[test]
fn cpp_quickstart_compiles_as_cpp17_and_runs() {
    let (_, exe, stdout) = run_quickstart("examples/cpp/quickstart.cpp", "quickstart_cpp");
    let release = stdout
        .lines()
        .find(|l| l.starts_with("release  "))
        .unwrap_or_default();
    assert!(release.contains("\"success\":true"), "{stdout}");
    // Without a key the C++ wrapper throws the error JSON instead.
    let out = run(&exe, &[], &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("INVALID_ARGUMENT"));
}

#[test]
fn the_c_auto_responder_answers_each_message_exactly_once() {
    let sandbox = Sandbox::builder().api_key("sk_c_agent").start().unwrap();
    let client = sandbox.client().unwrap();
    let number = client
        .numbers()
        .create(&agentphone::CreateNumber::new())
        .unwrap();
    let exe = compile("examples/c/poll_agent.c", "poll_agent");
    let dir = profile_dir().join("c-tests");
    let ledger = dir.join(format!("agent-ledger-{}.txt", std::process::id()));
    let _ = std::fs::remove_file(&ledger);
    let env = [
        ("AGENTPHONE_API_KEY", "sk_c_agent"),
        ("AGENTPHONE_BASE_URL", sandbox.base_url()),
    ];
    let run_agent = || {
        let out = run(&exe, &[&number.id, ledger.to_str().unwrap()], &env);
        assert!(out.status.success(), "the C agent failed");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let sends = |sandbox: &Sandbox| {
        sandbox
            .requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path == "/v1/messages")
            .count()
    };

    sandbox
        .deliver_sms(&number.id, "+15550001111", "Open today?")
        .unwrap();
    sandbox
        .deliver_sms(&number.id, "+15550002222", "A table for two")
        .unwrap();
    assert!(run_agent().contains("2 replies sent"));
    assert_eq!(sends(&sandbox), 2);

    // A restart: nothing to answer.
    assert!(run_agent().contains("0 replies sent"));
    assert_eq!(sends(&sandbox), 2);

    // A send that fails with a 500 (nothing went out): the next run checks, then sends once.
    sandbox
        .deliver_sms(&number.id, "+15550001111", "Parking?")
        .unwrap();
    sandbox.inject(
        Fault::status(500)
            .method("POST")
            .path_prefix("/v1/messages"),
    );
    assert!(run_agent().contains("outcome unknown"));
    assert!(run_agent().contains("1 replies sent"));
    assert_eq!(sends(&sandbox), 4);

    // The ledger lost (a new machine): replies already in the conversation are not repeated.
    std::fs::remove_file(&ledger).unwrap();
    assert!(run_agent().contains("0 replies sent"));
    assert_eq!(sends(&sandbox), 4);
    let _ = std::fs::remove_file(&ledger);
}

#[test]
fn the_c_verify_example_checks_a_captured_delivery() {
    let (secret, head, body) = support::capture_delivery();
    let exe = compile("examples/c/verify.c", "verify");
    let dir = profile_dir().join("c-tests");
    let headers_file = dir.join(format!("verify-headers-{}.txt", std::process::id()));
    let body_file = dir.join(format!("verify-body-{}.json", std::process::id()));
    std::fs::write(&headers_file, &head).unwrap();
    std::fs::write(&body_file, &body).unwrap();
    let args = |secret: &str| {
        run(
            &exe,
            &[
                secret,
                headers_file.to_str().unwrap(),
                body_file.to_str().unwrap(),
            ],
            &[],
        )
    };
    let out = args(&secret);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("verified: ") && stdout.contains("captured"),
        "{stdout}"
    );
    let out = args("whsec_wrong");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !out.status.success() && stdout.starts_with("SIGNATURE_INVALID: "),
        "{stdout}"
    );
    std::fs::write(&body_file, body.replace("captured", "tampered")).unwrap();
    assert!(!args(&secret).status.success());
    let _ = std::fs::remove_file(&headers_file);
    let _ = std::fs::remove_file(&body_file);
}

/// `tests/c/test_hardening.c` against scripted servers: a raw POST whose 2xx answer does not
/// decode, a transcript stream with one endless event and one that is not a stream, a 17 MiB
/// recording saved over a private file, a retried delete that meets "already released", a
/// server that closes while a 16 MiB body is written (default SIGPIPE), a call create that
/// waits past the client's timeout, and a caFile whose certificate does not parse.
#[test]
fn the_c_api_at_its_edges() {
    use support::{Action, RawServer};
    let text = |status: u16, content_type: &str, body: &str| {
        Action::Respond(
            status,
            vec![("Content-Type", content_type.to_string())],
            body.into(),
        )
    };
    let raw = RawServer::start(move |n| match n {
        0 => text(200, "text/plain", "OK"),
        1 => text(201, "text/html", "<html>created</html>"),
        _ => text(200, "text/plain", "OK"),
    });
    let endless_event = "data: 0123456789abcdef0123456789abcdef\n".repeat(64 * 1024 / 39);
    let stream = RawServer::start(move |n| match n {
        0 => text(200, "text/event-stream", &endless_event),
        _ => text(200, "application/json", "{}"),
    });
    let wav = "R".repeat(17 * 1024 * 1024);
    let recording = RawServer::start(move |_| text(200, "audio/wav", &wav));
    let released = r#"{"error":{"message":"Phone number num_1 is already released","code":"PHONE_NUMBER_ALREADY_RELEASED","type":"invalid_request_error"}}"#;
    let delete = RawServer::start(move |n| match n {
        0 | 3 => Action::Drop,
        1 | 2 => text(400, "application/json", released),
        _ => text(404, "application/json", r#"{"detail":"Agent not found"}"#),
    });
    let (pipe, pipe_connections) = support::closing_server();
    let call = r#"{"id":"call_1","agentId":"agt_1","phoneNumberId":"num_1","fromNumber":"+15550000001","toNumber":"+15551234567","direction":"outbound","status":"completed","startedAt":"2025-01-15T12:00:00Z","endedAt":"2025-01-15T12:01:00Z"}"#;
    let wait = RawServer::start(move |_| {
        Action::RespondAfter(
            Duration::from_secs(2),
            201,
            vec![("Content-Type", "application/json".into())],
            call.into(),
        )
    });
    let tmp = profile_dir()
        .join("c-tests")
        .join(format!("edges-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    let bad_ca = tmp.join("bad-ca.pem");
    std::fs::write(
        &bad_ca,
        "-----BEGIN CERTIFICATE-----\naGVsbG8sIEkgYW0gbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n",
    )
    .unwrap();

    let exe = compile("tests/c/test_hardening.c", "test_hardening");
    let urls = [
        raw.url(),
        stream.url(),
        recording.url(),
        delete.url(),
        pipe,
        wait.url(),
    ];
    let mut args: Vec<&str> = urls.iter().map(String::as_str).collect();
    args.push(tmp.to_str().unwrap());
    args.push(bad_ca.to_str().unwrap());
    let out = run(&exe, &args, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the C edge tests failed ({:?}): {stdout}",
        out.status
    );
    assert!(stdout.contains(", 0 failed"), "{stdout}");

    // Nothing was sent twice, and nothing refused was sent at all.
    assert_eq!(
        raw.request_count(),
        3,
        "the two POSTs once each, the GET once"
    );
    assert_eq!(stream.request_count(), 2);
    assert_eq!(recording.request_count(), 2, "the bad path sent nothing");
    assert_eq!(delete.request_count(), 5);
    assert_eq!(
        pipe_connections.load(std::sync::atomic::Ordering::SeqCst),
        1
    );
    assert_eq!(wait.request_count(), 1);
    let sent = wait.requests.lock().unwrap()[0].clone();
    assert!(
        sent.contains(r#""waitForCompletion":true"#) && sent.contains(r#""maxWaitSeconds":10"#),
        "{sent}"
    );
    let _ = std::fs::remove_dir_all(&tmp);
}

/// The receiver from C: the program runs it until SIGTERM (its handler calls
/// agentphone_receiver_stop); this test sends the deliveries over real connections, one of
/// them signed by Python's `hmac` rather than the library, and reads the answers.
#[test]
fn the_c_receiver_verifies_dedupes_answers_voice_turns_and_stops_on_sigterm() {
    use std::io::{Read, Write};
    use std::net::TcpStream;

    const SECRET: &str = "whsec_c_receiver";
    let exe = compile("tests/c/test_receiver.c", "test_receiver");
    let program = support::c::start(&exe, &[SECRET], &[]);
    let first = &program.first_line;
    let url = first.trim().strip_prefix("url ").expect(first).to_string();
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches("/webhook")
        .to_string();
    let ts = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let post = |body: &str, signature: &str, extra: &str| -> String {
        let mut c = TcpStream::connect(&addr).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        write!(
            c,
            "POST /webhook HTTP/1.1\r\nHost: x\r\nX-Webhook-Signature: {signature}\r\n\
             X-Webhook-Timestamp: {ts}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut out = String::new();
        let _ = c.read_to_string(&mut out);
        out
    };
    let signed = |body: &str| agentphone::webhook::sign(SECRET, &ts, body.as_bytes());
    let sms = |id: &str, text: &str| {
        format!(
            r#"{{"event":"agent.message","channel":"sms","data":{{"messageId":"{id}","message":"{text}"}}}}"#
        )
    };
    let turn = |said: &str| {
        format!(
            r#"{{"event":"agent.message","channel":"voice","timestamp":"2025-01-15T10:45:00Z","data":{{"callId":"call_c","transcript":"{said}"}}}}"#
        )
    };
    let status = |answer: &str| answer.split(' ').nth(1).unwrap_or("").to_string();
    let body_of = |answer: &str| {
        answer
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default()
    };

    // Signed independently: Python's hmac over "<timestamp>.<body>".
    let python_body = sms("msg_py", "from python");
    let python = std::process::Command::new("python3")
        .args([
            "-c",
            "import hmac,hashlib,sys; print('sha256=' + hmac.new(sys.argv[1].encode(), (sys.argv[2] + '.' + sys.argv[3]).encode(), hashlib.sha256).hexdigest())",
            SECRET,
            &ts,
            &python_body,
        ])
        .output()
        .unwrap();
    let python_signature = String::from_utf8(python.stdout).unwrap();
    let answer = post(&python_body, python_signature.trim(), "");
    assert_eq!(status(&answer), "200", "{answer}");

    let answer = post(
        &sms("msg_1", "hi"),
        &signed(&sms("msg_1", "hi")),
        "X-Webhook-ID: wh_c_1\r\n",
    );
    assert_eq!(status(&answer), "200", "{answer}");
    let again = post(
        &sms("msg_1", "hi"),
        &signed(&sms("msg_1", "hi")),
        "X-Webhook-ID: wh_c_1\r\n",
    );
    assert_eq!(body_of(&again), r#"{"duplicate":true}"#, "{again}");
    let bad = post(&sms("msg_2", "hi"), &signed("something else"), "");
    assert_eq!(status(&bad), "401", "{bad}");
    let fail = sms("msg_3", "fail once");
    assert_eq!(status(&post(&fail, &signed(&fail), "")), "500");
    assert_eq!(
        status(&post(&fail, &signed(&fail), "")),
        "200",
        "redelivered, then handled"
    );

    let bye = post(&turn("bye"), &signed(&turn("bye")), "");
    assert_eq!(
        body_of(&bye),
        r#"{"text":"Goodbye","hangup":true}"#,
        "{bye}"
    );
    let operator = post(&turn("operator"), &signed(&turn("operator")), "");
    assert_eq!(
        body_of(&operator),
        r#"{"text":"Connecting you","action":"transfer"}"#
    );
    let wait = post(&turn("wait"), &signed(&turn("wait")), "");
    assert!(wait.contains("application/x-ndjson"), "{wait}");
    assert!(
        wait.contains("One moment...") && wait.contains("Here it is"),
        "{wait}"
    );

    // The edges, none of which reaches the callback.
    let raw = |request: String| -> String {
        let mut c = TcpStream::connect(&addr).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        c.write_all(request.as_bytes()).unwrap();
        let mut out = String::new();
        let _ = c.read_to_string(&mut out);
        out
    };
    let not_event = "[1]";
    assert_eq!(status(&post(not_event, &signed(not_event), "")), "400");
    assert_eq!(
        status(&raw(
            "GET /other HTTP/1.1\r\nConnection: close\r\n\r\n".into()
        )),
        "404"
    );
    let get = raw("GET /webhook HTTP/1.1\r\nConnection: close\r\n\r\n".into());
    assert!(
        status(&get) == "405" && get.contains("Allow: POST"),
        "{get}"
    );
    let health = raw("GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n".into());
    assert_eq!(body_of(&health), r#"{"status":"ok"}"#);
    assert_eq!(
        status(&raw(
            "POST /webhook HTTP/1.1\r\nContent-Length: 4097\r\n\r\n".into()
        )),
        "413"
    );
    let pad = "a".repeat(6000);
    assert_eq!(
        status(&raw(format!(
            "POST /webhook HTTP/1.1\r\nX-A: {pad}\r\nX-B: {pad}\r\nX-C: {pad}\r\n\r\n"
        ))),
        "431"
    );
    assert_eq!(
        status(&raw(
            "POST /webhook HTTP/1.1\r\nContent-Length: 10\r\n\r\n1".into()
        )),
        "408"
    );

    // A turn the callback takes its time over: the same again meanwhile is 409; SIGTERM
    // meanwhile stops the receiver once the callback finished and its answer went out.
    let (slow_post, slow_body) = (&post, turn("slow"));
    let slow_signature = signed(&slow_body);
    std::thread::scope(|scope| {
        let slow = scope.spawn(|| slow_post(&slow_body, &slow_signature, ""));
        std::thread::sleep(Duration::from_millis(300));
        let again = post(&slow_body, &slow_signature, "");
        assert_eq!(status(&again), "409", "{again}");
        program.terminate();
        let slow = slow.join().unwrap();
        assert_eq!(body_of(&slow), r#"{"text":"done"}"#, "{slow}");
    });
    let (exit, rest) = program.finish();
    assert!(exit.success(), "the C program failed: {rest}");
    assert!(rest.contains("handled 7"), "{rest}");
    assert!(rest.contains(", 0 failed"), "{rest}");
}

/// The library's records from C (`tests/c/test_logging.c`): the callback's lines for a success,
/// a retried GET, a POST not retried after a timeout and a 429, against faults injected here.
#[test]
fn the_c_log_callback_gets_each_record_and_no_secret() {
    let sandbox = Sandbox::builder()
        .api_key("sk_c_log_key_51e0")
        .start()
        .unwrap();
    sandbox.inject(
        Fault::status(500)
            .method("GET")
            .path_prefix("/v1/numbers/num_log_flaky"),
    );
    sandbox.inject(
        Fault::status(429)
            .retry_after(1)
            .method("GET")
            .path_prefix("/v1/numbers/num_log_429"),
    );
    sandbox.inject(
        Fault::hang(Duration::from_millis(900))
            .method("POST")
            .path_prefix("/v1/numbers"),
    );
    let exe = compile("tests/c/test_logging.c", "test_logging");
    let out = run(&exe, &[sandbox.base_url(), sandbox.api_key()], &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "the C logging tests failed: {stdout}");
    assert!(stdout.contains(", 0 failed"), "{stdout}");
}

/// `AGENTPHONE_LOG` turns the records on for a C program that was never written for them: the
/// quickstart writes them to standard error, each line `agentphone: LEVEL ...`.
#[test]
fn agentphone_log_sends_a_c_programs_records_to_stderr_with_no_code_change() {
    let sandbox = Sandbox::start().unwrap();
    let exe = compile("examples/c/quickstart.c", "quickstart_c_logged");
    let env = |level: &'static str| {
        [
            ("AGENTPHONE_API_KEY", sandbox.api_key()),
            ("AGENTPHONE_BASE_URL", sandbox.base_url()),
            ("AGENTPHONE_LOG", level),
        ]
    };
    let out = run(&exe, &[], &env("info"));
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let records: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("agentphone: "))
        .collect();
    assert!(
        records
            .iter()
            .any(|l| l.starts_with("agentphone: INFO POST /v1/numbers: 201 in ")),
        "{stderr}"
    );
    assert_eq!(
        records.len(),
        5,
        "one line for each of the 5 requests: {stderr}"
    );
    assert!(!stderr.contains(sandbox.api_key()), "{stderr}");
    // Unset, or off: nothing.
    let quiet = run(&exe, &[], &env("off"));
    assert!(!String::from_utf8_lossy(&quiet.stderr).contains("agentphone: "));
}

/// One kept-alive HTTPS connection that trusts only its CA, sending requests one at a time.
struct HttpsSender {
    tls: rustls::StreamOwned<rustls::ClientConnection, std::net::TcpStream>,
    buf: Vec<u8>,
}

impl HttpsSender {
    fn new(addr: &str, ca: &rustls::pki_types::CertificateDer<'static>) -> HttpsSender {
        HttpsSender {
            tls: rustls::StreamOwned::new(support::pki::client_session(ca), {
                let s = std::net::TcpStream::connect(addr).unwrap();
                s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
                s
            }),
            buf: Vec::new(),
        }
    }

    /// Sends `request` and reads its answer (a `Content-Length` one): status and body.
    fn send(&mut self, request: &str) -> (u16, String) {
        use std::io::Write;
        self.tls.write_all(request.as_bytes()).unwrap();
        let answer = support::http::read_message(&mut self.tls, &mut self.buf)
            .expect("closed before a whole answer");
        let (head, body) = support::http::split(&answer);
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        (status, String::from_utf8_lossy(&body).into_owned())
    }
}

/// The C receiver over HTTPS under load: 16 kept-alive connections deliver 2,000 distinct
/// texts, 50 senders the same text at once, and 64 senders trickle a TLS handshake a byte a
/// second while texts are delivered; the program counts what its callback was given.
#[test]
fn the_c_receiver_over_https_handles_each_event_once_under_load_and_slow_senders() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Barrier;

    const SECRET: &str = "whsec_c_load";
    let dir = profile_dir()
        .join("c-tests")
        .join(format!("receiver-tls-{}", std::process::id()));
    let (ca, cert, key) = support::pki::ca_and_leaf(&dir);
    let exe = compile("tests/c/test_receiver_load.c", "test_receiver_load");
    let program = support::c::start(
        &exe,
        &[SECRET, cert.to_str().unwrap(), key.to_str().unwrap()],
        &[],
    );
    let first = program.first_line.trim().to_string();
    let url = first.strip_prefix("url ").expect(&first);
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let addr = url
        .trim_start_matches("https://")
        .trim_end_matches("/webhook")
        .to_string();
    let request = |id: &str, connection: &str| {
        let ts = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            .to_string();
        let body = format!(
            r#"{{"event":"agent.message","channel":"sms","data":{{"messageId":"{id}","message":"hi"}}}}"#
        );
        let signature = agentphone::webhook::sign(SECRET, &ts, body.as_bytes());
        format!(
            "POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Webhook-Signature: {signature}\r\n\
             X-Webhook-Timestamp: {ts}\r\nContent-Length: {}\r\nConnection: {connection}\r\n\r\n{body}",
            body.len()
        )
    };

    // 2,000 distinct texts from 16 threads, each on its own kept-alive connection.
    std::thread::scope(|scope| {
        for t in 0..16 {
            let (addr, ca, request) = (&addr, &ca, &request);
            scope.spawn(move || {
                let mut sender = HttpsSender::new(addr, ca);
                for i in 0..125 {
                    let (status, body) =
                        sender.send(&request(&format!("msg_{t}_{i}"), "keep-alive"));
                    assert_eq!((status, body.as_str()), (200, "{}"));
                }
            });
        }
    });

    // The same text from 50 senders at once: handled once; the others are told it is a
    // duplicate, or (while it is under way) 409.
    let barrier = Barrier::new(50);
    let statuses: Vec<(u16, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..50)
            .map(|_| {
                let (addr, ca, request, barrier) = (&addr, &ca, &request, &barrier);
                scope.spawn(move || {
                    let mut sender = HttpsSender::new(addr, ca);
                    let req = request("msg_same", "close");
                    barrier.wait();
                    sender.send(&req)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        statuses.iter().filter(|(_, b)| b == "{}").count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|(s, b)| (*s, b.as_str()) == (200, "{}")
            || (*s, b.as_str()) == (200, r#"{"duplicate":true}"#)
            || *s == 409),
        "{statuses:?}"
    );

    // 64 senders trickle a real ClientHello a byte a second; texts still go through, each
    // within a second when the program runs natively (a runner such as valgrind slows every
    // handshake, so there it must only go through while the trickles go on).
    let hello = {
        let mut session = support::pki::client_session(&ca);
        let mut bytes = Vec::new();
        session.write_tls(&mut bytes).unwrap();
        bytes
    };
    let trickling = AtomicBool::new(true);
    let natively = std::env::var("AGENTPHONE_C_RUNNER").map_or(true, |r| r.trim().is_empty());
    std::thread::scope(|scope| {
        let slow: Vec<_> = (0..64)
            .map(|_| {
                let (addr, hello, trickling) = (&addr, &hello, &trickling);
                scope.spawn(move || {
                    use std::io::Write;
                    let mut c = std::net::TcpStream::connect(addr).unwrap();
                    // Whether the connection stayed open, trickling, until told to stop.
                    for byte in hello.iter() {
                        if !trickling.load(Ordering::SeqCst) {
                            return true;
                        }
                        if c.write_all(&[*byte]).is_err() {
                            return false;
                        }
                        std::thread::sleep(Duration::from_secs(1));
                    }
                    false
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(1500));
        for i in 0..5 {
            let started = std::time::Instant::now();
            let mut sender = HttpsSender::new(&addr, &ca);
            let (status, _) = sender.send(&request(&format!("msg_slow_{i}"), "close"));
            assert_eq!(status, 200);
            if natively {
                assert!(
                    started.elapsed() < Duration::from_secs(1),
                    "held up {:?} by the slow senders",
                    started.elapsed()
                );
            }
        }
        trickling.store(false, Ordering::SeqCst);
        let open = slow
            .into_iter()
            .filter_map(|s| s.join().unwrap().then_some(()))
            .count();
        if natively {
            assert_eq!(open, 64, "every slow sender was still being read meanwhile");
        }
    });

    program.terminate();
    let (exit, rest) = program.finish();
    assert!(exit.success(), "the C program failed: {rest}");
    assert!(rest.contains("given 2006 twice 0 failed 0"), "{rest}");
    assert!(rest.contains(", 0 failed"), "{rest}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `examples/c/agent.c`, offline: it registers itself with the sandbox, answers a text
/// once and holds a call until "bye" (an interim line, an answer, a hangup), then stops
/// on SIGTERM.
#[test]
fn the_c_agent_answers_a_text_once_and_holds_a_call() {
    let sandbox = Sandbox::builder()
        .api_key("sk_c_agent_receiver")
        .start()
        .unwrap();
    let client = sandbox.client().unwrap();
    let number = client
        .numbers()
        .create(&agentphone::CreateNumber::new().agent_id(agentphone_sandbox::DEFAULT_AGENT))
        .unwrap();
    let exe = compile("examples/c/agent.c", "agent");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let env = [
        ("AGENTPHONE_API_KEY", "sk_c_agent_receiver"),
        ("AGENTPHONE_BASE_URL", sandbox.base_url()),
    ];
    let program = support::c::start(&exe, &[&listen], &env);
    let first = &program.first_line;
    assert!(
        first.starts_with("listening on http://127.0.0.1:"),
        "{first}"
    );

    let wait_for = |what: &str, cond: &dyn Fn() -> bool| {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while !cond() {
            assert!(
                std::time::Instant::now() < deadline,
                "timed out waiting for {what}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    let replies = || {
        sandbox
            .requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path == "/v1/messages")
            .map(|r| r.body.clone())
            .collect::<Vec<_>>()
    };
    let text = sandbox
        .deliver_sms(&number.id, "+15550003333", "Open on Sunday?")
        .unwrap();
    wait_for("the reply", &|| !replies().is_empty());
    let sent = replies();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(
        sent[0].contains(&text.id) && sent[0].contains("+15550003333"),
        "{sent:?}"
    );

    let call = sandbox
        .inbound_call(
            &number.id,
            "+15550003333",
            &[
                ("user", "What are your hours?"),
                ("agent", "scripted"),
                ("user", "Thanks, bye"),
            ],
        )
        .unwrap();
    sandbox.advance_call(&call.id, None).unwrap(); // answered
    sandbox.advance_call(&call.id, None).unwrap(); // the first question
    wait_for("the first answer", &|| {
        client
            .calls()
            .get(&call.id)
            .unwrap()
            .transcripts
            .unwrap_or_default()
            .iter()
            .any(|t| t.response.as_deref() == Some("You said: What are your hours?"))
    });
    sandbox.advance_call(&call.id, None).unwrap(); // "Thanks, bye": the agent hangs up
    wait_for("the call to end", &|| {
        client.calls().get(&call.id).unwrap().is_finished()
    });
    assert_eq!(replies().len(), 1, "the text was answered once");

    program.terminate();
    let (exit, rest) = program.finish();
    assert!(exit.success(), "{rest}");
    assert!(rest.contains("stopped"), "{rest}");
}

/// The README's one command for the C agent offline: it builds what it needs, plays a text and a
/// call through the sandbox program, and shows what the agent did.
#[test]
fn the_c_agent_runs_offline_with_one_command() {
    let out = std::process::Command::new("bash")
        .arg(support::c::root().join("examples/c/run-agent.sh"))
        .env_remove("AGENTPHONE_API_KEY")
        .env_remove("AGENTPHONE_BASE_URL")
        .output()
        .expect("bash examples/c/run-agent.sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("replied to msg_"), "{stdout}");
    assert!(
        stdout.contains("caller: What are your hours? | agent: You said: What are your hours?"),
        "{stdout}"
    );
    assert!(
        stdout.contains("caller: Great, bye | agent: Thanks for calling. Goodbye!"),
        "{stdout}"
    );
    assert!(stdout.contains("status: completed"), "{stdout}");
}
