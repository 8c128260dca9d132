"""nft list ruleset read into tables, sets and chains, and what its rules do to corosync."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.corosync.tools.firewall import corosync_port_verdict
from bot.corosync.tools.firewall_nft import NftRuleset, NftSet, parse_nft_ruleset
from bot.corosync.tools.firewall_verdict import PortVerdict
from bot.corosync.unparsed import Unparsed

FIREWALL = Path(__file__).parents[2] / "fixtures" / "host" / "firewall"
VARIETY = (  # nft 1.0.6 `nft -a list ruleset`, captured in a throwaway network namespace
    "table inet qbv { # handle 1\n"
    "\tset dyn { # handle 3\n"
    "\t\ttype ipv4_addr\n"
    "\t\tsize 65535\n"
    "\t\tflags dynamic,timeout\n"
    "\t\ttimeout 1m\n"
    "\t}\n"
    "\n"
    "\tset pairs { # handle 4\n"
    "\t\ttype ipv4_addr . inet_service\n"
    "\t\telements = { 192.0.2.12 . 5405 }\n"
    "\t}\n"
    "\n"
    "\tmap verd { # handle 5\n"
    "\t\ttype ipv4_addr : verdict\n"
    "\t\telements = { 192.0.2.66 : drop }\n"
    "\t}\n"
    "\n"
    "\tchain pre { # handle 1\n"
    "\t\ttype filter hook prerouting priority raw; policy accept;\n"
    "\t\tudp dport 5405-5412 notrack # handle 6\n"
    "\t}\n"
    "\n"
    "\tchain input { # handle 2\n"
    "\t\ttype filter hook input priority filter + 10; policy drop;\n"
    "\t\tct state vmap { invalid : drop, established : accept, related : accept } # handle 8\n"
    "\t\tct state { established, related } accept # handle 10\n"
    "\t\tct state new,untracked udp dport 5405 accept # handle 11\n"
    "\t\tip saddr vmap @verd # handle 12\n"
    "\t\tip saddr . udp dport @pairs accept # handle 13\n"
    "\t\tmeta l4proto { tcp, udp } th dport 5406 accept # handle 15\n"
    "\t\tudp dport 5407 limit rate 10/second accept # handle 16\n"
    "\t\tudp dport 5408 numgen random mod 100 < 25 drop # handle 17\n"
    "\t\tfib daddr type local udp dport 5409 accept # handle 18\n"
    "\t\tmeta pkttype host udp dport 5410 accept # handle 19\n"
    "\t\tip protocol udp udp dport != 5405-5412 drop # handle 20\n"
    '\t\tiifname { "eth0", "vmbr*" } udp dport 5411 reject with icmp port-unreachable # handle 22\n'
    "\t\tudp dport 5412 reject # handle 23\n"
    "\t\ttcp dport 22 reject with tcp reset # handle 24\n"
    "\t\tip6 nexthdr udp accept # handle 25\n"
    "\t\tmeta mark 0x00000001 drop # handle 26\n"
    "\t\tudp dport 5405 update @dyn { ip saddr } accept # handle 27\n"
    '\t\tudp dport 5405 counter packets 0 bytes 0 drop comment "c" # handle 28\n'
    "\t}\n"
    "}\n"
    "table netdev qbnd { # handle 2\n"
    "\tchain ing { # handle 1\n"
    '\t\ttype filter hook ingress device "lo" priority filter; policy accept;\n'
    "\t\tudp dport 5405 drop # handle 2\n"
    "\t}\n"
    "}\n"
    "table ip qbnat { # handle 3\n"
    "\tflags dormant\n"
    "\n"
    "\tchain pre { # handle 1\n"
    "\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
    "\t\tudp dport 5405 dnat to 192.0.2.99 # handle 3\n"
    "\t}\n"
    "\n"
    "\tchain post { # handle 2\n"
    "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
    '\t\toifname "eth0" snat to 192.0.2.1 # handle 4\n'
    "\t}\n"
    "}\n"
)


def read(name: str) -> str:
    return (FIREWALL / name).read_bytes().decode()


def ruleset(text: str) -> NftRuleset:
    parsed = parse_nft_ruleset(text)
    assert isinstance(parsed, NftRuleset), parsed
    return parsed


def verdict(
    text: str,
    peer: str,
    *,
    direction: str = "in",
    link: int = 0,
    local: str | None = None,
    interface: str | None = None,
) -> PortVerdict:
    local = local or ("2001:db8::11" if ":" in peer else "192.0.2.11")
    return corosync_port_verdict(
        text,
        kind="nft",
        local_address=local,
        peer_address=peer,
        link=link,
        direction="in" if direction == "in" else "out",
        interface=interface,
    )


def listing(*rules: str, policy: str = "accept", hook: str = "input", family: str = "inet") -> str:
    """A one-chain ruleset in the layout `nft list ruleset` prints."""
    body = "".join(f"\t\t{rule}\n" for rule in rules)
    return (
        f"table {family} t {{\n\tchain c {{\n"
        f"\t\ttype filter hook {hook} priority filter; policy {policy};\n{body}\t}}\n}}\n"
    )


def test_netns_ruleset_structure() -> None:
    """Two tables: sets with wrapped elements, three chains (one regular), base chain details."""
    parsed = ruleset(read("netns-nft-ruleset.txt"))
    assert [(t.family, t.name) for t in parsed.tables] == [("inet", "qbfilter"), ("ip", "qbraw")]
    table = parsed.tables[0]
    assert table.sets == (
        NftSet(
            name="corosync_peers",
            kind="set",
            type="ipv4_addr",
            flags=("interval",),
            elements=("192.0.2.11", "192.0.2.12", "192.0.2.13", "192.0.2.64/26"),
        ),
        NftSet(name="blocked_ports", kind="set", type="inet_service", elements=("5407", "5409")),
    )
    summary = [(c.name, c.type, c.hook, c.priority, c.policy, len(c.rules)) for c in table.chains]
    assert summary == [
        ("input", "filter", "input", 0, "drop", 9),
        ("qb_tail", None, None, None, None, 2),
        ("output", "filter", "output", 0, "accept", 2),
    ]
    pre = parsed.tables[1].chains[0]
    assert (pre.hook, pre.priority, pre.definition) == (
        "prerouting",
        -300,
        "type filter hook prerouting priority raw; policy accept;",
    )
    assert parsed.unparsed_lines == ()


def test_handles_are_read_and_rules_match_the_plain_listing() -> None:
    """`nft -a` adds `# handle N` to tables, sets, chains and rules; the rule text is the same
    as in the plain listing of the same ruleset."""
    plain = ruleset(read("netns-nft-ruleset.txt"))
    handles = ruleset(read("netns-nft-ruleset-handles.txt"))
    table = handles.tables[0]
    assert (table.handle, [s.handle for s in table.sets]) == (1, [4, 5])
    assert [c.handle for c in table.chains] == [1, 2, 3]
    assert [r.handle for r in table.chains[0].rules] == [6, 7, 8, 9, 10, 12, 13, 14, 15]
    assert table.chains[0].rules[0].line == 'iif "lo" accept # handle 6'
    texts = [[r.text for c in t.chains for r in c.rules] for t in (plain.tables[0], table)]
    assert texts[0] == texts[1]
    assert handles.model_dump(exclude_none=True) != plain.model_dump(exclude_none=True)


@pytest.mark.parametrize("name", ["netns-nft-ruleset.txt", "netns-nft-ruleset-handles.txt"])
@pytest.mark.parametrize(
    ("peer", "link", "action", "rule_has"),
    [
        ("192.0.2.12", 0, "accept", "ip saddr @corosync_peers udp dport 5405-5412 accept"),
        ("192.0.2.70", 7, "accept", "ip saddr @corosync_peers"),
        ("192.0.2.12", 2, "drop", 'drop comment "ports we retired"'),
        ("198.51.100.5", 0, "reject", "reject with icmpx admin-prohibited"),
        ("2001:db8::12", 1, "accept", "ip6 saddr 2001:db8::/64 udp dport { 5405, 5406 } accept"),
        ("2001:db8::12", 3, "reject", "reject with icmpx admin-prohibited"),
        ("203.0.113.66", 0, "drop", "ip saddr 203.0.113.66 drop"),
    ],
)
def test_netns_ruleset_inbound(name: str, peer: str, link: int, action: str, rule_has: str) -> None:
    """Named address and port sets, an anonymous port set on IPv6, reject before the jump, and
    a drop in the raw-priority chain of another table."""
    result = verdict(read(name), peer, link=link)
    assert result.action == action
    assert result.rule is not None
    assert rule_has in result.rule


def test_netns_ruleset_outbound_needs_the_interface() -> None:
    """`oifname "qbeth1" … drop` decides only once the outgoing interface is known."""
    text = read("netns-nft-ruleset.txt")
    assert verdict(text, "192.0.2.12", direction="out").action == "unknown"
    assert verdict(text, "192.0.2.12", direction="out", interface="qbeth1").action == "drop"
    assert verdict(text, "192.0.2.12", direction="out", interface="qbeth0").action == "accept"
    rejected = verdict(text, "203.0.113.9", direction="out", link=3, interface="qbeth0")
    assert rejected.action == "reject"


def test_iptables_nft_listing_structure() -> None:
    """The ruleset iptables-nft generated: five tables, counters on every rule, a nat chain."""
    parsed = ruleset(read("netns-iptables-nft-ruleset.txt"))
    assert [(t.family, t.name) for t in parsed.tables] == [
        ("ip", "filter"),
        ("ip", "raw"),
        ("ip", "mangle"),
        ("ip", "nat"),
        ("ip6", "filter"),
    ]
    nat = parsed.tables[3].chains[0]
    assert (nat.type, nat.hook, nat.priority) == ("nat", "postrouting", 100)
    assert [c.name for c in parsed.tables[0].chains] == ["QB-CLUSTER", "INPUT", "OUTPUT"]


@pytest.mark.parametrize(
    ("peer", "link", "direction"),
    [
        ("192.0.2.12", 0, "in"),
        ("203.0.113.5", 5, "in"),
        ("198.51.100.5", 2, "in"),
        ("198.51.100.5", 3, "in"),
        ("198.51.100.7", 3, "in"),
        ("203.0.113.66", 0, "in"),
        ("203.0.113.5", 0, "out"),
        ("192.0.2.12", 0, "out"),
    ],
)
def test_iptables_nft_listing_agrees_with_iptables_save(
    peer: str, link: int, direction: str
) -> None:
    """The same rules read through iptables-save and through nft give the same verdict."""
    nft = verdict(read("netns-iptables-nft-ruleset.txt"), peer, link=link, direction=direction)
    saved = corosync_port_verdict(
        read("netns-policy-drop-iptables-save.txt"),
        kind="iptables-save",
        local_address="192.0.2.11",
        peer_address=peer,
        link=link,
        direction="in" if direction == "in" else "out",
    )
    assert (nft.action, nft.probability) == (saved.action, saved.probability)


def test_iptables_nft_random_drop() -> None:
    """`meta random & 2147483647 < 536870912` is iptables' --probability 0.25."""
    result = verdict(read("netns-iptables-nft-ruleset.txt"), "203.0.113.5", direction="out")
    assert (result.action, result.probability) == ("drop", 0.25)


def test_iptables_nft_ip6_table_only_judges_ipv6() -> None:
    """The ip6 filter table drops 2001:db8:bad::/48; IPv4 tables do not see IPv6 packets."""
    text = read("netns-iptables-nft-ruleset.txt")
    assert verdict(text, "2001:db8:bad::1").action == "drop"
    assert verdict(text, "2001:db8::12").action == "accept"


def test_variety_listing_structure() -> None:
    """A dynamic set, a concatenated set, a verdict map, a netdev chain with its device and a
    dormant table, all read from real nft output."""
    parsed = ruleset(VARIETY)
    qbv, netdev, nat = parsed.tables
    assert [s.name for s in qbv.sets] == ["dyn", "pairs", "verd"]
    assert qbv.sets[0].changes_at_run_time
    assert not qbv.sets[1].changes_at_run_time
    assert (qbv.sets[2].kind, qbv.sets[2].elements) == ("map", ("192.0.2.66 : drop",))
    assert qbv.chains[1].priority == 10  # priority filter + 10
    assert (netdev.chains[0].hook, netdev.chains[0].device) == ("ingress", "lo")
    assert nat.flags == ("dormant",)
    assert parsed.unparsed_lines == ()


def test_variety_notrack_then_untracked_accept() -> None:
    """notrack in the raw-priority chain makes `ct state new,untracked … accept` match; the
    ct state verdict map has no entry for it and goes on."""
    result = verdict(VARIETY, "192.0.2.12")
    assert result.action == "accept"
    assert result.rule == "ct state new,untracked udp dport 5405 accept # handle 11"


def test_variety_named_verdict_map_drops() -> None:
    """`ip saddr vmap @verd` drops the address the map sends to drop."""
    result = verdict(VARIETY, "192.0.2.66", link=1)
    assert (result.action, result.rule) == ("drop", "ip saddr vmap @verd # handle 12")


def test_variety_concatenation_is_unknown() -> None:
    """A concatenated lookup (`ip saddr . udp dport @pairs`) is not evaluated: unknown."""
    result = verdict(VARIETY, "192.0.2.12", link=2)
    assert result.action == "unknown"
    assert "concatenation" in result.reason


def test_policy_drop() -> None:
    """A base chain with `policy drop;` and no matching rule drops, naming the chain line."""
    result = verdict(listing("tcp dport 22 accept", policy="drop"), "192.0.2.12")
    assert (result.action, result.rule) == (
        "drop",
        "type filter hook input priority filter; policy drop;",
    )


def test_established_accept_is_noted() -> None:
    """`ct state established,related accept` does not accept a new flow but is mentioned."""
    result = verdict(listing("ct state established,related accept", policy="drop"), "192.0.2.12")
    assert result.action == "drop"
    assert "flows already established may keep passing" in result.reason


def test_negated_set_of_ports() -> None:
    """`udp dport != { 5405-5406 } drop` drops link 2 and spares links 0 and 1."""
    text = listing("udp dport != { 5405-5406 } drop")
    assert verdict(text, "192.0.2.12", link=2).action == "drop"
    assert verdict(text, "192.0.2.12", link=1).action == "accept"


def test_port_comparison() -> None:
    """`udp dport >= 5410 drop` compares numbers."""
    text = listing("udp dport >= 5410 drop")
    assert verdict(text, "192.0.2.12", link=5).action == "drop"
    assert verdict(text, "192.0.2.12", link=4).action == "accept"


def test_missing_header_never_matches_even_negated() -> None:
    """`ip saddr != 10.0.0.1 drop` cannot match an IPv6 packet; `iifname != "x"` cannot match
    in output, where no input interface exists."""
    assert verdict(listing("ip saddr != 10.0.0.1 drop"), "2001:db8::12").action == "accept"
    out = listing('iifname != "x" drop', hook="output")
    assert verdict(out, "192.0.2.12", direction="out").action == "accept"


def test_jump_return_and_goto() -> None:
    """`jump` comes back after `return`; `goto` does not come back."""
    jump = (
        "table inet t {\n\tchain c {\n\t\ttype filter hook input priority filter; policy accept;\n"
        "\t\tjump sub\n\t\tudp dport 5405 drop\n\t}\n\n\tchain sub {\n\t\treturn\n\t}\n}\n"
    )
    assert verdict(jump, "192.0.2.12").action == "drop"
    goto = jump.replace("jump sub", "goto sub")
    assert verdict(goto, "192.0.2.12").action == "accept"


def test_rate_limit_and_unknown_expression_are_unknown() -> None:
    """`limit rate` and an expression this check does not know give unknown, never a guess."""
    assert verdict(listing("udp dport 5405 limit rate 10/second drop"), "192.0.2.12").action == (
        "unknown"
    )
    odd = verdict(listing("osf name Linux drop"), "192.0.2.12")
    assert odd.action == "unknown"
    assert "'osf'" in odd.reason


def test_dynamic_set_is_unknown() -> None:
    """Membership of a set rules add to at run time is not known from the listing."""
    text = (
        "table inet t {\n\tset s {\n\t\ttype ipv4_addr\n\t\tflags dynamic\n"
        "\t\telements = { 192.0.2.12 }\n\t}\n\n"
        "\tchain c {\n\t\ttype filter hook input priority filter; policy accept;\n"
        "\t\tip saddr @s drop\n\t}\n}\n"
    )
    assert verdict(text, "192.0.2.12").action == "unknown"


def test_numgen_is_a_chance() -> None:
    """`numgen random mod 100 < 25 drop` drops a quarter of packets."""
    result = verdict(listing("numgen random mod 100 < 25 drop"), "192.0.2.12")
    assert (result.action, result.probability) == ("drop", 0.25)


def test_dormant_table_is_off() -> None:
    """A table with `flags dormant` filters nothing."""
    text = "table inet t {\n\tflags dormant\n\n" + listing("drop").split("{\n", 1)[1]
    assert verdict(text, "192.0.2.12").action == "accept"


def test_queue_and_dnat_are_unknown() -> None:
    """Packets handed to a queue or rewritten by dnat have no verdict here."""
    assert verdict(listing("queue num 1"), "192.0.2.12").action == "unknown"
    dnat = listing("dnat to 192.0.2.99", hook="prerouting").replace("filter", "nat")
    assert verdict(dnat, "192.0.2.12").action == "unknown"


def test_warnings_on_stderr_are_comments() -> None:
    """The `# Warning: … managed by iptables-nft` lines, if stderr was merged, are skipped."""
    text = "# Warning: table ip filter is managed by iptables-nft, do not touch!\n" + listing(
        "udp dport 5405 drop", family="ip"
    )
    parsed = ruleset(text)
    assert parsed.unparsed_lines == ()
    assert verdict(text, "192.0.2.12").action == "drop"


def test_empty_listing_is_an_empty_ruleset() -> None:
    """`nft list ruleset` prints nothing without tables: nothing filters."""
    assert ruleset("").tables == ()
    assert verdict("", "192.0.2.12").action == "accept"


def test_unbalanced_quote_is_unknown() -> None:
    """A rule whose quotes do not balance cannot be read: unknown, not a guess."""
    text = listing('udp dport 5405 log prefix "abc drop')
    assert verdict(text, "192.0.2.12").action == "unknown"


def test_text_that_is_not_a_listing_is_unparsed() -> None:
    """Error text without any table block is Unparsed, and its verdict unknown."""
    text = "Error: Could not process rule: Operation not permitted\n"
    assert isinstance(parse_nft_ruleset(text), Unparsed)
    assert verdict(text, "192.0.2.12").action == "unknown"
