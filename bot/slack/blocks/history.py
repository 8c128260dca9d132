"""`/quorum history`: the latest remote commands from the audit log, as a monospaced list. Pure."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from typing import Final

from bot.model import AuditRecord
from bot.slack.blocks.message import BLOCK_TEXT_BUDGET, Message, header, message, pack, section
from bot.slack.blocks.mrkdwn import FENCE, clip, mrkdwn
from bot.slack.limits import MAX_BLOCKS, block_text_length

LINE_MAX: Final = 300


def history_message(records: Sequence[AuditRecord]) -> Message:
    """Newest first: when, who, where, what ran, and how it ended."""
    title = header(f"Audit log: latest {len(records)} remote commands")
    if not records:
        empty = section("No remote commands have been run for the clusters of this channel.")
        return message("history", "No remote commands in the audit log.", [title, empty])
    lines = [mrkdwn(" ".join(_line(r).splitlines()), LINE_MAX) for r in records]
    listed, shown = pack(
        lines,
        lambda chunk: f"{FENCE}\n" + "\n".join(chunk) + f"\n{FENCE}",
        budget=BLOCK_TEXT_BUDGET - block_text_length([title]) - 100,
        most=MAX_BLOCKS["message"] - 2,
    )
    blocks = [title, *listed]
    if shown < len(lines):
        blocks.append(section(f"…and {len(lines) - shown} older entries not shown."))
    return message("history", f"Audit log: {len(records)} remote commands", blocks)


def _line(record: AuditRecord) -> str:
    when = record.at.strftime("%Y-%m-%d %H:%M:%S")
    if record.exit_status is not None:
        outcome = f"exit {record.exit_status}"
    else:
        outcome = clip(record.error or "did not finish", 60)
    command = clip(shlex.join(record.argv), 120)
    return (
        f"{when} {record.actor} {record.cluster}/{record.node} "
        f"{command} -> {outcome} ({record.duration_s:.2f}s)"
    )
