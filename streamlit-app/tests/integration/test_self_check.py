"""Issue 15 — the login component explains itself.

The real demo app (``streamlit run``), the real component-web (``next start``) and host-relay:
when component-web refuses to be framed by the page's origin, when the relay is down and when
component-web is down, the page says within a few seconds what is wrong and which setting fixes
it — instead of an empty bar and a pointer to a Log in button that is not there.

The page is read through Streamlit's own WebSocket protocol; the page's origin is the one a
browser would send: ``http://localhost:<port>`` (which component-web lists), or a deployment's
origin that it does not list.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from streamlit_auth0_bus import Settings
from streamlit_auth0_bus.diagnostics import origin_of, probe_relay
from tests.integration.stack import ComponentWeb, DevIdp, NatsServer, Relay, Service, free_port
from tests.integration.streamlit_ws import ScriptRun, StreamlitServer, StreamlitSession
from tests.support import APP_DIR


#: Where "a deployment" serves the page; component-web does not list it.
DEPLOYED_ORIGIN = "https://streamlit.example.test"


class Setup:
    def __init__(self, nats: NatsServer, idp: DevIdp) -> None:
        self.web_port = free_port()
        frame_origins = f"http://127.0.0.1:{self.web_port},http://localhost:{self.web_port}"
        self.relay = Relay(nats, allowed_origins=frame_origins)
        self.streamlit = StreamlitServer(
            APP_DIR / "Home.py",
            {
                **nats.env_for("streamlit-host"),
                "AUTH0_AUDIENCE": idp.audience,
                "COMPONENT_URL": f"http://127.0.0.1:{self.web_port}/streamlit",
                "RELAY_URL": self.relay.ws_url,
                "COMPONENT_SELF_CHECK": "true",
                "AUTH0_BUS_ENV_FILE": "/nonexistent/.env",
            },
            # Lets the page also be "served" at DEPLOYED_ORIGIN (what a browser behind a proxy
            # sends); Streamlit then needs XSRF off to accept a cross-origin WebSocket.
            options=["--server.enableCORS", "false", "--server.enableXsrfProtection", "false"],
        )
        relay_origin = origin_of(self.relay.ws_url)
        assert relay_origin is not None
        # component-web lets only the page at http://localhost:<streamlit port> frame it
        self.web = ComponentWeb(
            self.web_port,
            streamlit_origins=[f"http://localhost:{self.streamlit.port}"],
            relay_origins=[relay_origin],
            extra_env={"AUTH0_DOMAIN": idp.url, "AUTH0_AUDIENCE": idp.audience},
        )

    def stop(self) -> None:
        self.streamlit.stop()
        self.web.stop()
        self.relay.stop()


@pytest.fixture()
def setup(nats_server: NatsServer, dev_idp: DevIdp, auth_service: Service, api_service: Service) -> Iterator[Setup]:
    s = Setup(nats_server, dev_idp)
    yield s
    s.stop()


def rerun_until(page: StreamlitSession, check: Callable[[ScriptRun], bool], within: float) -> tuple[ScriptRun, float]:
    started = time.monotonic()
    while True:
        run = page.rerun()
        if check(run) or time.monotonic() - started > within:
            return run, time.monotonic() - started
        time.sleep(0.3)


def test_the_page_says_what_is_wrong_and_which_setting_fixes_it(setup: Setup) -> None:

    # A page at an origin component-web does not list is refused by its frame-ancestors (a
    # deployment's origin: no development rule for loopback ports can admit it).
    refused = StreamlitSession(setup.streamlit, origin=DEPLOYED_ORIGIN)
    run = refused.rerun()
    expected = f"component-web refused to be framed by {DEPLOYED_ORIGIN} — add it to **STREAMLIT_ORIGINS**"
    assert expected in run.text, run.text[:4000]
    assert "RELAY_URL" not in run.text and "COMPONENT_URL" not in run.text
    refused.close()

    # The same app opened at localhost is admitted: nothing to report (the check can pass).
    page = StreamlitSession(setup.streamlit, host="localhost")
    run = page.rerun()
    assert "STREAMLIT_ORIGINS" not in run.text and "not reachable" not in run.text and "cannot reach" not in run.text, run.text[:4000]
    assert run.component("auth0_login_bar") is not None

    # The real relay's origin policy, as the probe sees it: the frame's origin passes, another is named.
    relay_settings = Settings(relay_url=setup.relay.ws_url)
    assert probe_relay(relay_settings, f"http://127.0.0.1:{setup.web_port}") == []
    refused_frame = probe_relay(relay_settings, "http://elsewhere.test:3001")
    assert [f.setting for f in refused_frame] == ["RELAY_ALLOWED_ORIGINS"], refused_frame

    # The relay goes down: the page says so within a few seconds, naming RELAY_URL.
    setup.relay.stop()
    run, took = rerun_until(page, lambda r: "cannot reach host-relay" in r.text, within=15)
    assert f"The login component cannot reach host-relay at {setup.relay.ws_url}" in run.text, run.text[:4000]
    assert "**RELAY_URL**" in run.text and took < 10, took

    # component-web goes down too: named with COMPONENT_URL.
    setup.web.stop()
    run, took = rerun_until(page, lambda r: "component-web is not reachable" in r.text, within=15)
    assert f"component-web is not reachable at http://127.0.0.1:{setup.web_port}/streamlit" in run.text, run.text[:4000]
    assert "**COMPONENT_URL**" in run.text and took < 10, took
    page.close()


# ---- NATS or auth-service unreachable at the first verification ---------------------------------


def first_login(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], token: str) -> str:
    """The demo app in AppTest, a login reported by the component, the page's text."""
    from streamlit.testing.v1 import AppTest

    from tests.integration.forge import claims_of
    from tests.integration.test_app_logged_in import ENTRY, all_text

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("BUS_TIMEOUT_MS", "1500")
    at = AppTest.from_file(ENTRY, default_timeout=30).run()
    at.session_state["auth0_login_bar"] = {
        "name": "onStatusUpdate",
        "seq": int(time.time() * 1000),
        "data": {"user": {"sub": "auth0|alice", "name": "Alice Example"}, "token": {"value": token, "expiry": claims_of(token)["exp"]}, "cause": "login"},
    }
    at.run()
    assert not at.exception
    assert "auth0_bus.user" not in at.session_state
    import streamlit as st

    st.cache_resource.clear()  # the next case gets a client with its own settings
    return all_text(at)


def test_nats_or_auth_service_unreachable_at_the_first_verification_names_what_to_check(
    monkeypatch: pytest.MonkeyPatch, dev_idp: DevIdp, tokens: dict[str, Any]
) -> None:
    token = tokens["alice"].access_token
    # NATS is not there at all
    dead = f"nats://127.0.0.1:{free_port()}"
    text = first_login(monkeypatch, {"NATS_URL": dead}, token)
    assert f"NATS is not reachable at {dead}" in text and "**NATS_URL**" in text, text

    own = NatsServer()  # a NATS with nobody answering auth.verify
    try:
        text = first_login(monkeypatch, own.env_for("streamlit-host"), token)
        assert "auth-service is not answering `auth.verify`" in text and "**NATS_URL**" in text, text
        text = first_login(monkeypatch, {**own.env_for("streamlit-host"), "NATS_PASSWORD": "not-the-password"}, token)
        # nats-server's "Authorization Violation" may or may not arrive before the connection drops
        assert ("refused the host's credentials" in text or "closed the connection" in text) and "**NATS_PASSWORD**" in text, text
    finally:
        own.dispose()
