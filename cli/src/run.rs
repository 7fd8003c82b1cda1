//! The command tree (the fixed commands and one subcommand per operation, its flags the keys of
//! its input type) and what each command does: the request, the output, the exit code.

use std::io::{IsTerminal, Read, Write};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use agentphone::ffi::agentphone_status;
use clap::{Arg, ArgAction, ArgMatches, Command, FromArgMatches};
use serde_json::{json, Map, Value};

use crate::capi::{self, Client, Failure, Outcome};
use crate::ops::{self, Op, OPS};
use crate::{Fixed, Global};

/// The long flags every command has (`Global`'s, as clap derives them, and `--help`,
/// `--version`, `--data`): a key with one of these names takes its resource as a prefix
/// (`webhooks set --webhook-timeout`).
fn taken() -> &'static [String] {
    static TAKEN: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    TAKEN.get_or_init(|| {
        use clap::Args;
        let global = Global::augment_args(Command::new("global"));
        let mut names: Vec<String> = global
            .get_arguments()
            .filter_map(|a| a.get_long())
            .map(str::to_string)
            .collect();
        names.extend(["help", "version", "data"].map(String::from));
        names
    })
}

/// The flag of an input key in a resource's operation.
fn flag_of(resource: &str, key: &str) -> String {
    let flag = ops::kebab(key);
    if taken().contains(&flag) {
        format!("{}-{flag}", resource.trim_end_matches('s'))
    } else {
        flag
    }
}

/// The whole command tree.
pub fn command() -> Command {
    let mut cmd = crate::base();
    for resource in ops::resources() {
        let mut sub = Command::new(resource)
            .about(format!("The {resource} operations"))
            .subcommand_required(true)
            .arg_required_else_help(true);
        for op in OPS.iter().filter(|o| o.resource == resource) {
            sub = sub.subcommand(op_command(op));
        }
        for extra in extra_commands(resource) {
            sub = sub.subcommand(extra);
        }
        cmd = cmd.subcommand(sub);
    }
    cmd
}

fn op_command(op: &Op) -> Command {
    let mut about = op.about.to_string();
    if op.billed {
        about.push_str(" (billed by the API)");
    }
    let mut example = format!("agentphone {} {}", op.resource, op.name);
    let mut c = Command::new(op.name).about(about);
    for id in op.ids {
        c = c.arg(
            Arg::new(*id)
                .required(true)
                .help(format!("The {}", id.to_lowercase().replace('_', " "))),
        );
        example.push_str(&format!(" {id}"));
    }
    if let Some(input) = op.input {
        for key in (input.keys)() {
            let flag = flag_of(op.resource, key);
            let list = (input.fits)(&json!({ *key: [] }));
            c = c.arg(
                Arg::new(key.to_string())
                    .long(flag.clone())
                    .value_name("VALUE")
                    .action(ArgAction::Append)
                    .help_heading("Fields (the API's own keys)")
                    .help(if list {
                        format!("`{key}`, a list: repeat the flag for each item")
                    } else {
                        format!("`{key}`")
                    }),
            );
        }
        if let Some(first) = (input.keys)().first() {
            example.push_str(&format!(" --{} VALUE", flag_of(op.resource, first)));
        }
        c = c.arg(
            Arg::new("data")
                .long("data")
                .value_name("JSON")
                .help_heading("Fields (the API's own keys)")
                .help(
                    "The whole body or query as a JSON object (a flag may not name the same key)",
                ),
        );
    }
    c.after_help(format!("Example:\n  {example}"))
}

/// The commands of a resource besides its C operations.
fn extra_commands(resource: &str) -> Vec<Command> {
    match resource {
        "calls" => vec![
            Command::new("wait")
                .about("Wait until a call ends (long poll), then print it")
                .arg(Arg::new("CALL_ID").required(true))
                .arg(
                    Arg::new("wait-seconds")
                        .long("wait-seconds")
                        .value_name("N")
                        .value_parser(clap::value_parser!(u32))
                        .default_value("60")
                        .help("The longest wait, 10 to 300 seconds"),
                )
                .after_help("Example:\n  agentphone calls wait call_123 --wait-seconds 120"),
            Command::new("watch")
                .about("The live transcript, one JSON event a line, until the call ends")
                .arg(Arg::new("CALL_ID").required(true))
                .after_help("Example:\n  agentphone calls watch call_123"),
            Command::new("recording")
                .about("Save a call's recording to a file (streamed, never held whole)")
                .arg(Arg::new("CALL_ID").required(true))
                .arg(
                    Arg::new("output")
                        .long("output")
                        .value_name("FILE")
                        .required(true),
                )
                .after_help("Example:\n  agentphone calls recording call_123 --output call.wav"),
        ],
        "webhooks" => vec![Command::new("verify")
            .about(
                "Verify a received delivery: prints its event, or fails naming the check (exit 4)",
            )
            .arg(Arg::new("secret").long("secret").required(true))
            .arg(
                Arg::new("signature")
                    .long("signature")
                    .required(true)
                    .help("X-Webhook-Signature"),
            )
            .arg(
                Arg::new("timestamp")
                    .long("timestamp")
                    .required(true)
                    .help("X-Webhook-Timestamp"),
            )
            .arg(
                Arg::new("body-file")
                    .long("body-file")
                    .value_name("FILE")
                    .help("The body as received (else read from stdin)"),
            )
            .after_help(
                "Example:\n  agentphone webhooks verify --secret whsec_... --signature sha256=... \
                 --timestamp 1736937900 --body-file body.json",
            )],
        _ => Vec::new(),
    }
}

/// Runs the parsed command; the exit code.
pub fn dispatch(global: &Global, matches: &ArgMatches) -> u8 {
    if global.verbose > 0 {
        let level = ["info", "debug", "trace"][usize::from(global.verbose.min(3)) - 1];
        // Read by the library once, at the first client: set before any is made.
        std::env::set_var(agentphone::ENV_LOG, level);
    }
    let Some((name, sub)) = matches.subcommand() else {
        return 2;
    };
    if ops::resources().contains(&name) {
        let Some((op_name, args)) = sub.subcommand() else {
            return 2;
        };
        return resource(global, name, op_name, args);
    }
    match Fixed::from_arg_matches(matches) {
        Ok(fixed) => run_fixed(global, fixed),
        Err(e) => {
            let _ = e.print();
            2
        }
    }
}

fn client(global: &Global) -> Result<Client, Failure> {
    let mut config = Map::new();
    if let Some(key) = &global.api_key {
        config.insert("apiKey".into(), json!(key));
    }
    if let Some(url) = &global.base_url {
        config.insert("baseUrl".into(), json!(url));
    }
    if let Some(n) = global.max_retries {
        config.insert("maxRetries".into(), json!(n));
    }
    if let Some(t) = global.timeout {
        if !(t.is_finite() && t > 0.0) {
            return Err(Failure::invalid(
                "--timeout: must be a positive number of seconds",
            ));
        }
        config.insert("timeoutMs".into(), json!((t * 1000.0).ceil() as u64));
    }
    Client::new(&Value::Object(config).to_string())
}

fn resource(global: &Global, resource: &str, name: &str, args: &ArgMatches) -> u8 {
    let outcome = (|| -> Outcome {
        match (resource, name) {
            ("calls", "wait") => {
                let id = one(args, "CALL_ID");
                let seconds = args.get_one::<u32>("wait-seconds").copied().unwrap_or(60);
                let query = json!({"wait": true, "timeout": seconds}).to_string();
                let op = OPS
                    .iter()
                    .find(|o| o.resource == "calls" && o.name == "get")
                    .unwrap();
                let client = client(global)?;
                with_spinner("waiting for the call to end", || {
                    client.call(op.shape, &[id], Some(&query))
                })
            }
            ("calls", "watch") => {
                let id = one(args, "CALL_ID");
                let stdout = std::io::stdout();
                client(global)?.stream_transcript(&id, &mut |event| {
                    let mut out = stdout.lock();
                    writeln!(out, "{event}").and_then(|_| out.flush()).is_ok()
                })
            }
            ("calls", "recording") => {
                let id = one(args, "CALL_ID");
                let path = one(args, "output");
                let client = client(global)?;
                with_spinner("saving the recording", || client.save_recording(&id, &path))
            }
            ("webhooks", "verify") => {
                let body = match args.get_one::<String>("body-file") {
                    Some(file) => std::fs::read(file).map_err(|e| {
                        Failure::invalid(&format!("--body-file: cannot read {file}: {e}"))
                    })?,
                    None => {
                        let mut body = Vec::new();
                        std::io::stdin()
                            .read_to_end(&mut body)
                            .map_err(|e| Failure::invalid(&format!("stdin: {e}")))?;
                        body
                    }
                };
                capi::verify_webhook(
                    &one(args, "secret"),
                    &one(args, "signature"),
                    &one(args, "timestamp"),
                    &body,
                )
            }
            _ => {
                let op = OPS
                    .iter()
                    .find(|o| o.resource == resource && o.name == name)
                    .expect("every subcommand is an operation");
                let ids: Vec<String> = op.ids.iter().map(|id| one(args, id)).collect();
                let json = input_json(op, args)?;
                client(global)?.call(op.shape, &ids, json.as_deref())
            }
        }
    })();
    finish(global, outcome, Some(resource))
}

fn one(args: &ArgMatches, name: &str) -> String {
    args.get_one::<String>(name).cloned().unwrap_or_default()
}

/// The operation's JSON argument from its flags and `--data`; `None` when neither is given.
fn input_json(op: &Op, args: &ArgMatches) -> Result<Option<String>, Failure> {
    let Some(input) = op.input else {
        return Ok(None);
    };
    let mut object = match args.get_one::<String>("data") {
        Some(data) => match serde_json::from_str::<Value>(data) {
            Ok(Value::Object(map)) => Some(map),
            _ => return Err(Failure::invalid("--data: must be a JSON object")),
        },
        None => None,
    };
    for key in (input.keys)() {
        let Some(values) = args.get_many::<String>(key) else {
            continue;
        };
        let values: Vec<&String> = values.collect();
        let map = object.get_or_insert_with(Map::new);
        if map.contains_key(*key) {
            return Err(Failure::invalid(&format!(
                "--{} and --data both give `{key}`",
                flag_of(op.resource, key)
            )));
        }
        map.insert(key.to_string(), typed(input.fits, key, &values));
    }
    Ok(object.map(|m| Value::Object(m).to_string()))
}

/// A flag's text as the JSON value its key takes: the first of a number, boolean or JSON
/// literal, the text itself, or a list of them, that the input type reads for that key.
fn typed(fits: fn(&Value) -> bool, key: &str, values: &[&String]) -> Value {
    let literal = |v: &str| serde_json::from_str::<Value>(v).unwrap_or_else(|_| json!(v));
    let candidates: Vec<Value> = if values.len() == 1 {
        let v = values[0].as_str();
        vec![literal(v), json!(v), json!([literal(v)]), json!([v])]
    } else {
        vec![
            Value::Array(values.iter().map(|v| literal(v)).collect()),
            Value::Array(values.iter().map(|v| json!(v)).collect()),
        ]
    };
    candidates
        .iter()
        .find(|c| fits(&json!({ key: c })))
        .unwrap_or(&candidates[0])
        .clone()
}

fn run_fixed(global: &Global, fixed: Fixed) -> u8 {
    match fixed {
        Fixed::Api {
            method,
            path,
            data,
            query,
        } => {
            let outcome = (|| -> Outcome {
                let mut path = path;
                for pair in &query {
                    let Some((k, v)) = pair.split_once('=') else {
                        return Err(Failure::invalid(&format!(
                            "--query {pair}: must be KEY=VALUE"
                        )));
                    };
                    path.push(if path.contains('?') { '&' } else { '?' });
                    path.push_str(&encode(k));
                    path.push('=');
                    path.push_str(&encode(v));
                }
                client(global)?.request(&method.to_uppercase(), &path, data.as_deref())
            })();
            finish(global, outcome, None)
        }
        Fixed::Sandbox { port } => {
            let key = global
                .api_key
                .clone()
                .unwrap_or_else(|| "sk_sandbox".into());
            let sandbox = match agentphone_sandbox::Sandbox::builder()
                .port(port)
                .api_key(key)
                .start()
            {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("error: could not start the sandbox on 127.0.0.1:{port}: {e}");
                    return 1;
                }
            };
            println!("export AGENTPHONE_BASE_URL={}", sandbox.base_url());
            println!("export AGENTPHONE_API_KEY={}", sandbox.api_key());
            let _ = std::io::stdout().flush();
            crate::os::stdout_to_null();
            eprintln!("Sandbox: {} (until killed)", sandbox.base_url());
            loop {
                std::thread::sleep(Duration::from_secs(3600));
            }
        }
        Fixed::Completions { shell } => {
            clap_complete::generate(shell, &mut command(), "agentphone", &mut std::io::stdout());
            0
        }
        Fixed::Listen {
            secret,
            port,
            path,
            forward_to,
            forward_secret,
        } => {
            let forward = forward_to.map(|url| Forward {
                url,
                secret: forward_secret.unwrap_or_else(|| secret.clone()),
                agent: agent(global),
            });
            listen(&secret, port, &path, forward)
        }
        Fixed::Trigger {
            event,
            url,
            secret,
            channel,
            data,
        } => trigger(global, &event, &url, &secret, &channel, data.as_deref()),
    }
}

/// Percent-encodes a query key or value.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Where `listen` forwards each event.
struct Forward {
    url: String,
    secret: String,
    agent: ureq::Agent,
}

/// An HTTP agent as the command's own requests use it: no redirects, statuses as answers.
fn agent(global: &Global) -> ureq::Agent {
    let timeout = Duration::from_secs_f64(
        global
            .timeout
            .filter(|t| t.is_finite() && *t > 0.0)
            .unwrap_or(30.0),
    );
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(timeout))
        .build()
        .into()
}

fn unix_now() -> String {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        .to_string()
}

/// Posts the event to the app and relays its answer: `Err` (the API is answered 500 and
/// delivers again) unless it is 2xx; a voice turn's reply line by line as it arrives.
fn forward(
    to: &Forward,
    d: &agentphone::webhook::Delivery,
    reply: Option<&mut agentphone::webhook::Reply<'_>>,
) -> Result<(), String> {
    use std::io::BufRead;
    let timestamp = unix_now();
    let signature = agentphone::webhook::sign(&to.secret, &timestamp, &d.body);
    let mut request = to
        .agent
        .post(&to.url)
        .header("Content-Type", "application/json")
        .header("X-Webhook-Signature", &signature)
        .header("X-Webhook-Timestamp", &timestamp);
    if let Some(id) = &d.webhook_id {
        request = request.header("X-Webhook-ID", id);
    }
    let answer = request
        .send(&d.body[..])
        .map_err(|e| format!("could not forward to {}: {e}", to.url))?;
    let status = answer.status().as_u16();
    if !(200..300).contains(&status) {
        return Err(format!("{} answered {status}", to.url));
    }
    let Some(reply) = reply else {
        return Ok(());
    };
    let ndjson = answer
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-ndjson"));
    let mut apply = |line: &str| -> Result<(), String> {
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            return Ok(());
        };
        let text = v["text"].as_str().unwrap_or_default();
        if v["interim"] == true {
            return reply.interim(text).map_err(|e| e.to_string());
        }
        if !text.is_empty() {
            reply.say(text);
        }
        if v["hangup"] == true {
            reply.hangup();
        }
        if v["action"] == "transfer" {
            reply.transfer();
        }
        Ok(())
    };
    let body = answer.into_body().into_reader();
    if ndjson {
        for line in std::io::BufReader::new(body).lines() {
            let line = line.map_err(|e| format!("reading {}'s answer: {e}", to.url))?;
            if !line.trim().is_empty() {
                apply(&line)?;
            }
        }
    } else {
        let mut text = String::new();
        std::io::BufReader::new(body)
            .read_to_string(&mut text)
            .map_err(|e| format!("reading {}'s answer: {e}", to.url))?;
        apply(&text)?;
    }
    Ok(())
}

fn listen(secret: &str, port: u16, path: &str, forward_to: Option<Forward>) -> u8 {
    use agentphone::webhook::{Delivery, Receiver, Reply};
    let receiver = match Receiver::builder(secret)
        .listen(format!("127.0.0.1:{port}"))
        .path(path)
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return if e.kind() == agentphone::ErrorKind::InvalidArgument {
                2
            } else {
                1
            };
        }
    };
    crate::os::hear_interrupts();
    let stop = receiver.stop_handle();
    std::thread::spawn(move || loop {
        if crate::os::INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst) {
            stop.stop();
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    });
    eprintln!("Ready: {}", receiver.url());
    let result = receiver.run(move |d: &Delivery, reply: Option<&mut Reply<'_>>| {
        let body: Value = serde_json::from_slice(&d.body).unwrap_or(Value::Null);
        let line = json!({"webhookId": d.webhook_id, "timestamp": d.timestamp, "body": body});
        {
            let mut out = std::io::stdout().lock();
            writeln!(out, "{line}")
                .and_then(|_| out.flush())
                .map_err(|e| e.to_string())?;
        }
        match &forward_to {
            Some(to) => forward(to, d, reply).inspect_err(|e| eprintln!("error: {e}")),
            None => Ok(()),
        }
    });
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}

/// A sample event of `event`, shaped as the API sends it, with `data` overriding its fields.
fn sample(event: &str, channel: &str, data: Option<&str>) -> Result<Value, String> {
    let now = chrono_now();
    let mut body = match event {
        "agent.message" if channel == "voice" => json!({
            "event": "agent.message", "channel": "voice", "timestamp": now, "agentId": "agt_sample",
            "data": {"callId": "call_sample", "transcript": "Hello, is anyone there?", "confidence": 0.94},
        }),
        "agent.message" => json!({
            "event": "agent.message", "channel": channel, "timestamp": now, "agentId": "agt_sample",
            "data": {"conversationId": "conv_sample", "numberId": "num_sample",
                     "messageId": format!("msg_sample_{}", unique()), "from": "+14155550100",
                     "to": "+14155550199", "message": "Hi, is my order on its way?",
                     "direction": "inbound", "receivedAt": now},
            "recentHistory": [],
        }),
        "agent.call_ended" => json!({
            "event": "agent.call_ended", "channel": "voice", "timestamp": now, "agentId": "agt_sample",
            "data": {"callId": format!("call_sample_{}", unique()), "status": "completed",
                     "durationSeconds": 42, "endedAt": now},
        }),
        "agent.reaction" => json!({
            "event": "agent.reaction", "channel": channel, "timestamp": now, "agentId": "agt_sample",
            "data": {"messageId": "msg_sample", "reactionType": "love", "fromNumber": "+14155550100"},
        }),
        other => {
            return Err(format!(
                "EVENT: {other} is not one of agent.message, agent.call_ended, agent.reaction"
            ))
        }
    };
    if let Some(data) = data {
        let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(data) else {
            return Err("--data: must be a JSON object".into());
        };
        if let Some(Value::Object(d)) = body.get_mut("data") {
            d.extend(fields);
        }
    }
    Ok(body)
}

fn unique() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

/// Now, in RFC 3339 UTC (seconds).
fn chrono_now() -> String {
    agentphone::chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn trigger(
    global: &Global,
    event: &str,
    url: &str,
    secret: &str,
    channel: &str,
    data: Option<&str>,
) -> u8 {
    let body = match sample(event, channel, data) {
        Ok(b) => b.to_string(),
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let timestamp = unix_now();
    let signature = agentphone::webhook::sign(secret, &timestamp, body.as_bytes());
    let agent = agent(global);
    let sent = agent
        .post(url)
        .header("Content-Type", "application/json")
        .header("X-Webhook-Signature", &signature)
        .header("X-Webhook-Timestamp", &timestamp)
        .header("X-Webhook-ID", format!("wh_trigger_{}", unique()))
        .send(body.as_bytes());
    match sent {
        Ok(mut answer) => {
            let status = answer.status().as_u16();
            let text = answer.body_mut().read_to_string().unwrap_or_default();
            println!("{}", json!({"status": status, "body": text}));
            if (200..300).contains(&status) {
                0
            } else {
                1
            }
        }
        Err(e) => {
            eprintln!("error: could not deliver to {url}: {e}");
            1
        }
    }
}

/// Runs `work`, showing on stderr that it is under way (when stderr is a terminal).
fn with_spinner<T>(what: &str, work: impl FnOnce() -> T) -> T {
    if !std::io::stderr().is_terminal() {
        return work();
    }
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let started = std::time::Instant::now();
            let frames = ['|', '/', '-', '\\'];
            let mut i = 0;
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                eprint!(
                    "\r{} {what}... {} s ",
                    frames[i % 4],
                    started.elapsed().as_secs()
                );
                i += 1;
                std::thread::sleep(Duration::from_millis(200));
            }
            eprint!("\r\x1b[2K");
        });
        let result = work();
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        result
    })
}

/// A list result as a table: the plain (not object, not list) fields of its items as columns,
/// in the first item's order. `None` when the result is not a list of objects.
fn table(result: &Value) -> Option<String> {
    let items = match result {
        Value::Array(items) => items,
        Value::Object(o) => o.get("data")?.as_array()?,
        _ => return None,
    };
    let first = items.first()?.as_object()?;
    let columns: Vec<&String> = first
        .iter()
        .filter(|(_, v)| !v.is_object() && !v.is_array())
        .map(|(k, _)| k)
        .collect();
    let cell = |item: &Value, key: &str| match &item[key] {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|item| columns.iter().map(|k| cell(item, k)).collect())
        .collect();
    let widths: Vec<usize> = (0..columns.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([columns[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<&str>| {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = line(columns.iter().map(|k| k.as_str()).collect());
    for row in &rows {
        out.push('\n');
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    Some(out)
}

/// Prints the outcome and gives its exit code.
fn finish(global: &Global, outcome: Outcome, resource: Option<&str>) -> u8 {
    match outcome {
        Ok(json) => {
            if global.table {
                let value = serde_json::from_str::<Value>(&json).ok();
                if let Some(text) = value.as_ref().and_then(table) {
                    println!("{text}");
                    return 0;
                }
            }
            let pretty = global.pretty || (!global.compact && std::io::stdout().is_terminal());
            let text = if pretty {
                serde_json::from_str::<Value>(&json)
                    .and_then(|v| serde_json::to_string_pretty(&v))
                    .unwrap_or(json)
            } else {
                json
            };
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{text}");
            0
        }
        Err(failure) => {
            let error: Value = serde_json::from_str(&failure.json).unwrap_or(Value::Null);
            let may_have_succeeded = error["mayHaveSucceeded"] == true;
            if global.json_errors {
                eprintln!("{}", failure.json);
            } else {
                let mut line = format!(
                    "error: {}: {}",
                    error["code"].as_str().unwrap_or("error").to_uppercase(),
                    flagged(error["message"].as_str().unwrap_or(&failure.json), resource)
                );
                if let Some(id) = error["requestId"].as_str() {
                    line.push_str(&format!(" (request id {id})"));
                }
                if may_have_succeeded {
                    line.push_str(
                        "; it MAY HAVE SUCCEEDED: check (e.g. list) before sending it again",
                    );
                }
                eprintln!("{line}");
            }
            match failure.status {
                agentphone_status::AGENTPHONE_INVALID_ARGUMENT => 2,
                agentphone_status::AGENTPHONE_SIGNATURE_INVALID => 4,
                _ if may_have_succeeded => 3,
                _ => 1,
            }
        }
    }
}

/// A message naming an input key (`areaCode: ...`) names its flag instead (`--area-code: ...`).
fn flagged(message: &str, resource: Option<&str>) -> String {
    let (Some(resource), Some((key, rest))) = (resource, message.split_once(": ")) else {
        return message.to_string();
    };
    let plain = key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain && !key.is_empty() && !key.ends_with("_json") {
        format!("--{}: {rest}", flag_of(resource, key))
    } else {
        message.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_named_like_a_global_flag_takes_its_resource_as_prefix() {
        assert_eq!(flag_of("webhooks", "timeout"), "webhook-timeout");
        assert_eq!(flag_of("agents", "timeout"), "agent-timeout");
        assert_eq!(flag_of("numbers", "areaCode"), "area-code");
        assert!(taken().iter().any(|f| f == "json-errors"), "{:?}", taken());
        // The whole tree builds: clap refuses two args with one long name.
        command().debug_assert();
    }
}
