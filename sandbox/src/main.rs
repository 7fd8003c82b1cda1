//! The offline AgentPhone sandbox as a program, for C programs and other languages.
//!
//!     cargo build -p agentphone-sandbox
//!     agentphone-sandbox --port 0 --api-key sk_test --agent agt_support
//!
//! Prints `AGENTPHONE_BASE_URL=http://127.0.0.1:<port>` and `AGENTPHONE_API_KEY=<key>` on stdout
//! once it listens, then serves until it is killed.

use agentphone_sandbox::Sandbox;

const USAGE: &str = "usage: agentphone-sandbox [OPTIONS]
  --port N                 port on 127.0.0.1; 0 (the default) picks a free one
  --api-key KEY            the Bearer key to accept (default: a random sk_sandbox_...)
  --agent ID               an agent besides agt_sandbox (repeatable)
  --number-limit N         most active numbers (default 10)
  --allow-remote-webhooks  deliver webhooks to hosts other than loopback (default: loopback only)
  --log                    one line per request on stderr: method, path, status
  -h, --help               this text";

fn main() {
    if let Err(message) = run() {
        eprintln!("agentphone-sandbox: {message}\n{USAGE}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), String> {
    let mut builder = Sandbox::builder();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            "--allow-remote-webhooks" => {
                builder = builder.allow_remote_webhooks(true);
                continue;
            }
            "--log" => {
                builder = builder.log_requests(true);
                continue;
            }
            "--port" | "--api-key" | "--agent" | "--number-limit" => {}
            other => return Err(format!("unknown option {other}")),
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        builder = match flag.as_str() {
            "--port" => builder.port(value.parse().map_err(|_| format!("bad port {value:?}"))?),
            "--api-key" if !value.is_empty() => builder.api_key(value),
            "--agent" if !value.is_empty() => builder.agent(value),
            "--number-limit" => builder.number_limit(
                value
                    .parse()
                    .map_err(|_| format!("bad number limit {value:?}"))?,
            ),
            _ => return Err(format!("{flag} must not be empty")),
        };
    }
    let sandbox = builder.start().map_err(|e| format!("cannot listen: {e}"))?;
    println!("AGENTPHONE_BASE_URL={}", sandbox.base_url());
    println!("AGENTPHONE_API_KEY={}", sandbox.api_key());
    use std::io::Write;
    std::io::stdout().flush().map_err(|e| e.to_string())?;
    loop {
        std::thread::park();
    }
}
