"""POST, PUT, PATCH and DELETE with JSON bodies, end to end, through each of the three entry
points — host-relay's HTTP gateway, its WebSocket (the frame's delegated ``web.request``) and
``call_api(path, method=, json=)`` from a Streamlit script — on real NATS, a real http-bridge and a
real upstream HTTP server that records what reaches it. The routes come from one routes file, which
the bridge, the relay and the Streamlit host all read.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from streamlit.testing.v1 import AppTest

from tests.integration.conftest import FRAME_ORIGIN
from tests.integration.forge import claims_of
from tests.integration.frame import delegated_request
from tests.integration.oidc import USERS, Tokens
from tests.integration.stack import DevIdp, NatsServer, Relay, StackRun, wait_for

METHODS = ("POST", "PUT", "PATCH", "DELETE")
PATH = "/api/t/echo"


class Upstream:
    """A real HTTP server answering every request with what it received (and keeping a list)."""

    def __init__(self) -> None:
        self.hits: list[dict[str, Any]] = []
        hits = self.hits

        class Echo(BaseHTTPRequestHandler):
            def _echo(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                hit = {"method": self.command, "path": self.path, "body": json.loads(self.rfile.read(length) or b"null"), "authorized": bool(self.headers.get("Authorization"))}
                hits.append(hit)
                data = json.dumps(hit).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _echo

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def upstream() -> Iterator[Upstream]:
    server = Upstream()
    yield server
    server.close()


@pytest.fixture(scope="module")
def routes_file(upstream: Upstream, tmp_path_factory: pytest.TempPathFactory) -> Path:
    file = tmp_path_factory.mktemp("bridge") / "routes.json"
    routes = [{"id": f"echo-{m.lower()}", "method": m, "path": PATH, "upstream": f"http://127.0.0.1:{upstream.port}/echo"} for m in METHODS]
    file.write_text(json.dumps({"routes": routes}))
    return file


@pytest.fixture(scope="module")
def bridge(nats_server: NatsServer, dev_idp: DevIdp, routes_file: Path) -> Iterator[StackRun]:
    run = StackRun(
        ["http-bridge"],
        env={"http-bridge": {"BRIDGE_ROUTES_FILE": str(routes_file), "LOG_LEVEL": "warn"}},
        only=True,
        ports={"nats": nats_server.port, "natsMonitor": nats_server.monitor_port, "devIdp": dev_idp.run.ports["devIdp"]},
    )
    yield run
    run.down()


@pytest.fixture(scope="module")
def bridged_relay(nats_server: NatsServer, routes_file: Path, bridge: StackRun) -> Iterator[Relay]:
    run = StackRun(
        ["host-relay"],
        env={"host-relay": {"RELAY_ALLOWED_ORIGINS": FRAME_ORIGIN, "LOG_LEVEL": "warn", "BRIDGE_ROUTES_FILE": str(routes_file)}},
        only=True,
        ports={"nats": nats_server.port, "natsMonitor": nats_server.monitor_port},
    )
    relay = Relay(nats_server, run=run)
    yield relay
    run.down()


def _last_hit(upstream: Upstream, before: int) -> dict[str, Any]:
    wait_for(lambda: len(upstream.hits) > before, "the upstream call", timeout=5)
    assert len(upstream.hits) == before + 1
    return upstream.hits[-1]


@pytest.mark.parametrize("method", METHODS)
def test_http_gateway(method: str, bridged_relay: Relay, upstream: Upstream, tokens: dict[str, Tokens]) -> None:
    before = len(upstream.hits)
    body = {"text": f"via HTTP {method}"}
    res = requests.request(method, f"http://127.0.0.1:{bridged_relay.port}{PATH}", json=body, headers={"Authorization": f"Bearer {tokens['alice'].access_token}"}, timeout=10)
    assert res.status_code == 200, res.text
    assert res.json() == {"method": method, "path": "/echo", "body": body, "authorized": True}
    assert _last_hit(upstream, before)["body"] == body
    # Without a token the bridge refuses it; the upstream never hears of it.
    assert requests.request(method, f"http://127.0.0.1:{bridged_relay.port}{PATH}", json=body, timeout=10).status_code == 401
    assert len(upstream.hits) == before + 1


@pytest.mark.parametrize("method", METHODS)
def test_websocket_web_request(method: str, bridged_relay: Relay, upstream: Upstream, tokens: dict[str, Tokens]) -> None:
    before = len(upstream.hits)
    body = {"text": f"via the frame {method}", "n": 1}
    result = delegated_request(
        bridged_relay.ws_url, FRAME_ORIGIN, f"methods-{uuid.uuid4().hex[:8]}", tokens["alice"].access_token,
        {"type": "web.request", "id": f"m-{method.lower()}", "method": method, "path": PATH, "body": body, "useauth": True},
    )
    assert result["ok"] is True and result["status"] == 200, result
    assert result["data"] == {"method": method, "path": "/echo", "body": body, "authorized": True}
    assert _last_hit(upstream, before)["method"] == method


def _script() -> None:
    """A Streamlit page: the login bar, then the call the test put into the session."""
    import streamlit as st

    from streamlit_auth0_bus import call_api, current_user, login_bar
    from streamlit_auth0_bus.errors import BusError

    login_bar(show_status=False)
    call = st.session_state.get("call")
    if call and current_user() is not None:
        try:
            st.session_state["reply"] = call_api(call["path"], method=call["method"], json=call.get("json"))
        except BusError as err:
            st.session_state["reply"] = {"error": err.code}


@pytest.fixture()
def page(app_env: None, monkeypatch: pytest.MonkeyPatch, routes_file: Path, bridge: StackRun, stack: dict[str, object], tokens: dict[str, Tokens]) -> AppTest:
    monkeypatch.setenv("BRIDGE_ROUTES_FILE", str(routes_file))
    at = AppTest.from_function(_script, default_timeout=30)
    at.run()
    profile, token = USERS["alice"], tokens["alice"].access_token
    at.session_state["auth0_login_bar"] = {
        "name": "onStatusUpdate",
        "seq": int(time.time() * 1000),
        "data": {"user": {"sub": profile["sub"], "name": profile["name"], "email": profile["email"]}, "token": {"value": token, "expiry": claims_of(token)["exp"]}, "cause": "login"},
    }
    at.run()
    assert not at.exception
    return at


@pytest.mark.parametrize("method", METHODS)
def test_call_api(method: str, page: AppTest, upstream: Upstream) -> None:
    before = len(upstream.hits)
    body = {"text": f"from Streamlit {method}"}
    page.session_state["call"] = {"path": PATH, "method": method, "json": body}
    page.run()
    assert not page.exception
    reply = page.session_state["reply"]
    assert reply["status"] == 200 and reply["route"] == f"echo-{method.lower()}", reply
    assert reply["data"] == {"method": method, "path": "/echo", "body": body, "authorized": True}
    assert _last_hit(upstream, before)["body"] == body


def test_call_api_posts_a_note_and_lists_it(page: AppTest) -> None:
    text = f"note {uuid.uuid4().hex[:8]}"
    page.session_state["call"] = {"path": "/api/notes", "method": "POST", "json": {"text": text}}
    page.run()
    created = page.session_state["reply"]
    assert created["text"] == text and created["sub"] == USERS["alice"]["sub"]
    page.session_state["call"] = {"path": "/api/notes", "method": "GET"}
    page.run()
    assert created in page.session_state["reply"]["notes"]
