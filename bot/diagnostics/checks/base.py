"""What every check module shares: the check record and small helpers for building findings."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.diagnostics.commands import Probe
from bot.diagnostics.facts import ClusterFacts, NodeFacts
from bot.model import Finding, Severity

CheckFn = Callable[[ClusterFacts], Iterable[Finding]]


@dataclass(frozen=True)
class Check:
    """A named check: what it looks at and the function that judges it."""

    id: str
    description: str
    fn: CheckFn
    needs: frozenset[Probe] = frozenset()


def finding(
    check_id: str,
    facts: ClusterFacts,
    severity: Severity,
    summary: str,
    *,
    nodes: Iterable[str] = (),
    evidence: Iterable[str] = (),
    runbook: str | None = None,
) -> Finding:
    return Finding(
        check_id=check_id,
        severity=severity,
        cluster=facts.cluster.name,
        nodes=tuple(nodes),
        summary=summary,
        evidence=tuple(evidence),
        runbook=runbook,
    )


def unknown(check_id: str, facts: ClusterFacts, node: NodeFacts, probe: Probe) -> Finding:
    """ "Could not tell, because …" for one node: never to be read as ok."""
    return finding(
        check_id,
        facts,
        Severity.UNKNOWN,
        f"could not tell on {node.node.name}: {node.why_missing(probe)}",
        nodes=[node.node.name],
    )
