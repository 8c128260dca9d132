"""Proxmox VE cluster.fw / host.fw read, and what pve-firewall's chains do to corosync."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.corosync.tools.firewall import corosync_link_verdicts, corosync_port_verdict
from bot.corosync.tools.firewall_pve import (
    PveFirewallFile,
    PveIpsetEntry,
    PveRule,
    parse_pve_firewall,
)
from bot.corosync.tools.firewall_verdict import PortVerdict
from bot.corosync.unparsed import Unparsed

FIREWALL = Path(__file__).parents[2] / "fixtures" / "host" / "firewall"
NODE = "192.0.2.11"


def read(name: str) -> str:
    return (FIREWALL / name).read_bytes().decode()


def config(text: str) -> PveFirewallFile:
    parsed = parse_pve_firewall(text)
    assert isinstance(parsed, PveFirewallFile), parsed
    return parsed


def verdict(
    cluster: str,
    peer: str,
    *,
    direction: str = "in",
    link: int = 0,
    host: str | None = None,
    interface: str | None = None,
    local: str = NODE,
) -> PortVerdict:
    return corosync_port_verdict(
        cluster,
        kind="pve",
        local_address=local,
        peer_address=peer,
        link=link,
        direction="in" if direction == "in" else "out",
        interface=interface,
        host_fw=host,
    )


def test_cluster_fw_sections() -> None:
    """Options, aliases, three IP sets (one with a nomatch entry), rules and a group."""
    parsed = config(read("pve-cluster.fw"))
    assert parsed.options == {
        "enable": "1",
        "policy_in": "DROP",
        "policy_out": "ACCEPT",
        "log_ratelimit": "enable=1,burst=5,rate=1/second",
    }
    assert parsed.aliases == {"ring0_net": "192.0.2.0/24", "old_node": "192.0.2.99"}
    assert parsed.ipsets["management"] == (
        PveIpsetEntry(address="192.0.2.10"),
        PveIpsetEntry(address="198.51.100.0/24"),
    )
    assert parsed.ipsets["corosync_peers"][-1] == PveIpsetEntry(address="192.0.2.99", nomatch=True)
    assert list(parsed.groups) == ["corosync-extra"]
    assert len(parsed.groups["corosync-extra"]) == 2
    assert parsed.unparsed_lines == ()


def test_cluster_fw_rules() -> None:
    """Each rule's direction, action, macro, options, comment and `|` disabled flag."""
    rules = config(read("pve-cluster.fw")).rules
    assert [(r.direction, r.action, r.macro, r.enabled) for r in rules] == [
        ("in", "ACCEPT", "SSH", True),
        ("in", "ACCEPT", None, True),
        ("in", "DROP", None, False),
        ("in", "DROP", None, True),
        ("in", "REJECT", None, True),
        ("group", "corosync-extra", None, True),
        ("in", "ACCEPT", "Ping", True),
    ]
    assert rules[1] == PveRule(
        line="IN ACCEPT -source +corosync_peers -p udp -dport 5405:5412 "
        "# corosync between the nodes",
        direction="in",
        action="ACCEPT",
        options={"source": "+corosync_peers", "proto": "udp", "dport": "5405:5412"},
        comment="corosync between the nodes",
    )
    assert rules[0].options == {"iface": "vmbr0", "source": "+management"}
    assert all(rule.error is None for rule in rules)


def test_host_fw() -> None:
    """host.fw options and its two rules, one per direction."""
    parsed = config(read("pve-host.fw"))
    assert parsed.options == {"enable": "1", "log_level_in": "nolog", "nosmurfs": "1"}
    assert [(r.direction, r.action, r.options) for r in parsed.rules] == [
        ("in", "DROP", {"proto": "udp", "dport": "5409", "iface": "vmbr1"}),
        ("out", "REJECT", {"proto": "udp", "dport": "5410", "dest": "192.0.2.13"}),
    ]


def test_disabled_cluster_fw() -> None:
    """`enable: 0`: pve-firewall adds no rules, even with a DROP rule written down."""
    text = read("pve-cluster-disabled.fw")
    assert config(text).options == {"enable": "0"}
    for direction in ("in", "out"):
        result = verdict(text, "192.0.2.12", direction=direction)
        assert result.action == "accept"
        assert "firewall is off" in result.reason


def test_firewall_off_by_default() -> None:
    """Without an `enable` option the firewall is disabled (pve-docs: disabled by default)."""
    assert verdict("[RULES]\nIN DROP -p udp\n", "192.0.2.12").action == "accept"


def test_host_fw_can_switch_the_node_off() -> None:
    """`enable: 0` in host.fw leaves this node's traffic unfiltered."""
    result = verdict(read("pve-cluster.fw"), "192.0.2.99", host="[OPTIONS]\nenable: 0\n")
    assert result.action == "accept"


@pytest.mark.parametrize(
    ("peer", "link", "action", "rule_has"),
    [
        ("192.0.2.12", 0, "accept", "IN ACCEPT -source +corosync_peers"),
        ("192.0.2.13", 7, "accept", "IN ACCEPT -source +corosync_peers"),
        ("192.0.2.99", 0, "drop", "IN DROP -source old_node"),
        ("198.51.100.5", 1, "reject", "IN REJECT -source 198.51.100.0/24"),
        ("203.0.113.66", 0, "drop", "IPSET blacklist"),
    ],
)
def test_cluster_rules_inbound(peer: str, link: int, action: str, rule_has: str) -> None:
    """An IP set accept, a nomatch entry falling through to an alias DROP, REJECT for UDP on
    IPv4, and the blacklist IP set dropped before any rule."""
    result = verdict(read("pve-cluster.fw"), peer, link=link, host=read("pve-host.fw"))
    assert result.action == action
    assert result.rule is not None
    assert rule_has in result.rule


def test_disabled_rule_is_skipped() -> None:
    """`|IN DROP …` is disabled: only the active rule decides."""
    text = "[OPTIONS]\nenable: 1\npolicy_in: ACCEPT\n[RULES]\n|IN DROP -p udp -dport 5405\n"
    assert verdict(text, "192.0.2.12").action == "accept"
    assert verdict(text.replace("|IN", "IN"), "192.0.2.12").action == "drop"


def test_security_group_rules() -> None:
    """A GROUP's ACCEPT lets link 1 in on the storage net; its OUT DROP stops one address."""
    cluster = read("pve-cluster.fw")
    accepted = verdict(cluster, "10.20.0.2", local="10.20.0.1", link=1)
    assert accepted.action == "accept"
    assert accepted.rule is not None
    assert accepted.rule.startswith("cluster.fw group: IN ACCEPT -source 10.20.0.0/24")
    dropped = verdict(cluster, "10.20.0.99", local="10.20.0.1", link=1, direction="out")
    assert dropped.action == "drop"


def test_host_rule_with_interface() -> None:
    """host.fw drops link 4 on vmbr1 only: unknown without the interface, decided with it."""
    cluster, host = read("pve-cluster.fw"), read("pve-host.fw")
    assert verdict(cluster, "192.0.2.13", link=4, host=host).action == "unknown"
    on_vmbr1 = verdict(cluster, "192.0.2.13", link=4, host=host, interface="vmbr1")
    assert on_vmbr1.action == "drop"
    on_vmbr0 = verdict(cluster, "192.0.2.13", link=4, host=host, interface="vmbr0")
    assert on_vmbr0.action == "accept"


def test_host_rule_outbound_reject() -> None:
    """host.fw rejects link 5 towards 192.0.2.13 only."""
    cluster, host = read("pve-cluster.fw"), read("pve-host.fw")
    verdicts = corosync_link_verdicts(
        cluster, kind="pve", local_address=NODE, peer_address="192.0.2.13", link=5, host_fw=host
    )
    assert (verdicts.inbound.action, verdicts.outbound.action) == ("accept", "reject")
    assert verdicts.blocked
    other = verdict(cluster, "192.0.2.12", link=5, host=host, direction="out")
    assert other.action == "accept"


def test_generated_corosync_rule_accepts_link_0() -> None:
    """With no rule of its own, link 0 (UDP 5405) is accepted by pve-firewall's generated
    corosync rule before the DROP policy."""
    text = "[OPTIONS]\nenable: 1\n"
    result = verdict(text, "192.0.2.12")
    assert result.action == "accept"
    assert result.rule is not None
    assert "generated for corosync.conf" in result.rule


def test_generated_rule_does_not_prove_other_links() -> None:
    """For link 1 (UDP 5406) the generated rule of the versions read (5404:5405) may not
    apply, so with the default DROP policy the verdict is unknown, saying why."""
    result = verdict("[OPTIONS]\nenable: 1\n", "192.0.2.12", link=1)
    assert result.action == "unknown"
    assert "covers port 5406" in result.reason
    assert "policy_in: DROP (the default)" in result.reason


def test_policy_out_default_accepts() -> None:
    """Outbound, the default policy_out ACCEPT lets every link out."""
    assert verdict("[OPTIONS]\nenable: 1\n", "192.0.2.12", link=3, direction="out").action == (
        "accept"
    )


def test_policy_reject() -> None:
    """`policy_in: REJECT` is what may reject link 1, and an IN REJECT rule rejects (IPv4)."""
    text = "[OPTIONS]\nenable: 1\npolicy_in: REJECT\n"
    result = verdict(text, "198.51.100.1", link=1)
    assert result.action == "unknown"
    assert result.reason.startswith("may be rejected by policy_in: REJECT")
    rule = "[RULES]\nIN REJECT -p udp -source 198.51.100.1\n"
    assert verdict(text + rule, "198.51.100.1").action == "reject"


def test_ipv6_reject_is_unknown() -> None:
    """For IPv6 pve-firewall's reject chain has no UDP rule in the versions read: unknown."""
    text = "[OPTIONS]\nenable: 1\n[RULES]\nIN REJECT -p udp -dport 5405\n"
    result = verdict(text, "2001:db8::12", local="2001:db8::11")
    assert result.action == "unknown"


def test_macros() -> None:
    """Known macros never match corosync; an unknown macro makes the verdict unknown."""
    known = "[OPTIONS]\nenable: 1\npolicy_in: ACCEPT\n[RULES]\nIN SMB(DROP)\nIN Ceph(DROP)\n"
    assert verdict(known, "192.0.2.12").action == "accept"
    unknown = known.replace("SMB(DROP)", "Corosync9(DROP)")
    result = verdict(unknown, "192.0.2.12")
    assert result.action == "unknown"
    assert "macro Corosync9 is not known" in result.reason


def test_unparsable_rule_is_unknown() -> None:
    """A rule with an option this parser does not read counts as a maybe with its action."""
    text = "[OPTIONS]\nenable: 1\npolicy_in: ACCEPT\n[RULES]\nIN DROP -p udp -frobnicate 1\n"
    rule = config(text).rules[0]
    assert rule.error == "option '-frobnicate' is not understood"
    assert verdict(text, "192.0.2.12").action == "unknown"


def test_local_network_alias_is_detected_at_run_time() -> None:
    """`local_network` not written in [ALIASES] is pve-firewall's own: unknown."""
    text = "[OPTIONS]\nenable: 1\npolicy_in: ACCEPT\n[RULES]\nIN DROP -source local_network\n"
    result = verdict(text, "192.0.2.12")
    assert result.action == "unknown"
    assert "pve-firewall localnet" in result.reason


def test_time_limited_enable_is_unknown() -> None:
    """`enable: <timestamp>` (the GUI's 60-second trial) is neither on nor off here."""
    text = "[OPTIONS]\nenable: 1732521600\n[RULES]\nIN DROP -p udp\n"
    assert verdict(text, "192.0.2.12").action == "unknown"


def test_text_without_sections_is_unparsed() -> None:
    """Text without any [SECTION] is not a firewall file: Unparsed, and an unknown verdict."""
    assert isinstance(parse_pve_firewall("cat: cluster.fw: No such file\n"), Unparsed)
    assert verdict("cat: cluster.fw: No such file\n", "192.0.2.12").action == "unknown"
    assert config("").rules == ()
