"""Packet loss, latency and jitter between every pair of nodes on the corosync addresses."""

from __future__ import annotations

from collections.abc import Iterator

from bot.corosync.tools.ping import PingSummary
from bot.diagnostics.checks.base import could_not_tell, finding
from bot.diagnostics.facts import ClusterFacts
from bot.diagnostics.views import CannotTell, ping_view
from bot.model import Finding, Severity

PATHS = "net.paths"
LATENCY_WARN_MS = 5.0  # pvecm.adoc: corosync wants latency "under 5 milliseconds"
JITTER_WARN_MS = 2.0


def measured(facts: ClusterFacts) -> dict[tuple[str, str], PingSummary]:
    """Every pair's readable ping summary, keyed (from, to)."""
    pairs = {}
    for node in facts.reachable():
        for peer, result in node.pings.items():
            summary = ping_view(result)
            if isinstance(summary, PingSummary):
                pairs[(node.node.name, peer)] = summary
    return pairs


def check_paths(facts: ClusterFacts) -> Iterator[Finding]:
    measured_count = problems = 0
    worst = 0.0
    for node in facts.reachable():
        source = node.node.name
        for target, result in sorted(node.pings.items()):
            where = f"{source} -> {target}"
            view = ping_view(result)
            if isinstance(view, CannotTell):
                problems += 1
                yield could_not_tell(
                    PATHS, facts, node, view, about=f"whether {where} loses packets"
                )
                continue
            measured_count += 1
            worst = max(worst, view.rtt_avg_ms or 0.0)
            lines = result.stdout.strip().splitlines()
            if view.received == 0:
                problems += 1
                yield finding(
                    PATHS,
                    facts,
                    Severity.CRITICAL,
                    f"{where}: no reply to {view.sent} pings on the corosync address",
                    nodes=[source, target],
                    evidence=lines[-1:],
                )
            elif view.loss_pct > 0:
                problems += 1
                yield finding(
                    PATHS,
                    facts,
                    Severity.WARNING,
                    f"{where}: {view.loss_pct:g}% packet loss",
                    nodes=[source, target],
                    evidence=lines[-2:],
                    runbook="raise-totem-timeouts",
                )
            elif view.rtt_avg_ms is not None and view.rtt_avg_ms > LATENCY_WARN_MS:
                problems += 1
                yield finding(
                    PATHS,
                    facts,
                    Severity.WARNING,
                    f"{where}: average latency {view.rtt_avg_ms:.1f} ms (corosync wants < 5 ms)",
                    nodes=[source, target],
                    evidence=lines[-1:],
                )
            elif view.rtt_mdev_ms is not None and view.rtt_mdev_ms > JITTER_WARN_MS:
                problems += 1
                yield finding(
                    PATHS,
                    facts,
                    Severity.WARNING,
                    f"{where}: jitter {view.rtt_mdev_ms:.1f} ms",
                    nodes=[source, target],
                )
    if measured_count and not problems:
        yield finding(
            PATHS,
            facts,
            Severity.OK,
            f"{measured_count} paths measured: no loss, worst average latency {worst:.2f} ms",
        )
