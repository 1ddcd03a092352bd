"""Fixtures shared by the streamlit-app suites."""

from __future__ import annotations

import pytest

from streamlit_auth0_bus.config import DEFAULTS
from streamlit_auth0_bus.contracts import Contracts, get_contracts


@pytest.fixture(autouse=True)
def _hermetic_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see only the settings they set: none from the shell or a developer's .env file."""
    for name in DEFAULTS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AUTH0_BUS_ENV_FILE", "/nonexistent/streamlit-app-tests.env")
    # login_bar()'s self-check probes COMPONENT_URL and RELAY_URL (the standard ports, where another
    # suite's stack may or may not run): on only in the tests of the self-check, which set it.
    monkeypatch.setenv("COMPONENT_SELF_CHECK", "false")


@pytest.fixture(scope="session")
def contracts() -> Contracts:
    return get_contracts()
