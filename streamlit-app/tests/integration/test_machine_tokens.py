"""Issue 13.6 — a machine token does not log anyone into Streamlit.

dev-idp's ``dev-m2m`` client gets a ``client_credentials`` token with every API permission. Reported
by a (hostile) frame as ``onStatusUpdate``, it goes through the demo app's normal path — schema
validation, seq handling and the REAL ``auth.verify`` (purpose ``user``, the default) on the real
auth-service — and must leave the session logged out, with the page saying why.

The refusal itself is auth-service's (``auth.verify`` refuses tokens not issued to a user:
UNAUTHENTICATED, reason ``not_a_user_token``); this test is the host's side of it.
"""

from __future__ import annotations

import time

from streamlit.testing.v1 import AppTest

from tests.integration.forge import claims_of
from tests.integration.stack import DevIdp, Service
from tests.integration.test_app_logged_in import ENTRY, all_text

#: The reason auth.verify gives for a machine (client-credentials) token.
NOT_A_USER_TOKEN = "not_a_user_token"


def test_a_client_credentials_token_does_not_log_anyone_in_and_the_page_says_why(
    app_env: None, dev_idp: DevIdp, auth_service: Service, api_service: Service
) -> None:
    m2m = dev_idp.m2m_token().access_token
    claims = claims_of(m2m)
    assert claims.get("gty") == "client-credentials" or str(claims.get("sub", "")).endswith("@clients"), claims
    at = AppTest.from_file(ENTRY, default_timeout=30).run()
    assert not at.exception
    at.session_state["auth0_login_bar"] = {
        "name": "onStatusUpdate",
        "seq": int(time.time() * 1000),
        "data": {
            "user": {"sub": str(claims["sub"]), "name": "Robot", "email": "robot@example.com"},
            "token": {"value": m2m, "expiry": claims["exp"]},
            "cause": "login",
        },
    }
    at.run()
    assert not at.exception
    assert "auth0_bus.user" not in at.session_state, "a machine token logged in as a Streamlit user"
    assert not any("Logged in as" in c.value for c in at.caption)
    problem = at.session_state["auth0_bus.problem"]
    assert problem.kind == "rejected" and problem.code == "UNAUTHENTICATED", problem
    assert problem.reason == NOT_A_USER_TOKEN, problem
    errors = [e.value for e in at.error]
    assert any("Login rejected" in e and NOT_A_USER_TOKEN in e for e in errors), errors
    # and the Audit page (read:audit is among the M2M client's permissions) stays closed
    at.switch_page("views/audit.py").run()
    assert not at.dataframe and "please log in" in all_text(at).lower()
