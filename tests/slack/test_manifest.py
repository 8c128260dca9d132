"""deploy/slack-app-manifest.yaml holds the fields and limits Slack's manifest reference documents.

Field names and limits from https://docs.slack.dev/reference/app-manifest: display_information
(name ≤ 35, description ≤ 140, long_description 174-4000, background_color #rrggbb),
features.bot_user.display_name ≤ 80, slash_commands (command starting with "/", ≤ 32;
description ≤ 2000; usage_hint ≤ 1000), oauth_config.scopes.bot, settings (Socket Mode apps
leave out request URLs).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from bot.slack.app import COMMAND

MANIFEST = Path(__file__).parents[2] / "deploy" / "slack-app-manifest.yaml"
SCOPES = {
    "commands",
    "chat:write",
    "chat:write.public",
    "files:write",
    "usergroups:read",
    "users:read",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Metadata(_Strict):
    major_version: int = Field(ge=1)
    minor_version: int = Field(default=0, ge=0)


class DisplayInformation(_Strict):
    name: str = Field(min_length=1, max_length=35)
    description: str = Field(max_length=140)
    long_description: str = Field(min_length=174, max_length=4000)
    background_color: str = Field(pattern=r"^#[0-9a-fA-F]{6}$")


class AppHome(_Strict):
    home_tab_enabled: bool
    messages_tab_enabled: bool
    messages_tab_read_only_enabled: bool


class BotUser(_Strict):
    display_name: str = Field(min_length=1, max_length=80)
    always_online: bool


class SlashCommand(_Strict):
    command: str = Field(pattern=r"^/[a-z0-9_-]{1,31}$")
    description: str = Field(min_length=1, max_length=2000)
    usage_hint: str = Field(max_length=1000)
    should_escape: bool
    url: str | None = None


class Features(_Strict):
    app_home: AppHome
    bot_user: BotUser
    slash_commands: list[SlashCommand]


class Scopes(_Strict):
    bot: list[str]


class OauthConfig(_Strict):
    scopes: Scopes


class EventSubscriptions(_Strict):
    bot_events: list[str]
    request_url: str | None = None


class Interactivity(_Strict):
    is_enabled: bool
    request_url: str | None = None


class Settings(_Strict):
    event_subscriptions: EventSubscriptions
    interactivity: Interactivity
    org_deploy_enabled: bool
    socket_mode_enabled: Literal[True]
    token_rotation_enabled: bool


class Manifest(_Strict):
    metadata: Metadata = Field(alias="_metadata")
    display_information: DisplayInformation
    features: Features
    oauth_config: OauthConfig
    settings: Settings


def load() -> Manifest:
    return Manifest.model_validate(yaml.safe_load(MANIFEST.read_text()))


def test_the_manifest_has_only_documented_fields_within_limits() -> None:
    """Every key is one Slack documents, and every text is within its documented length."""
    load()


def test_the_manifest_declares_what_the_bot_uses() -> None:
    """The slash command is the bot's, with the scopes, interactivity and App Home it needs."""
    manifest = load()
    (command,) = manifest.features.slash_commands
    assert command.command == COMMAND
    assert set(manifest.oauth_config.scopes.bot) == SCOPES
    assert manifest.settings.interactivity.is_enabled
    assert manifest.features.app_home.home_tab_enabled
    assert "app_home_opened" in manifest.settings.event_subscriptions.bot_events


def test_socket_mode_leaves_out_request_urls() -> None:
    """In Socket Mode Slack wants no request URLs; a leftover one would be an HTTP-mode manifest."""
    manifest = load()
    assert manifest.settings.interactivity.request_url is None
    assert manifest.settings.event_subscriptions.request_url is None
    assert all(c.url is None for c in manifest.features.slash_commands)
