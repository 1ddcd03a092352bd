"""A stand-in responder on a real nats-server, for bus-client behaviours that the real services
never show (malformed replies, silence, a chosen error), connected as a real NATS user."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from typing import Any

import nats

#: handler(subject, body bytes, headers) -> reply bytes, or None to stay silent.
Handler = Callable[[str, bytes, dict[str, str]], bytes | None]


class StubResponder:
    """Subscribes to ``subjects`` as ``user`` on its own loop thread and answers with ``handler``."""

    def __init__(self, url: str, user: str, password: str, subjects: list[str], handler: Handler) -> None:
        self.handler = handler
        self.seen: list[tuple[str, bytes, dict[str, str]]] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="stub-responder")
        self._thread.start()
        self._nc = asyncio.run_coroutine_threadsafe(self._start(url, user, password, subjects), self._loop).result(10)

    async def _start(self, url: str, user: str, password: str, subjects: list[str]) -> Any:
        nc = await nats.connect(url, user=user, password=password, name="stub-responder", max_reconnect_attempts=0)

        async def on_msg(msg: Any) -> None:
            headers = dict(msg.headers or {})
            self.seen.append((msg.subject, bytes(msg.data), headers))
            reply = self.handler(msg.subject, bytes(msg.data), headers)
            if reply is not None and msg.reply:
                await msg.respond(reply)

        self._subs = [await nc.subscribe(subject, cb=on_msg) for subject in subjects]
        await nc.flush()
        return nc

    def close(self) -> None:
        async def _close() -> None:
            # Unsubscribe and wait for the server to confirm (flush), so that a request made right
            # after close() can never be routed to this responder any more.
            for sub in self._subs:
                await sub.unsubscribe()
            await self._nc.flush()
            await self._nc.close()

        try:
            asyncio.run_coroutine_threadsafe(_close(), self._loop).result(5)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)


def body(value: Any) -> bytes:
    return json.dumps(value).encode()
