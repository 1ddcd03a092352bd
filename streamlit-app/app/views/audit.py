"""Audit: recent auth events from the audit stream (needs read:audit)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from streamlit_auth0_bus import get_contracts, require_permission, try_call_api

CONTRACTS = get_contracts()
KINDS = CONTRACTS.audit_kinds
WINDOWS = {
    "last 15 minutes": dt.timedelta(minutes=15),
    "last hour": dt.timedelta(hours=1),
    "last 24 hours": dt.timedelta(days=1),
    "last 7 days": dt.timedelta(days=7),
    "all time": None,
}

st.title("Audit")
user = require_permission("read:audit")
st.caption("Every login verified or rejected, logout, and protected call allowed or denied — from the AUDIT JetStream stream, read over `audit.query` with your token.")

c1, c2, c3, c4 = st.columns([2, 2, 2, 1])
sub = c1.text_input("User (sub)", placeholder="e.g. auth0|alice").strip()
kind = c2.selectbox("Kind", ["(any)", *KINDS])
window = c3.selectbox("Since", list(WINDOWS), index=0)
limit = int(c4.number_input("Limit", min_value=1, max_value=1000, value=200, step=50))

query: dict[str, object] = {"limit": limit}
if sub:
    query["sub"] = sub
if kind != "(any)":
    query["kind"] = kind
delta = WINDOWS[window]
if delta is not None:
    since = dt.datetime.now(dt.timezone.utc) - delta
    query["since"] = since.strftime("%Y-%m-%dT%H:%M:%S.") + f"{since.microsecond // 1000:03d}Z"

reply = try_call_api(CONTRACTS.subject("audit", "query"), query, spinner="Reading the audit stream…")
if reply is None:
    st.stop()

events = reply["events"]
m1, m2, m3 = st.columns(3)
m1.metric("Events shown", len(events))
m2.metric("Events in stream", reply["total_in_stream"])
m3.metric("Denials shown", sum(int(e.get("count", 1)) for e in events if e["kind"] in ("login.rejected", "api.denied")))

if not events:
    st.info("No audit events match these filters.")
    st.stop()

columns = ["at", "kind", "sub", "reason", "subject", "count", "until", "session_id", "token_hash", "service", "instance", "id"]
table = pd.DataFrame(events).reindex(columns=columns)
table["at"] = pd.to_datetime(table["at"], utc=True)
# An event may stand for several identical ones (`count`, newer contracts); plain events count once.
table["count"] = pd.to_numeric(table["count"], errors="coerce").fillna(1).astype(int)
# A field an event does not carry is an empty cell, not "None".
TEXT_COLUMNS = [c for c in columns if c not in ("at", "count")]
shown = table.sort_values("at", ascending=False)
shown[TEXT_COLUMNS] = shown[TEXT_COLUMNS].astype(object).where(shown[TEXT_COLUMNS].notna(), "")
# `session_id` in the audit trail is the host's opaque correlation id, never a Streamlit session id.
shown = shown.rename(columns={"session_id": "correlation_id"})
st.dataframe(shown, hide_index=True, width="stretch")

st.markdown("##### Events by kind")
by_kind = pd.DataFrame({"kind": KINDS, "events": [int(table.loc[table["kind"] == k, "count"].sum()) for k in KINDS]}).set_index("kind")
st.table(by_kind)

st.markdown("##### Logins and denials over time")
span = table["at"].max() - table["at"].min()
freq = "1min" if span <= pd.Timedelta(hours=2) else ("1h" if span <= pd.Timedelta(days=3) else "1D")
series = pd.DataFrame(
    {
        "at": table["at"].dt.floor(freq),
        "logins": (table["kind"] == "login.verified").astype(int) * table["count"],
        "denials": table["kind"].isin(["login.rejected", "api.denied"]).astype(int) * table["count"],
    }
)
chart = series.groupby("at")[["logins", "denials"]].sum()
st.bar_chart(chart, color=["#2e7d32", "#c62828"])
