//! The whole lifecycle of a number: create, attach, list, read messages, release.
//!
//! Run against the API (billed!) or any compatible server:
//!     AGENTPHONE_API_KEY=sk_... AGENTPHONE_AGENT_ID=agt_... cargo run --example numbers
//! Without an account, `cargo run --example quickstart` does the same offline.
use agentphone::{Client, CreateNumber, ErrorKind, ListMessages, ListNumbers};

fn main() -> Result<(), agentphone::Error> {
    let client = Client::from_env()?;
    let agent = std::env::var("AGENTPHONE_AGENT_ID").unwrap_or_else(|_| "agt_sandbox".into());

    // Billed, and never retried once the request may have reached the server.
    let number = client
        .numbers()
        .create(&CreateNumber::new().country("US"))?;
    println!("created  {} {}", number.id, number.phone_number);

    // From here on, release the number whatever happens, so a failure costs nothing.
    let result = (|| {
        let attached = client.agents().attach_number(&agent, &number.id)?;
        println!(
            "attached to {}",
            attached.agent_id.as_deref().unwrap_or(&agent)
        );

        let page = client.numbers().list(&ListNumbers::new().limit(20))?;
        println!("listed   {} of {:?} numbers", page.data.len(), page.total);

        for message in client
            .numbers()
            .iter_messages(&number.id, ListMessages::new())
        {
            let m = message?;
            println!(
                "message  {} {} -> {}: {}",
                m.received_at, m.from, m.to, m.body
            );
        }
        Ok::<_, agentphone::Error>(())
    })();

    match client.numbers().release(&number.id) {
        Ok(r) => println!(
            "released {}",
            r.phone_number.as_deref().unwrap_or(&number.id)
        ),
        Err(e) if e.kind() == ErrorKind::NotFound => println!("already released"),
        Err(e) => eprintln!("release failed, release {} by hand: {e}", number.id),
    }
    result
}
