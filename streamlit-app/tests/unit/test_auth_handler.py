"""The default onStatusUpdate handler, with a fake verifier (unit tests only).

The integration suite runs the same handler against the real auth-service.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from streamlit_auth0_bus.auth import BusVerifier, handle_action_result, handle_component_error, handle_status_update, new_correlation_id, safe_correlation_id
from streamlit_auth0_bus.errors import BusError, BusTimeoutError, UnauthenticatedError, UnavailableError
from streamlit_auth0_bus.session import (
    ACTION_RESULT_KEY,
    COMPONENT_ERROR_KEY,
    PROBLEM_KEY,
    SESSION_KEY,
    AuthSession,
    SecretToken,
    VerifiedUser,
)

NOW = 1_900_000_000.0
GOOD = "good.token.value"
FORGED = "forged.token.value"
EXPIRED = "expired.token.value"

ALICE = {
    "sub": "auth0|alice",
    "permissions": ["read:messages", "read:audit"],
    "scope": "openid profile email read:messages read:audit",
    "exp": int(NOW) + 3600,
    "iss": "http://localhost:4400/",
    "instance": "auth-service-test",
}


class FakeVerifier:
    """Plays auth-service: knows one good token; refuses the others the way auth-service does."""

    def __init__(self, failure: BusError | None = None) -> None:
        self.failure = failure
        self.calls: list[tuple[str, str | None]] = []

    def verify(self, token: str, *, correlation_id: str | None = None) -> dict[str, Any]:
        self.calls.append((token, correlation_id))
        if self.failure is not None:
            raise self.failure
        if token == GOOD:
            return dict(ALICE)
        if token == EXPIRED:
            raise UnauthenticatedError("The token has expired", reason="expired")
        raise UnauthenticatedError("The token signature does not verify", reason="bad_signature")


def login_data(token: str, *, user: dict[str, Any] | None = None, expiry: int | None = None, cause: str = "login") -> dict[str, Any]:
    return {
        "user": user if user is not None else {"sub": "auth0|alice", "name": "Alice Example", "email": "alice@example.com"},
        "token": {"value": token, "expiry": expiry or int(NOW) + 3600},
        "cause": cause,
    }


def test_verified_token_is_accepted() -> None:
    state: dict[str, Any] = {}
    verifier = FakeVerifier()
    outcome = handle_status_update(login_data(GOOD), verifier=verifier, state=state, correlation_id="sess-1", now=NOW)
    assert outcome.status == "logged_in"
    user = AuthSession(state).user(now=NOW)
    assert isinstance(user, VerifiedUser)
    assert (user.sub, user.name, user.email, user.expiry) == ("auth0|alice", "Alice Example", "alice@example.com", ALICE["exp"])
    assert user.permissions == ("read:messages", "read:audit")
    assert user.name_source == "profile"  # the access token has no name; the profile's sub matched
    assert user.token == SecretToken(GOOD) and GOOD not in repr(user) and GOOD not in repr(state)
    assert GOOD not in str(user.claims())
    assert verifier.calls == [(GOOD, "sess-1")]
    assert PROBLEM_KEY not in state


def test_forged_token_is_rejected_with_the_reason() -> None:
    state: dict[str, Any] = {}
    outcome = handle_status_update(login_data(FORGED), verifier=FakeVerifier(), state=state, now=NOW)
    assert outcome.status == "rejected"
    assert SESSION_KEY not in state and AuthSession(state).user(now=NOW) is None
    problem = AuthSession(state).problem
    assert problem is not None and problem.kind == "rejected"
    assert (problem.code, problem.reason) == ("UNAUTHENTICATED", "bad_signature")
    assert "rejected" in problem.text.lower()


def test_expired_token_is_rejected_even_if_the_browser_claims_otherwise() -> None:
    state: dict[str, Any] = {}
    outcome = handle_status_update(login_data(EXPIRED, expiry=int(NOW) + 9999), verifier=FakeVerifier(), state=state, now=NOW)
    assert outcome.status == "rejected" and outcome.problem is not None
    assert outcome.problem.reason == "expired"
    assert AuthSession(state).user(now=NOW) is None


def test_verified_identity_already_expired_is_rejected() -> None:
    class StaleVerifier(FakeVerifier):
        def verify(self, token: str, *, correlation_id: str | None = None) -> dict[str, Any]:
            return {**ALICE, "exp": int(NOW) - 1}

    state: dict[str, Any] = {}
    outcome = handle_status_update(login_data(GOOD), verifier=StaleVerifier(), state=state, now=NOW)
    assert outcome.status == "rejected" and outcome.problem.reason == "expired"  # type: ignore[union-attr]


def test_a_rejected_token_logs_out_a_previous_user() -> None:
    state: dict[str, Any] = {}
    handle_status_update(login_data(GOOD), verifier=FakeVerifier(), state=state, now=NOW)
    assert AuthSession(state).user(now=NOW) is not None
    handle_status_update(login_data(FORGED, cause="refresh"), verifier=FakeVerifier(), state=state, now=NOW)
    assert AuthSession(state).user(now=NOW) is None


def test_browser_profile_never_overrides_the_verified_identity() -> None:
    state: dict[str, Any] = {}
    claimed = {"sub": "auth0|mallory", "name": "Mallory", "email": "m@example.com"}
    handle_status_update(login_data(GOOD, user=claimed), verifier=FakeVerifier(), state=state, now=NOW)
    user = AuthSession(state).user(now=NOW)
    assert user is not None and user.sub == "auth0|alice"
    assert user.name is None and user.email is None and user.display_name == "auth0|alice"
    # ... while a name in the verified identity always wins.
    class NamedVerifier(FakeVerifier):
        def verify(self, token: str, *, correlation_id: str | None = None) -> dict[str, Any]:
            return {**ALICE, "name": "Alice (token)", "email": "alice@token"}

    handle_status_update(login_data(GOOD), verifier=NamedVerifier(), state=state, now=NOW)
    user = AuthSession(state).user(now=NOW)
    assert user is not None and (user.name, user.email, user.name_source) == ("Alice (token)", "alice@token", "token")


def test_logout_clears_the_session_and_the_problem() -> None:
    state: dict[str, Any] = {}
    handle_status_update(login_data(GOOD), verifier=FakeVerifier(), state=state, now=NOW)
    verifier = FakeVerifier()
    outcome = handle_status_update({"user": None, "token": None, "cause": "logout"}, verifier=verifier, state=state, now=NOW)
    assert outcome.status == "logged_out" and verifier.calls == []
    assert SESSION_KEY not in state and PROBLEM_KEY not in state


def test_logout_cause_wins_even_with_a_token() -> None:
    state: dict[str, Any] = {}
    handle_status_update(login_data(GOOD), verifier=FakeVerifier(), state=state, now=NOW)
    outcome = handle_status_update(login_data(GOOD, cause="logout"), verifier=FakeVerifier(), state=state, now=NOW)
    assert outcome.status == "logged_out" and SESSION_KEY not in state


def test_expired_cause_records_why() -> None:
    state: dict[str, Any] = {}
    outcome = handle_status_update({"user": None, "token": None, "cause": "expired"}, verifier=FakeVerifier(), state=state, now=NOW)
    assert outcome.status == "logged_out" and outcome.problem is not None and outcome.problem.kind == "expired"


@pytest.mark.parametrize("failure", [UnavailableError("No service is answering on auth.verify"), BusTimeoutError("No reply")])
def test_auth_service_down_means_not_logged_in_and_no_crash(failure: BusError) -> None:
    state: dict[str, Any] = {}
    outcome = handle_status_update(login_data(GOOD), verifier=FakeVerifier(failure), state=state, now=NOW)
    assert outcome.status == "unverified"
    assert AuthSession(state).user(now=NOW) is None
    problem = AuthSession(state).problem
    assert problem is not None and problem.kind == "unavailable" and problem.code == failure.code
    assert "rejected" not in problem.text.lower() and failure.code in problem.text


def test_malformed_status_data_is_refused_without_calling_the_verifier() -> None:
    state: dict[str, Any] = {}
    verifier = FakeVerifier()
    outcome = handle_status_update({"user": None, "token": {"value": GOOD}, "cause": "login"}, verifier=verifier, state=state, now=NOW)
    assert outcome.status == "rejected" and outcome.problem is not None and outcome.problem.kind == "invalid"
    assert verifier.calls == []


def test_session_expiry_logs_out_on_read() -> None:
    state: dict[str, Any] = {}
    handle_status_update(login_data(GOOD), verifier=FakeVerifier(), state=state, now=NOW)
    session = AuthSession(state)
    assert session.user(now=ALICE["exp"] - 1) is not None
    assert session.user(now=ALICE["exp"] + 1) is None
    assert session.problem is not None and session.problem.kind == "expired"


def test_bus_verifier_sends_the_token_in_the_header_argument_and_a_contract_safe_correlation_id() -> None:
    class RecordingClient:
        def __init__(self) -> None:
            self.calls: list[tuple[Any, ...]] = []

        def request(self, subject: str, payload: Any, token: str | None = None, timeout: float | None = None) -> dict[str, Any]:
            self.calls.append((subject, payload, token, timeout))
            return dict(ALICE)

    client = RecordingClient()
    assert BusVerifier(client, timeout=1.5).verify(GOOD, correlation_id="test session id") == ALICE
    assert client.calls == [("auth.verify", {"caller": "streamlit-host", "session_id": "test_session_id"}, GOOD, 1.5)]
    assert safe_correlation_id(None) is None and safe_correlation_id("") is None
    assert len(safe_correlation_id("x" * 500) or "") == 128


def test_correlation_ids_are_random_and_fit_the_contract(contracts: Any) -> None:
    ids = {new_correlation_id() for _ in range(200)}
    assert len(ids) == 200
    for cid in ids:
        assert len(cid) >= 22 and safe_correlation_id(cid) == cid
        assert contracts.is_valid("auth.verify.request.v1", {"caller": "streamlit-host", "session_id": cid})


def test_action_results_and_component_errors_are_kept() -> None:
    state: dict[str, Any] = {}
    for i in range(25):
        handle_action_result({"type": "web.result", "id": f"r{i}", "ok": True, "status": 200, "data": {"i": i}}, state)
    assert len(state[ACTION_RESULT_KEY]) == 20 and state[ACTION_RESULT_KEY]["r24"]["data"] == {"i": 24}
    handle_component_error({"code": "POPUP_BLOCKED", "message": "blocked"}, state)
    assert state[COMPONENT_ERROR_KEY]["code"] == "POPUP_BLOCKED"


def test_time_is_real_by_default() -> None:
    state: dict[str, Any] = {}
    identity = {**ALICE, "exp": int(time.time()) + 60}

    class LiveVerifier(FakeVerifier):
        def verify(self, token: str, *, correlation_id: str | None = None) -> dict[str, Any]:
            return identity

    assert handle_status_update(login_data(GOOD), verifier=LiveVerifier(), state=state).status == "logged_in"


def test_a_machine_identity_is_never_logged_in_even_if_auth_service_accepts_it() -> None:
    class MachineVerifier(FakeVerifier):
        def verify(self, token: str, *, correlation_id: str | None = None) -> dict[str, Any]:
            return {**ALICE, "sub": "dev-m2m@clients"}

    state: dict[str, Any] = {}
    outcome = handle_status_update(login_data(GOOD, user={"sub": "dev-m2m@clients"}), verifier=MachineVerifier(), state=state, now=NOW)
    assert outcome.status == "rejected" and SESSION_KEY not in state
    assert outcome.problem is not None and outcome.problem.reason == "not_a_user_token"
    assert "Login rejected" in outcome.problem.text
