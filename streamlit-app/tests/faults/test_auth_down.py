"""auth-service crashes (SIGKILL) while users log in: the Streamlit host's verify handler answers
at once with an ``unavailable`` problem, logs nobody in (and logs out a session that tried to
refresh), never raises — and the demo page says so without an exception. When auth-service is
back, the same login goes through. (tests/integration/test_outages.py covers a stopped and a
paused auth-service; this is the crash, its timing, a refresh during it, and the page.)"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from streamlit_auth0_bus import BusVerifier, handle_status_update
from streamlit_auth0_bus.errors import UnavailableError
from streamlit_auth0_bus.session import AuthSession
from tests.faults.conftest import System
from tests.integration.forge import claims_of
from tests.integration.oidc import USERS
from tests.integration.stack import wait_for
from tests.support import APP_DIR

ENTRY = str(APP_DIR / "Home.py")
COMPONENT_KEY = "auth0_login_bar"
#: "Promptly": far below the client's 5 s deadline (no responders is known at once).
PROMPT_S = 2.5


def status(token: str, cause: str = "login", user: str = "alice") -> dict[str, Any]:
    profile = USERS[user]
    return {"user": {"sub": profile["sub"], "name": profile["name"]}, "token": {"value": token, "expiry": claims_of(token)["exp"]}, "cause": cause}


def crash_auth(system: System) -> None:
    system.auth.kill()

    def gone() -> bool:
        try:
            system.client.request("auth.verify", {}, timeout=1)
        except UnavailableError:
            return True
        except Exception:  # noqa: BLE001 - still answering (e.g. UNAUTHENTICATED)
            return False
        return False

    wait_for(gone, "auth-service gone from the bus", timeout=10)


@pytest.fixture()
def crashed(system: System) -> Iterator[System]:
    """auth-service SIGKILLed for the test; a new one started afterwards, whatever happened."""
    crash_auth(system)
    try:
        yield system
    finally:
        if not system.auth.running:
            system.new_auth(f"auth-faults-{int(time.time() * 1000) % 100000}")


def test_a_login_during_the_crash_is_unverified_at_once_and_logs_nobody_in(crashed: System) -> None:
    verifier = BusVerifier(crashed.client)
    state: dict[str, Any] = {}
    started = time.monotonic()
    outcome = handle_status_update(status(crashed.alice.access_token), verifier=verifier, state=state, correlation_id="faults-crash-1")
    elapsed = time.monotonic() - started
    assert outcome.status == "unverified"
    assert outcome.problem is not None and (outcome.problem.kind, outcome.problem.code) == ("unavailable", "UNAVAILABLE")
    assert AuthSession(state).user() is None
    assert elapsed < PROMPT_S, f"took {elapsed:.2f}s"
    print(f"[faults report] py-auth-crashed: verify handler answered in {elapsed * 1000:.1f} ms")


def test_a_refresh_during_the_crash_logs_the_session_out(system: System) -> None:
    verifier = BusVerifier(system.client)
    state: dict[str, Any] = {}
    assert handle_status_update(status(system.alice.access_token), verifier=verifier, state=state).status == "logged_in"
    crash_auth(system)
    try:
        outcome = handle_status_update(status(system.alice.access_token, cause="refresh"), verifier=verifier, state=state)
        assert outcome.status == "unverified"
        assert AuthSession(state).user() is None
        assert AuthSession(state).problem is not None and AuthSession(state).problem.kind == "unavailable"  # type: ignore[union-attr]
    finally:
        system.new_auth("auth-faults-refresh")
    assert handle_status_update(status(system.alice.access_token, cause="refresh"), verifier=verifier, state=state).status == "logged_in"


@pytest.fixture()
def page(system: System, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    """The demo app (AppTest, in-process) pointed at this module's system."""
    monkeypatch.setenv("NATS_URL", system.nats.url)
    monkeypatch.setenv("NATS_USER", "streamlit-host")
    monkeypatch.setenv("NATS_PASSWORD", system.nats.password("streamlit-host"))
    monkeypatch.setenv("AUTH0_AUDIENCE", system.idp.audience)
    monkeypatch.setenv("BUS_TIMEOUT_MS", "5000")
    monkeypatch.setenv("AUTH0_BUS_ENV_FILE", str(Path("/nonexistent/.env")))
    at = AppTest.from_file(ENTRY, default_timeout=30)
    at.run()
    assert not at.exception
    try:
        yield at
    finally:
        st.cache_resource.clear()


def page_text(at: AppTest) -> str:
    kinds = ("title", "header", "subheader", "markdown", "caption", "info", "success", "warning", "error")
    return "\n".join(str(e.value) for kind in kinds for e in getattr(at, kind))


def test_the_page_says_so_without_crashing_and_logs_in_once_auth_service_is_back(page: AppTest, system: System) -> None:
    seq = int(time.time() * 1000)
    crash_auth(system)
    try:
        seq += 1
        page.session_state[COMPONENT_KEY] = {"name": "onStatusUpdate", "seq": seq, "data": status(system.alice.access_token)}
        page.run()
        assert not page.exception
        text = page_text(page)
        assert "Could not verify your login right now" in text and "UNAVAILABLE" in text
        assert "Logged in as" not in text
        assert any("UNAVAILABLE" in str(w.value) for w in page.warning)
    finally:
        system.new_auth("auth-faults-page")
    seq += 1
    page.session_state[COMPONENT_KEY] = {"name": "onStatusUpdate", "seq": seq, "data": status(system.alice.access_token)}
    page.run()
    assert not page.exception
    assert "Logged in as **Alice Example**" in page_text(page)
