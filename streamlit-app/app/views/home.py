"""Home: the article's buttons, now over the bus."""

from __future__ import annotations

from typing import Any

import streamlit as st

from streamlit_auth0_bus import action_result, current_user, get_bus_client, get_contracts, request_action, try_call_api
from streamlit_auth0_bus.helpers import correlation_id, get_settings

RESULT_KEY = "demo.last_result"
# Subject names come from the contract (libs/contracts' export), like everywhere in the package.
PING, PONG, PONG_SCOPED = (get_contracts().subject("api", name) for name in ("ping", "pong", "pongScoped"))

st.title("Component Auth0 on a bus")
user = current_user()
if user is not None:
    st.subheader(f"Welcome, {user.display_name}!")
    st.write(f"Signed in as `{user.sub}`" + (f" · {user.email}" if user.email else ""))
else:
    st.info("You are not logged in. Please log in with the button in the bar above to call the secure APIs.", icon=":material/key:")

st.markdown(
    "Every button below is a **request on the NATS bus**: the public one without a token, the secure "
    "ones with your access token in the `Authorization` header of the message."
)

#: The article's own Flask API, behind http-bridge (infra/bridge/routes.demo.yaml under `npm start`).
LEGACY_PONG = "/api/legacy/pong"
bridged = get_settings().bridge_routes_file is not None

cols = st.columns(6)
clicked = {
    "nothing": cols[0].button("Do nothing", width="stretch"),
    "ping": cols[1].button("Call Public API", width="stretch"),
    "pong": cols[2].button("Call Secure API", width="stretch"),
    "scoped": cols[3].button("Call Scoped API", width="stretch"),
    "relay": cols[4].button("Delegated WebRequest", width="stretch", help="The component calls /api/pong through host-relay"),
    "legacy": cols[5].button(
        "Call Legacy Flask API",
        width="stretch",
        disabled=not bridged,
        help=f"The article's Flask API ({LEGACY_PONG}) through http-bridge" if bridged else "Set BRIDGE_ROUTES_FILE (npm start does) to reach the article's Flask API",
    ),
}


def show_reply(kind: str, reply: dict[str, Any]) -> None:
    if kind == "ping":
        st.success(reply["data"], icon=":material/public:")
        st.caption(f"answered by `{reply['instance']}` at {reply['at']}")
    else:
        st.success(reply["data"], icon=":material/lock:")
        details = f"sub: `{reply['sub']}` · answered by `{reply['instance']}`"
        if "permission" in reply:
            details += f" · permission: `{reply['permission']}`"
        st.caption(details)


if clicked["nothing"]:
    st.session_state.pop(RESULT_KEY, None)
    st.write("Nothing happened — as promised.")
elif clicked["ping"]:
    reply = try_call_api(PING, spinner=f"Calling the public API ({PING})…")
    if reply is not None:
        show_reply("ping", reply)
elif clicked["pong"]:
    reply = try_call_api(PONG, spinner=f"Calling the secure API ({PONG})…")
    if reply is not None:
        show_reply("pong", reply)
elif clicked["scoped"]:
    reply = try_call_api(PONG_SCOPED, spinner=f"Calling the scoped API ({PONG_SCOPED})…")
    if reply is not None:
        show_reply("scoped", reply)
elif clicked["relay"]:
    request_action("/api/pong", label="Secure API via host-relay", useauth=True)
elif clicked["legacy"]:
    reply = try_call_api(LEGACY_PONG, spinner=f"Calling the article's Flask API ({LEGACY_PONG}) through http-bridge…")
    if reply is not None:
        # http-bridge keeps the upstream's status: 2xx, or its own 4xx answer (with its body).
        data = reply["data"]
        message = data.get("message") if isinstance(data, dict) else data
        (st.success if reply["status"] < 400 else st.warning)(f"Flask API {reply['status']}: {message}", icon=":material/history:")
        st.caption(f"route `{reply['route']}` · {reply['latency_ms']:.0f} ms upstream · bridged by `{reply['instance']}`")

action = st.session_state.get("auth0_bus.action_request")
if isinstance(action, dict):
    st.markdown("##### Delegated WebRequest")
    result = action_result(action["id"])
    if result is None:
        st.info(f"Waiting for the component to report `{action['method']} {action['path']}` (request `{action['id']}`)…", icon=":material/hourglass_top:")
    elif result.get("ok"):
        data = result.get("data")
        text = data.get("data") if isinstance(data, dict) else None
        st.success(f"onActionResult {result['status']}: {text or data}", icon=":material/mark_email_read:")
        if isinstance(data, dict) and "instance" in data:
            st.caption(f"sub: `{data.get('sub', '-')}` · answered by `{data['instance']}` (via host-relay)")
    else:
        error = result.get("error") or {}
        st.error(f"onActionResult {result.get('status')}: **{error.get('code')}**: {error.get('message')}", icon=":material/block:")

st.divider()
st.markdown("##### My notes")
st.caption("`POST /api/notes` and `GET /api/notes` over the bus: stored by api-service, each note with your verified `sub`.")
if user is None:
    st.write("Log in to post and read your notes.")
else:
    with st.form("note", clear_on_submit=True):
        text = st.text_area("New note", max_chars=2000, placeholder="Something to remember")
        posted = st.form_submit_button("Post note")
    if posted:
        if not text.strip():
            st.warning("A note needs some text.", icon=":material/edit_note:")
        elif try_call_api("/api/notes", method="POST", json={"text": text}, spinner="Posting the note…") is not None:
            st.success("Note posted.", icon=":material/check:")
    listed = try_call_api("/api/notes", spinner="Reading your notes…")
    if listed is not None:
        if listed["notes"]:
            # st.table: plain HTML (a note's text is shown as text, never as markdown).
            st.table([{"at": n["at"], "note": n["text"]} for n in reversed(listed["notes"])])
        else:
            st.write("No notes yet.")

st.divider()
if st.toggle("Show debug info"):
    settings = get_settings()
    client = get_bus_client(settings)
    st.markdown("##### Identity (verified by auth-service)")
    if user is None:
        st.write("Not logged in.")
    else:
        st.json(user.claims())
        st.caption("The access token itself is never shown; `token_hash` is the first 16 hex digits of its SHA-256.")
    st.markdown("##### Host")
    st.json(
        {
            # The opaque id the audit trail knows this session by — never the Streamlit session id.
            "correlation_id": correlation_id(),
            "nats_url": settings.nats_url,
            "nats_user": settings.nats_user,
            "bus_connected": client.is_connected,
            "component": settings.component_url,
            "relay_url": settings.relay_url,
            "audience": settings.auth0_audience,
            "bus_timeout_ms": settings.bus_timeout_ms,
            "bridge_routes_file": settings.bridge_routes_file,
        }
    )
