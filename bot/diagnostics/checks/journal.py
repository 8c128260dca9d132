"""What corosync itself logged during the sweep's window, counted, with the telling lines."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from bot.corosync.logs import LogEvent
from bot.diagnostics.checks.base import finding, unknown
from bot.diagnostics.checks.quorum import membership_complete
from bot.diagnostics.commands import Probe
from bot.diagnostics.facts import ClusterFacts
from bot.diagnostics.views import journal_events
from bot.model import Finding, Severity

CHECK_ID = "corosync.journal"
RAISE_TIMEOUTS = "raise-totem-timeouts"


@dataclass(frozen=True)
class Rule:
    """How one kind of journal event is judged."""

    kinds: tuple[str, ...]
    severity: Severity
    summary: str
    runbook: str | None = None
    at_least: int = 1
    per_node: bool = False
    """Count per node (flapping is one node seeing many changes, not many nodes seeing one)."""


# Order matters only for reading; every rule is applied. Exit status 8 is "config error".
RULES = (
    Rule(
        ("continuous-gather",),
        Severity.CRITICAL,
        "cannot form a cluster: totem is continuously in gather "
        "state, most often a local firewall blocking UDP 5405-5412",
        "open-firewall-ports",
    ),
    Rule(
        ("config-version-mismatch",),
        Severity.CRITICAL,
        "corosync exited because its config_version differs from the cluster's",
        "repair-corosync-conf",
    ),
    Rule(
        ("exiting",),
        Severity.CRITICAL,
        "corosync exited with an error status",
        "repair-corosync-conf",
    ),
    Rule(
        ("membership",),
        Severity.CRITICAL,
        "the membership changed repeatedly (flapping)",
        RAISE_TIMEOUTS,
        at_least=3,
        per_node=True,
    ),
    Rule(
        ("processor-failed", "token-not-received"),
        Severity.WARNING,
        "token timeouts: a node stopped answering within the token",
        RAISE_TIMEOUTS,
    ),
    Rule(
        ("process-pause", "main-not-scheduled"),
        Severity.WARNING,
        "corosync was paused or not scheduled longer than safe (CPU starvation, VM pause)",
        RAISE_TIMEOUTS,
    ),
    Rule(
        ("retransmit", "failed-to-receive"),
        Severity.WARNING,
        "retransmissions: messages are being lost between nodes",
        RAISE_TIMEOUTS,
        at_least=5,
    ),
    # "has no active links" alone is also logged for every peer while knet starts up: not counted.
    Rule(("link-down",), Severity.WARNING, "knet links went down"),
    Rule(("mtu-misconfiguration",), Severity.WARNING, "path MTU problems on a corosync link"),
    Rule(
        ("decrypt-failed", "packet-rejected"),
        Severity.WARNING,
        "packets from a node with another authkey or from an unlisted address",
    ),
    Rule(("quorum-lost",), Severity.CRITICAL, "a node lost quorum"),
)


def check(facts: ClusterFacts) -> Iterator[Finding]:
    by_node: dict[str, list[LogEvent]] = {}
    for node in facts.reachable():
        events = journal_events(node)
        if events is None:
            yield unknown(CHECK_ID, facts, node, Probe.JOURNAL)
        else:
            by_node[node.node.name] = events
    window = f"last {facts.journal_window_s // 60} min"
    complete = membership_complete(facts)
    departed = any(e.kind == "membership" and e.left for found in by_node.values() for e in found)
    quiet = True
    for rule in RULES:
        hits = {
            name: [e for e in events if e.kind in rule.kinds and _counts(rule, e)]
            for name, events in by_node.items()
        }
        hits = {name: events for name, events in hits.items() if events}
        counts_by_node = [len(e) for e in hits.values()]
        total = max(counts_by_node, default=0) if rule.per_node else sum(counts_by_node)
        if total < rule.at_least:
            continue
        runbook, summary = rule.runbook, rule.summary
        if runbook == RAISE_TIMEOUTS and complete is False:
            # A node is missing right now: its departure explains the timeouts. Raising them
            # would hide the next failure, not fix this one.
            runbook = None
            summary += ", as expected while a node is missing from the membership"
        elif "token-not-received" in rule.kinds and departed:
            runbook = None
            summary += ", when a node left the membership"
        quiet = False
        last = max(
            (e for events in hits.values() for e in events),
            key=lambda e: e.record.at.timestamp() if e.record.at else 0.0,
        )
        counts = ", ".join(f"{name} {len(events)}x" for name, events in sorted(hits.items()))
        when = f", last at {last.record.at:%H:%M:%S} UTC" if last.record.at else ""
        evidence = [
            f"{name}: [{e.record.subsystem}] {e.record.message}"
            for name, events in sorted(hits.items())
            for e in events[-3:]
        ]
        yield finding(
            CHECK_ID,
            facts,
            rule.severity,
            f"{summary} ({counts} in the {window}{when})",
            nodes=sorted(hits),
            evidence=evidence[-9:],
            runbook=runbook,
        )
    if by_node and quiet:
        yield finding(CHECK_ID, facts, Severity.OK, f"corosync logged no trouble in the {window}")


def _counts(rule: Rule, event: LogEvent) -> bool:
    if event.kind == "exiting":
        return event.value not in (None, 0)
    if event.kind == "membership":
        return bool(event.nodes)  # only changes where someone left
    return True
