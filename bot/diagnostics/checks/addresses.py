"""Each node's ring addresses are configured on an interface that is up."""

from __future__ import annotations

from collections.abc import Iterator

from bot.diagnostics.checks.base import could_not_tell, finding
from bot.diagnostics.facts import ClusterFacts
from bot.diagnostics.views import CannotTell, address_view, interface_of
from bot.model import Finding, Severity

RING_LOCAL = "net.ring-address"
RUNBOOK = "repair-corosync-conf"


def check_ring_addresses(facts: ClusterFacts) -> Iterator[Finding]:
    good = []
    for node in facts.reachable():
        view = address_view(node)
        if isinstance(view, CannotTell):
            yield could_not_tell(RING_LOCAL, facts, node, view)
            continue
        name = node.node.name
        for link, address in enumerate(node.node.ring_addrs):
            interface = interface_of(view, address)
            if interface is None:
                local = sorted({a.local for i in view.interfaces for a in i.addresses})
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
            elif not (interface.admin_up and interface.lower_up):
                yield finding(
                    RING_LOCAL,
                    facts,
                    Severity.CRITICAL,
                    f"{name}'s ring{link}_addr {address} is on {interface.name}, which is down",
                    nodes=[name],
                )
            else:
                good.append(f"{name} ({interface.name}, mtu {interface.mtu or '?'})")
    if good:
        yield finding(
            RING_LOCAL, facts, Severity.OK, f"ring addresses are local: {', '.join(good)}"
        )
