"""The parts of Slack's payloads the bot reads, as models: bodies are converted here, at the edge.

Slack adds fields over time, so unknown ones are ignored; the ones we act on are required and
typed, so a malformed or forged body is refused before any handler sees it.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.errors import UsageError

_ID = r"^[A-Z0-9]{2,30}$"


class SlashCommand(BaseModel):
    """A `/quorum …` invocation (https://docs.slack.dev/interactivity/implementing-slash-commands)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    command: str
    text: str = ""
    user_id: str = Field(pattern=_ID)
    user_name: str = ""
    channel_id: str = Field(pattern=_ID)
    channel_name: str = ""
    team_id: str = ""
    response_url: str = ""


class _Option(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    value: str = Field(max_length=2000)


class Action(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    action_id: str = Field(max_length=255)
    block_id: str = ""
    value: str = Field(default="", max_length=2000)
    selected_option: _Option | None = None
    """Menus (static_select) send the chosen option instead of a value."""
    action_ts: str = ""

    @property
    def chosen(self) -> str:
        """The button's value or the menu option picked."""
        return self.selected_option.value if self.selected_option else self.value


class _Id(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str = Field(pattern=_ID)


class _Container(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    message_ts: str | None = None
    channel_id: str | None = None
    is_ephemeral: bool = False


class BlockActions(BaseModel):
    """A button click (https://docs.slack.dev/reference/interaction-payloads/block_actions-payload)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    type: str
    user: _Id
    channel: _Id | None = None
    container: _Container = Field(default_factory=_Container)
    actions: tuple[Action, ...] = Field(min_length=1)
    response_url: str = ""

    @property
    def user_id(self) -> str:
        return self.user.id

    @property
    def channel_id(self) -> str | None:
        return self.channel.id if self.channel else self.container.channel_id

    @property
    def action(self) -> Action:
        return self.actions[0]


def read_slash_command(body: dict[str, Any]) -> SlashCommand:
    try:
        return SlashCommand.model_validate(body)
    except ValidationError as exc:
        raise UsageError(f"Slack sent a command this bot cannot read ({_first(exc)})") from None


def read_block_actions(body: dict[str, Any]) -> BlockActions:
    try:
        return BlockActions.model_validate(body)
    except ValidationError as exc:
        raise UsageError(f"Slack sent a click this bot cannot read ({_first(exc)})") from None


def read_json_value(value: str, what: str) -> dict[str, Any]:
    """A button's JSON value as an object, or UsageError (values come back from the client)."""
    try:
        data = json.loads(value)
    except ValueError:
        raise UsageError(f"this {what} button carries no readable value") from None
    if not isinstance(data, dict):
        raise UsageError(f"this {what} button carries no readable value")
    return data


def _first(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(p) for p in error.get("loc", ())) or "body"
    return f"{where}: {error.get('msg', 'invalid')}"
