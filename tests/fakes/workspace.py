"""The fake Slack's workspace: channels, users, user groups, and what the bot posted there.

Tests configure it before the bot runs (`add_channel`, `set_usergroup`, …) and read it afterwards
(`messages`, `home_views`, `files`). Web API handlers in `tests.fakes.methods` change it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Channel:
    id: str
    name: str
    is_private: bool = False


@dataclass(frozen=True)
class User:
    id: str
    name: str
    real_name: str = ""
    is_bot: bool = False
    tz: str = "Europe/Berlin"


@dataclass
class Message:
    """A message as Slack keeps it; `ephemeral_to` is set for messages only one user sees."""

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    user: str
    bot_id: str | None = None
    thread_ts: str | None = None
    ephemeral_to: str | None = None
    edits: int = 0
    reactions: dict[str, list[str]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The message object Slack returns inside chat.postMessage and chat.update answers."""
        body: dict[str, Any] = {"type": "message", "ts": self.ts, "text": self.text}
        body["user"] = self.user
        if self.bot_id is not None:
            body["bot_id"] = self.bot_id
        if self.blocks:
            body["blocks"] = self.blocks
        if self.thread_ts is not None:
            body["thread_ts"] = self.thread_ts
        return body


@dataclass
class UploadedFile:
    id: str
    filename: str
    length: int
    content: bytes | None = None
    title: str | None = None
    channel: str | None = None
    thread_ts: str | None = None
    initial_comment: str | None = None


@dataclass(frozen=True)
class BotIdentity:
    team_id: str = "T0QUORUM1"
    team: str = "quorumbot tests"
    user_id: str = "U0QBOT0001"
    user: str = "quorumbot"
    bot_id: str = "B0QBOT0001"
    app_id: str = "A0QBOT0001"
    scopes: str = "chat:write,chat:write.public,commands,users:read,usergroups:read,files:write"


# The default workspace: two public channels, one private one, and two people.
OPS = Channel("C0OPS00001", "ops")
ALERTS = Channel("C0ALERTS01", "alerts")
OPS_PRIVATE = Channel("G0PRIVATE1", "ops-private", is_private=True)
ALICE = User("U0ALICE001", "alice", "Alice Admin")
BOB = User("U0BOB00001", "bob", "Bob Viewer")


def _default_channels() -> dict[str, Channel]:
    return {c.id: c for c in (OPS, ALERTS, OPS_PRIVATE)}


def _default_users() -> dict[str, User]:
    return {u.id: u for u in (ALICE, BOB)}


@dataclass
class Workspace:
    """One Slack team as the fake knows it."""

    bot: BotIdentity = field(default_factory=BotIdentity)
    channels: dict[str, Channel] = field(default_factory=_default_channels)
    users: dict[str, User] = field(default_factory=_default_users)
    usergroups: dict[str, list[str]] = field(default_factory=dict)
    home_views: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: dict[str, UploadedFile] = field(default_factory=dict)
    _messages: list[Message] = field(default_factory=list)
    # ts values count up in steps of 100 µs from 1700000000.000100, so they are unique and ordered.
    _ts_counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _id_counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def add_channel(self, channel_id: str, name: str, *, is_private: bool = False) -> Channel:
        """Make `channel_id` a channel the bot can post to."""
        self.channels[channel_id] = Channel(channel_id, name, is_private)
        return self.channels[channel_id]

    def add_user(self, user_id: str, name: str, real_name: str = "") -> User:
        """Make `user_id` a member of the workspace."""
        self.users[user_id] = User(user_id, name, real_name or name)
        return self.users[user_id]

    def set_usergroup(self, usergroup_id: str, members: list[str]) -> None:
        """Make `members` the users of user group `usergroup_id` (an S… id)."""
        self.usergroups[usergroup_id] = list(members)

    def resolve_channel(self, ref: str) -> str | None:
        """The channel id for an id, a name or #name, or a user id (their DM); None if unknown."""
        if ref in self.channels:
            return ref
        if ref in self.users:
            return "D" + ref[1:]
        name = ref.removeprefix("#")
        return next((c.id for c in self.channels.values() if c.name == name), None)

    def next_ts(self) -> str:
        """A new message ts like "1700000000.000100", later than every earlier one."""
        micros = 1_700_000_000_000_000 + next(self._ts_counter) * 100
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def next_id(self, prefix: str) -> str:
        """A new Slack-looking object id such as F0000000001."""
        return f"{prefix}{next(self._id_counter):010d}"

    def add_message(self, message: Message) -> Message:
        self._messages.append(message)
        return message

    def post_bot_message(
        self,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]],
        *,
        thread_ts: str | None = None,
        ephemeral_to: str | None = None,
    ) -> Message:
        """A new message from the bot, with a fresh ts."""
        bot = self.bot
        message = Message(channel, self.next_ts(), text, blocks, bot.user_id, bot.bot_id)
        message.thread_ts, message.ephemeral_to = thread_ts, ephemeral_to
        return self.add_message(message)

    def post_user_message(self, channel: str, user: str, text: str) -> Message:
        """A message someone else wrote, for tests where the bot must not edit it."""
        return self.add_message(Message(channel, self.next_ts(), text, [], user))

    def remove_message(self, message: Message) -> None:
        self._messages.remove(message)

    def message(self, channel: str, ts: str) -> Message | None:
        """The message `ts` in `channel` (ephemeral ones included), if it exists."""
        return next((m for m in self._messages if m.channel == channel and m.ts == ts), None)

    def messages(
        self, channel: str | None = None, *, thread_ts: str | None = None, ephemeral: bool = False
    ) -> list[Message]:
        """Messages in posting order, optionally of one channel or thread; ephemeral ones on request."""
        return [
            m
            for m in self._messages
            if (channel is None or m.channel == channel)
            and (thread_ts is None or m.thread_ts == thread_ts)
            and (m.ephemeral_to is not None) == ephemeral
        ]
