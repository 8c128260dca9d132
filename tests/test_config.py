"""Settings come from QUORUMBOT_* variables and an optional file, and errors name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_settings
from bot.errors import ConfigError


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for key in list(os.environ):
        if key.startswith("QUORUMBOT_"):
            monkeypatch.delenv(key)


def test_defaults_need_no_file_and_no_environment() -> None:
    """With nothing set, settings are the documented defaults."""
    settings = load_settings()
    assert settings.log_level == "info"
    assert settings.lab.state_dir == Path("/var/lib/quorumbot/labs")


def test_toml_file_values_are_read(tmp_path: Path) -> None:
    """A TOML file sets nested values."""
    path = tmp_path / "q.toml"
    path.write_text('log_level = "debug"\n[lab]\nstate_dir = "/srv/labs"\n')
    settings = load_settings(path)
    assert settings.log_level == "debug"
    assert settings.lab.state_dir == Path("/srv/labs")


def test_yaml_file_values_are_read(tmp_path: Path) -> None:
    """A YAML file sets nested values."""
    path = tmp_path / "q.yaml"
    path.write_text("lab:\n  boot_timeout_s: 30\n")
    assert load_settings(path).lab.boot_timeout_s == 30


def test_environment_beats_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A QUORUMBOT_* variable overrides the same key in the file, leaving its siblings alone."""
    path = tmp_path / "q.toml"
    path.write_text('[lab]\nstate_dir = "/srv/labs"\nboot_timeout_s = 30\n')
    monkeypatch.setenv("QUORUMBOT_LAB__BOOT_TIMEOUT_S", "45")
    settings = load_settings(path)
    assert settings.lab.boot_timeout_s == 45
    assert settings.lab.state_dir == Path("/srv/labs")


def test_config_env_variable_names_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """QUORUMBOT_CONFIG points at the settings file when no path is given."""
    path = tmp_path / "q.toml"
    path.write_text('log_level = "error"\n')
    monkeypatch.setenv("QUORUMBOT_CONFIG", str(path))
    assert load_settings().log_level == "error"


def test_unknown_keys_are_named(tmp_path: Path) -> None:
    """A misspelt key is an error naming its full path."""
    path = tmp_path / "q.toml"
    path.write_text('[lab]\nstat_dir = "/x"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert caught.value.problems == [
        "lab.stat_dir: unknown setting (check the spelling; see `quorumbot config show`)"
    ]


def test_wrong_values_say_what_is_expected(monkeypatch: pytest.MonkeyPatch) -> None:
    """A value of the wrong kind names the key, the rule and the value given."""
    monkeypatch.setenv("QUORUMBOT_LOG_LEVEL", "loud")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    (problem,) = caught.value.problems
    assert problem.startswith("log_level: Input should be 'debug', 'info', 'warning' or 'error'")
    assert "'loud'" in problem


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("q.toml", "log_level = ", "not valid TOML"),
        ("q.yaml", "lab: [unclosed", "not valid YAML"),
        ("q.yaml", "- a list\n", "must be a table/mapping"),
        ("q.ini", "x=1", "unknown file type"),
    ],
)
def test_unreadable_files_are_explained(
    tmp_path: Path, name: str, content: str, expected: str
) -> None:
    """A settings file that cannot be read as settings says why, and names the file."""
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(ConfigError, match=expected) as caught:
        load_settings(path)
    assert str(path) in str(caught.value)


def test_missing_file_is_explained(tmp_path: Path) -> None:
    """A settings file that does not exist is reported as such."""
    with pytest.raises(ConfigError, match="cannot read the file"):
        load_settings(tmp_path / "absent.toml")


def test_the_shipped_example_loads() -> None:
    """deploy/quorumbot.example.toml is valid as shipped and selects HTTP mode without tokens."""
    example = Path(__file__).parents[1] / "deploy" / "quorumbot.example.toml"
    settings = load_settings(example)
    assert settings.slack.policy_file == Path("/etc/quorumbot/policy.yaml")
    assert settings.slack.mode == "http"


def test_an_app_token_selects_socket_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """Setting the app token switches the bot to Socket Mode; secrets never show in repr."""
    monkeypatch.setenv("QUORUMBOT_SLACK__APP_TOKEN", "xapp-1-secret")
    settings = load_settings()
    assert settings.slack.mode == "socket"
    assert "xapp-1-secret" not in repr(settings)
