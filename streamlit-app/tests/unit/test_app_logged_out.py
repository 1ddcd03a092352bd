"""Streamlit's AppTest runs the demo pages with nobody logged in (no bus needed for this)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from tests.support import APP_DIR

ENTRY = str(APP_DIR / "Home.py")


@pytest.fixture()
def app(monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    # Point the bus at a port where nothing listens: logged-out pages must not need it.
    monkeypatch.setenv("NATS_URL", "nats://127.0.0.1:9")
    at = AppTest.from_file(ENTRY, default_timeout=30)
    yield at


def texts(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "info", "warning", "error", "caption", "title", "subheader") for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def test_home_says_please_log_in_and_offers_the_article_buttons(app: AppTest) -> None:
    app.run()
    assert not app.exception
    assert "please log in" in texts(app).lower()
    labels = [b.label for b in app.button]
    assert labels == ["Do nothing", "Call Public API", "Call Secure API", "Call Scoped API", "Delegated WebRequest", "Call Legacy Flask API"]
    # Without BRIDGE_ROUTES_FILE there is no route to the article's Flask API; logged out, no notes form.
    assert app.button[-1].disabled
    assert "Log in to post and read your notes." in texts(app)
    assert app.toggle[0].label == "Show debug info"
    # the login component is rendered (AppTest shows custom components as unknown elements)
    assert app.get("component_instance") or app.get("unknown")


@pytest.mark.parametrize(("page", "title"), [("views/profile.py", "My identity"), ("views/audit.py", "Audit")])
def test_gated_pages_say_please_log_in(app: AppTest, page: str, title: str) -> None:
    app.run()
    app.switch_page(page).run()
    assert not app.exception
    assert [t.value for t in app.title] == [title]
    assert any("please log in" in i.value.lower() for i in app.info)
    assert not app.dataframe


def test_secure_call_when_logged_out_is_unauthenticated_without_touching_the_bus(app: AppTest) -> None:
    app.run()
    app.button[2].click().run()
    assert not app.exception
    errors = [e.value for e in app.error]
    assert len(errors) == 1 and "UNAUTHENTICATED" in errors[0] and "please log in" in errors[0].lower()


def test_do_nothing_does_nothing(app: AppTest) -> None:
    app.run()
    app.button[0].click().run()
    assert not app.exception and not app.error
    assert any("Nothing happened" in m.value for m in app.markdown)


def test_debug_info_when_logged_out_shows_no_identity(app: AppTest) -> None:
    app.run()
    app.toggle[0].set_value(True).run()
    assert not app.exception
    assert any("Not logged in" in m.value for m in app.markdown)
    host = app.json[-1].value
    assert "password" not in host.lower() and "nats://127.0.0.1:9" in host


def test_forged_component_value_is_reported_not_trusted(app: AppTest) -> None:
    app.session_state["auth0_login_bar"] = {"name": "onStatusUpdate", "seq": 1, "data": {"user": {"name": "Mallory"}, "token": "x", "cause": "login"}}
    app.run()
    assert not app.exception
    assert any("invalid message" in e.value.lower() for e in app.error)
    assert "Welcome" not in texts(app)


def test_a_configuration_error_is_shown_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUS_TIMEOUT_MS", "soon")
    at = AppTest.from_file(ENTRY, default_timeout=30).run()
    assert not at.exception
    assert any("Configuration error" in e.value and "BUS_TIMEOUT_MS" in e.value for e in at.error)


def test_production_mode_with_the_development_password_refuses_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTH_BUS_ENV", "production")
    at = AppTest.from_file(ENTRY, default_timeout=30).run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "NATS_PASSWORD" in errors[0] and "AUTH_BUS_ENV=production" in errors[0]
    assert not at.get("component_instance") and not at.button, "nothing else runs"


def test_the_frames_relay_trouble_is_shown_with_the_settings_to_check(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELAY_URL", "ws://relay.test:8888/ws")
    app.session_state["auth0_login_bar"] = {"name": "onError", "seq": 7, "data": {"code": "RELAY_UNAVAILABLE", "message": "Cannot reach host-relay; retrying."}}
    app.run()
    assert not app.exception
    warnings = [w.value for w in app.warning]
    assert any("RELAY_UNAVAILABLE" in w and "ws://relay.test:8888/ws" in w and "**RELAY_URL**" in w and "RELAY_ALLOWED_ORIGINS" in w for w in warnings), warnings
