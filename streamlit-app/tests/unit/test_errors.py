from __future__ import annotations

import pytest

from streamlit_auth0_bus import errors
from streamlit_auth0_bus.errors import (
    ERROR_CODES,
    BusError,
    BusTimeoutError,
    ForbiddenError,
    InternalError,
    TimeoutError_,
    UnauthenticatedError,
    error_class_for,
    from_wire,
)


def test_codes_match_the_exported_contract(contracts) -> None:
    assert list(ERROR_CODES) == contracts.error_codes
    assert errors.HTTP_STATUS_BY_CODE == contracts.index["http_status_by_code"]


@pytest.mark.parametrize("code", ERROR_CODES)
def test_every_code_has_a_subclass_that_round_trips(code: str) -> None:
    cls = error_class_for(code)
    assert issubclass(cls, BusError) and cls.code == code
    err = cls("something happened", reason="why", permission="read:x")
    again = from_wire({"error": err.to_wire()})
    assert type(again) is cls
    assert (again.code, again.message, again.reason, again.permission) == (code, "something happened", "why", "read:x")
    assert err.status == errors.HTTP_STATUS_BY_CODE[code]


def test_timeout_alias_and_str() -> None:
    assert TimeoutError_ is BusTimeoutError
    err = UnauthenticatedError("The token has expired", reason="expired")
    assert str(err) == "UNAUTHENTICATED: The token has expired (expired)"
    assert ForbiddenError("Missing permission: read:messages", permission="read:messages").to_wire() == {
        "code": "FORBIDDEN",
        "message": "Missing permission: read:messages",
        "permission": "read:messages",
    }


@pytest.mark.parametrize(
    "wire",
    [None, 3, "x", [], {}, {"code": 5}, {"code": "NOPE", "message": "m"}, {"error": "x"}, {"code": "FORBIDDEN"}],
)
def test_from_wire_never_raises_on_garbage(wire) -> None:
    err = from_wire(wire)  # type: ignore[arg-type]
    assert isinstance(err, BusError)
    if not (isinstance(wire, dict) and wire.get("code") == "FORBIDDEN"):
        assert isinstance(err, InternalError)
