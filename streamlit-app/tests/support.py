"""Helpers shared by the test suites (imported as ``tests.support``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
APP_DIR = REPO_ROOT / "streamlit-app" / "app"
VECTORS_DIR = REPO_ROOT / "libs" / "contracts" / "vectors"
SCHEMAS_DIR = REPO_ROOT / "streamlit-app" / "src" / "streamlit_auth0_bus" / "schemas"


def load_vectors(name: str) -> dict[str, Any]:
    return json.loads((VECTORS_DIR / f"{name}.json").read_text(encoding="utf-8"))


def vector_names() -> list[str]:
    return sorted(p.stem for p in VECTORS_DIR.glob("*.json"))
