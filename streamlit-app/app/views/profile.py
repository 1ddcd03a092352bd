"""A page for logged-in users only: what the verified token says."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from streamlit_auth0_bus import BusError, log_out_everywhere, require_login, show_error

st.title("My identity")
user = require_login()

st.subheader(user.display_name)
left, right = st.columns(2)
left.metric("Permissions", len(user.permissions))
expires = dt.datetime.fromtimestamp(user.expiry, tz=dt.timezone.utc)
right.metric("Token expires", expires.strftime("%Y-%m-%d %H:%M UTC"), f"{int(user.seconds_left() // 60)} min left", delta_color="off")
st.write("**Subject:**", f"`{user.sub}`")
if user.email:
    st.write("**E-mail:**", user.email)
st.write("**Permissions:**", ", ".join(f"`{p}`" for p in user.permissions) or "none")
st.write("**Issuer:**", user.issuer)
st.caption(
    f"Verified by `{user.verified_by}`. Name and e-mail come from the "
    + ("verified token." if user.name_source == "token" else "login profile, accepted because its subject matches the verified token.")
)

st.divider()
st.subheader("Sessions")
st.write(
    "**Log out everywhere** ends every session of yours: every token issued to you so far is refused from now on, "
    "every open page of this app (other tabs, other browsers) locks within a second, and the identity provider "
    "session ends too, so the next login asks for your password."
)
if st.button("Log out everywhere", icon=":material/logout:", type="primary"):
    try:
        log_out_everywhere(reason="log out everywhere (My identity page)")
    except BusError as err:
        show_error(err, prefix="Log out everywhere")
