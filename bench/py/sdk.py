"""Contender 6: the official Python SDK (pip install agentphone). usage: sdk.py BASE_URL REQUESTS"""
import json
import os
import sys
import time

from agentphone import AgentPhone


def since_exec_us():
    t0 = os.environ.get("BENCH_T0_NS")
    return (time.time_ns() - int(t0)) / 1e3 if t0 else -1


def peak_rss_kb():
    """VmHWM: getrusage's ru_maxrss keeps the forked parent's peak after exec."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def main():
    base_url, n = sys.argv[1], int(sys.argv[2])
    client = AgentPhone(api_key="sk_bench", base_url=base_url)
    page = client.numbers.list(limit=20)
    first = since_exec_us()
    assert len(page.data) == 20
    start = time.perf_counter()
    cpu_start = time.process_time()
    for _ in range(n):
        page = client.numbers.list(limit=20)
        assert len(page.data) == 20
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    print(json.dumps({"requests": n, "seconds": seconds, "cpu_seconds": cpu,
                      "first_response_us": first, "peak_rss_kb": peak_rss_kb()}))


if __name__ == "__main__":
    main()
