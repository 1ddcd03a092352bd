"""The self-check's pieces: CSP source matching, the page origin, the bus hints, and the probes
against small local HTTP servers (a closed port, a page with a given CSP)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from streamlit_auth0_bus.config import Settings
from streamlit_auth0_bus.diagnostics import (
    bus_hint,
    diagnose,
    origin_of,
    page_origin_from_headers,
    probe_component,
    probe_relay,
    source_list_admits,
)
from tests.integration.stack import free_port


@pytest.mark.parametrize(
    ("sources", "origin", "admitted"),
    [
        (["http://localhost:4010", "http://127.0.0.1:4010"], "http://localhost:4010", True),
        (["http://localhost:4010", "http://127.0.0.1:4010"], "http://localhost:8501", False),
        (["http://localhost:4010"], "http://127.0.0.1:4010", False),
        (["http://localhost:*"], "http://localhost:8501", True),
        (["http://localhost:*"], "http://127.0.0.1:8501", False),
        (["'none'"], "http://localhost:4010", False),
        (["*"], "https://app.example.com", True),
        (["https:"], "https://app.example.com", True),
        (["https:"], "http://app.example.com", False),
        (["https://*.example.com"], "https://app.example.com", True),
        (["https://*.example.com"], "https://example.org", False),
        (["https://app.example.com"], "https://app.example.com", True),
        (["http://app.example.com"], "https://app.example.com", True),
        (["https://app.example.com"], "http://app.example.com", False),
        (["'self'"], "http://localhost:3001", True),
        (["'self'"], "http://localhost:4010", False),
        (["ws://localhost:8888"], "ws://localhost:8888", True),
        (["ws://localhost:8888"], "ws://localhost:9999", False),
        (["'self'", "ws://127.0.0.1:8888"], "ws://localhost:8888", False),
    ],
)
def test_csp_source_lists(sources: list[str], origin: str, admitted: bool) -> None:
    assert source_list_admits(sources, origin, self_origin="http://localhost:3001") is admitted


def test_origins_and_the_page_origin() -> None:
    assert origin_of("http://LocalHost:3001/streamlit?x=1") == "http://localhost:3001"
    assert origin_of("https://app.example.com:443/x") == "https://app.example.com"
    assert origin_of("not a url") is None
    assert page_origin_from_headers({"Origin": "http://localhost:8501", "Host": "ignored:1"}) == "http://localhost:8501"
    assert page_origin_from_headers({"host": "127.0.0.1:8501"}) == "http://127.0.0.1:8501"
    assert page_origin_from_headers({"Host": "app.example.com", "X-Forwarded-Proto": "https"}) == "https://app.example.com"
    assert page_origin_from_headers({}) is None


def test_bus_hints_name_the_setting() -> None:
    s = Settings(nats_url="nats://127.0.0.1:4999")
    down = bus_hint("UNAVAILABLE", s, connected=False, last_error="[Errno 111] Connection refused")
    assert down is not None and "NATS_URL" in down and "nats://127.0.0.1:4999" in down
    creds = bus_hint("UNAVAILABLE", s, connected=False, last_error="nats: 'Authorization Violation'")
    assert creds is not None and "NATS_PASSWORD" in creds and "NATS_USER" in creds
    refused = bus_hint("UNAVAILABLE", s, connected=False, last_error="[Errno 111] Connect call failed ('127.0.0.1', 4999)")
    assert refused is not None and refused.startswith("NATS is not reachable")
    reset = bus_hint("UNAVAILABLE", s, connected=False, last_error="[Errno 104] Connection reset by peer")
    assert reset is not None and "NATS_PASSWORD" in reset and "NATS_URL" in reset
    assert "NATS_URL" in (bus_hint("UNAVAILABLE", s, connected=False, last_error=None) or "")
    service = bus_hint("UNAVAILABLE", s, connected=True, last_error=None)
    assert service is not None and "auth-service" in service and "auth.verify" in service
    slow = bus_hint("TIMEOUT", s, connected=True, last_error=None)
    assert slow is not None and "BUS_TIMEOUT_MS" in slow
    assert bus_hint("UNAUTHENTICATED", s, connected=True, last_error=None) is None


class _Page(BaseHTTPRequestHandler):
    csp = ""
    status = 200

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.send_response(self.status)
        if self.csp:
            self.send_header("Content-Security-Policy", self.csp)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def page_server() -> Iterator[tuple[ThreadingHTTPServer, type[_Page]]]:
    handler = type("Page", (_Page,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, handler
    server.shutdown()
    server.server_close()


def test_component_web_down_names_component_url() -> None:
    url = f"http://127.0.0.1:{free_port()}/streamlit"
    findings = probe_component(Settings(component_url=url), "http://localhost:8501")
    assert len(findings) == 1 and findings[0].setting == "COMPONENT_URL"
    assert url in findings[0].message and "connection refused" in findings[0].message


def test_a_refusing_frame_ancestors_names_streamlit_origins(page_server: tuple[ThreadingHTTPServer, type[_Page]]) -> None:
    server, handler = page_server
    handler.csp = "default-src 'self'; connect-src 'self' ws://localhost:8888; frame-ancestors http://localhost:4010 http://127.0.0.1:4010"
    settings = Settings(component_url=f"http://127.0.0.1:{server.server_port}/streamlit", relay_url="ws://localhost:8888/ws")
    findings = probe_component(settings, "http://localhost:8501")
    assert [f.setting for f in findings] == ["STREAMLIT_ORIGINS"]
    assert findings[0].message.startswith("component-web refused to be framed by http://localhost:8501 — add it to **STREAMLIT_ORIGINS**")
    assert probe_component(settings, "http://localhost:4010") == []
    # the frame may not open the relay it is given
    other_relay = settings.with_overrides(relay_url="ws://localhost:9999/ws")
    assert [f.setting for f in probe_component(other_relay, "http://localhost:4010")] == ["RELAY_ORIGINS"]
    handler.status = 404
    assert [f.setting for f in probe_component(settings, "http://localhost:4010")] == ["COMPONENT_URL"]


def test_relay_down_names_relay_url() -> None:
    relay = f"ws://127.0.0.1:{free_port()}/ws"
    findings = probe_relay(Settings(relay_url=relay), "http://localhost:3001")
    assert len(findings) == 1 and findings[0].setting == "RELAY_URL" and relay in findings[0].message


def test_diagnose_caches_for_a_few_seconds() -> None:
    settings = Settings(component_url=f"http://127.0.0.1:{free_port()}/streamlit", relay_url=f"ws://127.0.0.1:{free_port()}/ws")
    clock = [1000.0]
    first = diagnose(settings, "http://localhost:8501", now=lambda: clock[0])
    assert {f.setting for f in first} == {"COMPONENT_URL", "RELAY_URL"}
    assert diagnose(settings, "http://localhost:8501", now=lambda: clock[0] + 1) == first


def test_a_relay_that_refuses_the_frame_origin_names_relay_allowed_origins(page_server: tuple[ThreadingHTTPServer, type[_Page]]) -> None:
    server, handler = page_server
    settings = Settings(relay_url=f"ws://127.0.0.1:{server.server_port}/ws")
    assert probe_relay(settings, "http://localhost:3001") == []
    handler.status = 403
    findings = probe_relay(settings, "http://localhost:3001")
    assert [f.setting for f in findings] == ["RELAY_ALLOWED_ORIGINS"] and "http://localhost:3001" in findings[0].message
