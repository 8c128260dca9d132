"""Views read just what checks need, and say "cannot tell" (None) rather than guess."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.diagnostics.commands import Probe
from bot.diagnostics.facts import NodeFacts, Reach
from bot.diagnostics.views import firewall_view, journal_events, ping_view, quorum_view
from bot.model import CommandResult, Node

AT = datetime(2026, 11, 25, tzinfo=UTC)


def facts_with(probe: Probe, stdout: str, exit_status: int = 0) -> NodeFacts:
    node = NodeFacts(node=Node(cluster="c", name="n1", address="198.18.0.11"), reach=Reach.OK)
    node.results[probe] = CommandResult(
        node="n1",
        argv=("x",),
        exit_status=exit_status,
        stdout=stdout,
        stderr="",
        started_at=AT,
        duration_s=0.0,
    )
    return node


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


RANDOM_DROP = (
    "-A INPUT -p udp -m udp --dport 5405:5412 -m statistic --mode random --probability 0.6 -j DROP"
)


@pytest.mark.parametrize(
    ("rules", "blocked", "reason"),
    [
        ("-A INPUT -p udp -m udp --dport 5405:5412 -j DROP", True, "dropped by an INPUT rule"),
        ("-A INPUT -p udp -m multiport --dports 22,5404:5406 -j REJECT", True, "rejected"),
        ("-A INPUT -p udp -m udp --dport 5406 -j DROP", False, "no rule matches it"),
        ("-A INPUT -p tcp -m tcp --dport 5405 -j DROP", False, "no rule matches it"),
        (RANDOM_DROP, False, "dropped at random (60%)"),
        ("-A INPUT -p udp -m udp --dport 5405 -j ACCEPT\n-A INPUT -j DROP", False, "accepted"),
        ("-A INPUT -s 10.9.9.9/32 -p udp --dport 5405 -j DROP", False, "no rule matches it"),
    ],
)
def test_iptables_verdict_for_udp_5405(rules: str, blocked: bool, reason: str) -> None:
    """Blanket DROP/REJECT of the port blocks; random, source-specific or other rules do not."""
    text = f"*filter\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n{rules}\nCOMMIT\n"
    view = firewall_view(facts_with(Probe.IPTABLES, text), 5405)
    assert view is not None
    assert (view.blocked, reason in view.reason) == (blocked, True)


def test_an_input_policy_of_drop_blocks_when_nothing_accepts_the_port() -> None:
    """`:INPUT DROP` without an ACCEPT for the port blocks corosync."""
    text = "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n"
    view = firewall_view(facts_with(Probe.IPTABLES, text), 5405)
    assert view is not None
    assert view.blocked


def test_ping_without_replies_has_no_rtt() -> None:
    """100% loss: counts are read, round-trip times are None."""
    text = (
        "--- 198.18.0.13 ping statistics ---\n"
        "10 packets transmitted, 0 received, +10 errors, 100% packet loss, time 1840ms\n"
    )
    view = ping_view(facts_with(Probe.CLOCK, text).results[Probe.CLOCK])
    assert view is not None
    assert (view.sent, view.received, view.loss_pct, view.rtt_avg_ms) == (10, 0, 100.0, None)


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
