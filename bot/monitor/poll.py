"""The active poll: ask every node, from outside the cluster, whether corosync runs and whom it sees.

A poll needs no stream and survives what silences one (a dead node, a partition, a wedged
journald). Two cheap read-only commands per node, in one SSH channel, each audited; every node
on its own timeout so a dead node delays nobody's view.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.batch import TIMED_OUT, BatchItem
from bot.corosync.tools.quorumtool import QuorumStatus, parse_quorumtool_status
from bot.errors import SshError
from bot.model import Cluster, CommandResult, Node
from bot.monitor.observations import NodeView, Poll
from bot.ssh import SshPool

_STOPPED = frozenset({"inactive", "failed", "deactivating"})

POLL_COMMANDS = (
    BatchItem(("systemctl", "is-active", "corosync"), 5.0),
    BatchItem(("corosync-quorumtool", "-s"), 5.0),
)


async def poll_cluster(pool: SshPool, cluster: Cluster, *, actor: str = "monitor") -> Poll:
    """One round: every node's view, taken concurrently."""
    at = datetime.now(UTC)
    views = await asyncio.gather(*(_poll_node(pool, cluster, n, actor) for n in cluster.nodes))
    return Poll(cluster=cluster.name, at=at, views=tuple(views))


async def _poll_node(pool: SshPool, cluster: Cluster, node: Node, actor: str) -> NodeView:
    try:
        results = await pool.run_batch(node, POLL_COMMANDS, actor=actor, reason="monitor poll")
    except SshError as exc:
        return NodeView(node=node.name, at=datetime.now(UTC), reachable=False, error=str(exc))
    return node_view(cluster, node, results.get(0), results.get(1), datetime.now(UTC))


def node_view(
    cluster: Cluster,
    node: Node,
    active: CommandResult | None,
    quorum: CommandResult | None,
    at: datetime,
) -> NodeView:
    """What one node's two answers say; an answer we cannot read leaves its fields unknown."""
    running = None
    if active is not None and active.exit_status not in TIMED_OUT:
        state = active.stdout.strip()
        # A D-Bus hiccup or an unknown answer is "could not tell", never "not running".
        running = True if state == "active" else False if state in _STOPPED else None
    status = None
    if quorum is not None and quorum.exit_status not in TIMED_OUT:
        parsed = parse_quorumtool_status(quorum.stdout, quorum.stderr, quorum.exit_status)
        status = parsed if isinstance(parsed, QuorumStatus) else None
    if status is None or status.is_quorate is None:
        quorate = False if running is False else None
        return NodeView(
            node=node.name, at=at, reachable=True, corosync_running=running, quorate=quorate
        )
    names = {n.nodeid: n.name for n in cluster.nodes if n.nodeid is not None}
    members = status.membership.members if status.membership else ()
    votes = status.votequorum
    return NodeView(
        node=node.name,
        at=at,
        reachable=True,
        corosync_running=running,
        quorate=status.is_quorate,
        members=frozenset(names.get(m.nodeid, f"nodeid {m.nodeid}") for m in members),
        expected_votes=votes.expected_votes if votes else None,
        total_votes=votes.total_votes if votes else None,
    )
