//! Messages and conversations end to end against the sandbox: what is sent, what comes back,
//! validation before sending, and the money-safe retry rules for sends.

use std::time::Duration;

use agentphone::{
    Client, CreateNumber, ErrorKind, GetConversation, ListMessages, Paging, React, SendMessage,
    UpdateConversation,
};
use agentphone_sandbox::{Fault, Sandbox, DEFAULT_AGENT};
use serde_json::{json, Value};

fn setup(number_type: &str) -> (Sandbox, Client, agentphone::PhoneNumber) {
    let sb = Sandbox::start().unwrap();
    let c = sb
        .client_builder()
        .retry_backoff(Duration::from_millis(1), Duration::from_millis(5))
        .build()
        .unwrap();
    let n = c
        .numbers()
        .create(
            &CreateNumber::new()
                .agent_id(DEFAULT_AGENT)
                .number_type(number_type),
        )
        .unwrap();
    (sb, c, n)
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
fn a_send_lands_in_its_conversation_and_on_the_number() {
    let (sb, c, n) = setup("sms");
    let sent = c
        .messages()
        .send(&SendMessage::new("+15550001111", "hello there").number_id(&n.id))
        .unwrap();
    // Exactly the API's snake_case keys, and only those given.
    assert_eq!(
        last_body(&sb, "POST", "/v1/messages"),
        json!({"body": "hello there", "to_number": "+15550001111", "number_id": n.id})
    );
    assert_eq!(sent.status.as_deref(), Some("sent"));
    assert_eq!(sent.from_number.as_deref(), Some(n.phone_number.as_str()));
    let conversation_id = sent.conversation_id.clone().unwrap();

    // The reply comes in on the same conversation.
    sb.deliver_sms(&n.id, "+15550001111", "hi back").unwrap();
    // Sending by agent and by phone number picks the same number.
    c.messages()
        .send(&SendMessage::new("+15550001111", "by agent").agent_id(DEFAULT_AGENT))
        .unwrap();
    c.messages()
        .send(&SendMessage::new("+15550001111", "by phone").from_number(&n.phone_number))
        .unwrap();

    let page = c.conversations().list(&Paging::new()).unwrap();
    assert_eq!((page.total, page.data.len()), (Some(1), 1));
    let conv = &page.data[0];
    assert_eq!(conv.id, conversation_id);
    assert_eq!(conv.participant.as_deref(), Some("+15550001111"));
    assert_eq!(conv.message_count, Some(4));
    assert_eq!(conv.agent_id.as_deref(), Some(DEFAULT_AGENT));

    let full = c
        .conversations()
        .get(&conversation_id, &GetConversation::new().message_limit(2))
        .unwrap();
    let bodies: Vec<&str> = full
        .messages
        .as_ref()
        .unwrap()
        .iter()
        .map(|m| m.body.as_str())
        .collect();
    assert_eq!(bodies, ["by phone", "by agent"]);
    assert_eq!(
        sb.requests().last().unwrap().query,
        "message_limit=2",
        "the query the API documents"
    );

    let all: Vec<(String, String)> = c
        .conversations()
        .iter_messages(&conversation_id, ListMessages::new())
        .map(|m| {
            let m = m.unwrap();
            (m.direction.unwrap(), m.body)
        })
        .collect();
    assert_eq!(
        all,
        [
            ("outbound".into(), "by phone".into()),
            ("outbound".into(), "by agent".into()),
            ("inbound".into(), "hi back".into()),
            ("outbound".into(), "hello there".into()),
        ]
    );
    // The number's own list has them too.
    let on_number = c.numbers().messages(&n.id, &ListMessages::new()).unwrap();
    assert_eq!(on_number.data.len(), 4);
    assert_eq!(on_number.data[3].from, n.phone_number);
}

#[test]
fn metadata_groups_typing_reactions_and_delivery_status() {
    let (sb, c, n) = setup("imessage");
    let sent = c
        .messages()
        .send(&SendMessage::to_group(["+15550001111", "+15550002222"], "hi all").number_id(&n.id))
        .unwrap();
    let group = sent.to_number.clone().unwrap();
    assert!(group.starts_with("grp_"), "{group}");
    let conversation_id = sent.conversation_id.clone().unwrap();
    // Follow-ups go to the group id.
    c.messages()
        .send(&SendMessage::new(&group, "again").number_id(&n.id))
        .unwrap();

    let mut meta = serde_json::Map::new();
    meta.insert("stage".into(), json!("greeted"));
    let updated = c
        .conversations()
        .update(
            &conversation_id,
            &UpdateConversation::new().metadata(meta).group_name("Team"),
        )
        .unwrap();
    assert_eq!(
        last_body(
            &sb,
            "PATCH",
            &format!("/v1/conversations/{conversation_id}")
        ),
        json!({"metadata": {"stage": "greeted"}, "group_name": "Team"})
    );
    assert_eq!(updated.metadata, Some(json!({"stage": "greeted"})));
    assert_eq!(updated.group_name.as_deref(), Some("Team"));
    assert_eq!(updated.is_group, Some(true));
    // Metadata is replaced, not merged.
    let mut other = serde_json::Map::new();
    other.insert("x".into(), json!(1));
    let updated = c
        .conversations()
        .update(&conversation_id, &UpdateConversation::new().metadata(other))
        .unwrap();
    assert_eq!(updated.metadata, Some(json!({"x": 1})));

    let t = c.conversations().typing(&conversation_id).unwrap();
    assert_eq!(
        (t.channel.as_deref(), t.status.as_deref()),
        (Some("imessage"), Some("sent"))
    );

    let r = c.messages().react(&sent.id, &React::new("love")).unwrap();
    assert_eq!(
        (r.reaction_type.as_deref(), r.message_id.as_deref()),
        (Some("love"), Some(sent.id.as_str()))
    );
    let e = c
        .messages()
        .react(&sent.id, &React::new("meh"))
        .unwrap_err();
    assert_eq!((e.kind(), e.status()), (ErrorKind::Api, Some(400)));

    sb.set_message_status(&sent.id, "failed", Some("blocked by carrier"))
        .unwrap();
    let m = c
        .conversations()
        .messages(&conversation_id, &ListMessages::new())
        .unwrap();
    let first = m.data.iter().find(|m| m.id == sent.id).unwrap();
    assert_eq!(first.status.as_deref(), Some("failed"));
    assert_eq!(first.failure_reason.as_deref(), Some("blocked by carrier"));
    assert_eq!(first.reactions.as_ref().unwrap().len(), 1);
}

#[test]
fn reactions_need_imessage_and_unknown_ids_are_404() {
    let (_sb, c, n) = setup("sms");
    let sent = c
        .messages()
        .send(&SendMessage::new("+15550001111", "x").number_id(&n.id))
        .unwrap();
    let e = c
        .messages()
        .react(&sent.id, &React::new("like"))
        .unwrap_err();
    assert_eq!(e.code(), Some("UNSUPPORTED_CHANNEL"));
    let e = c
        .messages()
        .react("msg_nope", &React::new("like"))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    let e = c
        .conversations()
        .get("conv_nope", &GetConversation::new())
        .unwrap_err();
    assert_eq!(e.code(), Some("CONVERSATION_NOT_FOUND"));
}

#[test]
fn bad_sends_are_refused_before_anything_is_sent() {
    let (sb, c, n) = setup("sms");
    sb.clear_requests();
    let mut no_body = SendMessage::new("+15550001111", "");
    no_body.body = None;
    let both = SendMessage {
        recipients: Some(vec!["+1".into(), "+2".into()]),
        ..SendMessage::new("+15550001111", "x")
    };
    let mut neither = SendMessage::new("+1", "x");
    neither.to_number = None;
    let cases: Vec<(SendMessage, &str)> = vec![
        (no_body, "body: is required"),
        (both, "to_number: give either"),
        (neither, "to_number: is required"),
        (
            SendMessage::to_group(["+15550001111"], "x"),
            "recipients: must have 2 or more",
        ),
        (
            SendMessage::new("+1555", "x").media_urls((0..21).map(|i| format!("https://x/{i}"))),
            "media_urls: must have at most 20",
        ),
        (
            SendMessage::new("+1555", "x").agent_id(""),
            "agent_id: must not be empty",
        ),
        (
            SendMessage::new("+1555\n", "x"),
            "to_number: must not contain control",
        ),
    ];
    for (message, want) in cases {
        let e = c.messages().send(&message).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert!(e.message().starts_with(want), "{e}");
    }
    let e = c.messages().react("m", &React::default()).unwrap_err();
    assert!(e.message().starts_with("reaction: is required"), "{e}");
    let e = c
        .conversations()
        .get("c", &GetConversation::new().message_limit(0))
        .unwrap_err();
    assert!(
        e.message()
            .starts_with("message_limit: must be between 1 and 200"),
        "{e}"
    );
    let e = c
        .conversations()
        .list(&Paging::new().limit(101))
        .unwrap_err();
    assert!(
        e.message().starts_with("limit: must be between 1 and 100"),
        "{e}"
    );
    assert_eq!(sb.requests().len(), 0, "nothing was sent");
    // The body may be empty (media only).
    c.messages()
        .send(
            &SendMessage::new("+15550001111", "")
                .number_id(&n.id)
                .media_urls(["https://example.com/a.png"]),
        )
        .unwrap();
}

#[test]
fn a_send_is_never_repeated_once_it_may_have_gone_out() {
    let (sb, c, n) = setup("sms");
    let send = SendMessage::new("+15550001111", "once").number_id(&n.id);
    let sends = |sb: &Sandbox| {
        sb.requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path == "/v1/messages")
            .count()
    };
    for fault in [
        Fault::status(500),
        Fault::status(503),
        Fault::drop_connection(),
        Fault::status(409).body(json!({"error": {"message": "sent, but the carrier did not confirm", "code": "DELIVERY_UNCONFIRMED"}})),
    ] {
        sb.clear_requests();
        sb.inject(fault.method("POST").path_prefix("/v1/messages"));
        let e = c.messages().send(&send).unwrap_err();
        assert!(e.may_have_succeeded() && !e.is_retryable(), "{e}");
        assert_eq!(sends(&sb), 1, "{e}");
    }
    // A 429 was refused, not acted on: sent again.
    sb.clear_requests();
    sb.inject(
        Fault::status(429)
            .retry_after(0)
            .method("POST")
            .path_prefix("/v1/messages"),
    );
    c.messages().send(&send).unwrap();
    assert_eq!(sends(&sb), 2);
    // PATCH and GET are retried like reads.
    let conversation_id = c.conversations().list(&Paging::new()).unwrap().data[0]
        .id
        .clone();
    sb.clear_requests();
    sb.inject(Fault::status(503).method("PATCH"));
    c.conversations()
        .update(&conversation_id, &UpdateConversation::new())
        .unwrap();
    assert_eq!(sb.requests().len(), 2);
}

#[test]
fn conversations_iterate_across_pages() {
    let (sb, c, n) = setup("sms");
    for i in 0..25 {
        sb.deliver_sms(&n.id, &format!("+1555000{i:04}"), "hi")
            .unwrap();
    }
    let ids: Vec<String> = c
        .conversations()
        .iter(10)
        .map(|conv| conv.unwrap().participant.unwrap())
        .collect();
    assert_eq!(ids.len(), 25);
    // Newest activity first.
    assert_eq!(ids[0], "+15550000024");
    assert_eq!(ids[24], "+15550000000");
}
