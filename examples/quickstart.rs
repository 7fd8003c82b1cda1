//! The README's main job: the whole lifecycle of a phone number, runnable by anyone.
//!
//!     cargo run --example quickstart                      # offline, against the built-in sandbox
//!     AGENTPHONE_API_KEY=sk_... cargo run --example quickstart                 # real API: lists only
//!     AGENTPHONE_API_KEY=sk_... cargo run --example quickstart -- --create --agent agt_...   # buys one
//!
//! Without AGENTPHONE_API_KEY it starts the sandbox in-process and runs everything: create,
//! attach, deliver and read messages, reply, list, release. With a key it talks to the real API and only
//! lists numbers, unless `--create` is passed: a number is billed, so it is never bought by
//! accident.
use agentphone::{Client, CreateNumber, Error, ListMessages, ListNumbers, SendMessage};
use agentphone_sandbox::{Sandbox, DEFAULT_AGENT};

/// Any failure: the client's, or a sandbox control method's.
type Failure = Box<dyn std::error::Error>;

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Failure> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let create = args.iter().any(|a| a == "--create");
    let agent_arg = args
        .iter()
        .position(|a| a == "--agent")
        .and_then(|i| args.get(i + 1).cloned());

    if std::env::var_os(agentphone::ENV_API_KEY).is_some() {
        let client = Client::from_env()?;
        println!("Using the AgentPhone API at {}", client.base_url());
        list(&client, "list")?;
        if !create {
            println!("Not creating a number (it is billed): pass --create [--agent ID] to run the whole lifecycle.");
            return Ok(());
        }
        return lifecycle(&client, None, agent_arg.as_deref());
    }

    let sandbox = Sandbox::start().map_err(|e| format!("cannot start the sandbox: {e}"))?;
    println!(
        "No {} set: using the offline sandbox at {} (nothing leaves this machine).",
        agentphone::ENV_API_KEY,
        sandbox.base_url()
    );
    let client = sandbox.client()?;
    lifecycle(&client, Some(&sandbox), Some(DEFAULT_AGENT))
}

fn lifecycle(
    client: &Client,
    sandbox: Option<&Sandbox>,
    agent: Option<&str>,
) -> Result<(), Failure> {
    println!("1. create   POST /v1/numbers");
    let number = client
        .numbers()
        .create(&CreateNumber::new().country("US"))?;
    println!(
        "   -> {} {} ({})",
        number.id, number.phone_number, number.status
    );

    let steps = (|| -> Result<(), Failure> {
        match agent {
            Some(agent) => {
                println!("2. attach   POST /v1/agents/{agent}/numbers");
                let attached = client.agents().attach_number(agent, &number.id)?;
                println!(
                    "   -> attached to {}",
                    attached.agent_id.as_deref().unwrap_or(agent)
                );
            }
            None => println!("2. attach   skipped (pass --agent ID)"),
        }
        if let Some(sandbox) = sandbox {
            println!(
                "3. deliver  two SMS to {} (sandbox only)",
                number.phone_number
            );
            sandbox.deliver_sms(&number.id, "+15550001111", "Hi, is this the support line?")?;
            sandbox.deliver_sms(&number.id, "+15550002222", "My order #1234 has not arrived")?;
        }
        println!(
            "4. messages GET /v1/numbers/{}/messages (every page)",
            number.id
        );
        for message in client
            .numbers()
            .iter_messages(&number.id, ListMessages::new())
        {
            let m = message?;
            println!("   -> {} {} -> {}: {}", m.received_at, m.from, m.to, m.body);
        }
        if sandbox.is_some() {
            // Offline only: on the real API a send is billed and reaches a person.
            println!("5. reply    POST /v1/messages (sandbox only)");
            let sent = client.messages().send(
                &SendMessage::new("+15550001111", "Yes, this is support. How can we help?")
                    .number_id(&number.id),
            )?;
            println!(
                "   -> {} {} in conversation {}",
                sent.id,
                sent.status.as_deref().unwrap_or("?"),
                sent.conversation_id.as_deref().unwrap_or("?")
            );
        }
        Ok(list(client, "6. list")?)
    })();

    println!("7. release  DELETE /v1/numbers/{}", number.id);
    let released = client.numbers().release(&number.id)?;
    println!("   -> {}", released.status.as_deref().unwrap_or("released"));
    let after = client.numbers().get(&number.id)?;
    println!(
        "   -> GET /v1/numbers/{} now says status {:?}",
        number.id, after.status
    );
    steps
}

fn list(client: &Client, step: &str) -> Result<(), Error> {
    println!("{step:<10} GET /v1/numbers");
    let page = client.numbers().list(&ListNumbers::new().limit(20))?;
    println!(
        "   -> {} of {} active numbers",
        page.data.len(),
        page.total.unwrap_or(0)
    );
    for n in &page.data {
        println!(
            "      {} {} agent={}",
            n.id,
            n.phone_number,
            n.agent_id.as_deref().unwrap_or("-")
        );
    }
    Ok(())
}
