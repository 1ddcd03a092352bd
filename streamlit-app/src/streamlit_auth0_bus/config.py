"""Configuration from environment variables and an optional ``.env`` file.

Precedence: the process environment, then the ``.env`` file, then the defaults below (which
point at the local development stack: NATS on :4222, component-web on :3001, host-relay on
:8888). Every variable is documented in ``streamlit-app/.env.sample``.

The ``.env`` file is the one named by ``AUTH0_BUS_ENV_FILE`` if set, otherwise
``streamlit-app/.env`` when the package runs from its source tree (editable installs), otherwise
a ``.env`` beside the Streamlit app's main script, otherwise ``.env`` in the current directory.
An installed wheel needs no repository file: the schemas ship inside the package.

Production mode (``AUTH_BUS_ENV=production``, the same switch for every part of the system)
refuses the development NATS password.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from dotenv import dotenv_values

__all__ = ["Settings", "ConfigError", "load_settings", "DEFAULTS", "DEV_NATS_PASSWORD", "ENVIRONMENTS"]

#: Default values (development). The NATS password default is the documented dev password of
#: ``infra/nats/nats.env.sample``; set NATS_PASSWORD for any shared deployment.
DEFAULTS: dict[str, str] = {
    "NATS_URL": "nats://127.0.0.1:4222",
    "NATS_USER": "streamlit-host",
    "NATS_PASSWORD": "streamlit-host-dev-password",
    "COMPONENT_URL": "http://localhost:3001/streamlit",
    "RELAY_URL": "ws://localhost:8888/ws",
    "AUTH0_AUDIENCE": "http://localhost:8888/api",
    "BUS_TIMEOUT_MS": "3000",
    "BUS_RETRIES": "0",
    "APP_HOSTNAME": "Streamlit demo",
    "AUTH_BUS_ENV": "development",
    "COMPONENT_SELF_CHECK": "true",
    "BRIDGE_ROUTES_FILE": "",
}

#: The development NATS password of ``streamlit-host`` (infra/nats/nats.env.sample) — refused in
#: production mode.
DEV_NATS_PASSWORD = DEFAULTS["NATS_PASSWORD"]
#: Values of ``AUTH_BUS_ENV``.
ENVIRONMENTS = ("development", "test", "production")

_SOURCE_TREE = Path(__file__).resolve().parents[2]


def _source_tree_env() -> Path | None:
    """``streamlit-app/.env`` when this package runs from its source tree (not from a wheel)."""
    if _SOURCE_TREE.joinpath("pyproject.toml").is_file() and Path(__file__).resolve().parents[1].name == "src":
        return _SOURCE_TREE / ".env"
    return None


def _app_dir() -> Path | None:
    """The folder of the Streamlit app's main script, inside a Streamlit run."""
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx(suppress_warning=True)
    except Exception:  # noqa: BLE001 - Streamlit absent or not running: no app folder
        return None
    if ctx is None or not getattr(ctx, "main_script_path", None):
        return None
    return Path(ctx.main_script_path).resolve().parent


class ConfigError(ValueError):
    """A configuration value is present but unusable (e.g. BUS_TIMEOUT_MS is not a number)."""


@dataclass(frozen=True)
class Settings:
    """Everything the package needs to know about its surroundings.

    Attributes:
        nats_url: NATS server URL(s), comma-separated for a cluster.
        nats_user: NATS user (``streamlit-host``: may request api.*, auth.verify, audit.query).
        nats_password: its password (hidden from ``repr``).
        component_url: URL of the component frame: component-web's ``/streamlit`` page. It is a
            server (the login popup's routes, the session hand-off), in development and in a
            deployment alike; there is no folder of static files to serve instead.
        relay_url: host-relay's WebSocket, handed to the component frame.
        auth0_audience: the API identifier access tokens are issued for (shown in debug info;
            auth-service enforces it).
        bus_timeout_ms: default deadline of a bus request.
        bus_retries: extra attempts of an idempotent request after UNAVAILABLE/TIMEOUT.
        hostname: the host's display name handed to the component.
        environment: ``AUTH_BUS_ENV`` — ``development`` (default), ``test`` or ``production``.
        component_self_check: whether ``login_bar()`` checks from the server that component-web
            and host-relay can serve the page, and says what to fix when not.
        bridge_routes_file: http-bridge's routes file, so that ``call_api("/api/legacy/…")``
            finds a bridged path's subject (absolute; ``None``: the contract's routes only).
    """

    nats_url: str = DEFAULTS["NATS_URL"]
    nats_user: str = DEFAULTS["NATS_USER"]
    nats_password: str = field(default=DEFAULTS["NATS_PASSWORD"], repr=False)
    component_url: str = DEFAULTS["COMPONENT_URL"]
    relay_url: str = DEFAULTS["RELAY_URL"]
    auth0_audience: str = DEFAULTS["AUTH0_AUDIENCE"]
    bus_timeout_ms: int = int(DEFAULTS["BUS_TIMEOUT_MS"])
    bus_retries: int = int(DEFAULTS["BUS_RETRIES"])
    hostname: str = DEFAULTS["APP_HOSTNAME"]
    environment: str = DEFAULTS["AUTH_BUS_ENV"]
    component_self_check: bool = True
    bridge_routes_file: str | None = None

    @property
    def production(self) -> bool:
        """Production mode (``AUTH_BUS_ENV=production``): development secrets are refused."""
        return self.environment == "production"

    @property
    def bus_timeout(self) -> float:
        """The default bus deadline in seconds."""
        return self.bus_timeout_ms / 1000.0

    @property
    def nats_servers(self) -> list[str]:
        return [s.strip() for s in self.nats_url.split(",") if s.strip()]

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_mapping(cls, values: Mapping[str, str | None]) -> Settings:
        """Builds settings from variables (missing or empty values take the defaults).

        Raises:
            ConfigError: a value is unusable.
        """

        def get(name: str, *aliases: str) -> str:
            """The first of ``name`` and its ``aliases`` (the article's names) that is set, else the default."""
            for key in (name, *aliases):
                raw = values.get(key)
                if isinstance(raw, str) and raw.strip():
                    return raw.strip()
            return DEFAULTS[name]

        timeout_raw = get("BUS_TIMEOUT_MS")
        try:
            timeout_ms = int(timeout_raw)
        except ValueError:
            raise ConfigError(f"BUS_TIMEOUT_MS must be an integer number of milliseconds, got {timeout_raw!r}") from None
        if not 1 <= timeout_ms <= 600_000:
            raise ConfigError(f"BUS_TIMEOUT_MS must be between 1 and 600000, got {timeout_ms}")
        retries_raw = get("BUS_RETRIES")
        try:
            retries = int(retries_raw)
        except ValueError:
            raise ConfigError(f"BUS_RETRIES must be a whole number, got {retries_raw!r}") from None
        if not 0 <= retries <= 10:
            raise ConfigError(f"BUS_RETRIES must be between 0 and 10, got {retries}")
        nats_url = get("NATS_URL")
        if not all(s.strip().startswith(("nats://", "tls://", "ws://", "wss://")) for s in nats_url.split(",") if s.strip()):
            raise ConfigError(f"NATS_URL must be nats://host:port (or tls://, ws://), got {nats_url!r}")
        component_url = get("COMPONENT_URL")
        if not component_url.startswith(("http://", "https://")):
            raise ConfigError(f"COMPONENT_URL must be an http(s) URL, got {component_url!r}")
        relay_url = get("RELAY_URL")
        if not relay_url.startswith(("ws://", "wss://")):
            raise ConfigError(f"RELAY_URL must be a ws(s):// URL, got {relay_url!r}")
        environment = get("AUTH_BUS_ENV").lower()
        if environment not in ENVIRONMENTS:
            raise ConfigError(f"AUTH_BUS_ENV must be one of {', '.join(ENVIRONMENTS)}, got {environment!r}")
        nats_password = get("NATS_PASSWORD")
        if environment == "production" and nats_password == DEV_NATS_PASSWORD:
            raise ConfigError(
                "NATS_PASSWORD is the development password of streamlit-host; production mode "
                "(AUTH_BUS_ENV=production) needs the real one (= NATS_STREAMLIT_HOST_PASSWORD of the NATS server)"
            )
        self_check_raw = get("COMPONENT_SELF_CHECK").lower()
        if self_check_raw not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
            raise ConfigError(f"COMPONENT_SELF_CHECK must be true or false, got {self_check_raw!r}")
        if (values.get("COMPONENT_BUILD_DIR") or "").strip():
            raise ConfigError(
                "COMPONENT_BUILD_DIR is not supported: the login frame needs component-web running as a "
                "server (its popup and session routes); set COMPONENT_URL to its /streamlit page instead"
            )
        routes_file = get("BRIDGE_ROUTES_FILE") or None
        if routes_file is not None:
            routes_path = Path(routes_file).expanduser()
            if not routes_path.is_absolute():
                routes_path = Path.cwd() / routes_path
            if not routes_path.is_file():
                raise ConfigError(f"BRIDGE_ROUTES_FILE {str(routes_path)!r} is not a file")
            routes_file = str(routes_path.resolve())
        return cls(
            nats_url=nats_url,
            nats_user=get("NATS_USER"),
            nats_password=nats_password,
            component_url=component_url,
            relay_url=relay_url,
            auth0_audience=get("AUTH0_AUDIENCE", "API_AUDIENCE"),
            bus_timeout_ms=timeout_ms,
            bus_retries=retries,
            hostname=get("APP_HOSTNAME"),
            environment=environment,
            component_self_check=self_check_raw in ("true", "1", "yes", "on"),
            bridge_routes_file=routes_file,
        )


def _env_file(environ: Mapping[str, str]) -> Path | None:
    explicit = environ.get("AUTH0_BUS_ENV_FILE")
    if explicit:
        return Path(explicit)
    app_dir = _app_dir()
    for candidate in (_source_tree_env(), app_dir / ".env" if app_dir else None, Path.cwd() / ".env"):
        if candidate is not None and candidate.is_file():
            return candidate
    return None


def load_settings(environ: Mapping[str, str] | None = None, env_file: str | Path | None = None) -> Settings:
    """Reads settings: ``environ`` (default ``os.environ``) over the ``.env`` file over defaults.

    Args:
        environ: variables to use instead of the process environment.
        env_file: a specific ``.env`` file (default: see the module docstring). A missing file
            is not an error.
    """
    env = dict(os.environ if environ is None else environ)
    path = Path(env_file) if env_file is not None else _env_file(env)
    merged: dict[str, str | None] = {}
    if path is not None and path.is_file():
        merged.update(dotenv_values(path))
    merged.update({k: v for k, v in env.items() if k in DEFAULTS})
    return Settings.from_mapping(merged)
