"""NIC counters across sweeps: the last sweep's readings in, this sweep's readings out.

The checks stay pure: ``collect`` puts what ``load_previous`` read into
``ClusterFacts.previous_counters`` and hands the sweep to ``save_current`` afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.diagnostics.commands import Probe
from bot.diagnostics.facts import ClusterFacts, CounterReading
from bot.diagnostics.views import CannotTell, ring_interface_counters
from bot.store.counters import CounterRepo


async def load_previous(
    repo: CounterRepo, cluster: str, nodes: Iterable[str]
) -> dict[str, dict[str, CounterReading]]:
    """The saved readings of ``nodes``, by node then interface; nodes never saved are left out."""
    previous: dict[str, dict[str, CounterReading]] = {}
    for node in nodes:
        saved = await repo.previous(cluster, node)
        if saved:
            previous[node] = {
                interface: CounterReading(reading.at, reading.counters)
                for interface, reading in saved.items()
            }
    return previous


async def save_current(repo: CounterRepo, facts: ClusterFacts) -> None:
    """Save the counters of every node whose corosync interfaces could be read this sweep.

    A node that could not be read keeps its older reading, so the next growth is still "since"
    a time that is true.
    """
    for node in facts.reachable():
        counters = ring_interface_counters(node)
        result = node.results.get(Probe.IP_LINK_STATS)
        if result is None or isinstance(counters, CannotTell):
            continue
        await repo.save(facts.cluster.name, node.node.name, result.started_at, counters)
