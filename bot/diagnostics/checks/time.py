"""Clocks: every node synchronised, and the nodes' clocks close to each other."""

from __future__ import annotations

from collections.abc import Iterator

from bot.diagnostics.checks.base import could_not_tell, finding
from bot.diagnostics.facts import ClusterFacts
from bot.diagnostics.views import CannotTell, clock_estimate, time_view
from bot.model import Finding, Severity

SYNC = "time.sync"
SKEW = "time.skew"
OFFSET_WARN_S = 0.5  # pmxcfs, TLS and log correlation suffer long before totem does
SKEW_WARN_S = 1.0


def check_sync(facts: ClusterFacts) -> Iterator[Finding]:
    """Each node's time service reports synchronised, with a small offset."""
    good = []
    for node in facts.reachable():
        view = time_view(node)
        if isinstance(view, CannotTell):
            yield could_not_tell(SYNC, facts, node, view)
            continue
        name = node.node.name
        if not view.synchronized:
            yield finding(
                SYNC,
                facts,
                Severity.WARNING,
                f"{name}'s clock is not synchronised (Proxmox requires synchronised time)",
                nodes=[name],
                evidence=[line for line in view.raw.splitlines() if line.strip()][:14],
            )
        elif view.offset_s is not None and abs(view.offset_s) > OFFSET_WARN_S:
            yield finding(
                SYNC,
                facts,
                Severity.WARNING,
                f"{name}'s clock is {view.offset_s:+.3f} s off its time source",
                nodes=[name],
            )
        else:
            good.append(name)
    if good:
        yield finding(SYNC, facts, Severity.OK, f"clocks synchronised on {', '.join(good)}")


def check_skew(facts: ClusterFacts) -> Iterator[Finding]:
    """The nodes' clocks agree with each other (measured against the bot's clock)."""
    estimates = {}
    for node in facts.reachable():
        estimate = clock_estimate(node)
        if estimate is not None:
            estimates[node.node.name] = estimate
    if len(estimates) < 2:
        return
    spread = max(estimates.values()) - min(estimates.values())
    ahead = max(estimates, key=lambda n: estimates[n])
    behind = min(estimates, key=lambda n: estimates[n])
    if spread > SKEW_WARN_S:
        yield finding(
            SKEW,
            facts,
            Severity.WARNING,
            f"clocks differ by {spread:.2f} s between nodes ({ahead} ahead of {behind})",
            nodes=[ahead, behind],
            evidence=[f"{n}: {v:+.3f} s vs the bot" for n, v in sorted(estimates.items())],
        )
    else:
        yield finding(SKEW, facts, Severity.OK, f"node clocks agree within {spread:.3f} s")
