"""The token attack list — the same one the TypeScript suites run through the HTTP gateway, the
WebSocket and the bus (libs/token-verifier/src/testing/attacks.ts, built from real dev-idp
tokens) — through the Streamlit host's ``onStatusUpdate`` path: the real verify handler asking
the real auth-service. Every attack leaves the session logged out with its reason; the browser's
own claims (user, expiry) change nothing; a token without the needed permission logs in but is
refused by the scoped API."""

from __future__ import annotations

import time
from typing import Any

import pytest

from streamlit_auth0_bus import BusVerifier, handle_status_update
from streamlit_auth0_bus.errors import ForbiddenError
from streamlit_auth0_bus.session import AuthSession
from tests.faults.conftest import Attack, System, attack_list
from tests.integration.forge import claims_of


@pytest.fixture(scope="module")
def attacks(system: System) -> list[Attack]:
    expiring = system.idp.m2m_token()  # lives 2 s here
    time.sleep(max(0.0, claims_of(expiring.access_token)["exp"] - time.time()) + 2.2)
    jwk = system.idp.jwks()["keys"][0]
    cases = attack_list(system.alice.access_token, system.alice.id_token, expiring.access_token, jwk)
    assert {"no token", "garbage", "alg: none", "HS256 signed with the public key", "expired", "wrong audience", "wrong issuer", "ID token used as an access token"} <= {c.name for c in cases}
    return cases


def event(token: str | None, claimed_sub: str = "auth0|alice") -> dict[str, Any]:
    # The browser claims alice and a long life, whatever the token says.
    return {
        "user": {"sub": claimed_sub, "name": "Alice Example"},
        "token": None if token is None else {"value": token, "expiry": int(time.time()) + 3600},
        "cause": "login",
    }


def test_every_attack_is_refused_with_its_reason_and_logs_nobody_in(system: System, attacks: list[Attack]) -> None:
    verifier = BusVerifier(system.client)
    seen: dict[str, str | None] = {}
    for i, attack in enumerate(attacks):
        state: dict[str, Any] = {}
        outcome = handle_status_update(event(attack.token), verifier=verifier, state=state, correlation_id=f"py-attack-{i}")
        session = AuthSession(state)
        assert session.user() is None, attack.name
        assert outcome.user is None, attack.name
        if attack.token is None:
            # Nothing to verify: the session simply stays logged out.
            assert outcome.status == "logged_out", attack.name
            seen[attack.name] = None
            continue
        assert outcome.status == "rejected", (attack.name, outcome)
        assert outcome.problem is not None and outcome.problem.code == "UNAUTHENTICATED", (attack.name, outcome.problem)
        assert outcome.problem.reason in attack.reasons, (attack.name, outcome.problem.reason, attack.reasons)
        seen[attack.name] = outcome.problem.reason
    print(f"[faults report] py-attacks-on-status-update: {seen}")
    # auth-service is still there and still lets the real user in.
    state = {}
    assert handle_status_update(event(system.alice.access_token), verifier=verifier, state=state).status == "logged_in"
    assert system.auth.running


def test_an_attack_replaces_a_verified_session_with_a_logged_out_one(system: System, attacks: list[Attack]) -> None:
    verifier = BusVerifier(system.client)
    for attack in (a for a in attacks if a.token):
        state: dict[str, Any] = {}
        assert handle_status_update(event(system.alice.access_token), verifier=verifier, state=state).status == "logged_in"
        refreshed = {**event(attack.token), "cause": "refresh"}
        handle_status_update(refreshed, verifier=verifier, state=state)
        assert AuthSession(state).user() is None, attack.name


def test_missing_permission_logs_in_but_the_scoped_api_refuses(system: System) -> None:
    verifier = BusVerifier(system.client)
    state: dict[str, Any] = {}
    outcome = handle_status_update(event(system.bob.access_token, claimed_sub="auth0|alice"), verifier=verifier, state=state)
    assert outcome.status == "logged_in"
    user = AuthSession(state).user()
    # The claimed alice is ignored: the verified identity is bob's, with bob's (no) permissions.
    assert user is not None and user.sub == "auth0|bob" and user.permissions == ()
    with pytest.raises(ForbiddenError) as caught:
        system.client.request("api.pong-scoped", {}, token=system.bob.access_token)
    assert (caught.value.code, caught.value.permission) == ("FORBIDDEN", "read:messages")
