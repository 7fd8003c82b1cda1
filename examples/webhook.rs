//! A small blocking webhook receiver (std `TcpListener`, no framework): it verifies each
//! request's signature, drops duplicate deliveries, prints the events, and answers voice turns.
//!
//!     cargo run --example webhook                                  # offline demo, built-in sandbox
//!     WEBHOOK_SECRET=whsec_... cargo run --example webhook -- --listen 127.0.0.1:8080
//!
//! Offline, it starts the sandbox, points the project's webhook at itself, then an inbound SMS
//! and a scripted call arrive as signed events; the receiver's answers to the caller become the
//! agent's turns of the call.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agentphone::webhook::{
    EventData, Verifier, VoiceReply, ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER,
};
use agentphone::{CreateNumber, SetWebhook};
use agentphone_sandbox::{Sandbox, DEFAULT_AGENT};

/// The largest request body the receiver reads.
const MAX_BODY: usize = 1024 * 1024;

/// A request as received: its headers (lower-case names) and raw body.
struct Request {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> &str {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

fn read_request(stream: &TcpStream) -> std::io::Result<Request> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line)?; // the request line
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let length: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    if length > MAX_BODY {
        return Err(std::io::Error::other("body too large"));
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok(Request { headers, body })
}

fn respond(mut stream: &TcpStream, status: &str, content_type: &str, body: &str) {
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

/// Handles one request: 401 unless it verifies, 200 for a duplicate (already handled), else
/// prints the event and answers (a voice turn with what the caller should hear).
fn handle(stream: TcpStream, verifier: &Verifier, seen: &Mutex<HashSet<String>>) {
    let Ok(req) = read_request(&stream) else {
        return respond(&stream, "400 Bad Request", "text/plain", "bad request");
    };
    let event = match verifier.verify(
        req.header(SIGNATURE_HEADER),
        req.header(TIMESTAMP_HEADER),
        &req.body,
    ) {
        Ok(event) => event,
        Err(e) => {
            println!("  refused: {}", e.message());
            return respond(
                &stream,
                "401 Unauthorized",
                "text/plain",
                "signature invalid",
            );
        }
    };
    let webhook_id = Some(req.header(ID_HEADER)).filter(|id| !id.is_empty());
    if let Some(key) = event.dedupe_key(webhook_id) {
        if !seen.lock().unwrap().insert(key.clone()) {
            println!("  duplicate {key}: already handled");
            return respond(&stream, "200 OK", "application/json", "{}");
        }
    }
    match &event.data {
        EventData::Message(m) => {
            println!(
                "  verified {} on {}: {} says {:?}",
                event.event,
                event.channel.as_deref().unwrap_or("?"),
                m.from.as_deref().unwrap_or("?"),
                m.message.as_deref().unwrap_or("")
            );
            respond(&stream, "200 OK", "application/json", "{}");
        }
        EventData::VoiceTurn(turn) => {
            let said = turn.transcript.as_deref().unwrap_or("");
            println!("  verified voice turn: the caller says {said:?}");
            // What the caller hears: stream a filler first, then the answer.
            let reply = if said.to_ascii_lowercase().contains("bye") {
                VoiceReply::say("Thanks for calling. Goodbye!").hangup()
            } else {
                VoiceReply::say(format!("You said: {said}. How else can I help?"))
            };
            respond(
                &stream,
                "200 OK",
                agentphone::webhook::VOICE_REPLY_NDJSON,
                &reply.ndjson(&["One moment..."]),
            );
        }
        EventData::CallEnded(end) => {
            println!(
                "  verified call ended after {:.1} s, {} turns",
                end.duration_seconds.unwrap_or(0.0),
                end.transcript.as_ref().map_or(0, Vec::len)
            );
            respond(&stream, "200 OK", "application/json", "{}");
        }
        other => {
            println!("  verified {}: {other:?}", event.event);
            respond(&stream, "200 OK", "application/json", "{}");
        }
    }
}

/// Serves requests on `listener` until the process ends.
fn serve(listener: TcpListener, verifier: Verifier) {
    let verifier = Arc::new(verifier);
    let seen = Arc::new(Mutex::new(HashSet::new()));
    for stream in listener.incoming().flatten() {
        let (verifier, seen) = (verifier.clone(), seen.clone());
        std::thread::spawn(move || handle(stream, &verifier, &seen));
    }
}

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Ok(secret) = std::env::var("WEBHOOK_SECRET") {
        let addr = args
            .iter()
            .position(|a| a == "--listen")
            .and_then(|i| args.get(i + 1).cloned())
            .unwrap_or_else(|| "127.0.0.1:8080".into());
        let listener = TcpListener::bind(&addr)?;
        println!("Receiving webhooks on http://{addr}");
        serve(listener, Verifier::new(secret));
        return Ok(());
    }

    let sandbox = Sandbox::start()?;
    println!(
        "Offline demo: the sandbox at {} sends signed webhooks to this program.",
        sandbox.base_url()
    );
    let client = sandbox.client()?;
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}/webhook", listener.local_addr()?);
    let webhook = client
        .webhooks()
        .set(&SetWebhook::new(&url).context_limit(5))?;
    let secret = webhook
        .secret
        .ok_or("the webhook came back without a secret")?;
    println!("1. webhook set to {url} (a new secret each time it is set)");
    std::thread::spawn(move || serve(listener, Verifier::new(secret)));

    let number = client
        .numbers()
        .create(&CreateNumber::new().agent_id(DEFAULT_AGENT))?;
    println!("2. an SMS arrives at {}:", number.phone_number);
    sandbox.deliver_sms(&number.id, "+15550001111", "Hi! Are you open on Sunday?")?;
    std::thread::sleep(Duration::from_millis(300));

    println!(
        "3. a call: each thing the caller says is a webhook; the answers are the agent's turns:"
    );
    let call = sandbox.inbound_call(
        &number.id,
        "+15550002222",
        &[("user", "I'd like to book a table"), ("user", "Great, bye")],
    )?;
    for _ in 0..3 {
        sandbox.advance_call(&call.id, None);
        std::thread::sleep(Duration::from_millis(300));
    }
    let finished = client.calls().wait(&call.id, 10)?;
    println!(
        "4. the call is {}; its transcript:",
        finished.status.as_deref().unwrap_or("?")
    );
    for turn in finished.transcripts.unwrap_or_default() {
        if let Some(t) = turn.transcript {
            println!("     caller: {t}");
        }
        if let Some(r) = turn.response {
            println!("     agent:  {r}");
        }
    }
    std::thread::sleep(Duration::from_millis(300));
    let log = client.webhooks().deliveries(&Default::default())?;
    let delivered = log
        .items
        .iter()
        .filter(|d| d.status.as_deref() == Some("success"))
        .count();
    println!(
        "5. {delivered} of {} deliveries verified and answered",
        log.items.len()
    );
    client.numbers().release(&number.id)?;
    if delivered != log.items.len() || delivered < 4 {
        return Err("some deliveries did not succeed".into());
    }
    Ok(())
}
