"""Python reads the bus contract, never copies it (issue 17.4).

Subjects, retryable subjects, error codes and UNAUTHENTICATED reasons come from the export of
``libs/contracts`` (``schemas/index.json``); these tests fail when the package or the demo app
writes one down itself, or when its error classes drift from the contract's codes.
"""

from __future__ import annotations

import ast
import json
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from streamlit_auth0_bus import auth, bus_client, errors
from streamlit_auth0_bus.contracts import Contracts
from streamlit_auth0_bus.errors import NotFoundError

STREAMLIT_APP = Path(__file__).resolve().parents[2]
SOURCES = sorted([*(STREAMLIT_APP / "src" / "streamlit_auth0_bus").rglob("*.py"), *(STREAMLIT_APP / "app").rglob("*.py")])
INDEX = json.loads((STREAMLIT_APP / "src" / "streamlit_auth0_bus" / "schemas" / "index.json").read_text(encoding="utf-8"))


def _leaves(tree: Any) -> list[str]:
    return [tree] if isinstance(tree, str) else [leaf for value in tree.values() for leaf in _leaves(value)]


SUBJECT_NAMES = sorted({*_leaves(INDEX["subjects"]), *INDEX["audit_stream"]["subjects"], *INDEX["subject_schemas"]})


def _string_literals(path: Path) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def test_the_sources_are_found() -> None:
    names = {p.name for p in SOURCES}
    assert {"bus_client.py", "auth.py", "helpers.py", "home.py", "audit.py"} <= names
    assert "api.pong-scoped" in SUBJECT_NAMES and "audit.events.login.verified" in SUBJECT_NAMES


def test_no_subject_is_written_as_a_literal_in_the_package_or_the_demo() -> None:
    # A string literal that is (or starts) a subject name; prose in docstrings that mentions one is fine.
    found = [
        f"{path.relative_to(STREAMLIT_APP)}:{line}: {value!r}"
        for path in SOURCES
        for line, value in _string_literals(path)
        if any(value.strip() == name or value.startswith(f"{name}.") for name in SUBJECT_NAMES)
    ]
    assert found == []


def test_the_literal_check_would_catch_one(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text('client.request("auth.verify", {})\nPREFIX = f"audit.events.{kind}"\n', encoding="utf-8")
    values = [value for _, value in _string_literals(sample)]
    assert "auth.verify" in values and any(v.startswith("audit.events.") for v in values)


def test_error_classes_are_exactly_the_contracts_codes(contracts: Contracts) -> None:
    assert list(errors.ERROR_CODES) == contracts.error_codes == INDEX["error_codes"]
    assert errors.HTTP_STATUS_BY_CODE == INDEX["http_status_by_code"]
    public = {name: getattr(errors, name) for name in errors.__all__ if name.endswith("Error") and name != "BusError"}
    by_code = {cls.code: cls for cls in public.values()}
    assert set(by_code) == set(contracts.error_codes)
    for code, cls in by_code.items():
        assert issubclass(cls, errors.BusError) and cls is errors.error_class_for(code)
        assert cls.__name__ == errors.error_class_name(code) and cls.__name__ in public
        assert cls.__module__ == errors.__name__ and getattr(errors, cls.__name__) is cls


def test_error_class_names_are_the_stable_public_ones() -> None:
    assert errors.error_class_name("UNAUTHENTICATED") == "UnauthenticatedError"
    assert errors.error_class_name("PAYLOAD_TOO_LARGE") == "PayloadTooLargeError"
    assert errors.error_class_name("TIMEOUT") == "BusTimeoutError"  # never the builtin TimeoutError
    assert errors.UnauthenticatedError is errors.error_class_for("UNAUTHENTICATED")
    assert errors.TimeoutError_ is errors.BusTimeoutError


def test_generated_errors_pickle_and_catch_like_declared_classes() -> None:
    err = errors.ForbiddenError("Missing permission: read:x", permission="read:x")
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is errors.ForbiddenError and again.message == err.message
    with pytest.raises(errors.BusError) as caught:
        raise errors.UnauthenticatedError("expired", reason="expired")
    assert isinstance(caught.value, errors.UnauthenticatedError) and not isinstance(caught.value, errors.ForbiddenError)
    assert caught.value.status == 401


def test_unauthenticated_reasons_the_package_uses_are_the_contracts() -> None:
    assert list(errors.AUTH_FAILURE_REASONS) == INDEX["auth_failure_reasons"]
    used = {auth.NOT_A_USER_TOKEN}
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            keywords = {k.arg: k.value for k in node.keywords if isinstance(k.value, ast.Constant)}
            callee = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            unauthenticated = callee == "UnauthenticatedError" or getattr(keywords.get("code"), "value", None) == "UNAUTHENTICATED"
            if unauthenticated and isinstance(getattr(keywords.get("reason"), "value", None), str):
                used.add(keywords["reason"].value)
    assert {"missing", "malformed", "expired", "not_a_user_token"} <= used
    assert used <= set(errors.AUTH_FAILURE_REASONS)
    assert auth._REJECTING_CODES <= set(errors.ERROR_CODES)


def test_retried_subjects_are_the_contracts(contracts: Contracts) -> None:
    assert bus_client.IDEMPOTENT_SUBJECTS == contracts.idempotent_subjects == frozenset(INDEX["idempotent_subjects"])
    assert contracts.idempotent_subjects <= set(contracts.rpc_subjects)
    assert contracts.subject("auth", "sessionReported") not in contracts.idempotent_subjects


def test_subject_lookup(contracts: Contracts) -> None:
    assert contracts.subject("api", "pongScoped") == INDEX["subjects"]["api"]["pongScoped"]
    with pytest.raises(NotFoundError):
        contracts.subject("api", "nope")
    with pytest.raises(NotFoundError):
        contracts.subject("nope", "ping")
    assert contracts.audit_kinds == [s.removeprefix(INDEX["subjects"]["audit"]["eventsPrefix"] + ".") for s in INDEX["audit_stream"]["subjects"]]
