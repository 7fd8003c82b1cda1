//! The webhook receiver, past its HTTP reader: whatever the method, path, headers and body,
//! and whether they are signed, it never panics; it answers only with the statuses of its
//! contract; it calls the program exactly for a verified event that is new (200) or whose
//! callback failed (500); and a delivery it handled, sent again as it was, is a duplicate that
//! does not reach the program.
#![no_main]
use agentphone::fuzzing::receiver_answers;
use agentphone::webhook::sign;
use libfuzzer_sys::fuzz_target;

const SECRET: &str = "whsec_fuzz";

fuzz_target!(|input: (u8, Vec<u8>, Option<String>, String)| {
    let (flags, body, webhook_id, other_path) = input;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let timestamp = if flags & 2 == 0 {
        now.to_string()
    } else {
        "17".to_string()
    };
    let signature = if flags & 1 == 0 {
        sign(SECRET, &timestamp, &body)
    } else {
        format!("sha256={}", "0".repeat(64))
    };
    let method = if flags & 4 == 0 { "POST" } else { "PUT" };
    let path = if flags & 8 == 0 {
        "/webhook".to_string()
    } else {
        other_path
    };
    let mut headers = vec![
        ("X-Webhook-Signature".to_string(), signature),
        ("X-Webhook-Timestamp".to_string(), timestamp),
    ];
    if let Some(id) = webhook_id {
        headers.push(("X-Webhook-ID".to_string(), id));
    }
    let request = (method.to_string(), path, headers, body);
    let answers = receiver_answers(SECRET, vec![request.clone(), request]);
    for &(status, called) in &answers {
        assert!(
            matches!(status, 200 | 400 | 401 | 404 | 405 | 500),
            "status {status}: {answers:?}"
        );
        // The program is called only for a verified event: handled (200) or failed (500), and
        // a 500 is only ever its failure.
        assert!(!called || matches!(status, 200 | 500), "{answers:?}");
        assert!(status != 500 || called, "{answers:?}");
    }
    let (first, second) = (answers[0], answers[1]);
    match first {
        // Handled: the same delivery again is a duplicate (200) the program never sees.
        (200, true) => assert_eq!(second, (200, false), "{answers:?}"),
        // Failed: forgotten, so it reaches the program again.
        (500, true) => assert!(second.1, "{answers:?}"),
        // The first time cannot be a duplicate.
        (200, false) => panic!("a first delivery answered as a duplicate: {answers:?}"),
        // Refused: refused again, the program never called.
        (status, false) => assert_eq!(second, (status, false), "{answers:?}"),
        other => panic!("{other:?}"),
    }
});
