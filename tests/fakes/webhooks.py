"""response_url webhooks: the URLs Slack puts in slash-command and interaction payloads.

A response_url takes JSON (`text`, `blocks`, `response_type`, `replace_original`,
`delete_original`, `thread_ts`) and may be used "up to 5 times within 30 minutes"
(https://api.slack.com/interactivity/slash-commands). It answers in plain text: `ok`, or an
error code. Slack does not document what a spent or expired URL answers; this fake's 404
`used_url` / `expired_url` are its own choice, and slack_sdk only checks the status anyway.

Assumption kept simple: the "original" message is the one the URL was made for (a message with
buttons), or else the last message posted through the URL (a slash command's first reply).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from tests.fakes.clock import Clock
from tests.fakes.methods import content_error
from tests.fakes.workspace import Message, Workspace

USES_MAX = 5
LIFETIME_S = 30 * 60


@dataclass
class ResponseUrl:
    channel: str
    user: str
    original_ts: str | None
    created: float
    uses: int = 0


class ResponseUrls:
    """The response_urls the fake has handed out, and what posting to them does."""

    def __init__(self, workspace: Workspace, clock: Clock) -> None:
        self._workspace = workspace
        self._clock = clock
        self._urls: dict[str, ResponseUrl] = {}

    def create(self, channel: str, user: str, *, message_ts: str | None = None) -> str:
        """A new response_url id for `user` in `channel`, about message `message_ts` if given."""
        url_id = secrets.token_hex(8)
        self._urls[url_id] = ResponseUrl(channel, user, message_ts, self._clock())
        return url_id

    def post(self, url_id: str, body: dict[str, Any]) -> tuple[int, str]:
        """Apply one POST of `body` to response_url `url_id`: (HTTP status, plain-text answer)."""
        url = self._urls.get(url_id)
        if url is None:
            return 404, "no_service"
        if self._clock() - url.created > LIFETIME_S:
            return 404, "expired_url"
        if url.uses >= USES_MAX:
            return 404, "used_url"
        url.uses += 1
        original = self._original(url)
        if _flag(body.get("delete_original")):
            if original is not None:
                self._workspace.remove_message(original)
                url.original_ts = None
            return 200, "ok"
        refused = content_error(body.get("text"), body.get("blocks"))
        if refused is not None:
            return 400, str(refused.body["error"])
        text, blocks = str(body.get("text") or ""), list(body.get("blocks") or [])
        if _flag(body.get("replace_original")) and original is not None:
            original.text, original.blocks = text, blocks
            original.edits += 1
            return 200, "ok"
        url.original_ts = self._post_new(url, body, text, blocks).ts
        return 200, "ok"

    def _original(self, url: ResponseUrl) -> Message | None:
        if url.original_ts is None:
            return None
        return self._workspace.message(url.channel, url.original_ts)

    def _post_new(
        self, url: ResponseUrl, body: dict[str, Any], text: str, blocks: list[dict[str, Any]]
    ) -> Message:
        # Slack's default response_type is "ephemeral": only the user who acted sees the reply.
        ephemeral_to = None if body.get("response_type") == "in_channel" else url.user
        thread_ts = body.get("thread_ts")
        return self._workspace.post_bot_message(
            url.channel, text, blocks, thread_ts=thread_ts, ephemeral_to=ephemeral_to
        )


def _flag(value: object) -> bool:
    return value is True or value in {"true", "1"}
