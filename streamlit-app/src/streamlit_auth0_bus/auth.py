"""Never trust the browser: the default handlers of the component's events.

``onStatusUpdate`` carries what the browser *says* about its session. :func:`handle_status_update`
asks auth-service to verify the token (``auth.verify`` over the bus: signature against the
issuer's JWKS, ``iss``, ``aud``, ``exp``/``nbf``, RS256 only) and only a verified identity goes
into the session. A forged or expired token leaves the session logged out with the reason
recorded; a bus or auth-service outage leaves it logged out with an ``unavailable`` problem —
nothing raises into the page.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from .contracts import Contracts, get_contracts
from .errors import BusError, InvalidMessageError, UnauthenticatedError
from .session import (
    ACTION_RESULT_KEY,
    COMPONENT_ERROR_KEY,
    AuthProblem,
    AuthSession,
    VerifiedUser,
)

__all__ = [
    "TokenVerifier",
    "BusVerifier",
    "StatusOutcome",
    "handle_status_update",
    "handle_action_result",
    "handle_component_error",
    "safe_correlation_id",
    "new_correlation_id",
]

log = logging.getLogger(__name__)

_CORRELATION_ID_BAD = re.compile(r"[^A-Za-z0-9._:-]")

#: The ``sub`` of a client-credentials (machine) token: ``<client id>@clients`` (Auth0, dev-idp).
MACHINE_SUB_SUFFIX = "@clients"
#: The reason a machine token is refused as a login.
NOT_A_USER_TOKEN = "not_a_user_token"

#: Problems that mean "the token was looked at and refused" (as opposed to "could not check").
_REJECTING_CODES = frozenset({"UNAUTHENTICATED", "FORBIDDEN", "INVALID_MESSAGE", "PAYLOAD_TOO_LARGE"})


class TokenVerifier(Protocol):
    """Anything that can verify an access token and return a ``VerifiedIdentity`` dict."""

    def verify(self, token: str, *, correlation_id: str | None = None) -> dict[str, Any]:
        """Returns the verified identity or raises a :class:`BusError` (UNAUTHENTICATED with a reason).

        ``correlation_id`` is an opaque id of the Streamlit session for the audit trail (the
        contract's ``session_id`` field) — never the Streamlit session id itself.
        """
        ...


def new_correlation_id() -> str:
    """A fresh opaque correlation id (22 URL-safe characters, 128 random bits).

    It ties one Streamlit session's audit events together without revealing the Streamlit
    session id: Streamlit re-attaches a WebSocket to any session whose id it is shown, so that id
    must never reach auth-service, the relay, the frame, the audit trail or a log.
    """
    return secrets.token_urlsafe(16)


def safe_correlation_id(correlation_id: str | None) -> str | None:
    """A correlation id the contract's ``session_id`` field accepts (``[A-Za-z0-9._:-]{1,128}``), or ``None``."""
    if not correlation_id:
        return None
    cleaned = _CORRELATION_ID_BAD.sub("_", correlation_id)[:128]
    return cleaned or None


class BusVerifier:
    """Verifies tokens with auth-service: an ``auth.verify`` request, token in the header.

    Args:
        client: a :class:`~streamlit_auth0_bus.bus_client.BusClient` (anything with its ``request``).
        caller: who asks, recorded in the audit trail.
        timeout: deadline in seconds (default: the client's).
    """

    def __init__(self, client: Any, caller: str = "streamlit-host", timeout: float | None = None) -> None:
        self.client = client
        self.caller = caller
        self.timeout = timeout

    def verify(self, token: str, *, correlation_id: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"caller": self.caller}
        cid = safe_correlation_id(correlation_id)
        if cid:
            body["session_id"] = cid
        identity: dict[str, Any] = self.client.request(get_contracts().subject("auth", "verify"), body, token=token, timeout=self.timeout)
        return identity


@dataclass(frozen=True)
class StatusOutcome:
    """What handling an ``onStatusUpdate`` did.

    Attributes:
        status: ``logged_in``, ``logged_out`` (a logout or an empty session), ``rejected``
            (the token was refused) or ``unverified`` (it could not be checked).
        user: the verified user when ``logged_in``.
        problem: why not, otherwise.
    """

    status: Literal["logged_in", "logged_out", "rejected", "unverified"]
    user: VerifiedUser | None = None
    problem: AuthProblem | None = None


def handle_status_update(
    data: Mapping[str, Any],
    *,
    verifier: TokenVerifier,
    state: MutableMapping[str, Any],
    correlation_id: str | None = None,
    contracts: Contracts | None = None,
    now: float | None = None,
) -> StatusOutcome:
    """The default ``onStatusUpdate`` handler: verify, then (and only then) log in.

    Args:
        data: the event's data, ``{user, token: {value, value_id_token?, expiry} | null, cause}``.
        verifier: checks the token (in an app, a :class:`BusVerifier`).
        state: the session-state mapping.
        correlation_id: the session's opaque correlation id, sent along for the audit trail
            (never the Streamlit session id: see :func:`new_correlation_id`).
        now: the current time (seconds since the epoch), for tests.

    The browser's own ``expiry`` and ``user`` are never trusted: the expiry that counts is the
    verified ``exp``, and the claimed profile only fills in a display name when its ``sub``
    matches the verified one.
    """
    session = AuthSession(state)
    contracts = contracts or get_contracts()
    try:
        contracts.validate("component.status-update.v1", data, "onStatusUpdate data")
    except InvalidMessageError as err:
        problem = AuthProblem.from_error(err, "invalid")
        session.logout(problem)
        return StatusOutcome("rejected", problem=problem)

    token_info = data.get("token")
    if data["cause"] in ("logout", "revoked") or not token_info:
        if data["cause"] == "revoked":
            # Live sessions (issue 21): host-relay told the frame; the page locks on this rerun.
            session.logout(AuthProblem.revoked())
            return StatusOutcome("logged_out", problem=session.problem)
        if data["cause"] == "expired":
            problem = AuthProblem(kind="expired", code="UNAUTHENTICATED", message="The token has expired", reason="expired")
            session.logout(problem)
            return StatusOutcome("logged_out", problem=problem)
        session.logout()
        return StatusOutcome("logged_out")

    token: str = token_info["value"]
    claimed = data.get("user") or None
    try:
        identity = verifier.verify(token, correlation_id=correlation_id)
    except BusError as err:
        kind: Literal["rejected", "unavailable"] = "rejected" if err.code in _REJECTING_CODES else "unavailable"
        problem = AuthProblem.from_error(err, kind)
        session.logout(problem)
        log.info("login %s: %s", "rejected" if kind == "rejected" else "not verified", err)
        return StatusOutcome("rejected" if kind == "rejected" else "unverified", problem=problem)

    current = time.time() if now is None else now
    if str(identity.get("sub", "")).endswith(MACHINE_SUB_SUFFIX):
        # auth-service refuses machine tokens for the user purpose itself (issue 13.6); this is
        # defence in depth against an auth-service that does not (yet).
        machine = UnauthenticatedError("The token was issued to a machine client, not to a user", reason=NOT_A_USER_TOKEN)
        problem = AuthProblem.from_error(machine, "rejected")
        session.logout(problem)
        log.info("login rejected: %s", machine)
        return StatusOutcome("rejected", problem=problem)
    if int(identity.get("exp", 0)) <= current:
        # auth-service checks expiry itself; this only guards against clock disagreement.
        expired = UnauthenticatedError("The token has expired", reason="expired")
        problem = AuthProblem.from_error(expired, "rejected")
        session.logout(problem)
        return StatusOutcome("rejected", problem=problem)

    user = VerifiedUser.from_identity(identity, token, claimed, now=current)
    session.login(user)
    return StatusOutcome("logged_in", user=user)


def handle_action_result(data: Mapping[str, Any], state: MutableMapping[str, Any]) -> None:
    """The default ``onActionResult`` handler: keeps the result (a ``web.result`` frame) by request id."""
    results = state.get(ACTION_RESULT_KEY)
    if not isinstance(results, dict):
        results = {}
    results = dict(results)
    results[str(data.get("id"))] = dict(data)
    # Keep only the most recent few.
    while len(results) > 20:
        results.pop(next(iter(results)))
    state[ACTION_RESULT_KEY] = results


def handle_component_error(data: Mapping[str, Any], state: MutableMapping[str, Any]) -> None:
    """The default ``onError`` handler: keeps ``{code, message}`` to show on the page."""
    state[COMPONENT_ERROR_KEY] = {"code": str(data.get("code")), "message": str(data.get("message")), "at": time.time()}
