"""Checks that read host tools say "could not tell", with the unread output, instead of passing.

Each case takes the lab's healthy capture (tests/fixtures/lab) and replaces one output of
node 2 with text its parser rejects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pytest

from bot.diagnostics.checks import addresses, network, ports, time
from bot.diagnostics.commands import Probe
from bot.diagnostics.facts import ClusterFacts
from bot.model import Finding, Severity
from tests.diagnostics.lab_facts import lab_facts

GARBAGE = "Segmentation fault (core dumped)\n"


def with_output(probe: Probe, stdout: str) -> ClusterFacts:
    facts = lab_facts("healthy")
    node = facts.nodes["qbcap2"]
    node.results[probe] = node.results[probe].model_copy(update={"stdout": stdout})
    return facts


@pytest.mark.parametrize(
    ("probe", "check"),
    [
        (Probe.IP_ADDR, addresses.check_ring_addresses),
        (Probe.SS_UDP, ports.check_bound),
        (Probe.CHRONY, time.check_sync),
    ],
)
def test_unparsable_output_is_unknown_for_that_node_with_the_output_as_evidence(
    probe: Probe, check: Callable[[ClusterFacts], Iterable[Finding]]
) -> None:
    """Node 2's unreadable output makes it unknown (never ok) and shows the output."""
    findings = list(check(with_output(probe, GARBAGE)))
    (unknown,) = [f for f in findings if f.severity is Severity.UNKNOWN]
    assert unknown.nodes == ("qbcap2",)
    assert "could not be read" in unknown.summary
    assert unknown.evidence == ("Segmentation fault (core dumped)",)
    assert all("qbcap2" not in f.summary for f in findings if f.severity is Severity.OK)


def test_an_unreadable_ping_is_unknown_for_that_path_and_not_counted_as_measured() -> None:
    """qbcap2's ping to qbcap3 without a summary: that path is unknown, and no ok is claimed."""
    facts = lab_facts("healthy")
    node = facts.nodes["qbcap2"]
    ping = node.pings["qbcap3"]
    node.pings["qbcap3"] = ping.model_copy(
        update={"stdout": "", "stderr": "ping: connect: Network is unreachable\n", "exit_status": 2}
    )
    findings = list(network.check_paths(facts))
    assert [f.severity for f in findings] == [Severity.UNKNOWN]
    assert findings[0].summary.startswith("could not tell whether qbcap2 -> qbcap3 loses packets")
    assert findings[0].evidence == ("ping: connect: Network is unreachable",)


def test_the_lab_ring_address_is_found_as_a_secondary_address() -> None:
    """The healthy capture's ring addresses are secondary addresses of eth0: local and up."""
    (found,) = addresses.check_ring_addresses(lab_facts("healthy"))
    assert found.severity is Severity.OK
    assert "qbcap3 (eth0, mtu 1500)" in found.summary
