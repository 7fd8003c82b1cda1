//! The built `agentphone` binary against the sandbox: operations with flags and `--data`, the
//! output forms, every exit code, the raw request, `sandbox`, `listen` fed by `trigger`, and
//! `webhooks verify` against a signature made by Python's `hmac`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use agentphone_sandbox::{Fault, Sandbox};
use serde_json::Value;

fn agentphone(sb: &Sandbox, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_agentphone"))
        .args(args)
        .env("AGENTPHONE_BASE_URL", sb.base_url())
        .env("AGENTPHONE_API_KEY", sb.api_key())
        .env_remove("AGENTPHONE_LOG")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(out: &Output) -> Value {
    serde_json::from_str(&stdout(out)).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)))
}

#[test]
fn flags_are_the_apis_keys_and_the_result_is_one_line_into_a_pipe() {
    let sb = Sandbox::start().unwrap();
    let out = agentphone(
        &sb,
        &["numbers", "create", "--area-code", "415", "--country", "US"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 1, "compact into a pipe");
    let number = json(&out);
    let id = number["id"].as_str().unwrap().to_string();
    let sent = sb.requests().last().unwrap().body.clone();
    let sent: Value = serde_json::from_str(&sent).unwrap();
    assert_eq!(
        sent["areaCode"], "415",
        "a string where the API takes one: {sent}"
    );

    // A list flag repeated, ids positional.
    let out = agentphone(
        &sb,
        &[
            "messages",
            "send",
            "--number-id",
            &id,
            "--to-number",
            "+14155550100",
            "--body",
            "hi",
            "--media-urls",
            "https://example.com/a.png",
            "--media-urls",
            "https://example.com/b.png",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let sent: Value = serde_json::from_str(&sb.requests().last().unwrap().body).unwrap();
    assert_eq!(
        sent["media_urls"],
        serde_json::json!(["https://example.com/a.png", "https://example.com/b.png"])
    );

    // --pretty indents; the same value.
    let out = agentphone(&sb, &["numbers", "get", &id, "--pretty"]);
    assert!(stdout(&out).lines().count() > 3);
    assert_eq!(json(&out)["id"], id.as_str());

    // --data gives the whole query; a number where the API takes one.
    let out = agentphone(&sb, &["numbers", "list", "--data", r#"{"limit": 1}"#]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["data"].as_array().unwrap().len(), 1);
    assert!(sb.requests().last().unwrap().query.contains("limit=1"));
}

#[test]
fn each_exit_code_and_its_line() {
    let sb = Sandbox::start().unwrap();
    // 2: a bad value, refused before anything is sent, naming the flag.
    let before = sb.requests().len();
    let out = agentphone(&sb, &["numbers", "list", "--limit", "0"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with("error: INVALID_ARGUMENT: --limit: "),
        "{}",
        stderr(&out)
    );
    assert_eq!(sb.requests().len(), before, "nothing was sent");
    // 2: a flag and --data naming the same key.
    let out = agentphone(
        &sb,
        &[
            "numbers",
            "list",
            "--limit",
            "5",
            "--data",
            r#"{"limit": 1}"#,
        ],
    );
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("--limit and --data both give `limit`"),
        "{}",
        stderr(&out)
    );
    // 2: a usage error.
    let out = agentphone(&sb, &["numbers", "fly"]);
    assert_eq!(code(&out), 2);
    // 1: not found, one line with the request id.
    let out = agentphone(&sb, &["numbers", "get", "num_nope"]);
    assert_eq!(code(&out), 1);
    let line = stderr(&out);
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(
        line.starts_with("error: NOT_FOUND: ") && line.contains("(request id "),
        "{line}"
    );
    // --json-errors: the C API's error JSON.
    let out = agentphone(&sb, &["numbers", "get", "num_nope", "--json-errors"]);
    let error: Value = serde_json::from_str(&stderr(&out)).unwrap();
    assert_eq!(error["code"], "not_found");
    assert_eq!(error["status"], 404);
    // 3: a write that may have succeeded.
    sb.inject(
        Fault::hang(Duration::from_millis(1500))
            .method("POST")
            .path_prefix("/v1/numbers"),
    );
    let out = agentphone(&sb, &["numbers", "create", "--timeout", "0.3"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("MAY HAVE SUCCEEDED"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn every_resource_answers_a_read_and_api_sends_any_request() {
    let sb = Sandbox::start().unwrap();
    for args in [
        &["numbers", "list"][..],
        &["conversations", "list"],
        &["agents", "list"],
        &["agents", "voices"],
        &["calls", "list"],
        &["webhooks", "deliveries"],
        &["contacts", "list"],
        &["usage", "get"],
    ] {
        let out = agentphone(&sb, args);
        assert_eq!(code(&out), 0, "{args:?}: {}", stderr(&out));
        let _ = json(&out);
    }
    let out = agentphone(&sb, &["api", "GET", "/v1/numbers", "--query", "limit=1"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(json(&out)["data"].is_array());
    // -v: each request's record on stderr.
    let out = agentphone(&sb, &["-v", "usage", "get"]);
    assert!(
        stderr(&out).contains("agentphone: INFO GET /v1/usage: 200 in "),
        "{}",
        stderr(&out)
    );
}

#[test]
fn sandbox_prints_its_exports_then_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_agentphone"))
        .args(["sandbox", "--port", "0", "--api-key", "sk_cli_sandbox"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = lines.next().unwrap().unwrap();
    let key = lines.next().unwrap().unwrap();
    let base = base
        .strip_prefix("export AGENTPHONE_BASE_URL=")
        .expect(&base)
        .to_string();
    assert_eq!(key, "export AGENTPHONE_API_KEY=sk_cli_sandbox");
    // Its stdout is then closed while it serves on: `eval "$(agentphone sandbox &)"` returns.
    assert!(
        lines.next().is_none(),
        "stdout still open after the exports"
    );
    assert!(
        child.try_wait().unwrap().is_none(),
        "the sandbox still serves"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_agentphone"))
        .args(["numbers", "list"])
        .env("AGENTPHONE_BASE_URL", &base)
        .env("AGENTPHONE_API_KEY", "sk_cli_sandbox")
        .output()
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

#[test]
fn listen_prints_what_trigger_sends_and_verify_checks_a_python_signature() {
    let secret = "whsec_cli_test";
    let (mut listen, url) = start_listen(&["--secret", secret, "--port", "0"]);
    let trigger = Command::new(env!("CARGO_BIN_EXE_agentphone"))
        .args([
            "trigger",
            "agent.message",
            "--url",
            &url,
            "--secret",
            secret,
        ])
        .args(["--data", r#"{"message": "from the trigger"}"#])
        .output()
        .unwrap();
    assert_eq!(code(&trigger), 0, "{}", stderr(&trigger));
    assert_eq!(json(&trigger)["status"], 200);
    let mut event = String::new();
    BufReader::new(listen.stdout.take().unwrap())
        .read_line(&mut event)
        .unwrap();
    let _ = listen.kill();
    let _ = listen.wait();
    let event: Value = serde_json::from_str(&event).unwrap();
    assert_eq!(event["body"]["event"], "agent.message");
    assert_eq!(event["body"]["data"]["message"], "from the trigger");
    assert!(event["webhookId"]
        .as_str()
        .unwrap()
        .starts_with("wh_trigger_"));

    // A delivery signed by Python's hmac, verified from the body file.
    let dir = std::env::temp_dir().join(format!("agentphone-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let body_file = dir.join("body.json");
    let body = r#"{"event":"agent.message","channel":"sms","data":{"messageId":"msg_py"}}"#;
    std::fs::write(&body_file, body).unwrap();
    let ts = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let python = Command::new("python3")
        .args([
            "-c",
            "import hmac,hashlib,sys; print('sha256=' + hmac.new(sys.argv[1].encode(), (sys.argv[2] + '.' + open(sys.argv[3]).read()).encode(), hashlib.sha256).hexdigest())",
            secret,
            &ts,
            body_file.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let signature = String::from_utf8(python.stdout).unwrap().trim().to_string();
    let verify = |signature: &str| {
        Command::new(env!("CARGO_BIN_EXE_agentphone"))
            .args([
                "webhooks",
                "verify",
                "--secret",
                secret,
                "--signature",
                signature,
            ])
            .args([
                "--timestamp",
                &ts,
                "--body-file",
                body_file.to_str().unwrap(),
            ])
            .output()
            .unwrap()
    };
    let ok = verify(&signature);
    assert_eq!(code(&ok), 0, "{}", stderr(&ok));
    assert_eq!(json(&ok)["data"]["messageId"], "msg_py");
    let bad = verify("sha256=0000");
    assert_eq!(code(&bad), 4, "{}", stderr(&bad));
    assert!(
        stderr(&bad).starts_with("error: SIGNATURE_INVALID: "),
        "{}",
        stderr(&bad)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[path = "../../tests/support/python.rs"]
mod python;

#[path = "../../tests/support/http.rs"]
mod http;

/// Starts `agentphone listen` with these arguments, stdout and stderr piped, and reads its
/// `Ready: URL` line: the process, and the URL.
fn start_listen(args: &[&str]) -> (std::process::Child, String) {
    let mut listen = Command::new(env!("CARGO_BIN_EXE_agentphone"))
        .arg("listen")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut ready = String::new();
    BufReader::new(listen.stderr.take().unwrap())
        .read_line(&mut ready)
        .unwrap();
    let url = ready
        .trim()
        .strip_prefix("Ready: ")
        .expect(&ready)
        .to_string();
    (listen, url)
}

#[test]
fn trigger_sends_events_the_official_sdk_verifies() {
    let python = python::sdk_python();
    let mut receiver = Command::new(python)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/python/verifying_receiver.py"
        ))
        .arg("whsec_cli_sdk")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut port = String::new();
    BufReader::new(receiver.stdout.take().unwrap())
        .read_line(&mut port)
        .unwrap();
    let url = format!("http://127.0.0.1:{}/webhook", port.trim());
    let trigger = |event: &str, extra: &[&str], secret: &str| {
        Command::new(env!("CARGO_BIN_EXE_agentphone"))
            .args(["trigger", event, "--url", &url, "--secret", secret])
            .args(extra)
            .output()
            .unwrap()
    };
    for (event, extra) in [
        ("agent.message", &[][..]),
        ("agent.message", &["--channel", "voice"][..]),
        ("agent.call_ended", &[][..]),
        ("agent.reaction", &[][..]),
    ] {
        let out = trigger(event, extra, "whsec_cli_sdk");
        assert_eq!(code(&out), 0, "{event}: {}", stderr(&out));
        let answer = json(&out);
        let body: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
        assert_eq!(body["verified"], true, "{event}");
        assert_eq!(body["event"], event);
        assert!(body["webhookId"]
            .as_str()
            .unwrap()
            .starts_with("wh_trigger_"));
    }
    let out = trigger("agent.message", &[], "whsec_another");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(json(&out)["status"], 401);
    let out = trigger("agent.dance", &[], "whsec_cli_sdk");
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let _ = receiver.kill();
    let _ = receiver.wait();
}

/// An app behind `listen --forward-to` that checks the forwarded signature and answers a voice
/// turn in NDJSON: an interim line at once, the final one 400 ms later.
fn voice_app(secret: &'static str) -> String {
    use std::io::Write;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/app", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            std::thread::spawn(move || {
                let Some(request) = http::read_message(&mut conn, &mut Vec::new()) else {
                    return;
                };
                let (head, body) = http::split(&request);
                let head = head.to_ascii_lowercase();
                let header = |name: &str| {
                    head.lines()
                        .find_map(|l| l.strip_prefix(&format!("{name}:")))
                        .map(|v| v.trim().to_string())
                        .unwrap_or_default()
                };
                let verified = agentphone::webhook::Verifier::new(secret)
                    .check(
                        &header("x-webhook-signature"),
                        &header("x-webhook-timestamp"),
                        &body,
                    )
                    .is_ok();
                if !verified {
                    let _ = conn.write_all(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                    return;
                }
                let _ = conn.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nConnection: close\r\n\r\n{\"text\": \"One moment\", \"interim\": true}\n",
                );
                std::thread::sleep(Duration::from_millis(400));
                let _ = conn.write_all(b"{\"text\": \"Here it is\", \"hangup\": true}\n");
            });
        }
    });
    url
}

#[test]
fn listen_forwards_to_an_app_and_relays_its_voice_answer_as_it_comes() {
    use std::io::{Read, Write};
    let app = voice_app("whsec_app_side");
    let (mut listen, url) = start_listen(&[
        "--secret",
        "whsec_api_side",
        "--port",
        "0",
        "--forward-to",
        &app,
        "--forward-secret",
        "whsec_app_side",
    ]);
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches("/webhook")
        .to_string();
    let body = r#"{"event":"agent.message","channel":"voice","timestamp":"2025-01-15T10:45:00Z","data":{"callId":"call_fw","transcript":"hello"}}"#;
    let ts = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let signature = agentphone::webhook::sign("whsec_api_side", &ts, body.as_bytes());
    let mut c = std::net::TcpStream::connect(&addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        c,
        "POST /webhook HTTP/1.1\r\nHost: x\r\nX-Webhook-Signature: {signature}\r\nX-Webhook-Timestamp: {ts}\r\nX-Webhook-ID: wh_fw_1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    // The interim line arrives while the app still works on the final one.
    let mut got = Vec::new();
    let mut chunk = [0u8; 4096];
    let started = std::time::Instant::now();
    while !String::from_utf8_lossy(&got).contains("One moment") {
        let n = c.read(&mut chunk).unwrap();
        assert!(
            n > 0,
            "closed before the interim line: {}",
            String::from_utf8_lossy(&got)
        );
        got.extend_from_slice(&chunk[..n]);
    }
    let interim_at = started.elapsed();
    assert!(!String::from_utf8_lossy(&got).contains("Here it is"));
    c.read_to_end(&mut got).unwrap();
    let answer = String::from_utf8_lossy(&got).into_owned();
    let final_at = started.elapsed();
    assert!(answer.contains("application/x-ndjson"), "{answer}");
    assert!(
        answer.contains(r#""text":"Here it is""#) && answer.contains(r#""hangup":true"#),
        "{answer}"
    );
    assert!(
        final_at - interim_at >= Duration::from_millis(200),
        "the interim line came {interim_at:?}, the final {final_at:?}: not relayed as it came"
    );
    // Ctrl-C (SIGINT) stops it cleanly, with exit code 0.
    // SAFETY: kill(2) on our own child.
    assert_eq!(unsafe { libc::kill(listen.id() as i32, libc::SIGINT) }, 0);
    let status = listen.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{status:?}");
    let mut printed = String::new();
    listen
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut printed)
        .unwrap();
    assert!(printed.contains(r#""webhookId":"wh_fw_1""#), "{printed}");
}

#[test]
fn completions_name_every_resource_and_operation() {
    let out = Command::new(env!("CARGO_BIN_EXE_agentphone"))
        .args(["completions", "bash"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0);
    let script = stdout(&out);
    for word in [
        "numbers",
        "attach-number",
        "contact-card-set",
        "--area-code",
        "listen",
        "trigger",
    ] {
        assert!(script.contains(word), "{word} is not completed");
    }
}

#[test]
fn listen_prints_what_the_sandbox_delivers() {
    let sb = Sandbox::start().unwrap();
    let client = sb.client().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let secret = client
        .webhooks()
        .set(&agentphone::SetWebhook::new(
            format!("http://127.0.0.1:{port}/webhook").as_str(),
        ))
        .unwrap()
        .secret
        .unwrap();
    let (mut listen, _url) = start_listen(&["--secret", &secret, "--port", &port.to_string()]);
    let number = client
        .numbers()
        .create(&agentphone::CreateNumber::new().agent_id(agentphone_sandbox::DEFAULT_AGENT))
        .unwrap();
    sb.deliver_sms(&number.id, "+14155550100", "delivered by the sandbox")
        .unwrap();
    let mut line = String::new();
    BufReader::new(listen.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _ = listen.kill();
    let _ = listen.wait();
    let event: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(
        event["body"]["data"]["message"], "delivered by the sandbox",
        "{line}"
    );
    assert!(event["webhookId"].is_string(), "{line}");
}

#[test]
fn a_list_prints_as_a_table_on_request() {
    let sb = Sandbox::start().unwrap();
    assert_eq!(code(&agentphone(&sb, &["numbers", "create"])), 0);
    assert_eq!(code(&agentphone(&sb, &["numbers", "create"])), 0);
    let out = agentphone(&sb, &["numbers", "list", "--table"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "a header and two rows: {text}");
    assert!(
        lines[0].contains("id") && lines[0].contains("phoneNumber"),
        "{text}"
    );
    assert!(lines[1].contains("num_sbx00000"), "{text}");
}

#[test]
fn on_a_terminal_the_result_is_indented() {
    let sb = Sandbox::start().unwrap();
    // `script` (util-linux, essential on Debian) runs the command on a pseudo-terminal.
    let run = |extra: &str| {
        let out = Command::new("script")
            .args(["-qec"])
            .arg(format!(
                "{} numbers list {extra}",
                env!("CARGO_BIN_EXE_agentphone")
            ))
            .arg("/dev/null")
            .env("AGENTPHONE_BASE_URL", sb.base_url())
            .env("AGENTPHONE_API_KEY", sb.api_key())
            .output()
            .unwrap();
        stdout(&out).replace('\r', "")
    };
    let pretty = run("");
    assert!(
        pretty.lines().count() > 2,
        "indented on a terminal: {pretty:?}"
    );
    let compact = run("--compact");
    assert_eq!(
        compact.trim().lines().count(),
        1,
        "--compact forces one line: {compact:?}"
    );
}

#[test]
fn a_call_from_create_to_its_recording() {
    let sb = Sandbox::start().unwrap();
    let agent = agentphone_sandbox::DEFAULT_AGENT;
    let number = json(&agentphone(&sb, &["numbers", "create"]));
    let number = number["id"].as_str().unwrap().to_string();
    let out = agentphone(&sb, &["agents", "attach-number", agent, &number]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = agentphone(
        &sb,
        &[
            "calls",
            "create",
            "--agent-id",
            agent,
            "--to-number",
            "+15550009999",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let call = json(&out)["id"].as_str().unwrap().to_string();
    assert_eq!(code(&agentphone(&sb, &["calls", "end", &call])), 0);
    let out = agentphone(&sb, &["calls", "wait", &call, "--wait-seconds", "10"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["status"], "completed");
    let sent = sb.requests().last().unwrap().query.clone();
    assert!(
        sent.contains("wait=true") && sent.contains("timeout=10"),
        "{sent}"
    );
    // The live transcript of the ended call: a JSON event a line, the last one `ended`.
    let out = agentphone(&sb, &["calls", "watch", &call]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let events: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(events.len() >= 2, "{}", stdout(&out));
    let dir = std::env::temp_dir().join(format!("agentphone-cli-rec-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("call.wav");
    let out = agentphone(
        &sb,
        &[
            "calls",
            "recording",
            &call,
            "--output",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["contentType"], "audio/wav");
    assert!(std::fs::metadata(&file).unwrap().len() > 44);
    let _ = std::fs::remove_dir_all(&dir);
}
