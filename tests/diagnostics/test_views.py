"""Views read just what checks need, and say "cannot tell" (None) rather than guess."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.corosync.tools.ping import PingSummary
from bot.diagnostics.commands import Probe
from bot.diagnostics.facts import NodeFacts, Reach
from bot.diagnostics.views import (
    CannotTell,
    TimeView,
    address_view,
    journal_events,
    link_counters,
    ping_view,
    quorum_view,
    ring_interface_counters,
    time_view,
    udp_listeners,
)
from bot.model import CommandResult, Node
from tests.diagnostics.lab_facts import FIXTURES, lab_facts, result

AT = datetime(2026, 11, 25, tzinfo=UTC)
HOST_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "host"


def command_result(stdout: str, exit_status: int = 0, stderr: str = "") -> CommandResult:
    return CommandResult(
        node="n1",
        argv=("x",),
        exit_status=exit_status,
        stdout=stdout,
        stderr=stderr,
        started_at=AT,
        duration_s=0.0,
    )


def facts_with(probe: Probe, stdout: str, exit_status: int = 0) -> NodeFacts:
    node = NodeFacts(node=Node(cluster="c", name="n1", address="198.18.0.11"), reach=Reach.OK)
    node.results[probe] = command_result(stdout, exit_status)
    return node


def host_fixture(name: str) -> str:
    """A host tool capture from tests/fixtures/host (see its PROVENANCE.md)."""
    return (HOST_FIXTURES / name).read_bytes().decode()


def lab_result(scenario: str, node: str, slug: str) -> CommandResult:
    return result(node, FIXTURES / scenario / node, slug)


# Layout of corosync-quorumtool -siH with a Qdevice (tools/corosync-quorumtool.c, 3.1.x).
QDEVICE = """Quorum information
------------------
Date:             Wed Nov 25 07:15:36 2026
Quorum provider:  corosync_votequorum
Nodes:            2
Node ID:          0x00000001
Ring ID:          1.11
Quorate:          Yes

Votequorum information
----------------------
Expected votes:   3
Highest expected: 3
Total votes:      3
Quorum:           2  
Flags:            Quorate Qdevice 

Membership information
----------------------
    Nodeid      Votes    Qdevice Name
0x00000001          1    A,V,NMW 10.0.0.1 (local)
0x00000002          1    A,V,NMW 10.0.0.2
0x00000000          1            Qdevice
"""


def test_quorumtool_with_hex_ids_and_a_qdevice() -> None:
    """-siH output: hex node ids, the Qdevice row is not a member, its flags are kept."""
    view = quorum_view(facts_with(Probe.QUORUMTOOL, QDEVICE))
    assert view is not None
    assert (view.quorate, view.members, view.total_votes, view.quorum) == (True, (1, 2), 3, 2)
    assert view.local_nodeid == 1
    assert view.qdevice == "A,V,NMW"


def test_quorumtool_that_could_not_reach_corosync_is_unknown() -> None:
    """Exit 1 (corosync not running) gives no view at all."""
    assert quorum_view(facts_with(Probe.QUORUMTOOL, "", exit_status=1)) is None


def test_ping_without_replies_has_no_rtt() -> None:
    """100% loss (the lab's link-down capture): counts are read, round-trip times are None."""
    view = ping_view(lab_result("link-down", "qbcap2", "ping"))
    assert isinstance(view, PingSummary)
    assert (view.sent, view.received, view.loss_pct, view.rtt_avg_ms) == (10, 0, 100.0, None)


def test_ping_that_never_ran_cannot_tell_and_shows_stderr() -> None:
    """No statistics block: CannotTell with ping's own complaint as the raw text."""
    result = command_result("", exit_status=2, stderr="ping: connect: Network is unreachable\n")
    view = ping_view(result)
    assert isinstance(view, CannotTell)
    assert "ping statistics" in view.why
    assert view.raw == "ping: connect: Network is unreachable\n"


def test_chrony_is_preferred_over_timedatectl() -> None:
    """The lab's container: chrony synchronised while timedatectl says NTPSynchronized=no."""
    node = lab_facts("healthy").nodes["qbcap3"]
    view = time_view(node)
    assert isinstance(view, TimeView)
    assert view.synchronized is True
    assert view.source is not None


def test_unreadable_chrony_output_cannot_tell_even_when_timedatectl_answers() -> None:
    """chronyc exits 0 with text that is not tracking output: CannotTell, not timedatectl's no."""
    node = facts_with(Probe.CHRONY, "Welcome to chronyc, nothing to see\n")
    node.results[Probe.TIMEDATECTL] = command_result("NTPSynchronized=no\n")
    view = time_view(node)
    assert isinstance(view, CannotTell)
    assert view.raw == "Welcome to chronyc, nothing to see\n"


def test_timedatectl_is_used_when_chronyd_is_not_running() -> None:
    """chronyc's "506 Cannot talk to daemon" (exit 1) falls back to timedatectl."""
    node = facts_with(Probe.CHRONY, host_fixture("chrony/no-daemon-tracking.txt"), exit_status=1)
    node.results[Probe.TIMEDATECTL] = command_result(
        host_fixture("timedatectl/synchronized-show.txt")
    )
    view = time_view(node)
    assert isinstance(view, TimeView)
    assert (view.synchronized, view.offset_s) == (True, None)


@pytest.mark.parametrize(
    ("probe", "view"),
    [
        (Probe.IP_ADDR, address_view),
        (Probe.IP_LINK_STATS, link_counters),
        (Probe.SS_UDP, udp_listeners),
    ],
)
def test_unparsable_host_tool_output_cannot_tell_with_the_raw_text(
    probe: Probe, view: Callable[[NodeFacts], object]
) -> None:
    """Output the parser rejects gives CannotTell carrying that output, never a view."""
    said = view(facts_with(probe, "Segmentation fault\n"))
    assert isinstance(said, CannotTell)
    assert said.raw == "Segmentation fault\n"
    assert "could not be read" in said.why


def test_a_failed_host_tool_cannot_tell_why() -> None:
    """A non-zero exit gives CannotTell naming the command and its last words, with no raw text."""
    node = facts_with(Probe.SS_UDP, "", exit_status=1)
    said = udp_listeners(node)
    assert isinstance(said, CannotTell)
    assert said.why.startswith("`x` exited 1")
    assert said.raw == ""


def test_ring_interface_counters_read_the_interface_holding_the_ring_address() -> None:
    """The lab's ring address is a secondary address of eth0: eth0's counters, and only its."""
    counters = ring_interface_counters(lab_facts("link-down").nodes["qbcap3"])
    assert isinstance(counters, dict)
    assert list(counters) == ["eth0"]
    assert counters["eth0"]["tx_dropped"] == 33


def test_journal_messages_sent_as_bytes_are_read() -> None:
    """journald's byte-array MESSAGE (non-UTF-8) is decoded, not dropped."""
    message = "  [TOTEM ] A new membership (1.d) was formed. Members left: 3\xff"
    record = {
        "MESSAGE": list(message.encode("latin-1")),
        "__REALTIME_TIMESTAMP": "1795590077160365",
    }
    events = journal_events(facts_with(Probe.JOURNAL, json.dumps(record) + "\n"))
    assert events is not None
    assert [(e.kind, e.nodes) for e in events] == [("membership", (3,))]
    assert events[0].record.at == datetime.fromtimestamp(1795590077.160365, UTC)


def test_garbage_journal_lines_are_skipped() -> None:
    """Lines that are not JSON objects are ignored, not fatal."""
    events = journal_events(facts_with(Probe.JOURNAL, 'not json\n[1,2]\n{"MESSAGE": 5}\n'))
    assert events == []
