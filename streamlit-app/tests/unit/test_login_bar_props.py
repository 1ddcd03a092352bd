"""What login_bar() hands to the component frame (read from the element AppTest records)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from tests.support import APP_DIR


def component(at: AppTest) -> Any:
    elements = at.get("component_instance")
    assert len(elements) == 1
    return elements[0].proto


def args(at: AppTest) -> dict[str, Any]:
    return json.loads(component(at).json_args)


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NATS_URL", "nats://127.0.0.1:9")
    monkeypatch.setenv("AUTH0_BUS_ENV_FILE", "/nonexistent/.env")


def test_development_mode_uses_the_component_url_and_passes_the_props(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPONENT_URL", "http://localhost:3999/streamlit")
    monkeypatch.setenv("RELAY_URL", "ws://relay.test:8888/ws")
    monkeypatch.setenv("APP_HOSTNAME", "Demo under test")
    at = AppTest.from_file(str(APP_DIR / "Home.py"), default_timeout=30).run()
    assert not at.exception
    proto = component(at)
    assert proto.url == "http://localhost:3999/streamlit"
    assert proto.component_name.endswith("auth0_login_bar")
    a = args(at)
    assert a["hostname"] == "Demo under test"
    assert a["relay_url"] == "ws://relay.test:8888/ws"
    assert a["events"] == ["onStatusUpdate", "onActionResult", "onError"]
    assert a["initial_state"] == {"logged_in": False, "user": None}
    # The frame gets the session's opaque correlation id, never Streamlit's session id
    # (AppTest's is "test session id"): issue 13.1.
    assert a["session_id"] == at.session_state["auth0_bus.correlation_id"]
    assert "test" not in a["session_id"] and len(a["session_id"]) >= 22
    again = at.run()
    assert args(again)["session_id"] == a["session_id"], "stable for the whole Streamlit session"
    other = AppTest.from_file(str(APP_DIR / "Home.py"), default_timeout=30).run()
    assert args(other)["session_id"] != a["session_id"], "random per Streamlit session"
    assert "action_request" not in a


def test_delegated_request_button_hands_an_action_request_to_the_frame() -> None:
    at = AppTest.from_file(str(APP_DIR / "Home.py"), default_timeout=30).run()
    next(b for b in at.button if b.label == "Delegated WebRequest").click().run()
    assert not at.exception
    action = args(at)["action_request"]
    assert action["path"] == "/api/pong" and action["method"] == "GET" and action["useauth"] is True
    assert action["id"].startswith("req-") and action == at.session_state["auth0_bus.action_request"]


def test_the_self_check_probes_only_while_nobody_is_logged_in(monkeypatch: pytest.MonkeyPatch) -> None:
    """The probes are HTTP round trips; the rerun that shows a fresh login must not wait on them."""
    import time

    from streamlit_auth0_bus import diagnostics
    from streamlit_auth0_bus.session import SESSION_KEY, VerifiedUser

    calls: list[str | None] = []

    def counting(settings: Any, page_origin: str | None, **_: Any) -> list[Any]:
        calls.append(page_origin)
        return []

    monkeypatch.setenv("COMPONENT_SELF_CHECK", "true")
    monkeypatch.setattr(diagnostics, "diagnose", counting)
    monkeypatch.setattr("streamlit_auth0_bus.helpers.diagnose", counting)
    at = AppTest.from_file(str(APP_DIR / "Home.py"), default_timeout=30).run()
    assert not at.exception
    assert len(calls) == 1, "logged out: the bar checks why the component might not work"
    at.session_state[SESSION_KEY] = VerifiedUser(
        sub="auth0|alice", permissions=("read:messages",), expiry=int(time.time()) + 600,
        issuer="http://localhost:4400/", verified_by="test", verified_at=time.time(), name="Alice Example",
    )
    at.run()
    assert not at.exception
    assert len(calls) == 1, "logged in: no probe on the rerun"


def _bar_with_buttons() -> None:
    import streamlit as st

    from streamlit_auth0_bus import login_bar
    from streamlit_auth0_bus.errors import BusError

    try:
        login_bar(show_status=False, actions=st.session_state.get("actions"))
    except BusError as err:
        st.session_state["refused"] = str(err)  # "CODE: message"


def test_login_bar_passes_action_buttons_to_the_frame() -> None:
    at = AppTest.from_function(_bar_with_buttons, default_timeout=30)
    at.session_state["actions"] = [
        {"id": "pong", "label": "Secure API", "path": "/api/pong"},
        {"id": "note", "label": "Post a note", "path": "/api/notes", "method": "post", "json": {"text": "from the bar"}},
    ]
    at.run()
    assert not at.exception and "refused" not in at.session_state
    assert args(at)["actions"] == [
        {"id": "pong", "method": "GET", "path": "/api/pong", "useauth": True, "label": "Secure API"},
        {"id": "note", "method": "POST", "path": "/api/notes", "useauth": True, "label": "Post a note", "body": {"text": "from the bar"}},
    ]


@pytest.mark.parametrize(
    ("actions", "refusal"),
    [
        ([{"id": "x", "path": "/api/nowhere"}], "NOT_FOUND"),
        ([{"id": "bad id!", "path": "/api/pong"}], "INVALID_MESSAGE"),
        ([{"id": "x", "path": "/api/ping", "json": {"a": 1}}], "INVALID_MESSAGE: A GET request has no body"),
        ([{"id": "x", "path": "/api/pong", "url": "http://evil/"}], "INVALID_MESSAGE: Unknown action field"),
        ([{"id": f"a{i}", "path": "/api/ping"} for i in range(9)], "INVALID_MESSAGE: The bar holds at most 8"),
    ],
)
def test_login_bar_refuses_buttons_the_frame_or_the_routes_would_refuse(actions: list[dict[str, object]], refusal: str) -> None:
    at = AppTest.from_function(_bar_with_buttons, default_timeout=30)
    at.session_state["actions"] = actions
    at.run()
    assert not at.exception
    assert at.session_state["refused"].startswith(refusal)
