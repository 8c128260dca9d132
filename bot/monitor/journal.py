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


def journal_argv(cursor: str | None, since: datetime | None = None) -> tuple[str, ...]:
    """The follower's command: after `cursor`, else since `since` (a reconnect), else from now.

    The cursor comes from journald's own output, so it is checked before it is passed on.
    """
    base = ("journalctl", "-u", "corosync", "-f", "-o", "json", "--no-pager")
    if (
        cursor
        and len(cursor) <= _CURSOR_MAX
        and cursor.isprintable()
        and not cursor.startswith("-")
    ):
        return (*base, "--after-cursor", cursor)
    if since is not None:
        return (*base, "--since", f"@{int(since.timestamp())}")
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
    lost_at: datetime | None = None
    while True:
        received = 0
        try:
            argv = journal_argv(cursor, lost_at)
            async with pool.stream(
                node, argv, actor=actor, reason="monitor journal stream"
            ) as lines:
                await sink(StreamState(node.cluster, node.name, _now(), connected=True))
                async for line in lines:
                    received += 1
                    delay_s = 1.0  # only a stream that delivers counts as working
                    record = parse_journal_json(line)
                    if not isinstance(record, LogRecord):
                        continue
                    await sink(
                        JournalSeen(node.cluster, node.name, classify(record), record.at or _now())
                    )
                    if record.cursor:
                        cursor = record.cursor
                        await save_cursor(node.name, cursor)
            problem = "the journal follower ended" + ("" if received else " without a line")
        except SshError as exc:
            problem = str(exc)
        except Exception as exc:  # the watch must outlive any one failure (a full disk, a bug)
            log.exception("journal stream from %s failed", node.name)
            problem = f"{type(exc).__name__}: {exc}"
        lost_at = lost_at if received == 0 and lost_at else _now()
        try:
            await sink(StreamState(node.cluster, node.name, _now(), connected=False, error=problem))
        except Exception:
            log.exception("reporting the loss of the stream from %s failed", node.name)
        log.info(
            "journal stream from %s lost (%s); retrying in %.0f s", node.name, problem, delay_s
        )
        await asyncio.sleep(delay_s * random.uniform(0.8, 1.2))  # noqa: S311 - jitter
        delay_s = min(delay_s * 2, backoff_max_s)


def _now() -> datetime:
    return datetime.now(UTC)
