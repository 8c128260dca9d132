"""corosync-cfgtool -s / -s -b / -n read the same way across every corosync 2.x and 3.x layout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.corosync.tools.cfgtool import (
    CfgtoolLink,
    CfgtoolNode,
    CfgtoolNodeLink,
    CfgtoolNodes,
    CfgtoolStatus,
    NodeLinkStatus,
    expected_cfgtool_layout,
    parse_cfgtool_nodes,
    parse_cfgtool_status,
)
from bot.corosync.tools.quorumtool import CorosyncNotRunning
from bot.corosync.unparsed import Unparsed

TOOLS = Path(__file__).parents[2] / "fixtures" / "tools" / "cfgtool"
LAB = Path(__file__).parents[2] / "fixtures" / "lab"

LOCAL = NodeLinkStatus(state="localhost")
UP = NodeLinkStatus(state="connected")
DOWN = NodeLinkStatus(state="disconnected")
UP_ENABLED = NodeLinkStatus(state="connected", enabled=True)
DOWN_ENABLED = NodeLinkStatus(state="disconnected", enabled=True)


def read(name: str) -> str:
    return (TOOLS / name).read_bytes().decode()


def status(name: str, exit_status: int = 0) -> CfgtoolStatus:
    parsed = parse_cfgtool_status(read(name), exit_status=exit_status)
    assert isinstance(parsed, CfgtoolStatus), parsed
    return parsed


def nodes(name: str) -> CfgtoolNodes:
    parsed = parse_cfgtool_nodes(read(name))
    assert isinstance(parsed, CfgtoolNodes), parsed
    return parsed


# --- golden: one test per layout ----------------------------------------------------------


def test_3_0_0_positions_are_not_nodeids() -> None:
    """3.0.0–3.0.1 print positions in nodeid order, so they land in by_position, not nodes."""
    assert status("3.0.0-s.txt") == CfgtoolStatus(
        layout="3.0.0-3.0.1",
        local_nodeid=1,
        links=(
            CfgtoolLink(link_id=0, addr="192.168.106.185", by_position=(UP_ENABLED, UP_ENABLED)),
            CfgtoolLink(
                link_id=1,
                addr="192.168.107.185",
                by_position=(NodeLinkStatus(state="connected", enabled=False), UP_ENABLED),
            ),
        ),
    )


def test_3_0_2_nodeids_with_bits() -> None:
    """3.0.2–3.0.3 print nodeids with enable/connect bits; this node becomes localhost."""
    nodes_by_id = {4: LOCAL, 7: UP_ENABLED}
    assert status("3.0.2-s.txt") == CfgtoolStatus(
        layout="3.0.2-3.0.3",
        local_nodeid=4,
        links=(
            CfgtoolLink(link_id=0, addr="192.168.106.186", nodes=nodes_by_id),
            CfgtoolLink(link_id=1, addr="192.168.107.186", nodes=nodes_by_id),
        ),
    )


def test_3_0_4_words_and_a_failing_exit_status() -> None:
    """3.0.4–3.1.0 print words and exit 1 on a fault; both are kept."""
    parsed = status("3.0.4-s-disconnected.txt", exit_status=1)
    assert parsed == CfgtoolStatus(
        layout="3.0.4-3.1.0",
        local_nodeid=1,
        exit_status=1,
        links=(
            CfgtoolLink(link_id=0, addr="192.168.106.155", nodes={1: LOCAL, 2: DOWN}),
            CfgtoolLink(link_id=1, addr="192.168.107.155", nodes={1: LOCAL, 2: DOWN}),
        ),
    )
    assert parsed.faults() == ((0, 2, DOWN), (1, 2, DOWN))


def test_3_0_4_brief() -> None:
    """The 3.0.4 brief string keeps its text and decodes per position; 'n' dates it to 3.0.4+."""
    brief_states = (LOCAL, DOWN_ENABLED)
    assert status("3.0.4-sb.txt") == CfgtoolStatus(
        layout="3.0.4-3.1.0",
        local_nodeid=1,
        links=(
            CfgtoolLink(link_id=0, addr="192.168.106.155", brief="n1", by_position=brief_states),
            CfgtoolLink(link_id=1, addr="192.168.107.155", brief="n1", by_position=brief_states),
        ),
    )


def test_3_0_4_error_words() -> None:
    """'(not enabled)', 'knet error' and 'config error' become typed states."""
    link = status("3.0.4-s-errors.txt").links[0]
    assert link.nodes == {
        1: UP,
        2: LOCAL,
        3: NodeLinkStatus(state="disconnected", enabled=False),
        4: NodeLinkStatus(state="knet_error"),
        12: NodeLinkStatus(state="config_error"),
    }
    assert link.faulty


def test_3_0_udpu_ring_status_text() -> None:
    """3.0.x printed udp/udpu status as text ('OK'): kept as ring_status, layout only 3.0.x."""
    assert status("3.0-udpu-s.txt") == CfgtoolStatus(
        layout="3.0.x",
        local_nodeid=1,
        links=(CfgtoolLink(link_id=0, addr="10.20.0.1", ring_status="OK"),),
    )


def test_3_1_3_transport_header() -> None:
    """3.1.1–3.1.4: transport in the header, no transport word after LINK ID."""
    assert status("3.1.3-s.txt") == CfgtoolStatus(
        layout="3.1.1-3.1.4",
        local_nodeid=1,
        transport="knet",
        links=(CfgtoolLink(link_id=0, addr="10.10.10.26", nodes={1: LOCAL}),),
    )


def test_3_1_3_two_links_with_a_fault() -> None:
    """A disconnected node on one link is a fault of that link only."""
    parsed = status("3.1.3-s-3nodes.txt")
    assert parsed.links == (
        CfgtoolLink(link_id=0, addr="10.20.0.2", nodes={1: UP, 2: LOCAL, 3: DOWN}),
        CfgtoolLink(link_id=1, addr="10.30.0.2", nodes={1: UP, 2: LOCAL, 3: UP}),
    )
    assert parsed.faults() == ((0, 3, DOWN),)


def test_link_transport_word_dates_output_to_3_1_5() -> None:
    """'LINK ID 0 udp' (corosync #650 sample) is the 3.1.5+ layout even with 3-wide nodeids."""
    assert status("pr650-s.txt") == CfgtoolStatus(
        layout="3.1.5+",
        local_nodeid=7,
        transport="knet",
        links=(
            CfgtoolLink(link_id=0, transport="udp", addr="192.168.63.45", nodes={6: LOCAL, 7: UP}),
        ),
    )


def test_brief_without_localhost_marker() -> None:
    """The #650 bug printed '13' without 'n': decoded as two ordinary digits."""
    link = status("pr650-sb.txt").links[0]
    assert (link.brief, link.by_position) == (
        "13",
        (NodeLinkStatus(state="disconnected", enabled=True), UP_ENABLED),
    )


def test_udpu_on_3_1_5_has_empty_link_transport() -> None:
    """udp/udpu on 3.1.5+ print 'LINK ID 0 ' with a trailing blank: layout 3.1.5+, no word."""
    assert status("3.1.5-udpu-s.txt") == CfgtoolStatus(
        layout="3.1.5+",
        local_nodeid=1,
        transport="udpu",
        links=(CfgtoolLink(link_id=0, addr="10.20.0.1", nodes={1: LOCAL, 2: UP, 3: DOWN}),),
    )


def test_per_link_transport_and_wide_nodeids() -> None:
    """Each link keeps its own knet transport; a nodeid fills the %10u column."""
    parsed = status("3.1.5-two-links-sctp-s.txt")
    assert [(ln.link_id, ln.transport, ln.addr) for ln in parsed.links] == [
        (0, "udp", "10.20.0.1"),
        (1, "sctp", "fd00:30::1"),
    ]
    assert parsed.links[1].nodes == {1: LOCAL, 2: UP, 4294967294: UP}
    assert parsed.faults() == ((0, 4294967294, DOWN),)


def test_lab_3_1_7_healthy() -> None:
    """corosync 3.1.7 in the lab: the 3.1.5+ layout with every peer connected."""
    assert status("3.1.7-lab-healthy-s.txt") == CfgtoolStatus(
        layout="3.1.5+",
        local_nodeid=1,
        transport="knet",
        links=(
            CfgtoolLink(
                link_id=0, transport="udp", addr="198.18.0.11", nodes={1: LOCAL, 2: UP, 3: UP}
            ),
        ),
    )


def test_lab_3_1_7_link_down_is_only_in_the_text() -> None:
    """The isolated node exits 0 yet every peer is disconnected: faults come from the text."""
    parsed = status("3.1.7-lab-link-down-s.txt", exit_status=0)
    assert parsed.links[0].nodes == {1: DOWN, 2: DOWN, 3: LOCAL}
    assert parsed.faults() == ((0, 1, DOWN), (0, 2, DOWN))
    assert parsed.exit_status == 0


@pytest.mark.parametrize(
    ("name", "brief", "states"),
    [
        ("3.1.7-lab-healthy-sb.txt", "n33", (LOCAL, UP_ENABLED, UP_ENABLED)),
        ("3.1.7-lab-addr-change-sb.txt", "n31", (LOCAL, UP_ENABLED, DOWN_ENABLED)),
    ],
)
def test_lab_3_1_7_brief(name: str, brief: str, states: tuple[NodeLinkStatus, ...]) -> None:
    """-s -b on 3.1.7: one character per node in nodeid order."""
    assert status(name) == CfgtoolStatus(
        layout="3.1.5+",
        local_nodeid=1,
        transport="knet",
        links=(
            CfgtoolLink(
                link_id=0, transport="udp", addr="198.18.0.11", brief=brief, by_position=states
            ),
        ),
    )


def test_2_x_ring_status() -> None:
    """corosync 2.x 'Printing ring status.' is read as layout 2.x with ring status text."""
    assert status("2.x-s.txt") == CfgtoolStatus(
        layout="2.x",
        local_nodeid=303938909,
        links=(
            CfgtoolLink(link_id=0, addr="10.0.1.1", ring_status="ring 0 active with no faults"),
            CfgtoolLink(link_id=1, addr="192.168.42.1", ring_status="ring 1 active with no faults"),
        ),
    )


def test_2_x_faulty_ring() -> None:
    """A ring status containing FAULTY makes that link faulty."""
    assert [link.faulty for link in status("2.x-s-faulty.txt").links] == [False, True]


# --- behaviours ---------------------------------------------------------------------------


def test_blanks_instead_of_tabs_read_the_same() -> None:
    """Output pasted through a terminal or GitHub (tabs turned into blanks) reads the same."""
    text = read("3.0.2-s.txt")
    assert parse_cfgtool_status(text.replace("\t", "        ")) == parse_cfgtool_status(text)


def test_unknown_lines_are_kept() -> None:
    """A line no layout prints is kept in unparsed_lines, the rest still parsed."""
    text = read("3.1.7-lab-healthy-s.txt") + "\t\tnodeid:          4:\thalf-open\n"
    parsed = parse_cfgtool_status(text)
    assert isinstance(parsed, CfgtoolStatus)
    assert parsed.unparsed_lines == ("\t\tnodeid:          4:\thalf-open",)
    assert set(parsed.links[0].nodes) == {1, 2, 3}


def test_not_running_on_3_1_stderr() -> None:
    """3.1 writes 'Could not initialize … error 2' to stderr: corosync is not running."""
    stderr = "Could not initialize corosync configuration API error 2\n"
    assert parse_cfgtool_status("", stderr, 1) == CorosyncNotRunning(
        tool="corosync-cfgtool -s",
        message="Could not initialize corosync configuration API error 2",
        error="2",
        exit_status=1,
    )


def test_not_running_on_3_0_stdout() -> None:
    """3.0 printed the same message to stdout after 'Printing link status.'."""
    text = "Printing link status.\nCould not initialize corosync configuration API error 2\n"
    parsed = parse_cfgtool_status(text, "", 1)
    assert isinstance(parsed, CorosyncNotRunning)


def test_permission_denied_is_not_reported_as_down() -> None:
    """Error 11 (CS_ERR_ACCESS) means corosync runs but refused us: Unparsed, telling why."""
    stderr = "Could not initialize corosync configuration API error 11\n"
    parsed = parse_cfgtool_status("", stderr, 1)
    assert isinstance(parsed, Unparsed)
    assert "root" in parsed.reason


def test_unrelated_text_is_unparsed() -> None:
    """Text with no cfgtool line is Unparsed, with stderr in the reason."""
    parsed = parse_cfgtool_status("hello\n", "bash: corosync-cfgtool: not found\n", 127)
    assert isinstance(parsed, Unparsed)
    assert "not found" in parsed.reason


def test_resolve_maps_positions_to_nodeids() -> None:
    """Brief positions map onto the sorted nodeids; a count mismatch maps nothing."""
    link = status("3.1.7-lab-addr-change-sb.txt").links[0]
    assert link.resolve([3, 1, 2]) == {1: LOCAL, 2: UP_ENABLED, 3: DOWN_ENABLED}
    assert link.resolve([1, 2]) == {}


@pytest.mark.parametrize(
    ("version", "layout"),
    [
        ((2, 4, 5), "2.x"),
        ((3, 0, 0), "3.0.0-3.0.1"),
        ((3, 0, 3), "3.0.2-3.0.3"),
        ((3, 1, 0), "3.0.4-3.1.0"),
        ((3, 1, 4), "3.1.1-3.1.4"),
        ((3, 1, 5), "3.1.5+"),
        ((3, 1, 10), "3.1.5+"),
    ],
)
def test_expected_layout_by_version(version: tuple[int, ...], layout: str) -> None:
    """The layout table follows the corosync releases that changed the printf formats."""
    assert expected_cfgtool_layout(version) == layout


def test_every_lab_capture_reads_as_3_1_5() -> None:
    """Whatever the lab captured last, cfgtool -s / -s -b read fully as the 3.1.5+ layout."""
    captures = sorted(LAB.glob("*/*/cfgtool-s*.out"))
    assert captures
    for capture in captures:
        meta = json.loads(capture.with_suffix(".meta.json").read_text())
        parsed = parse_cfgtool_status(
            capture.read_bytes().decode(), meta["stderr"], meta["exit_status"]
        )
        if meta["exit_status"] != 0:
            assert isinstance(parsed, CorosyncNotRunning), capture
            continue
        assert isinstance(parsed, CfgtoolStatus), capture
        assert (parsed.layout, parsed.unparsed_lines) == ("3.1.5+", ()), capture


# --- corosync-cfgtool -n ------------------------------------------------------------------


def _lab_link(dst: str) -> CfgtoolNodeLink:
    return CfgtoolNodeLink(
        link_id=0,
        transport="udp",
        src="198.18.0.11",
        dst=dst,
        addresses=f"198.18.0.11->{dst}",
        enabled=True,
        connected=True,
        mtu=1397,
    )


def test_nodes_lab_healthy() -> None:
    """-n on 3.1.7 lists each reachable peer with its links."""
    assert nodes("3.1.7-lab-healthy-n.txt") == CfgtoolNodes(
        layout="3.1.5+",
        local_nodeid=1,
        transport="knet",
        nodes=(
            CfgtoolNode(nodeid=2, links=(_lab_link("198.18.0.12"),)),
            CfgtoolNode(nodeid=3, links=(_lab_link("198.18.0.13"),)),
        ),
    )


def test_nodes_unreachable_peer_is_absent() -> None:
    """A peer that cannot be reached is simply missing from -n."""
    assert nodes("3.1.7-lab-link-down-n.txt").reachable() == (2,)


def test_nodes_header_only() -> None:
    """An isolated node prints only the header; the layout cannot be narrowed."""
    assert nodes("3.1.7-lab-isolated-n.txt") == CfgtoolNodes(
        layout="3.1.x", local_nodeid=3, transport="knet"
    )


def test_nodes_every_optional_word() -> None:
    """onwire, remote, dynconnected and an enabled-but-down link are read (3.1.1–3.1.4)."""
    assert nodes("3.1.1-n.txt") == CfgtoolNodes(
        layout="3.1.1-3.1.4",
        local_nodeid=1,
        transport="knet",
        nodes=(
            CfgtoolNode(
                nodeid=2,
                onwire=(0, 1, 1),
                links=(
                    CfgtoolNodeLink(
                        link_id=0,
                        src="10.20.0.1",
                        dst="10.20.0.2",
                        addresses="10.20.0.1->10.20.0.2",
                        enabled=True,
                        connected=True,
                        mtu=1397,
                    ),
                    CfgtoolNodeLink(
                        link_id=1,
                        src="10.30.0.1",
                        dst="10.30.0.2",
                        addresses="10.30.0.1->10.30.0.2",
                        enabled=True,
                        connected=False,
                        mtu=1397,
                    ),
                ),
            ),
            CfgtoolNode(
                nodeid=3,
                remote=True,
                links=(
                    CfgtoolNodeLink(
                        link_id=0,
                        src="10.20.0.1",
                        dst="10.20.0.3",
                        addresses="10.20.0.1->10.20.0.3",
                        enabled=True,
                        connected=True,
                        dynconnected=True,
                        mtu=1397,
                    ),
                ),
            ),
        ),
    )


def test_nodes_udpu_addresses_without_arrow() -> None:
    """udpu on 3.1.5+ prints no transport and no '->': src/dst stay unknown, text is kept."""
    link = nodes("3.1.5-udpu-n.txt").nodes[0].links[0]
    assert (link.transport, link.src, link.dst, link.addresses) == (
        None,
        None,
        None,
        "10.20.0.110.20.0.2",
    )
    assert nodes("3.1.5-udpu-n.txt").layout == "3.1.5+"


def test_nodes_not_running() -> None:
    """-n with corosync stopped gives CorosyncNotRunning."""
    stderr = "Could not initialize corosync configuration API error 2\n"
    parsed = parse_cfgtool_nodes("", stderr, 1)
    assert isinstance(parsed, CorosyncNotRunning)
    assert parsed.tool == "corosync-cfgtool -n"


def test_nodes_link_line_before_any_node_is_unparsed() -> None:
    """A LINK line with no nodeid line above it is kept unparsed."""
    text = "Local node ID 1, transport knet\n   LINK: 0 udp (a->b) enabled mtu: 1\n"
    parsed = parse_cfgtool_nodes(text)
    assert isinstance(parsed, CfgtoolNodes)
    assert parsed.unparsed_lines == ("   LINK: 0 udp (a->b) enabled mtu: 1",)
