//! Agents and calls end to end against the sandbox: the requests sent, the answers, validation
//! before sending, the long poll's own timeout, and the retry class of each write.

use std::time::Duration;

use agentphone::{
    AgentSettings, Client, CreateCall, CreateNumber, CustomTool, ErrorKind, ListCalls, Paging,
};
use agentphone_sandbox::{Fault, Sandbox};
use serde_json::{json, Value};

fn start() -> (Sandbox, Client) {
    let sb = Sandbox::builder().number_limit(50).start().unwrap();
    let c = sb
        .client_builder()
        .retry_backoff(Duration::from_millis(1), Duration::from_millis(5))
        .build()
        .unwrap();
    (sb, c)
}

fn last_body(sb: &Sandbox, method: &str, path: &str) -> Value {
    let r = sb
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.method == method && r.path == path)
        .unwrap_or_else(|| panic!("no {method} {path}"));
    serde_json::from_str(&r.body).unwrap()
}

#[test]
fn agent_lifecycle() {
    let (sb, c) = start();
    let tool = CustomTool::new("lookup", "Looks an order up", "https://example.com/lookup");
    let agent = c
        .agents()
        .create(
            &AgentSettings::new("Support")
                .voice_mode("hosted")
                .system_prompt("Be brief.")
                .voice_speed(1.25)
                .custom_tools(vec![tool.clone()]),
        )
        .unwrap();
    assert_eq!(
        last_body(&sb, "POST", "/v1/agents"),
        json!({"name": "Support", "voiceMode": "hosted", "systemPrompt": "Be brief.",
               "voiceSpeed": 1.25, "customTools": [{"name": "lookup",
               "description": "Looks an order up", "url": "https://example.com/lookup"}]})
    );
    assert_eq!(agent.name.as_deref(), Some("Support"));
    assert_eq!(agent.voice_speed, Some(1.25));
    assert_eq!(
        agent.custom_tools.as_ref().unwrap()[0].name.as_deref(),
        Some("lookup")
    );

    // Attached numbers show on the agent.
    let n = c
        .numbers()
        .create(&CreateNumber::new().agent_id(&agent.id))
        .unwrap();
    let got = c.agents().get(&agent.id).unwrap();
    assert_eq!(got.numbers.unwrap()[0].id.as_deref(), Some(n.id.as_str()));

    // PATCH sends only what changes; customTools replaces the set.
    let updated = c
        .agents()
        .update(
            &agent.id,
            &AgentSettings::default()
                .custom_tools(vec![])
                .language("fr-FR"),
        )
        .unwrap();
    assert_eq!(
        last_body(&sb, "PATCH", &format!("/v1/agents/{}", agent.id)),
        json!({"customTools": [], "language": "fr-FR"})
    );
    assert_eq!(updated.custom_tools.as_deref(), Some(&[][..]));
    assert_eq!(updated.system_prompt.as_deref(), Some("Be brief."), "kept");

    let voices = c.agents().voices().unwrap();
    assert!(voices
        .iter()
        .any(|v| v.voice_id.as_deref() == Some("sbx-alloy")));

    let deleted = c.agents().delete(&agent.id).unwrap();
    assert_eq!(
        (deleted.success, deleted.id.as_deref()),
        (Some(true), Some(agent.id.as_str()))
    );
    assert_eq!(c.numbers().get(&n.id).unwrap().agent_id, None, "unattached");
    let e = c.agents().get(&agent.id).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
}

#[test]
fn agents_page_without_has_more_and_iterate() {
    let (_sb, c) = start();
    for i in 0..24 {
        c.agents()
            .create(&AgentSettings::new(format!("agent {i}")))
            .unwrap();
    }
    let page = c.agents().list(&Paging::new().limit(10)).unwrap();
    // The sandbox's default agent makes 25.
    assert_eq!(
        (page.data.len(), page.total, page.has_more),
        (10, Some(25), None)
    );
    let all: Vec<String> = c.agents().iter(10).map(|a| a.unwrap().id).collect();
    assert_eq!(all.len(), 25);
}

#[test]
fn agent_settings_are_checked_by_documented_bounds() {
    let (sb, c) = start();
    sb.clear_requests();
    let tool = |name: &str| CustomTool::new(name, "d", "https://x");
    let cases: Vec<(AgentSettings, &str)> = vec![
        (AgentSettings::default(), "name: is required"),
        (AgentSettings::new(" "), "name: must not be empty"),
        (
            AgentSettings::new("a").voice_speed(2.5),
            "voiceSpeed: must be between 0.5 and 2",
        ),
        (
            AgentSettings::new("a").voice_speed(f64::NAN),
            "voiceSpeed: must be between",
        ),
        (
            AgentSettings::new("a").max_silence_ms(9_999),
            "maxSilenceMs: must be between 10000",
        ),
        (
            AgentSettings::new("a").interruption_sensitivity(-0.1),
            "interruptionSensitivity: must be between 0 and 1",
        ),
        (
            AgentSettings::new("a").custom_tools((0..21).map(|i| tool(&format!("t{i}"))).collect()),
            "customTools: must have at most 20",
        ),
        (
            AgentSettings::new("a").custom_tools(vec![tool(&"x".repeat(65))]),
            "customTools[0].name: must be 1 to 64 characters",
        ),
        (
            AgentSettings::new("a").custom_tools(vec![CustomTool {
                url: None,
                ..tool("t")
            }]),
            "customTools[0].url: is required",
        ),
    ];
    for (settings, want) in cases {
        let e = c.agents().create(&settings).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert!(e.message().starts_with(want), "{e}");
    }
    // Values the API may add later pass through.
    c.agents()
        .create(&AgentSettings::new("a").voice_mode("a-future-mode"))
        .unwrap();
    assert_eq!(sb.requests().len(), 1);
}

#[test]
fn calls_lifecycle_with_a_long_poll_past_the_clients_timeout() {
    let (sb, _) = start();
    // A client whose own timeout is shorter than the wait: the long poll must not use it.
    let c = sb
        .client_builder()
        .timeout(Duration::from_secs(1))
        .max_retries(0)
        .build()
        .unwrap();
    let agent = c.agents().create(&AgentSettings::new("Caller")).unwrap();
    let n = c
        .numbers()
        .create(&CreateNumber::new().agent_id(&agent.id))
        .unwrap();
    let call = c
        .calls()
        .create(&CreateCall::new(&agent.id, "+15550009999").initial_greeting("Hello!"))
        .unwrap();
    assert_eq!(
        last_body(&sb, "POST", "/v1/calls"),
        json!({"agentId": agent.id, "toNumber": "+15550009999", "initialGreeting": "Hello!"})
    );
    assert_eq!(call.status.as_deref(), Some("ringing"));
    assert_eq!(call.phone_number_id.as_deref(), Some(n.id.as_str()));

    let id = call.id.clone();
    std::thread::scope(|s| {
        s.spawn(|| {
            std::thread::sleep(Duration::from_millis(1500));
            sb.advance_call(&id, None).unwrap(); // answered
            sb.advance_call(&id, None).unwrap(); // "Hello!"
            sb.advance_call(&id, Some(("user", "Hi, who is this?")))
                .unwrap();
            sb.advance_call(&id, None).unwrap(); // nothing left: completed
        });
        let done = c.calls().wait(&id, 10).unwrap();
        assert!(done.is_finished(), "{done:?}");
        assert_eq!(done.status.as_deref(), Some("completed"));
    });
    let r = sb
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.path == format!("/v1/calls/{id}"))
        .unwrap();
    assert_eq!(r.query, "wait=true&timeout=10");

    let got = c.calls().get(&id).unwrap();
    let turns = got.transcripts.unwrap();
    assert_eq!(turns[0].response.as_deref(), Some("Hello!"));
    assert_eq!(turns[1].transcript.as_deref(), Some("Hi, who is this?"));
    let transcript = c.calls().transcript(&id).unwrap();
    assert_eq!(transcript["transcript"][1]["content"], "Hi, who is this?");

    // Lists: all calls, the agent's, the number's, with filters as query parameters.
    let page = c
        .calls()
        .list(
            &ListCalls::new()
                .status("completed")
                .direction("outbound")
                .limit(5),
        )
        .unwrap();
    assert_eq!(page.data.len(), 1);
    assert_eq!(
        sb.requests().last().unwrap().query,
        "limit=5&status=completed&direction=outbound"
    );
    assert_eq!(
        c.agents().calls(&agent.id, &Paging::new()).unwrap().total,
        Some(1)
    );
    assert_eq!(
        c.numbers().calls(&n.id, &Paging::new()).unwrap().total,
        Some(1)
    );
    assert_eq!(
        c.calls()
            .list(&ListCalls::new().status("in-progress"))
            .unwrap()
            .total,
        Some(0)
    );
}

#[test]
fn an_inbound_scripted_call_and_end_call() {
    let (sb, c) = start();
    let n = c
        .numbers()
        .create(&CreateNumber::new().agent_id(agentphone_sandbox::DEFAULT_AGENT))
        .unwrap();
    let call = sb
        .inbound_call(
            &n.id,
            "+15550001234",
            &[("user", "Hi"), ("agent", "Hello, how can I help?")],
        )
        .unwrap();
    assert_eq!(call.direction.as_deref(), Some("inbound"));
    sb.advance_call(&call.id, None).unwrap();
    sb.advance_call(&call.id, None).unwrap();
    let ended = c.calls().end(&call.id).unwrap();
    assert_eq!(ended.status.as_deref(), Some("completed"));
    // Ending again changes nothing, and a 503 on end is retried like a read.
    sb.clear_requests();
    sb.inject(Fault::status(503).method("POST").path_prefix("/v1/calls"));
    c.calls().end(&call.id).unwrap();
    assert_eq!(sb.requests().len(), 2);
    // A wait on an ended call answers at once.
    assert!(c.calls().wait(&call.id, 10).unwrap().is_finished());
}

#[test]
fn placing_a_call_is_checked_and_never_repeated() {
    let (sb, c) = start();
    sb.clear_requests();
    for (call, want) in [
        (CreateCall::default(), "agentId: is required"),
        (
            CreateCall {
                to_number: None,
                ..CreateCall::new("agt_1", "+1")
            },
            "toNumber: is required",
        ),
        (
            CreateCall::new("agt_1", "555-1234"),
            "toNumber: must be an E.164",
        ),
        (
            CreateCall::new("agt_1", "+0155512345"),
            "toNumber: must be an E.164",
        ),
    ] {
        let e = c.calls().create(&call).unwrap_err();
        assert!(e.message().starts_with(want), "{e}");
    }
    let e = c.calls().wait("call_1", 5).unwrap_err();
    assert!(
        e.message()
            .starts_with("timeout: must be between 10 and 300"),
        "{e}"
    );
    assert_eq!(sb.requests().len(), 0);

    for fault in [Fault::status(500), Fault::drop_connection()] {
        sb.clear_requests();
        sb.inject(fault.method("POST").path_prefix("/v1/calls"));
        let e = c
            .calls()
            .create(&CreateCall::new("agt_sandbox", "+15550009999"))
            .unwrap_err();
        assert!(e.may_have_succeeded() && !e.is_retryable(), "{e}");
        assert_eq!(sb.requests().len(), 1);
    }
}

#[test]
fn the_transcript_stream_replays_then_follows_until_ended() {
    let (sb, c) = start();
    let n = c
        .numbers()
        .create(&CreateNumber::new().agent_id(agentphone_sandbox::DEFAULT_AGENT))
        .unwrap();
    let call = sb
        .inbound_call(
            &n.id,
            "+15550001234",
            &[("user", "Hi"), ("agent", "Hello!"), ("user", "Bye")],
        )
        .unwrap();
    sb.advance_call(&call.id, None).unwrap(); // answered
    sb.advance_call(&call.id, None).unwrap(); // "Hi", before the stream opens: replayed
    std::thread::scope(|s| {
        let id = call.id.clone();
        let sb = &sb;
        s.spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            sb.advance_call(&id, None).unwrap(); // "Hello!"
            sb.advance_call(&id, Some(("agent", "multi\nline")))
                .unwrap();
            sb.advance_call(&id, None).unwrap(); // "Bye"
            sb.advance_call(&id, None).unwrap(); // completed
        });
        let events: Vec<agentphone::TranscriptEvent> = c
            .calls()
            .stream_transcript(&call.id)
            .unwrap()
            .map(Result::unwrap)
            .collect();
        use agentphone::TranscriptEvent as E;
        assert!(
            matches!(&events[0], E::Connected(v) if v["callId"] == call.id.as_str()),
            "{events:?}"
        );
        let turns: Vec<(String, String)> = events
            .iter()
            .filter_map(|e| match e {
                E::Turn(t) => Some((t.role.clone(), t.content.clone())),
                _ => None,
            })
            .collect();
        assert_eq!(
            turns,
            [
                ("user".into(), "Hi".into()),
                ("agent".into(), "Hello!".into()),
                ("agent".into(), "multi\nline".into()),
                ("user".into(), "Bye".into()),
            ]
        );
        assert!(matches!(events.last(), Some(E::Ended(v)) if v["status"] == "completed"));
    });
    // A stream of an ended call: replay, then ended at once. Unknown calls are 404.
    let events: Vec<_> = c.calls().stream_transcript(&call.id).unwrap().collect();
    assert_eq!(events.len(), 6);
    let e = c.calls().stream_transcript("call_nope").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    let r = sb
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.path.ends_with("/stream"))
        .unwrap();
    assert_eq!(r.headers["accept"], "text/event-stream");
}

#[test]
fn recordings_download_after_the_call_and_need_no_key() {
    let (sb, c) = start();
    let n = c
        .numbers()
        .create(&CreateNumber::new().agent_id(agentphone_sandbox::DEFAULT_AGENT))
        .unwrap();
    let call = sb.inbound_call(&n.id, "+15550001234", &[]).unwrap();
    let e = c.calls().recording(&call.id).unwrap_err();
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::NotFound, Some("RECORDING_NOT_FOUND"))
    );
    c.calls().end(&call.id).unwrap();
    let rec = c.calls().recording(&call.id).unwrap();
    assert_eq!(rec.content_type.as_deref(), Some("audio/wav"));
    assert_eq!(&rec.bytes[..4], b"RIFF");
    assert_eq!(&rec.bytes[8..12], b"WAVE");
    // The API serves it without the key: so does the sandbox.
    let other = Client::builder()
        .api_key("sk_wrong")
        .base_url(sb.base_url())
        .build()
        .unwrap();
    assert_eq!(other.calls().recording(&call.id).unwrap().bytes, rec.bytes);
    assert_eq!(
        other.calls().get(&call.id).unwrap_err().kind(),
        ErrorKind::Unauthorized
    );
}

/// `waitForCompletion`: the create is held until the call ends (here: ended from another
/// thread), past the client's 1 s timeout, is sent once, and answers the ended call.
#[test]
fn a_call_create_that_waits_for_the_end_outlasts_the_client_timeout() {
    let sb = Sandbox::start().unwrap();
    let c = sb
        .client_builder()
        .timeout(Duration::from_secs(1))
        .max_retries(0)
        .build()
        .unwrap();
    let agent = c.agents().create(&AgentSettings::new("Waiter")).unwrap();
    c.numbers()
        .create(&CreateNumber::new().agent_id(&agent.id))
        .unwrap();
    let placing = {
        let c = c.clone();
        let agent_id = agent.id.clone();
        std::thread::spawn(move || {
            c.calls()
                .create(&CreateCall::new(&agent_id, "+15550009999").wait_for_completion(30))
        })
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let id = loop {
        let page = c.calls().list(&ListCalls::default()).unwrap();
        if let Some(call) = page.data.first() {
            break call.id.clone();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the call was not placed"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    // Longer than the client's timeout: only the create's own timeout lets it wait.
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        !placing.is_finished(),
        "the create answered before the call ended"
    );
    c.calls().end(&id).unwrap();
    let call = placing.join().unwrap().unwrap();
    assert_eq!(
        (call.id.as_str(), call.status.as_deref()),
        (id.as_str(), Some("completed"))
    );
    assert_eq!(
        last_body(&sb, "POST", "/v1/calls"),
        json!({"agentId": agent.id, "toNumber": "+15550009999",
               "waitForCompletion": true, "maxWaitSeconds": 30})
    );
    let creates = sb
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/v1/calls")
        .count();
    assert_eq!(creates, 1);
    // The sandbox refuses a wait out of range, as the API does.
    let e = c
        .request("POST", "/v1/calls")
        .json(&json!({"agentId": agent.id, "toNumber": "+15550009999",
                      "waitForCompletion": true, "maxWaitSeconds": 5}))
        .send::<Value>()
        .unwrap_err();
    assert_eq!(
        (e.status(), e.code()),
        (Some(400), Some("VALIDATION_ERROR")),
        "{e}"
    );
}
