//! Sending webhook events: one signed POST per attempt, the worker that sends whatever is
//! due, and `POST /v1/webhooks/test`'s delivery made at once, all outside the state's lock (a
//! receiver may call the sandbox back while it answers).

use std::io::Read;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use agentphone::webhook::{sign, ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use serde_json::json;

use crate::answer::{ok, Answered};
use crate::state::{lock, Store};
use crate::webhooks::Job;

/// The most of a receiver's answer that is read (a voice reply is short).
const MAX_ANSWER_BYTES: u64 = 1024 * 1024;

/// `localhost`, or an IP address (v4 or v6, brackets allowed) that is loopback.
fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// One attempt: the receiver's status and body, or why there was none.
pub(super) fn post(job: &Job, allow_remote: bool) -> Result<(u16, Vec<u8>), String> {
    let uri: ureq::http::Uri = job.url.parse().map_err(|e| format!("bad URL: {e}"))?;
    let host = uri.host().unwrap_or_default();
    if !allow_remote && !is_loopback_host(host) {
        return Err(format!(
            "not delivered to {host}: the sandbox delivers only to loopback hosts unless started \
             with allow_remote_webhooks (--allow-remote-webhooks)"
        ));
    }
    let timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
        .to_string();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .proxy(None)
        .timeout_global(Some(job.timeout))
        .user_agent("agentphone-sandbox")
        .build()
        .into();
    let response = agent
        .post(&job.url)
        .header("Content-Type", "application/json")
        .header(SIGNATURE_HEADER, sign(&job.secret, &timestamp, &job.body))
        .header(TIMESTAMP_HEADER, &timestamp)
        .header(ID_HEADER, &job.delivery_id)
        .send(&job.body[..])
        .map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let mut body = Vec::new();
    response
        .into_body()
        .into_reader()
        .take(MAX_ANSWER_BYTES)
        .read_to_end(&mut body)
        .map_err(|e| e.to_string())?;
    Ok((status, body))
}

/// Starts the dispatcher: it hands each due event to a thread of its own, one delivery at a
/// time per receiver, so that a receiver that is slow or never answers holds up only its own
/// events; it sleeps until the next is due or the state changes, and ends when the store is
/// stopping. It never waits on a receiver, so joining it never does either: a delivery under
/// way when the sandbox stops ends by itself, within its webhook's timeout.
pub(super) fn spawn_worker(store: Arc<Store>) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("agentphone-sandbox-webhooks".into())
        .spawn(move || loop {
            let (job, allow_remote) = {
                let mut state = lock(&store.state);
                loop {
                    if store.stopping.load(Ordering::SeqCst) {
                        return;
                    }
                    match state.next_job() {
                        Ok(job) => break (job, state.webhooks.settings.allow_remote),
                        Err(next) => {
                            let wait = next.unwrap_or(Duration::from_secs(1));
                            state = store
                                .changed
                                .wait_timeout(state, wait.min(Duration::from_secs(1)))
                                .unwrap_or_else(|e| e.into_inner())
                                .0;
                        }
                    }
                }
            };
            let url = job.url.clone();
            let sender = store.clone();
            let job = Arc::new(std::sync::Mutex::new(Some(job)));
            let handed = job.clone();
            let spawned = std::thread::Builder::new()
                .name("agentphone-sandbox-delivery".into())
                .spawn(move || {
                    if let Some(job) = lock(&handed).take() {
                        deliver(&sender, job, allow_remote);
                    }
                });
            if let Err(e) = spawned {
                if let Some(job) = lock(&job).take() {
                    let mut state = lock(&store.state);
                    state.record_attempt(job, Err(format!("no thread to deliver it: {e}")));
                    state.delivery_done(&url);
                }
            }
        })
}

/// Sends one attempt and records its outcome.
fn deliver(store: &Store, job: Job, allow_remote: bool) {
    let url = job.url.clone();
    let outcome = post(&job, allow_remote);
    let mut state = lock(&store.state);
    state.record_attempt(job, outcome);
    state.delivery_done(&url);
    drop(state);
    store.changed.notify_all();
}

/// `POST /v1/webhooks/test` (or an agent's): one delivery, sent now, outside the state's lock;
/// answers what the receiver did.
pub(crate) fn test_now(store: &Store, agent: Option<&str>, body: &[u8]) -> Answered {
    let (job, allow_remote) = {
        let mut state = lock(&store.state);
        let job = state.test_job(agent, body)?;
        (job, state.webhooks.settings.allow_remote)
    };
    let started = Instant::now();
    let outcome = post(&job, allow_remote);
    let took = started.elapsed().as_millis() as u64;
    let (success, status, error) = match &outcome {
        Ok((s, _)) if (200..300).contains(s) => (true, Some(*s), None),
        Ok((s, _)) => (false, Some(*s), Some(format!("the receiver answered {s}"))),
        Err(why) => (false, None, Some(why.clone())),
    };
    lock(&store.state).record_attempt(job, outcome);
    store.changed.notify_all();
    ok(
        200,
        json!({"success": success, "httpStatus": status, "statusCode": status,
               "errorMessage": error, "responseMs": took}),
    )
}

#[cfg(test)]
mod tests {
    use super::is_loopback_host;

    #[test]
    fn only_loopback_hosts_are_loopback() {
        for host in [
            "localhost",
            "LOCALHOST",
            "127.0.0.1",
            "127.8.9.10",
            "[::1]",
            "::1",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "example.com",
            "10.0.0.1",
            "[::2]",
            "localhost.example",
            "0.0.0.0",
            "",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }
}
