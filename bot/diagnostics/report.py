"""A diagnosis as a whole: run the chosen checks, order findings, decide the exit code. Pure."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ConfigDict

from bot.diagnostics.checks.base import Check
from bot.diagnostics.facts import ClusterFacts
from bot.model import Finding, Severity

log = logging.getLogger(__name__)


class Report(BaseModel):
    model_config = ConfigDict(frozen=True)

    cluster: str
    findings: tuple[Finding, ...]

    @property
    def worst(self) -> Severity:
        return max((f.severity for f in self.findings), key=lambda s: s.rank, default=Severity.OK)

    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.severity not in (Severity.OK, Severity.INFO)]


def run_checks(facts: ClusterFacts, checks: Iterable[Check]) -> Report:
    """Every check's findings, worst first; a check that crashes becomes an "unknown" finding."""
    findings: list[Finding] = []
    for check in checks:
        try:
            findings.extend(check.fn(facts))
        except Exception as exc:  # a bug in one check must not hide the others
            log.exception("check %s crashed", check.id)
            findings.append(
                Finding(
                    check_id=check.id,
                    severity=Severity.UNKNOWN,
                    cluster=facts.cluster.name,
                    summary=f"the check itself failed ({type(exc).__name__}: {exc})",
                )
            )
    ordered = sorted(findings, key=lambda f: (-f.severity.rank, f.check_id, f.nodes))
    return Report(cluster=facts.cluster.name, findings=tuple(ordered))


def exit_code(reports: Sequence[Report]) -> int:
    """0 all ok, 1 warnings or unknowns, 2 anything critical."""
    worst = max((r.worst.rank for r in reports), default=0)
    if worst >= Severity.CRITICAL.rank:
        return 2
    if worst >= Severity.WARNING.rank:
        return 1
    return 0
