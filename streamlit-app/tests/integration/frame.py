"""Plays the component frame's side of the relay protocol (apps/host-relay/README.md) with a real
WebSocket: what the browser frame does for a delegated WebRequest, so that the web.result the
Streamlit host receives as onActionResult is the real relay's answer."""

from __future__ import annotations

import json
from typing import Any

from websockets.sync.client import connect

from streamlit_auth0_bus.contracts import get_contracts


def delegated_request(ws_url: str, origin: str, session_id: str, token: str | None, request: dict[str, Any]) -> dict[str, Any]:
    """hello → session.reported (if a token) → web.request; returns the web.result (validated)."""
    contracts = get_contracts()
    with connect(ws_url, origin=origin, open_timeout=10) as ws:  # type: ignore[arg-type]

        def send(frame: dict[str, Any]) -> None:
            contracts.validate("component.client-frame.v1", frame)
            ws.send(json.dumps(frame))

        def receive(kind: str) -> dict[str, Any]:
            while True:
                frame = json.loads(ws.recv(timeout=10))
                contracts.validate("component.server-frame.v1", frame)
                if frame["type"] == kind:
                    return frame
                if frame["type"] == "error":
                    raise AssertionError(f"relay refused a frame: {frame}")

        send({"type": "hello", "v": 1, "session_id": session_id})
        receive("welcome")
        if token:
            send({"type": "session.reported", "token": token})
            receive("session.ack")
        send({"type": "web.request", **request})
        return receive("web.result")
