"""The component host: declares the login component, renders it and dispatches its events.

The article's public shape, kept where it was good — a host object that knows the allowed events
and props, :class:`ComponentEvent` ``(name, data, source)``, and a runner that passes each new
event to a user-supplied handler — with its flaws removed:

* every value the frame sends is validated against ``component.event.v1`` before anything looks
  at it (an invalid value is reported, never dispatched);
* events outside the host's allowed names are dropped;
* Streamlit returns a component's last value on every rerun, so each event carries a ``seq``
  and the host handles each seq once: the last handled seq, and a window of the recent ones,
  live in ``st.session_state``. (Seqs are not required to grow across frames: the frame starts
  counting from its mount time, and a remounted frame must not be ignored.)
* props are checked against the allowed list, so a typo does not silently send nothing;
* the frontend is component-web's ``/streamlit`` page (``COMPONENT_URL``): a server in
  development and in a deployment alike (the popup's login routes and the session hand-off live
  there), so there is no folder of static files to serve instead.

Testing: Streamlit's ``AppTest`` cannot render a custom component (it shows up as an
``UnknownElement`` whose value is ``None``), but a component's value is a widget value, so a test
sets it exactly as the browser would — ``at.session_state["auth0_login_bar"] = {...}`` — and the
value goes through the same validation, de-duplication and (real) verification. Unit tests can
instead pass ``renderer=`` and ``state=`` to run the host without Streamlit at all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from .config import Settings, load_settings
from .contracts import Contracts, get_contracts
from .errors import BusError, InvalidMessageError

__all__ = [
    "COMPONENT_NAME",
    "DEFAULT_EVENTS",
    "ALLOWED_PROPS",
    "ComponentEvent",
    "ComponentHost",
    "EventHandler",
    "Renderer",
    "declare_login_component",
]

log = logging.getLogger(__name__)

#: The component's registered name.
COMPONENT_NAME = "auth0_login_bar"
#: The events the component can send (``component.event.v1``).
DEFAULT_EVENTS: tuple[str, ...] = ("onStatusUpdate", "onActionResult", "onError")
#: The props (component args) the frame understands.
#: (``apps/component-web/lib/frame/args.ts``: ``height`` fixes the frame height, ``actions`` offers
#: delegated web requests as buttons in the bar, ``action_request`` asks for one now,
#: ``logout_request`` asks once per id to end the identity provider session: log out everywhere.)
ALLOWED_PROPS: frozenset[str] = frozenset(
    {"hostname", "initial_state", "events", "relay_url", "session_id", "height", "actions", "action_request", "logout_request"}
)

#: Key prefix of everything the host keeps in session state.
STATE_PREFIX = "auth0_bus."
#: How many recent seqs are remembered per component instance (a replay of any of them is ignored).
SEEN_WINDOW = 256


@dataclass(frozen=True)
class ComponentEvent:
    """One event from the component frame.

    Attributes:
        name: the event name (``onStatusUpdate``, ``onActionResult``, ``onError``).
        data: the event's payload, already validated against the contract.
        source: which component instance sent it (its widget key).
        seq: the frame's sequence number of the event.
    """

    name: str
    data: Any
    source: str
    seq: int = 0


#: A handler receives each new event once.
EventHandler = Callable[[ComponentEvent], Any]
#: Renders the component: called with the props plus ``key`` and ``default``; returns its value.
Renderer = Callable[..., Any]


def declare_login_component(settings: Settings, name: str = COMPONENT_NAME) -> Renderer:
    """Declares the component with Streamlit, served by component-web at ``settings.component_url``."""
    import streamlit.components.v1 as components

    return components.declare_component(name, url=settings.component_url)


class ComponentHost:
    """Hosts one instance of the login component.

    Args:
        name: the component's name (default ``auth0_login_bar``).
        events: event names to accept; others are dropped.
        props: prop names the component accepts.
        key: the widget key (also the event ``source``); default: ``name``.
        settings: configuration (component URL / build dir); default :func:`load_settings`.
        renderer: render function to use instead of the declared Streamlit component.
        state: where to keep the last handled seq (default ``st.session_state``).
        contracts: the contract to validate event values against.
    """

    def __init__(
        self,
        name: str = COMPONENT_NAME,
        *,
        events: Iterable[str] = DEFAULT_EVENTS,
        props: Iterable[str] = ALLOWED_PROPS,
        key: str | None = None,
        settings: Settings | None = None,
        renderer: Renderer | None = None,
        state: MutableMapping[str, Any] | None = None,
        contracts: Contracts | None = None,
    ) -> None:
        self.name = name
        self.events: tuple[str, ...] = tuple(events)
        unknown = set(self.events) - set(DEFAULT_EVENTS)
        if unknown:
            raise ValueError(f"Unknown component events: {sorted(unknown)}; the contract has {list(DEFAULT_EVENTS)}")
        self.props: frozenset[str] = frozenset(props)
        self.key = key or name
        self._settings = settings
        self._renderer = renderer
        self._state = state
        self.contracts = contracts or get_contracts()
        self.last_error: BusError | None = None

    # -- state --

    @property
    def state(self) -> MutableMapping[str, Any]:
        if self._state is None:
            import streamlit as st

            return st.session_state  # type: ignore[return-value]
        return self._state

    @property
    def seq_key(self) -> str:
        return f"{STATE_PREFIX}last_seq.{self.key}"

    @property
    def seen_key(self) -> str:
        return f"{STATE_PREFIX}seen_seqs.{self.key}"

    @property
    def last_seq(self) -> int:
        """The seq of the last event handled (``-1`` before the first)."""
        value = self.state.get(self.seq_key, -1)
        return value if isinstance(value, int) else -1

    def _seen(self) -> list[int]:
        seen = self.state.get(self.seen_key)
        return list(seen) if isinstance(seen, (list, tuple)) else []

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings()
        return self._settings

    # -- rendering --

    def render(self, **props: Any) -> Any:
        """Renders the component with ``props`` and returns its raw current value (or ``None``).

        ``events`` defaults to the host's allowed events.

        Raises:
            TypeError: a prop is not in the allowed list.
        """
        unknown = set(props) - self.props
        if unknown:
            raise TypeError(f"Props not accepted by {self.name}: {sorted(unknown)}; allowed: {sorted(self.props)}")
        if "events" in self.props:
            props.setdefault("events", list(self.events))
        render = self._renderer or declare_login_component(self.settings, self.name)
        return render(**props, key=self.key, default=None)

    def parse(self, value: Any) -> ComponentEvent | None:
        """Turns a raw component value into a new :class:`ComponentEvent`.

        Returns ``None`` for no value, for an event name the host does not accept, and for a seq
        already handled. Marks the event's seq as handled.

        Raises:
            InvalidMessageError: the value does not match ``component.event.v1``.
        """
        if value is None:
            return None
        if isinstance(value, Mapping) and not isinstance(value, dict):
            value = dict(value)
        self.contracts.validate("component.event.v1", value, f"{self.name} event")
        name: str = value["name"]
        seq: int = int(value["seq"])
        seen = self._seen()
        if seq == self.last_seq or seq in seen:
            return None
        self.state[self.seq_key] = seq
        self.state[self.seen_key] = (seen + [seq])[-SEEN_WINDOW:]
        if name not in self.events:
            log.info("dropping component event %s (not in %s)", name, self.events)
            return None
        return ComponentEvent(name=name, data=value["data"], source=self.key, seq=seq)

    def dispatch(self, event: ComponentEvent, handler: EventHandler | Mapping[str, EventHandler]) -> Any:
        """Passes ``event`` to ``handler`` (a callable, or a mapping from event name to callable)."""
        if isinstance(handler, Mapping):
            target = handler.get(event.name)
            return target(event) if target is not None else None
        return handler(event)

    def run(self, handler: EventHandler | Mapping[str, EventHandler], **props: Any) -> ComponentEvent | None:
        """Renders the component and hands its new event (if any) to ``handler``.

        An invalid value from the frame is not dispatched: it is kept in :attr:`last_error` (and
        logged without its content) and ``None`` is returned.
        """
        value = self.render(**props)
        self.last_error = None
        try:
            event = self.parse(value)
        except InvalidMessageError as exc:
            self.last_error = exc
            log.warning("invalid value from component %s: %s", self.key, exc.message)
            return None
        if event is not None:
            self.dispatch(event, handler)
        return event
