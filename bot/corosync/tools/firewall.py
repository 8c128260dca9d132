"""One question for any firewall listing: what happens to corosync's UDP on link L between this
node and a peer, in each direction?

knet binds port ``5405 + L`` for link L (corosync ``totemconfig.c``: ``DEFAULT_PORT +
linknumber`` unless ``totem.interface.L.mcastport`` is set) and sends from it, so the packet
is UDP from that port to that port. The answer is a ``PortVerdict``: ``accept``, ``drop`` or
``reject`` only when every way through the rules ends alike (or differs only by chance, with a
``probability``), else ``unknown`` with what it depends on. A listing that cannot be read, an
address that is not one, or a listing of the other address family gives ``unknown`` too.

Each listing only speaks for itself: an empty ``iptables-save`` says nothing about native
nftables tables, and the Proxmox VE files say nothing about rules added by hand.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from bot.corosync.tools.firewall_iptables import IptablesRuleset, parse_iptables_save
from bot.corosync.tools.firewall_iptables_hooks import iptables_hooks
from bot.corosync.tools.firewall_match import Direction, Packet, parse_address
from bot.corosync.tools.firewall_nft import NftRuleset, parse_nft_ruleset
from bot.corosync.tools.firewall_nft_hooks import nft_hooks
from bot.corosync.tools.firewall_pve import PveFirewallFile, parse_pve_firewall
from bot.corosync.tools.firewall_pve_hooks import pve_firewall_enabled, pve_hooks
from bot.corosync.tools.firewall_verdict import Hook, PortVerdict, decide
from bot.corosync.unparsed import Unparsed

__all__ = [
    "CorosyncLinkVerdicts",
    "FirewallKind",
    "corosync_link_verdicts",
    "corosync_port",
    "corosync_port_verdict",
]

FirewallKind = Literal["iptables-save", "ip6tables-save", "nft", "pve"]
Ruleset = str | IptablesRuleset | NftRuleset | PveFirewallFile
DEFAULT_PORT = 5405


class CorosyncLinkVerdicts(BaseModel):
    """Both directions of one link towards one peer."""

    model_config = ConfigDict(frozen=True)

    port: int
    inbound: PortVerdict
    """Packets from the peer to this node."""
    outbound: PortVerdict
    """Packets from this node to the peer."""

    @property
    def blocked(self) -> bool:
        return self.inbound.blocked or self.outbound.blocked


def corosync_port(link: int, mcastport: int | None = None) -> int:
    """The UDP port knet uses for ``link``: ``mcastport`` when corosync.conf sets it."""
    return mcastport if mcastport is not None else DEFAULT_PORT + link


def corosync_port_verdict(
    ruleset: Ruleset,
    *,
    kind: FirewallKind,
    local_address: str,
    peer_address: str,
    link: int,
    direction: Direction,
    interface: str | None = None,
    mcastport: int | None = None,
    host_fw: str | PveFirewallFile | None = None,
) -> PortVerdict:
    """What ``ruleset`` does to corosync UDP on ``link`` between the two addresses.

    ``ruleset`` is the tool's text or its parsed value: ``iptables-save``/``ip6tables-save``
    output, ``nft list ruleset`` (``-a`` too), or for ``pve`` the cluster.fw, with the node's
    host.fw as ``host_fw``. For ``pve`` the addresses must be the link's corosync.conf
    addresses, which is what pve-firewall's generated corosync rule accepts. ``interface`` is
    the interface the packet arrives on or leaves by, when known (``ip -j addr``).
    """
    local, peer = parse_address(local_address), parse_address(peer_address)
    if local is None:
        return _unknown(f"{local_address!r} is not an IP address")
    if peer is None:
        return _unknown(f"{peer_address!r} is not an IP address")
    if local.version != peer.version:
        return _unknown(f"{local_address} and {peer_address} are of different address families")
    port = corosync_port(link, mcastport)
    if not 0 < port < 65536:
        return _unknown(f"link {link} gives UDP port {port}, which cannot exist")
    inbound = direction == "in"
    packet = Packet(
        port=port,
        src=peer if inbound else local,
        dst=local if inbound else peer,
        direction=direction,
        interface=interface,
    )
    hooks = _hooks(ruleset, kind, packet, host_fw)
    if isinstance(hooks, PortVerdict):
        return hooks
    return decide(hooks)


def corosync_link_verdicts(
    ruleset: Ruleset,
    *,
    kind: FirewallKind,
    local_address: str,
    peer_address: str,
    link: int,
    interface: str | None = None,
    mcastport: int | None = None,
    host_fw: str | PveFirewallFile | None = None,
) -> CorosyncLinkVerdicts:
    """``corosync_port_verdict`` for both directions, the text parsed once."""
    parsed = _parse(ruleset, kind)
    host = _parse(host_fw, "pve") if isinstance(host_fw, str) and kind == "pve" else host_fw

    def verdict(direction: Direction) -> PortVerdict:
        if isinstance(parsed, Unparsed):
            return _unreadable(parsed)
        if isinstance(host, Unparsed):
            return _unreadable(host)
        return corosync_port_verdict(
            parsed,
            kind=kind,
            local_address=local_address,
            peer_address=peer_address,
            link=link,
            direction=direction,
            interface=interface,
            mcastport=mcastport,
            host_fw=host if isinstance(host, PveFirewallFile) else None,
        )

    return CorosyncLinkVerdicts(
        port=corosync_port(link, mcastport), inbound=verdict("in"), outbound=verdict("out")
    )


def _parse(
    ruleset: Ruleset, kind: FirewallKind
) -> IptablesRuleset | NftRuleset | PveFirewallFile | Unparsed:
    if not isinstance(ruleset, str):
        return ruleset
    if kind == "nft":
        return parse_nft_ruleset(ruleset)
    if kind == "pve":
        return parse_pve_firewall(ruleset)
    return parse_iptables_save(ruleset)


def _hooks(
    ruleset: Ruleset,
    kind: FirewallKind,
    packet: Packet,
    host_fw: str | PveFirewallFile | None,
) -> list[Hook] | PortVerdict:
    parsed = _parse(ruleset, kind)
    if isinstance(parsed, Unparsed):
        return _unreadable(parsed)
    if isinstance(parsed, IptablesRuleset) and kind in ("iptables-save", "ip6tables-save"):
        family = parsed.family or (6 if kind == "ip6tables-save" else 4)
        if family != packet.family:
            tool = "ip6tables-save" if packet.family == 6 else "iptables-save"
            return _unknown(f"this listing is for IPv{family}; IPv{packet.family} needs {tool}")
        return iptables_hooks(parsed, packet)
    if isinstance(parsed, NftRuleset) and kind == "nft":
        return nft_hooks(parsed, packet)
    if isinstance(parsed, PveFirewallFile) and kind == "pve":
        host = parse_pve_firewall(host_fw) if isinstance(host_fw, str) else host_fw
        if isinstance(host, Unparsed):
            return _unreadable(host)
        if pve_firewall_enabled(parsed, host).value == "no":
            return PortVerdict(
                action="accept",
                reason="the Proxmox VE firewall is off for this node (enable is not 1 in "
                "cluster.fw, or host.fw has enable: 0): pve-firewall adds no rules",
            )
        return pve_hooks(parsed, host, packet)
    return _unknown(f"a {type(parsed).__name__} value is not a {kind} ruleset")


def _unreadable(unparsed: Unparsed) -> PortVerdict:
    return _unknown(f"the {unparsed.tool} output could not be read: {unparsed.reason}")


def _unknown(reason: str) -> PortVerdict:
    return PortVerdict(action="unknown", reason=reason)
