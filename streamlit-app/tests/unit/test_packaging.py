"""The package is installed like any package: it does not force or import what only the demo needs,
and it carries its own contract (issues 15 and 16)."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.support import REPO_ROOT, SCHEMAS_DIR

PYPROJECT = REPO_ROOT / "streamlit-app" / "pyproject.toml"


def project() -> dict[str, object]:
    return dict(tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"])


def names(requirements: object) -> set[str]:
    assert isinstance(requirements, list)
    out = set()
    for req in requirements:
        name = str(req)
        for stop in "<>=!~[; ":
            name = name.split(stop)[0]
        out.add(name.lower())
    return out


def test_pandas_is_a_demo_extra_not_a_dependency() -> None:
    meta = project()
    assert "pandas" not in names(meta["dependencies"])
    extras = meta["optional-dependencies"]
    assert isinstance(extras, dict) and "pandas" in names(extras["demo"])


def test_importing_the_package_and_its_helpers_does_not_import_pandas() -> None:
    code = (
        "import sys\n"
        "import streamlit_auth0_bus, streamlit_auth0_bus.helpers\n"
        "streamlit_auth0_bus.get_contracts()\n"
        "print('pandas' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "False", out.stdout + out.stderr


def test_every_schema_of_the_index_is_package_data() -> None:
    index = json.loads((SCHEMAS_DIR / "index.json").read_text(encoding="utf-8"))
    for name in index["schemas"]:
        assert (SCHEMAS_DIR / f"{name}.json").is_file(), name
    pyproject = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    assert "schemas/*.json" in pyproject["tool"]["setuptools"]["package-data"]["streamlit_auth0_bus"]


def test_the_package_reads_no_repository_file() -> None:
    """Only config.py looks outside the package, and only at streamlit-app/.env of a source tree."""
    src = Path(SCHEMAS_DIR).parent
    for module in src.glob("*.py"):
        text = module.read_text(encoding="utf-8")
        if module.name == "config.py":
            continue
        assert "parents[" not in text and "REPO_ROOT" not in text, module.name
