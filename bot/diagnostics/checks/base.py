"""What every check module shares: the check record and small helpers for building findings."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.diagnostics.commands import Probe
from bot.diagnostics.facts import ClusterFacts, NodeFacts
from bot.diagnostics.views import CannotTell
from bot.model import Finding, Severity

RAW_EVIDENCE_LINES = 20

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


def could_not_tell(
    check_id: str, facts: ClusterFacts, node: NodeFacts, cannot: CannotTell, *, about: str = ""
) -> Finding:
    """ "Could not tell" for one node from a view's CannotTell, showing the text it could not read.

    ``about`` narrows what could not be told, e.g. "whether qbt1 -> qbt2 loses packets".
    """
    name = node.node.name
    lines = [line for line in cannot.raw.splitlines() if line.strip()]
    evidence = lines[:RAW_EVIDENCE_LINES]
    if len(lines) > RAW_EVIDENCE_LINES:
        evidence.append(f"… {len(lines) - RAW_EVIDENCE_LINES} more lines")
    what = about or f"on {name}"
    return finding(
        check_id,
        facts,
        Severity.UNKNOWN,
        f"could not tell {what}: {cannot.why}",
        nodes=[name],
        evidence=evidence,
    )
