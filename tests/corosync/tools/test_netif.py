"""ip -j addr, ip -s -j link and ethtool -S read into typed values; counter deltas."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.corosync.tools.netif import (
    CounterDelta,
    EthtoolStats,
    IpAddress,
    IpAddrShow,
    IpLinkStats,
    LinkCounters,
    counter_delta,
    parse_ethtool_stats,
    parse_ip_addr_json,
    parse_ip_link_stats_json,
)
from bot.corosync.unparsed import Unparsed

HOST = Path(__file__).parents[2] / "fixtures" / "host"
LOOPBACK_FLAGS = ("LOOPBACK", "UP", "LOWER_UP")


def read(path: str) -> str:
    return (HOST / path).read_bytes().decode()


def addr(path: str) -> IpAddrShow:
    parsed = parse_ip_addr_json(read(path))
    assert isinstance(parsed, IpAddrShow), parsed
    return parsed


def stats(path: str) -> IpLinkStats:
    parsed = parse_ip_link_stats_json(read(path))
    assert isinstance(parsed, IpLinkStats), parsed
    return parsed


def test_lab_healthy_addresses() -> None:
    """The lab node has its ring address 198.18.0.13 as a secondary on eth0."""
    parsed = addr("ip/lab-healthy-addr.json")
    assert [i.name for i in parsed.interfaces] == ["lo", "eth0"]
    eth0 = parsed.interfaces[1]
    assert (eth0.ifindex, eth0.mtu, eth0.operstate, eth0.mac) == (
        2,
        1500,
        "UP",
        "1e:c0:f8:88:6f:0f",
    )
    assert eth0.admin_up
    assert eth0.lower_up
    assert eth0.addresses == (
        IpAddress(family="inet", local="198.18.0.103", prefixlen=24, scope="global", label="eth0"),
        IpAddress(
            family="inet",
            local="198.18.0.13",
            prefixlen=24,
            scope="global",
            label="eth0",
            secondary=True,
        ),
        IpAddress(family="inet6", local="fe80::1cc0:f8ff:fe88:6f0f", prefixlen=64, scope="link"),
    )
    assert parsed.interfaces_with_address("198.18.0.13") == (eth0,)
    assert parsed.unparsed_entries == ()


def test_lab_link_down_addresses() -> None:
    """With its link cut, eth0 is administratively up but has no carrier and is DOWN."""
    eth0 = addr("ip/lab-link-down-addr.json").interfaces[1]
    assert eth0.flags == ("NO-CARRIER", "BROADCAST", "MULTICAST", "UP")
    assert eth0.operstate == "DOWN"
    assert eth0.admin_up
    assert not eth0.lower_up
    assert [a.local for a in eth0.addresses] == [
        "198.18.0.103",
        "198.18.0.13",
        "fe80::101e:ebff:fe0b:8571",
    ]


def test_netns_addresses() -> None:
    """Five interfaces: a veth pair up, one whose peer is down (LOWERLAYERDOWN, NO-CARRIER)."""
    parsed = addr("ip/netns-addr.json")
    by_name = {i.name: i for i in parsed.interfaces}
    assert list(by_name) == ["lo", "qbpeer0", "qbeth0", "qbpeer1", "qbeth1"]
    assert by_name["qbeth0"].mtu == 9000
    assert [a.local for a in by_name["qbeth0"].addresses] == [
        "192.0.2.11",
        "192.0.2.21",
        "2001:db8::11",
        "fe80::3830:59ff:fe8a:b194",
    ]
    assert by_name["qbeth1"].operstate == "LOWERLAYERDOWN"
    assert not by_name["qbeth1"].lower_up
    assert by_name["qbpeer1"].addresses == ()
    assert not by_name["qbpeer1"].admin_up
    assert parsed.interfaces_with_address("fe80::3830:59ff:fe8a:b194%qbeth0") == (
        by_name["qbeth0"],
    )
    assert parsed.interfaces_with_address("2001:db8::11/64") == (by_name["qbeth0"],)


def test_address_lookup_of_a_non_address_is_empty() -> None:
    """A name that is not an address finds no interface."""
    assert addr("ip/netns-addr.json").interfaces_with_address("qbeth0") == ()


def test_lab_healthy_link_stats() -> None:
    """stats64 counters of eth0: 549 packets in, 438 out, nothing dropped."""
    eth0 = stats("ip/lab-healthy-link-stats.json").interface("eth0")
    assert eth0 is not None
    assert eth0.rx == LinkCounters(
        bytes=79662, packets=549, errors=0, dropped=0, extra={"over_errors": 0, "multicast": 0}
    )
    assert eth0.tx == LinkCounters(
        bytes=66020,
        packets=438,
        errors=0,
        dropped=0,
        extra={"carrier_errors": 0, "collisions": 0},
    )
    assert eth0.counters()["tx_packets"] == 438


def test_lab_link_down_link_stats() -> None:
    """With no carrier the node dropped 33 packets it tried to send."""
    parsed = stats("ip/lab-link-down-link-stats.json")
    eth0 = parsed.interface("eth0")
    assert eth0 is not None
    assert eth0.operstate == "DOWN"
    assert (eth0.rx.packets, eth0.tx.packets, eth0.tx.dropped) == (360, 286, 33)
    lo = parsed.interface("lo")
    assert lo is not None
    assert lo.rx.packets == 43


def test_netns_link_stats() -> None:
    """The veth pair's counters mirror each other: 6 packets each way."""
    parsed = stats("ip/netns-link-stats.json")
    assert [i.name for i in parsed.interfaces] == ["lo", "qbpeer0", "qbeth0", "qbpeer1", "qbeth1"]
    qbeth0, qbpeer0 = parsed.interface("qbeth0"), parsed.interface("qbpeer0")
    assert qbeth0 is not None
    assert qbpeer0 is not None
    assert (qbeth0.rx.bytes, qbeth0.tx.bytes) == (516, 576)
    assert (qbpeer0.rx.bytes, qbpeer0.tx.bytes) == (576, 516)
    assert parsed.interface("nope") is None


def test_link_stats_without_s_is_noted() -> None:
    """`ip -j link` without -s has no stats64: the interface is kept and the gap noted."""
    parsed = parse_ip_link_stats_json(read("ip/netns-addr.json"))
    assert isinstance(parsed, IpLinkStats)
    assert parsed.interfaces[0].rx == LinkCounters()
    assert "lo: no stats64 object (was -s given?)" in parsed.unparsed_entries


@pytest.mark.parametrize("path", ["ethtool/lab-veth-stats.txt", "ethtool/netns-veth-stats.txt"])
def test_veth_ethtool_stats(path: str) -> None:
    """veth prints its peer's ifindex and per-queue XDP counters, all zero here."""
    parsed = parse_ethtool_stats(read(path))
    assert isinstance(parsed, EthtoolStats)
    assert list(parsed.counters)[1:] == [
        "rx_queue_0_xdp_packets",
        "rx_queue_0_xdp_bytes",
        "rx_queue_0_drops",
        "rx_queue_0_xdp_redirect",
        "rx_queue_0_xdp_drops",
        "rx_queue_0_xdp_tx",
        "rx_queue_0_xdp_tx_errors",
        "tx_queue_0_xdp_xmit",
        "tx_queue_0_xdp_xmit_errors",
    ]
    assert sum(v for k, v in parsed.counters.items() if k != "peer_ifindex") == 0
    expected_peer = 183 if "lab" in path else 2
    assert parsed.counters["peer_ifindex"] == expected_peer


def test_ethtool_without_stats_is_unparsed() -> None:
    """A driver without statistics prints no header: Unparsed."""
    assert isinstance(parse_ethtool_stats("no stats available\n"), Unparsed)


def test_ethtool_repeated_name_is_kept_once() -> None:
    """A counter name printed twice keeps its first value; the repeat is listed as unparsed."""
    parsed = parse_ethtool_stats("NIC statistics:\n     rx_drops: 1\n     rx_drops: 9\n")
    assert isinstance(parsed, EthtoolStats)
    assert parsed.counters == {"rx_drops": 1}
    assert parsed.unparsed_lines == ("     rx_drops: 9",)


def test_counter_delta_growth() -> None:
    """A counter that grew gives its growth."""
    assert counter_delta({"rx_dropped": 3}, {"rx_dropped": 10}) == {
        "rx_dropped": CounterDelta(before=3, after=10, delta=7, reset=False)
    }


def test_counter_delta_reset() -> None:
    """A counter that went down was reset: the delta is the new value, flagged as a reset."""
    assert counter_delta({"tx_dropped": 500}, {"tx_dropped": 4}) == {
        "tx_dropped": CounterDelta(before=500, after=4, delta=4, reset=True)
    }


def test_counter_delta_only_shared_names() -> None:
    """Counters missing from either reading are left out; order follows the second reading."""
    deltas = counter_delta({"a": 1, "b": 2, "gone": 5}, {"new": 1, "b": 2, "a": 4})
    assert list(deltas) == ["b", "a"]
    assert deltas["b"].delta == 0


def test_counter_delta_between_real_readings() -> None:
    """From the healthy to the link-down capture eth0's counters shrink: the veth was
    re-created, so every changed counter reads as a reset."""
    before = stats("ip/lab-healthy-link-stats.json").interface("eth0")
    after = stats("ip/lab-link-down-link-stats.json").interface("eth0")
    assert before is not None
    assert after is not None
    deltas = counter_delta(before.counters(), after.counters())
    assert deltas["rx_packets"] == CounterDelta(before=549, after=360, delta=360, reset=True)
    assert deltas["tx_dropped"] == CounterDelta(before=0, after=33, delta=33, reset=False)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "no output"),
        ("{}", "the JSON is not an array of interfaces"),
        ("[{", "not JSON"),
        ("[" * 100_000 + "]" * 100_000, "not JSON"),
    ],
)
def test_bad_json_is_unparsed(text: str, reason: str) -> None:
    """Empty, non-array, broken and absurdly nested JSON are each Unparsed with a reason."""
    parsed = parse_ip_addr_json(text)
    assert isinstance(parsed, Unparsed)
    assert parsed.reason.startswith(reason)


def test_wrongly_typed_entries_are_skipped() -> None:
    """Entries that are not interface objects, and addresses without family/local, are listed
    as skipped; booleans and negative numbers are not counts."""
    text = '[1, {"ifname": "x", "mtu": true, "ifindex": -1, "addr_info": [{"local": "a"}]}]'
    parsed = parse_ip_addr_json(text)
    assert isinstance(parsed, IpAddrShow)
    assert parsed.unparsed_entries == (
        "entry 0: not an interface object with an ifname",
        "x addr_info 0: no family and local address",
    )
    assert (parsed.interfaces[0].mtu, parsed.interfaces[0].ifindex) == (None, None)
