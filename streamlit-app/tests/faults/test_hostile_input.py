"""Hostile input at the Streamlit host, with hypothesis, against the real bus and services.
(tests/unit/test_properties.py fuzzes the package offline: schemas, body decoding, replies,
component values, the status handler with a stub verifier.) Added here:

* the bus client never puts on the wire what the contract refuses — an invalid body or a token
  that could inject into a NATS header (CR/LF, spaces, non-ASCII) is refused with a typed error
  and a spy subscribed to ``api.>`` sees nothing; everything it does send carries exactly
  ``Authorization: Bearer <token>``, and every outcome is a reply or a typed BusError;
* mutated real tokens, through the real handler and the real auth-service, never log anyone in;
* whatever user the browser claims, a login is the verified token's user.
"""

from __future__ import annotations

import asyncio
import base64
import threading
import time
from typing import Any

import nats
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from streamlit_auth0_bus import BusVerifier, handle_status_update
from streamlit_auth0_bus.contracts import get_contracts
from streamlit_auth0_bus.errors import BusError, InvalidMessageError, PayloadTooLargeError, UnauthenticatedError
from streamlit_auth0_bus.session import AuthSession
from tests.faults.conftest import LONG, System

CONTRACTS = get_contracts()
PROPS = settings(max_examples=1000 if LONG else 120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
TOKEN_CHARS = set(chr(c) for c in range(0x21, 0x7F))

json_scalars = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30)
json_values = st.recursive(json_scalars, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=10), c, max_size=3), max_leaves=12)
payloads = st.none() | st.just({}) | st.dictionaries(st.text(max_size=12), json_values, max_size=4)
tokens = st.none() | st.text(max_size=60) | st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=60) | st.sampled_from(["a\r\nNats-Msg-Id: x", "abc def", "Bearer x", "tok\u00e9n", "x\x00y", "a" * 9000])


class Spy:
    """Everything published on ``api.>``, as the server delivers it (connected as api-service,
    which may subscribe there; it never answers — the real api-service does)."""

    def __init__(self, url: str, password: str) -> None:
        self.seen: list[tuple[str, bytes, dict[str, str]]] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._nc = asyncio.run_coroutine_threadsafe(self._connect(url, password), self._loop).result(10)

    async def _connect(self, url: str, password: str) -> Any:
        nc = await nats.connect(url, user="api-service", password=password, name="faults-spy")

        async def record(msg: Any) -> None:
            self.seen.append((msg.subject, bytes(msg.data), dict(msg.headers or {})))

        await nc.subscribe("api.>", cb=record)
        await nc.flush()
        return nc

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self._nc.close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


@pytest.fixture(scope="module")
def spy(system: System) -> Any:
    s = Spy(system.nats.url, system.nats.password("api-service"))
    yield s
    s.close()


def wait_until(check: Any, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.005)
    return bool(check())


@PROPS
@given(subject=st.sampled_from(["api.ping", "api.pong", "api.pong-scoped"]), payload=payloads, token=tokens)
def test_the_client_sends_only_what_the_contract_allows(system: System, spy: Spy, subject: str, payload: Any, token: str | None) -> None:
    body = {} if payload is None else payload
    body_ok = CONTRACTS.is_valid(CONTRACTS.schemas_for(subject).request or "", body)
    token_ok = token is None or (0 < len(token) <= CONTRACTS.max_token_chars and set(token) <= TOKEN_CHARS)
    before = len(spy.seen)
    try:
        reply = system.client.request(subject, payload, token=token, timeout=5)
    except (InvalidMessageError, PayloadTooLargeError) as err:
        assert not body_ok, err
        outcome = err.code
    except UnauthenticatedError as err:
        # Refused locally (a token that cannot be a bearer token), or by api-service.
        outcome = f"{err.code}:{err.reason}"
        if not token_ok:
            assert err.reason in ("missing", "malformed")
    except BusError as err:
        outcome = err.code
        assert err.code in CONTRACTS.error_codes
    else:
        outcome = "OK"
        assert body_ok and token_ok
        assert CONTRACTS.is_valid(CONTRACTS.schemas_for(subject).reply or "", reply)

    if body_ok and token_ok:
        assert wait_until(lambda: len(spy.seen) > before), f"{subject} was not sent ({outcome})"
        sent_subject, _data, headers = spy.seen[-1]
        assert sent_subject == subject
        if token is None:
            assert "Authorization" not in headers
        else:
            assert headers.get("Authorization") == f"Bearer {token}"
            assert len(headers) == 1
    else:
        # A sentinel request on the same subject from the same connection arrives after anything
        # the refused one could have sent: the spy must see the sentinel alone.
        system.client.request("api.ping", {}, timeout=5)
        assert wait_until(lambda: len(spy.seen) > before)
        assert [s for s, _, _ in spy.seen[before:]] == ["api.ping"], f"refused request reached the bus ({outcome})"


def _segments(token: str) -> list[bytes] | None:
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        return [base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)) for p in parts]
    except Exception:  # noqa: BLE001
        return None


B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@st.composite
def mutated_tokens(draw: st.DrawFn, real: str) -> str:
    op = draw(st.sampled_from(["flip", "truncate", "append", "swap", "drop-signature", "dots"]))
    if op == "flip":
        i = draw(st.integers(0, len(real) - 1))
        assume(real[i] != ".")
        c = draw(st.sampled_from(B64URL))
        return real[:i] + c + real[i + 1 :]
    if op == "truncate":
        return real[: draw(st.integers(1, len(real) - 1))]
    if op == "append":
        return real + draw(st.text(alphabet=B64URL + ".", min_size=1, max_size=8))
    if op == "swap":
        h, p, s = real.split(".")
        return ".".join(draw(st.permutations([h, p, s])))
    if op == "drop-signature":
        return real.rsplit(".", 1)[0] + "."
    return real.replace(".", draw(st.sampled_from(["..", ".", ""])), 1)


@settings(max_examples=600 if LONG else 80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_real_tokens_never_log_in(system: System, data: st.DataObject) -> None:
    real = system.alice.access_token
    token = data.draw(mutated_tokens(real))
    # A change that decodes to the same bytes (e.g. padding bits of the last character) is the same token.
    assume(token != real and _segments(token) != _segments(real))
    state: dict[str, Any] = {}
    outcome = handle_status_update(
        {"user": {"sub": "auth0|alice"}, "token": {"value": token, "expiry": int(time.time()) + 600}, "cause": "login"},
        verifier=BusVerifier(system.client),
        state=state,
    )
    assert outcome.status == "rejected", (token, outcome)
    assert outcome.problem is not None and outcome.problem.code in ("UNAUTHENTICATED", "INVALID_MESSAGE")
    assert AuthSession(state).user() is None


@settings(max_examples=300 if LONG else 40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(claimed=st.fixed_dictionaries({}, optional={"sub": st.text(min_size=1, max_size=40), "name": st.text(max_size=40), "email": st.text(max_size=40)}), expiry=st.integers(1, 2**31))
def test_whatever_the_browser_claims_the_login_is_the_tokens_user(system: System, claimed: dict[str, str], expiry: int) -> None:
    state: dict[str, Any] = {}
    outcome = handle_status_update(
        {"user": claimed, "token": {"value": system.bob.access_token, "expiry": expiry}, "cause": "login"},
        verifier=BusVerifier(system.client),
        state=state,
    )
    assert outcome.status == "logged_in"
    user = AuthSession(state).user()
    assert user is not None and user.sub == "auth0|bob" and user.permissions == ()
