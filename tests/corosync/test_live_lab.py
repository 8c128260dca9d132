"""The lab's live outputs, from every node, parse completely: no Unparsed, no unparsed lines."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from bot.corosync.logs import LogRecord, events, parse_journal_json, parse_journal_text
from bot.corosync.tools.cfgtool import (
    CfgtoolNodes,
    CfgtoolStatus,
    parse_cfgtool_nodes,
    parse_cfgtool_status,
)
from bot.corosync.tools.cmapctl import CmapDump, parse_cmap_output
from bot.corosync.tools.firewall_iptables import parse_iptables_save
from bot.corosync.tools.firewall_nft import parse_nft_ruleset
from bot.corosync.tools.netif import (
    parse_ethtool_stats,
    parse_ip_addr_json,
    parse_ip_link_stats_json,
)
from bot.corosync.tools.ping import parse_ping
from bot.corosync.tools.quorumtool import (
    QuorumList,
    QuorumStatus,
    parse_quorumtool_list,
    parse_quorumtool_status,
)
from bot.corosync.tools.sockets import parse_ss_udp
from bot.corosync.tools.timesync import parse_chronyc_tracking, parse_timedatectl_show
from bot.corosync.tools.version import CorosyncVersion, parse_corosync_version
from bot.corosync.unparsed import Unparsed
from bot.lab import node as lab_node
from bot.lab.lab import Lab

pytestmark = pytest.mark.lab


def run(lab: Lab, name: str, *argv: str) -> tuple[str, str, int]:
    done = lab_node.exec_in(lab.target(name).init, list(argv), check=False)
    return done.stdout, done.stderr, done.exit_status


@pytest.fixture(params=["qbt1", "qbt2", "qbt3"])
def node(request: pytest.FixtureRequest, lab: Lab) -> str:
    lab.wait_healthy(timeout_s=60)
    return str(request.param)


def test_cfgtool_status_and_nodes(lab: Lab, node: str) -> None:
    """`corosync-cfgtool -s` and `-n` read fully, in the 3.1.5+ layout, with every peer connected."""
    status = parse_cfgtool_status(*run(lab, node, "corosync-cfgtool", "-s"))
    assert isinstance(status, CfgtoolStatus)
    assert (status.layout, status.unparsed_lines, status.faults()) == ("3.1.5+", (), ())
    nodes = parse_cfgtool_nodes(*run(lab, node, "corosync-cfgtool", "-n"))
    assert isinstance(nodes, CfgtoolNodes)
    assert len(nodes.nodes) == 2


def test_quorumtool_status_and_list(lab: Lab, node: str) -> None:
    """`corosync-quorumtool -s`, `-siH` and `-l` read fully: quorate, three members."""
    for flags in ("-s", "-siH"):
        status = parse_quorumtool_status(*run(lab, node, "corosync-quorumtool", flags))
        assert isinstance(status, QuorumStatus)
        assert status.unparsed_lines == ()
        assert status.is_quorate
        assert status.membership is not None
        assert sorted(m.nodeid for m in status.membership.members) == [1, 2, 3]
    listed = parse_quorumtool_list(*run(lab, node, "corosync-quorumtool", "-l"))
    assert isinstance(listed, QuorumList)
    assert listed.unparsed_lines == ()


def test_cmap_dumps(lab: Lab, node: str) -> None:
    """`corosync-cmapctl` and its stats map read with no unparsed line."""
    for argv in (("corosync-cmapctl",), ("corosync-cmapctl", "-m", "stats")):
        dump = parse_cmap_output(*run(lab, node, *argv))
        assert isinstance(dump, CmapDump)
        assert dump.unparsed_lines == ()
    full = parse_cmap_output(*run(lab, node, "corosync-cmapctl"))
    assert isinstance(full, CmapDump)
    assert full.config_version() == 1


def test_version(lab: Lab, node: str) -> None:
    """`corosync -v` gives the version the lab runs."""
    version = parse_corosync_version(run(lab, node, "corosync", "-v")[0])
    assert isinstance(version, CorosyncVersion)
    assert version.version == (3, 1, 7)


def test_journal_json_and_text(lab: Lab, node: str) -> None:
    """Every corosync journal line of the boot frames in JSON and in text, to the same events."""
    as_json = [
        parse_journal_json(line)
        for line in run(lab, node, "journalctl", "-u", "corosync", "-o", "json", "--no-pager")[
            0
        ].splitlines()
    ]
    text_out = run(
        lab, node, "journalctl", "-u", "corosync", "-o", "short-precise", "--utc", "--no-pager"
    )[0]
    as_text = [
        parse_journal_text(line, 2026)
        for line in text_out.splitlines()
        if not line.startswith("-- ")
    ]
    assert all(isinstance(r, LogRecord) for r in as_json)
    assert all(isinstance(r, LogRecord) for r in as_text)
    assert [e.kind for e in events(as_json)] == [e.kind for e in events(as_text)]


@pytest.mark.parametrize(
    ("argv", "parse"),
    [
        (("chronyc", "-n", "tracking"), parse_chronyc_tracking),
        (("timedatectl", "show"), parse_timedatectl_show),
        (("ip", "-j", "addr"), parse_ip_addr_json),
        (("ip", "-s", "-j", "link"), parse_ip_link_stats_json),
        (("ethtool", "-S", "eth0"), parse_ethtool_stats),
        (("ss", "-uanp"), parse_ss_udp),
        (("iptables-save",), parse_iptables_save),
        (("ping", "-n", "-q", "-c", "3", "-i", "0.2", "-W", "1", "127.0.0.1"), parse_ping),
    ],
    ids=lambda v: v[0] if isinstance(v, tuple) else "",
)
def test_host_tools_parse_with_nothing_unparsed(
    lab: Lab, node: str, argv: tuple[str, ...], parse: Callable[[str], object]
) -> None:
    """The host tools the diagnosis reads give typed results on real nodes, never Unparsed."""
    for _attempt in range(5):
        stdout, stderr, status = run(lab, node, *argv)
        # timedated is D-Bus activated and, on 2 busy cores, sometimes answers too late.
        if status == 0 or "bus" not in stderr.lower():
            break
        time.sleep(1)
    else:
        pytest.skip(f"{argv[0]} got no D-Bus answer five times: {stderr.strip()}")
    assert status == 0, stderr
    assert not isinstance(parse(stdout), Unparsed)


def test_nft_ruleset_parses_when_nft_is_there(lab: Lab, node: str) -> None:
    """`nft list ruleset` (iptables-nft's tables included) parses on a real node."""
    stdout, stderr, status = run(
        lab, node, "sh", "-c", "command -v nft >/dev/null || exit 127; nft list ruleset"
    )
    if status == 127:
        pytest.skip("nft is not installed on the lab nodes")
    assert status == 0, stderr
    assert not isinstance(parse_nft_ruleset(stdout), Unparsed)
