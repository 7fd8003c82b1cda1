//! A minimal SMS auto-responder: poll a number's conversations and reply to each new inbound
//! message exactly once, even across restarts and failed sends.
//!
//!     cargo run --example poll_agent                             # offline demo, built-in sandbox
//!     AGENTPHONE_API_KEY=sk_... cargo run --example poll_agent -- --number num_... [--state FILE] [--once]
//!
//! How it never answers twice: a ledger file records `pending <id>` before a reply is sent and
//! `answered <id>` after. A reply carries `reply_to_message_id`, so after a crash or a send whose
//! outcome is unknown (`may_have_succeeded`), the responder looks for its own reply in the
//! conversation before it sends again. A send that certainly did not go out is simply retried.
//!
//! Offline, it starts the sandbox, lets two people text the number, and then shows each hazard:
//! a send that fails with a 500 (nothing went out: sent once more), a send that times out after
//! the server acted (found in the conversation: not sent again), and a restart.

use std::collections::HashMap;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use agentphone::{Client, ConversationMessage, CreateNumber, ListMessages, SendMessage};
use agentphone_sandbox::{Fault, Sandbox};

/// What the ledger knows of an inbound message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reply {
    /// A reply may be on its way: check the conversation before sending again.
    Pending,
    /// Answered: never again.
    Answered,
}

/// The ledger: one line per change, appended and flushed to disk before acting on it.
struct Ledger {
    path: PathBuf,
    entries: HashMap<String, Reply>,
}

impl Ledger {
    fn open(path: &Path) -> std::io::Result<Ledger> {
        let mut entries = HashMap::new();
        if let Ok(text) = std::fs::read_to_string(path) {
            for line in text.lines() {
                match line.split_once(' ') {
                    Some(("pending", id)) => entries.insert(id.to_string(), Reply::Pending),
                    Some(("answered", id)) => entries.insert(id.to_string(), Reply::Answered),
                    Some(("failed", id)) => entries.remove(id),
                    _ => None,
                };
            }
        }
        Ok(Ledger {
            path: path.to_path_buf(),
            entries,
        })
    }

    fn get(&self, id: &str) -> Option<Reply> {
        self.entries.get(id).copied()
    }

    /// Records a change durably before the caller acts on it.
    fn record(&mut self, what: &str, id: &str) -> std::io::Result<()> {
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        writeln!(file, "{what} {id}")?;
        file.sync_all()?;
        match what {
            "pending" => self.entries.insert(id.to_string(), Reply::Pending),
            "answered" => self.entries.insert(id.to_string(), Reply::Answered),
            _ => self.entries.remove(id),
        };
        Ok(())
    }
}

/// The text of the reply to a message.
fn reply_text(inbound: &ConversationMessage) -> String {
    format!(
        "Thanks for your message (\"{}\"). A person will get back to you soon.",
        inbound.body.chars().take(40).collect::<String>()
    )
}

/// One pass over the number's conversations: every inbound message gets exactly one reply.
fn respond_once(
    client: &Client,
    number_id: &str,
    ledger: &mut Ledger,
) -> Result<usize, Box<dyn std::error::Error>> {
    let mut sent = 0;
    for conversation in client.conversations().iter(50) {
        let conversation = conversation?;
        if conversation.phone_number_id.as_deref() != Some(number_id) {
            continue;
        }
        // Newest first: the last 200 messages are plenty for a responder that runs often.
        let messages = client
            .conversations()
            .messages(&conversation.id, &ListMessages::new().limit(200))?
            .data;
        let replied_to = |id: &str| {
            messages.iter().any(|m| {
                m.direction.as_deref() == Some("outbound")
                    && m.reply_to
                        .as_ref()
                        .and_then(|r| r.get("messageId"))
                        .and_then(|v| v.as_str())
                        == Some(id)
            })
        };
        for inbound in messages
            .iter()
            .rev()
            .filter(|m| m.direction.as_deref() == Some("inbound"))
        {
            match ledger.get(&inbound.id) {
                Some(Reply::Answered) => continue,
                Some(Reply::Pending) if replied_to(&inbound.id) => {
                    println!(
                        "  {}: the earlier reply did go out; not sending again",
                        inbound.id
                    );
                    ledger.record("answered", &inbound.id)?;
                    continue;
                }
                Some(Reply::Pending) => {
                    println!(
                        "  {}: the earlier reply is not in the conversation; sending it",
                        inbound.id
                    );
                }
                None if replied_to(&inbound.id) => {
                    // Answered by an earlier run whose ledger was lost.
                    ledger.record("answered", &inbound.id)?;
                    continue;
                }
                None => {}
            }
            ledger.record("pending", &inbound.id)?;
            let reply = SendMessage::new(&inbound.from_number, reply_text(inbound))
                .number_id(number_id)
                .reply_to_message_id(&inbound.id);
            match client.messages().send(&reply) {
                Ok(message) => {
                    ledger.record("answered", &inbound.id)?;
                    println!(
                        "  {}: replied to {} ({})",
                        inbound.id, inbound.from_number, message.id
                    );
                    sent += 1;
                }
                Err(e) if e.may_have_succeeded() => {
                    // Pending stays: the next pass looks for the reply before sending again.
                    println!(
                        "  {}: outcome unknown ({e}); will check before resending",
                        inbound.id
                    );
                }
                Err(e) => {
                    ledger.record("failed", &inbound.id)?;
                    println!("  {}: not sent ({e}); will try again", inbound.id);
                }
            }
        }
    }
    Ok(sent)
}

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    if std::env::var_os(agentphone::ENV_API_KEY).is_some() {
        let number = arg("--number").ok_or("give the number to answer for: --number num_...")?;
        let state = PathBuf::from(arg("--state").unwrap_or_else(|| "agent-state.txt".into()));
        let client = Client::from_env()?;
        let mut ledger = Ledger::open(&state)?;
        println!(
            "Answering messages to {number} at {} (ledger {state:?})",
            client.base_url()
        );
        loop {
            let sent = respond_once(&client, &number, &mut ledger)?;
            if sent > 0 {
                println!("{sent} replies sent");
            }
            if args.iter().any(|a| a == "--once") {
                return Ok(());
            }
            std::thread::sleep(Duration::from_secs(5));
        }
    }
    demo()
}

/// Offline: every hazard a responder meets, against the sandbox.
fn demo() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = Sandbox::start()?;
    println!(
        "No {} set: offline demo against the sandbox at {}",
        agentphone::ENV_API_KEY,
        sandbox.base_url()
    );
    let client = sandbox
        .client_builder()
        .timeout(Duration::from_millis(500))
        .build()?;
    let number = client.numbers().create(&CreateNumber::new())?;
    let dir = std::env::temp_dir().join(format!("agentphone-agent-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let state = dir.join("ledger.txt");
    let mut ledger = Ledger::open(&state)?;

    println!("1. Two people text {}:", number.phone_number);
    sandbox.deliver_sms(&number.id, "+15550001111", "Hi, are you open today?")?;
    sandbox.deliver_sms(&number.id, "+15550002222", "I'd like to book a table")?;
    respond_once(&client, &number.id, &mut ledger)?;

    println!(
        "2. A reply fails with a 500: it may have gone out, so it is checked, then sent once:"
    );
    sandbox.deliver_sms(&number.id, "+15550001111", "Also, do you have parking?")?;
    sandbox.inject(
        Fault::status(500)
            .method("POST")
            .path_prefix("/v1/messages"),
    );
    respond_once(&client, &number.id, &mut ledger)?;
    respond_once(&client, &number.id, &mut ledger)?;

    println!(
        "3. A reply times out after the server sent it: found in the conversation, not resent:"
    );
    sandbox.deliver_sms(&number.id, "+15550002222", "For four people, at eight")?;
    sandbox.inject(
        Fault::hang(Duration::from_millis(800))
            .method("POST")
            .path_prefix("/v1/messages"),
    );
    respond_once(&client, &number.id, &mut ledger)?;
    std::thread::sleep(Duration::from_millis(1000)); // the server acts when the hang ends
    respond_once(&client, &number.id, &mut ledger)?;

    println!("4. The responder restarts with its ledger: nothing is answered twice:");
    let mut restarted = Ledger::open(&state)?;
    let sent = respond_once(&client, &number.id, &mut restarted)?;
    println!("  {sent} replies sent after the restart");

    // Every inbound message has exactly one reply.
    let mut replies: HashMap<String, usize> = HashMap::new();
    let mut inbound = 0;
    for conversation in client.conversations().iter(50) {
        for m in client
            .conversations()
            .iter_messages(&conversation?.id, ListMessages::new())
        {
            let m = m?;
            if m.direction.as_deref() == Some("inbound") {
                inbound += 1;
            } else if let Some(id) = m
                .reply_to
                .as_ref()
                .and_then(|r| r.get("messageId"))
                .and_then(|v| v.as_str())
            {
                *replies.entry(id.to_string()).or_default() += 1;
            }
        }
    }
    let once = replies.values().all(|&n| n == 1) && replies.len() == inbound;
    println!(
        "{inbound} messages received, {} replies sent: {}",
        replies.values().sum::<usize>(),
        if once {
            "each answered exactly once"
        } else {
            "MISMATCH"
        }
    );
    client.numbers().release(&number.id)?;
    let _ = std::fs::remove_dir_all(&dir);
    if !once {
        return Err("a message was not answered exactly once".into());
    }
    Ok(())
}
