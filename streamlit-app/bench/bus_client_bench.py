"""Benchmark of the Python side: BusClient request latency and throughput against the real
services, and the time from an onStatusUpdate to a verified session (the handler's cost).

    .venv/bin/python streamlit-app/bench/bus_client_bench.py [--requests 500] [--threads 8] [--out FILE]

Starts its own nats-server, dev-idp, auth-service and api-service on free ports (the integration
harness), prints one JSON document, stops everything. Timing goals live here, not in the tests:
  - api.pong p95 (sequential)            < 10 ms
  - onStatusUpdate → verified session p95 < 25 ms
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "streamlit-app"))

from streamlit_auth0_bus import BusClient, BusVerifier, Settings, handle_status_update  # noqa: E402
from tests.integration.conftest import API_SERVICE_MAIN, AUTH_SERVICE_MAIN, Service, service_env  # noqa: E402
from tests.integration.harness import DevIdp, NatsServer  # noqa: E402

GOALS_MS = {"api.pong.sequential.p95": 10.0, "verify_handler.p95": 25.0}


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"n": len(ordered), "mean": round(statistics.fmean(ordered), 3), "p50": round(pick(0.5), 3), "p95": round(pick(0.95), 3), "p99": round(pick(0.99), 3), "max": round(ordered[-1], 3)}


def timed(fn: Any, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--out", type=Path)
    opts = parser.parse_args()

    nats = NatsServer()
    idp = DevIdp()
    client = BusClient(Settings(nats_url=nats.url, nats_password=nats.password("streamlit-host")))
    auth = Service("auth-service", AUTH_SERVICE_MAIN, service_env(nats, idp, "auth-service", "auth-bench"), "auth.verify", nats)
    api = Service("api-service", API_SERVICE_MAIN, service_env(nats, idp, "api-service", "api-bench"), "api.ping", nats)
    try:
        client.wait_connected(10)
        auth.start(client)
        api.start(client)
        token = idp.login("alice").access_token
        warm = max(20, opts.requests // 10)
        timed(lambda: client.request("api.pong", token=token), warm)

        results: dict[str, Any] = {}
        results["api.ping.sequential"] = percentiles(timed(lambda: client.request("api.ping"), opts.requests))
        results["api.pong.sequential"] = percentiles(timed(lambda: client.request("api.pong", token=token), opts.requests))

        def verify_once() -> None:
            state: dict[str, Any] = {}
            data = {"user": {"sub": "auth0|alice"}, "token": {"value": token, "expiry": int(time.time()) + 600}, "cause": "login"}
            assert handle_status_update(data, verifier=BusVerifier(client), state=state).status == "logged_in"

        results["verify_handler"] = percentiles(timed(verify_once, opts.requests))

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=opts.threads) as pool:
            lat = list(pool.map(lambda _: timed(lambda: client.request("api.pong", token=token), 1)[0], range(opts.requests)))
        elapsed = time.perf_counter() - started
        results[f"api.pong.{opts.threads}_threads"] = {**percentiles(lat), "throughput_rps": round(opts.requests / elapsed, 1)}

        goals = {
            "api.pong.sequential.p95": results["api.pong.sequential"]["p95"],
            "verify_handler.p95": results["verify_handler"]["p95"],
        }
        report = {
            "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "requests": opts.requests,
            "results_ms": results,
            "goals_ms": {k: {"goal": GOALS_MS[k], "measured": v, "met": v < GOALS_MS[k]} for k, v in goals.items()},
        }
        text = json.dumps(report, indent=2)
        print(text)
        if opts.out:
            opts.out.write_text(text + "\n")
        return 0 if all(g["met"] for g in report["goals_ms"].values()) else 1
    finally:
        api.stop()
        auth.stop()
        client.close()
        idp.stop()
        nats.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
