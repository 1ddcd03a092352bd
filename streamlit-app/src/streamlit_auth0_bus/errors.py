"""Typed errors that mirror the bus contract's error codes.

Every failure the package reports is a :class:`BusError` whose ``code`` is one of the
contract's closed set of codes. The set, the HTTP status of each code and the reasons of an
UNAUTHENTICATED error are read from the packaged contract export (``schemas/index.json``,
written by ``npm run contracts:export`` from ``libs/contracts/src/errors.ts``), and one subclass
per code is made from that list when this module is imported — Python never keeps its own copy.

The subclasses are bound to stable public names (``UNAUTHENTICATED`` → :data:`UnauthenticatedError`,
``PAYLOAD_TOO_LARGE`` → :data:`PayloadTooLargeError`; ``TIMEOUT`` → :data:`BusTimeoutError`,
because ``TimeoutError`` is a builtin). Catch, raise and ``isinstance`` them as usual; annotate
with :class:`BusError`. A failed reply on the wire is
``{"error": {"code", "message", "reason"?, "permission"?}}``; :func:`from_wire` turns it into
the matching subclass, :meth:`BusError.to_wire` does the reverse.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Final

from ._contract_index import packaged_index

__all__ = [
    "ERROR_CODES",
    "HTTP_STATUS_BY_CODE",
    "AUTH_FAILURE_REASONS",
    "BusError",
    "UnauthenticatedError",
    "ForbiddenError",
    "InvalidMessageError",
    "NotFoundError",
    "PayloadTooLargeError",
    "RateLimitedError",
    "BusTimeoutError",
    "TimeoutError_",
    "UnavailableError",
    "InternalError",
    "UpstreamError",
    "error_class_name",
    "error_class_for",
    "from_wire",
]

#: The closed set of codes, in the contract's order.
ERROR_CODES: Final[tuple[str, ...]] = tuple(packaged_index()["error_codes"])

#: HTTP status for each code (the same table as the TypeScript side).
HTTP_STATUS_BY_CODE: Final[dict[str, int]] = {code: int(status) for code, status in packaged_index()["http_status_by_code"].items()}

#: Why a token was not accepted: the values of ``reason`` on an UNAUTHENTICATED error.
AUTH_FAILURE_REASONS: Final[tuple[str, ...]] = tuple(packaged_index()["auth_failure_reasons"])

_MAX_MESSAGE = 500


class BusError(Exception):
    """Base class of every error with a contract code.

    Attributes:
        code: one of :data:`ERROR_CODES`; stable, part of the contract.
        message: human-readable text, safe to show (never contains a token).
        reason: machine-readable refinement (e.g. ``"expired"`` for UNAUTHENTICATED).
        permission: the missing permission, for FORBIDDEN.
    """

    code: ClassVar[str] = "INTERNAL"

    def __init__(self, message: str, *, reason: str | None = None, permission: str | None = None) -> None:
        super().__init__(message)
        self.message: str = message
        self.reason: str | None = reason
        self.permission: str | None = permission

    @property
    def status(self) -> int:
        """The HTTP status matching :attr:`code`."""
        return HTTP_STATUS_BY_CODE[self.code]

    def to_wire(self) -> dict[str, Any]:
        """The ``error`` object of a failed reply (without the ``{"error": ...}`` wrapper)."""
        wire: dict[str, Any] = {"code": self.code, "message": self.message[:_MAX_MESSAGE]}
        if self.reason:
            wire["reason"] = self.reason
        if self.permission:
            wire["permission"] = self.permission
        return wire

    def __str__(self) -> str:
        extra = f" ({self.reason})" if self.reason else ""
        return f"{self.code}: {self.message}{extra}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, reason={self.reason!r}, permission={self.permission!r})"


#: Class names that do not follow ``CODE_NAME`` → ``CodeNameError`` (builtins must not be shadowed).
_NAME_EXCEPTIONS: Final[dict[str, str]] = {"TIMEOUT": "BusTimeoutError"}


def error_class_name(code: str) -> str:
    """The public class name of a code: ``RATE_LIMITED`` → ``RateLimitedError``, ``UPSTREAM_ERROR`` → ``UpstreamError``."""
    words = code.removesuffix("_ERROR").split("_")
    return _NAME_EXCEPTIONS.get(code, "".join(part.capitalize() for part in words) + "Error")


def _make_error_class(code: str) -> type[BusError]:
    name = error_class_name(code)
    namespace = {
        "code": code,
        "__module__": __name__,
        "__qualname__": name,
        "__doc__": f"A :class:`BusError` with code ``{code}`` (HTTP {HTTP_STATUS_BY_CODE[code]}).",
    }
    made: type[BusError] = type(name, (BusError,), namespace)
    return made


_CLASSES: Final[dict[str, type[BusError]]] = {code: _make_error_class(code) for code in ERROR_CODES}

# The public names (a test checks that they are exactly the contract's codes). A code the
# contract drops fails here at import; a code it adds still gets a class (error_class_for).
UnauthenticatedError: Final = _CLASSES["UNAUTHENTICATED"]
ForbiddenError: Final = _CLASSES["FORBIDDEN"]
InvalidMessageError: Final = _CLASSES["INVALID_MESSAGE"]
NotFoundError: Final = _CLASSES["NOT_FOUND"]
PayloadTooLargeError: Final = _CLASSES["PAYLOAD_TOO_LARGE"]
RateLimitedError: Final = _CLASSES["RATE_LIMITED"]
BusTimeoutError: Final = _CLASSES["TIMEOUT"]
UnavailableError: Final = _CLASSES["UNAVAILABLE"]
InternalError: Final = _CLASSES["INTERNAL"]
UpstreamError: Final = _CLASSES["UPSTREAM_ERROR"]

#: Alias kept for symmetry with the contract's code name (``TimeoutError`` is a builtin).
TimeoutError_: Final = BusTimeoutError


def error_class_for(code: str) -> type[BusError]:
    """The subclass for a contract code (:class:`InternalError` for anything unknown)."""
    return _CLASSES.get(code, InternalError)


def from_wire(wire: Mapping[str, Any]) -> BusError:
    """Builds the typed error for a wire error object or a whole ``{"error": {...}}`` reply.

    Unknown codes or malformed objects become :class:`InternalError` rather than raising, so a
    misbehaving peer can never make error handling itself fail. Callers that need strictness
    validate against ``error-reply.v1`` first (the bus client does).
    """
    if isinstance(wire, Mapping) and isinstance(wire.get("error"), Mapping):
        wire = wire["error"]
    if not isinstance(wire, Mapping):
        return InternalError("Malformed error reply")
    code = wire.get("code")
    message = wire.get("message")
    reason = wire.get("reason")
    permission = wire.get("permission")
    cls = error_class_for(code) if isinstance(code, str) else InternalError
    return cls(
        str(message)[:_MAX_MESSAGE] if isinstance(message, str) else "Internal error",
        reason=reason if isinstance(reason, str) else None,
        permission=permission if isinstance(permission, str) else None,
    )
