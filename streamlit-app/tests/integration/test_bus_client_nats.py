"""The bus client against a real nats-server (infra/nats/nats.conf, real users and permissions)
with stand-in responders: wire format, headers, typed errors, outages, reconnects, threads."""

from __future__ import annotations

import concurrent.futures
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from streamlit_auth0_bus import BusClient, Settings
from streamlit_auth0_bus.errors import (
    BusTimeoutError,
    ForbiddenError,
    InvalidMessageError,
    NotFoundError,
    RateLimitedError,
    UnauthenticatedError,
    UnavailableError,
)
from tests.integration.stack import NatsServer
from tests.integration.stubs import StubResponder, body

AT = "2026-01-01T00:00:00.000Z"
TOKEN = "header.payload.signature"


def reply_for(subject: str, data: bytes, headers: dict[str, str]) -> bytes | None:
    if subject == "api.ping":
        return body({"data": "Hello from a PUBLIC endpoint!", "instance": "stub-1", "at": AT})
    if subject == "api.pong":
        auth = headers.get("Authorization", "")
        if auth != f"Bearer {TOKEN}":
            return body({"error": {"code": "UNAUTHENTICATED", "message": "No bearer token was presented", "reason": "missing"}})
        return body({"data": "Hello from a SECURE endpoint!", "sub": "auth0|stub", "instance": "stub-1", "at": AT})
    if subject == "api.pong-scoped":
        return body({"error": {"code": "FORBIDDEN", "message": "Missing permission: read:messages", "reason": "missing_permission", "permission": "read:messages"}})
    return None


@pytest.fixture(scope="module")
def nats_server() -> Iterator[NatsServer]:
    server = NatsServer()
    yield server
    server.dispose()


@pytest.fixture(scope="module")
def client(nats_server: NatsServer) -> Iterator[BusClient]:
    with nats_server.host_client(bus_timeout_ms=1500) as c:
        yield c


@pytest.fixture()
def api_stub(nats_server: NatsServer) -> Iterator[StubResponder]:
    stub = StubResponder(nats_server.url, "api-service", nats_server.password("api-service"), ["api.>"], reply_for)
    yield stub
    stub.close()


def test_reply_is_validated_and_returned(client: BusClient, api_stub: StubResponder) -> None:
    assert client.request("api.ping") == {"data": "Hello from a PUBLIC endpoint!", "instance": "stub-1", "at": AT}
    subject, data, headers = api_stub.seen[-1]
    assert (subject, json.loads(data), headers.get("Authorization")) == ("api.ping", {}, None)


def test_token_travels_in_the_header_never_in_the_body(client: BusClient, api_stub: StubResponder) -> None:
    reply = client.request("api.pong", {}, token=TOKEN)
    assert reply["sub"] == "auth0|stub"
    _, data, headers = api_stub.seen[-1]
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert TOKEN.encode() not in data


def test_error_replies_become_typed_errors(client: BusClient, api_stub: StubResponder) -> None:
    with pytest.raises(UnauthenticatedError) as unauth:
        client.request("api.pong")
    assert unauth.value.reason == "missing"
    with pytest.raises(ForbiddenError) as forbidden:
        client.request("api.pong-scoped", token=TOKEN)
    assert (forbidden.value.code, forbidden.value.permission) == ("FORBIDDEN", "read:messages")


def test_no_responders_is_unavailable_at_once(client: BusClient) -> None:
    started = time.monotonic()
    with pytest.raises(UnavailableError) as caught:
        client.request("api.ping", timeout=10)
    assert caught.value.code == "UNAVAILABLE"
    assert time.monotonic() - started < 5  # answered by the server, not by waiting out the deadline


def test_a_silent_responder_is_a_timeout(client: BusClient, nats_server: NatsServer) -> None:
    stub = StubResponder(nats_server.url, "api-service", nats_server.password("api-service"), ["api.>"], lambda s, d, h: None)
    try:
        started = time.monotonic()
        with pytest.raises(BusTimeoutError) as caught:
            client.request("api.ping", timeout=0.4)
        assert caught.value.code == "TIMEOUT"
        assert time.monotonic() - started >= 0.35  # the deadline was waited out
        with pytest.raises(BusTimeoutError):
            client.request("api.ping")  # the configured default (BUS_TIMEOUT_MS=1500)
    finally:
        stub.close()


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"\xff\xfe",
        body({"data": "x"}),  # reply missing required fields
        body({"data": "x", "instance": "i", "at": AT, "token": "leak"}),  # unexpected field
        body({"error": {"code": "NOPE", "message": "m"}}),  # error reply outside the contract
        body({"error": "flat"}),
        body([1, 2, 3]),
    ],
)
def test_replies_that_break_the_contract_are_invalid_message(client: BusClient, nats_server: NatsServer, raw: bytes) -> None:
    stub = StubResponder(nats_server.url, "api-service", nats_server.password("api-service"), ["api.ping"], lambda s, d, h: raw)
    try:
        with pytest.raises(InvalidMessageError):
            client.request("api.ping")
    finally:
        stub.close()


def test_every_contract_code_comes_through(client: BusClient, nats_server: NatsServer) -> None:
    stub = StubResponder(
        nats_server.url,
        "api-service",
        nats_server.password("api-service"),
        ["api.ping"],
        lambda s, d, h: body({"error": {"code": "RATE_LIMITED", "message": "Too many requests"}}),
    )
    try:
        with pytest.raises(RateLimitedError):
            client.request("api.ping")
    finally:
        stub.close()


def test_invalid_requests_are_never_sent(client: BusClient, api_stub: StubResponder) -> None:
    before = len(api_stub.seen)
    with pytest.raises(InvalidMessageError):
        client.request("api.ping", {"unexpected": True})
    with pytest.raises(InvalidMessageError):
        client.request("audit.query", {"limit": 0}, token=TOKEN)
    with pytest.raises(NotFoundError):
        client.request("api.nope", {})
    with pytest.raises(UnauthenticatedError) as caught:
        client.request("api.pong", token="has space\r\nX-Injected: 1")
    assert caught.value.reason == "malformed"
    with pytest.raises(UnauthenticatedError):
        client.request("api.pong", token="x" * 9000)
    assert len(api_stub.seen) == before


def test_nats_user_without_publish_permission_gets_forbidden(nats_server: NatsServer, api_stub: StubResponder) -> None:
    # audit-reader may not publish on api.ping: the server refuses with a permissions violation.
    settings = Settings(nats_url=nats_server.url, nats_user="audit-reader", nats_password=nats_server.password("audit-reader"))
    with BusClient(settings) as reader:
        assert reader.wait_connected(10)
        with pytest.raises(ForbiddenError) as caught:
            reader.request("api.ping", timeout=1)
        assert caught.value.reason == "permissions_violation"


def test_wrong_password_is_unavailable_not_a_crash(nats_server: NatsServer) -> None:
    settings = Settings(nats_url=nats_server.url, nats_password="wrong")
    with BusClient(settings) as bad:
        with pytest.raises(UnavailableError):
            bad.request("api.ping", timeout=1)
        assert not bad.is_connected


def test_many_threads_share_one_client(client: BusClient, api_stub: StubResponder) -> None:
    def call(i: int) -> dict[str, Any]:
        return client.request("api.pong", token=TOKEN) if i % 2 else client.request("api.ping")

    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        replies = list(pool.map(call, range(200)))
    assert sum("sub" in r for r in replies) == 100
    assert all(r["instance"] == "stub-1" for r in replies)


def test_nats_down_is_unavailable_and_the_client_reconnects() -> None:
    server = NatsServer()
    try:
        client = BusClient(Settings(nats_url=server.url, nats_password=server.password("streamlit-host")), reconnect_time_wait=0.2)
        try:
            assert client.wait_connected(10)
            stub = StubResponder(server.url, "api-service", server.password("api-service"), ["api.>"], reply_for)
            assert client.request("api.ping")["instance"] == "stub-1"
            stub.close()
            server.stop()
            started = time.monotonic()
            with pytest.raises(UnavailableError):
                client.request("api.ping", timeout=10)
            assert time.monotonic() - started < 5  # fails fast during an outage, not at the deadline
            server.start()  # same ports, as a real restart
            assert client.wait_connected(15), client.last_error
            stub = StubResponder(server.url, "api-service", server.password("api-service"), ["api.>"], reply_for)
            try:
                assert client.request("api.ping")["instance"] == "stub-1"
            finally:
                stub.close()
        finally:
            client.close()
    finally:
        server.dispose()


def test_client_started_before_the_server_connects_later() -> None:
    server_port_holder = NatsServer()
    url, password = server_port_holder.url, server_port_holder.password("streamlit-host")
    server_port_holder.stop()
    client = BusClient(Settings(nats_url=url, nats_password=password), reconnect_time_wait=0.2)
    try:
        with pytest.raises(UnavailableError):
            client.request("api.ping", timeout=0.5)
        server_port_holder.start()
        assert client.wait_connected(15), client.last_error
        with pytest.raises(UnavailableError) as caught:
            client.request("api.ping")  # connected now: no responders, not "not connected"
        assert "No service" in caught.value.message
    finally:
        client.close()
        server_port_holder.dispose()


def test_closed_client_refuses_and_close_is_idempotent(nats_server: NatsServer) -> None:
    c = BusClient(Settings(nats_url=nats_server.url, nats_password=nats_server.password("streamlit-host")))
    assert c.wait_connected(10)
    c.close()
    c.close()
    assert c.is_closed and not c.is_connected
    with pytest.raises(UnavailableError):
        c.request("api.ping")


def test_idempotent_requests_are_retried_after_unavailable(client: BusClient, nats_server: NatsServer) -> None:
    import threading

    stubs: list[StubResponder] = []
    starter = threading.Timer(0.3, lambda: stubs.append(StubResponder(nats_server.url, "api-service", nats_server.password("api-service"), ["api.>"], reply_for)))
    starter.start()
    try:
        with pytest.raises(UnavailableError):
            client.request("api.ping", retries=0)
        reply = client.request("api.ping", retries=6)  # 50+100+200+400 ms of pauses cover the 300 ms gap
        assert reply["instance"] == "stub-1"
    finally:
        starter.join()
        for stub in stubs:
            stub.close()


def test_a_service_answer_is_never_retried(client: BusClient, api_stub: StubResponder) -> None:
    before = len(api_stub.seen)
    with pytest.raises(ForbiddenError):
        client.request("api.pong-scoped", token=TOKEN, retries=5)
    assert len(api_stub.seen) == before + 1
