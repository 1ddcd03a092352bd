"""Paths → bus subjects on the Python side (call_api("/api/…"), request_action): the contract's
routes, then http-bridge's routes file, exactly as host-relay resolves them."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamlit_auth0_bus.config import ConfigError, Settings
from streamlit_auth0_bus.contracts import get_contracts
from streamlit_auth0_bus.errors import InvalidMessageError, NotFoundError
from streamlit_auth0_bus.routes import load_bridge_routes, method_has_body, resolve_route
from tests.support import REPO_ROOT

DEMO_ROUTES = REPO_ROOT / "infra" / "bridge" / "routes.demo.yaml"


def test_contract_routes_come_first_and_keep_their_method() -> None:
    assert resolve_route("post", "/api/notes/")["subject"] == "api.notes.create"
    assert resolve_route("GET", "/api/notes?x=1")["subject"] == "api.notes.list"
    assert resolve_route("GET", "/api/ping") == {"method": "GET", "path": "/api/ping", "subject": "api.ping", "protected": False}


def test_the_demo_routes_file() -> None:
    routes = load_bridge_routes(str(DEMO_ROUTES))
    assert [(r["method"], r["path"], r["subject"], r["protected"]) for r in routes] == [
        ("GET", "/api/legacy/ping", "bridge.legacy-ping", False),
        ("GET", "/api/legacy/pong", "bridge.legacy-pong", True),
        ("GET", "/api/legacy/pong-scoped", "bridge.legacy-pong-scoped", True),
    ]
    assert resolve_route("GET", "/api/legacy/pong", str(DEMO_ROUTES))["subject"] == "bridge.legacy-pong"


def test_every_method_of_a_bridge_file(tmp_path: Path) -> None:
    file = tmp_path / "routes.json"
    file.write_text('{"routes": [' + ",".join(f'{{"id": "echo-{m.lower()}", "method": "{m.lower()}", "path": "/api/t/echo", "upstream": "http://h/e"}}' for m in ("POST", "PUT", "PATCH", "DELETE")) + "]}")
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert resolve_route(method, "/api/t/echo", str(file))["subject"] == f"bridge.echo-{method.lower()}"
        assert method_has_body(method)
    assert not method_has_body("get")
    with pytest.raises(NotFoundError):
        resolve_route("GET", "/api/t/echo", str(file))


def test_unknown_paths_and_methods_are_typed_errors() -> None:
    with pytest.raises(NotFoundError, match="No route GET /api/legacy/pong"):
        resolve_route("GET", "/api/legacy/pong", None)
    with pytest.raises(InvalidMessageError, match="method must be one of"):
        resolve_route("TRACE", "/api/ping")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"routes": []}', "at least one route"),
        ('{"routes": [{"id": "Bad_Id", "path": "/api/x"}]}', r"routes\[0\] id"),
        ('{"routes": [{"id": "x", "path": "/other"}]}', r"routes\[0\] \(x\) path"),
        ('{"routes": [{"id": "x", "path": "/api/x", "method": "TRACE"}]}', r"routes\[0\] \(x\) method"),
        ("routes:\n  - id: x\n", r"routes\[0\] \(x\) path"),
        ("routes: [\n", "not valid YAML/JSON"),
    ],
)
def test_a_bad_routes_file_is_a_config_error_naming_the_entry(tmp_path: Path, text: str, problem: str) -> None:
    file = tmp_path / "routes.yaml"
    file.write_text(text)
    with pytest.raises(ConfigError, match=problem):
        load_bridge_routes(str(file))


def test_settings_resolve_the_routes_file(tmp_path: Path) -> None:
    assert Settings.from_mapping({}).bridge_routes_file is None
    assert Settings.from_mapping({"BRIDGE_ROUTES_FILE": str(DEMO_ROUTES)}).bridge_routes_file == str(DEMO_ROUTES.resolve())
    with pytest.raises(ConfigError, match="BRIDGE_ROUTES_FILE"):
        Settings.from_mapping({"BRIDGE_ROUTES_FILE": str(tmp_path / "missing.yaml")})


def test_bridge_subjects_validate_as_bridge_messages() -> None:
    schemas = get_contracts().schemas_for("bridge.legacy-pong")
    assert (schemas.request, schemas.reply) == ("bridge.request.v1", "bridge.reply.v1")
    with pytest.raises(NotFoundError):
        get_contracts().schemas_for("bridge.Not_An_Id")
