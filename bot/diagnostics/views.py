"""The small, typed views checks read: one function per question, over one node's facts. Pure.

Views turn raw command results into just what a check needs, through bot.corosync's parsers.
The corosync views return None when they cannot tell (command missing, failed, or output
unreadable); the check then reports "unknown" with ``node.why_missing(probe)`` instead of
guessing. The host-tool views (ping, time, addresses, sockets, counters; firewalls in
bot.diagnostics.firewall_listings) return ``CannotTell`` instead, which carries the text a
parser could not read, so the "unknown" finding can show it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from bot.corosync.logs import LogEvent, events, parse_journal_json
from bot.corosync.tools.cfgtool import CfgtoolStatus, parse_cfgtool_status
from bot.corosync.tools.cmapctl import CmapDump, KnetLinkStats, parse_cmap_output
from bot.corosync.tools.netif import (
    Interface,
    IpAddrShow,
    IpLinkStats,
    parse_ip_addr_json,
    parse_ip_link_stats_json,
)
from bot.corosync.tools.ping import PingSummary, parse_ping
from bot.corosync.tools.quorumtool import QuorumStatus, parse_quorumtool_status
from bot.corosync.tools.sockets import SsUdp, parse_ss_udp
from bot.corosync.tools.timesync import (
    ChronyTracking,
    parse_chronyc_tracking,
    parse_timedatectl_show,
)
from bot.corosync.tools.version import CorosyncVersion, parse_corosync_version
from bot.corosync.unparsed import Unparsed
from bot.diagnostics.commands import Probe
from bot.diagnostics.facts import NodeFacts
from bot.model import CommandResult


@dataclass(frozen=True)
class CannotTell:
    """Why a view has no answer, with the output it could not read (empty when none came)."""

    why: str
    raw: str = ""


def missing(node: NodeFacts, probe: Probe) -> CannotTell:
    """The probe did not run, did not finish, or failed: ``node.why_missing`` says which."""
    return CannotTell(node.why_missing(probe))


def unreadable(unparsed: Unparsed, result: CommandResult) -> CannotTell:
    """A parser gave up on the command's output; stderr stands in for an empty stdout."""
    raw = unparsed.raw if unparsed.raw.strip() else result.stderr
    return CannotTell(f"the {unparsed.tool} output could not be read: {unparsed.reason}", raw)


Parsed = TypeVar("Parsed")


def _read(
    node: NodeFacts, probe: Probe, parse: Callable[[str], Parsed | Unparsed]
) -> Parsed | CannotTell:
    """The probe's output through its parser, or why there is none to read."""
    result = node.results.get(probe)
    if result is None or not result.ok:
        return missing(node, probe)
    parsed = parse(result.stdout)
    return unreadable(parsed, result) if isinstance(parsed, Unparsed) else parsed


@dataclass(frozen=True)
class QuorumView:
    quorate: bool
    members: tuple[int, ...]
    expected_votes: int | None
    total_votes: int | None
    quorum: int | None
    qdevice: str | None
    """Qdevice state as quorumtool shows it (e.g. "A,V,NMW"), None without a Qdevice."""
    local_nodeid: int | None
    raw: str


@dataclass(frozen=True)
class TimeView:
    synchronized: bool
    offset_s: float | None
    source: str | None
    raw: str


def service_state(node: NodeFacts) -> str | None:
    """`systemctl is-active corosync`: active, inactive, failed, activating, …"""
    result = node.results.get(Probe.COROSYNC_ACTIVE)
    if result is None:
        return None
    state = result.stdout.strip()
    return state or None


def quorum_view(node: NodeFacts) -> QuorumView | None:
    """`corosync-quorumtool -s` (exit 0 quorate, 2 not quorate; 1 means corosync is not there)."""
    result = node.results.get(Probe.QUORUMTOOL)
    if result is None:
        return None
    status = parse_quorumtool_status(result.stdout, result.stderr, result.exit_status)
    if not isinstance(status, QuorumStatus) or status.is_quorate is None:
        return None
    members = status.membership.members if status.membership else ()
    local = next((m for m in members if m.local), None)
    votes = status.votequorum
    return QuorumView(
        quorate=status.is_quorate,
        members=tuple(sorted(m.nodeid for m in members)),
        expected_votes=votes.expected_votes if votes else None,
        total_votes=votes.total_votes if votes else None,
        quorum=votes.quorum if votes else None,
        qdevice=local.qdevice.text if local and local.qdevice else None,
        local_nodeid=status.local_nodeid,
        raw=result.stdout,
    )


def ping_view(result: CommandResult) -> PingSummary | CannotTell:
    """The summary of iputils (or busybox, BSD) ping towards one peer."""
    summary = parse_ping(result.stdout)
    return unreadable(summary, result) if isinstance(summary, Unparsed) else summary


def time_view(node: NodeFacts) -> TimeView | CannotTell:
    """chrony's own account of sync state; timedatectl when chrony is not there or is unsure.

    chrony is preferred: in containers that may not steer the clock timedatectl says "no"
    while chrony is synchronised (see bot.corosync.tools.timesync).
    """
    chrony = node.results.get(Probe.CHRONY)
    tracking: ChronyTracking | None = None
    if chrony is not None and chrony.ok:
        parsed = parse_chronyc_tracking(chrony.stdout)
        if isinstance(parsed, Unparsed):
            return unreadable(parsed, chrony)
        if parsed.synchronized is not None:
            return TimeView(
                parsed.synchronized, parsed.offset_seconds, parsed.source, chrony.stdout
            )
        tracking = parsed
    timedatectl = node.results.get(Probe.TIMEDATECTL)
    if timedatectl is not None and timedatectl.ok:
        show = parse_timedatectl_show(timedatectl.stdout)
        if isinstance(show, Unparsed):
            return unreadable(show, timedatectl)
        if show.synchronized is not None:
            return TimeView(show.synchronized, None, None, timedatectl.stdout)
    if tracking is not None and chrony is not None:
        return CannotTell(
            f"chronyc's leap status {tracking.leap_status!r} does not say whether the clock is "
            "synchronised, and timedatectl does not either",
            chrony.stdout,
        )
    return missing(node, Probe.CHRONY)


def clock_estimate(node: NodeFacts) -> float | None:
    """The node's clock minus the bot's, in seconds (good to the sweep's duration, ~0.1 s)."""
    result = node.results.get(Probe.CLOCK)
    if result is None or not result.ok:
        return None
    try:
        remote = float(result.stdout.strip())
    except ValueError:
        return None
    local = result.started_at.timestamp() + result.duration_s / 2
    return remote - local


def address_view(node: NodeFacts) -> IpAddrShow | CannotTell:
    """`ip -j addr`: interfaces with their addresses, flags and MTU."""
    return _read(node, Probe.IP_ADDR, parse_ip_addr_json)


def interface_of(addresses: IpAddrShow, address: str) -> Interface | None:
    """The interface holding ``address`` (the first, should two hold it)."""
    holding = addresses.interfaces_with_address(address)
    return holding[0] if holding else None


def udp_listeners(node: NodeFacts) -> SsUdp | CannotTell:
    """`ss -uanp`: the UDP sockets and the processes that hold them."""
    return _read(node, Probe.SS_UDP, parse_ss_udp)


def knet_links(node: NodeFacts) -> dict[int, bool] | None:
    """`corosync-cfgtool -s`: for each peer nodeid, whether every link to it is connected."""
    result = node.results.get(Probe.CFGTOOL_STATUS)
    if result is None:
        return None
    status = parse_cfgtool_status(result.stdout, result.stderr, result.exit_status)
    if not isinstance(status, CfgtoolStatus):
        return None
    links: dict[int, bool] = {}
    for link in status.links:
        for nodeid, state in link.nodes.items():
            if state.state != "localhost":
                links[nodeid] = links.get(nodeid, True) and state.ok
    return links


def journal_events(node: NodeFacts) -> list[LogEvent] | None:
    """The corosync journal of the sweep's window (`journalctl -o json`), as typed events."""
    result = node.results.get(Probe.JOURNAL)
    if result is None or not result.ok:
        return None
    return events(parse_journal_json(line) for line in result.stdout.splitlines())


def link_counters(node: NodeFacts) -> IpLinkStats | CannotTell:
    """`ip -s -j link`: rx/tx error and drop counters per interface (stats64)."""
    return _read(node, Probe.IP_LINK_STATS, parse_ip_link_stats_json)


def ring_interface_counters(node: NodeFacts) -> dict[str, dict[str, int]] | CannotTell:
    """Every counter of each interface holding one of the node's ring addresses, by interface.

    A ring address on no interface is left out (the ring-address check reports it).
    """
    addresses = address_view(node)
    if isinstance(addresses, CannotTell):
        return addresses
    stats = link_counters(node)
    if isinstance(stats, CannotTell):
        return stats
    counters: dict[str, dict[str, int]] = {}
    for address in node.node.ring_addrs:
        interface = interface_of(addresses, address)
        found = stats.interface(interface.name) if interface else None
        if found is not None:
            counters[found.name] = found.counters()
    return counters


def corosync_version(node: NodeFacts) -> tuple[int, ...] | None:
    """`corosync -v`: the version this node runs."""
    result = node.results.get(Probe.COROSYNC_VERSION)
    if result is None or not result.ok:
        return None
    parsed = parse_corosync_version(result.stdout)
    return parsed.version if isinstance(parsed, CorosyncVersion) else None


def knet_stats(node: NodeFacts) -> tuple[KnetLinkStats, ...] | None:
    """`corosync-cmapctl -m stats`: knet's per-peer, per-link counters as this node sees them."""
    result = node.results.get(Probe.CMAP_STATS)
    if result is None:
        return None
    dump = parse_cmap_output(result.stdout, result.stderr, result.exit_status)
    return dump.knet_links() if isinstance(dump, CmapDump) else None
