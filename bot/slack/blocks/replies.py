"""Short answers: help, errors, plain text and the "working…" placeholder that is later updated in place. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from pydantic import BaseModel, ConfigDict

from bot.slack.blocks.message import BLOCK_TEXT_BUDGET, Message, context, message, pack, section
from bot.slack.blocks.mrkdwn import inline_code, mrkdwn
from bot.slack.limits import MAX_BLOCKS, SECTION_TEXT_MAX, block_text_length

USAGE_MAX: Final = 200
DESCRIPTION_MAX: Final = 500
ERROR_MAX: Final = SECTION_TEXT_MAX - 20


class CommandHelp(BaseModel):
    """One command as `/quorum help` lists it."""

    model_config = ConfigDict(frozen=True)

    name: str
    usage: str
    """How to call it, e.g. ``/quorum status <cluster>``."""
    description: str


def help_message(commands: Sequence[CommandHelp]) -> Message:
    """The commands this user may run (the caller has filtered them), usage and what each does."""
    if not commands:
        text = ":lock: There is no `/quorum` command you may run here; ask an admin for access."
        return message("help", text, [section(text)])
    entries = [
        f"{inline_code(c.usage, USAGE_MAX)}\n{mrkdwn(c.description, DESCRIPTION_MAX)}"
        for c in commands
    ]
    intro = section("*What `/quorum` can do for you*")
    listed, shown = pack(
        entries,
        "\n\n".join,
        budget=BLOCK_TEXT_BUDGET - block_text_length([intro]) - 100,
        most=MAX_BLOCKS["message"] - 2,  # the intro, and the "…and N more" line
    )
    blocks = [intro, *listed]
    if shown < len(entries):
        blocks.append(context(f"…and {len(entries) - shown} more commands."))
    fallback = "\n".join(inline_code(c.usage, USAGE_MAX) for c in commands)
    return message("help", fallback, blocks)


def error_message(text: str) -> Message:
    """An ephemeral answer that something was wrong: what, and (in ``text``) what to do."""
    shown = f":warning: {mrkdwn(text, ERROR_MAX)}"
    return message("error", f":warning: {mrkdwn(text, 39_000)}", [section(shown)])


def text_message(text: str) -> Message:
    """A plain answer in our own words; ``text`` may use mrkdwn formatting (`code`, *bold*)."""
    shown = mrkdwn(text, SECTION_TEXT_MAX) or "…"
    return message("text", mrkdwn(text, 39_000) or shown, [section(shown)])


def working_message(what: str) -> Message:
    """The placeholder posted at once and replaced by the answer when the work is done."""
    shown = f":hourglass_flowing_sand: Working… {mrkdwn(what, ERROR_MAX)}"
    return message("working", shown, [section(shown)])
