"""ClusterFacts built from the real lab captures in tests/fixtures/lab (see its PROVENANCE.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from bot.diagnostics.commands import Probe
from bot.diagnostics.facts import ClusterFacts, NodeFacts, Reach
from bot.model import Cluster, CommandResult, Flavor, Node

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "lab"
NODES = {"qbcap1": (1, "198.18.0.11"), "qbcap2": (2, "198.18.0.12"), "qbcap3": (3, "198.18.0.13")}
PROBES = {
    "systemctl-is-active-corosync": Probe.COROSYNC_ACTIVE,
    "corosync-v": Probe.COROSYNC_VERSION,
    "quorumtool-s": Probe.QUORUMTOOL,
    "cfgtool-s": Probe.CFGTOOL_STATUS,
    "cfgtool-n": Probe.CFGTOOL_NODES,
    "cmapctl": Probe.CMAP,
    "cmapctl-stats": Probe.CMAP_STATS,
    "corosync-conf": Probe.LOCAL_CONF,
    "journal-json": Probe.JOURNAL,
    "chronyc-tracking": Probe.CHRONY,
    "timedatectl-show": Probe.TIMEDATECTL,
    "clock": Probe.CLOCK,
    "ip-j-addr": Probe.IP_ADDR,
    "ip-s-j-link": Probe.IP_LINK_STATS,
    "ss-uanp": Probe.SS_UDP,
    "iptables-save": Probe.IPTABLES,
}
AT = datetime(2026, 11, 25, 7, 15, tzinfo=UTC)


def result(node: str, folder: Path, slug: str) -> CommandResult:
    meta = json.loads((folder / f"{slug}.meta.json").read_text())
    # captured_at is the second the command finished: a one-second window around it.
    finished = datetime.fromisoformat(meta["captured_at"])
    return CommandResult(
        node=node,
        argv=tuple(meta["argv"]),
        exit_status=meta["exit_status"],
        stdout=(folder / f"{slug}.out").read_text(),
        stderr=meta["stderr"],
        started_at=finished,
        duration_s=1.0,
    )


def lab_facts(scenario: str, *, unreachable: tuple[str, ...] = ()) -> ClusterFacts:
    """The captured scenario as facts; nodes in ``unreachable`` look as SSH would see them."""
    nodes = {
        name: Node(cluster="qbcap", name=name, nodeid=nodeid, address=addr, ring_addrs=(addr,))
        for name, (nodeid, addr) in NODES.items()
    }
    facts: dict[str, NodeFacts] = {}
    for index, (name, node) in enumerate(nodes.items()):
        if name in unreachable:
            facts[name] = NodeFacts(
                node=node,
                reach=Reach.UNREACHABLE,
                reach_error=f"{name}: no answer from root@{node.address}:22 (timed out)",
            )
            continue
        folder = FIXTURES / scenario / name
        node_facts = NodeFacts(node=node, reach=Reach.OK)
        for slug, probe in PROBES.items():
            if (folder / f"{slug}.out").exists():  # older captures lack some probes
                node_facts.results[probe] = result(name, folder, slug)
        peer = list(nodes)[(index + 1) % len(nodes)]  # each captured node pinged the next one
        node_facts.pings[peer] = result(name, folder, "ping")
        facts[name] = node_facts
    cluster = Cluster(name="qbcap", flavor=Flavor.COROSYNC, nodes=tuple(nodes.values()))
    return ClusterFacts(cluster=cluster, nodes=facts, collected_at=AT, journal_window_s=600)
