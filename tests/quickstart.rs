//! The README's main command: `cargo run --example quickstart`. Offline it runs the whole
//! lifecycle; with an API key it only lists numbers, and buys one only with `--create`.

use std::process::Output;

use agentphone_sandbox::Sandbox;

mod support;

fn quickstart(env: &[(&str, &str)], args: &[&str]) -> Output {
    let out = support::cargo_run_example("quickstart")
        .args(args)
        .env_remove("AGENTPHONE_API_KEY")
        .env_remove("AGENTPHONE_BASE_URL")
        .envs(env.iter().copied())
        .output()
        .expect("cargo run --example quickstart");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn without_a_key_it_runs_the_whole_lifecycle_offline() {
    let out = quickstart(&[], &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("using the offline sandbox"), "{stdout}");
    for step in [
        "1. create",
        "2. attach",
        "3. deliver",
        "4. messages",
        "5. reply",
        "6. list",
        "7. release",
    ] {
        assert!(stdout.contains(step), "{step}: {stdout}");
    }
    assert!(
        stdout.contains("My order #1234 has not arrived"),
        "{stdout}"
    );
    assert!(stdout.contains("now says status \"released\""), "{stdout}");
}

#[test]
fn with_a_key_it_lists_and_buys_nothing_without_create() {
    let sandbox = Sandbox::start().unwrap();
    let env = [
        ("AGENTPHONE_API_KEY", sandbox.api_key()),
        ("AGENTPHONE_BASE_URL", sandbox.base_url()),
    ];
    let out = quickstart(&env, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Not creating a number"), "{stdout}");
    let sent: Vec<(String, String)> = sandbox
        .requests()
        .into_iter()
        .map(|r| (r.method, r.path))
        .collect();
    assert_eq!(sent, [("GET".to_string(), "/v1/numbers".to_string())]);

    // With --create it runs the lifecycle against the API it was given, and releases the number.
    sandbox.clear_requests();
    quickstart(&env, &["--create", "--agent", "agt_sandbox"]);
    let posts = sandbox
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/v1/numbers")
        .count();
    assert_eq!(posts, 1);
    assert_eq!(support::active_numbers(&sandbox), Some(0));
}

#[test]
fn the_auto_responder_example_answers_each_message_exactly_once_offline() {
    let out = support::cargo_run_example("poll_agent")
        .env_remove("AGENTPHONE_API_KEY")
        .env_remove("AGENTPHONE_BASE_URL")
        .output()
        .expect("cargo run --example poll_agent");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("the earlier reply is not in the conversation; sending it"),
        "{stdout}"
    );
    assert!(
        stdout.contains("the earlier reply did go out; not sending again"),
        "{stdout}"
    );
    assert!(
        stdout.contains("0 replies sent after the restart"),
        "{stdout}"
    );
    assert!(
        stdout.contains("4 messages received, 4 replies sent: each answered exactly once"),
        "{stdout}"
    );
}

#[test]
fn the_webhook_example_receives_verified_events_offline() {
    let out = support::cargo_run_example("webhook")
        .env_remove("AGENTPHONE_API_KEY")
        .env_remove("AGENTPHONE_BASE_URL")
        .env_remove("WEBHOOK_SECRET")
        .output()
        .expect("cargo run --example webhook");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("verified agent.message on sms"), "{stdout}");
    assert!(
        stdout.contains("verified voice turn: the caller says \"I'd like to book a table\""),
        "{stdout}"
    );
    assert!(
        stdout.contains("agent:  Thanks for calling. Goodbye!"),
        "{stdout}"
    );
    assert!(
        stdout.contains("4 of 4 deliveries verified and answered"),
        "{stdout}"
    );
}

#[test]
fn the_agent_example_answers_a_text_and_holds_a_call_offline() {
    let out = support::cargo_run_example("agent")
        .env_remove("AGENTPHONE_API_KEY")
        .env_remove("AGENTPHONE_BASE_URL")
        .output()
        .expect("cargo run --example agent");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.matches("replied (").count(), 1, "{stdout}");
    assert!(
        stdout.contains("turn: What are your hours? -> You said: What are your hours?"),
        "{stdout}"
    );
    assert!(
        stdout.contains("turn: Great, bye -> Thanks for calling. Goodbye!"),
        "{stdout}"
    );
}
