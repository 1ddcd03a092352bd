"""A synchronous, thread-safe NATS client that speaks the bus contract.

``nats-py`` is asyncio-only, while Streamlit runs each script run in its own thread. A
:class:`BusClient` therefore owns a private event loop on a daemon thread; its synchronous
:meth:`BusClient.request` hands the request to that loop and waits for the result, so any number
of script threads can share one client (and one NATS connection) per process — in Streamlit via
:func:`streamlit_auth0_bus.helpers.get_bus_client`, which caches it with ``st.cache_resource``.

Everything sent and received is validated against the exported JSON Schemas; every failure is a
:class:`~streamlit_auth0_bus.errors.BusError` with a contract code:

============================================  ==================================
what happened                                  error
============================================  ==================================
request body does not match its schema         InvalidMessageError (not sent)
reply does not match its schema                InvalidMessageError
service replied ``{"error": {...}}``           the matching subclass (from_wire)
no service subscribed (no responders)          UnavailableError
not connected / connection lost mid-request    UnavailableError
a responder exists but did not answer in time  BusTimeoutError
the NATS user may not publish on the subject   ForbiddenError (reason permissions_violation)
============================================  ==================================

The connection is kept up forever: nats-py reconnects on its own, and if the connection is ever
closed for good (e.g. after an authorization error) a supervisor task opens a new one.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import re
import threading
import time
from collections import deque
from typing import Any

import nats
import nats.errors as nats_errors
from nats.aio.client import Client as NatsConnection

from ._contract_index import packaged_index
from .config import Settings, load_settings
from .contracts import Contracts, decode_body, encode_body, get_contracts
from .errors import (
    BusError,
    BusTimeoutError,
    ForbiddenError,
    InternalError,
    InvalidMessageError,
    UnauthenticatedError,
    UnavailableError,
    from_wire,
)

__all__ = ["BusClient", "IDEMPOTENT_SUBJECTS", "REPLY_MAX_BYTES", "decode_reply"]

log = logging.getLogger(__name__)

#: Largest reply accepted (NATS's ``max_payload`` in infra/nats/nats.conf).
REPLY_MAX_BYTES = 1024 * 1024

#: Subjects whose requests may be sent again without changing anything twice, from the packaged
#: contract (``idempotent_subjects``; ``IDEMPOTENT_SUBJECTS`` of ``@auth-bus/service-kit/client``). A client
#: retries by its own contract's list (:attr:`Contracts.idempotent_subjects`).
IDEMPOTENT_SUBJECTS: frozenset[str] = frozenset(packaged_index()["idempotent_subjects"])

_TOKEN_RE = re.compile(r"^[\x21-\x7e]+$")
_VIOLATION_RE = re.compile(r'permissions violation for publish to "?([^"\s]+)"?', re.IGNORECASE)


class BusClient:
    """Request–reply on the bus with typed replies and typed errors.

    Args:
        settings: where and as whom to connect (default: :func:`load_settings`).
        name: connection name shown in NATS monitoring.
        contracts: the contract to validate against (default: the packaged export).
        connect_wait: how long (s) a request waits for the first connection, while it is still
            being established, before failing with UNAVAILABLE (capped by the request's timeout).
        outage_wait: the same during a later outage (short, so pages fail fast while NATS is down).
        reconnect_time_wait: pause (s) between reconnection attempts.
        retries: extra attempts for idempotent requests that fail with UNAVAILABLE or TIMEOUT
            (default ``settings.bus_retries``, i.e. ``BUS_RETRIES``, 0); the pause before the
            first retry is ``retry_delay`` seconds, doubled for each further one.

    The connection is opened in the background as soon as the client is created; use
    :meth:`wait_connected` to wait for it. Call :meth:`close` when done (the Streamlit cache does
    it when the resource is released).
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        name: str = "streamlit-host",
        contracts: Contracts | None = None,
        connect_wait: float = 2.0,
        outage_wait: float = 0.25,
        reconnect_time_wait: float = 0.5,
        retries: int | None = None,
        retry_delay: float = 0.05,
    ) -> None:
        self.settings: Settings = settings or load_settings()
        self.name = name
        self.contracts: Contracts = contracts or get_contracts()
        self.connect_wait = connect_wait
        self.outage_wait = outage_wait
        self.retries = self.settings.bus_retries if retries is None else retries
        self.retry_delay = retry_delay
        self._ever_connected = False
        self.reconnect_time_wait = reconnect_time_wait
        self._connected = threading.Event()
        self._closed = threading.Event()
        self._close_lock = threading.Lock()
        self._nc: NatsConnection | None = None
        self._disconnects = 0
        self._last_error: str | None = None
        self._violations: deque[tuple[float, str]] = deque(maxlen=64)
        # Requests waiting for a reply (loop thread only); failed at once when the link drops.
        self._inflight: set[asyncio.Future[Any]] = set()
        self._lost: set[asyncio.Future[Any]] = set()
        self._loop = asyncio.new_event_loop()
        self._loop.set_exception_handler(self._on_loop_exception)
        self._thread = threading.Thread(target=self._run_loop, name=f"bus-client:{name}", daemon=True)
        self._thread.start()
        self._supervisor: concurrent.futures.Future[None] = asyncio.run_coroutine_threadsafe(self._supervise(), self._loop)

    # ---- public API ----------------------------------------------------------------------------

    @property
    def is_connected(self) -> bool:
        """Whether the NATS connection is up right now."""
        return self._connected.is_set()

    @property
    def is_closed(self) -> bool:
        return self._closed.is_set()

    @property
    def last_error(self) -> str | None:
        """The last connection error seen (for diagnostics; never contains credentials)."""
        return self._last_error

    @property
    def default_timeout(self) -> float:
        """The default request deadline in seconds (``BUS_TIMEOUT_MS``)."""
        return self.settings.bus_timeout

    def wait_connected(self, timeout: float = 5.0) -> bool:
        """Blocks until connected or ``timeout`` seconds pass; returns whether connected."""
        return self._connected.wait(timeout)

    def request(
        self,
        subject: str,
        payload: dict[str, Any] | None = None,
        token: str | None = None,
        timeout: float | None = None,
        retries: int | None = None,
    ) -> dict[str, Any]:
        """Sends a request and returns the validated reply.

        Args:
            subject: a request–reply subject of the contract (:meth:`Contracts.subject`).
            payload: the request body (``None`` means ``{}``); validated before it is sent.
            token: bearer token, sent as ``Authorization: Bearer …`` in the NATS headers.
            timeout: deadline in seconds (default ``BUS_TIMEOUT_MS``), per attempt.
            retries: extra attempts after UNAVAILABLE or TIMEOUT, for idempotent subjects only
                (default: the client's ``retries``, i.e. ``BUS_RETRIES``); never after a
                service's own answer.

        Returns:
            The reply body, validated against the subject's reply schema.

        Raises:
            BusError: a subclass per contract code (see the module docstring).
        """
        if self._closed.is_set():
            raise UnavailableError("The bus client is closed")
        body_value: dict[str, Any] = {} if payload is None else payload
        self.contracts.validate_request(subject, body_value)
        body = encode_body(body_value, max_bytes=self.contracts.max_body_bytes)
        headers = self._headers(token)
        deadline = self.default_timeout if timeout is None else float(timeout)
        if deadline <= 0:
            raise InvalidMessageError("timeout must be positive")

        attempts = 1 + (max(0, self.retries if retries is None else retries) if subject in self.contracts.idempotent_subjects else 0)
        delay = self.retry_delay
        for attempt in range(1, attempts + 1):
            try:
                data = self._send(subject, body, headers, deadline)
                break
            except (UnavailableError, BusTimeoutError) as err:
                if attempt >= attempts or self._closed.is_set():
                    raise
                log.info("retrying %s after %s (attempt %d of %d)", subject, err.code, attempt, attempts)
                time.sleep(delay)
                delay *= 2
        return decode_reply(subject, data, self.contracts)

    def _send(self, subject: str, body: bytes, headers: dict[str, str] | None, deadline: float) -> bytes:
        """One attempt: waits briefly for a connection, then the request on the loop thread."""
        started = time.monotonic()
        wait = self.outage_wait if self._ever_connected else self.connect_wait
        if not self._connected.is_set() and not self._connected.wait(min(deadline, wait)):
            raise UnavailableError(self._not_connected_message())
        remaining = max(0.001, deadline - (time.monotonic() - started))
        future = asyncio.run_coroutine_threadsafe(self._request(subject, body, headers, remaining, deadline), self._loop)
        try:
            return future.result(remaining + 5.0)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise BusTimeoutError(f"No reply on {subject} within {round(deadline * 1000)} ms") from None
        except BusError:
            raise
        except concurrent.futures.CancelledError:
            raise UnavailableError("The bus client was closed during the request") from None
        except Exception as exc:  # anything else is a bug: report it as INTERNAL, log the details
            log.exception("unexpected failure of a bus request on %s", subject)
            raise InternalError("Internal error") from exc


    def close(self, timeout: float = 5.0) -> None:
        """Closes the connection and stops the loop thread (idempotent)."""
        with self._close_lock:
            if self._closed.is_set():
                return
            self._closed.set()
        try:
            asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout)
        except Exception:  # closing must never raise
            log.debug("bus client shutdown was not clean", exc_info=True)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout)
        if not self._thread.is_alive():
            self._loop.close()

    def __enter__(self) -> BusClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.is_closed else ("connected" if self.is_connected else "connecting")
        return f"BusClient(servers={self.settings.nats_servers!r}, user={self.settings.nats_user!r}, {state})"

    # ---- internals -----------------------------------------------------------------------------

    def _headers(self, token: str | None) -> dict[str, str] | None:
        if token is None:
            return None
        if not isinstance(token, str) or not token:
            raise UnauthenticatedError("No bearer token was presented", reason="missing")
        if len(token) > self.contracts.max_token_chars or not _TOKEN_RE.match(token):
            raise UnauthenticatedError("The bearer token is not a well-formed JWT", reason="malformed")
        return {self.contracts.headers["authorization"]: f"Bearer {token}"}

    def _not_connected_message(self) -> str:
        detail = f": {self._last_error}" if self._last_error else ""
        return f"Not connected to the bus at {', '.join(self.settings.nats_servers)}{detail}"

    def _run_loop(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    def _on_loop_exception(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        log.debug("bus client loop: %s", context.get("message"), exc_info=exc)

    async def _supervise(self) -> None:
        """Keeps a connection open until :meth:`close`; replaces it if it is ever closed for good."""
        while not self._closed.is_set():
            closed = asyncio.Event()
            nc = NatsConnection()

            async def on_error(err: Exception) -> None:
                text = str(err) or type(err).__name__
                match = _VIOLATION_RE.search(text)
                if match:
                    self._violations.append((time.monotonic(), match.group(1)))
                else:
                    self._last_error = text[:200]

            async def on_disconnected() -> None:
                self._connected.clear()
                self._disconnects += 1
                for waiting in list(self._inflight):
                    self._lost.add(waiting)
                    waiting.cancel()

            async def on_reconnected() -> None:
                self._connected.set()

            async def on_closed() -> None:
                self._connected.clear()
                closed.set()

            try:
                await nc.connect(
                    servers=self.settings.nats_servers,
                    user=self.settings.nats_user,
                    password=self.settings.nats_password,
                    name=self.name,
                    # Replies arrive under this user's own inbox prefix, the only inboxes
                    # infra/nats/nats.conf lets it read (and the only ones services answer).
                    inbox_prefix=f"_INBOX_{self.settings.nats_user}",
                    allow_reconnect=True,
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=self.reconnect_time_wait,  # type: ignore[arg-type]
                    connect_timeout=2,
                    ping_interval=20,
                    max_outstanding_pings=3,
                    error_cb=on_error,
                    disconnected_cb=on_disconnected,
                    reconnected_cb=on_reconnected,
                    closed_cb=on_closed,
                )
            except asyncio.CancelledError:
                await _quiet_close(nc)
                raise
            except Exception as exc:
                self._last_error = (str(exc) or type(exc).__name__)[:200]
                await _quiet_close(nc)
                await asyncio.sleep(self.reconnect_time_wait)
                continue
            self._nc = nc
            self._last_error = None
            self._ever_connected = True
            self._connected.set()
            try:
                await closed.wait()
            finally:
                self._connected.clear()
                self._nc = None
            if not self._closed.is_set():
                await asyncio.sleep(self.reconnect_time_wait)

    async def _shutdown(self) -> None:
        self._supervisor.cancel()
        nc = self._nc
        self._nc = None
        self._connected.clear()
        if nc is not None:
            await _quiet_close(nc)
        tasks = [t for t in asyncio.all_tasks(self._loop) if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _request(self, subject: str, body: bytes, headers: dict[str, str] | None, timeout: float, deadline: float) -> bytes:
        nc = self._nc
        if nc is None or not nc.is_connected:
            raise UnavailableError(self._not_connected_message())
        started = time.monotonic()
        disconnects = self._disconnects
        pending: asyncio.Future[Any] = asyncio.ensure_future(nc.request(subject, body, timeout=timeout, headers=headers))
        self._inflight.add(pending)
        try:
            msg = await pending
        except asyncio.CancelledError:
            if pending in self._lost:  # the connection dropped while waiting: fail now, not at the deadline
                raise UnavailableError(f"The bus connection was lost during the request on {subject}") from None
            pending.cancel()
            raise
        except nats_errors.NoRespondersError:
            raise UnavailableError(f"No service is answering on {subject}") from None
        except nats_errors.TimeoutError:
            if any(at >= started and s == subject for at, s in self._violations):
                raise ForbiddenError(f"Not allowed to use {subject}", reason="permissions_violation") from None
            if self._disconnects != disconnects:
                raise UnavailableError(f"The bus connection was lost during the request on {subject}") from None
            raise BusTimeoutError(f"No reply on {subject} within {round(deadline * 1000)} ms") from None
        except (nats_errors.ConnectionClosedError, nats_errors.ConnectionReconnectingError, nats_errors.ConnectionDrainingError):
            raise UnavailableError(f"The bus connection is not available for {subject}") from None
        except nats_errors.MaxPayloadError:
            raise InvalidMessageError(f"The request on {subject} exceeds the server's max payload") from None
        except (nats_errors.Error, OSError) as exc:
            raise UnavailableError(f"Bus unavailable ({type(exc).__name__})") from None
        finally:
            self._inflight.discard(pending)
            self._lost.discard(pending)
        return bytes(msg.data)


def decode_reply(subject: str, data: bytes, contracts: Contracts | None = None) -> dict[str, Any]:
    """Decodes and validates a raw reply body: returns the reply, or raises the typed error it carries.

    Raises:
        BusError: the error of an ``{"error": {...}}`` reply (validated against
            ``error-reply.v1``), or InvalidMessageError / PayloadTooLargeError for a body that
            breaks the contract.
    """
    contracts = contracts or get_contracts()
    reply = decode_body(data, max_bytes=REPLY_MAX_BYTES)
    if isinstance(reply, dict) and "error" in reply:
        contracts.validate_error_reply(reply, f"{subject} error reply")
        raise from_wire(reply["error"])
    validated: dict[str, Any] = contracts.validate_reply(subject, reply)
    return validated


async def _quiet_close(nc: NatsConnection) -> None:
    try:
        await nc.close()
    except Exception:  # pragma: no cover - best effort
        pass


# Re-exported for callers that want the raw nats module (e.g. tests checking versions).
NATS_VERSION: str = getattr(nats, "__version__", "unknown")
