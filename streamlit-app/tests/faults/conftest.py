"""Fixtures of the fault suites: a system of their own, which they break on purpose.

Every fixture here is module-scoped and owns its processes (nats-server, dev-idp, auth-service,
api-service from apps/*/dist, started by the stack launcher through tests/integration/stack.py), so
killing auth-service in one module leaves the other suites' stack untouched.

``FAULTS_LONG=1`` (``npm run test:faults``) raises the number of generated examples.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from streamlit_auth0_bus import BusClient, Settings
from tests.integration.oidc import Tokens
from tests.integration.stack import NODE, REPO_ROOT, DevIdp, NatsServer, Service, service_env

LONG = bool(os.environ.get("FAULTS_LONG"))
ATTACK_LIST = REPO_ROOT / "faults" / "tools" / "attack-list.cjs"


@dataclass
class System:
    nats: NatsServer
    idp: DevIdp
    client: BusClient
    auth: Service
    api: Service
    alice: Tokens
    bob: Tokens

    def new_auth(self, instance: str) -> Service:
        """A fresh auth-service process with the same settings (after a crash)."""
        self.auth.dispose()
        service = Service.start_on(self.nats, "auth-service", {**self.auth.env, "INSTANCE_ID": instance})
        self.auth = service
        return service


@pytest.fixture(scope="module")
def system() -> Iterator[System]:
    """nats-server, dev-idp (machine tokens live 2 s, so one can be seen expired), auth-service
    and api-service, and the Streamlit host's bus client — all of this module's own."""
    nats = NatsServer()
    idp = DevIdp(extra_env={"DEV_IDP_CLIENT_CREDENTIALS_TTL": "2"})
    client = BusClient(Settings(nats_url=nats.url, nats_password=nats.password("streamlit-host"), bus_timeout_ms=5000))
    started: list[Service] = []
    try:
        assert client.wait_connected(10), client.last_error
        env = {"AUTH_CLOCK_TOLERANCE_SEC": "1"}
        auth = Service.start_on(nats, "auth-service", {**service_env(nats, idp, "auth-service", "auth-faults-1"), **env})
        started.append(auth)
        api = Service.start_on(nats, "api-service", {**service_env(nats, idp, "api-service", "api-faults-1"), **env})
        started.append(api)
        system = System(nats, idp, client, auth, api, idp.login("alice"), idp.login("bob"))
        yield system
        started.append(system.auth)
    finally:
        for service in started:
            service.dispose()
        client.close()
        idp.stop()
        nats.dispose()


@dataclass(frozen=True)
class Attack:
    name: str
    token: str | None
    reasons: tuple[str, ...]


def attack_list(access_token: str, id_token: str | None, expired_token: str | None, jwk: dict[str, Any]) -> list[Attack]:
    """The one attack list (libs/token-verifier/src/testing/attacks.ts), built by Node from real tokens."""
    proc = subprocess.run(
        [NODE, str(ATTACK_LIST)],
        input=json.dumps({"accessToken": access_token, "idToken": id_token, "expiredToken": expired_token, "jwk": jwk}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return [Attack(c["name"], c.get("token"), tuple(c["reasons"])) for c in json.loads(proc.stdout)]
