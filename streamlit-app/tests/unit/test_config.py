from __future__ import annotations

from pathlib import Path

import pytest

from streamlit_auth0_bus.config import DEFAULTS, ConfigError, Settings, load_settings

ENV_SAMPLE = Path(__file__).resolve().parents[2] / ".env.sample"


def test_defaults_point_at_the_local_stack(tmp_path: Path) -> None:
    s = load_settings({}, env_file=tmp_path / "missing.env")
    assert s.nats_url == "nats://127.0.0.1:4222"
    assert s.nats_user == "streamlit-host"
    assert s.nats_password == "streamlit-host-dev-password"
    assert s.component_url == "http://localhost:3001/streamlit"
    assert s.relay_url == "ws://localhost:8888/ws"
    assert s.auth0_audience == "http://localhost:8888/api"
    assert s.bus_timeout_ms == 3000 and s.bus_timeout == 3.0
    assert "dev-password" not in repr(s)


def test_environment_overrides_the_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("NATS_URL=nats://10.0.0.1:4222\nBUS_TIMEOUT_MS=1500\nNATS_USER=from-file\n")
    s = load_settings({"NATS_USER": "from-env", "UNRELATED": "x"}, env_file=env_file)
    assert (s.nats_url, s.bus_timeout_ms, s.nats_user) == ("nats://10.0.0.1:4222", 1500, "from-env")


def test_env_file_from_variable(tmp_path: Path) -> None:
    env_file = tmp_path / "custom.env"
    env_file.write_text("RELAY_URL=wss://relay.example.com/ws\n")
    assert load_settings({"AUTH0_BUS_ENV_FILE": str(env_file)}).relay_url == "wss://relay.example.com/ws"


def test_a_component_build_folder_is_refused_with_what_to_do_instead(tmp_path: Path) -> None:
    # The old "release mode" could not serve the frame (its popup and session routes are server routes).
    with pytest.raises(ConfigError, match="COMPONENT_BUILD_DIR is not supported.*COMPONENT_URL"):
        Settings.from_mapping({"COMPONENT_BUILD_DIR": str(tmp_path)})


def test_the_articles_api_audience_is_accepted_when_auth0_audience_is_unset() -> None:
    assert Settings.from_mapping({"API_AUDIENCE": "https://api.example.com"}).auth0_audience == "https://api.example.com"
    assert Settings.from_mapping({"AUTH0_AUDIENCE": "a", "API_AUDIENCE": "b"}).auth0_audience == "a"


@pytest.mark.parametrize(
    "values",
    [
        {"BUS_TIMEOUT_MS": "soon"},
        {"BUS_TIMEOUT_MS": "0"},
        {"NATS_URL": "http://x"},
        {"COMPONENT_URL": "localhost:3001"},
        {"RELAY_URL": "http://localhost:8888/ws"},
        {"COMPONENT_BUILD_DIR": "/definitely/not/here"},
    ],
)
def test_unusable_values_are_reported(values: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        Settings.from_mapping(values)


def test_env_sample_documents_every_variable() -> None:
    text = ENV_SAMPLE.read_text()
    for name in [*DEFAULTS, "AUTH0_BUS_ENV_FILE"]:
        assert f"{name}=" in text, name


def test_production_mode_refuses_the_development_nats_password() -> None:
    for values in ({"AUTH_BUS_ENV": "production"}, {"AUTH_BUS_ENV": "production", "NATS_PASSWORD": "streamlit-host-dev-password"}):
        with pytest.raises(ConfigError, match="NATS_PASSWORD") as err:
            Settings.from_mapping(values)
        assert "AUTH_BUS_ENV=production" in str(err.value)
        assert "streamlit-host-dev-password" not in str(err.value), "the message names the variable, not the secret"
    s = Settings.from_mapping({"AUTH_BUS_ENV": "production", "NATS_PASSWORD": "a-real-secret"})
    assert s.production and s.nats_password == "a-real-secret"
    dev = Settings.from_mapping({})
    assert not dev.production and dev.environment == "development"


def test_an_unknown_environment_is_reported() -> None:
    with pytest.raises(ConfigError, match="AUTH_BUS_ENV"):
        Settings.from_mapping({"AUTH_BUS_ENV": "prod"})


def test_env_file_beside_the_app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An app outside the repository reads the .env beside its main script (not the cwd's)."""
    from streamlit.testing.v1 import AppTest

    import streamlit_auth0_bus.config as config

    monkeypatch.delenv("AUTH0_BUS_ENV_FILE")
    monkeypatch.setattr(config, "_source_tree_env", lambda: None)
    app_dir = tmp_path / "my_app"
    app_dir.mkdir()
    (app_dir / ".env").write_text("APP_HOSTNAME=From beside the app\n")
    script = app_dir / "my_app.py"
    script.write_text("import streamlit as st\nfrom streamlit_auth0_bus import load_settings\nst.write(load_settings().hostname)\n")
    monkeypatch.chdir(tmp_path)
    at = AppTest.from_file(str(script), default_timeout=30).run()
    assert not at.exception
    assert [m.value for m in at.markdown] == ["From beside the app"]
