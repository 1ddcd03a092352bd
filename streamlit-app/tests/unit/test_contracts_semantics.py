"""Python validates strings the way the TypeScript side (zod, ECMAScript) does."""

from __future__ import annotations

import pytest

from streamlit_auth0_bus.contracts import Contracts, decode_body, ecma_pattern, encode_body
from streamlit_auth0_bus.errors import InvalidMessageError, NotFoundError, PayloadTooLargeError

TOKEN = "eyJhbGciOiJSUzI1NiJ9.secret-part.sig"


def test_dollar_anchor_does_not_accept_a_trailing_newline(contracts: Contracts) -> None:
    assert contracts.is_valid("auth.verify.request.v1", {"session_id": "abc"})
    # Python's re treats "$" as "end or before a final newline"; JavaScript does not.
    assert not contracts.is_valid("auth.verify.request.v1", {"session_id": "abc\n"})
    assert not ecma_pattern("^[0-9a-f]{16}$").search("0123456789abcdef\n")
    assert ecma_pattern(r"^[$a]+$").search("$a$")  # "$" inside a class stays literal


def test_digits_are_ascii_only(contracts: Contracts) -> None:
    event = {"since": "2024-01-01T00:00:00Z"}
    assert contracts.is_valid("audit.query.request.v1", event)
    arabic_indic = "٢٠٢٤-01-01T00:00:00Z"
    assert not contracts.is_valid("audit.query.request.v1", {"since": arabic_indic})


def test_lengths_count_utf16_code_units(contracts: Contracts) -> None:
    # component.error message max 500: 250 astral characters are 500 UTF-16 units, 251 are 502.
    ok = {"code": "x", "message": "😀" * 250}
    too_long = {"code": "x", "message": "😀" * 251}
    assert contracts.is_valid("error-reply.v1", {"error": {"code": "INTERNAL", "message": "😀" * 250}})
    assert not contracts.is_valid("error-reply.v1", {"error": {"code": "INTERNAL", "message": "😀" * 251}})
    event = {"name": "onError", "seq": 1, "data": ok}
    assert contracts.is_valid("component.event.v1", event)
    assert not contracts.is_valid("component.event.v1", {**event, "data": too_long})


def test_validation_errors_never_quote_the_value(contracts: Contracts) -> None:
    with pytest.raises(InvalidMessageError) as caught:
        contracts.validate("component.client-frame.v1", {"type": "session.reported", "token": TOKEN, "extra": TOKEN})
    assert TOKEN not in caught.value.message
    with pytest.raises(InvalidMessageError) as caught:
        contracts.validate("component.session.v1", {"user": {}, "token": {"value": TOKEN * 400, "expiry": 1}})
    assert "secret-part" not in caught.value.message


def test_unknown_schema_and_subject(contracts: Contracts) -> None:
    with pytest.raises(NotFoundError):
        contracts.validate("nope.v1", {})
    with pytest.raises(NotFoundError):
        contracts.validate_request("api.nope", {})
    with pytest.raises(NotFoundError):
        contracts.validate_request("auth.session.ended", {})


def test_bodies_encode_and_decode_like_javascript() -> None:
    assert encode_body({"a": "é", "b": [1, 2]}) == '{"a":"é","b":[1,2]}'.encode()
    assert decode_body(b"") == {}
    assert decode_body(None) == {}
    assert decode_body(b'{"x":1}') == {"x": 1}
    for bad in (b"{", b"NaN", b'{"x": Infinity}', b"\xff\xfe"):
        with pytest.raises(InvalidMessageError):
            decode_body(bad)
    with pytest.raises(InvalidMessageError):
        encode_body({"x": float("nan")})
    with pytest.raises(InvalidMessageError):
        encode_body({"x": object()})
    with pytest.raises(PayloadTooLargeError):
        encode_body({"x": "a" * 70_000})
    with pytest.raises(PayloadTooLargeError):
        decode_body(b" " * 70_000)
