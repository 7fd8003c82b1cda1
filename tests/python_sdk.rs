//! The official Python SDK (agentphone 0.20.3 from PyPI), an independent client, runs every
//! messaging, conversation, agent and call operation against the sandbox
//! (`tests/python/every_operation.py`). The SDK is installed once into a virtual environment
//! under the target directory.

use std::path::Path;
use std::process::Command;

use agentphone_sandbox::Sandbox;

mod support;
use support::python::sdk_python;

#[test]
fn the_official_python_sdk_runs_every_operation_against_the_sandbox() {
    let python = sdk_python();
    let sandbox = Sandbox::start().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/every_operation.py");
    let out = Command::new(python)
        .arg(script)
        .env("AGENTPHONE_BASE_URL", sandbox.base_url())
        .env("AGENTPHONE_API_KEY", sandbox.api_key())
        .env_remove("HTTP_PROXY")
        .env_remove("HTTPS_PROXY")
        .env_remove("ALL_PROXY")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    for op in [
        "agents.create",
        "agents.get",
        "agents.update",
        "agents.list",
        "agents.list_voices",
        "agents.list_conversations",
        "agents.list_calls",
        "agents.attach_number",
        "agents.detach_number",
        "agents.delete",
        "messages.send",
        "messages.react",
        "conversations.list",
        "conversations.get",
        "conversations.update",
        "conversations.get_messages",
        "conversations.send_typing",
        "calls.make",
        "calls.get",
        "calls.end",
        "calls.stream_transcript",
        "calls.get_transcript",
        "calls.get_recording",
        "calls.list",
        "numbers.list_calls",
        "numbers.get_messages",
        "numbers.buy",
        "numbers.release",
        "numbers.available",
        "numbers.lookup",
        "numbers.update",
        "numbers.set_contact_card",
        "numbers.get_contact_card",
        "numbers.delete_contact_card",
        "contacts.create",
        "contacts.list",
        "contacts.get",
        "contacts.update",
        "contacts.delete",
        "contacts.get_capabilities",
        "usage.get",
        "usage.get_daily",
        "usage.get_monthly",
        "usage.get_by_number",
        "usage.get_by_agent",
    ] {
        assert!(
            stdout.lines().any(|l| l == format!("ok {op}")),
            "{op} did not run:\n{stdout}"
        );
    }
}

#[test]
fn the_official_python_sdk_verifies_a_sandbox_delivery() {
    let python = sdk_python();
    let (secret, head, body) = support::capture_delivery();
    let header = |name: &str| {
        head.lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
            })
            .unwrap()
    };
    let script = r#"
import os, sys
from agentphone.webhook import verify_webhook, construct_event, WebhookVerificationError
body = sys.stdin.buffer.read()
sig, ts, secret = os.environ["SIG"], os.environ["TS"], os.environ["SECRET"]
verify_webhook(body, sig, secret, ts)
event = construct_event(body, sig, secret=secret, timestamp=ts)
print("verified", event.event)
try:
    verify_webhook(body + b" ", sig, secret, ts)
    print("tampered body accepted")
except WebhookVerificationError:
    print("tampered body refused")
"#;
    let mut child = Command::new(python)
        .args(["-c", script])
        .env("SIG", header("x-webhook-signature"))
        .env("TS", header("x-webhook-timestamp"))
        .env("SECRET", &secret)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(body.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("verified agent.message"), "{stdout}");
    assert!(stdout.contains("tampered body refused"), "{stdout}");
}
