"""Forged tokens: the claims of a real token, signed with a key the issuer never published."""

from __future__ import annotations

from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PRIVATE_PEM = _KEY.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def claims_of(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def header_of(token: str) -> dict[str, Any]:
    return jwt.get_unverified_header(token)


def forge(real_token: str, *, kid: str | None = "forged-key", **overrides: Any) -> str:
    """The real token's claims (changed by ``overrides``), RS256-signed with our own key.
    ``kid``: our own key id by default; pass the real one to impersonate the issuer's key."""
    claims = {**claims_of(real_token), **overrides}
    headers = {"kid": kid} if kid else {}
    return jwt.encode(claims, PRIVATE_PEM, algorithm="RS256", headers=headers)
