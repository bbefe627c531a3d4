"""Benchmark the reference portal: im.department.get calls per second over keep-alive.

Usage: .venv/bin/python bench/portal.py [--seconds 5] [--threads 1] [--user-data]

Starts a portal on loopback (no rate limit), hammers it with one requests.Session per thread
for a few seconds, and prints requests/s and p50/p99 latency. A script, not a test: the figure
depends on the machine.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time

import requests

from b24conform.portal import ReferencePortal


def hammer(url: str, payload: dict, until: float, latencies: list[float]) -> None:
    session = requests.Session()
    local = []
    while True:
        t0 = time.perf_counter()
        if t0 >= until:
            break
        response = session.post(url, json=payload)
        local.append(time.perf_counter() - t0)
        if response.status_code != 200:
            raise SystemExit(f"unexpected status {response.status_code}: {response.text[:200]}")
    latencies.extend(local)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--user-data", action="store_true", help="ask USER_DATA=Y")
    args = parser.parse_args()
    with ReferencePortal() as portal:
        ids = list(portal.company.departments)[:2]
        payload = {"ID": ids, "USER_DATA": "Y" if args.user_data else "N"}
        url = portal.webhook_url("employee") + "im.department.get"
        requests.post(url, json=payload).raise_for_status()  # warm-up
        latencies: list[float] = []
        until = time.perf_counter() + args.seconds
        started = time.perf_counter()
        threads = [
            threading.Thread(target=hammer, args=(url, payload, until, latencies))
            for _ in range(args.threads)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(
        f"im.department.get: {len(latencies)} calls in {elapsed:.2f} s with {args.threads} "
        f"thread(s): {len(latencies) / elapsed:.0f} req/s, "
        f"p50 {statistics.median(latencies) * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms"
    )


if __name__ == "__main__":
    main()
