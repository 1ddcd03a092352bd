"""Demo app: the article's Streamlit experience, rebuilt on the bus.

Run: streamlit run streamlit-app/app/Home.py --server.port 4010 --server.headless true

The login bar sits at the top of every page (it is rendered here, before the page), and every
page below it reads only the verified session.
"""

from __future__ import annotations

import streamlit as st

from streamlit_auth0_bus import login_bar

st.set_page_config(page_title="Component Auth0 on a bus", page_icon=":material/lock:", layout="wide")

pages = [
    st.Page("views/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("views/profile.py", title="My identity", icon=":material/badge:"),
    st.Page("views/audit.py", title="Audit", icon=":material/receipt_long:"),
]
page = st.navigation(pages)

login_bar()
st.divider()
page.run()
