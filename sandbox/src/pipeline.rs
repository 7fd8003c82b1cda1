//! The request pipeline: every request is recorded, meets the faults in force, has its key
//! checked, and is routed to its resource; a long poll waits here, outside the state's lock.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::json;

use crate::answer::{Answer, Answered};
use crate::faults::{self, Fault, FaultAction};
use crate::state::{lock, Routed, State, Store};
use crate::{
    calls, delivery, stream, webhooks, RecordedRequest, MAX_ACTED_WRITES, MAX_RECORDED_REQUESTS,
};
use agentphone_http::{Reply, Request, Response};

/// What the server threads share.
pub(crate) struct Shared {
    pub api_key: String,
    /// The state, shared with the webhook dispatcher and its deliveries.
    pub store: Arc<Store>,
    pub faults: Mutex<Vec<Fault>>,
    pub schedule: Mutex<Option<faults::Scheduled>>,
    pub log: Mutex<VecDeque<RecordedRequest>>,
    /// The writes the sandbox acted on (see [`crate::Sandbox::acted_writes`]).
    pub acted: Mutex<VecDeque<RecordedRequest>>,
    pub next_request_id: AtomicU64,
    /// Write a line per request to standard error.
    pub log_requests: bool,
}

/// The answer as the server sends it, with its request id.
pub(crate) fn reply(answer: Answer, request_id: String) -> Reply {
    let mut headers = answer.headers;
    headers.push(("X-Request-Id", request_id));
    let (content_type, body) = match answer.raw {
        Some(raw) => raw,
        None => (
            "application/json",
            answer
                .body
                .map(|b| b.to_string().into_bytes())
                .unwrap_or_default(),
        ),
    };
    Reply::Respond(Response {
        status: answer.status,
        headers,
        body,
        content_type,
    })
}

/// Every request: record it, apply a matching fault, check auth, then route; and its line on
/// standard error when the sandbox logs requests.
pub(crate) fn handle(shared: &Arc<Shared>, req: Request) -> Reply {
    if !shared.log_requests {
        return answer_request(shared, req);
    }
    let line = match req.query.as_str() {
        "" => format!("{} {}", req.method, req.path),
        query => format!("{} {}?{query}", req.method, req.path),
    };
    let reply = answer_request(shared, req);
    let outcome = match &reply {
        Reply::Respond(r) => r.status.to_string(),
        Reply::Stream(..) | Reply::Takeover(_) => "200 (streamed)".to_string(),
        Reply::Drop => "dropped (a fault)".to_string(),
        Reply::Raw(_) => "spoiled (a fault)".to_string(),
    };
    eprintln!("{line} {outcome}");
    reply
}

fn answer_request(shared: &Arc<Shared>, req: Request) -> Reply {
    let request_id = format!(
        "req_sbx_{}",
        shared.next_request_id.fetch_add(1, Ordering::Relaxed) + 1
    );
    let recorded = RecordedRequest {
        method: req.method.clone(),
        path: req.path.clone(),
        query: req.query.clone(),
        headers: req.headers.clone(),
        body: String::from_utf8_lossy(&req.body).into_owned(),
    };
    // A write is kept for the account of acted writes too, if its route answers 2xx.
    let write =
        (req.method != "GET" && !req.path.starts_with("/sandbox/")).then(|| recorded.clone());
    {
        let mut log = lock(&shared.log);
        if log.len() >= MAX_RECORDED_REQUESTS {
            log.pop_front();
        }
        log.push_back(recorded);
    }
    // The sandbox's own routes are never faulted, so a test can always clear faults.
    let fault = if req.path.starts_with("/sandbox/") {
        None
    } else {
        let mut faults = lock(&shared.faults);
        let hit = faults.iter_mut().find(|f| f.matches(&req)).map(|f| {
            f.count -= 1;
            f.action.clone()
        });
        faults.retain(|f| f.count > 0);
        drop(faults);
        hit.or_else(|| lock(&shared.schedule).as_mut()?.next(&req))
    };
    let spoil = match fault {
        Some(FaultAction::Drop) => return Reply::Drop,
        Some(FaultAction::Hang(d)) => {
            std::thread::sleep(d);
            None
        }
        Some(FaultAction::Status {
            status,
            retry_after,
            body,
        }) => {
            let mut answer = match body {
                Some(b) => Answer::json(status, b),
                None => faults::envelope(status),
            };
            if let Some(s) = retry_after {
                answer.headers.push(("Retry-After", s.to_string()));
            }
            return reply(answer, request_id);
        }
        Some(FaultAction::AfterActing(spoil)) => Some(spoil),
        None => None,
    };
    let answered = serve(shared, req, request_id.clone());
    if let (Some(write), Reply::Respond(r)) = (write, &answered) {
        if (200..300).contains(&r.status) {
            let mut acted = lock(&shared.acted);
            if acted.len() >= MAX_ACTED_WRITES {
                acted.pop_front();
            }
            acted.push_back(write);
        }
    }
    match spoil {
        Some(spoil) => faults::spoiled(answered, spoil, request_id),
        None => answered,
    }
}

/// Checks the key, then routes: the answer as the API gives it.
fn serve(shared: &Arc<Shared>, req: Request, request_id: String) -> Reply {
    let authorized = req
        .header("authorization")
        .and_then(|h| h.strip_prefix("Bearer "))
        .is_some_and(|k| k == shared.api_key);
    // The recording is served without the key, as the API does: the call id is the token.
    let open_route = req.method == "GET" && calls::is_recording_path(&req.path);
    if !authorized && !open_route {
        let answer = Answer {
            headers: vec![("WWW-Authenticate", "Bearer".to_string())],
            ..Answer::json(401, json!({"detail": "Invalid or missing API key"}))
        };
        return reply(answer, request_id);
    }
    let answer = match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/sandbox/requests") => recorded_requests(shared),
        ("POST", "/sandbox/faults") => faults::add(&shared.faults, &req.body),
        ("DELETE", "/sandbox/faults") => {
            lock(&shared.faults).clear();
            Answer::empty(204)
        }
        _ => {
            if let Some(call_id) = calls::transcript_stream_path(&req.method, &req.path) {
                return stream::transcript(&shared.store, call_id, request_id);
            }
            let segments = Routed::segments_of(&req.path);
            if let Some(agent) = webhooks::test_target(&req.method, &segments) {
                let answered = delivery::test_now(&shared.store, agent.as_deref(), &req.body);
                return reply(answered.unwrap_or_else(|a| a), request_id);
            }
            route(shared, &req)
        }
    };
    reply(answer, request_id)
}

/// `GET /sandbox/requests`: the requests received so far, oldest first, as
/// [`crate::Sandbox::requests`] gives them (the `authorization` header redacted).
fn recorded_requests(shared: &Shared) -> Answer {
    let log = lock(&shared.log);
    let requests: Vec<serde_json::Value> = log
        .iter()
        .map(|r| {
            let mut headers = serde_json::Map::new();
            for (k, v) in &r.headers {
                let shown = if k == "authorization" {
                    "***"
                } else {
                    v.as_str()
                };
                headers.insert(k.clone(), json!(shown));
            }
            json!({"method": r.method, "path": r.path, "query": r.query,
                   "headers": headers, "body": r.body})
        })
        .collect();
    Answer::json(200, json!({ "requests": requests }))
}

/// A resource's routes: `None` when the path is not one of the resource's.
pub(crate) type Routes = fn(&mut State, &Routed<'_>) -> Option<Answered>;

/// The answer of the resource whose route this is, or FastAPI's `404` when none is.
fn dispatch(state: &mut State, routed: &Routed<'_>) -> Answer {
    crate::ROUTES
        .iter()
        .find_map(|route| route(state, routed))
        .unwrap_or_else(|| Err(not_found(routed)))
        .unwrap_or_else(|error| error)
}

/// The sandbox's control routes, as a mistyped one's answer lists them.
const CONTROL_ROUTES: &str = "GET /sandbox/requests, POST /sandbox/faults, DELETE /sandbox/faults, \
     POST /sandbox/agents, POST /sandbox/numbers/{id}/messages, POST /sandbox/messages/{id}/status, \
     POST /sandbox/calls, POST /sandbox/calls/{id}/advance";

/// FastAPI's `404`; under `/sandbox/`, one that names the route asked for and the real ones.
fn not_found(routed: &Routed<'_>) -> Answer {
    if routed.segments.first() == Some(&"sandbox") {
        return Answer::json(
            404,
            json!({"detail": format!(
                "no sandbox route {} /{}; the control routes: {CONTROL_ROUTES}",
                routed.method,
                routed.segments.join("/")
            )}),
        );
    }
    Answer::json(404, json!({"detail": "Not Found"}))
}

/// Runs one route on the state directly (for the Rust control methods).
pub(crate) fn route_to(state: &mut State, method: &str, path: &str, body: &[u8]) -> Answer {
    let decoded = Routed::segments_of(path);
    let routed = Routed::new(method, &decoded, "", body, Instant::now());
    dispatch(state, &routed)
}

/// Routes one authenticated request to its resource. A long poll that cannot answer yet is
/// asked again whenever the state changes, until it answers or its deadline passes; the state
/// is not locked while it waits.
fn route(shared: &Shared, req: &Request) -> Answer {
    let arrived = Instant::now();
    let decoded = Routed::segments_of(&req.path);
    let routed = Routed::new(&req.method, &decoded, &req.query, &req.body, arrived);
    let mut state = lock(&shared.store.state);
    // A create that waits for its call's end: the call, and when the wait ends.
    let mut placed: Option<(String, Instant)> = None;
    loop {
        let answer = match &placed {
            Some((call_id, until)) => state
                .completed_call(call_id, *until)
                .unwrap_or_else(|error| error),
            None => dispatch(&mut state, &routed),
        };
        let Some(deadline) = answer.wait_until else {
            if placed.is_some() {
                return answer;
            }
            if req.method != "GET" {
                shared.store.changed.notify_all();
            }
            placed = calls::completion_wait(&routed, &answer);
            if placed.is_none() {
                return answer;
            }
            continue;
        };
        let left = deadline.saturating_duration_since(Instant::now());
        state = shared
            .store
            .changed
            .wait_timeout(state, left)
            .unwrap_or_else(|e| e.into_inner())
            .0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Sandbox;

    #[test]
    fn the_request_log_is_a_bounded_ring() {
        let sb = Sandbox::start().unwrap();
        for i in 0..MAX_RECORDED_REQUESTS + 5 {
            let req = Request {
                method: "GET".into(),
                path: format!("/v1/numbers/num_{i}"),
                query: String::new(),
                headers: Default::default(),
                body: Vec::new(),
            };
            handle(&sb.shared, req);
        }
        let log = sb.requests();
        assert_eq!(log.len(), MAX_RECORDED_REQUESTS);
        assert_eq!(
            log[0].path, "/v1/numbers/num_5",
            "the oldest are forgotten first"
        );
        assert_eq!(
            log[log.len() - 1].path,
            format!("/v1/numbers/num_{}", MAX_RECORDED_REQUESTS + 4)
        );
    }
}
