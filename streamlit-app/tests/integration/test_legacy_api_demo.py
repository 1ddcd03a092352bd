"""The demo's legacy API as `npm start` runs it: the article's Flask API (part ``legacy-api``)
behind http-bridge with infra/bridge/routes.demo.yaml, on real NATS and dev-idp — through
host-relay's gateway, and from the demo's Home page (its button, and the notes form).

Its own module: the bridge of test_methods_with_bodies.py (other routes) must not share the
``http-bridge`` queue group with this one.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import requests
from streamlit.testing.v1 import AppTest

from tests.integration.oidc import Tokens
from tests.integration.stack import REPO_ROOT, DevIdp, NatsServer, Relay, StackRun, wait_for
from tests.integration.test_app_logged_in import ENTRY, Browser, button

DEMO_ROUTES = REPO_ROOT / "infra" / "bridge" / "routes.demo.yaml"


@pytest.fixture(scope="module")
def legacy(nats_server: NatsServer, dev_idp: DevIdp) -> Iterator[StackRun]:
    """The article's Flask API and http-bridge with the demo's routes, as `npm start` runs them."""
    run = StackRun(
        ["legacy-api", "http-bridge"],
        env={"http-bridge": {"LOG_LEVEL": "warn"}},
        only=True,
        ports={"nats": nats_server.port, "natsMonitor": nats_server.monitor_port, "devIdp": dev_idp.run.ports["devIdp"]},
    )
    yield run
    run.down()


def _flask_hits(run: StackRun, path: str) -> int:
    """Requests for `path` in the Flask API's own access log (Werkzeug logs every request)."""
    return sum(f'"GET {path} HTTP' in line for line in run.log_lines("legacy-api"))


def test_demo_legacy_api_through_the_relay(legacy: StackRun, relay: Relay, tokens: dict[str, Tokens]) -> None:
    base = f"http://127.0.0.1:{relay.port}/api/legacy"
    ping = requests.get(f"{base}/ping", timeout=10)
    assert ping.status_code == 200 and "don't need to be authenticated" in ping.json()["message"]
    # No token: the bridge answers 401 itself; the Flask API never sees the call.
    refused = requests.get(f"{base}/pong", timeout=10)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "UNAUTHENTICATED"
    assert _flask_hits(legacy, "/api/pong") == 0
    allowed = requests.get(f"{base}/pong", headers={"Authorization": f"Bearer {tokens['alice'].access_token}"}, timeout=10)
    assert allowed.status_code == 200 and "only get this message if you're authenticated" in allowed.json()["message"], allowed.text
    wait_for(lambda: _flask_hits(legacy, "/api/pong") == 1, "the Flask API's log of /api/pong", timeout=5)


# ---- the demo's Home page: the legacy button and the notes form


@pytest.fixture()
def home(app_env: None, monkeypatch: pytest.MonkeyPatch, legacy: StackRun, stack: dict[str, object], tokens: dict[str, Tokens]) -> AppTest:
    monkeypatch.setenv("BRIDGE_ROUTES_FILE", str(DEMO_ROUTES))
    at = AppTest.from_file(ENTRY, default_timeout=30)
    at.run()
    Browser(at).login("alice", tokens["alice"].access_token)
    assert not at.exception and not at.error
    return at


def test_home_calls_the_legacy_flask_api(home: AppTest, legacy: StackRun) -> None:
    before = _flask_hits(legacy, "/api/pong")
    at = button(home, "Call Legacy Flask API").click().run()
    assert not at.exception and not at.error
    assert any("Flask API 200" in s.value and "auth0|alice" in s.value for s in at.success)
    assert any("route `legacy-pong`" in c.value for c in at.caption)
    wait_for(lambda: _flask_hits(legacy, "/api/pong") == before + 1, "the Flask API's log of /api/pong", timeout=5)


def test_home_posts_a_note_and_lists_mine(home: AppTest) -> None:
    text = f"demo note {uuid.uuid4().hex[:8]}"
    home.text_area[0].input(text)
    at = button(home, "Post note").click().run()
    assert not at.exception and not at.error
    assert any("Note posted" in s.value for s in at.success)
    assert text in list(at.table[0].value["note"])
