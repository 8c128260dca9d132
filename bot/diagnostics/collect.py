"""Gather facts from every node of a cluster over SSH, concurrently; each node on its own clock.

An unreachable node is a fact, not an exception: its checks become "unknown" while every other
node is still reported. Only commands from bot.diagnostics.commands are ever run.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.batch import TIMED_OUT, BatchItem
from bot.diagnostics.commands import ping_command, state_commands
from bot.diagnostics.counter_history import load_previous, save_current
from bot.diagnostics.facts import ClusterFacts, NodeFacts, Reach
from bot.errors import AuthFailed, HostKeyMismatch, HostKeyUnknown, SshError
from bot.model import Cluster, Node
from bot.ssh import SshPool
from bot.store.counters import CounterRepo

DEFAULT_JOURNAL_WINDOW_S = 600


async def collect(
    pool: SshPool,
    cluster: Cluster,
    *,
    actor: str,
    reason: str,
    nodes: list[str] | None = None,
    journal_window_s: int = DEFAULT_JOURNAL_WINDOW_S,
    state: bool = True,
    network: bool = True,
    ping_count: int = 10,
    counters: CounterRepo | None = None,
) -> ClusterFacts:
    """Collect state from ``nodes`` (default: all), then, with ``network``, ping every pair.

    ``state=False`` runs only the network probes (for benchmarks that time the two apart).
    With ``counters``, the NIC counters the last sweep saved become ``previous_counters`` (so
    the NIC check reports growth since then) and this sweep's are saved in their place.
    """
    chosen = [n for n in cluster.nodes if nodes is None or n.name in nodes]
    previous = (
        await load_previous(counters, cluster.name, (n.name for n in chosen)) if counters else {}
    )
    facts = await asyncio.gather(
        *(
            _collect_node(pool, cluster, n, actor, reason, journal_window_s, state=state)
            for n in chosen
        )
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
    collected = ClusterFacts(
        cluster=cluster,
        nodes=by_name,
        collected_at=datetime.now(UTC),
        journal_window_s=journal_window_s,
        previous_counters=previous,
    )
    if counters is not None:
        await save_current(counters, collected)
    return collected


async def _collect_node(
    pool: SshPool,
    cluster: Cluster,
    node: Node,
    actor: str,
    reason: str,
    window_s: int,
    *,
    state: bool,
) -> NodeFacts:
    facts = NodeFacts(node=node, reach=Reach.OK)
    commands = state_commands(cluster.flavor, node.name, window_s) if state else []
    items = [BatchItem(c.argv, c.timeout_s) for c in commands]
    try:
        if not items:
            # A network-only sweep still proves the connection before pinging from it.
            await pool.run(node, ("true",), actor=actor, reason=reason)
            return facts
        results = await pool.run_batch(node, items, actor=actor, reason=reason)
    except SshError as exc:
        facts.reach, facts.reach_error = _reach_of(exc), str(exc)
        return facts
    for index, command in enumerate(commands):
        result = results.get(index)
        if result is None:
            facts.failures[command.probe] = "no result (the batch was cut short)"
        elif result.exit_status in TIMED_OUT:
            facts.failures[command.probe] = f"timed out after {command.timeout_s:g}s"
        else:
            facts.results[command.probe] = result
    return facts


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
