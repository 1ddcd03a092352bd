"""Streamlit's AppTest runs the demo app in-process against the real system.

A login is injected the way the browser delivers it — as the component's value
(``at.session_state["auth0_login_bar"] = {name: "onStatusUpdate", seq, data}``) — and the app
handles it through its normal path: schema validation, seq handling, and the REAL ``auth.verify``
on the real auth-service. Nothing about verification is faked.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from streamlit_auth0_bus.contracts import get_contracts
from streamlit_auth0_bus import BusClient
from streamlit_auth0_bus.errors import ForbiddenError, UnauthenticatedError
from tests.integration.conftest import FRAME_ORIGIN
from tests.integration.stack import DevIdp, Relay, Service
from tests.integration.forge import claims_of, forge, header_of
from tests.integration.frame import delegated_request
from tests.integration.oidc import USERS, Tokens
from tests.support import APP_DIR

ENTRY = str(APP_DIR / "Home.py")
COMPONENT_KEY = "auth0_login_bar"


class Browser:
    """What the component frame would send: events with an increasing seq (from mount time)."""

    def __init__(self, at: AppTest) -> None:
        self.at = at
        self.seq = int(time.time() * 1000)

    def send(self, name: str, data: dict[str, Any]) -> AppTest:
        self.seq += 1
        self.at.session_state[COMPONENT_KEY] = {"name": name, "seq": self.seq, "data": data}
        return self.at.run()

    def login(self, user: str, token: str) -> AppTest:
        profile = USERS[user]
        return self.send(
            "onStatusUpdate",
            {
                "user": {"sub": profile["sub"], "name": profile["name"], "email": profile["email"]},
                "token": {"value": token, "expiry": claims_of(token)["exp"]},
                "cause": "login",
            },
        )

    def logout(self) -> AppTest:
        return self.send("onStatusUpdate", {"user": None, "token": None, "cause": "logout"})


def all_text(at: AppTest) -> str:
    kinds = ("title", "header", "subheader", "markdown", "caption", "info", "success", "warning", "error", "json", "code")
    return "\n".join(str(e.value) for kind in kinds for e in getattr(at, kind))


def button(at: AppTest, label: str) -> Any:
    return next(b for b in at.button if b.label == label)


@pytest.fixture()
def app(app_env: None, stack: dict[str, object]) -> AppTest:
    at = AppTest.from_file(ENTRY, default_timeout=30)
    at.run()
    assert not at.exception
    return at


def logged_in(app: AppTest, tokens: dict[str, Tokens], user: str) -> Browser:
    """The app with `user` logged in through the component's value (with their real token)."""
    browser = Browser(app)
    browser.login(user, tokens[user].access_token)
    assert not app.exception
    return browser


@pytest.fixture()
def alice(app: AppTest, tokens: dict[str, Tokens]) -> Browser:
    return logged_in(app, tokens, "alice")


@pytest.fixture()
def bob(app: AppTest, tokens: dict[str, Tokens]) -> Browser:
    return logged_in(app, tokens, "bob")


def test_alice_is_logged_in_by_name_after_real_verification(alice: Browser, tokens: dict[str, Tokens], auth_service: Service) -> None:
    at = alice.at
    assert [s.value for s in at.subheader] == ["Welcome, Alice Example!"]
    assert any("Logged in as **Alice Example**" in c.value for c in at.caption)
    assert "please log in" not in all_text(at).lower()
    user = at.session_state["auth0_bus.user"]
    assert user.sub == "auth0|alice" and user.verified_by == auth_service.instance
    assert not at.error


def test_the_frame_is_told_who_is_logged_in_but_never_given_the_token(alice: Browser, tokens: dict[str, Tokens]) -> None:
    # The props of a run are computed before that run handles the event, so look at the next rerun.
    proto = alice.at.run().get("component_instance")[0].proto
    args = json.loads(proto.json_args)
    assert args["initial_state"]["logged_in"] is True
    assert args["initial_state"]["user"] == {"sub": "auth0|alice", "name": "Alice Example", "email": "alice@example.com"}
    assert tokens["alice"].access_token not in proto.json_args


def test_secure_api_shows_the_greeting_with_sub_and_instance(alice: Browser, api_service: Service) -> None:
    at = button(alice.at, "Call Secure API").click().run()
    assert not at.exception and not at.error
    assert any("SECURE" in s.value for s in at.success)
    caption = " ".join(c.value for c in at.caption)
    assert "auth0|alice" in caption and api_service.instance in caption


def test_public_and_scoped_calls_for_alice(alice: Browser, api_service: Service) -> None:
    at = button(alice.at, "Call Public API").click().run()
    assert any("PUBLIC" in s.value for s in at.success) and not at.error
    at = button(at, "Call Scoped API").click().run()
    assert not at.error
    assert any("read:messages" in c.value for c in at.caption)


def test_scoped_call_for_bob_is_forbidden_as_st_error(bob: Browser) -> None:
    at = button(bob.at, "Call Scoped API").click().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "FORBIDDEN" in errors[0] and "read:messages" in errors[0]
    # ... while bob's secure (unscoped) call works
    at = button(at, "Call Secure API").click().run()
    assert not at.error and any("auth0|bob" in c.value for c in at.caption)


def test_forged_token_is_rejected_and_shown(app: AppTest, tokens: dict[str, Tokens]) -> None:
    real = tokens["bob"].access_token
    forged = forge(real, kid=header_of(real)["kid"], sub="auth0|alice", permissions=["read:messages", "read:audit"])
    at = Browser(app).login("alice", forged)
    assert not at.exception
    text = all_text(at)
    assert "rejected" in text.lower() and "bad_signature" in text
    assert "Welcome" not in text and "auth0_bus.user" not in at.session_state
    at = button(at, "Call Secure API").click().run()
    assert any("UNAUTHENTICATED" in e.value for e in at.error)


def test_logout_clears_the_session(alice: Browser) -> None:
    at = alice.logout()
    assert not at.exception
    assert "Welcome" not in all_text(at)
    assert "please log in" in all_text(at).lower()
    at.switch_page("views/profile.py").run()
    assert any("please log in" in i.value.lower() for i in at.info)


def test_the_same_event_is_handled_once_across_reruns(alice: Browser) -> None:
    at = alice.at
    seq = at.session_state["auth0_bus.last_seq.auth0_login_bar"]
    user_before = at.session_state["auth0_bus.user"]
    for _ in range(2):
        at.run()
    assert at.session_state["auth0_bus.user"] is user_before  # not re-verified on reruns
    assert at.session_state["auth0_bus.last_seq.auth0_login_bar"] == seq


def test_debug_info_shows_claims_never_the_token(alice: Browser, tokens: dict[str, Tokens]) -> None:
    at = alice.at
    next(t for t in at.toggle if t.label == "Show debug info").set_value(True).run()
    assert not at.exception
    text = all_text(at)
    assert "auth0|alice" in text and "read:audit" in text and "token_hash" in text
    assert tokens["alice"].access_token not in text
    assert tokens["alice"].access_token.split(".")[2] not in text


def test_profile_page_for_alice(alice: Browser) -> None:
    at = alice.at
    at.switch_page("views/profile.py").run()
    assert not at.exception
    assert [s.value for s in at.subheader] == ["Alice Example", "Sessions"]
    assert [b.label for b in at.button if b.label == "Log out everywhere"] == ["Log out everywhere"]
    assert "read:messages" in all_text(at)


def test_log_out_everywhere_revokes_the_token_on_the_bus_and_locks_the_page(app: AppTest, dev_idp: DevIdp, bus: BusClient) -> None:
    # carol, not the shared alice/bob tokens: the revocation covers every token of hers issued so far.
    token = dev_idp.login("carol").access_token
    assert bus.request("api.pong", {}, token=token)["sub"] == "auth0|carol"
    at = Browser(app).login("carol", token)
    at.switch_page("views/profile.py").run()
    button(at, "Log out everywhere").click().run()
    assert not at.exception
    assert "please log in" in all_text(at).lower() and "revoked" in all_text(at)
    with pytest.raises(UnauthenticatedError) as refused:
        bus.request("api.pong", {}, token=token)
    assert refused.value.reason == "revoked"


def test_audit_page_lists_events_for_alice(alice: Browser, tokens: dict[str, Tokens], bus: BusClient) -> None:
    at = alice.at
    # A login of bob (verified) and a denial to see on the chart (bob's scoped call is refused).
    Browser(AppTest.from_file(ENTRY, default_timeout=30)).login("bob", tokens["bob"].access_token)
    with pytest.raises(ForbiddenError):
        bus.request("api.pong-scoped", {}, token=tokens["bob"].access_token)
    at.switch_page("views/audit.py").run()
    deadline = time.monotonic() + 15
    while True:
        assert not at.exception, at.exception
        assert not at.error, [e.value for e in at.error]
        frames = at.dataframe
        kinds = set(frames[0].value["kind"]) if frames else set()
        if "login.verified" in kinds or time.monotonic() > deadline:
            break
        time.sleep(0.5)
        at.run()
    assert frames, "no audit table"
    table = frames[0].value
    assert "login.verified" in set(table["kind"])
    assert "auth0|alice" in set(table["sub"])
    # Empty cells are blank, not "None" (issue 16); the session column is the opaque correlation id.
    text_columns = [c for c in table.columns if c not in ("at", "count")]
    assert "reason" in text_columns and "correlation_id" in text_columns and "session_id" not in text_columns
    assert not table[text_columns].isna().any().any(), table[text_columns].isna().sum()
    assert "" in set(table["reason"]), "a login.verified event has no reason: its cell is blank"
    assert not any(tokens["alice"].access_token in str(v) for v in table.to_numpy().ravel())
    assert at.get("vega_lite_chart"), "no chart of logins and denials"
    by_kind = at.table[0].value
    # one row per kind of the contract, in its order (the page reads them from the schema)
    assert list(by_kind.index) == list(get_contracts().audit_kinds)
    assert by_kind.loc["login.verified", "events"] >= 1 and by_kind.loc["api.denied", "events"] >= 0
    # filter by user and kind
    at.text_input[0].input("auth0|bob").run()
    at.selectbox[0].select("login.verified").run()
    assert not at.error
    if at.dataframe:
        filtered = at.dataframe[0].value
        assert set(filtered["sub"]) == {"auth0|bob"} and set(filtered["kind"]) == {"login.verified"}
    else:
        assert any("No audit events" in i.value for i in at.info)


def test_audit_page_is_refused_for_bob(bob: Browser) -> None:
    at = bob.at
    at.switch_page("views/audit.py").run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "FORBIDDEN" in errors[0] and "read:audit" in errors[0]
    assert not at.dataframe


def test_delegated_web_request_result_comes_back_as_on_action_result(alice: Browser, relay: Relay, tokens: dict[str, Tokens], api_service: Service) -> None:
    at = button(alice.at, "Delegated WebRequest").click().run()
    assert not at.exception
    action = at.session_state["auth0_bus.action_request"]
    assert action["path"] == "/api/pong" and action["useauth"] is True
    assert any("Waiting for the component" in i.value for i in at.info)
    # The component receives `action_request` as a prop; play the frame's part against the real relay.
    session_id = "apptest-" + action["id"]
    request = {k: action[k] for k in ("id", "method", "path", "useauth", "label") if k in action}
    result = delegated_request(relay.ws_url, FRAME_ORIGIN, session_id, tokens["alice"].access_token, request)
    assert result["ok"] is True and result["data"]["sub"] == "auth0|alice"
    at = alice.send("onActionResult", result)
    assert not at.exception and not at.error
    assert any("onActionResult 200" in s.value and "SECURE" in s.value for s in at.success)
    assert any(api_service.instance in c.value for c in at.caption)


def test_delegated_web_request_refusal_is_shown_with_its_code(bob: Browser, relay: Relay, tokens: dict[str, Tokens]) -> None:
    at = bob.at
    at.session_state["auth0_bus.action_request"] = {"id": "req-scoped-bob", "method": "GET", "path": "/api/pong-scoped", "useauth": True}
    at.run()
    result = delegated_request(relay.ws_url, FRAME_ORIGIN, "apptest-bob", tokens["bob"].access_token, {"id": "req-scoped-bob", "method": "GET", "path": "/api/pong-scoped", "useauth": True})
    assert result["ok"] is False and result["status"] == 403
    at = bob.send("onActionResult", result)
    assert any("FORBIDDEN" in e.value and "403" in e.value for e in at.error)
