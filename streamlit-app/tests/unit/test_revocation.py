"""Log out everywhere (issue 21): revoke_sessions, the revoked status, and the My identity page.

Unit tests with a fake bus client; the integration suite and the Chromium e2e
(e2e/test/live-sessions.e2e.spec.ts) run the same code against the real auth-service and relay.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from streamlit_auth0_bus import revoke_sessions
from streamlit_auth0_bus.auth import handle_status_update
from streamlit_auth0_bus.errors import ForbiddenError, UnauthenticatedError
from streamlit_auth0_bus.session import LOGOUT_REQUEST_KEY, PROBLEM_KEY, SESSION_KEY, SecretToken, VerifiedUser
from tests.support import APP_DIR

TOKEN = "alice.access.token"
REPLY = {"kind": "user", "sub": "auth0|alice", "revoked_at": 1_900_000_000}


class FakeClient:
    """Plays the bus: records requests, answers with a reply or raises a typed error."""

    def __init__(self, failure: Exception | None = None) -> None:
        self.failure = failure
        self.requests: list[tuple[str, dict[str, Any], str | None]] = []

    def request(self, subject: str, payload: dict[str, Any] | None = None, token: str | None = None, timeout: float | None = None) -> dict[str, Any]:
        self.requests.append((subject, dict(payload or {}), token))
        if self.failure is not None:
            raise self.failure
        return dict(REPLY)


def alice() -> VerifiedUser:
    return VerifiedUser(
        sub="auth0|alice", permissions=("read:messages",), expiry=int(time.time()) + 600, issuer="http://localhost:4400/",
        verified_by="test", verified_at=time.time(), name="Alice Example", token=SecretToken(TOKEN),
    )


def test_revoke_sessions_sends_auth_revoke_with_the_callers_token_in_the_header() -> None:
    client = FakeClient()
    assert revoke_sessions(client, TOKEN) == REPLY
    assert client.requests == [("auth.revoke", {}, TOKEN)]
    revoke_sessions(client, TOKEN, sub="auth0|bob", reason="left the team")
    assert client.requests[-1] == ("auth.revoke", {"sub": "auth0|bob", "reason": "left the team"}, TOKEN)


def test_revoke_sessions_passes_typed_errors_on() -> None:
    with pytest.raises(ForbiddenError):
        revoke_sessions(FakeClient(ForbiddenError("needs admin:sessions")), TOKEN, sub="auth0|bob")


def test_a_revoked_status_update_logs_the_session_out_with_the_reason() -> None:
    state: dict[str, Any] = {SESSION_KEY: alice()}
    outcome = handle_status_update({"user": None, "token": None, "cause": "revoked"}, verifier=None, state=state)  # type: ignore[arg-type]
    assert outcome.status == "logged_out"
    assert SESSION_KEY not in state
    assert state[PROBLEM_KEY].kind == "revoked" and state[PROBLEM_KEY].reason == "revoked"
    assert "revoked" in state[PROBLEM_KEY].text


@pytest.fixture()
def profile(monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("NATS_URL", "nats://127.0.0.1:9")
    monkeypatch.setenv("AUTH0_BUS_ENV_FILE", "/nonexistent/.env")
    at = AppTest.from_file(str(APP_DIR / "Home.py"), default_timeout=30)
    at.session_state[SESSION_KEY] = alice()
    at.run()
    at.switch_page("views/profile.py").run()
    assert not at.exception
    return at


def frame_args(at: AppTest) -> dict[str, Any]:
    elements = at.get("component_instance")
    assert len(elements) == 1
    return json.loads(elements[0].proto.json_args)


def test_log_out_everywhere_revokes_locks_the_page_and_asks_the_frame_once_to_end_the_provider_session(profile: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    client = FakeClient()
    monkeypatch.setattr("streamlit_auth0_bus.helpers.get_bus_client", lambda settings=None: client)
    assert "logout_request" not in frame_args(profile)
    profile.button[0].click().run()
    assert not profile.exception
    assert client.requests == [("auth.revoke", {"reason": "log out everywhere (My identity page)"}, TOKEN)]
    assert SESSION_KEY not in profile.session_state
    assert profile.session_state[PROBLEM_KEY].kind == "revoked"
    assert any("please log in" in i.value.lower() for i in profile.info), "the page locked"
    request = frame_args(profile)["logout_request"]
    assert request.startswith("lo-")
    # Passed again on the next run (a rerun may supersede the first before it reaches the frame,
    # which acts once per id), and no longer once it is old.
    profile.run()
    assert frame_args(profile)["logout_request"] == request
    profile.session_state[LOGOUT_REQUEST_KEY] = (request, time.time() - 1)
    profile.run()
    assert "logout_request" not in frame_args(profile)
    assert LOGOUT_REQUEST_KEY not in profile.session_state


def test_log_out_everywhere_refused_shows_the_typed_error_and_logs_out_nothing_else(profile: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    client = FakeClient(ForbiddenError("nope"))
    monkeypatch.setattr("streamlit_auth0_bus.helpers.get_bus_client", lambda settings=None: client)
    profile.button[0].click().run()
    assert not profile.exception
    assert any("FORBIDDEN" in e.value for e in profile.error)
    assert profile.session_state[SESSION_KEY].sub == "auth0|alice", "still logged in: nothing was revoked"
    assert "logout_request" not in frame_args(profile)


def test_log_out_everywhere_with_a_refused_token_logs_this_session_out(profile: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    client = FakeClient(UnauthenticatedError("The token has been revoked", reason="revoked"))
    monkeypatch.setattr("streamlit_auth0_bus.helpers.get_bus_client", lambda settings=None: client)
    profile.button[0].click().run()
    assert not profile.exception
    assert SESSION_KEY not in profile.session_state
    assert any("UNAUTHENTICATED" in e.value for e in profile.error)
