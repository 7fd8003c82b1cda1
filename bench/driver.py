"""Runs the contenders against nginx, alternating them run by run (A B C ... A B C ...), and
prints the Markdown tables of BENCHMARKS.md. Called by bench/run, which builds everything and
starts nginx; stdlib only."""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def contenders(out, python):
    rust = os.path.join(HERE, "rust", "target", "release")
    return [
        ("C API (this crate)", "c", [os.path.join(out, "c_api")]),
        ("Rust typed API (this crate)", "rust", [os.path.join(rust, "rust_typed")]),
        ("libcurl + cJSON (C)", "c", [os.path.join(out, "curl_cjson")]),
        ("ureq + serde_json::Value", "rust", [os.path.join(rust, "ureq_value")]),
        ("reqwest::blocking + serde_json", "rust", [os.path.join(rust, "reqwest_blocking")]),
        ("official Python SDK 0.20.3", "python", [python, os.path.join(HERE, "py", "sdk.py")]),
    ]


PIN = []  # e.g. ["taskset", "-c", "0"]: the sequential runs share nginx's CPU


def run_once(cmd, base_url, requests, threads=None, pin=True):
    args = (PIN if pin else []) + cmd + [base_url, str(requests)] + ([str(threads)] if threads else [])
    env = dict(os.environ, BENCH_T0_NS=str(time.time_ns()))
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def connections_used(cmd, base_url, log, requests):
    """Distinct nginx connection ids seen while `cmd` made `requests` sequential calls."""
    time.sleep(1.5)  # let nginx flush the previous run's lines (flush=1s) before taking the offset
    before = os.path.getsize(log) if os.path.exists(log) else 0
    run_once(cmd, base_url, requests)
    time.sleep(1.5)  # nginx flushes its log buffer every second
    with open(log) as f:
        f.seek(before)
        lines = [l.split() for l in f if l.strip()]
    return len({l[0] for l in lines}), len(lines)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--base-url", required=True)
    p.add_argument("--logged-base-url", required=True, help="the same page, with an access log")
    p.add_argument("--out", required=True)
    p.add_argument("--python", required=True)
    p.add_argument("--access-log", required=True)
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--requests", type=int, default=5000)
    p.add_argument("--python-requests", type=int, default=1000)
    p.add_argument("--pin-cpu", default="0", help="CPU for nginx and the sequential clients, or 'none'")
    a = p.parse_args()
    if a.pin_cpu != "none":
        PIN.extend(["taskset", "-c", a.pin_cpu])

    runs = {name: [] for name, _, _ in contenders(a.out, a.python)}
    for r in range(a.rounds):
        for name, kind, cmd in contenders(a.out, a.python):
            n = a.python_requests if kind == "python" else a.requests
            runs[name].append(run_once(cmd, a.base_url, n))
        print(f"round {r + 1}/{a.rounds} done", file=sys.stderr)

    def med(name, key):
        return statistics.median(x[key] for x in runs[name])

    def us_per_req(name):
        return statistics.median(x["seconds"] / x["requests"] * 1e6 for x in runs[name])

    def cpu_us_per_req(name):
        return statistics.median(x["cpu_seconds"] / x["requests"] * 1e6 for x in runs[name])

    curl = us_per_req("libcurl + cJSON (C)")
    python = us_per_req("official Python SDK 0.20.3")
    reqwest = us_per_req("reqwest::blocking + serde_json")
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}; "
          f"date {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.")
    pinned = f"nginx and each client pinned to CPU {a.pin_cpu}" if PIN else "unpinned"
    print(f"Medians of {a.rounds} alternated runs; {a.requests} calls a run "
          f"({a.python_requests} for Python) after one warm-up call; {pinned}.\n")
    print("| contender | req/s | µs/req | speed vs libcurl+cJSON | client CPU µs/req | CPU vs libcurl+cJSON | peak RSS (KiB) | start to first parsed response (µs) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    curl_cpu = cpu_us_per_req("libcurl + cJSON (C)")
    for name, kind, _ in contenders(a.out, a.python):
        us = us_per_req(name)
        cpu = cpu_us_per_req(name)
        first = f"{med(name, 'first_response_us'):,.0f}"
        print(f"| {name} | {1e6 / us:,.0f} | {us:.1f} | {curl / us:.2f}x | {cpu:.1f} | {cpu / curl_cpu:.2f}x "
              f"| {med(name, 'peak_rss_kb'):,.0f} | {first} |")
    capi = us_per_req("C API (this crate)")
    typed = us_per_req("Rust typed API (this crate)")
    rss_ratio = med("C API (this crate)", "peak_rss_kb") / med("libcurl + cJSON (C)", "peak_rss_kb")
    print("\nTargets (ratios from this run):\n")
    cpu = cpu_us_per_req
    print(f"- C API vs libcurl+cJSON: {curl / capi:.2f}x the speed (target >= 0.9x); "
          f"client CPU per call {cpu('C API (this crate)') / cpu('libcurl + cJSON (C)'):.2f}x libcurl's")
    print(f"- C API vs official Python SDK: {python / capi:.1f}x the speed (target >= 12x); "
          f"the SDK uses {cpu('official Python SDK 0.20.3') / cpu('C API (this crate)'):.1f}x the C API's client CPU per call")
    print(f"- Rust typed API vs reqwest::blocking: {reqwest / typed:.2f}x the speed (target >= 1.0x); "
          f"reqwest uses {cpu('reqwest::blocking + serde_json') / cpu('Rust typed API (this crate)'):.2f}x the client CPU per call")
    print(f"- C API peak RSS vs libcurl+cJSON: {rss_ratio:.2f}x (target <= 1.5x)")

    print("\nConnections (nginx `$connection` ids in its access log) for 1,000 sequential calls:\n")
    for name, kind, cmd in contenders(a.out, a.python):
        if kind == "python":
            continue
        conns, reqs = connections_used(cmd, a.logged_base_url, a.access_log, 1000)
        print(f"- {name}: {reqs} requests on {conns} TCP connection(s)")

    print("\nOne Rust `Client` shared by N threads, threads free to use both CPUs (median of 3 runs, "
          f"{a.requests} calls in all per run):\n")
    print("| threads | req/s | vs 1 thread |")
    print("|---:|---:|---:|")
    typed_cmd = contenders(a.out, a.python)[1][2]
    base = None
    for t in (1, 2, 4, 8):
        rates = [x["requests"] / x["seconds"] for x in (run_once(typed_cmd, a.base_url, a.requests, t, pin=False) for _ in range(3))]
        rate = statistics.median(rates)
        base = base or rate
        print(f"| {t} | {rate:,.0f} | {rate / base:.2f}x |")


if __name__ == "__main__":
    main()
