"""The NIC check counts errors and drops since the last sweep when one was saved, else in total.

Facts are the lab captures (tests/fixtures/lab): in `link-down`, node 3's eth0 had been
re-created (smaller byte and packet counts than in `healthy`) and counted 33 tx drops.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.diagnostics.checks import nic
from bot.diagnostics.commands import Probe
from bot.diagnostics.facts import ClusterFacts, CounterReading
from bot.diagnostics.views import ring_interface_counters
from bot.model import Finding, Severity
from tests.diagnostics.lab_facts import lab_facts

EARLIER = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)


def eth0(facts: ClusterFacts, node: str = "qbcap3") -> dict[str, int]:
    counters = ring_interface_counters(facts.nodes[node])
    assert isinstance(counters, dict)
    return counters["eth0"]


def about(findings: list[Finding], node: str = "qbcap3") -> Finding:
    (found,) = [f for f in findings if f.nodes == (node,)]
    return found


def test_without_an_earlier_sweep_the_totals_are_reported() -> None:
    """No saved counters: node 3's 33 tx drops are reported as totals, as info."""
    found = about(list(nic.check(lab_facts("link-down"))))
    assert found.severity is Severity.INFO
    assert "33 tx dropped since the interface came up" in found.summary


def test_only_growth_since_the_last_sweep_is_reported() -> None:
    """30 drops saved at 07:00 and 33 now: "3 new tx dropped since 2026-11-25 07:00:00 UTC"."""
    facts = lab_facts("link-down")
    before = eth0(facts) | {"tx_dropped": 30}
    facts.previous_counters = {"qbcap3": {"eth0": CounterReading(EARLIER, before)}}
    found = about(list(nic.check(facts)))
    assert found.severity is Severity.INFO
    assert "3 new tx dropped since 2026-11-25 07:00:00 UTC" in found.summary
    assert found.evidence == ("tx_dropped: 30 then, 33 now",)


def test_old_drops_that_did_not_grow_are_ok() -> None:
    """The same 33 drops as last sweep are no longer a finding: eth0 is clean since then."""
    facts = lab_facts("link-down")
    facts.previous_counters = {"qbcap3": {"eth0": CounterReading(EARLIER, eth0(facts))}}
    findings = list(nic.check(facts))
    assert [f.severity for f in findings] == [Severity.OK]
    assert "qbcap3/eth0: since 2026-11-25 07:00:00 UTC" in findings[0].evidence


def test_new_rx_errors_are_a_warning() -> None:
    """rx errors that grew from 12 to 17 are a warning: "5 new rx errors since …"."""
    facts = lab_facts("healthy")
    node = facts.nodes["qbcap1"]
    links = json.loads(node.results[Probe.IP_LINK_STATS].stdout)
    for link in links:
        if link["ifname"] == "eth0":
            link["stats64"]["rx"]["errors"] = 17
    result = node.results[Probe.IP_LINK_STATS]
    node.results[Probe.IP_LINK_STATS] = result.model_copy(update={"stdout": json.dumps(links)})
    before = eth0(facts, "qbcap1") | {"rx_errors": 12}
    facts.previous_counters = {"qbcap1": {"eth0": CounterReading(EARLIER, before)}}
    found = about(list(nic.check(facts)), "qbcap1")
    assert found.severity is Severity.WARNING
    assert found.summary == (
        "qbcap1/eth0 (corosync link) counted 5 new rx errors since 2026-11-25 07:00:00 UTC"
    )


def test_a_counter_reset_counts_from_zero() -> None:
    """healthy then link-down: eth0 was re-created, so all 33 drops are new, and it says why."""
    previous = eth0(lab_facts("healthy"))
    facts = lab_facts("link-down")
    facts.previous_counters = {"qbcap3": {"eth0": CounterReading(EARLIER, previous)}}
    found = about(list(nic.check(facts)))
    assert "33 new tx dropped since 2026-11-25 07:00:00 UTC" in found.summary
    assert "reset in between" in found.summary


def test_unreadable_link_statistics_are_unknown_with_the_raw_text() -> None:
    """`ip -s -j link` output that is not JSON makes the node unknown, showing that output."""
    facts = lab_facts("healthy")
    node = facts.nodes["qbcap2"]
    result = node.results[Probe.IP_LINK_STATS]
    node.results[Probe.IP_LINK_STATS] = result.model_copy(update={"stdout": "Killed\n"})
    found = about(list(nic.check(facts)), "qbcap2")
    assert found.severity is Severity.UNKNOWN
    assert "ip -s -j link output could not be read" in found.summary
    assert found.evidence == ("Killed",)
