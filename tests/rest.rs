//! The rest of the API against the sandbox: the raw request (the same safe path, and a path
//! that can never leave the base URL), contacts, usage reports and the number extras.

use std::time::Duration;

use agentphone::{
    AvailableQuery, ByAgentQuery, Client, ContactCard, ContactDetails, CreateNumber, DailyQuery,
    ErrorKind, ListContacts, MonthlyQuery, SendMessage, UpdateNumber,
};
use agentphone_sandbox::{Fault, Sandbox, DEFAULT_AGENT};
use serde_json::{json, Value};

fn start() -> (Sandbox, Client) {
    let sb = Sandbox::start().unwrap();
    let c = sb
        .client_builder()
        .retry_backoff(Duration::from_millis(1), Duration::from_millis(5))
        .build()
        .unwrap();
    (sb, c)
}

#[test]
fn a_raw_request_travels_the_same_safe_path() {
    let (sb, c) = start();
    let usage: Value = c.request("GET", "/v1/usage/daily?days=7").send().unwrap();
    assert_eq!(usage["days"], 7);
    let r = sb.requests().pop().unwrap();
    assert_eq!(
        (r.path.as_str(), r.query.as_str()),
        ("/v1/usage/daily", "days=7")
    );
    assert!(r.headers["authorization"].starts_with("Bearer "));

    // Query values added by the builder are encoded; a + is %2B, never a space.
    let caps: Value = c
        .request("GET", "/v1/contacts/capabilities")
        .query("phone_number", "+15551234562")
        .send()
        .unwrap();
    assert_eq!(caps["phoneNumber"], "+15551234562");
    assert_eq!(
        sb.requests().pop().unwrap().query,
        "phone_number=%2B15551234562"
    );

    // A body, an empty answer as null, a POST never repeated once it may have acted.
    let contact: Value = c
        .request("POST", "/v1/contacts")
        .json(&json!({"phoneNumber": "+15550001111", "name": "Ada"}))
        .send()
        .unwrap();
    let id = contact["id"].as_str().unwrap();
    let gone: Value = c
        .request("DELETE", &format!("/v1/contacts/{id}"))
        .send()
        .unwrap();
    assert_eq!(gone, Value::Null);
    sb.clear_requests();
    sb.inject(
        Fault::status(500)
            .method("POST")
            .path_prefix("/v1/contacts"),
    );
    let e = c
        .request("POST", "/v1/contacts")
        .json(&json!({"phoneNumber": "+15550002222", "name": "Bo"}))
        .send::<Value>()
        .unwrap_err();
    assert!(e.may_have_succeeded() && !e.is_retryable(), "{e}");
    assert_eq!(sb.requests().len(), 1);
    sb.inject(Fault::status(503).method("PATCH"));
    let _: Value = c
        .request("PATCH", "/v1/conversations/conv_x")
        .json(&json!({}))
        .send()
        .unwrap_or(Value::Null);
    assert_eq!(sb.requests().len(), 3, "PATCH retried like a read");

    // A 2xx answer that is not JSON names its content type; real routes the sandbox leaves
    // out answer 501 naming the route.
    let n = c
        .numbers()
        .create(&CreateNumber::new().agent_id(DEFAULT_AGENT))
        .unwrap();
    let call = sb.inbound_call(&n.id, "+15550003333", &[]).unwrap();
    c.calls().end(&call.id).unwrap();
    let e = c
        .request("GET", &format!("/v1/calls/{}/recording", call.id))
        .send::<Value>()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(e.message().contains("Content-Type audio/wav"), "{e}");
    // JSON of another shape than the one asked for is a decode error that says so.
    let e = c
        .request("GET", "/v1/usage")
        .send::<Vec<u32>>()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(
        e.message()
            .starts_with("response is not the requested type"),
        "{e}"
    );
    assert!(!e.may_have_succeeded(), "a read acted on nothing");
    // A POST whose answer is JSON of another type than asked acted all the same.
    let e = c
        .request("POST", "/v1/numbers")
        .json(&json!({}))
        .send::<Vec<u32>>()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(e.may_have_succeeded(), "{e}");
    assert_eq!(e.status(), Some(201));
    let e = c
        .request("GET", "/v1/sub-accounts")
        .send::<Value>()
        .unwrap_err();
    assert_eq!((e.status(), e.code()), (Some(501), Some("NOT_SIMULATED")));
    assert!(e.message().contains("GET /v1/sub-accounts"), "{e}");

    // Escaping paths are refused with nothing sent.
    sb.clear_requests();
    for path in [
        "//host",
        "/../x",
        "/v1/%2e%2e/x",
        "http://x/",
        "\\\\x",
        "/v1 x",
        "/v1#f",
    ] {
        let e = c.request("GET", path).send::<Value>().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{path}");
    }
    let e = c
        .request("GET", "/v1/usage")
        .json(&json!({}))
        .send::<Value>()
        .unwrap_err();
    assert!(
        e.message().starts_with("body: a GET request takes no body"),
        "{e}"
    );
    assert_eq!(sb.requests().len(), 0);
}

#[test]
fn contacts() {
    let (sb, c) = start();
    let ada = c
        .contacts()
        .create(&ContactDetails::new("(555) 000-1111", "Ada").email("ada@example.com"))
        .unwrap();
    assert_eq!(
        ada.phone_number.as_deref(),
        Some("+15550001111"),
        "normalized to E.164"
    );
    // The same number again: a 409, sent once.
    sb.clear_requests();
    let e = c
        .contacts()
        .create(&ContactDetails::new("+15550001111", "Ada again"))
        .unwrap_err();
    assert_eq!((e.status(), e.code()), (Some(409), Some("CONTACT_EXISTS")));
    assert!(!e.is_retryable() && !e.may_have_succeeded());
    assert_eq!(sb.requests().len(), 1);
    c.contacts()
        .create(&ContactDetails::new("+15550002222", "Bob"))
        .unwrap();
    let page = c
        .contacts()
        .list(&ListContacts {
            search: Some("ad".into()),
            ..ListContacts::default()
        })
        .unwrap();
    assert_eq!(
        (page.total, page.data[0].id.as_str()),
        (Some(1), ada.id.as_str())
    );
    assert_eq!(c.contacts().iter(1, None).count(), 2);
    let updated = c
        .contacts()
        .update(
            &ada.id,
            &ContactDetails {
                notes: Some("VIP".into()),
                ..ContactDetails::default()
            },
        )
        .unwrap();
    assert_eq!(
        (updated.notes.as_deref(), updated.name.as_deref()),
        (Some("VIP"), Some("Ada"))
    );
    c.contacts().delete(&ada.id).unwrap();
    assert_eq!(
        c.contacts().get(&ada.id).unwrap_err().kind(),
        ErrorKind::NotFound
    );
    let caps = c.contacts().capabilities("+15551234562").unwrap();
    assert_eq!(caps.capabilities.unwrap()["imessage"], true);
    assert_eq!(
        sb.requests().pop().unwrap().query,
        "phone_number=%2B15551234562"
    );
    for (details, want) in [
        (ContactDetails::default(), "phoneNumber: is required"),
        (
            ContactDetails {
                phone_number: Some("+1".into()),
                ..Default::default()
            },
            "name: is required",
        ),
    ] {
        let e = c.contacts().create(&details).unwrap_err();
        assert!(e.message().starts_with(want), "{e}");
    }
    let e = c.contacts().capabilities("5551234").unwrap_err();
    assert!(
        e.message().starts_with("phone_number: must be an E.164"),
        "{e}"
    );
}

#[test]
fn usage_is_computed_from_the_sandboxes_state() {
    let (sb, c) = start();
    let n = c
        .numbers()
        .create(&CreateNumber::new().agent_id(DEFAULT_AGENT))
        .unwrap();
    sb.deliver_sms(&n.id, "+15550001111", "hi").unwrap();
    c.messages()
        .send(&SendMessage::new("+15550001111", "hello").number_id(&n.id))
        .unwrap();
    sb.inbound_call(&n.id, "+15550001111", &[]).unwrap();
    let usage = c.usage().get().unwrap();
    assert_eq!(usage.stats.as_ref().unwrap()["totalMessages"], 2);
    assert_eq!(usage.stats.as_ref().unwrap()["totalCalls"], 1);
    assert_eq!(usage.numbers.as_ref().unwrap()["used"], 1);
    let daily = c.usage().daily(&DailyQuery { days: Some(3) }).unwrap();
    assert_eq!(daily.data.len(), 3);
    assert_eq!(daily.data[2]["messages"], 2, "today");
    let monthly = c
        .usage()
        .monthly(&MonthlyQuery { months: Some(2) })
        .unwrap();
    assert_eq!(monthly.data[1]["calls"], 1);
    let by_number = c.usage().by_number().unwrap();
    assert_eq!(by_number.data[0]["messages"], 2);
    let by_agent = c
        .usage()
        .by_agent(&ByAgentQuery {
            period: Some("week".into()),
            tz: Some("Europe/Paris".into()),
        })
        .unwrap();
    let row = by_agent
        .data
        .iter()
        .find(|r| r["agentId"] == DEFAULT_AGENT)
        .unwrap();
    assert_eq!(
        (row["messages"].clone(), row["calls"].clone()),
        (json!(2), json!(1))
    );
    assert_eq!(
        sb.requests().pop().unwrap().query,
        "period=week&tz=Europe%2FParis"
    );
    let e = c.usage().daily(&DailyQuery { days: Some(0) }).unwrap_err();
    assert!(
        e.message().starts_with("days: must be between 1 and 365"),
        "{e}"
    );
}

#[test]
fn number_extras() {
    let (sb, c) = start();
    let available = c
        .numbers()
        .available(&AvailableQuery {
            area_code: Some("415".into()),
            limit: Some(3),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(available.data.len(), 3);
    assert!(available.data.iter().all(|d| d["areaCode"] == "415"));
    let lookup = c
        .numbers()
        .lookup(&["+15551234567", "+442071234560"])
        .unwrap();
    assert_eq!(lookup.data[1]["lineType"], "landline");
    assert_eq!(
        sb.requests().pop().unwrap().query,
        "phoneNumbers=%2B15551234567%2C%2B442071234560"
    );
    let e = c.numbers().lookup(&[]).unwrap_err();
    assert!(
        e.message().starts_with("phoneNumbers: must hold 1 to 25"),
        "{e}"
    );

    let n = c.numbers().create(&CreateNumber::new()).unwrap();
    let when = agentphone::chrono::Utc::now() + agentphone::chrono::Duration::days(30);
    let updated = c
        .numbers()
        .update(
            &n.id,
            &UpdateNumber {
                external_id: Some("order-7".into()),
                expires_at: Some(when),
            },
        )
        .unwrap();
    assert_eq!(updated.external_id.as_deref(), Some("order-7"));
    assert!(updated.expires_at.is_some());

    let e = c.numbers().contact_card(&n.id).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    let card = ContactCard {
        first_name: Some("Ada".into()),
        last_name: Some("Lovelace".into()),
        ..Default::default()
    };
    let set = c.numbers().set_contact_card(&n.id, &card).unwrap();
    assert_eq!(set["displayName"], "Ada Lovelace");
    assert_eq!(sb.requests().pop().unwrap().method, "PUT");
    assert_eq!(c.numbers().contact_card(&n.id).unwrap()["firstName"], "Ada");
    c.numbers().delete_contact_card(&n.id).unwrap();
    let e = c
        .numbers()
        .set_contact_card(&n.id, &ContactCard::default())
        .unwrap_err();
    assert!(e.message().starts_with("firstName: is required"), "{e}");
}
