"""Real processes for the integration suites: nats-server, dev-idp, auth-service, api-service.

Mirrors the TypeScript harness of ``libs/testing`` (``NatsHarness``, ``DevIdpHarness``,
``ManagedProcess``, ``freePort``): everything on free ports, temporary folders, the project's
own configuration files, output kept for failure reports, and every process stopped (SIGTERM,
then SIGKILL) by the fixtures' finalizers.
"""

from __future__ import annotations

import base64
import collections
import hashlib
import html
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlparse

import requests

from tests.support import REPO_ROOT

NATS_DIR = REPO_ROOT / "infra" / "nats"
NATS_CONF = NATS_DIR / "nats.conf"
NATS_ENV_SAMPLE = NATS_DIR / "nats.env.sample"
NODE = shutil.which("node") or "node"
VERBOSE = bool(os.environ.get("TEST_VERBOSE"))

PASSWORD_VARS = {
    "host-relay": "NATS_HOST_RELAY_PASSWORD",
    "auth-service": "NATS_AUTH_SERVICE_PASSWORD",
    "api-service": "NATS_API_SERVICE_PASSWORD",
    "streamlit-host": "NATS_STREAMLIT_HOST_PASSWORD",
    "audit-reader": "NATS_AUDIT_READER_PASSWORD",
    "audit-writer": "NATS_AUDIT_WRITER_PASSWORD",
}


def free_port() -> int:
    """A TCP port that was free a moment ago (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines (comments and blanks ignored), like infra/nats/index.cjs's readEnvFile."""
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


class ProcessExited(TimeoutError):
    """A child died while we waited for it to come up (fails the wait at once)."""


def wait_for(check: Callable[[], bool], what: str, timeout: float = 20.0, interval: float = 0.05, logs: Callable[[], str] | None = None) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except ProcessExited:
            raise
        except Exception as exc:  # not up yet
            last = exc
        time.sleep(interval)
    tail = f"\n--- logs ---\n{logs()}" if logs else ""
    raise TimeoutError(f"timed out waiting for {what} ({last!r}){tail}")


def start_on_free_ports(start: Callable[[], None], what: str, attempts: int = 3) -> None:
    """Runs ``start`` (which picks free ports itself) up to ``attempts`` times: a port that was
    free a moment ago can be taken by a parallel suite before the child binds it."""
    for attempt in range(1, attempts + 1):
        try:
            start()
            return
        except TimeoutError:
            if attempt == attempts:
                raise
            print(f"[harness] {what} did not start (attempt {attempt}); retrying on other ports", flush=True)


class ManagedProcess:
    """A child process started by a test: keeps the last lines of output, stops with SIGTERM
    then SIGKILL, and can be paused (SIGSTOP) to make a responder silent."""

    def __init__(self, name: str, argv: list[str], env: Mapping[str, str] | None = None, cwd: Path | None = None) -> None:
        self.name = name
        self.argv = argv
        self.lines: collections.deque[str] = collections.deque(maxlen=400)
        full_env = {**os.environ, **(env or {})}
        self.proc = subprocess.Popen(
            argv,
            env=full_env,
            cwd=str(cwd or REPO_ROOT),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, name=f"log:{name}", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip()
            self.lines.append(line)
            if VERBOSE:
                print(f"[{self.name}] {line}", flush=True)

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def running(self) -> bool:
        return self.proc.poll() is None

    def tail(self, n: int = 40) -> str:
        return "\n".join(list(self.lines)[-n:])

    def pause(self) -> None:
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.proc.pid, signal.SIGCONT)

    def stop(self, grace: float = 5.0) -> None:
        if not self.running:
            return
        try:
            os.kill(self.proc.pid, signal.SIGCONT)  # a paused process cannot handle SIGTERM
            self.proc.terminate()
            self.proc.wait(grace)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        except ProcessLookupError:
            pass


# ---- nats-server --------------------------------------------------------------------------------


class NatsServer:
    """nats-server with infra/nats/nats.conf on free ports and a temporary JetStream store, started
    the way infra/nats/index.cjs does (env from nats.env.sample, ``-c nats.conf -p PORT -m MPORT``)."""

    def __init__(self) -> None:
        self.store_dir = tempfile.mkdtemp(prefix="auth-bus-nats-py-")
        self.settings = read_env_file(NATS_ENV_SAMPLE)
        for key in list(self.settings):
            if key in os.environ:
                self.settings[key] = os.environ[key]
        self.settings["NATS_STORE_DIR"] = self.store_dir
        self.proc: ManagedProcess | None = None

        def first_start() -> None:
            self.stop()
            self.port = free_port()
            self.monitor_port = free_port()
            self.settings["NATS_SERVER_NAME"] = f"test-{self.port}"
            self.start()

        start_on_free_ports(first_start, "nats-server")

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def password(self, user: str) -> str:
        return self.settings[PASSWORD_VARS[user]]

    def env_for(self, user: str) -> dict[str, str]:
        env = {"NATS_URL": self.url, "NATS_USER": user, "NATS_PASSWORD": self.password(user)}
        if user == "auth-service":
            # auth-service's second NATS user: the AUDIT stream's connection.
            env["NATS_AUDIT_WRITER_PASSWORD"] = self.password("audit-writer")
        return env

    def start(self) -> None:
        binary = os.environ.get("NATS_SERVER_BIN") or shutil.which("nats-server")
        assert binary, "nats-server is not installed (apt-get install nats-server)"
        argv = [binary, "-c", str(NATS_CONF), "-p", str(self.port), "-m", str(self.monitor_port)]
        proc = self.proc = ManagedProcess("nats", argv, env=self.settings)

        def healthy() -> bool:
            if not proc.running:
                raise ProcessExited(f"nats-server exited:\n{proc.tail()}")
            return requests.get(f"http://127.0.0.1:{self.monitor_port}/healthz?js-enabled-only=true", timeout=1).ok

        try:
            wait_for(healthy, "nats-server health", timeout=30, logs=proc.tail)
        except TimeoutError:
            proc.stop()
            raise

    def stop(self) -> None:
        if self.proc:
            self.proc.stop()

    def restart(self) -> None:
        self.stop()
        self.start()

    def dispose(self) -> None:
        self.stop()
        shutil.rmtree(self.store_dir, ignore_errors=True)


# ---- dev-idp ------------------------------------------------------------------------------------

DEV_IDP_MAIN = REPO_ROOT / "apps" / "dev-idp" / "dist" / "main.js"
AUDIENCE = "http://localhost:8888/api"
WEB_CLIENT = {"client_id": "component-web", "client_secret": "component-web-dev-secret", "redirect_uri": "http://localhost:3001/auth/callback"}
M2M_CLIENT = {"client_id": "dev-m2m", "client_secret": "dev-m2m-secret"}
SCOPE = "openid profile email offline_access"

#: dev-idp's seed users (apps/dev-idp/seed/users.json; passwords as in libs/testing's DEV_IDP_USERS).
USERS: dict[str, dict[str, Any]] = {
    "alice": {"email": "alice@example.com", "password": "alice-password", "sub": "auth0|alice", "name": "Alice Example", "permissions": ["read:messages", "read:audit", "admin:sessions"]},
    "bob": {"email": "bob@example.com", "password": "bob-password", "sub": "auth0|bob", "name": "Bob Example", "permissions": []},
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


class DevIdp:
    """The real dev-idp (``node apps/dev-idp/dist/main.js``) on a free port with temporary keys."""

    def __init__(self, audience: str = AUDIENCE, extra_env: Mapping[str, str] | None = None) -> None:
        assert DEV_IDP_MAIN.is_file(), f"{DEV_IDP_MAIN} is missing: build dev-idp first (npx nx run dev-idp:build)"
        self.audience = audience
        self.keys_dir = tempfile.mkdtemp(prefix="auth-bus-dev-idp-keys-py-")
        self.proc: ManagedProcess | None = None

        def start() -> None:
            if self.proc is not None:
                self.proc.stop()
            self.port = free_port()
            env = {k: v for k, v in os.environ.items() if not k.startswith("DEV_IDP_")}
            if env.get("NODE_ENV") == "production":
                env["NODE_ENV"] = "test"
            env.update({"DEV_IDP_PORT": str(self.port), "DEV_IDP_KEYS_DIR": self.keys_dir, "DEV_IDP_API_AUDIENCE": audience, "DEV_IDP_LOG_LEVEL": "warn", **(extra_env or {})})
            proc = self.proc = ManagedProcess("dev-idp", [NODE, str(DEV_IDP_MAIN)], env=env)

            def healthy() -> bool:
                if not proc.running:
                    raise ProcessExited(f"dev-idp exited:\n{proc.tail()}")
                return requests.get(f"{self.issuer}healthz", timeout=1).ok

            try:
                wait_for(healthy, "dev-idp health", timeout=30, logs=proc.tail)
            except TimeoutError:
                proc.stop()
                raise

        start_on_free_ports(start, "dev-idp")

    @property
    def issuer(self) -> str:
        return f"http://localhost:{self.port}/"

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    @property
    def jwks_uri(self) -> str:
        return f"{self.issuer}.well-known/jwks.json"

    def jwks(self) -> dict[str, Any]:
        return requests.get(self.jwks_uri, timeout=5).json()

    def auth0_env(self) -> dict[str, str]:
        """Environment pointing a service at this provider as it would point at Auth0."""
        return {
            "AUTH0_DOMAIN": self.url,
            "AUTH0_ISSUER_BASE_URL": self.issuer,
            "AUTH0_AUDIENCE": self.audience,
            "AUTH0_CLIENT_ID": WEB_CLIENT["client_id"],
            "AUTH0_CLIENT_SECRET": WEB_CLIENT["client_secret"],
            "AUTH0_JWKS_URI": self.jwks_uri,
        }

    def login(self, user: str) -> Tokens:
        """Authorization code + PKCE over HTTP, like a browser: /authorize, the login form,
        consent if asked, the redirect with the code, then the code exchange at /oauth/token."""
        creds = USERS[user]
        verifier = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        state = secrets.token_urlsafe(16)
        params = {
            "client_id": WEB_CLIENT["client_id"],
            "redirect_uri": WEB_CLIENT["redirect_uri"],
            "response_type": "code",
            "response_mode": "query",
            "scope": SCOPE,
            "state": state,
            "nonce": secrets.token_urlsafe(16),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "audience": self.audience,
        }
        browser = requests.Session()
        current = f"{self.issuer}authorize?{urlencode(params)}"
        res = browser.get(current, allow_redirects=False, timeout=10)
        posted_login = False
        for _ in range(25):
            if 300 <= res.status_code < 400:
                nxt = urljoin(current, res.headers["location"])
                if nxt.split("?")[0] == WEB_CLIENT["redirect_uri"]:
                    query = parse_qs(urlparse(nxt).query)
                    if "error" in query:
                        raise LoginError(f"{query['error'][0]}: {query.get('error_description', [''])[0]}")
                    assert query["state"][0] == state, "state mismatch"
                    return self._exchange(query["code"][0], verifier)
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

    def _exchange(self, code: str, verifier: str) -> Tokens:
        res = requests.post(
            f"{self.issuer}oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": WEB_CLIENT["redirect_uri"],
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

    def m2m_token(self) -> Tokens:
        """A client-credentials token (dev-m2m, all API permissions)."""
        res = requests.post(
            f"{self.issuer}oauth/token",
            data={"grant_type": "client_credentials", "audience": self.audience, **M2M_CLIENT},
            headers={"accept": "application/json"},
            timeout=10,
        )
        body = res.json()
        if res.status_code != 200:
            raise LoginError(f"client credentials failed: HTTP {res.status_code} {body.get('error')}")
        return Tokens(body["access_token"], None, int(body.get("expires_in", 0)), body)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop()
        shutil.rmtree(self.keys_dir, ignore_errors=True)


# ---- component-web ------------------------------------------------------------------------------

COMPONENT_WEB_DIR = REPO_ROOT / "apps" / "component-web"
NEXT_BIN = REPO_ROOT / "node_modules" / "next" / "dist" / "bin" / "next"


class ComponentWeb:
    """The production build of component-web (``next start``) on a port, like libs/testing's
    ComponentWebHarness: ``streamlit_origins`` is its STREAMLIT_ORIGINS (CSP frame-ancestors of
    ``/streamlit``), ``relay_origins`` its RELAY_ORIGINS (CSP connect-src)."""

    def __init__(self, port: int, streamlit_origins: list[str], relay_origins: list[str], extra_env: Mapping[str, str] | None = None) -> None:
        assert (COMPONENT_WEB_DIR / ".next" / "BUILD_ID").is_file(), "component-web is not built (npx nx run component-web:build)"
        self.port = port
        secret = f"component-web-test-{port}".ljust(32, "-")[:32].encode().hex()
        env = {
            "NEXT_TELEMETRY_DISABLED": "1",
            "APP_BASE_URL": self.url,
            "AUTH0_SECRET": secret,
            "STREAMLIT_ORIGINS": " ".join(streamlit_origins),
            "RELAY_ORIGINS": " ".join(relay_origins),
            **(extra_env or {}),
        }
        proc = self.proc = ManagedProcess("component-web", [NODE, str(NEXT_BIN), "start", "apps/component-web", "-p", str(port), "-H", "127.0.0.1"], env=env)

        def healthy() -> bool:
            if not proc.running:
                raise ProcessExited(f"component-web exited:\n{proc.tail()}")
            return requests.get(f"http://127.0.0.1:{port}/api/health", timeout=1).ok

        try:
            wait_for(healthy, "component-web health", timeout=60, interval=0.2, logs=proc.tail)
        except TimeoutError:
            proc.stop()
            raise

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    @property
    def frame_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/streamlit"

    def stop(self) -> None:
        self.proc.stop()
