"""corosync-quorumtool -s / -siH / -l read into typed values, with its exit status."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.corosync.tools.quorumtool import (
    CorosyncNotRunning,
    QdeviceRow,
    QdeviceState,
    QuorumList,
    QuorumMember,
    QuorumStatus,
    RingId,
    VotequorumInfo,
    parse_quorumtool_list,
    parse_quorumtool_status,
)
from bot.corosync.unparsed import Unparsed

TOOLS = Path(__file__).parents[2] / "fixtures" / "tools" / "quorumtool"
LAB = Path(__file__).parents[2] / "fixtures" / "lab"
COLUMNS = ("Nodeid", "Votes", "Name")
QDEVICE_COLUMNS = ("Nodeid", "Votes", "Qdevice", "Name")
ALIVE_VOTING = QdeviceState(registered=True, alive=True, casts_vote=True, text="A,V,NMW")


def read(name: str) -> str:
    return (TOOLS / name).read_bytes().decode()


def status(name: str, exit_status: int = 0) -> QuorumStatus:
    parsed = parse_quorumtool_status(read(name), "", exit_status)
    assert isinstance(parsed, QuorumStatus), parsed
    return parsed


def table(name: str) -> QuorumList:
    parsed = parse_quorumtool_list(read(name))
    assert isinstance(parsed, QuorumList), parsed
    return parsed


def member(nodeid: int, name: str, local: bool = False, votes: int | None = 1) -> QuorumMember:
    return QuorumMember(nodeid=nodeid, votes=votes, qdevice=None, name=name, local=local)


LAB_MEMBERS = (member(1, "qbcap1", True), member(2, "qbcap2"), member(3, "qbcap3"))


def test_lab_healthy_status() -> None:
    """3.1.7 -s: every block read, trailing blanks of Quorum and Flags ignored."""
    assert status("3.1.7-lab-healthy-s.txt") == QuorumStatus(
        date="Wed Nov 25 08:30:04 2026",
        provider="corosync_votequorum",
        nodes=3,
        local_nodeid=1,
        ring_id=RingId(rep_nodeid=1, seq=0xD, text="1.d"),
        quorate=True,
        votequorum=VotequorumInfo(
            expected_votes=3, highest_expected=3, total_votes=3, quorum=2, flags=("Quorate",)
        ),
        membership=QuorumList(nodeid_format="decimal", columns=COLUMNS, members=LAB_MEMBERS),
    )


def test_lab_hex_ids_and_addresses() -> None:
    """-siH (what pvecm status runs): hex node ids and addresses as names."""
    parsed = status("3.1.7-lab-healthy-siH.txt")
    assert (parsed.local_nodeid, parsed.nodeid_format) == (1, "hex")
    assert parsed.membership == QuorumList(
        nodeid_format="hex",
        columns=COLUMNS,
        members=(
            member(1, "198.18.0.11", True),
            member(2, "198.18.0.12"),
            member(3, "198.18.0.13"),
        ),
    )


def test_lab_list() -> None:
    """-l is the table alone, after an empty line."""
    assert table("3.1.7-lab-healthy-l.txt") == QuorumList(
        nodeid_format="decimal", columns=COLUMNS, members=LAB_MEMBERS
    )


def test_lab_isolated_node_is_blocked() -> None:
    """Exit 2, 'Quorate: No', 'Activity blocked' and no flags on the cut-off node."""
    parsed = status("3.1.7-lab-isolated-s.txt", exit_status=2)
    assert parsed == QuorumStatus(
        date="Wed Nov 25 08:27:34 2026",
        provider="corosync_votequorum",
        nodes=1,
        local_nodeid=3,
        ring_id=RingId(rep_nodeid=3, seq=0x5F, text="3.5f"),
        quorate=False,
        votequorum=VotequorumInfo(
            expected_votes=3, highest_expected=3, total_votes=1, quorum=2, activity_blocked=True
        ),
        membership=QuorumList(
            nodeid_format="decimal", columns=COLUMNS, members=(member(3, "qbcap3", True),)
        ),
        exit_status=2,
    )
    assert (parsed.quorate_by_exit, parsed.is_quorate) == (False, False)


def test_qdevice_column_and_row() -> None:
    """A registered qdevice adds a column per member and its own row with nodeid 0."""
    parsed = status("qdevice-s.txt")
    assert parsed.votequorum is not None
    assert parsed.votequorum.flags == ("Quorate", "Qdevice")
    assert parsed.membership == QuorumList(
        nodeid_format="decimal",
        columns=QDEVICE_COLUMNS,
        members=(
            QuorumMember(nodeid=1, votes=1, qdevice=ALIVE_VOTING, name="pve1", local=True),
            QuorumMember(nodeid=2, votes=1, qdevice=ALIVE_VOTING, name="pve2", local=False),
        ),
        qdevice=QdeviceRow(votes=1, name="Qdevice"),
    )


def test_qdevice_not_voting() -> None:
    """A qdevice that does not vote shows 0 votes and '(votes 1)' after its name."""
    parsed = status("qdevice-lost-s.txt", exit_status=2)
    assert parsed.membership is not None
    assert parsed.membership.qdevice == QdeviceRow(votes=0, name="Qdevice", configured_votes=1)
    assert parsed.membership.members[0].qdevice == QdeviceState(
        registered=True, alive=True, casts_vote=False, text="A,NV,NMW"
    )
    assert parsed.votequorum is not None
    assert parsed.votequorum.activity_blocked


def test_qdevice_cell_truncated_to_eight_characters() -> None:
    """quorumtool's 9-byte snprintf prints 'NA,NV,NMW' as 'NA,NV,NM': still read."""
    rows = table("qdevice-truncated-l.txt").members
    assert [r.qdevice for r in rows] == [
        QdeviceState(registered=True, text="NA,NV,NM"),
        QdeviceState(registered=True, alive=True, master_wins=True, text="A,NV,MW"),
    ]


def test_two_node_flags() -> None:
    """Each flag word is kept; has_flag answers for one."""
    info = status("two-node-s.txt").votequorum
    assert info is not None
    assert info.flags == ("2Node", "Quorate", "WaitForAll")
    assert info.has_flag("WaitForAll")
    assert not info.has_flag("LastManStanding")


def test_machine_parsable_not_registered() -> None:
    """-p shows the Qdevice column anyway, 'NR' when no qdevice is registered."""
    rows = table("machine-parsable-l.txt").members
    assert {r.qdevice for r in rows} == {QdeviceState(registered=False, text="NR")}


def test_table_without_votes_column() -> None:
    """Without votequorum the table has no Votes column: votes stay unknown."""
    assert table("no-votequorum-l.txt") == QuorumList(
        nodeid_format="decimal",
        columns=("Nodeid", "Name"),
        members=(member(1, "alpha", True, votes=None), member(2, "beta", votes=None)),
    )


def test_names_with_several_addresses() -> None:
    """-a joins addresses with ', ': the whole rest of the row is the name."""
    assert [(m.name, m.local) for m in table("all-addresses-l.txt").members] == [
        ("10.0.0.1, 10.1.0.1", True),
        ("10.0.0.2, 10.1.0.2", False),
    ]


def test_2_x_decimal_ring_id() -> None:
    """corosync 2.x printed the ring id as decimal rep/seq."""
    assert status("2.x-s.txt").ring_id == RingId(
        rep_nodeid=1084780051, seq=44, text="1084780051/44"
    )


def test_text_wins_over_a_2_x_exit_status() -> None:
    """corosync 2.x exited 1 when quorate: the Quorate line decides."""
    parsed = status("2.x-s.txt", exit_status=1)
    assert (parsed.quorate, parsed.quorate_by_exit, parsed.is_quorate) == (True, None, True)


@pytest.mark.parametrize(
    "message",
    [
        "Cannot initialize CMAP service",
        "Cannot initialize QUORUM service",
        "Cannot initialise CFG service",
        "Cannot initialise VOTEQUORUM service",
    ],
)
def test_not_running(message: str) -> None:
    """Each 'Cannot initialize … service' on stderr means corosync is not there."""
    assert parse_quorumtool_status("", message + "\n", 1) == CorosyncNotRunning(
        tool="corosync-quorumtool -s", message=message, exit_status=1
    )


def test_not_running_with_stderr_merged_into_stdout() -> None:
    """A 2>&1 capture has the message in stdout; it is found there too."""
    parsed = parse_quorumtool_list("Cannot initialize CMAP service\n", "", 1)
    assert parsed == CorosyncNotRunning(
        tool="corosync-quorumtool -l", message="Cannot initialize CMAP service", exit_status=1
    )


def test_other_errors_are_unparsed_with_stderr() -> None:
    """An unknown failure is Unparsed, naming the exit status and stderr's last line."""
    parsed = parse_quorumtool_status("", "Unable to get cluster quorate status: x\n", 1)
    assert parsed == Unparsed(
        tool="corosync-quorumtool -s",
        reason="no 'Quorum information' block (exit status 1, "
        "stderr: Unable to get cluster quorate status: x)",
        raw="Unable to get cluster quorate status: x\n",
    )


def test_unknown_field_lines_are_kept() -> None:
    """A 'Key: value' line quorumtool never prints is kept, not guessed."""
    text = read("3.1.7-lab-healthy-s.txt").replace("Nodes:", "Node state:       joined\nNodes:")
    parsed = parse_quorumtool_status(text)
    assert isinstance(parsed, QuorumStatus)
    assert parsed.unparsed_lines == ("Node state:       joined",)
    assert parsed.nodes == 3


def test_local_and_nodeids_helpers() -> None:
    """local() is the '(local)' row; nodeids() are sorted."""
    parsed = table("3.1.7-lab-healthy-l.txt")
    assert parsed.local() == member(1, "qbcap1", True)
    assert parsed.nodeids() == (1, 2, 3)


def test_every_lab_capture_reads_fully() -> None:
    """Every lab -s/-siH capture reads without leftovers, and Quorate agrees with the exit."""
    captures = sorted(LAB.glob("*/*/quorumtool-s*.out"))
    assert captures
    for capture in captures:
        meta = json.loads(capture.with_suffix(".meta.json").read_text())
        parsed = parse_quorumtool_status(
            capture.read_bytes().decode(), meta["stderr"], meta["exit_status"]
        )
        if meta["exit_status"] == 1:
            assert isinstance(parsed, CorosyncNotRunning), capture
            continue
        assert isinstance(parsed, QuorumStatus), capture
        assert parsed.unparsed_lines == (), capture
        assert parsed.membership is not None
        assert parsed.membership.unparsed_lines == ()
        assert parsed.quorate == parsed.quorate_by_exit, capture
