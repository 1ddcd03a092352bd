"""Load from the Streamlit host's own bus client, for the fault suites in faults/test.

Runs ``--concurrency`` threads that share one :class:`streamlit_auth0_bus.BusClient` (as the
Streamlit app's script threads do) and send requests for ``--duration`` seconds, alternating
``api.pong`` (with the token from $FAULTS_TOKEN) and ``auth.verify``. Prints one JSON line per
request — ``{"client", "at" (epoch ms at start), "ms", "ok", "code"?, "deadline_ms"}`` — then a
``{"done": true, ...}`` line. Any exception that is not a typed BusError is reported with the
code ``UNTYPED:<type>``, which the suites count as a failure of the client.

    FAULTS_TOKEN=… .venv/bin/python faults/py/bus_load.py --url nats://127.0.0.1:PORT \
        --password … --duration 12 --concurrency 4 --timeout-ms 1500
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time

from streamlit_auth0_bus import BusClient, Settings
from streamlit_auth0_bus.errors import BusError


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--user", default="streamlit-host")
    parser.add_argument("--password", required=True)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--timeout-ms", type=int, default=1500)
    parser.add_argument("--pause-ms", type=int, default=20)
    args = parser.parse_args()
    token = os.environ["FAULTS_TOKEN"]

    client = BusClient(Settings(nats_url=args.url, nats_user=args.user, nats_password=args.password, bus_timeout_ms=args.timeout_ms), name="streamlit-host:faults")
    if not client.wait_connected(10):
        print(json.dumps({"done": True, "error": f"not connected: {client.last_error}"}), flush=True)
        return 2
    lock = threading.Lock()
    stop_at = time.monotonic() + args.duration
    print(json.dumps({"ready": True, "at": time.time() * 1000}), flush=True)

    def emit(record: dict[str, object]) -> None:
        line = json.dumps(record)
        with lock:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    def worker(n: int) -> None:
        i = 0
        while time.monotonic() < stop_at:
            subject = "api.pong" if (i + n) % 2 == 0 else "auth.verify"
            body = {} if subject == "api.pong" else {"caller": "faults", "session_id": f"py-{n}-{i}"}
            at = time.time() * 1000
            started = time.monotonic()
            record: dict[str, object] = {"client": f"py-{subject}", "at": at, "deadline_ms": args.timeout_ms}
            try:
                client.request(subject, body, token=token)
                record["ok"] = True
            except BusError as err:
                record.update(ok=False, code=err.code)
            except Exception as exc:  # noqa: BLE001 - anything untyped is what the suite looks for
                record.update(ok=False, code=f"UNTYPED:{type(exc).__name__}")
            record["ms"] = (time.monotonic() - started) * 1000
            emit(record)
            i += 1
            time.sleep(args.pause_ms / 1000)

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(args.concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(args.duration + args.timeout_ms / 1000 + 10)
    alive = sum(t.is_alive() for t in threads)
    client.close()
    print(json.dumps({"done": True, "hung_threads": alive}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
