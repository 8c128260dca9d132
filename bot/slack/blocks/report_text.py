"""A report as plain text, whole: for the file attached in a thread and for terminals. Pure."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from bot.diagnostics.report import Report
from bot.slack.blocks.message import as_utc
from bot.slack.blocks.severity import SEVERITY_STYLES, WORST_FIRST, count_phrase


def plain_text_report(report: Report, *, checked_at: datetime | None = None) -> str:
    """Every finding of ``report``, worst first, with all its nodes, runbook and evidence."""
    counts = Counter(f.severity for f in report.findings)
    lines = [
        f"Diagnosis of cluster {report.cluster}: {SEVERITY_STYLES[report.worst].verdict}",
        f"Findings: {count_phrase(counts)}",
    ]
    if checked_at is not None:
        lines.append(f"Checked at {as_utc(checked_at):%Y-%m-%d %H:%M:%S} UTC")
    for severity in WORST_FIRST:
        group = [f for f in report.findings if f.severity is severity]
        if not group:
            continue
        lines += ["", f"{SEVERITY_STYLES[severity].label.upper()} ({len(group)})"]
        for finding in group:
            lines.append(f"- [{finding.check_id}] {finding.summary}")
            if finding.nodes:
                lines.append(f"  nodes: {', '.join(finding.nodes)}")
            if finding.runbook:
                lines.append(f"  runbook: {finding.runbook}")
            evidence = [line for item in finding.evidence for line in item.splitlines() or [""]]
            if evidence:
                lines.append("  evidence:")
                lines += [f"    {line}" for line in evidence]
    if not report.findings:
        lines += ["", "No check reported anything."]
    return "\n".join(lines) + "\n"
