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


@pytest.fixture(scope="session")
def contracts() -> Contracts:
    return get_contracts()
