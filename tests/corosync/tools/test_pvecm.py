"""pvecm status / pvecm nodes (Proxmox VE) read as pvecm's block plus quorumtool's result."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.corosync.tools.pvecm import (
    PvecmClusterInfo,
    PvecmNotClustered,
    PvecmStatus,
    parse_pvecm_nodes,
    parse_pvecm_status,
)
from bot.corosync.tools.quorumtool import (
    CorosyncNotRunning,
    QuorumList,
    QuorumMember,
    QuorumStatus,
    RingId,
    VotequorumInfo,
    parse_quorumtool_status,
)
from bot.corosync.unparsed import Unparsed

TOOLS = Path(__file__).parents[2] / "fixtures" / "tools"
LAB_CLUSTER = PvecmClusterInfo(name="qbcap", config_version=1, transport="knet", secure_auth="on")
NOT_CLUSTERED = (
    "Corosync config '/etc/pve/corosync.conf' does not exist - is this node part of a cluster?"
)


def read(name: str) -> str:
    return (TOOLS / name).read_bytes().decode()


def row(nodeid: int, name: str, local: bool = False) -> QuorumMember:
    return QuorumMember(nodeid=nodeid, votes=1, qdevice=None, name=name, local=local)


def test_pve_docs_status() -> None:
    """The pve-docs sample, with ~~~ underlines and stripped trailing blanks, reads fully."""
    assert parse_pvecm_status(read("pvecm/pve-docs-status.txt")) == PvecmStatus(
        cluster=PvecmClusterInfo(
            name="prod-central", config_version=3, transport="knet", secure_auth="on"
        ),
        quorum=QuorumStatus(
            date="Tue Sep 14 11:06:47 2021",
            provider="corosync_votequorum",
            nodes=4,
            local_nodeid=1,
            nodeid_format="hex",
            ring_id=RingId(rep_nodeid=1, seq=0x1A8, text="1.1a8"),
            quorate=True,
            votequorum=VotequorumInfo(
                expected_votes=4, highest_expected=4, total_votes=4, quorum=3, flags=("Quorate",)
            ),
            membership=QuorumList(
                nodeid_format="hex",
                columns=("Nodeid", "Votes", "Name"),
                members=(
                    row(1, "192.168.15.91"),
                    row(2, "192.168.15.92", local=True),
                    row(3, "192.168.15.93"),
                    row(4, "192.168.15.94"),
                ),
            ),
        ),
    )


def test_status_quorum_part_is_quorumtool_siH() -> None:
    """After pvecm's own block, the rest is exactly what quorumtool -siH would give."""
    parsed = parse_pvecm_status(read("pvecm/status-lab.txt"))
    siH = parse_quorumtool_status(read("quorumtool/3.1.7-lab-healthy-siH.txt"), tool="pvecm status")
    assert parsed == PvecmStatus(cluster=LAB_CLUSTER, quorum=siH)


def test_status_with_corosync_down() -> None:
    """corosync stopped: pvecm's block is still read, quorum is CorosyncNotRunning."""
    parsed = parse_pvecm_status(
        read("pvecm/status-corosync-down.txt"), "Cannot initialize CMAP service\n", 1
    )
    assert parsed == PvecmStatus(
        cluster=LAB_CLUSTER,
        quorum=CorosyncNotRunning(
            tool="pvecm status", message="Cannot initialize CMAP service", exit_status=1
        ),
    )


@pytest.mark.parametrize("prefix", ["", "Error: "])
def test_not_clustered(prefix: str) -> None:
    """Without /etc/pve/corosync.conf pvecm says so (with or without 'Error: ')."""
    stderr = prefix + NOT_CLUSTERED + "\n"
    expected = PvecmNotClustered(message=NOT_CLUSTERED, config_path="/etc/pve/corosync.conf")
    assert parse_pvecm_status("", stderr, 2) == expected
    assert parse_pvecm_nodes("", stderr, 255) == expected


def test_status_without_cluster_block() -> None:
    """No totem section in /etc/pve/corosync.conf: no block, quorumtool output alone."""
    parsed = parse_pvecm_status(read("quorumtool/3.1.7-lab-healthy-siH.txt"))
    assert isinstance(parsed, PvecmStatus)
    assert parsed.cluster is None
    assert isinstance(parsed.quorum, QuorumStatus)


def test_pvecm_defaults_are_kept_as_printed() -> None:
    """pvecm's fallbacks ('UNKOWN?' [sic], -1) are values, not errors."""
    text = "Cluster information\n-------------------\nName:             UNKOWN?\n"
    text += "Config Version:   -1\nTransport:        knet\nSecure auth:      off\n\n"
    parsed = parse_pvecm_status(text, "Cannot initialize CMAP service\n", 1)
    assert isinstance(parsed, PvecmStatus)
    assert parsed.cluster == PvecmClusterInfo(
        name="UNKOWN?", config_version=-1, transport="knet", secure_auth="off"
    )


def test_unknown_block_lines_are_kept() -> None:
    """A line pvecm's block never prints is kept in unparsed_lines."""
    text = read("pvecm/status-lab.txt").replace("Transport:", "Cluster UUID:     x\nTransport:")
    parsed = parse_pvecm_status(text)
    assert isinstance(parsed, PvecmStatus)
    assert parsed.unparsed_lines == ("Cluster UUID:     x",)


def test_garbage_is_unparsed() -> None:
    """Output that is neither pvecm's block nor quorumtool's is Unparsed."""
    parsed = parse_pvecm_status("Permission denied\n", "", 1)
    assert isinstance(parsed, Unparsed)
    assert parsed.tool == "pvecm status"


def test_pve_docs_nodes() -> None:
    """pvecm nodes is quorumtool -l; the pve-docs sample with ~~~ reads fully."""
    assert parse_pvecm_nodes(read("pvecm/pve-docs-nodes.txt")) == QuorumList(
        nodeid_format="decimal",
        columns=("Nodeid", "Votes", "Name"),
        members=(row(1, "hp1"), row(2, "hp2", local=True), row(3, "hp3"), row(4, "hp4")),
    )


def test_nodes_with_corosync_down() -> None:
    """pvecm nodes with corosync stopped names itself in CorosyncNotRunning."""
    parsed = parse_pvecm_nodes("", "Cannot initialize CMAP service\n", 1)
    assert parsed == CorosyncNotRunning(
        tool="pvecm nodes", message="Cannot initialize CMAP service", exit_status=1
    )
