"""Why the login component cannot work, said in one sentence with the setting that fixes it.

A browser gives the page no reason when it refuses to frame the component (component-web's
``Content-Security-Policy: frame-ancestors`` does not admit the Streamlit page's origin), when
component-web is down, or when host-relay cannot be reached: the user sees an empty bar. So the
host checks from the server, with short timeouts, cached for a few seconds:

* component-web: ``GET COMPONENT_URL`` — reachable? does its ``frame-ancestors`` (or
  ``X-Frame-Options``) admit the page's origin (from ``st.context.headers``)? does its
  ``connect-src`` let the frame open ``RELAY_URL``?
* host-relay: ``/healthz`` beside ``RELAY_URL``, asked with the frame's ``Origin`` — reachable?
  does ``RELAY_ALLOWED_ORIGINS`` admit the frame?

and, for the first verification, :func:`bus_hint` turns an UNAVAILABLE/TIMEOUT from the bus into
what to check (NATS_URL, NATS_USER/NATS_PASSWORD, auth-service).

Everything here is best-effort: a probe that cannot decide says nothing.
"""

from __future__ import annotations

import concurrent.futures
import http.client
import re
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .config import Settings

__all__ = [
    "Finding",
    "diagnose",
    "probe_component",
    "probe_relay",
    "bus_hint",
    "origin_of",
    "source_list_admits",
    "page_origin_from_headers",
    "CACHE_SECONDS",
    "PROBE_TIMEOUT",
]

#: How long one diagnosis is reused (per component URL, relay URL and page origin).
CACHE_SECONDS = 4.0
#: Deadline of each probe request, in seconds.
PROBE_TIMEOUT = 1.5

#: Said with every "not reachable": the check runs where Streamlit runs, not in the browser.
_FROM_SERVER = (
    "(Checked from the Streamlit server; if only browsers can reach that URL — e.g. the app runs "
    "in a container — set COMPONENT_SELF_CHECK=false.)"
)

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


@dataclass(frozen=True)
class Finding:
    """One thing that keeps the login component from working.

    Attributes:
        part: ``component-web`` or ``host-relay``.
        message: what is wrong and which setting fixes it (Markdown).
        setting: the variable to change.
    """

    part: str
    message: str
    setting: str


# ---- origins and CSP source lists ---------------------------------------------------------------


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of a URL (default ports left out), lower-case; ``None`` if not a URL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname:
        return None
    scheme = parts.scheme.lower()
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    if port is None or port == _DEFAULT_PORTS.get(scheme):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def page_origin_from_headers(headers: Mapping[str, str]) -> str | None:
    """The Streamlit page's origin from the request headers of its session (``Origin``, else
    ``X-Forwarded-Proto`` + ``Host``)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    origin = lowered.get("origin", "").strip()
    if origin and origin != "null":
        return origin_of(origin)
    host = lowered.get("x-forwarded-host") or lowered.get("host")
    if not host:
        return None
    scheme = (lowered.get("x-forwarded-proto") or "http").split(",")[0].strip()
    return origin_of(f"{scheme}://{host.split(',')[0].strip()}")


def _scheme_part_matches(source_scheme: str, url_scheme: str) -> bool:
    # CSP3 "scheme-part match": http admits https; ws admits wss, http, https; wss admits https.
    allowed = {
        "http": {"http", "https"},
        "https": {"https"},
        "ws": {"ws", "wss", "http", "https"},
        "wss": {"wss", "https"},
    }
    return url_scheme in allowed.get(source_scheme, {source_scheme})


_HOST_SOURCE = re.compile(r"^(?:(?P<scheme>[a-z][a-z0-9+.-]*)://)?(?P<host>\*|(?:\*\.)?[^:/]+|\[[^\]]+\])(?::(?P<port>\d+|\*))?(?P<path>/.*)?$", re.I)


def _source_admits(source: str, url_origin: str, self_origin: str | None) -> bool:
    s = source.strip()
    low = s.lower()
    parts = urlsplit(url_origin)
    scheme = parts.scheme
    host = (parts.hostname or "").lower()
    port = parts.port or _DEFAULT_PORTS.get(scheme)
    if low == "*":
        return scheme in ("http", "https", "ws", "wss")
    if low == "'self'":
        if self_origin is None:
            return False
        own = urlsplit(self_origin)
        own_port = own.port or _DEFAULT_PORTS.get(own.scheme)
        same_host = (own.hostname or "").lower() == host and own_port == port
        return same_host and (own.scheme == scheme or _scheme_part_matches(own.scheme, scheme) or (own.scheme, scheme) in {("http", "ws"), ("https", "wss")})
    if low.startswith("'"):
        return False  # 'none', nonces, hashes, keywords
    if re.fullmatch(r"[a-z][a-z0-9+.-]*:", low):
        return _scheme_part_matches(low[:-1], scheme)
    m = _HOST_SOURCE.match(s)
    if not m:
        return False
    src_scheme = (m.group("scheme") or "").lower()
    if src_scheme and not _scheme_part_matches(src_scheme, scheme):
        return False
    if not src_scheme and self_origin is not None and not _scheme_part_matches(urlsplit(self_origin).scheme, scheme):
        return False
    src_host = m.group("host").lower()
    if src_host == "*":
        pass
    elif src_host.startswith("*."):
        if not host.endswith(src_host[1:]):
            return False
    elif src_host.strip("[]") != host.strip("[]"):
        return False
    src_port = m.group("port")
    if src_port == "*":
        return True
    if src_port is None:
        default = _DEFAULT_PORTS.get(src_scheme or scheme)
        return port == default or (src_scheme == "http" and scheme == "https" and port == 443) or (src_scheme == "ws" and scheme == "wss" and port == 443)
    return int(src_port) == port


def source_list_admits(sources: list[str], url_origin: str, self_origin: str | None = None) -> bool:
    """Whether a CSP source list (e.g. the values of ``frame-ancestors``) admits ``url_origin``."""
    return any(_source_admits(source, url_origin, self_origin) for source in sources)


def _csp_directives(header: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        tokens = part.split()
        if tokens:
            directives.setdefault(tokens[0].lower(), tokens[1:])
    return directives


# ---- probes -------------------------------------------------------------------------------------


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, ConnectionRefusedError) or "refused" in text.lower():
        return "connection refused"
    if isinstance(exc, (TimeoutError, OSError)) and "timed out" in text.lower():
        return "no answer in time"
    return text[:120]


def _connection(url: str, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    parts = urlsplit(url)
    secure = parts.scheme in ("https", "wss")
    host = parts.hostname or "localhost"
    port = parts.port or (443 if secure else 80)
    path = parts.path or "/"
    if parts.query:
        path += f"?{parts.query}"
    if secure:
        return http.client.HTTPSConnection(host, port, timeout=timeout, context=ssl.create_default_context()), path
    return http.client.HTTPConnection(host, port, timeout=timeout), path


def _get(url: str, timeout: float, headers: Mapping[str, str] | None = None) -> tuple[int, dict[str, str]]:
    conn, path = _connection(url, timeout)
    try:
        conn.request("GET", path, headers=dict(headers or {}))
        res = conn.getresponse()
        found = {k.lower(): v for k, v in res.getheaders()}
        return res.status, found
    finally:
        conn.close()


def _get_or_finding(
    part: str, variable: str, url: str, timeout: float, headers: Mapping[str, str], unreachable: Callable[[str], str]
) -> tuple[int, dict[str, str]] | Finding:
    """``_get``, or the finding that ``part`` is not reachable (``unreachable`` words it, given the error)."""
    try:
        return _get(url, timeout, headers)
    except (OSError, http.client.HTTPException) as exc:
        return Finding(part, unreachable(_short(exc)) + _FROM_SERVER, variable)


def probe_component(settings: Settings, page_origin: str | None, timeout: float = PROBE_TIMEOUT) -> list[Finding]:
    """component-web: reachable, willing to be framed by ``page_origin``, letting the frame reach the relay."""
    url = settings.component_url
    got = _get_or_finding(
        "component-web",
        "COMPONENT_URL",
        url,
        timeout,
        {"Accept": "text/html"},
        lambda error: f"The login component cannot load: component-web is not reachable at {url} ({error}). "
        "Start it (`npm start` runs everything) or set **COMPONENT_URL** to where it runs. ",
    )
    if isinstance(got, Finding):
        return [got]
    status, headers = got
    if status >= 400:
        return [
            Finding(
                "component-web",
                f"The login component cannot load: {url} answered HTTP {status}. Check **COMPONENT_URL** "
                "(component-web's frame page, e.g. http://localhost:3001/streamlit).",
                "COMPONENT_URL",
            )
        ]
    findings: list[Finding] = []
    self_origin = origin_of(url)
    csp = _csp_directives(headers.get("content-security-policy", ""))
    if page_origin is not None:
        ancestors = csp.get("frame-ancestors")
        refused = False
        if ancestors is not None:
            refused = not source_list_admits(ancestors, page_origin, self_origin)
        else:
            xfo = headers.get("x-frame-options", "").strip().lower()
            refused = xfo == "deny" or (xfo == "sameorigin" and page_origin != self_origin)
        if refused:
            findings.append(
                Finding(
                    "component-web",
                    f"component-web refused to be framed by {page_origin} — add it to **STREAMLIT_ORIGINS** "
                    f"(component-web's setting; it allows {' '.join(ancestors or ['no other origin'])} now).",
                    "STREAMLIT_ORIGINS",
                )
            )
    connect = csp.get("connect-src", csp.get("default-src"))
    relay_origin = origin_of(settings.relay_url)
    if connect is not None and relay_origin is not None and not source_list_admits(connect, relay_origin, self_origin):
        findings.append(
            Finding(
                "component-web",
                f"component-web does not let the frame connect to host-relay at {relay_origin} — add it to "
                "**RELAY_ORIGINS** (component-web's setting), or point **RELAY_URL** at a relay it allows.",
                "RELAY_ORIGINS",
            )
        )
    return findings


def _health_url(relay_url: str) -> str:
    parts = urlsplit(relay_url)
    scheme = "https" if parts.scheme == "wss" else "http"
    return f"{scheme}://{parts.netloc}/healthz"


def probe_relay(settings: Settings, frame_origin: str | None, timeout: float = PROBE_TIMEOUT) -> list[Finding]:
    """host-relay: reachable, and admitting the frame's origin — one ``GET /healthz`` beside
    ``RELAY_URL`` that carries the frame's ``Origin`` (the relay applies one origin policy to its
    WebSocket and its HTTP routes, and refuses a listed-out origin with 403)."""
    relay = settings.relay_url
    headers = {"Origin": frame_origin} if frame_origin else {}
    got = _get_or_finding(
        "host-relay",
        "RELAY_URL",
        _health_url(relay),
        timeout,
        headers,
        lambda error: f"The login component cannot reach host-relay at {relay} ({error}). Start it "
        "(`npm start` runs everything) or set **RELAY_URL** to its WebSocket. ",
    )
    if isinstance(got, Finding):
        return [got]
    status, _ = got
    if status == 403 and frame_origin:
        return [
            Finding(
                "host-relay",
                f"host-relay refuses the login component's connection from {frame_origin} — add it to "
                "**RELAY_ALLOWED_ORIGINS** (host-relay's setting).",
                "RELAY_ALLOWED_ORIGINS",
            )
        ]
    if status >= 400:
        return [Finding("host-relay", f"host-relay at {relay} answered HTTP {status} on /healthz — check **RELAY_URL**.", "RELAY_URL")]
    return []


_cache: dict[tuple[Any, ...], tuple[float, list[Finding]]] = {}
_cache_lock = threading.Lock()


def diagnose(
    settings: Settings,
    page_origin: str | None,
    *,
    now: Callable[[], float] = time.monotonic,
    timeout: float = PROBE_TIMEOUT,
) -> list[Finding]:
    """Every reason the login component cannot work here, probing component-web and host-relay in
    parallel (each with ``timeout``); the result is reused for :data:`CACHE_SECONDS`."""
    frame_origin = origin_of(settings.component_url)
    key = (settings.component_url, settings.relay_url, page_origin)
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None and hit[0] > now():
            return list(hit[1])
    with concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="auth0-bus-diagnose") as pool:
        component = pool.submit(probe_component, settings, page_origin, timeout)
        relay = pool.submit(probe_relay, settings, frame_origin, timeout)
        findings = component.result() + relay.result()
    with _cache_lock:
        if len(_cache) > 64:
            _cache.clear()
        _cache[key] = (now() + CACHE_SECONDS, findings)
    return list(findings)


#: How "nothing answers at that address" reads in nats-py's / the OS's errors.
_NOTHING_THERE = ("refused", "connect call failed", "errno 111", "timed out", "timeout", "name or service", "no servers available", "unreachable", "name resolution")


def bus_hint(code: str, settings: Settings, *, connected: bool, last_error: str | None) -> str | None:
    """What to check when a verification could not be made (``code`` UNAVAILABLE or TIMEOUT)."""
    servers = ", ".join(settings.nats_servers)
    if code == "UNAVAILABLE" and not connected:
        detail = (last_error or "").lower()
        if "authorization" in detail or "authentication" in detail or "permissions" in detail:
            return (
                f"NATS at {servers} refused the host's credentials — check **NATS_USER** / **NATS_PASSWORD** "
                "(= NATS_STREAMLIT_HOST_PASSWORD of the NATS server)."
            )
        if not detail or any(sign in detail for sign in _NOTHING_THERE):
            return f"NATS is not reachable at {servers} — start it (`npm start` runs everything) or check **NATS_URL**."
        # Something answered and dropped the connection: most often a wrong user or password.
        return (
            f"NATS at {servers} closed the connection ({last_error}) — check **NATS_USER** / **NATS_PASSWORD** "
            "(= NATS_STREAMLIT_HOST_PASSWORD of the NATS server) and **NATS_URL**."
        )
    if code == "UNAVAILABLE":
        return (
            "auth-service is not answering `auth.verify` on the bus — start it (`npm start` runs everything), "
            f"and check that it uses the same NATS server (**NATS_URL** = {servers})."
        )
    if code == "TIMEOUT":
        return f"auth-service did not answer `auth.verify` within **BUS_TIMEOUT_MS** ({settings.bus_timeout_ms} ms) — is it overloaded or stuck?"
    return None
