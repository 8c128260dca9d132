"""Follow corosync's journal on one node over SSH, forever: parse, hand on, reconnect, resume.

`journalctl -f -o json` gives one JSON record per line with its `__CURSOR`; after a lost
connection (or a bot restart) we resume with `--after-cursor`, so no record is lost or seen
twice. Without a cursor we start at the end (`-n 0`): the past is the diagnosis' business.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from bot.corosync.logs import LogRecord, classify, parse_journal_json
from bot.errors import SshError
from bot.model import Node
from bot.monitor.observations import JournalSeen, Observation, StreamState
from bot.ssh import SshPool

log = logging.getLogger(__name__)

_CURSOR_MAX = 512


def journal_argv(cursor: str | None) -> tuple[str, ...]:
    """The follower's command; the cursor comes from journald's own output, so it is checked."""
    base = ("journalctl", "-u", "corosync", "-f", "-o", "json", "--no-pager")
    if (
        cursor
        and len(cursor) <= _CURSOR_MAX
        and cursor.isprintable()
        and not cursor.startswith("-")
    ):
        return (*base, "--after-cursor", cursor)
    return (*base, "-n", "0")


Sink = Callable[[Observation], Awaitable[None]]
CursorSink = Callable[[str, str], Awaitable[None]]
"""(node, cursor) after each record was handed on."""


async def follow(
    pool: SshPool,
    node: Node,
    *,
    cursor: str | None,
    sink: Sink,
    save_cursor: CursorSink,
    backoff_max_s: float = 30.0,
    actor: str = "monitor",
) -> None:
    """Follow until cancelled; every connect and loss is reported to `sink` as a StreamState."""
    delay_s = 1.0
    while True:
        try:
            async with pool.stream(
                node, journal_argv(cursor), actor=actor, reason="monitor journal stream"
            ) as lines:
                await sink(StreamState(node.cluster, node.name, _now(), connected=True))
                delay_s = 1.0
                async for line in lines:
                    record = parse_journal_json(line)
                    if not isinstance(record, LogRecord):
                        continue
                    at = record.at or _now()
                    await sink(JournalSeen(node.cluster, node.name, classify(record), at))
                    if record.cursor:
                        cursor = record.cursor
                        await save_cursor(node.name, cursor)
            problem = "the journal follower ended"
        except SshError as exc:
            problem = str(exc)
        await sink(StreamState(node.cluster, node.name, _now(), connected=False, error=problem))
        log.info(
            "journal stream from %s lost (%s); retrying in %.0f s", node.name, problem, delay_s
        )
        await asyncio.sleep(delay_s * random.uniform(0.8, 1.2))  # noqa: S311 - jitter
        delay_s = min(delay_s * 2, backoff_max_s)


def _now() -> datetime:
    return datetime.now(UTC)
