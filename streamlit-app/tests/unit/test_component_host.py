"""The component host without Streamlit: a fake renderer plays the browser."""

from __future__ import annotations

from typing import Any

import pytest

from streamlit_auth0_bus.component_host import ALLOWED_PROPS, ComponentEvent, ComponentHost
from streamlit_auth0_bus.config import Settings
from streamlit_auth0_bus.errors import InvalidMessageError


class FakeFrame:
    """Returns whatever value the 'browser' last set, and records the props it was given."""

    def __init__(self) -> None:
        self.value: Any = None
        self.calls: list[dict[str, Any]] = []

    def __call__(self, **kwargs: Any) -> Any:
        self.calls.append(kwargs)
        return self.value


def make_host(frame: FakeFrame, state: dict[str, Any] | None = None, **kw: Any) -> ComponentHost:
    return ComponentHost(renderer=frame, state={} if state is None else state, settings=Settings(), **kw)


def status(seq: int, cause: str = "mount") -> dict[str, Any]:
    return {"name": "onStatusUpdate", "seq": seq, "data": {"user": None, "token": None, "cause": cause}}


def test_props_are_passed_with_key_default_and_events() -> None:
    frame = FakeFrame()
    host = make_host(frame, key="bar")
    host.render(hostname="demo", relay_url="ws://r/ws", session_id="s1")
    call = frame.calls[-1]
    assert call["key"] == "bar" and call["default"] is None
    assert call["events"] == ["onStatusUpdate", "onActionResult", "onError"]
    assert call["hostname"] == "demo"
    assert "action_request" in ALLOWED_PROPS


def test_unknown_prop_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="hostnme"):
        make_host(FakeFrame()).render(hostnme="typo")


def test_unknown_event_name_in_allowed_list_is_refused() -> None:
    with pytest.raises(ValueError):
        make_host(FakeFrame(), events=["onStatusUpdate", "onAnything"])


def test_each_new_event_is_dispatched_once_even_over_reruns() -> None:
    frame = FakeFrame()
    host = make_host(frame)
    seen: list[ComponentEvent] = []
    assert host.run(seen.append) is None  # no value yet
    frame.value = status(1)
    for _ in range(3):  # Streamlit hands back the same value on every rerun
        host.run(seen.append)
    assert [e.seq for e in seen] == [1]
    assert seen[0] == ComponentEvent("onStatusUpdate", {"user": None, "token": None, "cause": "mount"}, "auth0_login_bar", 1)
    frame.value = status(2, "logout")
    host.run(seen.append)
    assert [e.seq for e in seen] == [1, 2]
    assert host.last_seq == 2


def test_a_repeated_seq_is_ignored_even_with_other_content() -> None:
    frame = FakeFrame()
    host = make_host(frame)
    seen: list[ComponentEvent] = []
    frame.value = status(5)
    host.run(seen.append)
    frame.value = status(5, "logout")  # a replay of seq 5 with other content
    host.run(seen.append)
    frame.value = status(6, "logout")
    host.run(seen.append)
    frame.value = status(5, "refresh")  # seq 5 again, after another one: still handled once only
    host.run(seen.append)
    assert [(e.seq, e.data["cause"]) for e in seen] == [(5, "mount"), (6, "logout")]


def test_a_lower_but_new_seq_is_handled() -> None:
    """A remounted frame starts counting again (from its mount time): its events are not lost."""
    frame = FakeFrame()
    host = make_host(frame)
    seen: list[ComponentEvent] = []
    frame.value = status(1_800_000_000_000)
    host.run(seen.append)
    frame.value = status(1_000_000, "login")
    host.run(seen.append)
    assert [e.seq for e in seen] == [1_800_000_000_000, 1_000_000]


def test_the_replay_window_is_bounded() -> None:
    state: dict[str, Any] = {}
    frame = FakeFrame()
    host = make_host(frame, state)
    for seq in range(1, 300):
        frame.value = status(seq)
        host.run(lambda e: None)
    assert len(state["auth0_bus.seen_seqs.auth0_login_bar"]) == 256


def test_last_seq_lives_in_session_state_per_key() -> None:
    state: dict[str, Any] = {}
    frame = FakeFrame()
    frame.value = status(3)
    make_host(frame, state, key="a").run(lambda e: None)
    assert state["auth0_bus.last_seq.a"] == 3
    seen: list[ComponentEvent] = []
    make_host(frame, state, key="a").run(seen.append)  # a new host object in the next rerun
    assert seen == []
    make_host(frame, state, key="b").run(seen.append)  # another instance has its own seq
    assert [e.source for e in seen] == ["b"]


def test_events_are_filtered_by_name() -> None:
    frame = FakeFrame()
    host = make_host(frame, events=["onStatusUpdate"])
    seen: list[ComponentEvent] = []
    frame.value = {"name": "onError", "seq": 1, "data": {"code": "POPUP_BLOCKED", "message": "blocked"}}
    assert host.run(seen.append) is None
    assert host.last_seq == 1  # consumed, not re-examined on the next rerun
    frame.value = status(2)
    host.run(seen.append)
    assert [e.name for e in seen] == ["onStatusUpdate"]


def test_mapping_handlers_by_event_name() -> None:
    frame = FakeFrame()
    host = make_host(frame)
    got: dict[str, list[int]] = {"s": [], "e": []}
    handlers = {"onStatusUpdate": lambda e: got["s"].append(e.seq), "onError": lambda e: got["e"].append(e.seq)}
    frame.value = status(1)
    host.run(handlers)
    frame.value = {"name": "onError", "seq": 2, "data": {"code": "x", "message": "y"}}
    host.run(handlers)
    frame.value = {"name": "onActionResult", "seq": 3, "data": {"type": "web.result", "id": "r", "ok": True, "status": 200, "data": {}}}
    assert host.run(handlers) is not None  # no handler for it: nothing happens, no error
    assert got == {"s": [1], "e": [2]}


@pytest.mark.parametrize(
    "value",
    [
        "a string",
        {"name": "onStatusUpdate", "seq": 1},
        {"name": "onAnything", "seq": 1, "data": {}},
        {"name": "onStatusUpdate", "seq": -1, "data": {"user": None, "token": None, "cause": "mount"}},
        {"name": "onStatusUpdate", "seq": 1, "data": {"user": None, "token": {"value": "t"}, "cause": "login"}},
        {"name": "onStatusUpdate", "seq": 1, "data": {"user": None, "token": None, "cause": "mount"}, "extra": 1},
    ],
)
def test_invalid_values_are_reported_and_not_dispatched(value: Any) -> None:
    frame = FakeFrame()
    host = make_host(frame)
    seen: list[ComponentEvent] = []
    frame.value = value
    assert host.run(seen.append) is None
    assert seen == []
    assert isinstance(host.last_error, InvalidMessageError)
    with pytest.raises(InvalidMessageError):
        host.parse(value)
