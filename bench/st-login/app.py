"""The peer most users would pick instead: Streamlit's native ``st.login`` (OIDC through Authlib).

A minimal app for ``bench/st-login.mjs`` (scenario 7 of ``npm run bench``): a "Log in" button
before, the user's name after. ``expose_tokens`` is on, as an app that calls an API with the
access token would need. The ``[auth]`` settings come from the ``.streamlit/secrets.toml`` that
the bench writes into the working directory (dev-idp on a free port, a client registered for it).
"""
import streamlit as st

if not st.user.is_logged_in:
    st.button("Log in", on_click=st.login)
else:
    has_access_token = bool(st.user.tokens.get("access"))
    st.write(f"Signed in as {st.user.name}" + (" (access token exposed)" if has_access_token else ""))
