"""The firewall listings one node gave us, read and ready for bot.corosync.tools.firewall. Pure.

A packet must pass every filter loaded in the node's kernel, so each listing is judged on its
own: ``iptables-save`` (either backend), ``nft list ruleset`` (native tables, and iptables-nft's
translation of the same rules) and, on Proxmox VE, the cluster.fw/host.fw that pve-firewall
compiles into rules. A tool that is not installed is no listing and no finding; a Proxmox VE
firewall file that does not exist means that part is not configured (pve-firewall's default).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.corosync.tools.firewall import FirewallKind
from bot.corosync.tools.firewall_iptables import IptablesRuleset, parse_iptables_save
from bot.corosync.tools.firewall_nft import NftRuleset, parse_nft_ruleset
from bot.corosync.tools.firewall_pve import PveFirewallFile, parse_pve_firewall
from bot.corosync.unparsed import Unparsed
from bot.diagnostics.commands import Probe
from bot.diagnostics.facts import NodeFacts
from bot.diagnostics.views import CannotTell, missing, unreadable
from bot.model import Flavor

# coreutils `timeout` (every batched command runs under it) exits 127 when it cannot find the
# command: the tool is not installed.
NOT_INSTALLED = 127
_KERNEL_LISTINGS: tuple[
    tuple[Probe, FirewallKind, Callable[[str], IptablesRuleset | NftRuleset | Unparsed]], ...
] = (
    (Probe.IPTABLES, "iptables-save", parse_iptables_save),
    (Probe.NFT, "nft", parse_nft_ruleset),
)


@dataclass(frozen=True)
class FirewallListing:
    """One ruleset read from a node, with what ``corosync_link_verdicts`` needs to judge it."""

    source: str
    """How a human calls it: ``iptables-save``, ``nft list ruleset``, ``Proxmox VE firewall``."""
    kind: FirewallKind
    ruleset: IptablesRuleset | NftRuleset | PveFirewallFile
    host_fw: PveFirewallFile | None = None
    """For the Proxmox VE firewall: the node's host.fw, None when it has none."""


@dataclass(frozen=True)
class FirewallView:
    """Everything known about one node's firewall configuration."""

    listings: tuple[FirewallListing, ...]
    unreadable: tuple[CannotTell, ...]
    """Listings that exist, or may, but could not be read: their verdicts are unknown."""
    not_there: tuple[str, ...]
    """Tools not installed and files not present, in words (none of them is a finding)."""


def firewall_view(node: NodeFacts, flavor: Flavor) -> FirewallView:
    """The node's firewall listings; a probe that was not asked at all is left out."""
    listings: list[FirewallListing] = []
    unread: list[CannotTell] = []
    not_there: list[str] = []
    for probe, kind, parse in _KERNEL_LISTINGS:
        result = node.results.get(probe)
        if result is None:
            if probe in node.failures:
                unread.append(missing(node, probe))
        elif result.exit_status == NOT_INSTALLED:
            not_there.append(f"{result.argv[0]} is not installed")
        elif not result.ok:
            unread.append(missing(node, probe))
        else:
            parsed = parse(result.stdout)
            if isinstance(parsed, Unparsed):
                unread.append(unreadable(parsed, result))
            else:
                listings.append(FirewallListing(" ".join(result.argv), kind, parsed))
    if flavor is Flavor.PROXMOX:
        pve = _pve_listing(node)
        if isinstance(pve, FirewallListing):
            listings.append(pve)
        elif isinstance(pve, CannotTell):
            unread.append(pve)
        elif pve is not None:
            not_there.append(pve)
    return FirewallView(tuple(listings), tuple(unread), tuple(not_there))


def _pve_listing(node: NodeFacts) -> FirewallListing | CannotTell | str | None:
    """cluster.fw with host.fw; a string says why there is nothing to judge; None: not asked."""
    if Probe.PVE_CLUSTER_FW not in node.results and Probe.PVE_CLUSTER_FW not in node.failures:
        return None
    cluster = _pve_file(node, Probe.PVE_CLUSTER_FW)
    if isinstance(cluster, CannotTell):
        return cluster
    if cluster is None:
        pve_conf = node.results.get(Probe.PVE_CONF)
        if pve_conf is None or not pve_conf.ok:
            # /etc/pve is pmxcfs: when it is not mounted, every file in it is "missing".
            return CannotTell(
                "/etc/pve/firewall/cluster.fw and /etc/pve/corosync.conf are both unreadable: "
                "is pmxcfs (pve-cluster) running?",
                node.results[Probe.PVE_CLUSTER_FW].stderr,
            )
        return "no /etc/pve/firewall/cluster.fw: the Proxmox VE firewall is not configured"
    host = _pve_file(node, Probe.PVE_HOST_FW)
    if isinstance(host, CannotTell):
        return host
    return FirewallListing("Proxmox VE firewall", "pve", cluster, host_fw=host)


def _pve_file(node: NodeFacts, probe: Probe) -> PveFirewallFile | CannotTell | None:
    """The file, parsed; None when it does not exist (or was not asked for)."""
    result = node.results.get(probe)
    if result is None:
        return missing(node, probe) if probe in node.failures else None
    if not result.ok:
        return None if "No such file or directory" in result.stderr else missing(node, probe)
    parsed = parse_pve_firewall(result.stdout)
    return unreadable(parsed, result) if isinstance(parsed, Unparsed) else parsed
