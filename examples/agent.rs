//! A phone agent that the API calls: the library's webhook receiver answers each inbound text
//! once and holds a voice conversation (an interim line, an answer, a hangup on "bye").
//!
//!     cargo run --example agent                              # offline demo, built-in sandbox
//!     AGENTPHONE_API_KEY=sk_... cargo run --example agent -- --listen 127.0.0.1:8080 \
//!         --public-url https://your.domain/webhook           # the real API, until Ctrl-C
//!
//! It registers its URL as the project's webhook (which rotates the secret: it owns the webhook
//! while it runs) and serves with the secret it gets back. A reply whose outcome is unknown
//! (`may_have_succeeded`) is never sent again blindly; one that certainly did not go out fails
//! the delivery, so the API delivers the text again and the reply is retried.
//!
//! Offline, it starts the sandbox, attaches a number to an agent, has someone text it and call
//! it, prints what happened, and stops.

use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use agentphone::webhook::{Delivery, EventData, Receiver, Reply, StopHandle};
use agentphone::{Client, CreateNumber, SendMessage, SetWebhook};
use agentphone_sandbox::{Sandbox, DEFAULT_AGENT};

/// What the agent does with one delivery.
fn on_event(client: &Client, d: &Delivery, reply: Option<&mut Reply<'_>>) -> Result<(), String> {
    match (&d.event.data, reply) {
        (EventData::VoiceTurn(turn), Some(reply)) => {
            let said = turn.transcript.as_deref().unwrap_or("");
            println!("caller: {said}");
            if said.to_lowercase().contains("bye") {
                reply.say("Thanks for calling. Goodbye!");
                reply.hangup();
            } else {
                reply.interim("One moment...").map_err(|e| e.to_string())?;
                reply.say(format!("You said: {said}"));
            }
            Ok(())
        }
        (EventData::Message(m), None) => {
            let (Some(from), Some(number)) = (m.from.as_deref(), m.number_id.as_deref()) else {
                return Ok(()); // nothing to answer
            };
            println!("text from {from}: {}", m.message.as_deref().unwrap_or(""));
            let mut send = SendMessage::new(
                from,
                "Thanks for your message! We will get back to you soon.",
            )
            .number_id(number);
            if let Some(id) = &m.message_id {
                send = send.reply_to_message_id(id);
            }
            match client.messages().send(&send) {
                Ok(sent) => {
                    println!("replied ({})", sent.id);
                    Ok(())
                }
                // It may have gone out: never send it again blindly (a redelivery would).
                Err(e) if e.may_have_succeeded() => {
                    println!("reply outcome unknown, not sent again: {e}");
                    Ok(())
                }
                Err(e) => Err(format!(
                    "reply failed, the API will deliver the text again: {e}"
                )),
            }
        }
        _ => Ok(()), // a call's end, a reaction, ...
    }
}

/// Registers `url` as the project's webhook and builds a receiver on `listen` with its secret.
fn receiver(client: &Client, listen: &str, url: &str) -> Result<Receiver, agentphone::Error> {
    let secret = client
        .webhooks()
        .set(&SetWebhook::new(url))?
        .secret
        .unwrap_or_default();
    Receiver::builder(secret).listen(listen).build()
}

/// Runs the receiver on its own thread with the agent's callback.
fn serve(client: Client, receiver: Receiver) -> (StopHandle, thread::JoinHandle<()>) {
    let stop = receiver.stop_handle();
    let client = Arc::new(client);
    let run = thread::spawn(move || {
        let result = receiver
            .run(move |d: &Delivery, reply: Option<&mut Reply<'_>>| on_event(&client, d, reply));
        if let Err(e) = result {
            eprintln!("receiver: {e}");
        }
    });
    (stop, run)
}

fn offline() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = Sandbox::start()?;
    let client = sandbox.client()?;
    let number = client
        .numbers()
        .create(&CreateNumber::new().agent_id(DEFAULT_AGENT))?;
    // The secret comes back from registering the URL, so the port is chosen first.
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let listen = format!("127.0.0.1:{port}");
    let r = receiver(&client, &listen, &format!("http://{listen}/webhook"))?;
    println!("receiver listening on {}", r.url());
    let (stop, run) = serve(sandbox.client()?, r);

    sandbox.deliver_sms(&number.id, "+15550001234", "Are you open on Sunday?")?;
    let call = sandbox.inbound_call(
        &number.id,
        "+15550001234",
        &[
            ("user", "What are your hours?"),
            ("agent", "(scripted)"),
            ("user", "Great, bye"),
        ],
    )?;
    for _ in 0..3 {
        sandbox.advance_call(&call.id, None); // answered, then each thing the caller says
        thread::sleep(Duration::from_millis(200));
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while !client.calls().get(&call.id)?.is_finished() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(50));
    }
    for t in client
        .calls()
        .get(&call.id)?
        .transcripts
        .unwrap_or_default()
    {
        println!(
            "turn: {} -> {}",
            t.transcript.as_deref().unwrap_or(""),
            t.response.as_deref().unwrap_or("(no answer)")
        );
    }
    stop.stop();
    let _ = run.join();
    Ok(())
}

/// The stop handle a signal handler stops: set once, before the handlers are installed.
static STOP: AtomicPtr<StopHandle> = AtomicPtr::new(std::ptr::null_mut());

extern "C" fn on_signal(_: libc::c_int) {
    let stop = STOP.load(Ordering::SeqCst);
    // SAFETY: set from a leaked Box before the handler was installed, never freed.
    if let Some(stop) = unsafe { stop.as_ref() } {
        stop.stop(); // one atomic store
    }
}

fn online(listen: &str, public_url: &str) -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::from_env()?;
    let r = receiver(&client, listen, public_url)?;
    println!(
        "listening on {} (registered {public_url}); Ctrl-C stops",
        r.url()
    );
    STOP.store(Box::into_raw(Box::new(r.stop_handle())), Ordering::SeqCst);
    // SAFETY: installs a handler that only does an atomic load and an atomic store.
    unsafe {
        libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
    }
    r.run(move |d: &Delivery, reply: Option<&mut Reply<'_>>| on_event(&client, d, reply))?;
    println!("stopped");
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    if std::env::var_os("AGENTPHONE_API_KEY").is_none() {
        return offline();
    }
    let listen = flag("--listen").unwrap_or_else(|| "127.0.0.1:8080".into());
    let Some(public_url) = flag("--public-url") else {
        return Err("--public-url is required with an API key (the URL the API reaches)".into());
    };
    online(&listen, &public_url)
}
