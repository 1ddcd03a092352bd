"""Fixtures shared by the streamlit-app suites."""

from __future__ import annotations

import pytest

from streamlit_auth0_bus.contracts import Contracts, get_contracts


@pytest.fixture(scope="session")
def contracts() -> Contracts:
    return get_contracts()
