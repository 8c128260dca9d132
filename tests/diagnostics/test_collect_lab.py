"""Collecting facts from the real lab: every probe answered, dead nodes isolated, nothing else run."""

from __future__ import annotations

import pytest

from bot.config import SshSettings
from bot.diagnostics.collect import collect
from bot.diagnostics.commands import Probe, state_commands
from bot.diagnostics.facts import Reach
from bot.lab.faults import FaultKind, FaultParams
from bot.lab.lab import Lab
from bot.model import AuditRecord, Cluster, Flavor
from bot.ssh import SshPool

pytestmark = pytest.mark.lab


def lab_cluster(lab: Lab) -> Cluster:
    return lab.status().to_cluster()


async def test_every_state_probe_and_ping_comes_back_from_every_node(lab: Lab) -> None:
    """A healthy lab answers every state probe on every node, and every node pings every peer."""
    audit: list[AuditRecord] = []

    async def sink(record: AuditRecord) -> None:
        audit.append(record)

    async with SshPool(audit=sink) as pool:
        facts = await collect(pool, lab_cluster(lab), actor="test", reason="sweep", ping_count=3)
    wanted = {c.probe for c in state_commands(Flavor.COROSYNC, "qbt1", 600)}
    for node in facts.nodes.values():
        assert node.reach is Reach.OK
        # timedatectl activates systemd-timedated over D-Bus, which can outlast its timeout on a
        # loaded 2-core host; then it is a recorded timeout (chrony still answers for time sync).
        slow = (
            {Probe.TIMEDATECTL}
            if "timed out" in node.failures.get(Probe.TIMEDATECTL, "")
            else set()
        )
        assert set(node.results) | slow == wanted, node.failures
        assert set(node.failures) == slow
        assert sorted(node.pings) == sorted(set(facts.nodes) - {node.node.name})
        assert all(p.ok for p in node.pings.values())
    assert node.results[Probe.QUORUMTOOL].ok
    assert "Quorate:          Yes" in node.results[Probe.QUORUMTOOL].stdout
    allowed = {c.argv for c in state_commands(Flavor.COROSYNC, "qbt1", 600)}
    for record in audit:
        assert record.argv in allowed or record.argv[0] == "ping"
        assert (record.actor, record.reason) == ("test", "sweep")


async def test_an_unreachable_node_is_a_fact_and_does_not_hold_up_the_rest(healed: Lab) -> None:
    """With node 3's link down it is marked unreachable while nodes 1 and 2 are fully collected."""
    healed.fault("qbt3", FaultKind.LINK_DOWN, FaultParams())
    async with SshPool(SshSettings(connect_timeout_s=2.0)) as pool:
        facts = await collect(pool, lab_cluster(healed), actor="t", reason="r", ping_count=3)
    assert facts.nodes["qbt3"].reach is Reach.UNREACHABLE
    assert "no answer" in str(facts.nodes["qbt3"].reach_error)
    for name in ("qbt1", "qbt2"):
        assert facts.nodes[name].reach is Reach.OK
        assert Probe.QUORUMTOOL in facts.nodes[name].results
        assert "qbt3" not in facts.nodes[name].pings or not facts.nodes[name].pings["qbt3"].ok
