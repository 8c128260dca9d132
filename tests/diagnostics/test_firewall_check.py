"""The firewall check: every listing a node gives, judged per link, per peer and both directions.

Node n1 (192.0.2.11 on qbeth0, as in tests/fixtures/host/ip/netns-addr.json) is the node under
test; its peers are unreachable, so only n1's firewall is judged. Rulesets are the host captures
of tests/fixtures/host/firewall (see its PROVENANCE.md) or small hand-written listings in the
layout the tool prints, each marked as such.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.diagnostics.checks import firewall
from bot.diagnostics.commands import PVE_CONF, Probe
from bot.diagnostics.facts import ClusterFacts, NodeFacts, Reach
from bot.model import Cluster, CommandResult, Finding, Flavor, Node, Severity

AT = datetime(2026, 11, 25, 7, 15, tzinfo=UTC)
HOST = Path(__file__).resolve().parent.parent / "fixtures" / "host"
ARGV = {
    Probe.IPTABLES: ("iptables-save",),
    Probe.NFT: ("nft", "list", "ruleset"),
    Probe.PVE_CONF: ("cat", PVE_CONF),
    Probe.PVE_CLUSTER_FW: ("cat", "/etc/pve/firewall/cluster.fw"),
    Probe.PVE_HOST_FW: ("cat", "/etc/pve/nodes/n1/host.fw"),
    Probe.IP_ADDR: ("ip", "-j", "addr"),
}
NO_HOST_FW = (1, "", "cat: /etc/pve/nodes/n1/host.fw: No such file or directory\n")
# Hand-written in nft 1.0.6's layout: iptables-nft's translation of the lab's firewall fault.
NFT_DROP = """table ip filter {
	chain INPUT {
		type filter hook input priority filter; policy accept;
		meta l4proto udp udp dport 5405-5412 counter packets 12 bytes 1800 drop
	}
}
"""


def host(name: str) -> str:
    return (HOST / name).read_bytes().decode()


def run(
    outputs: dict[Probe, str | tuple[int, str, str]],
    *,
    flavor: Flavor = Flavor.COROSYNC,
    peers: tuple[str, ...] = ("192.0.2.12", "192.0.2.13"),
    second_link: bool = False,
) -> list[Finding]:
    """The check's findings for n1 with these outputs (text, or exit status, stdout, stderr)."""
    addresses = ("192.0.2.11", *peers)
    nodes = tuple(
        Node(
            cluster="c",
            name=f"n{i}",
            nodeid=i,
            address=address,
            ring_addrs=(address, f"10.20.0.{11 + i}") if second_link else (address,),
        )
        for i, address in enumerate(addresses, start=1)
    )
    facts = {n.name: NodeFacts(node=n, reach=Reach.UNREACHABLE, reach_error="-") for n in nodes}
    n1 = NodeFacts(node=nodes[0], reach=Reach.OK)
    outputs = {Probe.IP_ADDR: host("ip/netns-addr.json"), **outputs}
    for probe, output in outputs.items():
        status, stdout, stderr = (0, output, "") if isinstance(output, str) else output
        n1.results[probe] = CommandResult(
            node="n1",
            argv=ARGV[probe],
            exit_status=status,
            stdout=stdout,
            stderr=stderr,
            started_at=AT,
            duration_s=0.1,
        )
    facts["n1"] = n1
    cluster = Cluster(name="c", flavor=flavor, nodes=nodes)
    return list(firewall.check(ClusterFacts(cluster, facts, AT, 600)))


def only(findings: list[Finding], severity: Severity) -> Finding:
    """The one finding of ``severity``; fails showing every finding otherwise."""
    chosen = [f for f in findings if f.severity is severity]
    assert len(chosen) == 1, [(f.severity.value, f.summary) for f in findings]
    return chosen[0]


def test_an_nft_drop_names_the_node_the_peers_the_port_and_the_rule() -> None:
    """A native nft drop of 5405-5412 is critical, names both peers and link 0, shows the rule."""
    findings = run({Probe.IPTABLES: "", Probe.NFT: NFT_DROP})
    found = only(findings, Severity.CRITICAL)
    assert found.nodes == ("n1",)
    assert found.summary == (
        "n1's firewall blocks corosync: UDP 5405 (link 0) from n2, n3 is dropped (nft list ruleset)"
    )
    assert (
        found.evidence[0]
        == "meta l4proto udp udp dport 5405-5412 counter packets 12 bytes 1800 drop"
    )
    assert found.runbook == "open-firewall-ports"


def test_an_nft_reject_names_only_the_peer_it_rejects() -> None:
    """The netns ruleset accepts its corosync_peers set and rejects 198.51.100.7, and only it."""
    findings = run(
        {Probe.IPTABLES: "", Probe.NFT: host("firewall/netns-nft-ruleset.txt")},
        peers=("192.0.2.12", "198.51.100.7"),
    )
    found = only(findings, Severity.CRITICAL)
    assert "UDP 5405 (link 0) from n3 is rejected" in found.summary
    assert "n2" not in found.summary
    assert found.evidence[0].startswith("udp dport 5405-5412 log prefix")
    assert found.evidence[0].endswith("reject with icmpx admin-prohibited")


def test_an_outbound_drop_on_the_ring_interface_is_blocking() -> None:
    """An OUTPUT-side rule blocks too: iptables dropping UDP 5405 to one peer is named "to"."""
    rules = (
        "*filter\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
        "-A OUTPUT -d 192.0.2.13/32 -p udp -m udp --dport 5405 -j DROP\nCOMMIT\n"
    )
    found = only(run({Probe.IPTABLES: rules}), Severity.CRITICAL)
    assert "UDP 5405 (link 0) to n3 is dropped" in found.summary


def test_a_missing_nft_binary_is_not_a_finding() -> None:
    """nft not installed (timeout's exit 127) with a clean iptables listing is ok, and says so."""
    missing = (127, "", "timeout: failed to run command 'nft': No such file or directory\n")
    findings = run(
        {Probe.IPTABLES: host("firewall/lab-healthy-iptables-save.txt"), Probe.NFT: missing}
    )
    found = only(findings, Severity.OK)
    assert len(findings) == 1
    assert found.evidence == ("n1: iptables-save read; nft is not installed",)


def test_unparsable_nft_output_is_unknown_with_the_raw_text() -> None:
    """nft output that is no ruleset is "could not tell", showing that output, and never ok."""
    findings = run({Probe.IPTABLES: "", Probe.NFT: "Error: syntax error, unexpected junk\n"})
    found = only(findings, Severity.UNKNOWN)
    assert "nft list ruleset output could not be read" in found.summary
    assert found.evidence == ("Error: syntax error, unexpected junk",)
    assert not [f for f in findings if f.severity is Severity.OK]


def test_an_nft_that_fails_is_unknown_with_its_error() -> None:
    """nft exiting 1 (no permission) is unknown, quoting its error."""
    denied = (1, "", "Error: Operation not permitted (you must be root)\n")
    found = only(run({Probe.IPTABLES: "", Probe.NFT: denied}), Severity.UNKNOWN)
    assert "exited 1: Error: Operation not permitted" in found.summary


def test_no_listing_at_all_is_unknown() -> None:
    """Neither iptables-save nor nft installed: nothing was read, so the check cannot say ok."""
    gone = (127, "", "")
    found = only(run({Probe.IPTABLES: gone, Probe.NFT: gone}), Severity.UNKNOWN)
    assert "no firewall listing could be read" in found.summary


def test_a_verdict_that_depends_on_an_ipset_is_unknown_and_says_on_what() -> None:
    """A DROP for sources in an ipset the listing does not show: unknown, naming the ipset."""
    rules = (
        "*filter\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
        "-A INPUT -p udp -m set --match-set banned src -m udp --dport 5405 -j DROP\nCOMMIT\n"
    )
    found = only(run({Probe.IPTABLES: rules}), Severity.UNKNOWN)
    assert "from n2, n3" in found.summary
    assert "depends on" in found.summary
    assert "banned" in found.summary


def test_a_small_random_drop_is_a_warning() -> None:
    """2% of corosync's packets dropped at random is a warning, with the probability shown."""
    rules = (
        "*filter\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
        "-A INPUT -p udp -m udp --dport 5405 -m statistic --mode random --probability 0.02 "
        "-j DROP\nCOMMIT\n"
    )
    found = only(run({Probe.IPTABLES: rules}), Severity.WARNING)
    assert "drops 2% of corosync's UDP 5405 (link 0) from n2, n3 at random" in found.summary


PVE_DROP_POLICY = "[OPTIONS]\nenable: 1\npolicy_in: DROP\n\n[RULES]\nIN SSH(ACCEPT)\n"
NO_CLUSTER_FW = (1, "", "cat: /etc/pve/firewall/cluster.fw: No such file or directory\n")


def run_pve(
    cluster_fw: str | tuple[int, str, str],
    host_fw: str | tuple[int, str, str] = NO_HOST_FW,
    *,
    pve_conf: str | tuple[int, str, str] = "totem {\n}\n",
    second_link: bool = False,
) -> list[Finding]:
    """``run`` on a Proxmox VE node with an empty iptables listing and these /etc/pve files."""
    return run(
        {
            Probe.IPTABLES: "",
            Probe.PVE_CONF: pve_conf,
            Probe.PVE_CLUSTER_FW: cluster_fw,
            Probe.PVE_HOST_FW: host_fw,
        },
        flavor=Flavor.PROXMOX,
        second_link=second_link,
    )


def test_pve_drop_policy_without_an_accept_keeps_link_0_by_the_generated_rule() -> None:
    """policy_in DROP, no accept for 5405-5412: pve-firewall's generated rule passes link 0,
    and link 1 (5406) is unknown because that rule covers only 5404:5405 in the versions read."""
    findings = run_pve(PVE_DROP_POLICY, second_link=True)
    found = only(findings, Severity.UNKNOWN)
    assert "lets corosync's UDP 5406 (link 1) from n2, n3 through (Proxmox VE firewall)" in (
        found.summary
    )
    assert "depends on" in found.summary
    assert found.evidence == ("policy_in: DROP",)
    assert not [f for f in findings if "link 0" in f.summary]
    assert not [f for f in findings if f.severity is Severity.CRITICAL]


def test_pve_drop_rule_for_the_corosync_ports_is_critical() -> None:
    """An enabled cluster.fw with policy_in DROP and an IN DROP for 5405:5412 blocks corosync."""
    cluster_fw = PVE_DROP_POLICY + "IN DROP -p udp -dport 5405:5412\n"
    findings = run_pve(cluster_fw)
    found = only(findings, Severity.CRITICAL)
    assert found.summary == (
        "n1's firewall blocks corosync: UDP 5405 (link 0) from n2, n3 is dropped "
        "(Proxmox VE firewall)"
    )
    assert found.evidence[0] == "cluster.fw: IN DROP -p udp -dport 5405:5412"
    assert found.runbook == "open-firewall-ports"


def test_pve_files_with_an_accept_for_the_peers_are_ok() -> None:
    """The hand-written cluster.fw accepts its corosync_peers set; its host.fw drops other ports."""
    findings = run_pve(host("firewall/pve-cluster.fw"), host("firewall/pve-host.fw"))
    found = only(findings, Severity.OK)
    assert found.evidence == ("n1: iptables-save read; Proxmox VE firewall read",)


def test_pve_without_cluster_fw_is_not_configured_and_not_a_finding() -> None:
    """No cluster.fw while /etc/pve is readable: the Proxmox VE firewall is off; ok."""
    findings = run_pve(NO_CLUSTER_FW)
    found = only(findings, Severity.OK)
    assert "the Proxmox VE firewall is not configured" in found.evidence[0]


def test_pve_files_missing_with_pmxcfs_down_is_unknown() -> None:
    """cluster.fw and corosync.conf both missing from /etc/pve: pmxcfs may be down; unknown."""
    findings = run_pve(
        NO_CLUSTER_FW, pve_conf=(1, "", "cat: /etc/pve/corosync.conf: No such file or directory\n")
    )
    found = only(findings, Severity.UNKNOWN)
    assert "pmxcfs" in found.summary
    assert found.evidence == ("cat: /etc/pve/firewall/cluster.fw: No such file or directory",)
