"""Error and drop counters of the interfaces corosync uses."""

from __future__ import annotations

from collections.abc import Iterator

from bot.diagnostics.checks.base import finding
from bot.diagnostics.facts import ClusterFacts
from bot.diagnostics.views import address_view, link_counters
from bot.model import Finding, Severity

CHECK_ID = "net.nic-errors"
COUNTERS = ("rx_errors", "tx_errors", "rx_dropped", "tx_dropped", "rx_over_errors", "rx_crc_errors")


def check(facts: ClusterFacts) -> Iterator[Finding]:
    clean = []
    for node in facts.reachable():
        addresses, counters = address_view(node), link_counters(node)
        if addresses is None or counters is None:
            continue
        for address in node.node.ring_addrs:
            interface = addresses.interface_of(address)
            stats = counters.get(interface or "")
            if interface is None or stats is None:
                continue
            bad = {k: stats[k] for k in COUNTERS if stats.get(k)}
            name = f"{node.node.name}/{interface}"
            if bad:
                errors = {k: v for k, v in bad.items() if "error" in k}
                yield finding(
                    CHECK_ID,
                    facts,
                    Severity.WARNING if errors else Severity.INFO,
                    f"{name} (corosync link) counted "
                    + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in bad.items())
                    + " since boot",
                    nodes=[node.node.name],
                )
            else:
                clean.append(name)
    if clean:
        yield finding(CHECK_ID, facts, Severity.OK, f"no errors or drops on {', '.join(clean)}")
