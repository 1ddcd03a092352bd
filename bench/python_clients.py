"""Scenario 1 of `npm run bench`: a protected call from Python, both ways.

- ours: the Streamlit host's bus client (`streamlit_auth0_bus.BusClient`) → `api.pong`;
- the article's: Python `requests` → the baseline Flask `/api/pong`.

Each is measured sequentially and with N requests in flight (N threads, as Streamlit's script
threads would be). Prints one JSON object on stdout. Not a test.

    python bench/python_clients.py --nats-url URL --token TOKEN --flask-url URL [--seq 300] [--in-flight 50] [--per-thread 20]

Also, for scenario 5 (bench/login.mjs): ``auth.verify`` as the Streamlit host sends it, once per
fresh access token read from stdin (a JSON list) — the first verification of each, as at login:

    python bench/python_clients.py verify --nats-url URL --nats-password PASSWORD < tokens.json
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import requests

from streamlit_auth0_bus.bus_client import BusClient
from streamlit_auth0_bus.config import load_settings


def percentile(sorted_ms: list[float], p: float) -> float:
    if not sorted_ms:
        return float("nan")
    k = min(len(sorted_ms) - 1, max(0, round(p / 100 * (len(sorted_ms) - 1))))
    return sorted_ms[k]


def summarize(latencies_ms: list[float], elapsed_s: float, errors: int) -> dict[str, float]:
    ordered = sorted(latencies_ms)
    return {
        "requests": len(latencies_ms),
        "errors": errors,
        "req_per_s": round(len(latencies_ms) / elapsed_s, 1) if elapsed_s else 0.0,
        "p50_ms": round(percentile(ordered, 50), 3),
        "p99_ms": round(percentile(ordered, 99), 3),
        "mean_ms": round(statistics.fmean(ordered), 3) if ordered else float("nan"),
    }


def sequential(call: Callable[[], None], n: int) -> dict[str, float]:
    latencies, errors = [], 0
    started = time.perf_counter()
    for _ in range(n):
        t = time.perf_counter()
        try:
            call()
            latencies.append((time.perf_counter() - t) * 1000)
        except Exception:  # noqa: BLE001 - a benchmark counts failures, it does not stop on them
            errors += 1
    return summarize(latencies, time.perf_counter() - started, errors)


def in_flight(make_call: Callable[[], Callable[[], None]], threads: int, per_thread: int) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def worker() -> None:
        nonlocal errors
        call = make_call()
        mine, failed = [], 0
        for _ in range(per_thread):
            t = time.perf_counter()
            try:
                call()
                mine.append((time.perf_counter() - t) * 1000)
            except Exception:  # noqa: BLE001
                failed += 1
        with lock:
            latencies.extend(mine)
            errors += failed

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for f in [pool.submit(worker) for _ in range(threads)]:
            f.result()
    return summarize(latencies, time.perf_counter() - started, errors)


def connect(nats_url: str, nats_password: str, name: str) -> BusClient:
    settings = load_settings({"NATS_URL": nats_url, "NATS_USER": "streamlit-host", "NATS_PASSWORD": nats_password})
    client = BusClient(settings, name=name)
    if not client.wait_connected(10):
        raise SystemExit("bus client did not connect")
    return client


def verify_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nats-url", required=True)
    parser.add_argument("--nats-password", required=True)
    args = parser.parse_args(argv)
    tokens: list[str] = json.load(sys.stdin)
    client = connect(args.nats_url, args.nats_password, "bench-verify")
    body = {"caller": "streamlit-host", "session_id": "bench-login"}
    latencies = []
    for token in tokens:
        t = time.perf_counter()
        identity = client.request("auth.verify", body, token=token, timeout=5)
        latencies.append((time.perf_counter() - t) * 1000)
        assert identity["sub"]
    client.close()
    print(json.dumps(summarize(latencies, sum(latencies) / 1000, 0)))


def main() -> None:
    if sys.argv[1:2] == ["verify"]:
        verify_main(sys.argv[2:])
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--nats-url", required=True)
    parser.add_argument("--nats-password", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--flask-url", required=True)
    parser.add_argument("--seq", type=int, default=300)
    parser.add_argument("--in-flight", type=int, default=50)
    parser.add_argument("--per-thread", type=int, default=20)
    args = parser.parse_args()

    client = connect(args.nats_url, args.nats_password, "bench")

    def bus_call() -> None:
        reply = client.request("api.pong", token=args.token, timeout=5)
        assert reply["sub"]

    pong_url = f"{args.flask_url}/api/pong"
    auth = {"Authorization": f"Bearer {args.token}"}

    def http_caller() -> Callable[[], None]:
        session = requests.Session()  # one connection per thread, as a well-written client would

        def call() -> None:
            res = session.get(pong_url, headers=auth, timeout=30)
            res.raise_for_status()

        return call

    for _ in range(20):  # warm-up: connections, caches, JIT
        bus_call()
        http_caller()()

    result = {
        "bus": {
            "sequential": sequential(bus_call, args.seq),
            "in_flight": in_flight(lambda: bus_call, args.in_flight, args.per_thread),
        },
        "http_baseline": {
            "sequential": sequential(http_caller(), args.seq),
            "in_flight": in_flight(http_caller, args.in_flight, args.per_thread),
        },
    }
    client.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
