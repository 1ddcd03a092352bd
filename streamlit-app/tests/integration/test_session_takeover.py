"""Issue 13.1 — nobody can take over a Streamlit session with an id from the audit trail or the logs.

Streamlit re-attaches a WebSocket to any session whose id it presents (the third entry of
``Sec-WebSocket-Protocol``). So the Streamlit session id must never leave the Streamlit process:
what the host sends to auth-service (``auth.verify``'s ``session_id``) and to the frame (which
reports it to host-relay → ``auth.session.reported`` → audit) is an opaque correlation id.

Everything is real: ``streamlit run`` of the demo app, nats-server with infra/nats/nats.conf,
dev-idp, auth-service, api-service and host-relay (logging at info). The victim is a client that
speaks Streamlit's WebSocket protocol, logs in as alice the way the component does (its value as
a widget state), and plays the frame's part towards the relay with the args the host gave it. The
attacker then presents every id found in the audit stream and the relay's log as the session to
re-attach, and must always get a fresh, logged-out session.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.sync.client import connect

from streamlit_auth0_bus import BusClient
from streamlit_auth0_bus.contracts import get_contracts
from tests.integration.conftest import FRAME_ORIGIN
from tests.integration.forge import claims_of
from tests.integration.oidc import USERS, Tokens
from tests.integration.stack import DevIdp, NatsServer, Relay, Service
from tests.integration.streamlit_ws import StreamlitServer, StreamlitSession
from tests.support import APP_DIR

COMPONENT = "auth0_login_bar"
#: What an id looks like in these places (the contract's session-id alphabet, split at ':' —
#: a WebSocket subprotocol entry, and so a presentable session id, cannot contain one).
ID_PART = re.compile(r"[A-Za-z0-9._-]{6,128}")


@pytest.fixture()
def chatty_relay(nats_server: NatsServer, auth_service: Service, api_service: Service) -> Iterator[Relay]:
    """A host-relay of its own, logging at info (what an operator's log collector keeps)."""
    relay = Relay(nats_server, log_level="info")
    yield relay
    relay.stop()


@pytest.fixture()
def demo(nats_server: NatsServer, dev_idp: DevIdp, chatty_relay: Relay) -> Iterator[StreamlitServer]:
    server = StreamlitServer(
        APP_DIR / "Home.py",
        {
            "NATS_URL": nats_server.url,
            "NATS_USER": "streamlit-host",
            "NATS_PASSWORD": nats_server.password("streamlit-host"),
            "AUTH0_AUDIENCE": dev_idp.audience,
            "RELAY_URL": chatty_relay.ws_url,
            "BUS_TIMEOUT_MS": "5000",
            "AUTH0_BUS_ENV_FILE": "/nonexistent/.env",
        },
    )
    yield server
    server.stop()


def iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


def report_to_relay(relay: Relay, session_id: str, token: str) -> None:
    """The frame's part: hello with the session id from its args, then session.reported."""
    contracts = get_contracts()
    with connect(relay.ws_url, origin=FRAME_ORIGIN, open_timeout=10) as ws:  # type: ignore[arg-type]
        for frame in ({"type": "hello", "v": 1, "session_id": session_id}, {"type": "session.reported", "token": token}):
            contracts.validate("component.client-frame.v1", frame)
            ws.send(json.dumps(frame))
            want = "welcome" if frame["type"] == "hello" else "session.ack"
            while True:
                reply = json.loads(ws.recv(timeout=10))
                assert reply["type"] != "error", f"relay refused {frame['type']}: {reply}"
                if reply["type"] == want:
                    break


def test_no_id_in_the_audit_trail_or_relay_log_reattaches_the_victims_session(
    demo: StreamlitServer, chatty_relay: Relay, bus: BusClient, tokens: dict[str, Tokens]
) -> None:
    started = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
    alice = USERS["alice"]
    token = tokens["alice"].access_token

    # The victim opens the app and logs in the way the component does.
    victim = StreamlitSession(demo)
    first = victim.rerun()
    victim_session_id = first.session_id
    assert victim_session_id, "no new_session from Streamlit"
    component = first.component(COMPONENT)
    assert component is not None, f"login bar not rendered:\n{first.text[:2000]}\n{demo.logs()}"
    args = json.loads(component.json_args)
    login_event = {
        "name": "onStatusUpdate",
        "seq": int(time.time() * 1000),
        "data": {
            "user": {"sub": alice["sub"], "name": alice["name"], "email": alice["email"]},
            "token": {"value": token, "expiry": claims_of(token)["exp"]},
            "cause": "login",
        },
    }
    logged_in = victim.rerun({component.id: json.dumps(login_event)})
    assert f"Logged in as **{alice['name']}**" in logged_in.text, f"victim not logged in:\n{logged_in.text[:3000]}\n{demo.logs()}"

    # The frame reports the session to the relay with the id the host handed it.
    report_to_relay(chatty_relay, args["session_id"], token)

    # Collect every id an audit reader or a log reader sees.
    def audit_events() -> list[dict[str, Any]]:
        reply = bus.request("audit.query", {"since": iso(started), "limit": 1000}, token=token, timeout=5)
        return list(reply["events"])

    deadline = time.monotonic() + 20
    events = audit_events()
    while not [e for e in events if e.get("kind") == "login.verified" and e.get("sub") == alice["sub"]] and time.monotonic() < deadline:
        time.sleep(0.2)
        events = audit_events()
    assert [e for e in events if e.get("kind") == "login.verified" and e.get("sub") == alice["sub"]], f"no login.verified for alice in {events}"
    deadline = time.monotonic() + 10
    while not any("session reported" in line for line in chatty_relay.log_lines()) and time.monotonic() < deadline:
        time.sleep(0.2)
    log_lines = chatty_relay.log_lines()
    assert any("session reported" in line for line in log_lines), "the relay did not log the session report:\n" + "\n".join(log_lines[-20:])

    candidates: set[str] = set()
    for text in [*strings_in(events), *log_lines]:
        candidates.update(ID_PART.findall(text))
    assert candidates, "found no ids at all — the collection is broken"

    # The attacker presents each of them as the session to re-attach.
    taken_over: list[str] = []
    for candidate in sorted(candidates):
        attacker = StreamlitSession(demo, reattach=candidate)
        try:
            run = attacker.rerun()
        finally:
            attacker.close()
        if run.session_id == victim_session_id or alice["name"] in run.text or alice["sub"] in run.text:
            taken_over.append(candidate)
    assert not taken_over, (
        f"the victim's Streamlit session was re-attached with ids read from the audit trail / relay log: {taken_over}"
    )

    # Control: the attack itself works when the real id is known, so the check above can fail.
    control = StreamlitSession(demo, reattach=victim_session_id)
    try:
        hijacked = control.rerun()
    finally:
        control.close()
    assert hijacked.session_id == victim_session_id and alice["name"] in hijacked.text
    victim.close()
