"""Property tests: whatever arrives — random JSON, mutated valid messages, random bytes — the
package answers with a value or a typed BusError (INVALID_MESSAGE for bad shapes), never with
an unexpected exception."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streamlit_auth0_bus.auth import handle_status_update
from streamlit_auth0_bus.bus_client import decode_reply
from streamlit_auth0_bus.component_host import ComponentHost
from streamlit_auth0_bus.config import Settings
from streamlit_auth0_bus.contracts import decode_body, get_contracts
from streamlit_auth0_bus.errors import BusError, InvalidMessageError, PayloadTooLargeError, UnauthenticatedError, from_wire
from tests.support import load_vectors, vector_names

CONTRACTS = get_contracts()
NAMES = vector_names()
SEEDS = [(n, v) for n in NAMES for v in load_vectors(n)["valid"]]
PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_scalars = st.none() | st.booleans() | st.integers(-(2**60), 2**60) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += paths(v, prefix + (i,))
    return out


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, Any]:
    """A valid vector with one random change: replace, delete or add a field, anywhere."""
    name, seed = draw(st.sampled_from(SEEDS))
    value = copy.deepcopy(seed)
    path = draw(st.sampled_from(paths(value)))
    op = draw(st.sampled_from(["replace", "delete", "add"]))
    if not path:
        return name, draw(json_values) if op == "replace" else value
    parent = value
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if op == "replace":
        parent[last] = draw(json_values)
    elif op == "delete":
        del parent[last]
    else:
        target = parent[last]
        if isinstance(target, dict):
            target[draw(st.text(min_size=1, max_size=10))] = draw(json_values)
        elif isinstance(target, list):
            target.append(draw(json_values))
        else:
            parent[last] = [target]
    return name, value


@PROPS
@given(mutated())
def test_mutated_messages_validate_or_raise_invalid_message(case: tuple[str, Any]) -> None:
    name, value = case
    valid = CONTRACTS.is_valid(name, value)
    try:
        CONTRACTS.validate(name, value)
        assert valid
    except InvalidMessageError as err:
        assert not valid
        assert err.code == "INVALID_MESSAGE" and len(err.message) <= 500


@PROPS
@given(st.sampled_from(NAMES), json_values)
def test_random_json_validates_or_raises_invalid_message(name: str, value: Any) -> None:
    try:
        CONTRACTS.validate(name, value)
    except InvalidMessageError:
        pass


@PROPS
@given(st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode()))
def test_random_bodies_decode_or_raise_typed_errors(data: bytes) -> None:
    try:
        decode_body(data)
    except (InvalidMessageError, PayloadTooLargeError):
        pass


@PROPS
@given(st.sampled_from(CONTRACTS.rpc_subjects), st.binary(max_size=200) | json_values.map(lambda v: json.dumps(v).encode()) | mutated().map(lambda c: json.dumps(c[1]).encode()))
def test_random_replies_give_a_valid_reply_or_a_bus_error(subject: str, data: bytes) -> None:
    try:
        reply = decode_reply(subject, data)
    except BusError as err:
        assert err.code in CONTRACTS.error_codes
    else:
        assert CONTRACTS.is_valid(CONTRACTS.schemas_for(subject).reply or "", reply)


@PROPS
@given(json_values | mutated().map(lambda c: c[1]))
def test_from_wire_always_gives_a_bus_error(value: Any) -> None:
    assert isinstance(from_wire(value), BusError)


@PROPS
@given(json_values | mutated().map(lambda c: c[1]))
def test_component_values_are_events_none_or_invalid_message(value: Any) -> None:
    host = ComponentHost(renderer=lambda **kw: value, state={}, settings=Settings())
    try:
        event = host.parse(value)
    except InvalidMessageError:
        return
    assert event is None or event.name in host.events


class RefusingVerifier:
    def verify(self, token: str, *, correlation_id: str | None = None) -> dict[str, Any]:
        raise UnauthenticatedError("The token signature does not verify", reason="bad_signature")


@PROPS
@given(json_values | mutated().map(lambda c: c[1]))
def test_status_handler_never_raises_and_never_logs_in_with_a_refused_token(data: Any) -> None:
    state: dict[str, Any] = {}
    outcome = handle_status_update(data, verifier=RefusingVerifier(), state=state)
    assert outcome.status in ("logged_out", "rejected")
    assert outcome.user is None and "auth0_bus.user" not in state
