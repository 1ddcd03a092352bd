"""A real Streamlit server (``streamlit run``) and a client that speaks its WebSocket protocol.

The client does what Streamlit's own frontend does on ``/_stcore/stream``: it connects with
``Sec-WebSocket-Protocol: streamlit, <xsrf placeholder>[, <session id to re-attach>]`` (how
``streamlit/web/server/starlette/starlette_websocket.py`` reads it), asks for script runs with a
``BackMsg.rerun_script`` carrying the widget states (a component's value is a widget state with a
``json_value``), and reads the ``ForwardMsg`` protobufs the run produces — the session id from
``new_session.initialize``, the deltas, the component's args.
"""

from __future__ import annotations

import collections
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from google.protobuf import text_format
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import ClientConnection, connect

from tests.integration.stack import ProcessExited, free_port, wait_for
from tests.support import REPO_ROOT

STREAMLIT_BIN = Path(sys.executable).with_name("streamlit")
VERBOSE = bool(os.environ.get("TEST_VERBOSE"))


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
            print(f"[streamlit] {what} did not start (attempt {attempt}); retrying on other ports", flush=True)


class ManagedProcess:
    """The Streamlit child process of a test (any script, not the stack's demo app): keeps the last lines of output, stops with SIGTERM
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


class StreamlitServer:
    """``streamlit run <script>`` on a free port with ``env`` (stopped by :meth:`stop`)."""

    def __init__(
        self,
        script: Path,
        env: Mapping[str, str],
        cwd: Path | None = None,
        port: int | None = None,
        python: Path | None = None,
        options: list[str] | None = None,
    ) -> None:
        binary = str(STREAMLIT_BIN) if STREAMLIT_BIN.exists() else (shutil.which("streamlit") or "streamlit")
        if python is not None:
            binary = str(python.with_name("streamlit"))
        self.proc: ManagedProcess | None = None

        def start() -> None:
            self.stop()
            self.port = port or free_port()
            argv = [
                binary, "run", str(script),
                "--server.port", str(self.port), "--server.address", "127.0.0.1", "--server.headless", "true",
                "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none", *(options or []),
            ]
            proc = self.proc = ManagedProcess("streamlit", argv, env={**os.environ, **env}, cwd=cwd)

            def healthy() -> bool:
                if not proc.running:
                    raise ProcessExited(f"streamlit exited:\n{proc.tail()}")
                return requests.get(f"{self.url}/_stcore/health", timeout=1).ok

            try:
                wait_for(healthy, "streamlit health", timeout=60, interval=0.2, logs=proc.tail)
            except TimeoutError:
                proc.stop()
                raise

        start_on_free_ports(start, "streamlit")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/_stcore/stream"

    def logs(self, n: int = 60) -> str:
        return self.proc.tail(n) if self.proc else ""

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop()


@dataclass
class ScriptRun:
    """What one script run sent to the browser."""

    session_id: str | None = None
    deltas: list[Any] = field(default_factory=list)
    status: int | None = None

    @property
    def text(self) -> str:
        """Every delta as protobuf text (markdown bodies, component args …), for searching."""
        return "\n".join(text_format.MessageToString(d, as_utf8=True) for d in self.deltas)

    def component(self, name: str) -> Any:
        """The last ``component_instance`` element of the component ``name`` (or ``None``)."""
        found = None
        for delta in self.deltas:
            if delta.WhichOneof("type") == "new_element" and delta.new_element.WhichOneof("type") == "component_instance":
                instance = delta.new_element.component_instance
                if instance.component_name.endswith(name):
                    found = instance
        return found

    def component_args(self, name: str) -> dict[str, Any]:
        instance = self.component(name)
        assert instance is not None, f"component {name} not rendered; deltas:\n{self.text[:3000]}"
        args: dict[str, Any] = json.loads(instance.json_args)
        return args


class StreamlitSession:
    """One browser tab's WebSocket to Streamlit.

    Args:
        server: the running server.
        reattach: a session id to present for re-attaching (the third subprotocol entry), as
            Streamlit's frontend does after a dropped connection.
    """

    def __init__(self, server: StreamlitServer, reattach: str | None = None, host: str = "127.0.0.1", origin: str | None = None) -> None:
        protocols = ["streamlit", "xsrf-placeholder"] + ([reattach] if reattach else [])
        #: The page's origin, as a browser that loaded it from ``host`` would send it (or ``origin``:
        #: a page served elsewhere, e.g. behind a proxy — Streamlit must then allow it, see CORS).
        self.origin = origin or f"http://{host}:{server.port}"
        self._connection = connect(
            f"ws://{host}:{server.port}/_stcore/stream",
            subprotocols=protocols,  # type: ignore[arg-type]
            origin=self.origin,  # type: ignore[arg-type]
            open_timeout=15,
            max_size=None,
        )
        self.ws: ClientConnection = self._connection.__enter__()
        self.session_id: str | None = None

    def rerun(self, widgets: Mapping[str, str] | None = None, timeout: float = 60.0) -> ScriptRun:
        """Asks for a script run with these widget values (widget id → JSON) and collects its output."""
        msg = BackMsg()
        msg.rerun_script.query_string = ""
        msg.rerun_script.page_script_hash = ""
        for widget_id, json_value in (widgets or {}).items():
            state = msg.rerun_script.widget_states.widgets.add()
            state.id = widget_id
            state.json_value = json_value
        self.ws.send(msg.SerializeToString())
        run = ScriptRun()
        started = False
        while True:
            raw = self.ws.recv(timeout=timeout)
            if isinstance(raw, str):
                continue
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            kind = fwd.WhichOneof("type")
            if kind == "new_session":
                started = True
                run.session_id = fwd.new_session.initialize.session_id or run.session_id
                self.session_id = run.session_id or self.session_id
            elif kind == "delta":
                run.deltas.append(fwd.delta)
            elif kind == "script_finished" and started:
                run.status = int(fwd.script_finished)
                # FINISHED_SUCCESSFULLY / FINISHED_EARLY_FOR_RERUN / FINISHED_WITH_COMPILE_ERROR / FINISHED_FRAGMENT_RUN_SUCCESSFULLY
                return run

    def close(self) -> None:
        self._connection.__exit__(None, None, None)
