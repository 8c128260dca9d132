"""A Slack message as data (fallback text and blocks), and the blocks renderers build it from. Pure.

Block ids are ``<kind>.<index>.<digest of the block>``: unique within a message, and new whenever
a block changes, as Slack asks of a message that is updated in place ("if a message is updated,
use a new block_id": https://docs.slack.dev/reference/block-kit/blocks).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, field_validator

from bot.slack.blocks.mrkdwn import clip, fit
from bot.slack.limits import (
    BUTTON_TEXT_MAX,
    CUMULATIVE_BLOCK_TEXT_MAX,
    HEADER_TEXT_MAX,
    SECTION_FIELD_TEXT_MAX,
    SECTION_TEXT_MAX,
    truncate_message_text,
)

Block = dict[str, Any]

# Slack rejected a message at 11,341 characters of block text (bolt-js #2867) although the
# figure usually quoted is 12,000: renderers aim below both.
BLOCK_TEXT_BUDGET: Final = CUMULATIVE_BLOCK_TEXT_MAX - 2_000


class Message(BaseModel):
    """What chat.postMessage, chat.update and respond() take: fallback ``text`` and ``blocks``."""

    model_config = ConfigDict(frozen=True)

    text: str
    """Shown in notifications and by clients that cannot show blocks; mrkdwn, ≤ 40,000 chars."""
    blocks: list[Block]

    @field_validator("text")
    @classmethod
    def _as_slack_keeps_it(cls, text: str) -> str:
        return truncate_message_text(text)

    def payload(self) -> dict[str, Any]:
        """Keyword arguments for chat.postMessage / chat.update / respond()."""
        return {"text": self.text, "blocks": self.blocks}


def message(kind: str, text: str, blocks: Sequence[Block]) -> Message:
    """A message of ``kind`` (the block id prefix) with every block given its block id."""
    return Message(text=text, blocks=with_block_ids(kind, blocks))


def with_block_ids(kind: str, blocks: Sequence[Block]) -> list[Block]:
    out = []
    for index, block in enumerate(blocks):
        body = json.dumps(block, sort_keys=True).encode()
        digest = hashlib.sha256(body).hexdigest()[:8]
        out.append({**block, "block_id": f"{kind}.{index}.{digest}"})
    return out


def plain(text: str, most: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, most) or "-", "emoji": True}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, HEADER_TEXT_MAX)}


def section(text: str, *, accessory: Block | None = None) -> Block:
    """A section of mrkdwn the caller built (and escaped); cut to Slack's 3,000 as a last resort."""
    block: Block = {"type": "section", "text": {"type": "mrkdwn", "text": _fit_mrkdwn(text)}}
    if accessory is not None:
        block["accessory"] = accessory
    return block


def fields(*texts: str) -> Block:
    """A section of up to ten short mrkdwn fields shown in two columns."""
    items = [{"type": "mrkdwn", "text": fit(t, SECTION_FIELD_TEXT_MAX) or "-"} for t in texts[:10]]
    return {"type": "section", "fields": items}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": t} for t in texts[:10]]}


def divider() -> Block:
    return {"type": "divider"}


def button(text: str, *, action_id: str, value: str) -> Block:
    return {
        "type": "button",
        "text": plain(text, BUTTON_TEXT_MAX),
        "action_id": action_id,
        "value": value,
    }


def pack(
    entries: Sequence[str],
    render: Callable[[Sequence[str]], str],
    *,
    budget: int,
    most: int,
) -> tuple[list[Block], int]:
    """``entries`` in as few sections as hold them, and how many entries fit.

    Each section's text is ``render(its entries)`` (at most 3,000 characters); all sections
    together hold at most ``budget`` characters and number at most ``most``.
    """
    texts: list[str] = []
    chunk: list[str] = []
    used = shown = 0
    for entry in entries:
        grown = render([*chunk, entry])
        if chunk and len(grown) > SECTION_TEXT_MAX:
            texts.append(render(chunk))
            used += len(texts[-1])
            chunk, grown = [], render([entry])
        if len(grown) > SECTION_TEXT_MAX or used + len(grown) > budget or len(texts) >= most:
            break
        chunk.append(entry)
        shown += 1
    if chunk:
        texts.append(render(chunk))
    return [section(text) for text in texts], shown


def slack_time(at: datetime) -> str:
    """``at`` in each reader's own time zone, with UTC for clients that cannot convert it."""
    # https://docs.slack.dev/messaging/formatting-message-text#date-formatting
    at = as_utc(at)
    fallback = at.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(at.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def as_utc(at: datetime) -> datetime:
    """``at`` in UTC; a naive time is taken to be UTC already."""
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC)


def _fit_mrkdwn(text: str) -> str:
    if len(text) <= SECTION_TEXT_MAX:
        return text or " "
    cut = fit(text, SECTION_TEXT_MAX - 4)
    # An odd number of fences means the cut fell inside a code block: close it.
    return cut + "\n```" if cut.count("```") % 2 else cut
