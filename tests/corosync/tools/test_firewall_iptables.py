"""iptables-save listings read, and what their rules do to corosync's UDP on a link."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.corosync.tools.firewall import corosync_link_verdicts, corosync_port_verdict
from bot.corosync.tools.firewall_iptables import IptablesRuleset, parse_iptables_save
from bot.corosync.tools.firewall_verdict import PortVerdict
from bot.corosync.unparsed import Unparsed

FIREWALL = Path(__file__).parents[2] / "fixtures" / "host" / "firewall"
LAB_NODE, LAB_PEER = "198.18.0.13", "198.18.0.11"


def read(name: str) -> str:
    return (FIREWALL / name).read_bytes().decode()


def ruleset(text: str) -> IptablesRuleset:
    parsed = parse_iptables_save(text)
    assert isinstance(parsed, IptablesRuleset), parsed
    return parsed


def verdict(
    text: str,
    peer: str,
    *,
    direction: str = "in",
    link: int = 0,
    local: str = "192.0.2.11",
    interface: str | None = None,
) -> PortVerdict:
    return corosync_port_verdict(
        text,
        kind="ip6tables-save" if ":" in local else "iptables-save",
        local_address=local,
        peer_address=peer,
        link=link,
        direction="in" if direction == "in" else "out",
        interface=interface,
    )


def filter_rules(parsed: IptablesRuleset) -> dict[str, list[str]]:
    table = parsed.table("filter")
    assert table is not None
    return {chain.name: [rule.line for rule in chain.rules] for chain in table.chains}


def test_lab_firewall_listing() -> None:
    """The lab's firewall fault: one filter table, one DROP rule on INPUT, counters kept in the
    policy lines."""
    parsed = ruleset(read("lab-firewall-iptables-save.txt"))
    assert (parsed.family, parsed.generator) == (4, "iptables-save v1.8.9 (nf_tables)")
    assert [t.name for t in parsed.tables] == ["filter"]
    table = parsed.table("filter")
    assert table is not None
    assert table.committed
    assert [(c.name, c.policy) for c in table.chains] == [
        ("INPUT", "ACCEPT"),
        ("FORWARD", "ACCEPT"),
        ("OUTPUT", "ACCEPT"),
    ]
    assert filter_rules(parsed)["INPUT"] == [
        "-A INPUT -p udp -m udp --dport 5405:5412 -m comment --comment quorumbot-lab-fault -j DROP"
    ]
    assert parsed.unparsed_lines == ()


def test_lab_firewall_drops_every_link_inbound_only() -> None:
    """The fault drops corosync coming in on every link; what the node sends is untouched."""
    text = read("lab-firewall-iptables-save.txt")
    for link in range(8):
        verdicts = corosync_link_verdicts(
            text, kind="iptables-save", local_address=LAB_NODE, peer_address=LAB_PEER, link=link
        )
        assert verdicts.inbound.action == "drop"
        assert verdicts.inbound.rule is not None
        assert "quorumbot-lab-fault" in verdicts.inbound.rule
        assert verdicts.outbound.action == "accept"
    later = verdict(read("lab-firewall-iptables-save.txt"), LAB_PEER, local=LAB_NODE, link=8)
    assert later.action == "accept"


def test_lab_healthy_listing_is_empty() -> None:
    """With no table the nf_tables backend prints nothing: an empty ruleset that accepts."""
    text = read("lab-healthy-iptables-save.txt")
    assert text == ""
    assert ruleset(text).tables == ()
    assert verdict(text, LAB_PEER, local=LAB_NODE).action == "accept"


def test_lab_ntp_unreachable_blocks_ntp_not_corosync() -> None:
    """The NTP fault drops UDP 123 to the time server; corosync passes both ways."""
    text = read("lab-ntp-unreachable-iptables-save.txt")
    assert filter_rules(ruleset(text))["OUTPUT"] == [
        (
            "-A OUTPUT -d 198.18.0.1/32 -p udp -m udp --dport 123 -m comment --comment "
            "quorumbot-lab-fault -j DROP"
        )
    ]
    for direction in ("in", "out"):
        result = verdict(text, LAB_PEER, local=LAB_NODE, direction=direction)
        assert result.action == "accept"


def test_lab_packet_loss_is_a_random_drop() -> None:
    """-m statistic --probability 0.6 drops 60% of packets at random, in and out."""
    text = read("lab-packet-loss-iptables-save.txt")
    for direction in ("in", "out"):
        result = verdict(text, LAB_PEER, local=LAB_NODE, direction=direction)
        assert result.action == "drop"
        assert result.probability == pytest.approx(0.6)
        assert "at random (60% of packets)" in result.reason


def test_netns_ip6tables_listing() -> None:
    """ip6tables-save: the family comes from the header, one DROP for a /48."""
    parsed = ruleset(read("netns-ip6tables-save.txt"))
    assert (parsed.family, parsed.generator) == (6, "ip6tables-save v1.8.9 (nf_tables)")
    assert filter_rules(parsed)["INPUT"] == [
        "-A INPUT -s 2001:db8:bad::/48 -p udp -m udp --dport 5405:5412 -j DROP"
    ]


def test_netns_ip6tables_drops_only_the_bad_prefix() -> None:
    """A peer in 2001:db8:bad::/48 is dropped; other peers and IPv4 listings are not judged
    by it."""
    text = read("netns-ip6tables-save.txt")
    assert verdict(text, "2001:db8:bad::5", local="2001:db8::11").action == "drop"
    assert verdict(text, "2001:db8::12", local="2001:db8::11").action == "accept"
    ipv4 = verdict(text, "192.0.2.12")
    assert ipv4.action == "unknown"
    assert ipv4.reason == "this listing is for IPv6; IPv4 needs iptables-save"


def test_netns_policy_drop_listing() -> None:
    """Four tables, a user chain, quoted comments and a LOG prefix with a blank, all read."""
    parsed = ruleset(read("netns-policy-drop-iptables-save.txt"))
    assert [t.name for t in parsed.tables] == ["mangle", "raw", "filter", "nat"]
    rules = filter_rules(parsed)
    assert list(rules) == ["INPUT", "FORWARD", "OUTPUT", "QB-CLUSTER"]
    assert len(rules["INPUT"]) == 7
    assert len(rules["QB-CLUSTER"]) == 3
    table = parsed.table("filter")
    assert table is not None
    chain = table.chain("INPUT")
    assert chain is not None
    assert chain.policy_line == ":INPUT DROP [0:0]"
    assert chain.rules[2].arguments[-4:] == ("--comment", "corosync ring0", "-j", "ACCEPT")
    assert chain.rules[6].arguments == ("-j", "LOG", "--log-prefix", "qb-drop: ")


@pytest.mark.parametrize(
    ("peer", "link", "action", "rule_has"),
    [
        ("192.0.2.12", 0, "accept", "corosync ring0"),
        ("192.0.2.12", 7, "accept", "corosync ring0"),
        ("203.0.113.5", 0, "reject", "no corosync from outside"),
        ("203.0.113.5", 5, "reject", "no corosync from outside"),
        ("198.51.100.5", 2, "drop", "-A QB-CLUSTER -s 198.51.100.0/24"),
        ("198.51.100.5", 3, "drop", ":INPUT DROP [0:0]"),
        ("198.51.100.7", 3, "accept", "-A QB-CLUSTER -p udp -m udp --dport 5408 -j ACCEPT"),
        ("203.0.113.66", 0, "drop", "-A PREROUTING -s 203.0.113.66/32 -j DROP"),
    ],
)
def test_netns_policy_drop_inbound(peer: str, link: int, action: str, rule_has: str) -> None:
    """Accept from the ring's subnet, REJECT by multiport, DROP in a user chain, RETURN to the
    DROP policy, ACCEPT after a RETURN that did not match, and DROP in the raw table."""
    result = verdict(read("netns-policy-drop-iptables-save.txt"), peer, link=link)
    assert result.action == action
    assert result.rule is not None
    assert rule_has in result.rule


def test_policy_drop_notes_established_flows() -> None:
    """A DROP reached past a RELATED,ESTABLISHED accept says older flows may keep passing."""
    result = verdict(read("netns-policy-drop-iptables-save.txt"), "198.51.100.5", link=3)
    assert result.reason.endswith("(flows already established may keep passing)")


def test_netns_policy_drop_outbound_random() -> None:
    """To 203.0.113.0/24 on link 0 a quarter of packets are dropped; other ports pass."""
    text = read("netns-policy-drop-iptables-save.txt")
    result = verdict(text, "203.0.113.5", direction="out")
    assert (result.action, result.probability) == ("drop", 0.25)
    assert verdict(text, "203.0.113.5", direction="out", link=1).action == "accept"


def test_pve_generated_listing() -> None:
    """pve-firewall's chains: the reject chain rejects UDP, the host chain ends in DROP."""
    text = read("pve-host-iptables-save.txt")
    parsed = ruleset(text)
    assert len(filter_rules(parsed)) == 13
    assert verdict(text, "192.0.2.12").action == "accept"
    rejected = verdict(text, "198.51.100.5")
    assert rejected.action == "reject"
    assert rejected.rule == "-A PVEFW-reject -p udp -j REJECT --reject-with icmp-port-unreachable"
    dropped = verdict(text, "192.0.2.99")
    assert (dropped.action, dropped.rule) == ("drop", "-A PVEFW-HOST-IN -j DROP")
    assert verdict(text, "192.0.2.12", direction="out").action == "accept"


def rules_text(*rules: str, policy: str = "ACCEPT", table: str = "filter") -> str:
    chains = {
        "filter": [f":INPUT {policy} [0:0]", ":OUTPUT ACCEPT [0:0]", ":QB - [0:0]"],
        "raw": [":PREROUTING ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]"],
        "nat": [":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]"],
    }[table]
    return "\n".join([f"*{table}", *chains, *rules, "COMMIT", ""])


@pytest.mark.parametrize(
    ("target", "action"),
    [("DROP", "drop"), ("REJECT --reject-with icmp-port-unreachable", "reject")],
)
def test_drop_and_reject_are_told_apart(target: str, action: str) -> None:
    """DROP gives `drop` and REJECT gives `reject`, naming the rule."""
    rule = f"-A INPUT -p udp --dport 5405 -j {target}"
    result = verdict(rules_text(rule), "192.0.2.12")
    assert (result.action, result.rule) == (action, rule)


def test_nth_packet_statistic() -> None:
    """-m statistic --mode nth --every 4 drops a quarter of packets."""
    rule = "-A INPUT -p udp -m statistic --mode nth --every 4 --packet 0 -j DROP"
    assert verdict(rules_text(rule), "192.0.2.12").probability == 0.25


def test_nan_probability_is_unknown() -> None:
    """A probability that is not a number gives no verdict rather than a made-up chance."""
    rule = "-A INPUT -p udp -m statistic --mode random --probability nan -j DROP"
    assert verdict(rules_text(rule), "192.0.2.12").action == "unknown"


def test_ipset_is_unknown() -> None:
    """A rule that needs an ipset's members makes the verdict unknown, naming the set."""
    rule = "-A INPUT -m set --match-set blocked src -j DROP"
    result = verdict(rules_text(rule), "192.0.2.12")
    assert result.action == "unknown"
    assert "membership of ipset blocked is not known" in result.reason


def test_interface_rule_without_interface_is_unknown_and_with_it_is_decided() -> None:
    """`-i eth1` decides only when the caller says which interface the packet uses."""
    text = rules_text("-A INPUT -i eth+ -p udp -j DROP")
    assert verdict(text, "192.0.2.12").action == "unknown"
    assert verdict(text, "192.0.2.12", interface="eth1").action == "drop"
    assert verdict(text, "192.0.2.12", interface="vmbr0").action == "accept"


def test_loopback_accept_does_not_apply_between_hosts() -> None:
    """`-i lo -j ACCEPT` cannot match a packet between two different host addresses."""
    result = verdict(rules_text("-A INPUT -i lo -j ACCEPT", policy="DROP"), "192.0.2.12")
    assert (result.action, result.rule) == ("drop", ":INPUT DROP [0:0]")


def test_other_protocols_never_match() -> None:
    """-p tcp and -m icmp rules do not touch corosync's UDP."""
    text = rules_text("-A INPUT -p tcp --dport 5405 -j DROP", "-A INPUT -p icmp -j DROP")
    assert verdict(text, "192.0.2.12").action == "accept"


def test_unknown_module_is_unknown() -> None:
    """A match module this check cannot evaluate gives `unknown`, not a guess."""
    result = verdict(rules_text("-A INPUT -m recent --rcheck -j DROP"), "192.0.2.12")
    assert result.action == "unknown"


def test_jump_and_return() -> None:
    """A RETURN in a user chain goes back to the rule after the jump."""
    text = rules_text(
        "-A INPUT -j QB",
        "-A INPUT -p udp -j REJECT",
        "-A QB -s 192.0.2.0/24 -j RETURN",
        "-A QB -j ACCEPT",
    )
    assert verdict(text, "192.0.2.12").action == "reject"
    assert verdict(text, "198.51.100.1").action == "accept"


def test_notrack_makes_ctstate_new_miss() -> None:
    """After -j CT --notrack in raw, `--ctstate NEW -j ACCEPT` no longer matches: the policy
    drops what the NEW rule seemed to accept."""
    raw = rules_text("-A PREROUTING -p udp --dport 5405:5412 -j CT --notrack", table="raw")
    filter_ = rules_text("-A INPUT -m conntrack --ctstate NEW -j ACCEPT", policy="DROP")
    assert verdict(filter_, "192.0.2.12").action == "accept"
    assert verdict(raw + filter_, "192.0.2.12").action == "drop"
    untracked = rules_text("-A INPUT -m conntrack --ctstate UNTRACKED -j ACCEPT", policy="DROP")
    assert verdict(raw + untracked, "192.0.2.12").action == "accept"


def test_dnat_is_unknown() -> None:
    """A DNAT of corosync's port sends it elsewhere: unknown, not accept."""
    text = rules_text("-A PREROUTING -p udp -j DNAT --to-destination 10.0.0.9", table="nat")
    result = verdict(text, "192.0.2.12")
    assert result.action == "unknown"
    assert "DNAT rewrites where the packet goes" in result.reason


def test_legacy_tables_warning_makes_accept_unknown_but_keeps_drops() -> None:
    """With iptables-legacy tables present and unseen, no accept is certain; a drop still is."""
    warning = "# Warning: iptables-legacy tables present, use iptables-legacy-save to see them\n"
    parsed = ruleset(warning + rules_text())
    assert parsed.legacy_tables_present
    assert verdict(warning + rules_text(), "192.0.2.12").action == "unknown"
    dropping = warning + rules_text("-A INPUT -p udp -j DROP")
    assert verdict(dropping, "192.0.2.12").action == "drop"


def test_counters_of_iptables_save_c() -> None:
    """`iptables-save -c` puts [packets:bytes] before each rule: the rule and count are read."""
    text = rules_text("[17:2040] -A INPUT -p udp --dport 5405 -j DROP")
    parsed = ruleset(text)
    table = parsed.table("filter")
    assert table is not None
    chain = table.chain("INPUT")
    assert chain is not None
    assert chain.rules[0].packets == 17
    assert verdict(text, "192.0.2.12").action == "drop"


def test_rule_for_an_undeclared_chain_is_unparsed() -> None:
    """A rule appended to a chain the table did not declare is kept as an unparsed line."""
    parsed = ruleset("*filter\n:INPUT ACCEPT [0:0]\n-A NOPE -j DROP\nCOMMIT\n")
    assert parsed.unparsed_lines == ("-A NOPE -j DROP",)


def test_text_that_is_not_iptables_save_is_unparsed() -> None:
    """Output without a table or a generator comment is Unparsed; a bad address is unknown."""
    assert isinstance(parse_iptables_save("iptables: command not found\n"), Unparsed)
    bad = verdict("iptables: command not found\n", "192.0.2.12")
    assert bad.action == "unknown"
    assert "could not be read" in bad.reason
    assert verdict(rules_text(), "not-an-address").action == "unknown"


def test_impossible_port_is_unknown() -> None:
    """A link number that gives no valid UDP port is an unknown verdict, not a verdict on it."""
    result = verdict(rules_text(), "192.0.2.12", link=70000)
    assert result.action == "unknown"
    assert "cannot exist" in result.reason


def test_host_fw_is_ignored_for_other_kinds() -> None:
    """A host.fw passed with an iptables-save listing does not change its verdict."""
    verdicts = corosync_link_verdicts(
        rules_text("-A INPUT -p udp -j DROP"),
        kind="iptables-save",
        local_address="192.0.2.11",
        peer_address="192.0.2.12",
        link=0,
        host_fw="not a firewall file",
    )
    assert verdicts.inbound.action == "drop"
