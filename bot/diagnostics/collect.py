"""Gather facts from every node of a cluster over SSH, concurrently; each node on its own clock.

An unreachable node is a fact, not an exception: its checks become "unknown" while every other
node is still reported. Only commands from bot.diagnostics.commands are ever run.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.diagnostics.commands import Command, ping_command, state_commands
from bot.diagnostics.facts import ClusterFacts, NodeFacts, Reach
from bot.errors import (
    AuthFailed,
    CommandTimeout,
    HostKeyMismatch,
    HostKeyUnknown,
    SshError,
)
from bot.model import Cluster, Node
from bot.ssh import SshPool

DEFAULT_JOURNAL_WINDOW_S = 600


async def collect(
    pool: SshPool,
    cluster: Cluster,
    *,
    actor: str,
    reason: str,
    nodes: list[str] | None = None,
    journal_window_s: int = DEFAULT_JOURNAL_WINDOW_S,
    network: bool = True,
    ping_count: int = 10,
) -> ClusterFacts:
    """Collect state from ``nodes`` (default: all), then, with ``network``, ping every pair."""
    chosen = [n for n in cluster.nodes if nodes is None or n.name in nodes]
    facts = await asyncio.gather(
        *(_collect_node(pool, cluster, n, actor, reason, journal_window_s) for n in chosen)
    )
    by_name = {f.node.name: f for f in facts}
    if network:
        await asyncio.gather(
            *(
                _ping_peers(pool, cluster, f, actor, reason, ping_count)
                for f in by_name.values()
                if f.reach is Reach.OK
            )
        )
    return ClusterFacts(
        cluster=cluster,
        nodes=by_name,
        collected_at=datetime.now(UTC),
        journal_window_s=journal_window_s,
    )


async def _collect_node(
    pool: SshPool, cluster: Cluster, node: Node, actor: str, reason: str, window_s: int
) -> NodeFacts:
    facts = NodeFacts(node=node, reach=Reach.OK)
    first, *rest = state_commands(cluster.flavor, node.name, window_s)
    # One command first: it opens (or proves) the connection, so a dead node costs one
    # connect timeout instead of one per command.
    try:
        await _run_into(pool, node, first, facts, actor, reason)
    except SshError as exc:
        facts.reach, facts.reach_error = _reach_of(exc), str(exc)
        return facts
    await asyncio.gather(
        *(_run_into(pool, node, c, facts, actor, reason, tolerate=True) for c in rest)
    )
    return facts


async def _run_into(
    pool: SshPool,
    node: Node,
    command: Command,
    facts: NodeFacts,
    actor: str,
    reason: str,
    *,
    tolerate: bool = False,
) -> None:
    try:
        facts.results[command.probe] = await pool.run(
            node, command.argv, actor=actor, reason=reason, timeout_s=command.timeout_s
        )
    except CommandTimeout as exc:
        facts.failures[command.probe] = f"timed out after {exc.timeout_s:g}s"
    except SshError as exc:
        if not tolerate:
            raise
        facts.failures[command.probe] = str(exc)


async def _ping_peers(
    pool: SshPool, cluster: Cluster, facts: NodeFacts, actor: str, reason: str, count: int
) -> None:
    async def one(peer: Node) -> None:
        address = peer.ring_addrs[0] if peer.ring_addrs else peer.address
        ping = ping_command(peer.name, address, count=count)
        try:
            facts.pings[peer.name] = await pool.run(
                facts.node, ping.argv, actor=actor, reason=reason, timeout_s=ping.timeout_s
            )
        except SshError as exc:
            facts.ping_failures[peer.name] = str(exc)

    await asyncio.gather(*(one(p) for p in cluster.nodes if p.name != facts.node.name))


def _reach_of(exc: SshError) -> Reach:
    if isinstance(exc, HostKeyMismatch):
        return Reach.HOST_KEY_CHANGED
    if isinstance(exc, HostKeyUnknown):
        return Reach.HOST_KEY_UNKNOWN
    if isinstance(exc, AuthFailed):
        return Reach.AUTH_FAILED
    return Reach.UNREACHABLE
