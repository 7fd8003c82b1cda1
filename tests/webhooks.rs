//! Webhooks end to end: configuration (the requests sent, a new secret on every set, never
//! sent twice), and the sandbox delivering signed events to a receiver on loopback, verified
//! by the crate's verifier: inbound messages, agent precedence, retries with backoff, voice
//! turns answered by the receiver, calls ended, tests, and the loopback-only rule.

use std::time::{Duration, Instant};

use agentphone::webhook::{EventData, Verifier, VoiceReply};
use agentphone::{
    AgentSettings, Client, CreateNumber, DeliveryQuery, ErrorKind, SetWebhook, WebhookTest,
};
use agentphone_sandbox::{Fault, Sandbox, DEFAULT_AGENT};
use serde_json::json;

mod support;
use support::{Action, RawServer};

fn start() -> (Sandbox, Client) {
    let sb = Sandbox::builder()
        .webhook_retry_delay(Duration::from_millis(10))
        .start()
        .unwrap();
    let c = sb
        .client_builder()
        .retry_backoff(Duration::from_millis(1), Duration::from_millis(5))
        .build()
        .unwrap();
    (sb, c)
}

/// A request the receiver got: its headers (lower-case names) and body.
struct Received {
    headers: std::collections::HashMap<String, String>,
    body: String,
}

fn received(server: &RawServer) -> Vec<Received> {
    server
        .requests
        .lock()
        .unwrap()
        .iter()
        .map(|raw| {
            let (head, body) = raw.split_once("\r\n\r\n").unwrap();
            let headers = head
                .lines()
                .skip(1)
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
                .collect();
            Received {
                headers,
                body: body.to_string(),
            }
        })
        .collect()
}

fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn verify(secret: &str, r: &Received) -> agentphone::webhook::Event {
    Verifier::new(secret)
        .verify(
            &r.headers["x-webhook-signature"],
            &r.headers["x-webhook-timestamp"],
            r.body.as_bytes(),
        )
        .unwrap()
}

fn ok_receiver() -> RawServer {
    RawServer::start(|_| Action::Respond(200, vec![], "{}".into()))
}

#[test]
fn configuration_rotates_the_secret_and_is_never_sent_twice() {
    let (sb, c) = start();
    assert_eq!(c.webhooks().get().unwrap(), None);
    let first = c
        .webhooks()
        .set(&SetWebhook::new("http://127.0.0.1:9/hook").context_limit(5))
        .unwrap();
    let r = sb
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.method == "POST")
        .unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&r.body).unwrap(),
        json!({"url": "http://127.0.0.1:9/hook", "contextLimit": 5})
    );
    let secret = first.secret.clone().unwrap();
    assert!(secret.starts_with("whsec_"), "{secret}");
    let second = c
        .webhooks()
        .set(&SetWebhook::new("http://127.0.0.1:9/hook"))
        .unwrap();
    assert_ne!(second.secret, first.secret, "every set rotates the secret");
    assert_eq!(c.webhooks().get().unwrap().unwrap().secret, second.secret);

    // Checked before sending.
    sb.clear_requests();
    for (w, want) in [
        (SetWebhook::default(), "url: is required"),
        (
            SetWebhook::new("/relative"),
            "url: must be an absolute http(s) URL",
        ),
        (
            SetWebhook::new("ftp://h/x"),
            "url: must be an absolute http(s) URL",
        ),
        (
            SetWebhook::new(format!("https://h/{}", "x".repeat(2100))),
            "url: must be at most 2083",
        ),
        (
            SetWebhook::new("https://h/x").context_limit(51),
            "contextLimit: must be between 0 and 50",
        ),
        (
            SetWebhook::new("https://h/x").timeout(4),
            "timeout: must be between 5 and 120",
        ),
    ] {
        let e = c.webhooks().set(&w).unwrap_err();
        assert!(e.message().starts_with(want), "{e}");
    }
    assert_eq!(sb.requests().len(), 0);

    // A set whose outcome is unknown is not repeated: the secret may have changed.
    sb.inject(
        Fault::status(502)
            .method("POST")
            .path_prefix("/v1/webhooks"),
    );
    let e = c
        .webhooks()
        .set(&SetWebhook::new("http://127.0.0.1:9/x"))
        .unwrap_err();
    assert!(e.may_have_succeeded() && !e.is_retryable(), "{e}");
    assert_eq!(sb.requests().len(), 1);

    // Per agent, and removal.
    let hook = c.agents().webhook(DEFAULT_AGENT).unwrap();
    assert_eq!(hook.get().unwrap(), None);
    let set = hook
        .set(&SetWebhook::new("http://127.0.0.1:9/agent"))
        .unwrap();
    assert_eq!(hook.get().unwrap().unwrap().url, set.url);
    hook.delete().unwrap();
    assert_eq!(hook.get().unwrap(), None);
    c.webhooks().delete().unwrap();
    assert_eq!(c.webhooks().get().unwrap(), None);
    let e = c.agents().webhook("agt_nope").unwrap().get().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
}

#[test]
fn an_inbound_message_arrives_signed_with_history_and_goes_to_the_agents_webhook_first() {
    let (sb, c) = start();
    let project = ok_receiver();
    let agent_receiver = ok_receiver();
    let project_secret = c
        .webhooks()
        .set(&SetWebhook::new(format!("{}/hook", project.url())).context_limit(2))
        .unwrap()
        .secret
        .unwrap();
    let n = c.numbers().create(&CreateNumber::new()).unwrap();
    sb.deliver_sms(&n.id, "+15550001111", "first").unwrap();
    sb.deliver_sms(&n.id, "+15550001111", "second").unwrap();
    sb.deliver_sms(&n.id, "+15550001111", "third").unwrap();
    wait_for("three deliveries", || project.request_count() == 3);
    let got = received(&project);
    let r = &got[2];
    assert!(r.headers["x-webhook-signature"].starts_with("sha256="));
    assert_eq!(r.headers["content-type"], "application/json");
    let event = verify(&project_secret, r);
    assert_eq!(
        (event.event.as_str(), event.channel.as_deref()),
        ("agent.message", Some("sms"))
    );
    match &event.data {
        EventData::Message(m) => {
            assert_eq!(m.message.as_deref(), Some("third"));
            assert_eq!(m.from.as_deref(), Some("+15550001111"));
            assert_eq!(m.to.as_deref(), Some(n.phone_number.as_str()));
        }
        other => panic!("{other:?}"),
    }
    let history: Vec<_> = event
        .recent_history
        .unwrap()
        .into_iter()
        .map(|h| h.content.unwrap())
        .collect();
    assert_eq!(history, ["second", "third"], "contextLimit 2");
    // The dedupe key is the delivery id header, the same on every attempt of one event.
    let ids: std::collections::HashSet<_> = got
        .iter()
        .map(|r| r.headers["x-webhook-id"].clone())
        .collect();
    assert_eq!(ids.len(), 3);
    // A wrong secret does not verify.
    let e = Verifier::new("whsec_wrong")
        .verify(
            &r.headers["x-webhook-signature"],
            &r.headers["x-webhook-timestamp"],
            r.body.as_bytes(),
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SignatureInvalid);

    // The number's agent gets its own webhook: its events go there, never to both.
    c.agents().attach_number(DEFAULT_AGENT, &n.id).unwrap();
    let agent_secret = c
        .agents()
        .webhook(DEFAULT_AGENT)
        .unwrap()
        .set(&SetWebhook::new(format!("{}/agent", agent_receiver.url())))
        .unwrap()
        .secret
        .unwrap();
    sb.deliver_sms(&n.id, "+15550001111", "fourth").unwrap();
    wait_for("the agent's delivery", || {
        agent_receiver.request_count() == 1
    });
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(project.request_count(), 3, "not also the project's");
    let event = verify(&agent_secret, &received(&agent_receiver)[0]);
    assert_eq!(event.agent_id.as_deref(), Some(DEFAULT_AGENT));
}

#[test]
fn failed_deliveries_are_retried_with_backoff_and_logged() {
    let (sb, c) = start();
    // 500, then a dropped connection, then 200.
    let flaky = RawServer::start(|n| match n {
        0 => Action::Respond(500, vec![], "busy".into()),
        1 => Action::Drop,
        _ => Action::Respond(200, vec![], "{}".into()),
    });
    let down = RawServer::start(|_| Action::Respond(503, vec![], String::new()));
    c.webhooks().set(&SetWebhook::new(flaky.url())).unwrap();
    let n = c.numbers().create(&CreateNumber::new()).unwrap();
    sb.deliver_sms(&n.id, "+15550001111", "hello").unwrap();
    wait_for("three attempts", || flaky.request_count() == 3);
    wait_for("the log to say success", || {
        c.webhooks()
            .deliveries(&DeliveryQuery::default())
            .unwrap()
            .items[0]
            .status
            .as_deref()
            == Some("success")
    });
    let page = c.webhooks().deliveries(&DeliveryQuery::default()).unwrap();
    let d = &page.items[0];
    assert_eq!((d.attempt_count, d.http_status), (Some(3), Some(200)));
    assert_eq!(d.event_type.as_deref(), Some("agent.message"));
    let ids: std::collections::HashSet<_> = received(&flaky)
        .iter()
        .map(|r| r.headers["x-webhook-id"].clone())
        .collect();
    assert_eq!(ids.len(), 1, "one event, one id across attempts");

    // Never answered: six attempts, then failed.
    c.webhooks().set(&SetWebhook::new(down.url())).unwrap();
    sb.deliver_sms(&n.id, "+15550001111", "anyone?").unwrap();
    wait_for("six attempts", || down.request_count() == 6);
    wait_for("the log to say failed", || {
        c.webhooks()
            .deliveries(&DeliveryQuery::default())
            .unwrap()
            .items[0]
            .status
            .as_deref()
            == Some("failed")
    });
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(down.request_count(), 6, "no seventh attempt");
    let d = &c
        .webhooks()
        .deliveries(&DeliveryQuery::default())
        .unwrap()
        .items[0];
    assert_eq!((d.attempt_count, d.http_status), (Some(6), Some(503)));
}

#[test]
fn voice_turns_are_answered_by_the_receiver_and_the_end_is_reported() {
    let (sb, c) = start();
    let receiver = RawServer::start(|n| {
        let reply = if n == 0 {
            VoiceReply::say("Hello! How can I help?").ndjson(&["One moment"])
        } else if n == 1 {
            VoiceReply::say("Goodbye.").hangup().to_json()
        } else {
            "{}".to_string()
        };
        Action::Respond(
            200,
            vec![("Content-Type", "application/x-ndjson".into())],
            reply,
        )
    });
    let secret = c
        .webhooks()
        .set(&SetWebhook::new(receiver.url()))
        .unwrap()
        .secret
        .unwrap();
    let n = c
        .numbers()
        .create(&CreateNumber::new().agent_id(DEFAULT_AGENT))
        .unwrap();
    let call = sb
        .inbound_call(
            &n.id,
            "+15550001234",
            &[
                ("user", "Hi there"),
                ("agent", "scripted, skipped"),
                ("user", "Thanks, bye"),
            ],
        )
        .unwrap();
    sb.advance_call(&call.id, None).unwrap(); // answered
    sb.advance_call(&call.id, None).unwrap(); // "Hi there" -> the receiver answers
    wait_for("the agent's first answer", || {
        c.calls()
            .get(&call.id)
            .unwrap()
            .transcripts
            .unwrap()
            .iter()
            .any(|t| t.response.is_some())
    });
    sb.advance_call(&call.id, None).unwrap(); // "Thanks, bye" -> "Goodbye." and hang up
    wait_for("the call to end", || {
        c.calls().get(&call.id).unwrap().is_finished()
    });
    wait_for("the call-ended event", || receiver.request_count() == 3);
    let got = received(&receiver);
    let turn = verify(&secret, &got[0]);
    assert_eq!(turn.channel.as_deref(), Some("voice"));
    assert!(
        matches!(&turn.data, EventData::VoiceTurn(v) if v.transcript.as_deref() == Some("Hi there") && v.call_id.as_deref() == Some(call.id.as_str()))
    );
    let ended = verify(&secret, &got[2]);
    match &ended.data {
        EventData::CallEnded(e) => {
            let roles: Vec<_> = e
                .transcript
                .as_ref()
                .unwrap()
                .iter()
                .map(|t| t["content"].as_str().unwrap().to_string())
                .collect();
            assert_eq!(
                roles,
                [
                    "Hi there",
                    "Hello! How can I help?",
                    "Thanks, bye",
                    "Goodbye."
                ]
            );
            assert_eq!(e.disconnection_reason.as_deref(), Some("agent_hangup"));
        }
        other => panic!("{other:?}"),
    }
    let transcript = c.calls().transcript(&call.id).unwrap();
    assert_eq!(
        transcript["transcript"].as_array().unwrap().len(),
        4,
        "the scripted agent turn was skipped"
    );
}

#[test]
fn the_test_event_is_sent_at_once_and_remote_hosts_are_refused() {
    let (sb, c) = start();
    let receiver = ok_receiver();
    let secret = c
        .webhooks()
        .set(&SetWebhook::new(receiver.url()))
        .unwrap()
        .secret
        .unwrap();
    let report = c
        .webhooks()
        .test(&WebhookTest {
            message: Some("ping".into()),
            ..WebhookTest::default()
        })
        .unwrap();
    assert_eq!(
        (report["success"].clone(), report["httpStatus"].clone()),
        (json!(true), json!(200))
    );
    let event = verify(&secret, &received(&receiver)[0]);
    assert_eq!(event.extra["test"], true);
    assert!(matches!(&event.data, EventData::Message(m) if m.message.as_deref() == Some("ping")));

    // The sandbox never forwards to the network unless told to.
    c.webhooks()
        .set(&SetWebhook::new("http://example.com/hook"))
        .unwrap();
    let report = c.webhooks().test(&WebhookTest::default()).unwrap();
    assert_eq!(report["success"], false);
    assert!(
        report["errorMessage"]
            .as_str()
            .unwrap()
            .contains("only to loopback hosts"),
        "{report}"
    );
    // An agent test needs an agent webhook.
    let agent = c.agents().create(&AgentSettings::new("a")).unwrap();
    let e = c.agents().webhook(&agent.id).unwrap().test().unwrap_err();
    assert_eq!(e.code(), Some("WEBHOOK_NOT_FOUND"));
    drop(sb);
}

/// A receiver that never answers holds up only its own deliveries: another receiver's events
/// arrive meanwhile, and stopping the sandbox does not wait for the stuck one (its webhook
/// timeout is 20 s, the receiver holds the request for 30 s).
#[test]
fn a_stuck_receiver_stalls_neither_other_receivers_nor_the_teardown() {
    let (sb, c) = start();
    let stuck = RawServer::start(|_| Action::Hang(Duration::from_secs(30)));
    let fine = ok_receiver();
    c.webhooks()
        .set(&SetWebhook::new(stuck.url()).timeout(20))
        .unwrap();
    c.agents()
        .webhook(DEFAULT_AGENT)
        .unwrap()
        .set(&SetWebhook::new(fine.url()))
        .unwrap();
    let to_stuck = c.numbers().create(&CreateNumber::new()).unwrap();
    let to_fine = c.numbers().create(&CreateNumber::new()).unwrap();
    c.agents()
        .attach_number(DEFAULT_AGENT, &to_fine.id)
        .unwrap();
    sb.deliver_sms(&to_stuck.id, "+15550001111", "stuck")
        .unwrap();
    wait_for("the stuck receiver to hold a delivery", || {
        stuck.request_count() == 1
    });
    sb.deliver_sms(&to_fine.id, "+15550001111", "one").unwrap();
    sb.deliver_sms(&to_fine.id, "+15550001111", "two").unwrap();
    wait_for("both deliveries to the other receiver", || {
        fine.request_count() == 2
    });
    assert_eq!(
        stuck.request_count(),
        1,
        "one delivery at a time per receiver"
    );
    let stopping = Instant::now();
    drop(sb);
    assert!(
        stopping.elapsed() < Duration::from_secs(10),
        "the teardown waited {:?} for the stuck receiver",
        stopping.elapsed()
    );
}
