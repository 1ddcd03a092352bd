"""The article's API, rebuilt from its description as the benchmark baseline.

A Flask app with a public ``/api/ping`` and a protected ``/api/pong``. Like the Auth0 Python
quickstart the article copied, ``requires_auth`` reads the bearer token, fetches the issuer's
JWKS **on every request**, picks the key by ``kid`` and verifies the RS256 token with
python-jose (audience and issuer checked). It runs on Flask's own threaded server, as the
article's ``app.run()`` did.

Configuration: ``BASELINE_PORT`` (default 5000), ``AUTH_ISSUER`` (default
``http://localhost:4400/``), ``AUTH_AUDIENCE`` (default ``http://localhost:8888/api``).
"""
from __future__ import annotations

import os
from datetime import datetime, timezone
from functools import wraps

import requests
from flask import Flask, jsonify, request
from jose import jwt

ISSUER = os.environ.get("AUTH_ISSUER", "http://localhost:4400/")
AUDIENCE = os.environ.get("AUTH_AUDIENCE", "http://localhost:8888/api")
ALGORITHMS = ["RS256"]

app = Flask(__name__)


class AuthError(Exception):
    def __init__(self, error: dict, status_code: int):
        super().__init__(error["description"])
        self.error = error
        self.status_code = status_code


@app.errorhandler(AuthError)
def handle_auth_error(ex: AuthError):
    return jsonify(ex.error), ex.status_code


def get_token_auth_header() -> str:
    auth = request.headers.get("Authorization")
    if not auth:
        raise AuthError({"code": "authorization_header_missing", "description": "Authorization header is expected"}, 401)
    parts = auth.split()
    if parts[0].lower() != "bearer" or len(parts) != 2:
        raise AuthError({"code": "invalid_header", "description": "Authorization header must be 'Bearer <token>'"}, 401)
    return parts[1]


def requires_auth(handler):
    @wraps(handler)
    def decorated(*args, **kwargs):
        token = get_token_auth_header()
        # The quickstart's pattern: the key set is downloaded for every single request.
        jwks = requests.get(f"{ISSUER}.well-known/jwks.json", timeout=5).json()
        try:
            header = jwt.get_unverified_header(token)
        except jwt.JWTError as exc:
            raise AuthError({"code": "invalid_header", "description": "Unable to parse authentication token."}, 401) from exc
        rsa_key = next(
            ({k: key[k] for k in ("kty", "kid", "use", "n", "e")} for key in jwks["keys"] if key.get("kid") == header.get("kid")),
            None,
        )
        if rsa_key is None:
            raise AuthError({"code": "invalid_header", "description": "Unable to find appropriate key"}, 401)
        try:
            payload = jwt.decode(token, rsa_key, algorithms=ALGORITHMS, audience=AUDIENCE, issuer=ISSUER)
        except jwt.ExpiredSignatureError as exc:
            raise AuthError({"code": "token_expired", "description": "token is expired"}, 401) from exc
        except jwt.JWTClaimsError as exc:
            raise AuthError({"code": "invalid_claims", "description": "incorrect claims"}, 401) from exc
        except Exception as exc:  # noqa: BLE001 - the quickstart answers every other failure the same way
            raise AuthError({"code": "invalid_header", "description": "Unable to parse authentication token."}, 401) from exc
        request.environ["auth.payload"] = payload
        return handler(*args, **kwargs)

    return decorated


def now() -> str:
    return datetime.now(timezone.utc).isoformat()


@app.route("/api/ping")
def ping():
    return jsonify(data=f"Hello from a PUBLIC endpoint! {now()}")


@app.route("/api/pong")
@requires_auth
def pong():
    sub = request.environ["auth.payload"]["sub"]
    return jsonify(data=f"Hello from a SECURE endpoint, {sub}! {now()}")


if __name__ == "__main__":
    # HTTP/1.1 keep-alive, so that load generators reuse connections (Werkzeug defaults to
    # HTTP/1.0, which closes every connection and would make the baseline look worse than it is).
    from werkzeug.serving import WSGIRequestHandler

    WSGIRequestHandler.protocol_version = "HTTP/1.1"
    app.run(host="127.0.0.1", port=int(os.environ.get("BASELINE_PORT", "5000")), threaded=True)
