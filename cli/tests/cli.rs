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
    let mut listen = Command::new(env!("CARGO_BIN_EXE_agentphone"))
        .args(["listen", "--secret", secret, "--port", "0"])
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
