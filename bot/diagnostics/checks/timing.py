"""The totem timing advisor: effective token and consensus against measured latency and jitter."""

from __future__ import annotations

import math
from collections.abc import Iterator

from bot.corosync.conf import ConfDocument, parse_conf
from bot.corosync.conf_edit import set_totem_key
from bot.corosync.timing import EffectiveTiming, effective_timing
from bot.diagnostics.checks.base import finding
from bot.diagnostics.checks.network import measured
from bot.diagnostics.checks.quorum import membership_complete
from bot.diagnostics.commands import Probe
from bot.diagnostics.facts import ClusterFacts
from bot.diagnostics.views import journal_events
from bot.model import Finding, Severity

CHECK_ID = "totem.timing"
RUNBOOK = "raise-totem-timeouts"
# The token must outlast the worst round trip many times over: knet pings every token/4 and
# declares a link dead after token/2, and a retransmit round needs several trips.
MARGIN = 20
STALLS = ("process-pause", "main-not-scheduled")
TIMEOUTS = ("token-not-received", "processor-failed")
FLAPPING = 3  # membership changes with a departure, seen by one node in the window


def check(facts: ClusterFacts) -> Iterator[Finding]:
    timing, doc = _timing(facts)
    if timing is None or doc is None:
        return
    paths = measured(facts)
    worst_ms = max((v.rtt_max_ms or 0.0 for v in paths.values()), default=0.0)
    jitter_ms = max((v.rtt_mdev_ms or 0.0 for v in paths.values()), default=0.0)
    trouble = 0 if membership_complete(facts) is False else _timing_trouble(facts)
    now = (
        f"effective token {timing.effective_token_ms} ms, consensus {timing.consensus_ms} ms"
        f" ({timing.node_count} nodes)"
    )
    needed = MARGIN * (worst_ms + 4 * jitter_ms)
    if trouble == 0 and timing.effective_token_ms >= needed:
        margin = timing.effective_token_ms / worst_ms if worst_ms else math.inf
        yield finding(
            CHECK_ID,
            facts,
            Severity.OK,
            f"{now}; worst round trip {worst_ms:.2f} ms"
            + (f" ({margin:.0f}x margin)" if math.isfinite(margin) else ""),
            evidence=list(timing.explanation),
        )
        return
    proposal = _proposal(timing, needed)
    after = effective_timing(set_totem_key(doc, "token", str(proposal)))
    reasons = []
    if trouble:
        reasons.append(f"{trouble} token timeouts or stalls in the journal")
    if timing.effective_token_ms < needed:
        reasons.append(f"worst round trip {worst_ms:.1f} ms, jitter {jitter_ms:.1f} ms")
    yield finding(
        CHECK_ID,
        facts,
        Severity.WARNING,
        f"totem timeouts are tight: {now}; {'; '.join(reasons)}. Suggest token: {proposal} "
        f"(effective token {after.effective_token_ms} ms, consensus {after.consensus_ms} ms)",
        evidence=[*timing.explanation, f"after: token {proposal} ->", *after.explanation],
        runbook=RUNBOOK,
    )


def _timing_trouble(facts: ClusterFacts) -> int:
    """Journal events that point at timeouts too tight for this cluster, not at a lost node.

    Token timeouts that came with a node leaving are explained by the departure (a dead or
    cut-off node); only stalls, timeouts without any departure, or a node seeing departures
    again and again (flapping) say the timeouts themselves are too tight. Nothing counts while
    a node is missing right now: the caller checks that first.
    """
    trouble = 0
    for node in facts.reachable():
        found = journal_events(node) or []
        departures = sum(1 for e in found if e.kind == "membership" and e.left)
        trouble += sum(1 for e in found if e.kind in STALLS)
        if departures == 0:
            trouble += sum(1 for e in found if e.kind in TIMEOUTS)
        elif departures >= FLAPPING:
            trouble += departures
    return trouble


def _proposal(timing: EffectiveTiming, needed_ms: float) -> int:
    """A round token value: 1.5x today at least, enough for the measured paths, in 500 ms steps."""
    want = max(timing.token_ms * 1.5, needed_ms - (timing.effective_token_ms - timing.token_ms))
    return int(math.ceil(want / 500.0) * 500)


def _timing(facts: ClusterFacts) -> tuple[EffectiveTiming | None, ConfDocument | None]:
    """Timing of the configuration most nodes run (any readable, parseable copy will do)."""
    for node in facts.reachable():
        result = node.results.get(Probe.LOCAL_CONF)
        if result is None or not result.ok:
            continue
        doc = parse_conf(result.stdout)
        if isinstance(doc, ConfDocument):
            return effective_timing(doc), doc
    return None, None
