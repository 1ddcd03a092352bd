"""Typed errors when parts of the system are down: TIMEOUT when a service is up but silent
(paused), UNAVAILABLE when it is stopped or NATS itself is down — and recovery afterwards.
A stack of its own (nats-server, auth-service, api-service), so the other suites are unaffected."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from streamlit_auth0_bus import BusClient, BusVerifier, Settings, handle_status_update
from streamlit_auth0_bus.errors import BusTimeoutError, UnavailableError
from streamlit_auth0_bus.session import AuthSession
from tests.integration.oidc import Tokens
from tests.integration.stack import DevIdp, NatsServer, Service, service_env, wait_for


@pytest.fixture(scope="module")
def own() -> Iterator[dict[str, Any]]:
    nats = NatsServer()
    client = BusClient(Settings(nats_url=nats.url, nats_password=nats.password("streamlit-host"), bus_timeout_ms=800), reconnect_time_wait=0.2)
    try:
        assert client.wait_connected(10)
        yield {"nats": nats, "client": client}
    finally:
        client.close()
        nats.dispose()


@pytest.fixture(scope="module")
def services(own: dict[str, Any], dev_idp: DevIdp) -> Iterator[dict[str, Service]]:
    nats: NatsServer = own["nats"]
    started: list[Service] = []
    try:
        started.append(Service.start_on(nats, "auth-service", service_env(nats, dev_idp, "auth-service", "auth-service-outage")))
        started.append(Service.start_on(nats, "api-service", service_env(nats, dev_idp, "api-service", "api-service-outage")))
        yield {"auth": started[0], "api": started[1]}
    finally:
        for service in started:
            service.dispose()


def login(token: str) -> dict[str, Any]:
    return {"user": {"sub": "auth0|alice", "name": "Alice Example"}, "token": {"value": token, "expiry": int(time.time()) + 600}, "cause": "login"}


def test_paused_api_service_is_a_timeout(own: dict[str, Any], services: dict[str, Service], tokens: dict[str, Tokens]) -> None:
    client: BusClient = own["client"]
    assert client.request("api.ping")["instance"] == "api-service-outage"
    services["api"].pause()
    try:
        started = time.monotonic()
        with pytest.raises(BusTimeoutError) as caught:
            client.request("api.pong", {}, token=tokens["alice"].access_token)
        assert caught.value.code == "TIMEOUT"
        assert time.monotonic() - started >= 0.75  # the deadline (BUS_TIMEOUT_MS=800) was waited out
    finally:
        services["api"].resume()
    assert client.request("api.pong", {}, token=tokens["alice"].access_token)["sub"] == "auth0|alice"


def test_stopped_api_service_is_unavailable(own: dict[str, Any], services: dict[str, Service]) -> None:
    client: BusClient = own["client"]
    services["api"].stop()
    try:
        started = time.monotonic()
        with pytest.raises(UnavailableError) as caught:
            client.request("api.ping", timeout=10)
        assert caught.value.code == "UNAVAILABLE"
        assert time.monotonic() - started < 5  # no responders: answered at once, not after the deadline
    finally:
        services["api"].start()
    assert client.request("api.ping")["instance"] == "api-service-outage"


@pytest.mark.parametrize("how", ["paused", "stopped"])
def test_auth_service_down_leaves_the_session_logged_out_with_the_code(own: dict[str, Any], services: dict[str, Service], tokens: dict[str, Tokens], how: str) -> None:
    client: BusClient = own["client"]
    auth = services["auth"]
    if how == "paused":
        auth.pause()
    else:
        auth.stop()
    try:
        state: dict[str, Any] = {}
        outcome = handle_status_update(login(tokens["alice"].access_token), verifier=BusVerifier(client), state=state)
        assert outcome.status == "unverified"
        session = AuthSession(state)
        assert session.user() is None
        assert session.problem is not None and session.problem.kind == "unavailable"
        assert session.problem.code == ("TIMEOUT" if how == "paused" else "UNAVAILABLE")
    finally:
        if how == "paused":
            auth.resume()
        else:
            auth.start()
    state = {}
    assert handle_status_update(login(tokens["alice"].access_token), verifier=BusVerifier(client), state=state).status == "logged_in"


def test_nats_down_is_unavailable_and_everything_recovers(own: dict[str, Any], services: dict[str, Service], tokens: dict[str, Tokens]) -> None:
    client: BusClient = own["client"]
    nats: NatsServer = own["nats"]
    nats.stop()
    try:
        with pytest.raises(UnavailableError):
            client.request("api.ping")
        state: dict[str, Any] = {}
        outcome = handle_status_update(login(tokens["alice"].access_token), verifier=BusVerifier(client), state=state)
        assert outcome.status == "unverified" and outcome.problem is not None and outcome.problem.code == "UNAVAILABLE"
    finally:
        nats.start()

    def answering() -> bool:
        try:
            client.request("api.pong", {}, token=tokens["alice"].access_token)
            client.request("auth.verify", {}, token=tokens["alice"].access_token)
            return True
        except (UnavailableError, BusTimeoutError):
            return False

    wait_for(answering, "client and services reconnected", timeout=30, interval=0.3)
