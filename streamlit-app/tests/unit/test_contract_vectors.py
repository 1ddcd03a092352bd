"""The shared test vectors of libs/contracts, run against the exported JSON Schemas.

The TypeScript side runs the very same files against the zod schemas
(libs/contracts/src/vectors.spec.ts); both must accept every `valid` and reject every `invalid`.
Each vector is checked twice: with the stock Draft 2020-12 validator of `jsonschema`, and with the
package's validator (Draft 2020-12 with ECMAScript string semantics) that the bus client uses.
"""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from streamlit_auth0_bus.contracts import Contracts
from streamlit_auth0_bus.errors import InvalidMessageError
from tests.support import SCHEMAS_DIR, load_vectors, vector_names

NAMES = vector_names()
VALID = [(n, i, v) for n in NAMES for i, v in enumerate(load_vectors(n)["valid"])]
INVALID = [(n, v["why"], v["value"]) for n in NAMES for v in load_vectors(n)["invalid"]]


def stock_validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS_DIR / f"{name}.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def test_a_vector_file_exists_for_every_exported_schema_and_vice_versa(contracts: Contracts) -> None:
    assert NAMES == sorted(contracts.schema_names)
    assert sorted(p.stem for p in SCHEMAS_DIR.glob("*.json") if p.stem != "index") == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_every_vector_file_has_both_kinds(name: str) -> None:
    vectors = load_vectors(name)
    assert vectors["valid"] and vectors["invalid"]


@pytest.mark.parametrize(("name", "index", "value"), VALID, ids=[f"{n}#valid{i}" for n, i, _ in VALID])
def test_valid_vectors_are_accepted(contracts: Contracts, name: str, index: int, value: object) -> None:
    assert stock_validator(name).is_valid(value)
    assert contracts.validate(name, value) is value


@pytest.mark.parametrize(("name", "why", "value"), INVALID, ids=[f"{n}:{w}" for n, w, _ in INVALID])
def test_invalid_vectors_are_rejected_with_invalid_message(contracts: Contracts, name: str, why: str, value: object) -> None:
    assert not stock_validator(name).is_valid(value)
    with pytest.raises(InvalidMessageError) as caught:
        contracts.validate(name, value)
    assert caught.value.code == "INVALID_MESSAGE"
    assert caught.value.status == 400


def test_index_subject_table_names_existing_schemas(contracts: Contracts) -> None:
    for subject, names in contracts.index["subject_schemas"].items():
        for schema_name in names.values():
            assert schema_name in contracts.schema_names, subject
    assert set(contracts.rpc_subjects) == {"api.ping", "api.pong", "api.pong-scoped", "api.notes.create", "api.notes.list", "auth.verify", "auth.revoke", "audit.query"}
    assert "api.notes.create" not in contracts.idempotent_subjects and "api.notes.list" in contracts.idempotent_subjects
    assert "auth.revoke" not in contracts.idempotent_subjects, "a write is never retried"
    assert contracts.headers["authorization"] == "Authorization"
    assert contracts.find_route("GET", "/api/pong/?x=1")["subject"] == "api.pong"
    assert contracts.find_route("POST", "/api/pong") is None
