"""Corosync's UDP ports: bound on every node, and knet's links connected pairwise.

Whether a firewall lets them through is bot.diagnostics.checks.firewall.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.corosync.tools.firewall import corosync_port
from bot.diagnostics.checks.base import could_not_tell, finding
from bot.diagnostics.facts import ClusterFacts
from bot.diagnostics.views import (
    CannotTell,
    knet_links,
    knet_stats,
    service_state,
    udp_listeners,
)
from bot.model import Finding, Severity

BOUND = "ports.bound"
MATRIX = "links.matrix"


def check_bound(facts: ClusterFacts) -> Iterator[Finding]:
    """corosync listens on UDP 5405+link on each of its ring addresses."""
    good = []
    for node in facts.reachable():
        if service_state(node) != "active":
            continue  # the service check already reports it
        listeners = udp_listeners(node)
        if isinstance(listeners, CannotTell):
            yield could_not_tell(BOUND, facts, node, listeners)
            continue
        name = node.node.name
        for link, address in enumerate(node.node.ring_addrs):
            port = corosync_port(link)
            owners = listeners.owners_of(port)
            if "corosync" not in owners:
                yield finding(
                    BOUND,
                    facts,
                    Severity.CRITICAL,
                    f"{name}: nothing from corosync listens on UDP {port} (link {link}, {address})"
                    + (f"; {', '.join(owners)} holds it" if owners else ""),
                    nodes=[name],
                )
            else:
                good.append(f"{name}:{port}")
    if good:
        yield finding(BOUND, facts, Severity.OK, f"corosync listens on {', '.join(good)}")


def _link_flaps(facts: ClusterFacts, by_id: dict[int, str]) -> list[str]:
    """Links that went down after coming up (stats.knet.node<N>.link<L>.down_count).

    knet counts a link's initial down state too, so a link that never failed shows 1.
    """
    flaps = []
    for node in facts.reachable():
        for link in knet_stats(node) or ():
            peer = by_id.get(link.nodeid)
            drops = (link.down_count or 0) - 1
            if peer and peer != node.node.name and drops > 0:
                flaps.append(f"{node.node.name}->{peer} link {link.link_id}: {drops}x")
    return flaps


def check_matrix(facts: ClusterFacts) -> Iterator[Finding]:
    """knet's own view of every node pair: which links are connected, as an N×N matrix."""
    by_id = {n.nodeid: n.name for n in facts.cluster.nodes if n.nodeid is not None}
    rows, broken = [], []
    for node in facts.reachable():
        if service_state(node) != "active":
            continue
        links = knet_links(node)
        if links is None:
            continue
        cells = []
        for peer_id, peer in sorted(by_id.items()):
            if peer == node.node.name:
                cells.append(f"{peer}:self")
                continue
            connected = links.get(peer_id)
            cells.append(f"{peer}:{'ok' if connected else 'DOWN' if connected is False else '?'}")
            if not connected:
                broken.append((node.node.name, peer))
        rows.append(f"{node.node.name} -> " + "  ".join(cells))
    flaps = _link_flaps(facts, by_id)
    if flaps:
        yield finding(
            MATRIX,
            facts,
            Severity.WARNING,
            "knet links have gone down since corosync started: " + ", ".join(flaps),
            nodes=sorted({f.split("->")[0] for f in flaps}),
        )
    if broken:
        pairs = ", ".join(f"{a}->{b}" for a, b in broken)
        yield finding(
            MATRIX,
            facts,
            Severity.CRITICAL,
            f"corosync links down between {pairs}",
            nodes=sorted({n for pair in broken for n in pair}),
            evidence=rows,
        )
    elif rows:
        yield finding(
            MATRIX,
            facts,
            Severity.OK,
            "every node's knet links to every peer are up",
            evidence=rows,
        )
