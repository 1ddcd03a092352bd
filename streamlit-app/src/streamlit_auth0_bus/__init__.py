"""streamlit-auth0-bus: Auth0/OIDC login for Streamlit with verified identity and protected
API calls over a typed NATS bus.

Public API (see the README):

* helpers — :func:`login_bar`, :func:`current_user`, :func:`correlation_id`, :func:`require_login`,
  :func:`require_permission`, :func:`call_api`, :func:`request_action`, :func:`action_result`,
  :func:`show_error`, :func:`get_bus_client`;
* the component host — :class:`ComponentHost`, :class:`ComponentEvent`;
* the bus — :class:`BusClient`, :class:`Contracts`, the typed errors (:class:`BusError` …);
* the session — :class:`VerifiedUser`, :class:`AuthProblem`, :func:`handle_status_update`,
  :class:`BusVerifier`, :func:`revoke_sessions` (``auth.revoke``) and :func:`log_out_everywhere`;
* configuration — :class:`Settings`, :func:`load_settings`.

The Streamlit helpers are imported lazily, so the bus client and contract can be used without
a Streamlit script run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .auth import BusVerifier, StatusOutcome, TokenVerifier, handle_status_update
from .bus_client import BusClient
from .component_host import ComponentEvent, ComponentHost
from .config import ConfigError, Settings, load_settings
from .contracts import Contracts, get_contracts
from .errors import (
    BusError,
    BusTimeoutError,
    ForbiddenError,
    InternalError,
    InvalidMessageError,
    NotFoundError,
    PayloadTooLargeError,
    RateLimitedError,
    TimeoutError_,
    UnauthenticatedError,
    UnavailableError,
    from_wire,
)
from .revocation import revoke_sessions
from .session import AuthProblem, AuthSession, SecretToken, VerifiedUser

if TYPE_CHECKING:
    from .helpers import (
        action_result,
        auth_problem,
        call_api,
        correlation_id,
        current_user,
        get_bus_client,
        log_out_everywhere,
        login_bar,
        request_action,
        require_login,
        require_permission,
        show_error,
        try_call_api,
    )

__version__ = "0.1.0"

_HELPERS = {
    "action_result",
    "auth_problem",
    "call_api",
    "current_user",
    "get_bus_client",
    "log_out_everywhere",
    "login_bar",
    "request_action",
    "require_login",
    "require_permission",
    "show_error",
    "try_call_api",
    "correlation_id",
    "LOGIN_PROMPT",
}


def __getattr__(name: str) -> Any:
    if name in _HELPERS:
        from . import helpers

        return getattr(helpers, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "AuthProblem",
    "AuthSession",
    "BusClient",
    "BusError",
    "BusTimeoutError",
    "BusVerifier",
    "ComponentEvent",
    "ComponentHost",
    "ConfigError",
    "Contracts",
    "ForbiddenError",
    "InternalError",
    "InvalidMessageError",
    "NotFoundError",
    "PayloadTooLargeError",
    "RateLimitedError",
    "SecretToken",
    "Settings",
    "StatusOutcome",
    "TimeoutError_",
    "TokenVerifier",
    "UnauthenticatedError",
    "UnavailableError",
    "VerifiedUser",
    "from_wire",
    "get_contracts",
    "handle_status_update",
    "load_settings",
    "revoke_sessions",
    *sorted(_HELPERS),
]
