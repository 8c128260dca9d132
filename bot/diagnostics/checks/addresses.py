"""Each node's ring addresses are configured on an interface that is up."""

from __future__ import annotations

from collections.abc import Iterator

from bot.diagnostics.checks.base import finding, unknown
from bot.diagnostics.commands import Probe
from bot.diagnostics.facts import ClusterFacts
from bot.diagnostics.views import address_view
from bot.model import Finding, Severity

RING_LOCAL = "net.ring-address"
RUNBOOK = "repair-corosync-conf"


def check_ring_addresses(facts: ClusterFacts) -> Iterator[Finding]:
    good = []
    for node in facts.reachable():
        view = address_view(node)
        if view is None:
            yield unknown(RING_LOCAL, facts, node, Probe.IP_ADDR)
            continue
        name = node.node.name
        for link, address in enumerate(node.node.ring_addrs):
            interface = view.interface_of(address)
            if interface is None:
                local = sorted({a for addrs in view.by_interface.values() for a in addrs})
                yield finding(
                    RING_LOCAL,
                    facts,
                    Severity.CRITICAL,
                    f"{name}'s ring{link}_addr {address} is not on any of its interfaces: "
                    "corosync cannot use link "
                    f"{link} (fix the address, or corosync.conf if the node was renumbered)",
                    nodes=[name],
                    evidence=[f"addresses on {name}: {', '.join(local)}"],
                    runbook=RUNBOOK,
                )
            elif not view.up.get(interface, False):
                yield finding(
                    RING_LOCAL,
                    facts,
                    Severity.CRITICAL,
                    f"{name}'s ring{link}_addr {address} is on {interface}, which is down",
                    nodes=[name],
                )
            else:
                good.append(f"{name} ({interface}, mtu {view.mtu.get(interface, '?')})")
    if good:
        yield finding(
            RING_LOCAL, facts, Severity.OK, f"ring addresses are local: {', '.join(good)}"
        )
