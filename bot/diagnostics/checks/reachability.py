"""Can we ask every node at all? Unreachable nodes and changed host keys come first."""

from __future__ import annotations

from collections.abc import Iterator

from bot.diagnostics.checks.base import finding
from bot.diagnostics.facts import ClusterFacts, Reach
from bot.model import Finding, Severity

CHECK_ID = "ssh.reachable"

_SEVERITY = {
    Reach.UNREACHABLE: Severity.CRITICAL,
    Reach.HOST_KEY_CHANGED: Severity.CRITICAL,
    Reach.HOST_KEY_UNKNOWN: Severity.WARNING,
    Reach.AUTH_FAILED: Severity.CRITICAL,
}
_WHAT = {
    Reach.UNREACHABLE: "does not answer over SSH; its own checks are unknown",
    Reach.HOST_KEY_CHANGED: "presents a DIFFERENT SSH host key than the trusted one; refused",
    Reach.HOST_KEY_UNKNOWN: "has no trusted SSH host key yet; not contacted",
    Reach.AUTH_FAILED: "refuses our SSH key",
}


def check(facts: ClusterFacts) -> Iterator[Finding]:
    for node in facts.nodes.values():
        if node.reach is Reach.OK:
            continue
        yield finding(
            CHECK_ID,
            facts,
            _SEVERITY[node.reach],
            f"{node.node.name} {_WHAT[node.reach]}",
            nodes=[node.node.name],
            evidence=[node.reach_error or ""],
        )
    if all(n.reach is Reach.OK for n in facts.nodes.values()):
        yield finding(CHECK_ID, facts, Severity.OK, f"all {len(facts.nodes)} nodes answer over SSH")
