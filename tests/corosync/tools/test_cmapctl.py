"""corosync-cmapctl dumps read into typed entries, and the views the checks use."""

from __future__ import annotations

import json
import math
from pathlib import Path

from bot.corosync.tools.cmapctl import (
    CmapDump,
    CmapEntry,
    CmapMember,
    KnetLinkStats,
    NodelistNode,
    SrpStats,
    parse_cmap,
    parse_cmap_output,
)
from bot.corosync.tools.quorumtool import CorosyncNotRunning
from bot.corosync.unparsed import Unparsed

TOOLS = Path(__file__).parents[2] / "fixtures" / "tools" / "cmapctl"
LAB = Path(__file__).parents[2] / "fixtures" / "lab"


def dump(name: str) -> CmapDump:
    return parse_cmap((TOOLS / name).read_bytes().decode())


def test_lab_dump_reads_every_line() -> None:
    """All 142 lines of a 3.1.7 dump are entries; none is left over."""
    parsed = dump("3.1.7-lab-link-down.txt")
    assert (len(parsed.entries), parsed.unparsed_lines) == (142, ())


def test_members_joined_and_left() -> None:
    """runtime.members keeps a departed node with status 'left'."""
    assert dump("3.1.7-lab-link-down.txt").members() == tuple(
        CmapMember(
            nodeid=n,
            ip=f"r(0) ip(198.18.0.1{n}) ",
            addresses={0: f"198.18.0.1{n}"},
            join_count=1,
            status="left" if n == 3 else "joined",
            config_version=1,
        )
        for n in (1, 2, 3)
    )


def test_nodelist() -> None:
    """nodelist.node.<pos>.* becomes one node per position."""
    assert dump("3.1.7-lab-link-down.txt").nodelist() == tuple(
        NodelistNode(
            position=n - 1,
            nodeid=n,
            name=f"qbcap{n}",
            ring_addrs={0: f"198.18.0.1{n}"},
            quorum_votes=1,
        )
        for n in (1, 2, 3)
    )


def test_runtime_values() -> None:
    """config_version, the effective token and votequorum's runtime keys are typed values."""
    parsed = dump("3.1.7-lab-link-down.txt")
    assert parsed.config_version() == 1
    assert parsed.runtime_totem()["token"] == 1650
    assert parsed.runtime_totem()["interface.0.knet_ping_timeout"] == 825
    assert parsed.votequorum() == {
        "ev_barrier": 3,
        "highest_node_id": 2,
        "lowest_node_id": 1,
        "this_node_id": 1,
        "two_node": 0,
    }


def test_knet_link_stats() -> None:
    """stats.knet.node3.link0 shows the cut link: enabled, not connected, two downs."""
    links = dump("3.1.7-lab-link-down-stats.txt").knet_links()
    assert [(ln.nodeid, ln.link_id) for ln in links] == [(1, 0), (2, 0), (3, 0)]
    node3 = links[2]
    assert node3.model_copy(update={"counters": {}}) == KnetLinkStats(
        nodeid=3,
        link_id=0,
        enabled=True,
        connected=False,
        mtu=1397,
        latency_min=175,
        latency_max=222,
        latency_ave=178,
        latency_samples=27,
        down_count=2,
        up_count=1,
    )
    assert (len(node3.counters), node3.counters["tx_total_packets"]) == (39, 129)


def test_local_link_has_no_latency() -> None:
    """The link to this node never gets a pong: latency_min stays UINT32_MAX."""
    local, peer = dump("3.1.7-lab-link-down-stats.txt").knet_links()[:2]
    assert (local.latency_min, local.has_latency, peer.has_latency) == (4294967295, False, True)


def test_srp_stats() -> None:
    """stats.srp.* has its well-known counters as fields and all of them in counters."""
    stats = dump("3.1.7-lab-link-down-stats.txt").srp_stats()
    assert stats is not None
    assert stats.model_copy(update={"counters": {}}) == SrpStats(
        operational_token_lost=1,
        consensus_timeouts=1,
        continuous_gather=0,
        firewall_enabled_or_nic_failure=0,
        mtt_rx_token=207,
        avg_token_workload=0,
        time_since_token_last_received=209,
        rx_msg_dropped=0,
        mcast_retx=0,
    )
    assert len(stats.counters) == 30


def test_srp_stats_absent_without_stats_map() -> None:
    """A plain dump (no -m stats) has no srp statistics."""
    assert dump("3.1.7-lab-link-down.txt").srp_stats() is None


def test_every_print_key_format() -> None:
    """Every type print_key() writes is read; str values keep inner and trailing blanks."""
    parsed = dump("types.txt")
    nan = parsed.get("resources.example.ratio")
    assert nan is not None
    assert isinstance(nan.value, float)
    assert math.isnan(nan.value)
    assert [e for e in parsed.entries if e.key != "resources.example.ratio"] == [
        CmapEntry(key="config.reload_in_progress", type="u8", value=0),
        CmapEntry(key="config.reload_status", type="i32", value=-1),
        CmapEntry(key="runtime.votequorum.two_node", type="u8", value=1),
        CmapEntry(key="resources.system.load_15min.current", type="dbl", value=0.15),
        CmapEntry(key="stats.knet.handle.rx_compress_time_min", type="u64", value=2**64 - 1),
        CmapEntry(key="runtime.config.totem.knet_compression_level", type="i32", value=0),
        CmapEntry(
            key="runtime.members.2.ip", type="str", value="r(0) ip(10.0.0.2) r(1) ip(fd00::2) "
        ),
        CmapEntry(key="totem.cluster_name", type="str", value="two words"),
        CmapEntry(key="config.reload_error_message", type="str", value=""),
        CmapEntry(key="totem.private_key", type="bin", value=None),
        CmapEntry(key="totem.dump", type="bin", value="ab\\x00\\\\"),
        CmapEntry(key="totem.empty", type="bin", value="*empty*"),
    ]


def test_lines_that_are_not_entries_are_kept() -> None:
    """A track-mode line and a bad integer stay in unparsed_lines instead of raising."""
    assert dump("types.txt").unparsed_lines == (
        "create> totem.token (u32) = 3000",
        "runtime.bad (u8) = not-a-number",
    )


def test_two_rings_per_member() -> None:
    """r(0)/r(1) addresses and ring1_addr are read per link."""
    parsed = dump("two-links-members.txt")
    assert parsed.members()[0].addresses == {0: "10.0.0.1", 1: "10.1.0.1"}
    assert parsed.nodelist()[1].ring_addrs == {0: "10.0.0.2", 1: "10.1.0.2"}
    assert [m.config_version for m in parsed.members()] == [7, 6]


def test_get_value_and_prefix() -> None:
    """get/value find a key; with_prefix strips the prefix; a missing key is None."""
    parsed = dump("two-links-members.txt")
    assert parsed.value("nodelist.local_node_pos") == 1
    assert parsed.get("no.such.key") is None
    assert parsed.value("no.such.key") is None
    assert parsed.with_prefix("nodelist.node.0.") == {
        "name": "pve1",
        "nodeid": 1,
        "quorum_votes": 1,
        "ring0_addr": "10.0.0.1",
        "ring1_addr": "10.1.0.1",
    }


def test_corosync_2_member_keys() -> None:
    """corosync 2.x kept members under runtime.totem.pg.mrp.srp.members: read as well."""
    text = "runtime.totem.pg.mrp.srp.members.5.status (str) = joined\n"
    assert parse_cmap(text).members() == (CmapMember(nodeid=5, status="joined"),)


def test_output_not_running() -> None:
    """cmap_initialize() failing with CS_ERR_LIBRARY is CorosyncNotRunning."""
    stderr = "Failed to initialize the cmap API. Error CS_ERR_LIBRARY\n"
    assert parse_cmap_output("", stderr, 1) == CorosyncNotRunning(
        tool="corosync-cmapctl",
        message="Failed to initialize the cmap API. Error CS_ERR_LIBRARY",
        error="CS_ERR_LIBRARY",
        exit_status=1,
    )


def test_output_access_denied() -> None:
    """CS_ERR_ACCESS is Unparsed with a hint, not 'not running'."""
    stderr = "Failed to initialize the cmap API. Error CS_ERR_ACCESS\n"
    parsed = parse_cmap_output("", stderr, 1)
    assert isinstance(parsed, Unparsed)
    assert "root" in parsed.reason


def test_output_failure_without_entries() -> None:
    """A failing run with no entries and an unknown message is Unparsed."""
    parsed = parse_cmap_output("", "Can't get value of x. Error CS_ERR_NOT_EXIST\n", 1)
    assert isinstance(parsed, Unparsed)


def test_output_success_is_the_dump() -> None:
    """A successful run gives the same dump as parse_cmap, even when empty."""
    assert parse_cmap_output("totem.token (u32) = 1000\n") == parse_cmap(
        "totem.token (u32) = 1000\n"
    )
    assert parse_cmap_output("", "", 0) == CmapDump()


def test_every_lab_capture_reads_fully() -> None:
    """Every lab cmapctl capture is all entries, or CorosyncNotRunning when it failed."""
    captures = sorted(LAB.glob("*/*/cmapctl*.out"))
    assert captures
    for capture in captures:
        meta = json.loads(capture.with_suffix(".meta.json").read_text())
        parsed = parse_cmap_output(
            capture.read_bytes().decode(), meta["stderr"], meta["exit_status"]
        )
        if meta["exit_status"] != 0:
            assert isinstance(parsed, CorosyncNotRunning), capture
            continue
        assert isinstance(parsed, CmapDump), capture
        assert parsed.unparsed_lines == (), capture
