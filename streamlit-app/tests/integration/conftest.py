"""Fixtures of the integration suites: the real system on free ports.

* ``nats_server`` — nats-server with infra/nats/nats.conf (users, permissions, JetStream) and
  the environment of infra/nats/nats.env.sample, a temporary store;
* ``dev_idp`` — apps/dev-idp/dist/main.js with temporary keys; ``tokens`` logs alice and bob in
  over HTTP (authorization code + PKCE), like a browser;
* ``auth_service`` / ``api_service`` — apps/*/dist/main.js, each connecting as its own NATS user
  and trusting the dev-idp above;
* ``bus`` — a BusClient connected as ``streamlit-host``;
* ``app_env`` — the environment the demo app reads, pointing at all of the above.

Every process is stopped by a finalizer (SIGTERM, then SIGKILL), also when a test fails.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import streamlit as st

from streamlit_auth0_bus import BusClient, Settings
from streamlit_auth0_bus.errors import BusError, UnavailableError
from tests.integration.harness import NODE, ProcessExited, REPO_ROOT, USERS, DevIdp, ManagedProcess, NatsServer, Tokens, free_port, start_on_free_ports, wait_for

AUTH_SERVICE_MAIN = REPO_ROOT / "apps" / "auth-service" / "dist" / "main.js"
HOST_RELAY_MAIN = REPO_ROOT / "apps" / "host-relay" / "dist" / "main.js"
FRAME_ORIGIN = "http://localhost:3001"
API_SERVICE_MAIN = REPO_ROOT / "apps" / "api-service" / "dist" / "main.js"


def service_env(nats: NatsServer, idp: DevIdp, user: str, instance: str) -> dict[str, str]:
    """Environment of a NestJS service (see apps/<service>/src/config): its NATS user, the
    issuer and audience it trusts, its replica id."""
    return {
        **nats.env_for(user),
        "AUTH_ISSUER": idp.issuer,
        "AUTH_AUDIENCE": idp.audience,
        "AUTH_JWKS_URI": idp.jwks_uri,
        "INSTANCE_ID": instance,
        "LOG_LEVEL": "warn",
        "DRAIN_TIMEOUT": "1s",
        "AUDIT_FLUSH_TIMEOUT": "1s",
    }


class Service:
    """A service process that can be stopped, paused and started again (same env)."""

    def __init__(self, name: str, main: Path, env: dict[str, str], ready_subject: str, nats: NatsServer) -> None:
        assert main.is_file(), f"{main} is missing: build it first (npx nx run {name}:build)"
        self.name = name
        self.main = main
        self.env = env
        self.ready_subject = ready_subject
        self.nats = nats
        self.instance = env["INSTANCE_ID"]
        self.proc: ManagedProcess | None = None

    def start(self, probe: BusClient) -> None:
        self.proc = ManagedProcess(self.name, [NODE, str(self.main)], env=self.env)

        def answering() -> bool:
            assert self.proc is not None
            if not self.proc.running:
                raise ProcessExited(f"{self.name} exited:\n{self.proc.tail()}")
            try:
                probe.request(self.ready_subject, {}, timeout=1)
                return True
            except UnavailableError:
                return False
            except BusError:
                return True  # it answered (e.g. UNAUTHENTICATED): it is up

        wait_for(answering, f"{self.name} answering on {self.ready_subject}", timeout=60, interval=0.2, logs=lambda: self.proc.tail() if self.proc else "")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop()

    def logs(self, n: int = 40) -> str:
        return self.proc.tail(n) if self.proc else ""


@pytest.fixture(scope="session")
def nats_server() -> Iterator[NatsServer]:
    server = NatsServer()
    yield server
    server.dispose()


@pytest.fixture(scope="session")
def dev_idp() -> Iterator[DevIdp]:
    idp = DevIdp()
    yield idp
    idp.stop()


@pytest.fixture(scope="session")
def tokens(dev_idp: DevIdp) -> dict[str, Tokens]:
    """Real tokens for alice and bob, from dev-idp's login over HTTP."""
    return {user: dev_idp.login(user) for user in USERS}


@pytest.fixture(scope="session")
def bus(nats_server: NatsServer) -> Iterator[BusClient]:
    client = BusClient(Settings(nats_url=nats_server.url, nats_password=nats_server.password("streamlit-host"), bus_timeout_ms=3000))
    assert client.wait_connected(10), client.last_error
    yield client
    client.close()


@pytest.fixture(scope="session")
def auth_service(nats_server: NatsServer, dev_idp: DevIdp, bus: BusClient) -> Iterator[Service]:
    service = Service("auth-service", AUTH_SERVICE_MAIN, service_env(nats_server, dev_idp, "auth-service", "auth-service-py-1"), "auth.verify", nats_server)
    service.start(bus)
    yield service
    service.stop()


@pytest.fixture(scope="session")
def api_service(nats_server: NatsServer, dev_idp: DevIdp, bus: BusClient) -> Iterator[Service]:
    service = Service("api-service", API_SERVICE_MAIN, service_env(nats_server, dev_idp, "api-service", "api-service-py-1"), "api.ping", nats_server)
    service.start(bus)
    yield service
    service.stop()


class Relay:
    """host-relay (apps/host-relay/dist/main.js) on a free port, connected as user host-relay."""

    def __init__(self, nats: NatsServer, log_level: str = "warn", allowed_origins: str = FRAME_ORIGIN) -> None:
        assert HOST_RELAY_MAIN.is_file(), f"{HOST_RELAY_MAIN} is missing: build it first (npx nx run host-relay:build)"
        self.proc: ManagedProcess | None = None

        def start() -> None:
            self.stop()
            self.port = free_port()
            env = {**nats.env_for("host-relay"), "RELAY_PORT": str(self.port), "RELAY_HOST": "127.0.0.1", "RELAY_ALLOWED_ORIGINS": allowed_origins, "LOG_LEVEL": log_level}
            proc = self.proc = ManagedProcess("host-relay", [NODE, str(HOST_RELAY_MAIN)], env=env)

            def healthy() -> bool:
                if not proc.running:
                    raise ProcessExited(f"host-relay exited:\n{proc.tail()}")
                return requests.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).ok

            try:
                wait_for(healthy, "host-relay health", timeout=30, logs=proc.tail)
            except TimeoutError:
                proc.stop()
                raise

        start_on_free_ports(start, "host-relay")

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def log_lines(self) -> list[str]:
        return list(self.proc.lines) if self.proc is not None else []

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop()


@pytest.fixture(scope="session")
def relay(nats_server: NatsServer, api_service: Service, auth_service: Service) -> Iterator[Relay]:
    r = Relay(nats_server)
    yield r
    r.stop()


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
