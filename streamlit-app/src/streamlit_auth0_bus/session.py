"""What a Streamlit session knows about its user — only what auth-service verified.

:class:`AuthSession` is a thin view over a session-state mapping (``st.session_state`` in an
app, a plain ``dict`` in unit tests). It holds at most one :class:`VerifiedUser`, built from an
``auth.verify`` reply, plus the last :class:`AuthProblem` (a rejected token, or the reason the
token could not be checked) so that the page can say why the user is not logged in.

The access token is kept server-side (Streamlit session state never reaches the browser) inside
a :class:`SecretToken`, whose ``repr``/``str`` show only a short hash, so that debugging output
such as ``st.write(st.session_state)`` cannot leak it.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping, MutableMapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from .errors import BusError

__all__ = [
    "SESSION_KEY",
    "PROBLEM_KEY",
    "ACTION_REQUEST_KEY",
    "ACTION_RESULT_KEY",
    "COMPONENT_ERROR_KEY",
    "CORRELATION_KEY",
    "LOGOUT_REQUEST_KEY",
    "DIAGNOSIS_KEY",
    "SecretToken",
    "VerifiedUser",
    "AuthProblem",
    "AuthSession",
    "token_hash",
]

SESSION_KEY = "auth0_bus.user"
PROBLEM_KEY = "auth0_bus.problem"
ACTION_REQUEST_KEY = "auth0_bus.action_request"
ACTION_RESULT_KEY = "auth0_bus.action_result"
COMPONENT_ERROR_KEY = "auth0_bus.component_error"
#: What the self-check found wrong with the login component's setup (a list of messages).
DIAGNOSIS_KEY = "auth0_bus.diagnosis"
#: The session's opaque correlation id (see ``helpers.correlation_id``).
CORRELATION_KEY = "auth0_bus.correlation_id"
#: A pending "log out everywhere" for the login component (its ``logout_request`` arg, once).
LOGOUT_REQUEST_KEY = "auth0_bus.logout_request"


def token_hash(token: str) -> str:
    """The first 16 hex characters of the token's SHA-256 (the contract's ``token_hash``)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()[:16]


class SecretToken:
    """A bearer token that does not show itself: ``repr``/``str`` print only its hash."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The token itself, for the ``Authorization`` header of a bus request."""
        return self._value

    @property
    def hash(self) -> str:
        return token_hash(self._value)

    def __repr__(self) -> str:
        return f"SecretToken(sha256:{self.hash}…)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretToken) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class VerifiedUser:
    """A user whose access token auth-service verified.

    Attributes:
        sub: the subject (user id) from the verified token.
        name: display name (from the verified identity; else the browser's claimed profile
            when its ``sub`` matches the verified one — see ``name_source``).
        email: e-mail address, on the same terms as ``name``.
        permissions: the token's permissions (Auth0 RBAC).
        expiry: token expiry, seconds since the epoch.
        scope: the token's scope string, if any.
        issuer: the token's issuer.
        verified_by: the auth-service instance that verified it.
        verified_at: when (seconds since the epoch).
        name_source: ``"token"`` or ``"profile"`` (claimed by the browser, sub-matched).
        token: the access token (hidden from ``repr`` and from :meth:`claims`).
    """

    sub: str
    permissions: tuple[str, ...]
    expiry: int
    issuer: str
    verified_by: str
    verified_at: float
    name: str | None = None
    email: str | None = None
    scope: str | None = None
    name_source: Literal["token", "profile", "none"] = "none"
    token: SecretToken | None = field(default=None, repr=False, compare=False)

    @property
    def display_name(self) -> str:
        """``name``, else ``email``, else ``sub``."""
        return self.name or self.email or self.sub

    @property
    def token_hash(self) -> str | None:
        return self.token.hash if self.token else None

    def has_permission(self, permission: str) -> bool:
        return permission in self.permissions

    def seconds_left(self, now: float | None = None) -> float:
        return self.expiry - (time.time() if now is None else now)

    def is_expired(self, now: float | None = None) -> bool:
        return self.seconds_left(now) <= 0

    def claims(self) -> dict[str, Any]:
        """Everything known about the user, for display — never the token itself."""
        data = asdict(self)
        data.pop("token", None)
        data["permissions"] = list(self.permissions)
        data["token_hash"] = self.token_hash
        return data

    @classmethod
    def from_identity(
        cls,
        identity: Mapping[str, Any],
        token: str,
        claimed_user: Mapping[str, Any] | None = None,
        now: float | None = None,
    ) -> VerifiedUser:
        """Builds the user from an ``auth.verify`` reply (``VerifiedIdentity``).

        The browser's claimed profile only fills in a missing name/email, and only when it names
        the same ``sub`` as the verified token.
        """
        name = identity.get("name")
        email = identity.get("email")
        source: Literal["token", "profile", "none"] = "token" if name or email else "none"
        if claimed_user and claimed_user.get("sub") == identity["sub"]:
            if not name and isinstance(claimed_user.get("name"), str):
                name, source = claimed_user["name"], "profile" if source == "none" else source
            if not email and isinstance(claimed_user.get("email"), str):
                email = claimed_user["email"]
                source = "profile" if source == "none" else source
        return cls(
            sub=identity["sub"],
            permissions=tuple(identity.get("permissions", ())),
            expiry=int(identity["exp"]),
            issuer=identity["iss"],
            verified_by=identity["instance"],
            verified_at=time.time() if now is None else now,
            name=name,
            email=email,
            scope=identity.get("scope"),
            name_source=source,
            token=SecretToken(token),
        )


@dataclass(frozen=True)
class AuthProblem:
    """Why the session is not logged in: a rejected token, or a failed verification attempt.

    Attributes:
        kind: ``rejected`` (the token was checked and refused), ``unavailable`` (it could not be
            checked: bus or auth-service down, timeout), ``expired`` (a verified session ran out),
            ``revoked`` (the user's sessions were revoked: log out everywhere, or an administrator)
            or ``invalid`` (the component sent something malformed).
        code: the contract error code.
        reason: the refinement, e.g. ``bad_signature``, ``expired``.
        message: human-readable text.
        hint: what to check, when the cause is known to be the setup (NATS or auth-service down).
    """

    kind: Literal["rejected", "unavailable", "expired", "invalid", "revoked"]
    code: str
    message: str
    reason: str | None = None
    at: float = field(default_factory=time.time)
    hint: str | None = None

    @property
    def text(self) -> str:
        """A sentence for the page; a refused token always says "rejected"."""
        why = f" ({self.reason})" if self.reason else ""
        if self.kind == "rejected":
            return f"Login rejected: {self.message}{why} [{self.code}]"
        if self.kind == "expired":
            return f"Your session expired; please log in again. [{self.code}]"
        if self.kind == "revoked":
            return f"Your session was revoked; please log in again. [{self.code}]"
        if self.kind == "invalid":
            return f"The login component sent an invalid message: {self.message} [{self.code}]"
        hint = f" {self.hint}" if self.hint else ""
        return f"Could not verify your login right now: {self.message} [{self.code}].{hint}"

    @classmethod
    def from_error(cls, err: BusError, kind: Literal["rejected", "unavailable", "expired", "invalid", "revoked"]) -> AuthProblem:
        return cls(kind=kind, code=err.code, message=err.message, reason=err.reason)

    @classmethod
    def revoked(cls) -> AuthProblem:
        """The session's tokens were revoked (the component said so, or this session revoked them)."""
        return cls(kind="revoked", code="UNAUTHENTICATED", message="The session was revoked", reason="revoked")


class AuthSession:
    """The auth part of one session's state.

    Args:
        state: the session-state mapping (``st.session_state`` in an app).
    """

    def __init__(self, state: MutableMapping[str, Any]) -> None:
        self.state = state

    def user(self, now: float | None = None) -> VerifiedUser | None:
        """The verified user, or ``None``. A user whose token expired is logged out here."""
        user = self.state.get(SESSION_KEY)
        if not isinstance(user, VerifiedUser):
            return None
        if user.is_expired(now):
            self.state.pop(SESSION_KEY, None)
            self.state[PROBLEM_KEY] = AuthProblem(kind="expired", code="UNAUTHENTICATED", message="The token has expired", reason="expired")
            return None
        return user

    @property
    def problem(self) -> AuthProblem | None:
        """The last reason the session is not logged in (cleared by a login or a logout)."""
        problem = self.state.get(PROBLEM_KEY)
        return problem if isinstance(problem, AuthProblem) else None

    def login(self, user: VerifiedUser) -> None:
        self.state[SESSION_KEY] = user
        self.state.pop(PROBLEM_KEY, None)

    def logout(self, problem: AuthProblem | None = None) -> None:
        """Forgets the user; records ``problem`` (or clears the last one)."""
        self.state.pop(SESSION_KEY, None)
        if problem is None:
            self.state.pop(PROBLEM_KEY, None)
        else:
            self.state[PROBLEM_KEY] = problem
