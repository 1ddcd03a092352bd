"""The real parts for the integration suites, started by the stack launcher (tools/stack/cli.mjs,
defined once in tools/stack/stack.cjs) on free ports — no second copy of commands, ports or
environment here. Each ``StackRun`` is one ``cli.mjs up --ports free --control`` child: its JSON
says what runs where, and stdin commands stop and start single parts (outage tests). The views
below (``NatsServer``, ``DevIdp``, ``Service``, ``Relay``, ``ComponentWeb``) keep the fixtures'
vocabulary. Builds come from Nx (``streamlit-app:test`` depends on the apps' ``build``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from streamlit_auth0_bus import BusClient, Settings

from tests.integration.oidc import AUDIENCE, WEB_CLIENT, LoginError, Tokens, login, m2m_token
from tests.support import REPO_ROOT

NODE = shutil.which("node") or "node"
CLI = REPO_ROOT / "tools" / "stack" / "cli.mjs"
VERBOSE = bool(os.environ.get("TEST_VERBOSE"))

__all__ = ["NODE", "REPO_ROOT", "LoginError", "Tokens", "StackRun", "NatsServer", "DevIdp", "Service", "Relay", "ComponentWeb", "free_port", "wait_for", "ProcessExited"]


def free_port() -> int:
    """A TCP port that was free a moment ago (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


class StackRun:
    """``node tools/stack/cli.mjs up --ports free --control``: ``parts`` (with their dependencies,
    unless ``only``; then ``ports`` says where those run), ``env`` per part (``""`` for all)."""

    def __init__(self, parts: Sequence[str], env: Mapping[str, Mapping[str, str]] | None = None, only: bool = False, ports: Mapping[str, int] | None = None, timeout: float = 120.0) -> None:
        argv = [NODE, str(CLI), "up", "--ports", "free", "--parts", ",".join(parts), "--no-build", "--control"]
        if only:
            argv.append("--only")
        for role, port in (ports or {}).items():
            argv += ["--port", f"{role}={port}"]
        for part, values in (env or {}).items():
            for key, value in values.items():
                argv += ["--env", f"{part}:{key}={value}" if part else f"{key}={value}"]
        self.stderr: list[str] = []
        self.proc = subprocess.Popen(argv, cwd=REPO_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        threading.Thread(target=self._read_stderr, daemon=True).start()
        self._lock = threading.Lock()
        line = self._read_line(timeout)
        if not line:
            self.proc.wait(10)
            raise RuntimeError(f"stack launcher failed ({' '.join(parts)}):\n{''.join(self.stderr)[-4000:]}")
        self.description: dict[str, Any] = json.loads(line)

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr.append(line)
            if VERBOSE:
                print(line, end="", flush=True)

    def _read_line(self, timeout: float) -> str:
        assert self.proc.stdout is not None
        result: list[str] = []
        reader = threading.Thread(target=lambda: result.append(self.proc.stdout.readline()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        reader.join(timeout)
        if reader.is_alive():
            self.proc.kill()
            raise TimeoutError(f"stack launcher gave no answer in {timeout}s:\n{''.join(self.stderr)[-4000:]}")
        return result[0] if result else ""

    def command(self, line: str, timeout: float = 120.0) -> dict[str, Any]:
        """One control command (``stop PART [SIGNAL]``, ``start PART``, ``restart PART``, ``add PART``)."""
        with self._lock:
            assert self.proc.stdin is not None
            self.proc.stdin.write(f"{line}\n")
            self.proc.stdin.flush()
            answer = json.loads(self._read_line(timeout) or '{"ok": false, "error": "launcher gone"}')
        if not answer.get("ok"):
            raise RuntimeError(f"stack {line!r} failed: {answer.get('error')}\n{''.join(self.stderr)[-2000:]}")
        self.description = answer
        return answer

    @property
    def ports(self) -> dict[str, int]:
        return self.description["ports"]

    @property
    def env(self) -> dict[str, str]:
        return self.description["env"]

    def instance(self, part: str, index: int = 0) -> dict[str, Any]:
        return self.description["parts"][part]["instances"][index]

    def log_lines(self, part: str, index: int = 0) -> list[str]:
        path = Path(self.instance(part, index)["log"])
        return path.read_text(encoding="utf-8", errors="replace").splitlines() if path.exists() else []

    def signal(self, part: str, sig: signal.Signals, index: int = 0) -> None:
        os.kill(self.instance(part, index)["pid"], sig)

    def down(self) -> None:
        if self.proc.poll() is not None:
            return
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.close()  # the launcher stops everything when its stdin closes
            self.proc.wait(30)
        except (subprocess.TimeoutExpired, BrokenPipeError):
            self.proc.terminate()
            self.proc.wait(30)


class NatsServer:
    """nats-server with infra/nats/nats.conf (the stack's ``nats`` part) on free ports."""

    def __init__(self, run: StackRun | None = None) -> None:
        self.run = run or StackRun(["nats"])
        self.owns_run = run is None
        self.port = self.run.ports["nats"]
        self.monitor_port = self.run.ports["natsMonitor"]

    @property
    def url(self) -> str:
        return self.run.env["NATS_URL"]

    def password(self, user: str) -> str:
        return self.run.env[f"NATS_{user.upper().replace('-', '_')}_PASSWORD"]

    def env_for(self, user: str) -> dict[str, str]:
        env = {"NATS_URL": self.url, "NATS_USER": user, "NATS_PASSWORD": self.password(user)}
        if user == "auth-service":
            # auth-service's second NATS user: the AUDIT stream's connection.
            env["NATS_AUDIT_WRITER_PASSWORD"] = self.password("audit-writer")
        return env

    @contextmanager
    def host_client(self, **settings: Any) -> Iterator[BusClient]:
        """A BusClient connected as ``streamlit-host`` (``settings``: more of its Settings, e.g.
        ``bus_timeout_ms``), closed when the block ends."""
        client = BusClient(Settings(nats_url=self.url, nats_password=self.password("streamlit-host"), **settings))
        try:
            assert client.wait_connected(10), client.last_error
            yield client
        finally:
            client.close()

    def stop(self) -> None:
        self.run.command("stop nats")

    def start(self) -> None:
        """Again, on the same ports."""
        self.run.command("start nats")

    def restart(self) -> None:
        self.run.command("restart nats")

    def dispose(self) -> None:
        if self.owns_run:
            self.run.down()


class DevIdp:
    """The real dev-idp (the stack's ``dev-idp`` part) on a free port with temporary keys."""

    def __init__(self, audience: str = AUDIENCE, extra_env: Mapping[str, str] | None = None, run: StackRun | None = None) -> None:
        self.audience = audience
        self.run = run or StackRun(["dev-idp"], env={"dev-idp": {"DEV_IDP_API_AUDIENCE": audience, "DEV_IDP_LOG_LEVEL": "warn", **(extra_env or {})}})
        self.owns_run = run is None
        self.port = self.run.ports["devIdp"]

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
        """As the component-web client, with the callback this stack registered for it."""
        return login(self.issuer, self.audience, user, self.run.env["DEV_IDP_COMPONENT_WEB_REDIRECT_URIS"].split(",")[0])

    def m2m_token(self) -> Tokens:
        return m2m_token(self.issuer, self.audience)

    def stop(self) -> None:
        if self.owns_run:
            self.run.down()


def service_env(nats: NatsServer, idp: DevIdp, user: str, instance: str) -> dict[str, str]:
    """Settings of a NestJS service on this NATS and provider (see apps/<service>/src/config)."""
    return {
        **nats.env_for(user),
        "AUTH_ISSUER": idp.issuer,
        "AUTH_AUDIENCE": idp.audience,
        "AUTH_JWKS_URI": idp.jwks_uri,
        "INSTANCE_ID": instance,
        "LOG_LEVEL": "warn",
        "DRAIN_TIMEOUT": "1s",
        "AUDIT_FLUSH_TIMEOUT": "1s",
    }


class Service:
    """auth-service or api-service (the stack's part of that name): healthy once NATS monitoring
    shows it holding its subjects. ``start_on`` starts one in a run of its own on a given NATS;
    ``stop``/``start`` stop it and start it again with the same settings (outage tests)."""

    def __init__(self, name: str, run: StackRun, env: dict[str, str] | None = None, owns_run: bool = False) -> None:
        self.name = name
        self.run = run
        self.env = env or {}
        self.owns_run = owns_run
        self.instance: str = run.instance(name)["id"]

    @classmethod
    def start_on(cls, nats: NatsServer, name: str, env: dict[str, str]) -> Service:
        run = StackRun([name], env={name: env}, only=True, ports={"nats": nats.port, "natsMonitor": nats.monitor_port})
        return cls(name, run, env, owns_run=True)

    @property
    def pid(self) -> int:
        return int(self.run.instance(self.name)["pid"])

    @property
    def running(self) -> bool:
        try:
            os.kill(self.pid, 0)
            return " Z " not in Path(f"/proc/{self.pid}/stat").read_text()
        except (ProcessLookupError, FileNotFoundError):
            return False

    def pause(self) -> None:
        """SIGSTOP: the process stays connected but answers nothing."""
        self.run.signal(self.name, signal.SIGSTOP)

    def resume(self) -> None:
        self.run.signal(self.name, signal.SIGCONT)

    def stop(self, sig: str = "SIGTERM") -> None:
        if self.run.proc.poll() is None:
            self.run.command(f"stop {self.name} {sig}")

    def kill(self) -> None:
        """SIGKILL, as a crash; returns once it is gone."""
        self.stop("SIGKILL")

    def start(self) -> None:
        """Again, with the same settings."""
        self.run.command(f"start {self.name}")

    def dispose(self) -> None:
        if self.owns_run:
            self.run.down()

    def logs(self, n: int = 40) -> str:
        return "\n".join(self.run.log_lines(self.name)[-n:])


class Relay:
    """host-relay (the stack's ``host-relay`` part) on a free port, on a given NATS."""

    def __init__(self, nats: NatsServer, log_level: str = "warn", allowed_origins: str = "http://localhost:3001", run: StackRun | None = None) -> None:
        self.owns_run = run is None
        self.run = run or StackRun(
            ["host-relay"],
            env={"host-relay": {"RELAY_ALLOWED_ORIGINS": allowed_origins, "LOG_LEVEL": log_level}},
            only=True,
            ports={"nats": nats.port, "natsMonitor": nats.monitor_port},
        )
        self.port = self.run.ports["hostRelay"]

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def log_lines(self) -> list[str]:
        return self.run.log_lines("host-relay")

    def stop(self) -> None:
        if self.owns_run:
            self.run.down()
        elif self.run.proc.poll() is None:
            self.run.command("stop host-relay")


class ComponentWeb:
    """The production build of component-web (the stack's ``component-web`` part) on ``port``:
    ``streamlit_origins`` is its STREAMLIT_ORIGINS (CSP frame-ancestors of ``/streamlit``),
    ``relay_origins`` its RELAY_ORIGINS (CSP connect-src)."""

    def __init__(self, port: int, streamlit_origins: list[str], relay_origins: list[str], extra_env: Mapping[str, str] | None = None) -> None:
        self.port = port
        env = {"STREAMLIT_ORIGINS": " ".join(streamlit_origins), "RELAY_ORIGINS": " ".join(relay_origins), **(extra_env or {})}
        self.run = StackRun(["component-web"], env={"component-web": env}, only=True, ports={"componentWeb": port})

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    @property
    def frame_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/streamlit"

    def stop(self) -> None:
        self.run.down()
