//! Answer and error shapes of the messaging, agent and call endpoints as other servers send
//! them (mockito): every documented variant parses, unknown fields and events are kept, and the
//! failure shapes of billed writes say what may have happened.

use std::time::Duration;

use agentphone::{
    AgentSettings, Client, CreateCall, ErrorKind, GetConversation, ListMessages, Paging,
    SendMessage, TranscriptEvent,
};
use mockito::{Matcher, Server, ServerGuard};
use serde_json::json;

fn client(server: &ServerGuard) -> Client {
    Client::builder()
        .api_key("sk_test")
        .base_url(server.url())
        .retry_backoff(Duration::from_millis(1), Duration::from_millis(5))
        .build()
        .unwrap()
}

#[test]
fn voices_wrapped_or_bare() {
    let mut server = Server::new();
    let c = client(&server);
    let voice = json!({"voice_id": "v1", "voice_name": "Ava", "future": true});
    let m = server
        .mock("GET", "/v1/agents/voices")
        .with_body(json!({"data": [voice]}).to_string())
        .create();
    let voices = c.agents().voices().unwrap();
    assert_eq!(voices[0].voice_id.as_deref(), Some("v1"));
    assert_eq!(voices[0].extra["future"], true);
    m.remove();
    server
        .mock("GET", "/v1/agents/voices")
        .with_body(json!([voice]).to_string())
        .create();
    assert_eq!(c.agents().voices().unwrap().len(), 1);
}

#[test]
fn conversations_in_older_and_newer_spellings() {
    let mut server = Server::new();
    server
        .mock("GET", "/v1/conversations/c1")
        .match_query(Matcher::Any)
        .with_body(
            json!({"id": "c1", "phoneNumber": "+15550000001", "contactNumber": "+15550000002",
            "lastMessageAt": "2025-01-15T12:00:00", "capabilities": {"canSendMessages": true},
            "messages": [
                {"id": "m1", "from_": "+15550000002", "to": "+15550000001", "body": null,
                 "receivedAt": "2025-01-15T12:00:00Z", "reactions": [], "deliveredChannel": "sms"}
            ]})
            .to_string(),
        )
        .create();
    let c = client(&server);
    let conv = c
        .conversations()
        .get("c1", &GetConversation::new())
        .unwrap();
    assert_eq!(conv.participant.as_deref(), Some("+15550000002"));
    let m = &conv.messages.unwrap()[0];
    assert_eq!(
        (m.from_number.as_str(), m.body.as_str()),
        ("+15550000002", "")
    );
    assert_eq!(m.extra["deliveredChannel"], "sms");
    assert_eq!(conv.capabilities.unwrap()["canSendMessages"], true);
}

#[test]
fn agents_list_without_has_more_stops_by_total() {
    let mut server = Server::new();
    let agent = |id: &str| json!({"id": id, "name": id, "createdAt": "2025-01-15T12:00:00Z"});
    server
        .mock("GET", "/v1/agents")
        .match_query(Matcher::Exact("limit=2&offset=0".into()))
        .with_body(json!({"data": [agent("a1"), agent("a2")], "total": 3}).to_string())
        .expect(1)
        .create();
    server
        .mock("GET", "/v1/agents")
        .match_query(Matcher::Exact("limit=2&offset=2".into()))
        .with_body(json!({"data": [agent("a3")], "total": 3}).to_string())
        .expect(1)
        .create();
    let c = client(&server);
    let ids: Vec<String> = c.agents().iter(2).map(|a| a.unwrap().id).collect();
    assert_eq!(ids, ["a1", "a2", "a3"]);
}

#[test]
fn billed_writes_report_an_unknown_outcome() {
    let mut server = Server::new();
    let c = client(&server);
    for (path, status, body) in [
        (
            "/v1/messages",
            409,
            json!({"error": {"message": "sent, unconfirmed", "code": "DELIVERY_UNCONFIRMED"}}),
        ),
        ("/v1/messages", 502, json!({"detail": "bad gateway"})),
        ("/v1/calls", 500, json!({"message": "upstream failed"})),
        ("/v1/agents", 503, json!({})),
    ] {
        let m = server
            .mock("POST", path)
            .with_status(status)
            .with_body(body.to_string())
            .expect(1)
            .create();
        let e = match path {
            "/v1/messages" => c
                .messages()
                .send(&SendMessage::new("+15550000002", "hi"))
                .unwrap_err(),
            "/v1/calls" => c
                .calls()
                .create(&CreateCall::new("agt_1", "+15550000002"))
                .unwrap_err(),
            _ => c.agents().create(&AgentSettings::new("a")).unwrap_err(),
        };
        assert!(
            e.may_have_succeeded() && !e.is_retryable(),
            "{path} {status}: {e}"
        );
        m.assert();
        m.remove();
    }
    // A 422 on a read is the caller's: neither retryable nor maybe-succeeded.
    server
        .mock("GET", "/v1/conversations/c1/messages")
        .match_query(Matcher::Any)
        .with_status(422)
        .with_body(json!({"detail": [{"loc": ["query", "before"], "msg": "Input should be a valid datetime", "type": "datetime_parsing"}]}).to_string())
        .create();
    let e = c
        .conversations()
        .messages("c1", &ListMessages::new())
        .unwrap_err();
    assert_eq!(
        e.message(),
        "query.before: Input should be a valid datetime"
    );
    assert!(!e.is_retryable() && !e.may_have_succeeded());
}

#[test]
fn a_transcript_stream_keeps_unknown_events_and_reports_bad_turns() {
    let mut server = Server::new();
    server
        .mock("GET", "/v1/calls/call_1/transcript/stream")
        .match_header("accept", "text/event-stream")
        .with_header("content-type", "text/event-stream")
        .with_body(
            ": hi\r\n\r\nevent: connected\r\ndata: {\"callId\":\"call_1\"}\r\n\r\n\
             event: sentiment\ndata: positive\n\n\
             event: turn\ndata: {\"role\":\"agent\",\"content\":\"Hello\",\"confidence\":0.9}\n\n\
             event: turn\ndata: {\"role\":\"agent\"}\n\n\
             event: ended\ndata: {\"durationSeconds\":12}\n\n\
             event: turn\ndata: {\"role\":\"user\",\"content\":\"never read\"}\n\n",
        )
        .create();
    let c = client(&server);
    let events: Vec<_> = c.calls().stream_transcript("call_1").unwrap().collect();
    assert_eq!(events.len(), 5, "{events:?}");
    assert!(
        matches!(&events[1], Ok(TranscriptEvent::Other { event, data }) if event == "sentiment" && data == "positive")
    );
    match &events[2] {
        Ok(TranscriptEvent::Turn(t)) => {
            assert_eq!((t.role.as_str(), t.content.as_str()), ("agent", "Hello"));
            assert_eq!(t.extra["confidence"], 0.9);
        }
        other => panic!("{other:?}"),
    }
    let e = events[3].as_ref().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(matches!(&events[4], Ok(TranscriptEvent::Ended(v)) if v["durationSeconds"] == 12));
}

#[test]
fn paged_lists_of_an_agent_and_a_number_iterate() {
    let mut server = Server::new();
    let call = |id: &str| json!({"id": id, "status": "completed"});
    server
        .mock("GET", "/v1/agents/agt_1/calls")
        .match_query(Matcher::Exact("limit=1&offset=0".into()))
        .with_body(json!({"data": [call("c2")], "hasMore": true, "total": 2}).to_string())
        .create();
    server
        .mock("GET", "/v1/agents/agt_1/calls")
        .match_query(Matcher::Exact("limit=1&offset=1".into()))
        .with_body(json!({"data": [call("c1")], "hasMore": false, "total": 2}).to_string())
        .create();
    server
        .mock("GET", "/v1/numbers/num_1/calls")
        .match_query(Matcher::Exact("limit=5&offset=0".into()))
        .with_body(json!({"data": [call("c1")], "hasMore": false, "total": 1}).to_string())
        .create();
    server
        .mock("GET", "/v1/agents/agt_1/conversations")
        .match_query(Matcher::Exact("limit=5&offset=0".into()))
        .with_body(json!({"data": [{"id": "conv_1"}], "hasMore": false, "total": 1}).to_string())
        .create();
    let c = client(&server);
    let ids: Vec<String> = c
        .agents()
        .iter_calls("agt_1", 1)
        .map(|x| x.unwrap().id)
        .collect();
    assert_eq!(ids, ["c2", "c1"]);
    assert_eq!(c.numbers().iter_calls("num_1", 5).count(), 1);
    assert_eq!(c.agents().iter_conversations("agt_1", 5).count(), 1);
    assert_eq!(
        c.agents()
            .calls("agt_1", &Paging::new().limit(1).offset(0))
            .unwrap()
            .total,
        Some(2)
    );
}
