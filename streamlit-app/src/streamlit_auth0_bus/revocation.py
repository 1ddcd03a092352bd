"""Revoking sessions: ``auth.revoke`` over the bus (issue 21).

auth-service verifies the caller's token (it rides in the ``Authorization`` header), stores the
revocation in the REVOCATIONS bucket and audits it as ``session.revoked``; from then on every
verifier refuses the covered tokens (reason ``revoked``) and host-relay tells the open login
components of that user, which lock their pages.
"""

from __future__ import annotations

from typing import Any

from .contracts import get_contracts

__all__ = ["revoke_sessions"]


def revoke_sessions(
    client: Any,
    token: str,
    *,
    sub: str | None = None,
    token_hash: str | None = None,
    reason: str | None = None,
    timeout: float | None = None,
) -> dict[str, Any]:
    """Revokes sessions with the caller's ``token``; returns the ``auth.revoke`` reply.

    With neither ``sub`` nor ``token_hash`` (or the caller's own ``sub``): every token of the
    caller issued up to now — "log out everywhere". Another user's ``sub``, or one token's
    ``token_hash``, needs the ``admin:sessions`` permission.

    Args:
        client: a :class:`~streamlit_auth0_bus.bus_client.BusClient` (anything with its ``request``).
        token: the caller's access token.
        reason: why, for the audit trail (at most 200 characters).
        timeout: deadline in seconds (default: the client's). ``auth.revoke`` is never retried.

    Returns:
        ``{kind: "user"|"token", sub?, token_hash?, revoked_at}`` (``revoked_at`` in seconds).

    Raises:
        InvalidMessageError: the request breaks the contract (e.g. both ``sub`` and ``token_hash``); nothing is sent.
        UnauthenticatedError: the caller's token was refused (e.g. already revoked).
        ForbiddenError: revoking someone else without ``admin:sessions``.
        BusError: any other typed failure (UNAVAILABLE, TIMEOUT …).
    """
    body: dict[str, Any] = {}
    if sub is not None:
        body["sub"] = sub
    if token_hash is not None:
        body["token_hash"] = token_hash
    if reason is not None:
        body["reason"] = reason
    reply: dict[str, Any] = client.request(get_contracts().subject("auth", "revoke"), body, token=token, timeout=timeout)
    return reply
