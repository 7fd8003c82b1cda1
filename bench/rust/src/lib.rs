//! Shared by the Rust contenders: argument parsing, timing, peak RSS, the JSON result line.
use std::time::Instant;

/// `BIN BASE_URL REQUESTS [THREADS]`.
pub struct Args {
    pub base_url: String,
    pub requests: usize,
    pub threads: usize,
}

pub fn args() -> Args {
    let a: Vec<String> = std::env::args().collect();
    Args {
        base_url: a.get(1).cloned().expect("BASE_URL"),
        requests: a.get(2).and_then(|n| n.parse().ok()).expect("REQUESTS"),
        threads: a.get(3).and_then(|n| n.parse().ok()).unwrap_or(1),
    }
}

/// Microseconds since the driver started this process (BENCH_T0_NS, wall clock).
pub fn since_exec_us() -> f64 {
    let Some(t0) = std::env::var("BENCH_T0_NS").ok().and_then(|t| t.parse::<u128>().ok()) else {
        return -1.0;
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    (now.saturating_sub(t0)) as f64 / 1e3
}

/// Peak resident set size (VmHWM), in KiB.
pub fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// CPU time of the whole process (user + system, every thread), in seconds.
pub fn cpu_seconds() -> f64 {
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: a valid clock id and a valid out-pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 + t.tv_nsec as f64 / 1e9
}

/// Runs `call` once (the first response), then `requests` times split over `threads`, and prints
/// the result line.
pub fn run<C: Fn() + Sync>(args: &Args, call: C) {
    call();
    let first = since_exec_us();
    let start = Instant::now();
    let cpu_start = cpu_seconds();
    let per_thread = args.requests / args.threads;
    std::thread::scope(|s| {
        for _ in 0..args.threads {
            s.spawn(|| {
                for _ in 0..per_thread {
                    call();
                }
            });
        }
    });
    let seconds = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_start;
    println!(
        "{{\"requests\": {}, \"seconds\": {seconds:.6}, \"cpu_seconds\": {cpu:.6}, \"first_response_us\": {first:.1}, \"peak_rss_kb\": {}}}",
        per_thread * args.threads,
        peak_rss_kb()
    );
}
