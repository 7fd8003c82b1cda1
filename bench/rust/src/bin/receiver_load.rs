//! The load of the receiver benchmark: `receiver_load URL SECRET CONNECTIONS REQUESTS` sends
//! REQUESTS distinct signed deliveries (an inbound text each, shaped as the API sends them),
//! spread over CONNECTIONS kept-alive connections with one request in flight on each, and
//! prints `{"requests": N, "seconds": S, "statuses": {"200": N, ...}}` as one JSON line. Every
//! request is built and signed before the clock starts, so the time is the servers'.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, secret, connections, requests] = &args[..] else {
        eprintln!("usage: receiver_load URL SECRET CONNECTIONS REQUESTS");
        std::process::exit(2);
    };
    let rest = url.strip_prefix("http://").expect("an http:// URL");
    let (addr, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let connections: usize = connections.parse().unwrap();
    let requests: usize = requests.parse().unwrap();
    let run = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let timestamp = run.as_secs().to_string();

    // Each connection's requests, distinct across runs too (the receivers dedupe).
    let batches: Vec<Vec<Vec<u8>>> = (0..connections)
        .map(|c| {
            (c..requests)
                .step_by(connections)
                .map(|i| {
                    let body = format!(
                        r#"{{"event":"agent.message","channel":"sms","timestamp":"2025-01-15T10:45:00Z","agentId":"agt_bench","data":{{"conversationId":"conv_bench","messageId":"msg_{}_{i}","from":"+14155550100","to":"+14155550199","message":"Hi, is my order on its way?","direction":"inbound","receivedAt":"2025-01-15T10:45:00Z"}},"recentHistory":[{{"content":"Hi, is my order on its way?","direction":"inbound","channel":"sms","at":"2025-01-15T10:45:00Z"}}]}}"#,
                        run.as_nanos()
                    );
                    let signature = agentphone::webhook::sign(secret, &timestamp, body.as_bytes());
                    format!(
                        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
                         X-Webhook-Signature: {signature}\r\nX-Webhook-Timestamp: {timestamp}\r\n\
                         X-Webhook-ID: wh_{}_{i}\r\nContent-Length: {}\r\n\r\n{body}",
                        run.as_nanos(),
                        body.len()
                    )
                    .into_bytes()
                })
                .collect()
        })
        .collect();

    let started = Instant::now();
    let statuses: Vec<BTreeMap<u16, usize>> = std::thread::scope(|scope| {
        let handles: Vec<_> = batches
            .iter()
            .map(|batch| {
                scope.spawn(move || {
                    let mut stream = TcpStream::connect(addr).expect("connect");
                    stream.set_nodelay(true).unwrap();
                    let mut counts = BTreeMap::new();
                    let mut buf = Vec::with_capacity(4096);
                    for request in batch {
                        stream.write_all(request).expect("send");
                        *counts.entry(read_answer(&mut stream, &mut buf)).or_insert(0) += 1;
                    }
                    counts
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let seconds = started.elapsed().as_secs_f64();
    let mut total: BTreeMap<String, usize> = BTreeMap::new();
    for counts in statuses {
        for (status, n) in counts {
            *total.entry(status.to_string()).or_insert(0) += n;
        }
    }
    println!(
        "{}",
        serde_json::json!({"requests": requests, "seconds": seconds, "statuses": total})
    );
}

/// Reads one answer (its body by `Content-Length`; none for 204) and returns its status.
fn read_answer(stream: &mut TcpStream, buf: &mut Vec<u8>) -> u16 {
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = std::str::from_utf8(&buf[..end]).expect("a text head");
            let status: u16 = head[9..12].parse().expect("a status");
            let length: usize = head
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse().unwrap())
                })
                .unwrap_or(0);
            let whole = end + 4 + length;
            while buf.len() < whole {
                let n = stream.read(&mut chunk).expect("read");
                assert!(n > 0, "closed within an answer");
                buf.extend_from_slice(&chunk[..n]);
            }
            buf.drain(..whole);
            return status;
        }
        let n = stream.read(&mut chunk).expect("read");
        assert!(n > 0, "closed before an answer");
        buf.extend_from_slice(&chunk[..n]);
    }
}
