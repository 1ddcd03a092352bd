"""The helpers a Streamlit developer uses.

>>> import streamlit as st
>>> from streamlit_auth0_bus import login_bar, require_permission, call_api
>>> login_bar()                          # the login component + verified session handling
>>> user = require_permission("read:messages")   # stops the page unless allowed
>>> st.write(call_api("api.pong-scoped"))        # a bus request with the user's token
>>> call_api("/api/notes", method="POST", json={"text": "hi"})   # a route, by path and method

Everything here runs inside a Streamlit script run and keeps its state in ``st.session_state``.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import streamlit as st

from .auth import BusVerifier, handle_action_result, handle_component_error, handle_status_update, new_correlation_id
from .bus_client import BusClient
from .component_host import COMPONENT_NAME, ComponentEvent, ComponentHost
from .config import ConfigError, Settings, load_settings
from .contracts import get_contracts
from .diagnostics import Finding, bus_hint, diagnose, page_origin_from_headers
from .routes import method_has_body, resolve_route
from .errors import BusError, InvalidMessageError, UnauthenticatedError
from .revocation import revoke_sessions
from .session import (
    ACTION_REQUEST_KEY,
    ACTION_RESULT_KEY,
    COMPONENT_ERROR_KEY,
    CORRELATION_KEY,
    DIAGNOSIS_KEY,
    LOGOUT_REQUEST_KEY,
    AuthProblem,
    AuthSession,
    VerifiedUser,
)

__all__ = [
    "LOGIN_PROMPT",
    "get_settings",
    "get_bus_client",
    "correlation_id",
    "login_bar",
    "current_user",
    "auth_problem",
    "require_login",
    "require_permission",
    "call_api",
    "try_call_api",
    "show_error",
    "request_action",
    "action_result",
    "log_out_everywhere",
]

#: How long log_out_everywhere's request to end the provider session is passed to the frame.
LOGOUT_REQUEST_TTL_S = 30.0
#: What gated pages say to a logged-out visitor.
LOGIN_PROMPT = "Please log in to see this page — use the Log in button at the top."
#: What they say instead when the login component cannot work (the reason is shown at the top).
COMPONENT_BROKEN_PROMPT = "Please log in to see this page — but the login component cannot work right now: see the message at the top."


def get_settings() -> Settings:
    """The package settings (environment, ``.env``, defaults)."""
    return load_settings()


def _release_client(client: BusClient) -> None:
    client.close()


@st.cache_resource(show_spinner=False, on_release=_release_client, validate=lambda client: not client.is_closed)
def _shared_bus_client(nats_url: str, nats_user: str, nats_password: str, bus_timeout_ms: int, bus_retries: int) -> BusClient:
    settings = load_settings().with_overrides(
        nats_url=nats_url, nats_user=nats_user, nats_password=nats_password, bus_timeout_ms=bus_timeout_ms, bus_retries=bus_retries
    )
    return BusClient(settings)


def get_bus_client(settings: Settings | None = None) -> BusClient:
    """The process-wide bus client for these settings (``st.cache_resource``; thread-safe)."""
    s = settings or get_settings()
    return _shared_bus_client(s.nats_url, s.nats_user, s.nats_password, s.bus_timeout_ms, s.bus_retries)


def correlation_id() -> str:
    """This Streamlit session's opaque correlation id (random, made on first use, kept in
    ``st.session_state``).

    It is what the package sends wherever a session must be recognised — ``auth.verify``'s
    ``session_id`` field (so in the audit trail) and the frame's ``session_id`` arg (which the
    frame reports to host-relay). The Streamlit session id itself never leaves the process:
    Streamlit re-attaches a WebSocket to any session whose id it is shown.
    """
    value = st.session_state.get(CORRELATION_KEY)
    if not isinstance(value, str) or not value:
        value = new_correlation_id()
        st.session_state[CORRELATION_KEY] = value
    return value


def _session() -> AuthSession:
    return AuthSession(st.session_state)  # type: ignore[arg-type]


def current_user() -> VerifiedUser | None:
    """The verified user of this session, or ``None`` (also once the token has expired)."""
    return _session().user()


def auth_problem() -> AuthProblem | None:
    """Why the session is not logged in (a rejected token, an outage …), if known."""
    return _session().problem


def _initial_state(user: VerifiedUser | None) -> dict[str, Any]:
    if user is None:
        return {"logged_in": False, "user": None}
    return {
        "logged_in": True,
        "user": {"sub": user.sub, "name": user.name, "email": user.email},
        "expiry": user.expiry,
    }


def show_error(err: BusError, prefix: str | None = None) -> None:
    """Shows a bus error as ``st.error`` with its typed code (e.g. ``FORBIDDEN``)."""
    extra = []
    if err.reason:
        extra.append(f"reason: `{err.reason}`")
    if err.permission:
        extra.append(f"permission: `{err.permission}`")
    details = f" ({', '.join(extra)})" if extra else ""
    lead = f"{prefix} — " if prefix else ""
    st.error(f"{lead}**{err.code}**: {err.message}{details}", icon=":material/block:")


def login_bar(
    *,
    key: str = COMPONENT_NAME,
    hostname: str | None = None,
    settings: Settings | None = None,
    on_event: Callable[[ComponentEvent], Any] | None = None,
    show_status: bool = True,
    host: ComponentHost | None = None,
    actions: Sequence[Mapping[str, Any]] | None = None,
) -> VerifiedUser | None:
    """Renders the login component and handles its events; returns the verified user.

    ``onStatusUpdate`` is verified with auth-service before anything changes in the session
    (see :func:`streamlit_auth0_bus.auth.handle_status_update`); ``onActionResult`` results are
    kept for :func:`action_result`; ``onError`` is shown. ``on_event`` sees every event after the
    default handling.

    Args:
        key: the component's widget key (one login bar per page).
        hostname: the name the component shows for this app (default ``APP_HOSTNAME``).
        settings: configuration (default :func:`get_settings`).
        on_event: an extra handler for every new event.
        show_status: show who is logged in, or why not, under the component.
        host: a preconfigured :class:`ComponentHost`.
        actions: buttons in the bar (at most 8), each a delegated web request the frame makes
            through host-relay when clicked — ``{"id", "path", "label"?, "method"?, "json"?,
            "useauth"?}`` (``useauth`` default true); the result arrives as ``onActionResult``
            (:func:`action_result` with the id the frame reports).

    Raises:
        InvalidMessageError / NotFoundError: an action the frame or the route table would refuse.
    """
    if settings is None:
        try:
            settings = get_settings()
        except ConfigError as err:
            st.error(f"**Configuration error**: {err} — see streamlit-app/.env.sample", icon=":material/settings:")
            st.stop()
            raise  # unreachable: st.stop() raises
    host = host or ComponentHost(key=key, settings=settings)
    session = _session()
    props: dict[str, Any] = {
        "hostname": hostname or settings.hostname,
        "initial_state": _initial_state(session.user()),
        "relay_url": settings.relay_url,
        "session_id": correlation_id(),  # the frame's arg name; an opaque id, never Streamlit's
    }
    action = st.session_state.get(ACTION_REQUEST_KEY)
    if isinstance(action, Mapping):
        props["action_request"] = dict(action)
    if actions:
        props["actions"] = _buttons(actions, settings.bridge_routes_file)
    logout_request = st.session_state.get(LOGOUT_REQUEST_KEY)
    if isinstance(logout_request, tuple) and logout_request[1] > time.time():
        # Passed on every run for a while, not once: a rerun can supersede a run before its args
        # reach the frame (the frame's revoked status triggers one). The frame acts once per id.
        props["logout_request"] = logout_request[0]
    else:
        st.session_state.pop(LOGOUT_REQUEST_KEY, None)

    def on_status(event: ComponentEvent) -> None:
        with st.spinner("Verifying your login with auth-service…"):
            try:
                client = get_bus_client(settings)
            except BusError as err:  # pragma: no cover - construction does not talk to the bus
                session.logout(AuthProblem.from_error(err, "unavailable"))
                return
            outcome = handle_status_update(event.data, verifier=BusVerifier(client), state=st.session_state, correlation_id=correlation_id())  # type: ignore[arg-type]
            if outcome.status == "unverified" and outcome.problem is not None:
                hint = bus_hint(outcome.problem.code, settings, connected=client.is_connected, last_error=client.last_error)
                if hint:
                    session.logout(replace(outcome.problem, hint=hint))

    handlers: dict[str, Callable[[ComponentEvent], Any]] = {
        "onStatusUpdate": on_status,
        "onActionResult": lambda ev: handle_action_result(ev.data, st.session_state),  # type: ignore[arg-type]
        "onError": lambda ev: handle_component_error(ev.data, st.session_state),  # type: ignore[arg-type]
    }

    def dispatch(event: ComponentEvent) -> None:
        handlers[event.name](event)
        if on_event is not None:
            on_event(event)

    host.run(dispatch, **props)
    if host.last_error is not None:
        session.logout(AuthProblem.from_error(host.last_error, "invalid"))

    user = session.user()
    # A verified login proves the frame loaded; relay trouble after that arrives as the frame's
    # RELAY_UNAVAILABLE event. So the probes (an HTTP round trip to component-web and to the
    # relay) run only while nobody is logged in, and never delay the rerun that shows the name.
    findings = _self_check(settings) if user is None else []
    st.session_state[DIAGNOSIS_KEY] = [f.message for f in findings]
    if show_status:
        for finding in findings:
            st.error(finding.message, icon=":material/link_off:")
        _render_status(user, session.problem, settings)
    return user


def _page_origin() -> str | None:
    try:
        headers = st.context.headers
    except Exception:  # noqa: BLE001 - no request context (e.g. a bare script run)
        return None
    return page_origin_from_headers({k: v for k, v in headers.items()})


def _self_check(settings: Settings) -> list[Finding]:
    """Why the login component cannot work here, if anything (see :mod:`.diagnostics`)."""
    if not settings.component_self_check:
        return []
    return diagnose(settings, _page_origin())


def _render_status(user: VerifiedUser | None, problem: AuthProblem | None, settings: Settings) -> None:
    if user is not None:
        email = f" ({user.email})" if user.email else ""
        st.caption(f":material/verified_user: Logged in as **{user.display_name}**{email} — verified by auth-service")
    elif problem is not None:
        if problem.kind in ("rejected", "invalid"):
            st.error(problem.text, icon=":material/gpp_bad:")
        else:
            st.warning(problem.text, icon=":material/warning:")
    component_error = st.session_state.get(COMPONENT_ERROR_KEY)
    if isinstance(component_error, Mapping):
        hint = ""
        if component_error.get("code") == "RELAY_UNAVAILABLE":
            hint = (
                f" Check that host-relay runs at {settings.relay_url} (**RELAY_URL**) and admits the frame's origin "
                "(**RELAY_ALLOWED_ORIGINS**), and that component-web lets the frame connect to it (**RELAY_ORIGINS**)."
            )
        st.warning(f"Login component: **{component_error.get('code')}**: {component_error.get('message')}{hint}")


def require_login(prompt: str = LOGIN_PROMPT) -> VerifiedUser:
    """Returns the verified user, or shows ``prompt`` and stops the page when logged out."""
    user = current_user()
    if user is None:
        if prompt == LOGIN_PROMPT and st.session_state.get(DIAGNOSIS_KEY):
            prompt = COMPONENT_BROKEN_PROMPT
        st.info(prompt, icon=":material/lock:")
        problem = auth_problem()
        if problem is not None:
            st.caption(problem.text)
        st.stop()
    assert user is not None  # st.stop() raised otherwise
    return user


def require_permission(permission: str, prompt: str = LOGIN_PROMPT) -> VerifiedUser:
    """Like :func:`require_login`, and also stops the page (with a FORBIDDEN message) unless the
    verified token carries ``permission``."""
    user = require_login(prompt)
    if not user.has_permission(permission):
        st.error(
            f"**FORBIDDEN**: this page needs the `{permission}` permission, which "
            f"{user.display_name}'s token does not carry.",
            icon=":material/block:",
        )
        st.stop()
    return user


def _needs_token(subject: str) -> bool:
    for route in get_contracts().routes:
        if route["subject"] == subject:
            return bool(route["protected"])
    return True


def _target(target: str, method: str, payload: dict[str, Any] | None, json: dict[str, Any] | None) -> tuple[str, bool, dict[str, Any] | None]:
    """(subject, protected, body) of a call_api target: a subject, or a path and method."""
    if payload is not None and json is not None:
        raise InvalidMessageError("Pass the body once: payload or json=")
    body = json if json is not None else payload
    if not target.startswith("/"):
        if method.upper() != "GET":
            raise InvalidMessageError(f"method= applies to a path (/api/…), not to the subject {target[:64]}")
        return target, _needs_token(target), body
    route = resolve_route(method, target, get_settings().bridge_routes_file)
    if body is not None and not method_has_body(route["method"]):
        raise InvalidMessageError(f"A {route['method']} request has no body")
    return str(route["subject"]), bool(route["protected"]), body


def call_api(
    target: str,
    payload: dict[str, Any] | None = None,
    *,
    method: str = "GET",
    json: dict[str, Any] | None = None,
    timeout: float | None = None,
    use_token: bool | None = None,
) -> dict[str, Any]:
    """A bus request with the verified user's token; returns the validated reply.

    ``call_api("/api/notes", method="POST", json={"text": "hi"})`` reaches what host-relay's HTTP
    gateway reaches for ``POST /api/notes`` (the contract's routes, then http-bridge's routes file
    ``BRIDGE_ROUTES_FILE``), over the bus, without HTTP. A bridged path returns http-bridge's reply
    ``{"status", "data", …}``: the upstream's 2xx/4xx status and its JSON body.

    Args:
        target: a path (``/api/pong``, ``/api/legacy/pong``) or a subject (``api.pong``, ``audit.query``).
        payload: the request body (default ``{}``); ``json=`` is the same, for paths.
        method: GET (default), POST, PUT, PATCH or DELETE — for a path; the last four carry the body.
        json: the JSON object body of a POST, PUT, PATCH or DELETE.
        timeout: deadline in seconds (default ``BUS_TIMEOUT_MS``).
        use_token: send the user's token (default: when logged in). Protected routes always need it.

    Raises:
        NotFoundError: no route has this method and path (nothing is sent).
        InvalidMessageError: a GET with a body, a method with a subject, a body the route refuses.
        UnauthenticatedError: a protected route and nobody is logged in, or the token was
            refused (the session is then logged out).
        BusError: any other typed failure (FORBIDDEN, TIMEOUT, UNAVAILABLE …).
        ConfigError: ``BRIDGE_ROUTES_FILE`` is unusable.
    """
    subject, protected, body = _target(target, method, payload, json)
    user = current_user()
    token = user.token.reveal() if user is not None and user.token is not None and use_token is not False else None
    if token is None and protected:
        raise UnauthenticatedError(f"Please log in to call {target[:100]}", reason="missing")
    try:
        return get_bus_client().request(subject, body, token=token, timeout=timeout)
    except UnauthenticatedError as err:
        if token is not None:
            _session().logout(AuthProblem.from_error(err, "expired" if err.reason == "expired" else "rejected"))
        raise


def try_call_api(
    target: str,
    payload: dict[str, Any] | None = None,
    *,
    method: str = "GET",
    json: dict[str, Any] | None = None,
    spinner: str | None = None,
    timeout: float | None = None,
) -> dict[str, Any] | None:
    """:func:`call_api` for pages: shows a spinner while the bus call runs, and on failure shows
    ``st.error`` with the typed code (``FORBIDDEN``, ``TIMEOUT`` …) and returns ``None``."""
    what = f"{method.upper()} {target}" if target.startswith("/") else target
    with st.spinner(spinner or f"Calling {what} over the bus…"):
        try:
            return call_api(target, payload, method=method, json=json, timeout=timeout)
        except BusError as err:
            show_error(err, prefix=what)
            return None
        except ConfigError as err:
            st.error(f"**Configuration error**: {err}", icon=":material/settings:")
            return None


def request_action(
    path: str,
    *,
    label: str | None = None,
    method: str = "GET",
    json: dict[str, Any] | None = None,
    useauth: bool = True,
    rerun: bool = True,
) -> str:
    """Asks the component to make a delegated web request through host-relay.

    The request is handed to the component as its ``action_request`` prop; the frame sends it over
    the relay's WebSocket and reports the result as ``onActionResult``, which
    :func:`action_result` then returns. Reruns the script (unless ``rerun=False``) so that the
    component receives the new prop.

    Args:
        path: a route's path (the contract's, or http-bridge's with ``BRIDGE_ROUTES_FILE``).
        method: GET (default), POST, PUT, PATCH or DELETE.
        json: the JSON object body of a POST, PUT, PATCH or DELETE.

    Returns:
        The request id.

    Raises:
        InvalidMessageError: the request does not fit the contract's ``web.request`` frame.
        NotFoundError: the path is not one of host-relay's routes.
    """
    action = _action_spec(f"req-{uuid.uuid4().hex[:16]}", path, label=label, method=method, json=json, useauth=useauth, routes_file=get_settings().bridge_routes_file)
    st.session_state[ACTION_REQUEST_KEY] = action
    if rerun:
        st.rerun()
    return str(action["id"])


#: The frame's limits for its buttons (``ActionSpec`` and ``actions`` in apps/component-web/lib/frame/args.ts).
_ACTION_ID = re.compile(r"[A-Za-z0-9._:-]{1,48}")
MAX_ACTIONS = 8


def _action_spec(action_id: str, path: str, *, label: str | None, method: str, json: Mapping[str, Any] | None, useauth: bool, routes_file: str | None) -> dict[str, Any]:
    """A delegated web request as the frame takes it (``action_request``, or a button of ``actions``),
    checked against the contract's ``web.request`` frame and the route table."""
    action: dict[str, Any] = {"id": action_id, "method": method.upper(), "path": path, "useauth": useauth}
    if label:
        action["label"] = label
    if json is not None:
        if not method_has_body(action["method"]):
            raise InvalidMessageError(f"A {action['method']} request has no body")
        action["body"] = dict(json)
    get_contracts().validate("component.client-frame.v1", {"type": "web.request", **action}, "action request")
    resolve_route(action["method"], path, routes_file)
    return action


def _buttons(actions: Sequence[Mapping[str, Any]], routes_file: str | None) -> list[dict[str, Any]]:
    """``login_bar(actions=…)``: each ``{"id", "path", "label"?, "method"?, "json"?, "useauth"?}``."""
    if len(actions) > MAX_ACTIONS:
        raise InvalidMessageError(f"The bar holds at most {MAX_ACTIONS} action buttons, got {len(actions)}")
    buttons = []
    for spec in actions:
        unknown = set(spec) - {"id", "path", "label", "method", "json", "useauth"}
        if unknown:
            raise InvalidMessageError(f"Unknown action field(s): {', '.join(sorted(unknown))[:100]}")
        action_id = str(spec.get("id", ""))
        if not _ACTION_ID.fullmatch(action_id):
            raise InvalidMessageError("An action id is 1–48 letters, digits, '.', '_', ':' or '-'")
        buttons.append(
            _action_spec(action_id, str(spec.get("path", "")), label=spec.get("label"), method=str(spec.get("method", "GET")), json=spec.get("json"), useauth=bool(spec.get("useauth", True)), routes_file=routes_file)
        )
    return buttons


def action_result(request_id: str | None = None) -> dict[str, Any] | None:
    """The ``web.result`` of a delegated request (default: of the last one requested), if it arrived."""
    if request_id is None:
        action = st.session_state.get(ACTION_REQUEST_KEY)
        request_id = action.get("id") if isinstance(action, Mapping) else None
    results = st.session_state.get(ACTION_RESULT_KEY)
    if request_id is None or not isinstance(results, Mapping):
        return None
    result = results.get(str(request_id))
    return dict(result) if isinstance(result, Mapping) else None


def log_out_everywhere(reason: str | None = None, *, rerun: bool = True) -> dict[str, Any]:
    """Revokes every session of the logged-in user and logs this one out (issue 21).

    ``auth.revoke`` with the user's own token (:func:`~streamlit_auth0_bus.revocation.revoke_sessions`):
    every token of the user issued up to now is refused from then on, and host-relay tells the
    user's open login components (other tabs, other browsers), whose pages lock. This session is
    logged out at once, and the login component is asked (its ``logout_request`` arg) to end the
    identity provider's session through component-web's logout window, so that the next login
    asks for the password again. Reruns the script (unless ``rerun=False``) so that the
    component receives the request.

    Returns:
        The ``auth.revoke`` reply (``{kind: "user", sub, revoked_at}``).

    Raises:
        UnauthenticatedError: nobody is logged in, or the token was refused (already revoked or
            expired: this session is then logged out).
        BusError: any other typed failure (UNAVAILABLE, TIMEOUT …); nothing changes.
    """
    user = current_user()
    if user is None or user.token is None:
        raise UnauthenticatedError("Please log in to log out everywhere", reason="missing")
    # Recorded before the revocation: its push makes the frame report `revoked`, whose rerun may
    # interrupt this run before the next line; the request must survive that.
    st.session_state[LOGOUT_REQUEST_KEY] = (f"lo-{uuid.uuid4().hex[:16]}", time.time() + LOGOUT_REQUEST_TTL_S)
    try:
        reply = revoke_sessions(get_bus_client(), user.token.reveal(), reason=reason)
    except BusError as err:
        st.session_state.pop(LOGOUT_REQUEST_KEY, None)
        if isinstance(err, UnauthenticatedError):
            _session().logout(AuthProblem.from_error(err, "expired" if err.reason == "expired" else "rejected"))
        raise
    _session().logout(AuthProblem.revoked())
    if rerun:
        st.rerun()
    return reply
