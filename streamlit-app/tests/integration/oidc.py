"""The OIDC client of the integration suites: dev-idp's login over HTTP like a browser
(authorization code + PKCE, the login form, consent), and client-credentials tokens."""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlparse

import requests

AUDIENCE = "http://localhost:8888/api"
WEB_CLIENT = {"client_id": "component-web", "client_secret": "component-web-dev-secret", "redirect_uri": "http://localhost:3001/auth/callback"}
M2M_CLIENT = {"client_id": "dev-m2m", "client_secret": "dev-m2m-secret"}
SCOPE = "openid profile email offline_access"

#: dev-idp's seed users (apps/dev-idp/seed/users.json; passwords as in libs/testing's DEV_IDP_USERS).
USERS: dict[str, dict[str, Any]] = {
    "alice": {"email": "alice@example.com", "password": "alice-password", "sub": "auth0|alice", "name": "Alice Example", "permissions": ["read:messages", "read:audit", "admin:sessions"]},
    "bob": {"email": "bob@example.com", "password": "bob-password", "sub": "auth0|bob", "name": "Bob Example", "permissions": []},
    # Only the revocation test logs carol in (revoking her cannot touch the shared alice/bob tokens).
    "carol": {"email": "carol@example.com", "password": "carol-password", "sub": "auth0|carol", "name": "Carol Example", "permissions": []},
}


class LoginError(RuntimeError):
    pass


_FORM_RE = re.compile(r"<form\b([^>]*)>([\s\S]*?)</form>", re.IGNORECASE)
_INPUT_RE = re.compile(r"<input\b[^>]*>", re.IGNORECASE)


def _attr(tag: str, name: str) -> str | None:
    m = re.search(rf'{name}="([^"]*)"', tag, re.IGNORECASE)
    return html.unescape(m.group(1)) if m else None


def _forms(page: str) -> list[dict[str, Any]]:
    out = []
    for m in _FORM_RE.finditer(page):
        action = _attr(m.group(1), "action")
        if action is None:
            continue
        hidden = {}
        for tag in _INPUT_RE.findall(m.group(2)):
            if re.search(r'type="hidden"', tag, re.IGNORECASE):
                name = _attr(tag, "name")
                if name:
                    hidden[name] = _attr(tag, "value") or ""
        out.append({"action": action, "html": m.group(2), "hidden": hidden})
    return out


@dataclass
class Tokens:
    access_token: str
    id_token: str | None
    expires_in: int
    raw: dict[str, Any] = field(repr=False)


def login(issuer: str, audience: str, user: str, redirect_uri: str = WEB_CLIENT["redirect_uri"]) -> Tokens:
    """Authorization code + PKCE over HTTP, like a browser: /authorize, the login form,
    consent if asked, the redirect with the code, then the code exchange at /oauth/token."""
    creds = USERS[user]
    verifier = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    state = secrets.token_urlsafe(16)
    params = {
        "client_id": WEB_CLIENT["client_id"],
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "response_mode": "query",
        "scope": SCOPE,
        "state": state,
        "nonce": secrets.token_urlsafe(16),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "audience": audience,
    }
    browser = requests.Session()
    current = f"{issuer}authorize?{urlencode(params)}"
    res = browser.get(current, allow_redirects=False, timeout=10)
    posted_login = False
    for _ in range(25):
        if 300 <= res.status_code < 400:
            nxt = urljoin(current, res.headers["location"])
            if nxt.split("?")[0] == redirect_uri:
                query = parse_qs(urlparse(nxt).query)
                if "error" in query:
                    raise LoginError(f"{query['error'][0]}: {query.get('error_description', [''])[0]}")
                assert query["state"][0] == state, "state mismatch"
                return _exchange(issuer, query["code"][0], verifier, redirect_uri)
            current = nxt
            res = browser.get(current, allow_redirects=False, timeout=10)
            continue
        page = res.text
        forms = _forms(page)
        login = next((f for f in forms if 'name="password"' in f["html"]), None)
        if login is not None and res.status_code in (200, 401):
            if posted_login:
                raise LoginError(f"login refused (HTTP {res.status_code})")
            posted_login = True
            current = urljoin(current, login["action"])
            res = browser.post(current, data={**login["hidden"], "username": creds["email"], "password": creds["password"]}, allow_redirects=False, timeout=10)
            continue
        consent = next((f for f in forms if f["action"].endswith("/confirm")), None)
        if consent is not None:
            current = urljoin(current, consent["action"])
            res = browser.post(current, data=consent["hidden"], allow_redirects=False, timeout=10)
            continue
        raise LoginError(f"unexpected HTTP {res.status_code} at {current}")
    raise LoginError("too many redirects")

def _exchange(issuer: str, code: str, verifier: str, redirect_uri: str) -> Tokens:
    res = requests.post(
        f"{issuer}oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
            "client_id": WEB_CLIENT["client_id"],
            "client_secret": WEB_CLIENT["client_secret"],
        },
        headers={"accept": "application/json"},
        timeout=10,
    )
    body = res.json()
    if res.status_code != 200 or "access_token" not in body:
        raise LoginError(f"token exchange failed: HTTP {res.status_code} {body.get('error')}")
    return Tokens(body["access_token"], body.get("id_token"), int(body.get("expires_in", 0)), body)

def m2m_token(issuer: str, audience: str) -> Tokens:
    """A client-credentials token (dev-m2m, all API permissions)."""
    res = requests.post(
        f"{issuer}oauth/token",
        data={"grant_type": "client_credentials", "audience": audience, **M2M_CLIENT},
        headers={"accept": "application/json"},
        timeout=10,
    )
    body = res.json()
    if res.status_code != 200:
        raise LoginError(f"client credentials failed: HTTP {res.status_code} {body.get('error')}")
    return Tokens(body["access_token"], None, int(body.get("expires_in", 0)), body)
