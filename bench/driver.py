"""Runs the contenders against nginx over plain HTTP, HTTPS with keep-alive and HTTPS with a new
connection per call, alternating them run by run (A B C ... A B C ...), and prints the Markdown
tables of BENCHMARKS.md. Called by bench/run, which builds everything and
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


TLS_ENV = {}  # over HTTPS: the bench CA, in each contender's own way of being told


def run_once(cmd, base_url, requests, threads=None, pin=True):
    args = (PIN if pin else []) + cmd + [base_url, str(requests)] + ([str(threads)] if threads else [])
    env = dict(os.environ, **(TLS_ENV if base_url.startswith("https:") else {}))
    env["BENCH_T0_NS"] = str(time.time_ns())
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
    p.add_argument("--tls-base-url", required=True, help="the same page over HTTPS, keep-alive")
    p.add_argument("--tls-new-connection-base-url", required=True, help="over HTTPS, no keep-alive")
    p.add_argument("--ca-file", required=True, help="the CA that signed the HTTPS certificate")
    p.add_argument("--tls-requests", type=int, default=1000, help="calls a run with a new connection each")
    a = p.parse_args()
    if a.pin_cpu != "none":
        PIN.extend(["taskset", "-c", a.pin_cpu])

    TLS_ENV.update({
        "AGENTPHONE_CA_FILE": a.ca_file,  # this crate, from C and Rust
        "BENCH_CA_FILE": a.ca_file,  # libcurl (CURLOPT_CAINFO), reqwest and ureq (a root each)
        "REQUESTS_CA_BUNDLE": a.ca_file,  # the Python SDK (requests)
    })

    def measure(base_url, requests, python_requests):
        runs = {name: [] for name, _, _ in contenders(a.out, a.python)}
        for r in range(a.rounds):
            for name, kind, cmd in contenders(a.out, a.python):
                n = python_requests if kind == "python" else requests
                runs[name].append(run_once(cmd, base_url, n))
            print(f"{base_url}: round {r + 1}/{a.rounds} done", file=sys.stderr)
        return runs

    modes = [
        ("Plain HTTP, keep-alive", measure(a.base_url, a.requests, a.python_requests), a.requests),
        ("HTTPS (TLS 1.3), keep-alive", measure(a.tls_base_url, a.requests, a.python_requests), a.requests),
        ("HTTPS (TLS 1.3), a new connection and handshake for every call (nginx `keepalive_timeout 0`)",
         measure(a.tls_new_connection_base_url, a.tls_requests, a.tls_requests), a.tls_requests),
    ]

    def med(runs, name, key):
        return statistics.median(x[key] for x in runs[name])

    def us_per_req(runs, name):
        return statistics.median(x["seconds"] / x["requests"] * 1e6 for x in runs[name])

    def cpu_us_per_req(runs, name):
        return statistics.median(x["cpu_seconds"] / x["requests"] * 1e6 for x in runs[name])

    CURL, PY, REQWEST = "libcurl + cJSON (C)", "official Python SDK 0.20.3", "reqwest::blocking + serde_json"
    CAPI, TYPED = "C API (this crate)", "Rust typed API (this crate)"
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}; "
          f"date {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.")
    pinned = f"nginx and each client pinned to CPU {a.pin_cpu}" if PIN else "unpinned"
    print(f"Medians of {a.rounds} alternated runs after one warm-up call; {pinned}. "
          f"The Python SDK makes {a.python_requests} calls a run with keep-alive.")
    for title, runs, n in modes:
        curl = us_per_req(runs, CURL)
        curl_cpu = cpu_us_per_req(runs, CURL)
        print(f"\n### {title}: {n} calls a run\n")
        print("| contender | req/s | µs/req | speed vs libcurl+cJSON | client CPU µs/req | CPU vs libcurl+cJSON | peak RSS (KiB) | start to first parsed response (µs) |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for name, kind, _ in contenders(a.out, a.python):
            us = us_per_req(runs, name)
            cpu = cpu_us_per_req(runs, name)
            first = f"{med(runs, name, 'first_response_us'):,.0f}"
            print(f"| {name} | {1e6 / us:,.0f} | {us:.1f} | {curl / us:.2f}x | {cpu:.1f} | {cpu / curl_cpu:.2f}x "
                  f"| {med(runs, name, 'peak_rss_kb'):,.0f} | {first} |")

    plain, tls, fresh = (m[1] for m in modes)
    cpu, us = cpu_us_per_req, us_per_req
    first = lambda runs, name: med(runs, name, "first_response_us")
    print("\nTargets (ratios from this run; \"speed\" is calls per second, so higher is better):\n")
    print("| figure | target | this run |")
    print("|---|---|---:|")
    rows = [
        ("C API vs libcurl+cJSON, plain HTTP: speed", ">= 0.9x", us(plain, CURL) / us(plain, CAPI)),
        ("C API vs libcurl+cJSON, plain HTTP: client CPU per call", "<= 0.8x", cpu(plain, CAPI) / cpu(plain, CURL)),
        ("C API vs libcurl+cJSON, HTTPS keep-alive: speed", ">= 1.0x", us(tls, CURL) / us(tls, CAPI)),
        ("C API vs libcurl+cJSON, HTTPS keep-alive: client CPU per call", "<= 0.9x", cpu(tls, CAPI) / cpu(tls, CURL)),
        ("C API vs libcurl+cJSON, HTTPS new connection per call: client CPU per call", "<= 1.0x", cpu(fresh, CAPI) / cpu(fresh, CURL)),
        ("C API vs libcurl+cJSON, HTTPS cold start (process start to first parsed response)", "<= 0.6x", first(tls, CAPI) / first(tls, CURL)),
        ("C API vs the Python SDK, plain HTTP: speed", ">= 12x", us(plain, PY) / us(plain, CAPI)),
        ("C API vs libcurl+cJSON, plain HTTP: peak RSS", "<= 1.5x", med(plain, CAPI, "peak_rss_kb") / med(plain, CURL, "peak_rss_kb")),
        ("Rust typed API vs reqwest::blocking, plain HTTP: speed", ">= 1.2x", us(plain, REQWEST) / us(plain, TYPED)),
        ("Rust typed API vs reqwest::blocking, HTTPS keep-alive: speed", ">= 1.2x", us(tls, REQWEST) / us(tls, TYPED)),
        ("Rust typed API vs reqwest::blocking, HTTPS keep-alive: reqwest's CPU per call over ours", ">= 1.2x", cpu(tls, REQWEST) / cpu(tls, TYPED)),
        ("Rust typed API vs reqwest::blocking, HTTPS new connection: speed", ">= 1.2x", us(fresh, REQWEST) / us(fresh, TYPED)),
        ("Rust typed API vs reqwest::blocking, HTTPS new connection: reqwest's CPU per call over ours", ">= 1.2x", cpu(fresh, REQWEST) / cpu(fresh, TYPED)),
        ("Rust typed API vs reqwest::blocking, HTTPS cold start: reqwest's over ours", ">= 1.2x", first(tls, REQWEST) / first(tls, TYPED)),
    ]
    for figure, target, value in rows:
        op, bound = target.split()
        bound = float(bound.rstrip("x"))
        met = value >= bound if op == ">=" else value <= bound
        print(f"| {figure} | {target} | {value:.2f}x {'met' if met else '**not met**'} |")

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
