"""What the chains pve-firewall generates from ``cluster.fw``/``host.fw`` do to a corosync packet.

Modelled on ``PVE::Firewall::enable_host_firewall`` (pve-firewall since Proxmox VE 6, the
version that reads corosync.conf). ``PVEFW-HOST-IN`` is, in order: ``-i lo`` accept; conntrack
``INVALID`` drop and ``RELATED,ESTABLISHED`` accept; the ``blacklist`` IP set dropped (pve-docs:
"Traffic from these ips is dropped by every host's and VM's firewall"); the host.fw rules, then
the cluster.fw rules (``GROUP`` jumps to the group's rules, where the first match decides); the
generated ACCEPT for corosync from every other node's address on the same link; the
``policy_in`` (default ``DROP``). ``PVEFW-HOST-OUT`` mirrors it with ``policy_out`` (default
``ACCEPT``). The generated corosync rules in the versions read match ``--dport 5404:5405``, so
only link 0's default port is proven accepted; for other ports the verdict says it depends on
the version. ``REJECT`` jumps to ``PVEFW-reject``, which rejects UDP for IPv4; its IPv6
variant has no UDP rule in the versions read, so there the result is unknown.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from bot.corosync.tools.firewall_match import (
    ESTABLISHED_NOTE,
    NO,
    YES,
    IPAddress,
    Match,
    Packet,
    address_in,
    all_of,
    any_of,
    interface_matches,
    is_yes,
    maybe,
    port_in_list,
)
from bot.corosync.tools.firewall_pve import PveFirewallFile, PveIpsetEntry, PveRule
from bot.corosync.tools.firewall_verdict import Hook, Policy, Step, StepAction

__all__ = ["pve_firewall_enabled", "pve_hooks"]

# Macros of PVE::Firewall ($pve_fw_macros, $pve_ipv6fw_macros). None has a UDP entry that a
# knet packet (source port = destination port = 5405..5412) matches: the only wide UDP range,
# SMB's "udp 1024:65535", requires source port 137.
_KNOWN_MACROS = frozenset(
    name.lower()
    for name in (
        *("Amanda", "Auth", "BGP", "BitTorrent", "BitTorrent32", "Ceph", "CVS", "Citrix"),
        *("DAAP", "DCC", "DHCPfwd", "DHCPv6", "DNS", "Distcc", "FTP", "Finger", "GNUnet"),
        *("GRE", "Git", "HKP", "HTTP", "HTTPS", "ICPV2", "ICQ", "IMAP", "IMAPS", "IPIP"),
        *("IPsec", "IPsecah", "IPsecnat", "IRC", "Jetdirect", "L2TP", "LDAP", "LDAPS"),
        *("MDNS", "MSNP", "MSSQL", "Mail", "Munin", "MySQL", "NNTP", "NNTPS", "NTP"),
        *("NeighborDiscovery", "OSPF", "OpenVPN", "PCA", "POP3", "POP3S", "PPtP", "Ping"),
        *("PostgreSQL", "Printer", "RDP", "RIP", "RNDC", "Razor", "Rdate", "Rsync", "SANE"),
        *("SMB", "SMBswat", "SMTP", "SMTPS", "SNMP", "SPAMD", "SSH", "SVN", "SixXS", "Squid"),
        *("Submission", "Syslog", "TFTP", "Telnet", "Telnets", "Time", "Trcrt", "VNC"),
        *("VNCL", "Web", "Webcache", "Webmin", "Whois"),
    )
)
_GENERATED_PORTS = range(5404, 5406)
_ACTIONS: dict[str, StepAction] = {"ACCEPT": "accept", "DROP": "drop", "REJECT": "reject"}


def pve_firewall_enabled(cluster: PveFirewallFile, host: PveFirewallFile | None) -> Match:
    """Whether pve-firewall filters this node's own traffic: ``enable`` in cluster.fw (off by
    default) and not ``enable: 0`` in host.fw."""
    value = cluster.options.get("enable", "0").strip()
    if not value.isdigit():
        return maybe(f"cluster.fw enable: {value} is not a number")
    if int(value) > 1:
        # The GUI writes a timestamp: enabled for 60 seconds after it, then off.
        return maybe(f"cluster.fw enable: {value} is a time-limited enable")
    host_value = (host.options.get("enable", "1") if host else "1").strip()
    return is_yes(int(value) == 1 and host_value != "0")


def pve_hooks(cluster: PveFirewallFile, host: PveFirewallFile | None, packet: Packet) -> list[Hook]:
    """The generated host chain for the packet's direction; none when the firewall is off."""
    enabled = pve_firewall_enabled(cluster, host)
    if enabled.value == "no":
        return []
    builder = _ChainBuilder(cluster, host, packet)
    inbound = packet.direction == "in"
    name = "PVEFW-HOST-IN" if inbound else "PVEFW-HOST-OUT"
    steps = builder.standard_steps()
    for source, file in (("host.fw", host), ("cluster.fw", cluster)):
        for rule in file.rules if file else ():
            steps.extend(builder.rule_steps(rule, source))
    steps.append(builder.generated_corosync_step())
    key = "policy_in" if inbound else "policy_out"
    written = cluster.options.get(key, "").strip().upper()
    policy_word = written or ("DROP" if inbound else "ACCEPT")
    policy = _policy(policy_word, packet)
    chains: dict[str, Sequence[Step]] = {name: steps, **builder.group_chains}
    if isinstance(policy, Step):
        # An IPv6 REJECT policy: see the module notes.
        chains[name] = [*steps, policy]
        policy_value: Policy = "accept"
    else:
        policy_value = policy
    return [
        Hook(
            name=f"Proxmox VE firewall ({name})",
            chains=chains,
            start=name,
            policy=policy_value,
            policy_line=f"{key}: {policy_word}" + ("" if written else " (the default)"),
            applies=enabled,
        )
    ]


def _policy(word: str, packet: Packet) -> Policy | Step:
    if word == "ACCEPT":
        return "accept"
    if word == "REJECT" and packet.family == 6:
        why = "pve-firewall's IPv6 PVEFW-reject has no UDP rule in the versions read"
        return Step(line="policy REJECT (IPv6)", match=YES, action="unknown", why=why)
    return "reject" if word == "REJECT" else "drop"


class _ChainBuilder:
    def __init__(
        self, cluster: PveFirewallFile, host: PveFirewallFile | None, packet: Packet
    ) -> None:
        self.cluster = cluster
        self.host = host
        self.packet = packet
        self.inbound = packet.direction == "in"
        self.group_chains: dict[str, list[Step]] = {}

    def standard_steps(self) -> list[Step]:
        loopback = "-i lo" if self.inbound else "-o lo"
        steps = [
            Step(
                line=f"{loopback} -j ACCEPT (generated)",
                match=interface_matches("lo", self.packet, wildcard="+"),
                action="accept",
            ),
            Step(
                line="-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT (generated)",
                match=NO,
                action="accept",
                skipped_note=ESTABLISHED_NOTE,
            ),
        ]
        blacklist = self.cluster.ipsets.get("blacklist")
        if self.inbound and blacklist is not None:
            steps.append(
                Step(
                    line="-m set --match-set PVEFW-blacklist src -j DROP (IPSET blacklist)",
                    match=self._ipset_match(blacklist, self.packet.src, "blacklist"),
                    action="drop",
                )
            )
        return steps

    def rule_steps(self, rule: PveRule, source: str) -> list[Step]:
        wanted = "in" if self.inbound else "out"
        if not rule.enabled or rule.direction not in (wanted, "group"):
            return []
        line = f"{source}: {rule.line}"
        if rule.error is not None:
            why = f"{rule.error}; pve-firewall skips such a rule or, if newer, applies it"
            return [Step(line=line, match=maybe(why), action=self._action(rule))]
        if rule.direction == "group":
            chain = f"GROUP-{rule.action}-{wanted.upper()}"
            if chain not in self.group_chains:
                rules = self.cluster.groups.get(rule.action, ())
                self.group_chains[chain] = [
                    step for r in rules if r.direction == wanted for step in self._group_step(r)
                ]
            match = self._interface(rule.options.get("iface"))
            return [Step(line=line, match=match, action="jump", target=chain)]
        return [Step(line=line, match=self._match(rule), action=self._action(rule))]

    def _group_step(self, rule: PveRule) -> list[Step]:
        if not rule.enabled:
            return []
        line = f"cluster.fw group: {rule.line}"
        if rule.error is not None:
            return [Step(line=line, match=maybe(rule.error), action=self._action(rule))]
        return [Step(line=line, match=self._match(rule), action=self._action(rule))]

    def generated_corosync_step(self) -> Step:
        port = self.packet.port
        if port in _GENERATED_PORTS:
            match = YES
        else:
            match = maybe(
                f"whether pve-firewall's generated corosync rule covers port {port}: the "
                "versions read accept only 5404:5405"
            )
        direction = "-s PEER -d LOCAL" if self.inbound else "-s LOCAL -d PEER"
        return Step(
            line=f"{direction} -p udp --dport 5404:5405 -j RETURN (generated for corosync.conf)",
            match=match,
            action="accept",
        )

    def _action(self, rule: PveRule) -> StepAction:
        action = _ACTIONS.get(rule.action.upper(), "unknown")
        if action == "reject" and self.packet.family == 6:
            return "unknown"  # PVEFW-reject for IPv6 has no UDP rule: see the module notes
        return action

    def _match(self, rule: PveRule) -> Match:
        options = rule.options
        parts = [
            self._interface(options.get("iface")),
            _protocol(options.get("proto")),
            maybe(f"macro {rule.macro} is not known") if rule.macro else YES,
        ]
        if rule.macro and rule.macro.lower() in _KNOWN_MACROS:
            parts[2] = NO
        if "icmp-type" in options:
            parts.append(NO)
        parts.extend(
            port_in_list(options[key], self.packet.port)
            for key in ("dport", "sport")
            if key in options
        )
        for key, address in (("source", self.packet.src), ("dest", self.packet.dst)):
            if key in options:
                parts.append(self._addresses(options[key], address, key))
        return all_of(parts)

    def _interface(self, name: str | None) -> Match:
        if name is None:
            return YES
        return interface_matches(name, self.packet, wildcard="+")

    def _addresses(self, spec: str, address: IPAddress | None, what: str) -> Match:
        """``-source``/``-dest``: ``+ipset``, an alias, or a list of addresses, CIDRs, ranges."""
        spec = spec.removeprefix("dc/") if not spec.startswith("+") else spec
        if spec.startswith("+"):
            name = spec[1:].removeprefix("dc/").lower()
            entries = self._ipsets().get(name)
            if entries is None:
                return maybe(f"IP set {name} is not in the files read")
            return self._ipset_match(entries, address, name)
        if _is_name(spec):
            cidr = self._alias(spec)
            return address_in(cidr, address, what=what) if cidr else self._unknown_alias(spec)
        return any_of(address_in(part, address, what=what) for part in spec.split(","))

    def _ipset_match(
        self, entries: Sequence[PveIpsetEntry], address: IPAddress | None, name: str
    ) -> Match:
        """ipset hash:net semantics: the most specific entry holding the address decides, and
        a ``!`` (nomatch) entry means not in the set."""
        if address is None:
            return maybe(f"the address to look up in IP set {name} is not given")
        best: tuple[int, bool] | None = None
        for entry in entries:
            cidr = self._alias(entry.address) if _is_name(entry.address) else entry.address
            if cidr is None:
                return maybe(f"alias {entry.address} in IP set {name} is not defined")
            try:
                network = ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                return maybe(f"entry {entry.address} of IP set {name} is not understood")
            holds = network.version == address.version and address in network
            if holds and (best is None or network.prefixlen > best[0]):
                best = (network.prefixlen, entry.nomatch)
        return is_yes(best is not None and not best[1])

    def _alias(self, name: str) -> str | None:
        key = name.removeprefix("dc/").lower()
        host_aliases = self.host.aliases if self.host else {}
        return host_aliases.get(key) or self.cluster.aliases.get(key)

    def _unknown_alias(self, name: str) -> Match:
        if name.lower() in ("local_network", "cluster_network"):
            return maybe(f"{name} is detected by pve-firewall at run time (pve-firewall localnet)")
        return maybe(f"alias {name} is not defined in the files read")

    def _ipsets(self) -> dict[str, tuple[PveIpsetEntry, ...]]:
        host_sets = self.host.ipsets if self.host else {}
        return {**self.cluster.ipsets, **host_sets}


def _protocol(proto: str | None) -> Match:
    if proto is None:
        return YES
    return is_yes(proto.lower() in ("udp", "17"))


def _is_name(spec: str) -> bool:
    """An alias name: starts with a letter and is not an address (IPv6 has colons)."""
    return spec[:1].isalpha() and ":" not in spec and "." not in spec and "," not in spec
