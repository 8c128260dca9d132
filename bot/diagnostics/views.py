"""The small, typed views checks read: one function per question, over one node's facts. Pure.

Views turn raw command results into just what a check needs, through bot.corosync's parsers.
A view returns None when it cannot tell (command missing, failed, or output unreadable); the
check then reports "unknown" with ``node.why_missing(probe)`` instead of guessing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from bot.corosync.logs import LogEvent, events, parse_journal_json
from bot.corosync.tools.cfgtool import CfgtoolStatus, parse_cfgtool_status
from bot.corosync.tools.cmapctl import CmapDump, KnetLinkStats, parse_cmap_output
from bot.corosync.tools.quorumtool import QuorumStatus, parse_quorumtool_status
from bot.corosync.tools.version import CorosyncVersion, parse_corosync_version
from bot.diagnostics.commands import Probe
from bot.diagnostics.facts import NodeFacts
from bot.model import CommandResult


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
class PingView:
    sent: int
    received: int
    loss_pct: float
    rtt_avg_ms: float | None
    rtt_max_ms: float | None
    rtt_mdev_ms: float | None
    raw: str


@dataclass(frozen=True)
class TimeView:
    synchronized: bool | None
    offset_s: float | None
    source: str | None
    raw: str


@dataclass(frozen=True)
class AddressView:
    """IPv4/IPv6 addresses by interface, with whether the interface is up, and its MTU."""

    by_interface: dict[str, tuple[str, ...]]
    up: dict[str, bool]
    mtu: dict[str, int]

    def interface_of(self, address: str) -> str | None:
        return next((i for i, addrs in self.by_interface.items() if address in addrs), None)


@dataclass(frozen=True)
class FirewallView:
    """Whether UDP to a corosync port is dropped or rejected by a rule on this node."""

    blocked: bool | None
    rule: str | None
    reason: str
    random_drop: float | None = None
    """Probability with which a `-m statistic --mode random` rule drops the port's packets."""


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


_PING_COUNTS = re.compile(r"(\d+) packets transmitted, (\d+) (?:packets )?received")
_PING_LOSS = re.compile(r"([\d.]+)% packet loss")
_PING_RTT = re.compile(r"= ([\d.]+)/([\d.]+)/([\d.]+)(?:/([\d.]+))? ms")


def ping_view(result: CommandResult) -> PingView | None:
    """The summary of iputils (or busybox) ping."""
    counts = _PING_COUNTS.search(result.stdout)
    loss = _PING_LOSS.search(result.stdout)
    if counts is None or loss is None:
        return None
    rtt = _PING_RTT.search(result.stdout)
    return PingView(
        sent=int(counts.group(1)),
        received=int(counts.group(2)),
        loss_pct=float(loss.group(1)),
        rtt_avg_ms=float(rtt.group(2)) if rtt else None,
        rtt_max_ms=float(rtt.group(3)) if rtt else None,
        rtt_mdev_ms=float(rtt.group(4)) if rtt and rtt.group(4) else None,
        raw=result.stdout,
    )


_CHRONY = re.compile(r"^(Reference ID|System time|Leap status)\s*:\s*(.*)$", re.MULTILINE)
_OFFSET = re.compile(r"([\d.]+) seconds (fast|slow) of NTP time")


def time_view(node: NodeFacts) -> TimeView | None:
    """chrony's own account of sync state; timedatectl when chrony is not there."""
    chrony = node.results.get(Probe.CHRONY)
    if chrony is not None and chrony.ok:
        fields: dict[str, str] = {m.group(1): m.group(2) for m in _CHRONY.finditer(chrony.stdout)}
        if "Leap status" in fields:
            offset = _OFFSET.search(fields.get("System time", ""))
            value = None
            if offset:
                value = float(offset.group(1)) * (1 if offset.group(2) == "fast" else -1)
            reference = fields.get("Reference ID", "")
            synced = fields[
                "Leap status"
            ].strip() != "Not synchronised" and not reference.startswith("00000000")
            return TimeView(synced, value, reference or None, chrony.stdout)
    timedatectl = node.results.get(Probe.TIMEDATECTL)
    if timedatectl is not None and timedatectl.ok:
        values = dict(line.split("=", 1) for line in timedatectl.stdout.splitlines() if "=" in line)
        if "NTPSynchronized" in values:
            return TimeView(values["NTPSynchronized"] == "yes", None, None, timedatectl.stdout)
    return None


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


def address_view(node: NodeFacts) -> AddressView | None:
    """`ip -j addr`: addresses, up/down and MTU per interface."""
    result = node.results.get(Probe.IP_ADDR)
    if result is None or not result.ok:
        return None
    try:
        links = json.loads(result.stdout)
        by_interface = {
            str(link["ifname"]): tuple(str(a["local"]) for a in link.get("addr_info", []))
            for link in links
        }
        up = {
            str(link["ifname"]): "UP" in link.get("flags", [])
            and "LOWER_UP" in link.get("flags", [])
            for link in links
        }
        mtu = {str(link["ifname"]): int(link["mtu"]) for link in links if "mtu" in link}
    except (ValueError, KeyError, TypeError):
        return None
    return AddressView(by_interface, up, mtu)


_SS_ROW = re.compile(r"^\S+\s+\d+\s+\d+\s+(\S+):(\d+)\s+\S+(?:\s+(.*))?$")
_SS_USER = re.compile(r'\("([^"]+)",pid=\d+')


def udp_listeners(node: NodeFacts) -> dict[int, tuple[str, ...]] | None:
    """`ss -uanp`: which processes hold each local UDP port."""
    result = node.results.get(Probe.SS_UDP)
    if result is None or not result.ok:
        return None
    ports: dict[int, set[str]] = {}
    for line in result.stdout.splitlines()[1:]:
        row = _SS_ROW.match(line.strip())
        if row is None:
            continue
        owners = _SS_USER.findall(row.group(3) or "")
        ports.setdefault(int(row.group(2)), set()).update(owners)
    return {port: tuple(sorted(owners)) for port, owners in ports.items()}


# A port list (multiport --dports 22,5404:5406) or one port or range (--dport 5405:5412).
_DPORT = re.compile(r"--dports ([\d,:]+)|--dport (\d+)(?::(\d+))?")


def firewall_view(node: NodeFacts, port: int) -> FirewallView | None:
    """Does iptables (filter INPUT) drop or reject incoming UDP ``port``? Conservative."""
    result = node.results.get(Probe.IPTABLES)
    if result is None or not result.ok:
        return None
    table = None
    policy = "ACCEPT"
    lossy: tuple[float, str] | None = None
    for line in result.stdout.splitlines():
        if line.startswith("*"):
            table = line[1:]
        elif table == "filter" and line.startswith(":INPUT "):
            policy = line.split()[1]
        elif table == "filter" and line.startswith(("-A INPUT ", "-A OUTPUT ")):
            chance = _random_drop(line, port)
            if chance is not None and lossy is None:
                lossy = (chance, line)
            if not line.startswith("-A INPUT "):
                continue
            verdict = _rule_verdict(line, port)
            if verdict == "ACCEPT":
                return _with_loss(FirewallView(False, line, "accepted"), lossy)
            if verdict in ("DROP", "REJECT"):
                done = "dropped" if verdict == "DROP" else "rejected"
                return FirewallView(True, line, f"{done} by an INPUT rule")
    if policy in ("DROP", "REJECT"):
        return FirewallView(True, f":INPUT {policy}", "dropped by the INPUT policy")
    return _with_loss(FirewallView(False, None, "no rule matches it"), lossy)


def _with_loss(view: FirewallView, lossy: tuple[float, str] | None) -> FirewallView:
    if lossy is None:
        return view
    chance, rule = lossy
    return FirewallView(view.blocked, rule, f"dropped at random ({chance:.0%})", chance)


_PROBABILITY = re.compile(r"--probability ([\d.]+)")
_STATISTIC = re.compile(r"-m statistic --mode random --probability [\d.]+ ")


def _random_drop(rule: str, port: int) -> float | None:
    """A `-m statistic --mode random ... -j DROP` rule on UDP ``port``: its probability."""
    words = rule.split()
    if "statistic" not in words or words[-1] not in ("DROP", "REJECT"):
        return None
    # Judge the rule without its random part; on OUTPUT the port to match is the source port.
    plain = _STATISTIC.sub("", rule).replace("--sport", "--dport")
    if _rule_verdict(plain, port) is None:
        return None
    chance = _PROBABILITY.search(rule)
    return float(chance.group(1)) if chance else None


def _rule_verdict(rule: str, port: int) -> str | None:
    """The target of a rule that certainly applies to incoming UDP ``port``, else None."""
    words = rule.split()
    if "-j" not in words:
        return None
    target = words[words.index("-j") + 1]
    if "statistic" in words or "-s" in words or "!" in words or "-i" in words:
        return None  # partial or conditional: not a blanket block (random loss shows elsewhere)
    proto = words[words.index("-p") + 1] if "-p" in words else "all"
    if proto not in ("udp", "all"):
        return None
    if "--dport" not in words and "--dports" not in words:
        return target  # every UDP port
    for match in _DPORT.finditer(rule):
        spans = []
        if match.group(1):
            for part in match.group(1).split(","):
                low, _, high = part.partition(":")
                if low.isdigit() and (high.isdigit() or not high):
                    spans.append((int(low), int(high or low)))
        else:
            spans.append((int(match.group(2)), int(match.group(3) or match.group(2))))
        if any(low <= port <= high for low, high in spans):
            return target
    return None


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


def link_counters(node: NodeFacts) -> dict[str, dict[str, int]] | None:
    """`ip -s -j link`: rx/tx error and drop counters per interface (stats64)."""
    result = node.results.get(Probe.IP_LINK_STATS)
    if result is None or not result.ok:
        return None
    try:
        links = json.loads(result.stdout)
        counters: dict[str, dict[str, int]] = {}
        for link in links:
            stats = link.get("stats64", {})
            flat: dict[str, int] = {}
            for direction in ("rx", "tx"):
                for key, value in stats.get(direction, {}).items():
                    if isinstance(value, int):
                        flat[f"{direction}_{key}"] = value
            counters[str(link["ifname"])] = flat
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
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
