//! `agentphone`: every operation of the AgentPhone API from a shell, the offline sandbox, a
//! local webhook receiver and signed test events. Results are the C API's result JSON on
//! stdout; a failure is one line on stderr and an exit code (see `EXIT_CODES`).

#![deny(unsafe_code)]

mod capi;
mod ops;
mod os;
mod run;

use std::process::ExitCode;

use clap::{ArgAction, Args, Command, FromArgMatches, Subcommand};

/// The exit codes, as `--help` shows them.
pub const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  failed (nothing was acted on, or a read failed)
  2  usage error, or a bad value refused before anything was sent
  3  failed, but a write MAY HAVE SUCCEEDED (its outcome is unknown: check, e.g. list, before
     sending it again)
  4  a webhook that does not verify

Configuration: AGENTPHONE_API_KEY and AGENTPHONE_BASE_URL, as in the library; --api-key and
--base-url override them (a key given on the command line is visible to other users of the
machine, in the process list).";

/// The flags every command takes.
#[derive(Args, Debug, Clone)]
pub struct Global {
    /// The API key (else AGENTPHONE_API_KEY). Visible to other users in the process list.
    #[arg(long, global = true, value_name = "KEY")]
    pub api_key: Option<String>,
    /// The API's base URL (else AGENTPHONE_BASE_URL, else the real API).
    #[arg(long, global = true, value_name = "URL")]
    pub base_url: Option<String>,
    /// Retries after a failed attempt that may be sent again (default 2).
    #[arg(long, global = true, value_name = "N")]
    pub max_retries: Option<u32>,
    /// The timeout of each attempt, in seconds (default 30).
    #[arg(long, global = true, value_name = "SECONDS")]
    pub timeout: Option<f64>,
    /// Records on stderr: -v each request, -vv connections and retries, -vvv bodies (personal
    /// data).
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,
    /// One line of JSON, even on a terminal.
    #[arg(long, global = true, conflicts_with = "pretty")]
    pub compact: bool,
    /// Indented JSON, even into a pipe.
    #[arg(long, global = true)]
    pub pretty: bool,
    /// A failure as the C API's error JSON on stderr, not a sentence.
    #[arg(long, global = true)]
    pub json_errors: bool,
    /// A list as a table (its items' plain fields as columns), not JSON.
    #[arg(long, global = true, conflicts_with_all = ["compact", "pretty"])]
    pub table: bool,
}

// The commands that are not an operation of a resource (a plain comment: a doc comment here
// would become the top-level command's about text).
#[derive(Subcommand, Debug)]
pub enum Fixed {
    /// Any endpoint: `agentphone api GET /v1/usage/daily --query days=7`
    Api {
        /// GET, POST, PUT, PATCH or DELETE.
        method: String,
        /// The path, relative to the base URL (it can never leave it).
        path: String,
        /// The JSON body.
        #[arg(long, value_name = "JSON")]
        data: Option<String>,
        /// A query parameter, KEY=VALUE (repeatable; the value is encoded).
        #[arg(long = "query", value_name = "KEY=VALUE")]
        query: Vec<String>,
    },
    /// The offline API on 127.0.0.1, until killed: `eval "$(agentphone sandbox &)"`
    ///
    /// It first prints the `export AGENTPHONE_BASE_URL=...` and `export
    /// AGENTPHONE_API_KEY=...` lines that point this command (and the library) at it, then lets
    /// go of stdout; `--api-key` sets the key it takes (default sk_sandbox).
    Sandbox {
        /// The port (0: a free one).
        #[arg(long, default_value_t = 8787)]
        port: u16,
    },
    /// A local webhook receiver: `agentphone listen --secret whsec_... --port 8080`
    ///
    /// Each verified, new event goes to stdout as one JSON line (`{"webhookId", "timestamp",
    /// "body"}`); `Ready: URL` goes to stderr first. Ctrl-C stops it. Without --forward-to, a
    /// voice turn is answered with silence.
    Listen {
        /// The webhook secret deliveries are signed with (else AGENTPHONE_WEBHOOK_SECRET).
        #[arg(long, env = "AGENTPHONE_WEBHOOK_SECRET", hide_env_values = true)]
        secret: String,
        /// The port on 127.0.0.1 (0: a free one).
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// The path deliveries are posted to.
        #[arg(long, default_value = "/webhook")]
        path: String,
        /// POST each verified event to this URL (your app), re-signed with a fresh timestamp
        /// and the same X-Webhook-ID. Its answer decides the API's: a 2xx is a 200 (a voice
        /// turn's JSON or NDJSON reply relayed as it comes, interim lines first), anything else
        /// a 500, which the API delivers again.
        #[arg(long, value_name = "URL")]
        forward_to: Option<String>,
        /// The secret to re-sign forwarded events with (default: --secret).
        #[arg(long, value_name = "SECRET", requires = "forward_to")]
        forward_secret: Option<String>,
    },
    /// A completion script: `agentphone completions bash > /etc/bash_completion.d/agentphone`
    Completions {
        /// bash, zsh, fish, powershell or elvish.
        shell: clap_complete::Shell,
    },
    /// One signed sample event to a receiver: `agentphone trigger agent.message --url URL
    /// --secret whsec_...`
    ///
    /// The event is shaped as the API sends it, with a fresh X-Webhook-ID; prints the
    /// receiver's status and body as JSON (exit 1 unless it is 2xx).
    Trigger {
        /// agent.message, agent.call_ended or agent.reaction.
        event: String,
        /// The receiver's URL.
        #[arg(long)]
        url: String,
        /// The secret to sign with.
        #[arg(long, env = "AGENTPHONE_WEBHOOK_SECRET", hide_env_values = true)]
        secret: String,
        /// The channel of an agent.message: sms, mms, imessage or voice.
        #[arg(long, default_value = "sms")]
        channel: String,
        /// Fields of `data` to set, as a JSON object.
        #[arg(long, value_name = "JSON")]
        data: Option<String>,
    },
}

fn main() -> ExitCode {
    let matches = match run::command().try_get_matches() {
        Ok(m) => m,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let global = match Global::from_arg_matches(&matches) {
        Ok(g) => g,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(2);
        }
    };
    ExitCode::from(run::dispatch(&global, &matches))
}

/// The top-level command before the resources are added (its derived parts).
pub fn base() -> Command {
    // The derived parts first: each would set its own doc comment as the command's about.
    Fixed::augment_subcommands(Global::augment_args(Command::new("agentphone")))
        .version(env!("CARGO_PKG_VERSION"))
        .about("Every AgentPhone API operation, the offline sandbox, a webhook receiver and test events")
        .after_help(EXIT_CODES)
        .subcommand_required(true)
        .arg_required_else_help(true)
}
