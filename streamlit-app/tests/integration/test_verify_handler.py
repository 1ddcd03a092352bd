"""The default onStatusUpdate handler against the real auth-service (no fakes): a real token logs
in, forged and expired tokens are rejected with the reason, an outage leaves the session logged
out without raising."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from streamlit_auth0_bus import BusClient, BusVerifier, Settings, handle_status_update
from streamlit_auth0_bus.session import AuthSession
from tests.integration.oidc import USERS, Tokens
from tests.integration.forge import claims_of, forge, header_of
from tests.integration.stack import DevIdp, NatsServer, Service, service_env


def status(token: str, user: str = "alice", cause: str = "login") -> dict[str, Any]:
    claims = claims_of(token)
    profile = USERS[user]
    return {
        "user": {"sub": profile["sub"], "name": profile["name"], "email": profile["email"]},
        "token": {"value": token, "expiry": claims["exp"]},
        "cause": cause,
    }


@pytest.fixture(scope="module")
def verifier(bus: BusClient, auth_service: Service) -> BusVerifier:
    return BusVerifier(bus)


def test_real_alice_token_logs_in(verifier: BusVerifier, tokens: dict[str, Tokens], auth_service: Service) -> None:
    state: dict[str, Any] = {}
    outcome = handle_status_update(status(tokens["alice"].access_token), verifier=verifier, state=state, correlation_id="pytest-session")
    assert outcome.status == "logged_in"
    user = AuthSession(state).user()
    assert user is not None
    assert (user.sub, user.name, user.email) == ("auth0|alice", "Alice Example", "alice@example.com")
    assert set(user.permissions) == {"read:messages", "read:audit", "admin:sessions"}
    assert user.verified_by == auth_service.instance
    assert user.expiry == claims_of(tokens["alice"].access_token)["exp"]
    assert tokens["alice"].access_token not in repr(state)


def test_bob_logs_in_without_permissions(verifier: BusVerifier, tokens: dict[str, Tokens]) -> None:
    state: dict[str, Any] = {}
    handle_status_update(status(tokens["bob"].access_token, "bob"), verifier=verifier, state=state)
    user = AuthSession(state).user()
    assert user is not None and user.sub == "auth0|bob" and user.permissions == ()


@pytest.mark.parametrize("kid", ["own", "real"])
def test_forged_token_is_rejected_with_the_reason(verifier: BusVerifier, tokens: dict[str, Tokens], kid: str) -> None:
    real = tokens["alice"].access_token
    forged = forge(real, kid=header_of(real)["kid"] if kid == "real" else "attacker-key")
    state: dict[str, Any] = {}
    outcome = handle_status_update(status(forged), verifier=verifier, state=state)
    assert outcome.status == "rejected"
    session = AuthSession(state)
    assert session.user() is None
    assert session.problem is not None and session.problem.code == "UNAUTHENTICATED"
    assert session.problem.reason in (("bad_signature",) if kid == "real" else ("unknown_key", "bad_signature"))
    assert "rejected" in session.problem.text.lower()


def test_forged_token_replaces_a_real_session_with_logged_out(verifier: BusVerifier, tokens: dict[str, Tokens]) -> None:
    state: dict[str, Any] = {}
    handle_status_update(status(tokens["alice"].access_token), verifier=verifier, state=state)
    assert AuthSession(state).user() is not None
    real = tokens["bob"].access_token
    escalated = forge(real, kid=header_of(real)["kid"], permissions=["read:audit"])
    handle_status_update(status(escalated, "bob", cause="refresh"), verifier=verifier, state=state)
    assert AuthSession(state).user() is None


def test_logout_needs_no_verification(verifier: BusVerifier, tokens: dict[str, Tokens]) -> None:
    state: dict[str, Any] = {}
    handle_status_update(status(tokens["alice"].access_token), verifier=verifier, state=state)
    outcome = handle_status_update({"user": None, "token": None, "cause": "logout"}, verifier=verifier, state=state)
    assert outcome.status == "logged_out" and AuthSession(state).user() is None


# ---- expiry, with a provider that issues 1-second tokens -------------------------------------


@pytest.fixture(scope="module")
def short_lived() -> Iterator[dict[str, Any]]:
    """Own nats-server + dev-idp issuing 1 s access tokens + auth-service with no clock leeway."""
    nats = NatsServer()
    idp = DevIdp(extra_env={"DEV_IDP_ACCESS_TOKEN_TTL": "1"})
    client = BusClient(Settings(nats_url=nats.url, nats_password=nats.password("streamlit-host")))
    env = {**service_env(nats, idp, "auth-service", "auth-service-short"), "AUTH_CLOCK_TOLERANCE_SEC": "0"}
    service: Service | None = None
    try:
        assert client.wait_connected(10)
        service = Service.start_on(nats, "auth-service", env)
        yield {"idp": idp, "client": client, "service": service}
    finally:
        if service is not None:
            service.dispose()
        client.close()
        idp.stop()
        nats.dispose()


def test_expired_token_is_rejected_as_expired(short_lived: dict[str, Any]) -> None:
    token = short_lived["idp"].login("alice").access_token
    verifier = BusVerifier(short_lived["client"])
    exp = claims_of(token)["exp"]
    assert exp - time.time() < 5, "dev-idp did not issue a short-lived token"
    time.sleep(max(0.0, exp - time.time()) + 1.2)
    state: dict[str, Any] = {}
    # The browser even claims a future expiry: it is not believed.
    data = status(token)
    data["token"]["expiry"] = int(time.time()) + 3600
    outcome = handle_status_update(data, verifier=verifier, state=state)
    assert outcome.status == "rejected"
    assert outcome.problem is not None and outcome.problem.reason == "expired"
    assert AuthSession(state).user() is None
