"""A cluster's health at a glance, from what a sweep collected and what the checks concluded. Pure.

`cluster_health(facts, report)` reads the same typed views the checks read (bot.diagnostics.views),
so the status line and the diagnosis never disagree about quorum, membership or links. Anything
no node could tell is None ("unknown"), never a guess.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from pydantic import BaseModel, ConfigDict

from bot.diagnostics.facts import ClusterFacts, Reach
from bot.diagnostics.report import Report
from bot.diagnostics.views import QuorumView, knet_links, quorum_view, service_state
from bot.model import Finding, Severity

TOP_PROBLEMS: Final = 5


class Partition(BaseModel):
    """One side of a split: the nodes that share a membership view, and what they see."""

    model_config = ConfigDict(frozen=True)

    seen_by: tuple[str, ...]
    members: tuple[str, ...]
    """Member names (``nodeid N`` for members the inventory does not know)."""
    quorate: bool


class LinkSummary(BaseModel):
    """knet's view of every (node -> peer) pair, from `corosync-cfgtool -s` on each node."""

    model_config = ConfigDict(frozen=True)

    up: int = 0
    down: int = 0
    down_pairs: tuple[str, ...] = ()
    """``"node1->node3"`` for each pair with a link that is not connected."""
    unread: tuple[str, ...] = ()
    """Nodes whose link status could not be read (unreachable, corosync stopped, bad output)."""


class ClusterHealth(BaseModel):
    """What `/quorum status` and the App Home show about one cluster."""

    model_config = ConfigDict(frozen=True)

    cluster: str
    checked_at: datetime
    quorate: bool | None
    """True when some node is quorate (the cluster provides service), None when no node could say."""
    expected_votes: int | None = None
    total_votes: int | None = None
    quorum: int | None = None
    inventory: tuple[str, ...]
    members: tuple[str, ...] | None
    """Inventory nodes in the (quorate, largest) membership; None when no node could report it."""
    missing: tuple[str, ...] = ()
    """Inventory nodes (with a known nodeid) that are not in that membership."""
    strangers: tuple[int, ...] = ()
    """Member nodeids the inventory does not know."""
    unreachable: tuple[str, ...] = ()
    partitions: tuple[Partition, ...] = ()
    """Empty unless nodes disagree about the membership."""
    links: LinkSummary = LinkSummary()
    worst: Severity
    counts: dict[Severity, int]
    """How many findings of each severity (every severity present, zero included)."""
    top_problems: tuple[Finding, ...] = ()
    """The worst warning/unknown/critical findings, worst first (at most TOP_PROBLEMS)."""
    open_incidents: int = 0
    """Set by the caller (``health.model_copy(update={"open_incidents": n})``)."""


def cluster_health(facts: ClusterFacts, report: Report) -> ClusterHealth:
    """The health of ``facts.cluster`` as its facts show it and ``report`` judged it."""
    by_id = {n.nodeid: n.name for n in facts.cluster.nodes if n.nodeid is not None}
    views = _quorum_views(facts)
    groups: dict[tuple[int, ...], list[str]] = {}
    for name, view in views.items():
        groups.setdefault(view.members, []).append(name)

    members: tuple[str, ...] | None = None
    missing: tuple[str, ...] = ()
    strangers: tuple[int, ...] = ()
    chosen: QuorumView | None = None
    if groups:
        # The side that holds quorum, else the largest: what the membership check compares too.
        majority = max(groups, key=lambda m: (any(views[n].quorate for n in groups[m]), len(m)))
        chosen = max((views[n] for n in groups[majority]), key=lambda v: v.quorate)
        members = tuple(by_id[i] for i in majority if i in by_id)
        missing = tuple(by_id[i] for i in sorted(by_id) if i not in majority)
        strangers = tuple(i for i in majority if i not in by_id)

    partitions: tuple[Partition, ...] = ()
    if len(groups) > 1:
        partitions = tuple(
            Partition(
                seen_by=tuple(sorted(seen_by)),
                members=tuple(by_id.get(i, f"nodeid {i}") for i in ids),
                quorate=any(views[n].quorate for n in seen_by),
            )
            for ids, seen_by in sorted(groups.items(), key=lambda g: (-len(g[0]), g[0]))
        )

    return ClusterHealth(
        cluster=facts.cluster.name,
        checked_at=facts.collected_at,
        quorate=any(v.quorate for v in views.values()) if views else None,
        expected_votes=chosen.expected_votes if chosen else None,
        total_votes=chosen.total_votes if chosen else None,
        quorum=chosen.quorum if chosen else None,
        inventory=tuple(n.name for n in facts.cluster.nodes),
        members=members,
        missing=missing,
        strangers=strangers,
        unreachable=tuple(name for name, n in facts.nodes.items() if n.reach is not Reach.OK),
        partitions=partitions,
        links=_links(facts, by_id),
        worst=report.worst,
        counts={s: sum(f.severity is s for f in report.findings) for s in Severity},
        top_problems=tuple(report.problems()[:TOP_PROBLEMS]),
    )


def _quorum_views(facts: ClusterFacts) -> dict[str, QuorumView]:
    """Each reachable node's quorum view, for nodes where corosync is active and readable."""
    views = {}
    for node in facts.reachable():
        view = quorum_view(node) if service_state(node) == "active" else None
        if view is not None:
            views[node.node.name] = view
    return views


def _links(facts: ClusterFacts, by_id: dict[int, str]) -> LinkSummary:
    up, down, unread = 0, [], []
    for name, node in facts.nodes.items():
        links = knet_links(node) if service_state(node) == "active" else None
        if links is None:
            unread.append(name)
            continue
        for peer_id, connected in sorted(links.items()):
            if connected:
                up += 1
            else:
                down.append(f"{name}->{by_id.get(peer_id, f'nodeid {peer_id}')}")
    return LinkSummary(up=up, down=len(down), down_pairs=tuple(down), unread=tuple(unread))
