"""HTTP paths → bus subjects for :func:`~streamlit_auth0_bus.call_api` and
:func:`~streamlit_auth0_bus.request_action`: the contract's route table, then http-bridge's routes
file (``BRIDGE_ROUTES_FILE``) — the same two tables host-relay's gateways use, so a path reaches
from Python exactly what it reaches from a browser.

Only what the host needs is read from the routes file: ``id``, ``method``, ``path`` and ``public``
(the upstream URLs are http-bridge's business). YAML or JSON, as for http-bridge.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]  # no stubs needed for safe_load

from .config import ConfigError
from .contracts import get_contracts
from .errors import InvalidMessageError, NotFoundError

__all__ = ["ROUTE_METHODS", "BODY_METHODS", "Route", "load_bridge_routes", "resolve_route", "method_has_body"]

#: Methods a route may have (``ROUTE_METHODS`` of libs/contracts); the last four carry a JSON body.
ROUTE_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
BODY_METHODS = frozenset(ROUTE_METHODS[1:])
#: ``BRIDGE_ROUTE_ID_PATTERN`` of libs/contracts.
_ROUTE_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_PATH = re.compile(r"/api/[A-Za-z0-9._~/-]+")

#: A route: ``{"method", "path", "subject", "protected"}`` (the contract's shape).
Route = dict[str, Any]


def method_has_body(method: str) -> bool:
    """Whether requests of this method carry a JSON object body (POST, PUT, PATCH, DELETE)."""
    return method.upper() in BODY_METHODS


def _parse(text: str, file: str) -> Any:
    try:
        return yaml.safe_load(text)  # JSON is YAML too
    except yaml.YAMLError as err:
        raise ConfigError(f"BRIDGE_ROUTES_FILE {file}: not valid YAML/JSON ({str(err).splitlines()[0]})") from None


@lru_cache(maxsize=8)
def _load(file: str, mtime_ns: int) -> tuple[Route, ...]:
    try:
        text = Path(file).read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"BRIDGE_ROUTES_FILE: cannot read {file} ({err.strerror or err})") from None
    doc = _parse(text, file)
    entries = doc.get("routes") if isinstance(doc, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"BRIDGE_ROUTES_FILE {file}: expected {{routes: [...]}} with at least one route")
    routes: list[Route] = []
    for index, entry in enumerate(entries):
        where = f"BRIDGE_ROUTES_FILE {file}: routes[{index}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: not an object")
        route_id, path = entry.get("id"), entry.get("path")
        method = str(entry.get("method", "GET")).upper()
        if not isinstance(route_id, str) or not _ROUTE_ID.fullmatch(route_id):
            raise ConfigError(f"{where} id: lowercase letters, digits and - (at most 63)")
        if not isinstance(path, str) or not _PATH.fullmatch(path) or path.endswith("/"):
            raise ConfigError(f"{where} ({route_id}) path: a path under /api/")
        if method not in ROUTE_METHODS:
            raise ConfigError(f"{where} ({route_id}) method: one of {', '.join(ROUTE_METHODS)}")
        routes.append({"method": method, "path": path, "subject": f"bridge.{route_id}", "protected": entry.get("public") is not True})
    return tuple(routes)


def load_bridge_routes(file: str | None) -> tuple[Route, ...]:
    """The routes of http-bridge's file (``Settings.bridge_routes_file``; none when unset), read
    again when the file changes.

    Raises:
        ConfigError: the file cannot be read or an entry is unusable (the message names it).
    """
    if not file:
        return ()
    resolved = str(Path(file).expanduser().resolve())
    try:
        mtime = Path(resolved).stat().st_mtime_ns
    except OSError:
        mtime = -1
    return _load(resolved, mtime)


def _clean(path: str) -> str:
    return path.split("?")[0].rstrip("/") or "/"


def resolve_route(method: str, path: str, bridge_routes_file: str | None = None) -> Route:
    """The route of a method and path: the contract's table, then the bridge's routes.

    Raises:
        InvalidMessageError: the method is not one a route may have.
        NotFoundError: no route has this method and path.
        ConfigError: ``BRIDGE_ROUTES_FILE`` is unusable.
    """
    upper = method.upper()
    if upper not in ROUTE_METHODS:
        raise InvalidMessageError(f"method must be one of {', '.join(ROUTE_METHODS)}, got {method[:16]!r}")
    found = get_contracts().find_route(upper, path)
    if found is not None:
        return dict(found)
    clean = _clean(path)
    for route in load_bridge_routes(bridge_routes_file):
        if route["path"] == clean and route["method"] == upper:
            return dict(route)
    raise NotFoundError(f"No route {upper} {clean[:100]}")
