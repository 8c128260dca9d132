"""Every host tool parser is total: any text gives a typed value or Unparsed, never an exception;
the firewall verdicts likewise always give a PortVerdict."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from bot.corosync.tools.firewall import FirewallKind, corosync_link_verdicts
from bot.corosync.tools.firewall_iptables import parse_iptables_save
from bot.corosync.tools.firewall_nft import parse_nft_ruleset
from bot.corosync.tools.firewall_pve import parse_pve_firewall
from bot.corosync.tools.firewall_verdict import PortVerdict
from bot.corosync.tools.netif import (
    IpAddrShow,
    IpLinkStats,
    counter_delta,
    parse_ethtool_stats,
    parse_ip_addr_json,
    parse_ip_link_stats_json,
)
from bot.corosync.tools.ping import PingSummary, parse_ping
from bot.corosync.tools.sockets import SsUdp, parse_ss_udp
from bot.corosync.tools.timesync import (
    ChronyTracking,
    parse_chronyc_tracking,
    parse_timedatectl_show,
)
from bot.corosync.unparsed import Unparsed

FAST = settings(max_examples=200, deadline=None)
HOST = Path(__file__).parents[2] / "fixtures" / "host"
FIXTURES = sorted(p for p in HOST.rglob("*") if p.is_file() and p.name != "PROVENANCE.md")
SAMPLES = [p.read_bytes().decode() for p in FIXTURES]

PARSERS: list[Callable[[str], BaseModel]] = [
    parse_chronyc_tracking,
    parse_timedatectl_show,
    parse_ip_addr_json,
    parse_ip_link_stats_json,
    parse_ethtool_stats,
    parse_ss_udp,
    parse_ping,
    parse_iptables_save,
    parse_nft_ruleset,
    parse_pve_firewall,
]

# Lines the parsers look for, so generated text reaches their deeper branches.
VOCABULARY = st.sampled_from(
    [
        "Reference ID    : C6120001 (x)",
        "System time     : 1e9 seconds slow of NTP time",
        "Frequency       : 0.1 ppm fast",
        "Leap status     : Normal",
        "7F7F0101,,8,x,0,0,0,0,0,0,0,0,0,Normal",
        "NTPSynchronized=yes",
        '[{"ifname": "eth0", "stats64": {"rx": {"bytes": -1}}, "addr_info": [1]}]',
        "NIC statistics:",
        "     rx_dropped: 99999999999999999999",
        "State  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess",
        'UNCONN 0 0 [fe80::1]%eth0:5405 *:* users:(("corosync",pid=1,fd=2))',
        "--- x ping statistics ---",
        "3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 1ms",
        "rtt min/avg/max/mdev = 1.0/2.0/3.0/4.0 ms, pipe 3",
        "*filter",
        ":INPUT DROP [0:0]",
        ":QB - [0:0]",
        "-A INPUT -p udp -m multiport --dports 5405:5412 -j QB",
        "-A QB ! -s 10.0.0.0/8 -m statistic --mode random --probability 0.5 -j REJECT",
        "-A INPUT -m conntrack --ctstate NEW -g QB",
        "[1:2] -A INPUT -j DROP",
        "COMMIT",
        "table inet t {",
        "set s {",
        "type ipv4_addr",
        "elements = { 10.0.0.1, 5405-5412,",
        "chain c {",
        "type filter hook input priority filter + 5; policy drop;",
        'type filter hook ingress device "eth0" priority 0; policy accept;',
        "ip saddr @s udp dport { 5405, 5406 } ct state new accept # handle 3",
        "meta random & 2147483647 < 1073741824 drop",
        "ct state vmap { established : accept, new : jump c }",
        'iifname != "lo" fib daddr type local limit rate 1/second reject',
        "jump c",
        "}",
        "[OPTIONS]",
        "enable: 1",
        "policy_in: REJECT",
        "[IPSET s]",
        "!10.0.0.0/8",
        "[group g]",
        "[RULES]",
        "|IN ACCEPT -source +s -p udp -dport 5405:5412 # c",
        "GROUP g -i vmbr0",
        "OUT SSH(DROP) -dest 10.0.0.1-10.0.0.9",
    ]
)
LINES = st.lists(st.one_of(VOCABULARY, st.text(max_size=40)), max_size=25).map("\n".join)


@st.composite
def mutated_samples(draw: st.DrawFn) -> str:
    """A real fixture with a random slice replaced by random text."""
    text = draw(st.sampled_from(SAMPLES))
    start = draw(st.integers(0, len(text)))
    end = draw(st.integers(start, len(text)))
    return text[:start] + draw(st.one_of(st.text(max_size=20), VOCABULARY)) + text[end:]


TEXTS = st.one_of(st.text(), LINES, mutated_samples())


def exercise(result: BaseModel) -> None:
    """Dump the value and call its helper views: none of them may raise either."""
    result.model_dump()
    if isinstance(result, ChronyTracking):
        assert result.synchronized in (True, False, None)
        _ = result.source
    if isinstance(result, IpAddrShow):
        result.interfaces_with_address("10.0.0.1")
        for interface in result.interfaces:
            assert isinstance(interface.lower_up, bool)
    if isinstance(result, IpLinkStats):
        for stats in result.interfaces:
            counter_delta(stats.counters(), stats.counters())
    if isinstance(result, SsUdp):
        result.owners_of(5405)
        result.ports_of("corosync")
        assert all(isinstance(s.local_wildcard, bool) for s in result.sockets)
    if isinstance(result, PingSummary):
        assert isinstance(result.all_lost, bool)


@FAST
@given(text=TEXTS)
def test_every_parser_accepts_any_text(text: str) -> None:
    """No host tool parser raises on any text; each returns its value or Unparsed."""
    for parse in PARSERS:
        result = parse(text)
        assert isinstance(result, BaseModel)
        exercise(result)
        if isinstance(result, Unparsed):
            assert result.raw == text


KINDS: list[FirewallKind] = ["iptables-save", "ip6tables-save", "nft", "pve"]
ADDRESSES = st.sampled_from(["192.0.2.11", "192.0.2.12", "2001:db8::12", "10.0.0.5", "x"])


@FAST
@given(
    text=TEXTS,
    host=st.one_of(st.none(), TEXTS),
    kind=st.sampled_from(KINDS),
    peer=ADDRESSES,
    link=st.integers(-10, 70000),
    interface=st.one_of(st.none(), st.sampled_from(["lo", "eth0", "vmbr1"])),
)
def test_every_verdict_is_a_port_verdict(
    text: str, host: str | None, kind: FirewallKind, peer: str, link: int, interface: str | None
) -> None:
    """Any listing, address and link give a PortVerdict both ways, never an exception, and a
    probability only with a definite action."""
    verdicts = corosync_link_verdicts(
        text,
        kind=kind,
        local_address="192.0.2.11",
        peer_address=peer,
        link=link,
        interface=interface,
        host_fw=host,
    )
    for result in (verdicts.inbound, verdicts.outbound):
        assert isinstance(result, PortVerdict)
        if result.probability is not None:
            assert result.action != "unknown"
            assert 0.0 <= result.probability <= 1.0


@FAST
@given(
    before=st.dictionaries(st.text(max_size=5), st.integers(0, 2**64)),
    after=st.dictionaries(st.text(max_size=5), st.integers(0, 2**64)),
)
def test_counter_delta_is_never_negative(before: dict[str, int], after: dict[str, int]) -> None:
    """Any two readings give non-negative deltas, a reset wherever a counter went down."""
    for name, delta in counter_delta(before, after).items():
        assert delta.delta >= 0
        assert delta.reset == (after[name] < before[name])


def test_every_fixture_has_a_golden_test() -> None:
    """Each file under tests/fixtures/host is named by at least one test module here."""
    sources = "".join(p.read_text() for p in Path(__file__).parent.glob("test_*.py"))
    missing = [
        str(p.relative_to(HOST))
        for p in FIXTURES
        if str(p.relative_to(HOST)) not in sources and p.name not in sources
    ]
    assert missing == []
