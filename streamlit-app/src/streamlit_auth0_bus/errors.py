"""Typed errors that mirror the bus contract's error codes.

Every failure the package reports is a :class:`BusError` whose ``code`` is one of the
contract's closed set of codes (``libs/contracts/src/errors.ts``). A failed reply on the wire is
``{"error": {"code", "message", "reason"?, "permission"?}}``; :func:`from_wire` turns it into
the matching subclass, :meth:`BusError.to_wire` does the reverse.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

__all__ = [
    "ERROR_CODES",
    "HTTP_STATUS_BY_CODE",
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
    "error_class_for",
    "from_wire",
]

#: The closed set of codes, in the contract's order.
ERROR_CODES: tuple[str, ...] = (
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "INVALID_MESSAGE",
    "NOT_FOUND",
    "PAYLOAD_TOO_LARGE",
    "RATE_LIMITED",
    "TIMEOUT",
    "UNAVAILABLE",
    "INTERNAL",
)

#: HTTP status for each code (the same table as the TypeScript side).
HTTP_STATUS_BY_CODE: dict[str, int] = {
    "UNAUTHENTICATED": 401,
    "FORBIDDEN": 403,
    "INVALID_MESSAGE": 400,
    "NOT_FOUND": 404,
    "PAYLOAD_TOO_LARGE": 413,
    "RATE_LIMITED": 429,
    "TIMEOUT": 504,
    "UNAVAILABLE": 503,
    "INTERNAL": 500,
}

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


class UnauthenticatedError(BusError):
    """No token, or a token that failed verification; ``reason`` says why (``expired``, ``bad_signature`` …)."""

    code = "UNAUTHENTICATED"


class ForbiddenError(BusError):
    """A verified caller lacks a permission; ``permission`` names it."""

    code = "FORBIDDEN"


class InvalidMessageError(BusError):
    """A message (request, reply, event or component value) does not match its schema."""

    code = "INVALID_MESSAGE"


class NotFoundError(BusError):
    """Unknown subject or route."""

    code = "NOT_FOUND"


class PayloadTooLargeError(BusError):
    """A body exceeds the contract's size limit."""

    code = "PAYLOAD_TOO_LARGE"


class RateLimitedError(BusError):
    """Too many requests."""

    code = "RATE_LIMITED"


class BusTimeoutError(BusError):
    """No reply within the deadline (a responder exists but did not answer in time)."""

    code = "TIMEOUT"


#: Alias kept for symmetry with the contract's code name (``TimeoutError`` is a builtin).
TimeoutError_ = BusTimeoutError


class UnavailableError(BusError):
    """The bus is not connected, or no service answers on the subject."""

    code = "UNAVAILABLE"


class InternalError(BusError):
    """An unexpected failure; the message is generic by design."""

    code = "INTERNAL"


_CLASSES: dict[str, type[BusError]] = {
    cls.code: cls
    for cls in (
        UnauthenticatedError,
        ForbiddenError,
        InvalidMessageError,
        NotFoundError,
        PayloadTooLargeError,
        RateLimitedError,
        BusTimeoutError,
        UnavailableError,
        InternalError,
    )
}
assert set(_CLASSES) == set(ERROR_CODES)


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
