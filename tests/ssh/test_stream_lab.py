"""Streaming a long-running command (the corosync journal follower) from real lab nodes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import pytest

from bot.model import Cluster, Node
from bot.monitor.journal import follow, journal_argv
from bot.monitor.observations import JournalSeen, Observation
from bot.monitor.poll import poll_cluster
from bot.ssh import SshPool
from tests.ssh.doubles import Audit

pytestmark = pytest.mark.lab


async def _reload_config(pool: SshPool, node: Node) -> None:
    # corosync-cfgtool -R logs "Config reload requested by node N" on every node.
    await pool.run(node, ("corosync-cfgtool", "-R"), actor="test", reason="provoke a log line")


async def _provoke_until(pool: SshPool, node: Node, seen: Callable[[], bool]) -> None:
    """Reload until `seen()`: a follower started with -n 0 misses lines logged before it runs."""
    for _ in range(20):
        await _reload_config(pool, node)
        for _ in range(20):
            if seen():
                return
            await asyncio.sleep(0.05)
    raise AssertionError("the follower never saw a config reload")


async def test_a_stream_yields_lines_as_they_come_and_is_audited_once(
    nodes: dict[str, Node],
) -> None:
    """journalctl -f lines arrive while it runs; leaving the block ends it and audits it once."""
    audit = Audit()
    node = nodes["qbt1"]
    received: list[str] = []
    async with SshPool(audit=audit) as pool:
        async with pool.stream(node, journal_argv(None), actor="test", reason="follow") as lines:

            async def read() -> None:
                async for line in lines:
                    received.append(line)  # noqa: PERF401 - the test reads while lines arrive

            reader = asyncio.create_task(read())
            await _provoke_until(pool, node, lambda: bool(received))
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        assert '"__CURSOR"' in received[0]
        streamed = [r for r in audit.records if r.reason == "follow"]
        assert len(streamed) == 1
        assert streamed[0].stdout_bytes >= len(received[0])
        assert streamed[0].argv == journal_argv(None)
        # The channel is closed: the pool still runs commands on the same connection.
        done = await pool.run(node, ("true",), actor="test", reason="after")
        assert done.ok


async def test_the_follower_resumes_after_its_cursor_without_repeats(
    nodes: dict[str, Node],
) -> None:
    """A record logged while nobody follows arrives after the restart, and none arrives twice."""
    node = nodes["qbt2"]
    seen: list[JournalSeen] = []
    cursors: list[str] = []

    async def sink(observation: Observation) -> None:
        if isinstance(observation, JournalSeen):
            seen.append(observation)

    async def save_cursor(_node: str, cursor: str) -> None:
        cursors.append(cursor)

    def reloads() -> list[JournalSeen]:
        return [o for o in seen if o.event.kind == "config-reload"]

    async with SshPool() as pool:
        first = asyncio.create_task(
            follow(pool, node, cursor=None, sink=sink, save_cursor=save_cursor)
        )
        await _provoke_until(pool, node, lambda: bool(reloads()))
        await asyncio.sleep(0.5)  # let any reload still in flight arrive before stopping
        first.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await first
        before = len(reloads())
        # While nobody follows, corosync logs another reload; the resumed follower gets it.
        await _reload_config(pool, node)
        second = asyncio.create_task(
            follow(pool, node, cursor=cursors[-1], sink=sink, save_cursor=save_cursor)
        )
        for _ in range(300):
            if len(reloads()) > before:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)  # a repeated record would show up now
        second.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await second
    assert len(reloads()) == before + 1
    record_cursors = [o.event.record.cursor for o in seen]
    assert len(record_cursors) == len(set(record_cursors))


async def test_a_poll_round_reads_every_nodes_view(nodes: dict[str, Node]) -> None:
    """The monitor's poll sees corosync running and all three nodes in one quorate membership."""
    cluster = Cluster(name="qbt", nodes=tuple(nodes.values()))
    async with SshPool() as pool:
        poll = await poll_cluster(pool, cluster)
    assert {v.node for v in poll.views} == set(nodes)
    for view in poll.views:
        assert view.reachable
        assert view.corosync_running
        assert view.quorate
        assert view.members == frozenset(nodes)
        assert view.expected_votes == view.total_votes == 3
