"""The fixed allow-list of read-only commands a diagnosis may run. Pure.

Nothing else is ever run by the diagnostics: each entry builds its argv from validated values
(inventory addresses, interface names that match a strict pattern), never from free text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.model import Flavor

PVE_CONF = "/etc/pve/corosync.conf"
LOCAL_CONF = "/etc/corosync/corosync.conf"
_IFACE = re.compile(r"[A-Za-z0-9_.:@-]{1,15}")
_ADDRESS = re.compile(r"[A-Za-z0-9.:-]{1,253}")
_NODE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")


class Probe(StrEnum):
    """Every read-only command by name; facts are keyed by these."""

    COROSYNC_ACTIVE = "corosync-active"
    COROSYNC_VERSION = "corosync-version"
    QUORUMTOOL = "quorumtool"
    CFGTOOL_STATUS = "cfgtool-status"
    CFGTOOL_NODES = "cfgtool-nodes"
    CMAP = "cmap"
    CMAP_STATS = "cmap-stats"
    LOCAL_CONF = "local-conf"
    PVE_CONF = "pve-conf"
    JOURNAL = "journal"
    CHRONY = "chrony"
    TIMEDATECTL = "timedatectl"
    CLOCK = "clock"
    IP_ADDR = "ip-addr"
    IP_LINK_STATS = "ip-link-stats"
    SS_UDP = "ss-udp"
    IPTABLES = "iptables"
    NFT = "nft"
    PVE_CLUSTER_FW = "pve-cluster-fw"
    PVE_HOST_FW = "pve-host-fw"


@dataclass(frozen=True)
class Command:
    """One allowed command: its argv and how long it may take."""

    probe: Probe
    argv: tuple[str, ...]
    timeout_s: float = 10.0


def state_commands(flavor: Flavor, node_name: str, journal_since_s: int) -> list[Command]:
    """What a state sweep runs on one node (all cheap, all read-only)."""
    since = f"-{max(int(journal_since_s), 1)}s"
    commands = [
        Command(Probe.COROSYNC_ACTIVE, ("systemctl", "is-active", "corosync")),
        Command(Probe.COROSYNC_VERSION, ("corosync", "-v")),
        Command(Probe.QUORUMTOOL, ("corosync-quorumtool", "-s")),
        Command(Probe.CFGTOOL_STATUS, ("corosync-cfgtool", "-s")),
        Command(Probe.CFGTOOL_NODES, ("corosync-cfgtool", "-n")),
        Command(Probe.CMAP, ("corosync-cmapctl",)),
        Command(Probe.CMAP_STATS, ("corosync-cmapctl", "-m", "stats")),
        Command(Probe.LOCAL_CONF, ("cat", LOCAL_CONF)),
        Command(
            Probe.JOURNAL,
            ("journalctl", "-u", "corosync", "--since", since, "-o", "json", "--no-pager"),
            timeout_s=20.0,
        ),
        Command(Probe.CHRONY, ("chronyc", "-n", "tracking")),
        Command(Probe.TIMEDATECTL, ("timedatectl", "show")),
        Command(Probe.CLOCK, ("date", "+%s.%N")),
        Command(Probe.IP_ADDR, ("ip", "-j", "addr")),
        Command(Probe.IP_LINK_STATS, ("ip", "-s", "-j", "link")),
        Command(Probe.SS_UDP, ("ss", "-uanp")),
        Command(Probe.IPTABLES, ("iptables-save",)),
        Command(Probe.NFT, ("nft", "list", "ruleset")),
    ]
    if flavor is Flavor.PROXMOX:
        # The node name becomes part of a path: only plain names may (no "/", no "..").
        if not _NODE_NAME.fullmatch(node_name) or ".." in node_name:
            raise ValueError(f"unsafe node name {node_name!r}")
        commands += [
            Command(Probe.PVE_CONF, ("cat", PVE_CONF)),
            Command(Probe.PVE_CLUSTER_FW, ("cat", "/etc/pve/firewall/cluster.fw")),
            Command(Probe.PVE_HOST_FW, ("cat", f"/etc/pve/nodes/{node_name}/host.fw")),
        ]
    return commands


@dataclass(frozen=True)
class Ping:
    """ICMP towards a peer's corosync address: loss, latency and jitter in about two seconds."""

    peer: str
    address: str
    argv: tuple[str, ...]
    timeout_s: float


def ping_command(peer: str, address: str, *, count: int = 10, interval_s: float = 0.2) -> Ping:
    if not _ADDRESS.fullmatch(address) or address.startswith("-"):
        raise ValueError(f"not an address: {address!r}")
    argv = ("ping", "-n", "-q", "-c", str(count), "-i", f"{interval_s:g}", "-W", "1", address)
    return Ping(peer=peer, address=address, argv=argv, timeout_s=count * interval_s + 5)


def ethtool_command(interface: str) -> tuple[str, ...]:
    if not _IFACE.fullmatch(interface) or interface.startswith("-"):
        raise ValueError(f"not an interface name: {interface!r}")
    return ("ethtool", "-S", interface)
