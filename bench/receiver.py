"""The receiver benchmark (BENCHMARKS.md, "Receiving webhooks"). Each server is started and
warmed up, then loaded by bench/rust's `receiver_load` in alternating rounds (A B C D A B C D
...): distinct signed deliveries over kept-alive connections. Events per second come from the
load's wall time; CPU per event from the server's own processes (user + system time of the
server and its children, from /proc), which the load's own CPU does not blur. Called by
bench/run, which builds everything and starts nginx; stdlib only."""
import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SECRET = "whsec_bench_receiver"
TICK = os.sysconf("SC_CLK_TCK")


def tree_cpu(root):
    """Seconds of CPU used so far by `root` and its descendants."""
    parent, used = {}, {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(name)
        parent[pid] = int(fields[1])
        used[pid] = (int(fields[11]) + int(fields[12])) / TICK
    total = 0.0
    for pid, ticks in used.items():
        p = pid
        while p and p != root:
            p = parent.get(p, 0)
        if p == root:
            total += ticks
    return total


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, proc):
    for _ in range(200):
        if proc is not None and proc.poll() is not None:
            sys.exit(f"the server exited: {proc.stderr.read() if proc.stderr else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"nothing listens on {port}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--python", required=True)
    p.add_argument("--nginx-url", required=True, help="an nginx location that answers 204")
    p.add_argument("--nginx-pid-file", required=True)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--requests", type=int, default=40000)
    p.add_argument("--python-requests", type=int, default=8000)
    p.add_argument("--connections", type=int, default=8)
    a = p.parse_args()
    load = os.path.join(HERE, "rust", "target", "release", "receiver_load")
    venv_bin = os.path.dirname(a.python)
    env = dict(os.environ, BENCH_WEBHOOK_SECRET=SECRET, PYTHONDONTWRITEBYTECODE="1")

    servers = []  # (name, process or None, pid, url, requests)
    def start(name, cmd, port, requests, url_path="/webhook"):
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True, cwd=os.path.join(HERE, "py"))
        wait_listening(port, proc)
        servers.append((name, proc, proc.pid, f"http://127.0.0.1:{port}{url_path}", requests))

    port = free_port()
    start("C receiver (this crate): verify, dedupe, C callback",
          [os.path.join(a.out, "receiver"), SECRET, str(port)], port, a.requests)
    port = free_port()
    start("Python, standard library server + SDK verify_webhook",
          [a.python, os.path.join(HERE, "py", "receiver_stdlib.py"), SECRET, str(port)], port,
          a.python_requests)
    port = free_port()
    start("Python, FastAPI on uvicorn + SDK verify_webhook",
          [os.path.join(venv_bin, "uvicorn"), "receiver_fastapi:app", "--host", "127.0.0.1",
           "--port", str(port), "--log-level", "warning", "--no-access-log"], port,
          a.python_requests)
    with open(a.nginx_pid_file) as f:
        nginx_pid = int(f.read().strip())
    servers.append(("nginx `return 204` (no verification: the ceiling)", None, nginx_pid,
                    a.nginx_url, a.requests))

    def load_once(url, requests):
        done = subprocess.run([load, url, SECRET, str(a.connections), str(requests)],
                              capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            sys.exit(f"receiver_load {url} failed:\n{done.stderr}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    runs = {name: [] for name, *_ in servers}
    try:
        for name, _, _, url, requests in servers:  # warm-up, unrecorded
            load_once(url, max(500, requests // 10))
        for _ in range(a.rounds):
            for name, _, pid, url, requests in servers:
                before = tree_cpu(pid)
                r = load_once(url, requests)
                cpu = tree_cpu(pid) - before
                ok = sum(n for s, n in r["statuses"].items() if s.startswith("2"))
                if ok != requests:
                    sys.exit(f"{name}: {r['statuses']} of {requests}")
                runs[name].append((requests / r["seconds"], cpu / requests * 1e6))
    finally:
        for _, proc, *_ in servers:
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=10)

    med = {name: (statistics.median(x for x, _ in rs), statistics.median(c for _, c in rs))
           for name, rs in runs.items()}
    ours = med[servers[0][0]]
    print(f"{a.connections} kept-alive connections, one delivery in flight on each; "
          f"{a.requests} deliveries a run ({a.python_requests} for Python), "
          f"{a.rounds} rounds, medians.\n")
    print("| receiver | events/s | server CPU per event | this crate's events/s, as a multiple |")
    print("|---|---:|---:|---:|")
    for name, (rate, cpu) in med.items():
        print(f"| {name} | {rate:,.0f} | {cpu:.1f} us | {ours[0] / rate:.2f}x |")
    python_best = max(v for n, v in med.items() if n.startswith("Python"))
    nginx = med[servers[-1][0]]
    print()
    print(f"- vs the faster Python receiver: {ours[0] / python_best[0]:.1f}x the events/s, "
          f"{python_best[1] / ours[1]:.1f}x less CPU per event (target: >= 20x)")
    print(f"- vs nginx answering 204: {ours[0] / nginx[0]:.2f}x the events/s, "
          f"{ours[1] / nginx[1]:.2f}x its CPU per event (target: >= 0.5x)")


if __name__ == "__main__":
    main()
