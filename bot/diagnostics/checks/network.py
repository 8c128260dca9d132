"""Packet loss, latency and jitter between every pair of nodes on the corosync addresses."""

from __future__ import annotations

from collections.abc import Iterator

from bot.diagnostics.checks.base import finding
from bot.diagnostics.facts import ClusterFacts
from bot.diagnostics.views import PingView, ping_view
from bot.model import Finding, Severity

PATHS = "net.paths"
LATENCY_WARN_MS = 5.0  # pvecm.adoc: corosync wants latency "under 5 milliseconds"
JITTER_WARN_MS = 2.0


def measured(facts: ClusterFacts) -> dict[tuple[str, str], PingView]:
    """Every pair's ping result, keyed (from, to)."""
    pairs = {}
    for node in facts.reachable():
        for peer, result in node.pings.items():
            view = ping_view(result)
            if view is not None:
                pairs[(node.node.name, peer)] = view
    return pairs


def check_paths(facts: ClusterFacts) -> Iterator[Finding]:
    pairs = measured(facts)
    problems = 0
    for (source, target), view in sorted(pairs.items()):
        where = f"{source} -> {target}"
        if view.received == 0:
            problems += 1
            yield finding(
                PATHS,
                facts,
                Severity.CRITICAL,
                f"{where}: no reply to {view.sent} pings on the corosync address",
                nodes=[source, target],
                evidence=[view.raw.strip().splitlines()[-1]] if view.raw.strip() else [],
            )
        elif view.loss_pct > 0:
            problems += 1
            yield finding(
                PATHS,
                facts,
                Severity.WARNING,
                f"{where}: {view.loss_pct:g}% packet loss",
                nodes=[source, target],
                evidence=view.raw.strip().splitlines()[-2:],
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
                evidence=view.raw.strip().splitlines()[-1:],
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
    if pairs and not problems:
        worst = max((v.rtt_avg_ms or 0.0) for v in pairs.values())
        yield finding(
            PATHS,
            facts,
            Severity.OK,
            f"{len(pairs)} paths measured: no loss, worst average latency {worst:.2f} ms",
        )
