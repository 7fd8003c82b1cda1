//! The live transcript stream (`text/event-stream`): written while the call goes on, outside
//! the state's lock.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use crate::answer::envelope;
use crate::calls;
use crate::pipeline;
use crate::state::{lock, Store};
use agentphone_http::{Reply, StreamBody};

/// How often a transcript stream sends a heartbeat comment when nothing happens.
const HEARTBEAT: Duration = Duration::from_secs(15);

/// `GET /v1/calls/{id}/transcript/stream`: `connected`, the turns so far, then each new one as
/// it is played, then `ended`; a heartbeat comment whenever 15 s pass quietly.
pub(crate) fn transcript(store: &Arc<Store>, call_id: String, request_id: String) -> Reply {
    if lock(&store.state)
        .calls
        .list
        .iter()
        .all(|c| c.id != call_id)
    {
        let answer = envelope(
            404,
            "CALL_NOT_FOUND",
            &format!("Call {call_id} not found"),
            Value::Null,
        );
        return pipeline::reply(answer, request_id);
    }
    let store = store.clone();
    let body: StreamBody = Box::new(move |w| {
        let event = |name: &str, data: &Value| format!("event: {name}\ndata: {data}\n\n");
        w.write_all(event("connected", &json!({"callId": call_id})).as_bytes())?;
        w.write_all(b": heartbeat\n\n")?;
        w.flush()?;
        let mut sent = 0;
        loop {
            let mut state = lock(&store.state);
            let (events, ended) = loop {
                let (events, ended) = calls::transcript_since(&state, &call_id, sent);
                if !events.is_empty() || ended {
                    break (events, ended);
                }
                let (next, waited) = store
                    .changed
                    .wait_timeout(state, HEARTBEAT)
                    .unwrap_or_else(|e| e.into_inner());
                state = next;
                if waited.timed_out() {
                    break (Vec::new(), false);
                }
            };
            drop(state);
            if events.is_empty() && !ended {
                w.write_all(b": heartbeat\n\n")?;
            }
            for (name, data) in &events {
                if name == "turn" {
                    sent += 1;
                }
                w.write_all(event(name, data).as_bytes())?;
            }
            w.flush()?;
            if ended {
                return Ok(());
            }
        }
    });
    Reply::Stream(
        "text/event-stream",
        vec![("X-Request-Id", request_id)],
        body,
    )
}
