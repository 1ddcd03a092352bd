"""The article's API as its published code runs (``server/flask-api.py``): the benchmark baseline.

Kept to the facts of that code (see /work/shared/ANCHORS.md and bench/README.md), so that the
ratios are honest:

- ``requires_auth`` downloads the issuer's JWKS on **every** protected request with the standard
  library's ``urlopen`` (through ``six.moves``), refuses an ``HS256`` token before any key lookup,
  picks the key by ``kid`` and verifies with python-jose ``jwt.decode(token, key,
  algorithms=["RS256"], audience=API_AUDIENCE, issuer=...)``;
- ``/api/pong`` and ``/api/pong-scoped`` are wrapped in flask-cors ``cross_origin``; an
  ``after_request`` hook adds CORS headers to every answer and a ``before_request`` hook records
  the request time (``time.asctime``) that ``ping`` and ``pong`` print;
- ``APP.run(host=HOST, port=PORT, use_reloader=False)``: Werkzeug's threaded development
  server, HTTP/1.0 (a new connection per request), as published.

The only change from the published code: the issuer is a local dev-idp over ``http`` instead of
``https://<AUTH0_DOMAIN>/``. Configuration: ``BASELINE_PORT`` (default 5000), ``AUTH_ISSUER``
(default ``http://localhost:4400/``), ``AUTH_AUDIENCE`` (default ``http://localhost:8888/api``),
``BASELINE_HOST`` (default ``0.0.0.0`` as published; the `npm start` part `legacy-api` uses 127.0.0.1).
"""
from __future__ import annotations

import json
import os
import time
from functools import wraps
from typing import Dict

from flask import Flask, Response, g, jsonify, request
from flask_cors import cross_origin
from jose import jwt
from six.moves.urllib.request import urlopen

AUTH_ISSUER = os.environ.get("AUTH_ISSUER", "http://localhost:4400/")
API_AUDIENCE = os.environ.get("AUTH_AUDIENCE", "http://localhost:8888/api")
PORT = int(os.environ.get("BASELINE_PORT", "5000"))
# `npm start` runs it behind http-bridge only, on 127.0.0.1; the published code listened on 0.0.0.0.
HOST = os.environ.get("BASELINE_HOST", "0.0.0.0")
ALGORITHMS = ["RS256"]

APP = Flask(__name__)


class AuthError(Exception):
    """Raised whenever the authentication failed."""

    def __init__(self, error: Dict[str, str], status_code: int):
        super().__init__()
        self.error = error
        self.status_code = status_code


@APP.errorhandler(AuthError)
def handle_auth_error(ex: AuthError) -> Response:
    response = jsonify(ex.error)
    response.status_code = ex.status_code
    return response


@APP.before_request
def before_request() -> None:
    g.request_time = time.asctime()


@APP.after_request
def after_request(response: Response) -> Response:
    response.headers.add("Access-Control-Allow-Origin", "*")
    response.headers.add("Access-Control-Allow-Headers", "Content-Type,Authorization")
    response.headers.add("Access-Control-Allow-Methods", "GET,PUT,POST,DELETE,OPTIONS")
    return response


def get_token_auth_header() -> str:
    """Obtains the access token from the Authorization header."""
    auth = request.headers.get("Authorization", None)
    if not auth:
        raise AuthError({"code": "authorization_header_missing", "description": "Authorization header is expected"}, 401)
    parts = auth.split()
    if parts[0].lower() != "bearer":
        raise AuthError({"code": "invalid_header", "description": "Authorization header must start with Bearer"}, 401)
    if len(parts) == 1:
        raise AuthError({"code": "invalid_header", "description": "Token not found"}, 401)
    if len(parts) > 2:
        raise AuthError({"code": "invalid_header", "description": "Authorization header must be Bearer token"}, 401)
    return parts[1]


def requires_scope(required_scope: str) -> bool:
    """Determines if the required scope is present in the access token."""
    token = get_token_auth_header()
    unverified_claims = jwt.get_unverified_claims(token)
    if unverified_claims.get("scope"):
        return required_scope in unverified_claims["scope"].split()
    return False


def requires_auth(func):
    """Determines if the access token is valid."""

    @wraps(func)
    def decorated(*args, **kwargs):
        token = get_token_auth_header()
        # As published: the key set is downloaded for every single request.
        jsonurl = urlopen(AUTH_ISSUER + ".well-known/jwks.json")
        jwks = json.loads(jsonurl.read())
        try:
            unverified_header = jwt.get_unverified_header(token)
        except jwt.JWTError as jwt_error:
            raise AuthError({"code": "invalid_header", "description": "Invalid header. Use an RS256 signed JWT Access Token"}, 401) from jwt_error
        if unverified_header["alg"] == "HS256":
            raise AuthError({"code": "invalid_header", "description": "Invalid header. Use an RS256 signed JWT Access Token"}, 401)
        rsa_key = {}
        for key in jwks["keys"]:
            if key["kid"] == unverified_header["kid"]:
                rsa_key = {"kty": key["kty"], "kid": key["kid"], "use": key["use"], "n": key["n"], "e": key["e"]}
        if rsa_key:
            try:
                payload = jwt.decode(token, rsa_key, algorithms=ALGORITHMS, audience=API_AUDIENCE, issuer=AUTH_ISSUER)
            except jwt.ExpiredSignatureError as expired_sign_error:
                raise AuthError({"code": "token_expired", "description": "token is expired"}, 401) from expired_sign_error
            except jwt.JWTClaimsError as jwt_claims_error:
                raise AuthError({"code": "invalid_claims", "description": "incorrect claims, please check the audience and issuer"}, 401) from jwt_claims_error
            except Exception as exc:  # noqa: BLE001 - as published: every other failure answers the same
                raise AuthError({"code": "invalid_header", "description": "Unable to parse authentication token."}, 401) from exc
            g.current_user = payload
            return func(*args, **kwargs)
        raise AuthError({"code": "invalid_header", "description": "Unable to find appropriate key"}, 401)

    return decorated


@APP.route("/api/ping")
def ping():
    """No access token required to access this route."""
    return jsonify(message=f"All good. You don't need to be authenticated to call this. ({g.request_time})")


@APP.route("/api/pong")
@cross_origin(headers=["Content-Type", "Authorization"])
@requires_auth
def pong():
    """A valid access token is required to access this route."""
    return jsonify(message=f"All good. You only get this message if you're authenticated, {g.current_user['sub']}. ({g.request_time})")


@APP.route("/api/pong-scoped")
@cross_origin(headers=["Content-Type", "Authorization"])
@requires_auth
def pong_scoped():
    """A valid access token and an appropriate scope are required to access this route."""
    if requires_scope("read:messages"):
        return jsonify(message=f"All good. You're authenticated and have the read:messages scope. ({g.request_time})")
    raise AuthError({"code": "Unauthorized", "description": "You don't have access to this resource"}, 403)


if __name__ == "__main__":
    APP.run(host=HOST, port=PORT, use_reloader=False)
