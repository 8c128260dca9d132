"""Settings: built once from QUORUMBOT_* environment variables and an optional TOML/YAML file.

Precedence, highest first: explicit arguments, environment, the settings file, defaults.
"""

from __future__ import annotations

import os
import tomllib
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from bot.errors import ConfigError

CONFIG_ENV = "QUORUMBOT_CONFIG"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:////var/lib/quorumbot/quorumbot.db"


def _default_runbooks_dir() -> Path:
    """The repository's runbooks/ in a checkout; else where a package would install them."""
    checkout = Path(__file__).resolve().parents[1] / "runbooks"
    return checkout if checkout.is_dir() else Path("/usr/share/quorumbot/runbooks")


def _cache_home() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


class LabSettings(BaseModel):
    """Where the lab keeps its state and its cached node image, and where Debian comes from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    state_dir: Path = Path("/var/lib/quorumbot/labs")
    """One folder per lab: node overlays, keys, console logs, state.json."""
    cache_dir: Path = Field(default_factory=lambda: _cache_home() / "quorumbot")
    """The debootstrapped base image, rebuilt only when its package list changes."""
    debian_mirror: str = "http://deb.debian.org/debian"
    boot_timeout_s: float = Field(default=120.0, gt=0)
    """How long `lab up` waits for every node to boot and the cluster to become quorate."""


class SshSettings(BaseModel):
    """Timeouts and limits; the defaults suit a LAN cluster seen from a bot next to it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    connect_timeout_s: float = Field(default=5.0, gt=0)
    """TCP connect + handshake + login; past it the node counts as unreachable."""
    command_timeout_s: float = Field(default=30.0, gt=0)
    keepalive_interval_s: float = Field(default=10.0, ge=0)
    keepalive_count_max: int = Field(default=3, ge=1)
    max_handshakes: int = Field(default=8, ge=1)
    """Handshakes cost client CPU (asyncssh #573); bound how many run at once."""
    channels_per_connection: int = Field(default=8, ge=1, le=10)
    """OpenSSH's MaxSessions defaults to 10 channels per connection; stay below it."""


class SlackSettings(BaseModel):
    """How the bot reaches Slack: Socket Mode when an app token is set, else HTTP."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    bot_token: SecretStr | None = None
    """The bot user OAuth token, ``xoxb-…``."""
    app_token: SecretStr | None = None
    """An app-level token (``xapp-…``, scope connections:write) selects Socket Mode."""
    signing_secret: SecretStr | None = None
    """Verifies HTTP requests from Slack; required in HTTP mode."""
    api_base_url: str = "https://slack.com/api/"
    """Only tests change this (a local fake of Slack's Web API)."""
    http_host: str = "127.0.0.1"
    """HTTP mode listens here; put a TLS reverse proxy in front of it."""
    http_port: int = Field(default=3000, ge=0, le=65535)
    """0 picks a free port (tests); the bound address is logged."""
    policy_file: Path | None = None
    """Who may see and do what (see deploy/policy.example.yaml); without it, nobody may."""
    max_retries: int = Field(default=3, ge=0, le=10)
    """Retries of a Web API call after 429 (honouring Retry-After), 5xx or a dropped connection."""

    @property
    def mode(self) -> Literal["socket", "http"]:
        return "socket" if self.app_token is not None else "http"


class MonitorSettings(BaseModel):
    """The membership monitor: journal streams plus an active poll, and how calm its alerts are."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    poll_interval_s: float = Field(default=15.0, ge=1.0)
    """The poll sees what no stream can: a dead node, a partition that silenced one."""
    hold_down_s: float = Field(default=120.0, ge=0.0)
    """An incident resolves only after the cluster has been whole this long, checked afresh."""
    alert_channels: dict[str, str] = Field(default_factory=dict)
    """Cluster name -> Slack channel id for its alert threads (``*`` for every other cluster)."""
    stream_backoff_max_s: float = Field(default=30.0, ge=1.0)


class Settings(BaseSettings):
    """Everything quorumbot can be told; unknown keys are errors, so typos never pass silently."""

    model_config = SettingsConfigDict(
        env_prefix="QUORUMBOT_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    log_level: Literal["debug", "info", "warning", "error"] = "info"
    database_url: SecretStr = SecretStr(DEFAULT_DATABASE_URL)
    """SQLAlchemy async URL: sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER:PW@HOST/DB."""
    ssh: SshSettings = Field(default_factory=SshSettings)
    lab: LabSettings = Field(default_factory=LabSettings)
    runbooks_dir: Path = Field(default_factory=lambda: _default_runbooks_dir())
    """Where the runbook YAML files are (`quorumbot runbooks validate` checks them)."""
    slack: SlackSettings = Field(default_factory=SlackSettings)
    monitor: MonitorSettings = Field(default_factory=MonitorSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _FileSource(settings_cls))


# The settings file chosen at run time; read by _FileSource while load_settings() builds.
_file_values: ContextVar[dict[str, Any] | None] = ContextVar("_file_values", default=None)


class _FileSource(PydanticBaseSettingsSource):
    """Values from the TOML/YAML settings file, beneath the environment (sources deep-merge)."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        values = _file_values.get() or {}
        return values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(_file_values.get() or {})


def read_settings_file(path: Path) -> dict[str, Any]:
    """Parse a TOML or YAML settings file into a mapping, or raise ConfigError saying why not."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(str(path), [f"cannot read the file: {exc.strerror}"]) from exc
    try:
        if path.suffix == ".toml":
            data: object = tomllib.loads(text)
        elif path.suffix in {".yaml", ".yml"}:
            data = yaml.safe_load(text)
        else:
            raise ConfigError(str(path), ["unknown file type: use .toml, .yaml or .yml"])
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(str(path), [f"not valid {path.suffix[1:].upper()}: {exc}"]) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(str(path), ["the top level must be a table/mapping of settings"])
    return data


def load_settings(path: Path | None = None, **overrides: Any) -> Settings:
    """Build Settings once; a wrong key or value raises ConfigError naming key, problem, expectation."""
    if path is None and os.environ.get(CONFIG_ENV):
        path = Path(os.environ[CONFIG_ENV])
    sources = "QUORUMBOT_* environment" + (f" and {path}" if path else "")
    token = _file_values.set(read_settings_file(path) if path else {})
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(sources, [describe_error(e) for e in exc.errors()]) from None
    finally:
        _file_values.reset(token)


def describe_error(error: Any) -> str:
    """One line: which key, what is wrong, what is expected."""
    key = ".".join(str(part) for part in error.get("loc", ())) or "(top level)"
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return f"{key}: unknown setting (check the spelling; see `quorumbot config show`)"
    given = error.get("input")
    shown = f" (got {given!r})" if not isinstance(given, dict | list) else ""
    return f"{key}: {error.get('msg', 'invalid value')}{shown}"
