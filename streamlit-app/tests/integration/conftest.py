"""Fixtures of the integration suites: the real system on free ports, started by the stack
launcher (tools/stack/cli.mjs; the parts are defined once in tools/stack/stack.cjs).

* ``system_run`` — one ``cli.mjs up --ports free`` for the session: nats-server (infra/nats/nats.conf,
  users, JetStream, a temporary store), dev-idp (temporary keys), auth-service and api-service
  (each its own NATS user, trusting that dev-idp) and host-relay;
* ``nats_server``, ``dev_idp``, ``auth_service``, ``api_service``, ``relay`` — views on it;
  ``tokens`` logs alice and bob in over HTTP (authorization code + PKCE), like a browser;
* ``bus`` — a BusClient connected as ``streamlit-host``;
* ``app_env`` — the environment the demo app reads, pointing at all of the above.

The launcher stops every process when the session ends (or when this process dies: its stdin closes).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st

from streamlit_auth0_bus import BusClient
from tests.integration.oidc import USERS, Tokens
from tests.integration.stack import DevIdp, NatsServer, Relay, Service, StackRun, service_env

#: The frame's origin the session's host-relay allows (component-web's standard address).
FRAME_ORIGIN = "http://localhost:3001"

__all__ = ["FRAME_ORIGIN", "Service", "service_env"]


@pytest.fixture(scope="session")
def system_run() -> Iterator[StackRun]:
    run = StackRun(
        ["nats", "dev-idp", "auth-service", "api-service", "host-relay"],
        env={
            "": {"LOG_LEVEL": "warn", "DRAIN_TIMEOUT": "1s", "AUDIT_FLUSH_TIMEOUT": "1s"},
            "dev-idp": {"DEV_IDP_LOG_LEVEL": "warn"},
            "host-relay": {"RELAY_ALLOWED_ORIGINS": FRAME_ORIGIN},
        },
    )
    yield run
    run.down()


@pytest.fixture(scope="session")
def nats_server(system_run: StackRun) -> NatsServer:
    return NatsServer(run=system_run)


@pytest.fixture(scope="session")
def dev_idp(system_run: StackRun) -> DevIdp:
    return DevIdp(run=system_run)


@pytest.fixture(scope="session")
def tokens(dev_idp: DevIdp) -> dict[str, Tokens]:
    """Real tokens for alice and bob, from dev-idp's login over HTTP."""
    return {user: dev_idp.login(user) for user in ("alice", "bob")}


@pytest.fixture(scope="session")
def bus(nats_server: NatsServer) -> Iterator[BusClient]:
    with nats_server.host_client(bus_timeout_ms=3000) as client:
        yield client


@pytest.fixture(scope="session")
def auth_service(system_run: StackRun) -> Service:
    return Service("auth-service", system_run)


@pytest.fixture(scope="session")
def api_service(system_run: StackRun) -> Service:
    return Service("api-service", system_run)


@pytest.fixture(scope="session")
def relay(system_run: StackRun, nats_server: NatsServer) -> Relay:
    return Relay(nats_server, run=system_run)


@pytest.fixture(scope="session")
def stack(auth_service: Service, api_service: Service, tokens: dict[str, Tokens]) -> dict[str, object]:
    """Everything up: both services, and tokens for alice and bob."""
    return {"auth": auth_service, "api": api_service, "tokens": tokens}


@pytest.fixture()
def app_env(monkeypatch: pytest.MonkeyPatch, nats_server: NatsServer, dev_idp: DevIdp) -> Iterator[None]:
    """Points the demo app (run in-process by AppTest) at the test system; releases the shared
    bus client afterwards."""
    monkeypatch.setenv("NATS_URL", nats_server.url)
    monkeypatch.setenv("NATS_USER", "streamlit-host")
    monkeypatch.setenv("NATS_PASSWORD", nats_server.password("streamlit-host"))
    monkeypatch.setenv("AUTH0_AUDIENCE", dev_idp.audience)
    monkeypatch.setenv("BUS_TIMEOUT_MS", "5000")
    monkeypatch.setenv("AUTH0_BUS_ENV_FILE", str(Path("/nonexistent/.env")))
    yield
    st.cache_resource.clear()


def wait_until(check, what: str, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")
