"""Error and drop counters of the interfaces corosync uses: what is new since the last sweep.

With an earlier sweep's reading (``ClusterFacts.previous_counters``) only the growth since then
counts, so errors from a cable swapped last month stop alarming; a counter that went down was
reset (interface re-created, driver reloaded) and counts from zero. Without one, the totals
since the interface came up are all there is.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC

from bot.corosync.tools.netif import counter_delta
from bot.diagnostics.checks.base import could_not_tell, finding
from bot.diagnostics.facts import ClusterFacts, CounterReading
from bot.diagnostics.views import CannotTell, ring_interface_counters
from bot.model import Finding, Severity

CHECK_ID = "net.nic-errors"
COUNTERS = ("rx_errors", "tx_errors", "rx_dropped", "tx_dropped", "rx_over_errors", "rx_crc_errors")


def check(facts: ClusterFacts) -> Iterator[Finding]:
    clean: list[str] = []
    periods: list[str] = []
    for node in facts.reachable():
        counters = ring_interface_counters(node)
        if isinstance(counters, CannotTell):
            yield could_not_tell(CHECK_ID, facts, node, counters)
            continue
        previous = facts.previous_counters.get(node.node.name, {})
        for interface, now in counters.items():
            name = f"{node.node.name}/{interface}"
            before = previous.get(interface)
            counts, reset = _growth(now, before)
            period = _period(before)
            bad = {k: v for k, v in counts.items() if v}
            if not bad:
                clean.append(name)
                periods.append(f"{name}: {period}")
                continue
            new = "new " if before else ""
            summary = (
                f"{name} (corosync link) counted "
                + ", ".join(f"{v} {new}{k.replace('_', ' ')}" for k, v in bad.items())
                + f" {period}"
            )
            if reset:
                summary += " (the counters were reset in between, so these count from zero)"
            errors = any("error" in k for k in bad)
            yield finding(
                CHECK_ID,
                facts,
                Severity.WARNING if errors else Severity.INFO,
                summary,
                nodes=[node.node.name],
                evidence=[_evidence(k, now, before) for k in bad],
            )
    if clean:
        yield finding(
            CHECK_ID,
            facts,
            Severity.OK,
            f"no errors or drops on {', '.join(clean)}",
            evidence=periods,
        )


def _growth(now: dict[str, int], before: CounterReading | None) -> tuple[dict[str, int], bool]:
    """Each watched counter's growth since ``before`` (its total without it); whether reset.

    Any counter going down (bytes and packets always grow) means the interface's counters were
    reset, so every counter then counts from zero, even one that is back above its old value.
    """
    if before is None:
        return {k: now[k] for k in COUNTERS if k in now}, False
    deltas = counter_delta(before.counters, now)
    if any(d.reset for d in deltas.values()):
        return {k: now[k] for k in COUNTERS if k in now}, True
    # A counter the earlier sweep did not have (a newer iproute2, -s -s) has no growth to tell.
    return {k: deltas[k].delta for k in COUNTERS if k in deltas}, False


def _evidence(counter: str, now: dict[str, int], before: CounterReading | None) -> str:
    then = before.counters.get(counter) if before else None
    return (
        f"{counter}: {now[counter]}"
        if then is None
        else f"{counter}: {then} then, {now[counter]} now"
    )


def _period(before: CounterReading | None) -> str:
    if before is None:
        return "since the interface came up (no earlier sweep to compare with)"
    return f"since {before.at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"
