//! The sandbox's server as a process with few file descriptors: each connection holds at most
//! two, and running out makes the accept loop back off (not spin), then recover.
//! Linux only: it reads /proc.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Sandbox {
    child: Child,
    addr: String,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The sandbox binary under `ulimit -n <fds>`.
fn start(fds: u32) -> Sandbox {
    let bin = env!("CARGO_BIN_EXE_agentphone-sandbox");
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -n {fds} && exec \"$0\" --api-key sk_fd_test"
        ))
        .arg(bin)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("AGENTPHONE_BASE_URL=http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    Sandbox { child, addr }
}

fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count()
}

/// User plus system CPU time of the process, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The answer to `GET /v1/numbers`, or "" when the connection failed.
fn list_numbers(addr: &str) -> String {
    let Ok(mut c) = TcpStream::connect(addr) else {
        return String::new();
    };
    let _ = c.set_read_timeout(Some(Duration::from_secs(2)));
    let request =
        b"GET /v1/numbers HTTP/1.1\r\nAuthorization: Bearer sk_fd_test\r\nConnection: close\r\n\r\n";
    let mut out = String::new();
    if c.write_all(request).is_ok() {
        let _ = c.read_to_string(&mut out);
    }
    out
}

#[test]
fn a_connection_holds_at_most_two_descriptors() {
    let sb = start(1024);
    let pid = sb.child.id();
    let base = open_fds(pid);
    let conns: Vec<TcpStream> = (0..20)
        .map(|_| TcpStream::connect(&sb.addr).unwrap())
        .collect();
    // Accepted and being served: at least one descriptor each.
    wait_until("the connections are accepted", || {
        open_fds(pid) >= base + 20
    });
    std::thread::sleep(Duration::from_millis(200));
    let per_connection = (open_fds(pid) - base) as f64 / 20.0;
    assert!(
        per_connection <= 2.0,
        "{per_connection} descriptors per connection"
    );
    drop(conns);
    wait_until("the connections are closed", || open_fds(pid) <= base);
}

#[test]
fn out_of_descriptors_backs_off_then_recovers() {
    // A connection takes two descriptors (accept, then a clone): with one parity of the limit
    // the clone fails (that connection is closed), with the other accept itself fails with
    // EMFILE while connections wait in the backlog. Both must be handled.
    for limit in [48, 49] {
        let sb = start(limit);
        let pid = sb.child.id();
        let conns: Vec<TcpStream> = (0..60)
            .map(|_| TcpStream::connect(&sb.addr).unwrap())
            .collect();
        wait_until("the descriptors run out", || {
            open_fds(pid) >= limit as usize - 1
        });
        let before = cpu_ticks(pid);
        std::thread::sleep(Duration::from_secs(1));
        let used = cpu_ticks(pid) - before;
        // A loop that retries accept at once burns the whole second (about 100 ticks).
        assert!(
            used < 20,
            "limit {limit}: the server used {used} ticks of CPU in 1 s while out of descriptors"
        );
        drop(conns);
        // Descriptors come back as the server sees the clients close; then it serves again.
        wait_until("the server answers again", || {
            list_numbers(&sb.addr).starts_with("HTTP/1.1 200 ")
        });
    }
}
