"""``corosync-cmapctl`` dumps (also ``-m stats``) read into typed entries, with typed views.

``print_key()`` in ``tools/corosync-cmapctl.c`` writes ``%s (%s) = %s`` per key: integers with
``PRId*``/``PRIu*``, ``flt`` and ``dbl`` with ``%f``, ``str`` as is (so a value may hold blanks
and end in one: ``r(0) ip(10.0.0.1) ``), and ``bin`` as ``key (bin)`` alone unless ``-b`` asks
for the escaped bytes (``\\xNN``, ``\\\\``; ``*empty*`` when there are none). Track mode prefixes
``create> `` etc.; such lines, and anything else that does not fit, are kept unparsed.

Where the values come from: ``runtime.members.*`` (exec/main.c, exec/cmap.c; entries of
departed nodes stay with ``status = left``), ``runtime.votequorum.*`` (exec/votequorum.c),
``stats.knet.nodeN.linkL.*`` and ``stats.srp.*`` (exec/stats.c). corosync 2.x used
``runtime.totem.pg.mrp.srp.members.*`` for the members; both are read.
"""

from __future__ import annotations

import re
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict

from bot.corosync.tools.quorumtool import CorosyncNotRunning, api_unavailable, failure
from bot.corosync.unparsed import Unparsed

CmapType = Literal["i8", "u8", "i16", "u16", "i32", "u32", "i64", "u64", "flt", "dbl", "str", "bin"]
CmapValue = int | float | str | None

_TYPES: dict[str, CmapType] = {name: name for name in get_args(CmapType)}
_INT_TYPES = frozenset({"i8", "u8", "i16", "u16", "i32", "u32", "i64", "u64"})
_LINE = re.compile(
    r"^(?P<key>[^\s()]+) \((?P<type>i8|u8|i16|u16|i32|u32|i64|u64|flt|dbl|str|bin)\)"
    r"(?: =(?: (?P<value>.*))?)?$",
    re.ASCII,
)
_INT = re.compile(r"^-?[0-9]{1,20}$", re.ASCII)
_FLOAT = re.compile(r"^-?(?:[0-9]{1,400}\.[0-9]*|inf|nan)$", re.ASCII)
_RING_IP = re.compile(r"r\((?P<ring>[0-9]{1,3})\) ip\((?P<ip>[^)]*)\)", re.ASCII)
_MEMBER_KEY = re.compile(
    r"^runtime\.(?:totem\.pg\.mrp\.srp\.)?members\.(?P<nodeid>[0-9]{1,10})\.(?P<field>\w+)$",
    re.ASCII,
)
_NODELIST_KEY = re.compile(r"^nodelist\.node\.(?P<pos>[0-9]{1,5})\.(?P<field>\w+)$", re.ASCII)
_RING_ADDR = re.compile(r"^ring(?P<link>[0-9]{1,3})_addr$", re.ASCII)
_KNET_KEY = re.compile(
    r"^stats\.knet\.node(?P<nodeid>[0-9]{1,10})\.link(?P<link>[0-9]{1,3})\.(?P<field>\w+)$",
    re.ASCII,
)
# corosync-cmapctl.c main(): cmap_initialize() failed, with cs_strerror() of the error.
_NOT_RUNNING = re.compile(
    r"^(?P<message>Failed to initialize the cmap API\. Error (?P<error>\w+))\s*$",
    re.MULTILINE | re.ASCII,
)
_U32_MAX = 2**32 - 1


class CmapEntry(BaseModel):
    """One ``key (type) = value`` line."""

    model_config = ConfigDict(frozen=True)

    key: str
    type: CmapType
    value: CmapValue
    """int for i*/u*, float for flt/dbl, str for str and ``-b`` bin; None for bin without ``-b``."""


class CmapMember(BaseModel):
    """``runtime.members.<nodeid>.*``: a node totem has seen, joined or left."""

    model_config = ConfigDict(frozen=True)

    nodeid: int
    ip: str | None = None
    """As stored, e.g. ``r(0) ip(10.0.0.1) r(1) ip(10.1.0.1) ``."""
    addresses: dict[int, str] = {}
    """By link (ring) number, read from ``ip``."""
    join_count: int | None = None
    status: str | None = None
    """``joined`` or ``left``."""
    config_version: int | None = None

    @property
    def joined(self) -> bool:
        return self.status == "joined"


class NodelistNode(BaseModel):
    """``nodelist.node.<position>.*``: the nodelist corosync loaded."""

    model_config = ConfigDict(frozen=True)

    position: int
    nodeid: int | None = None
    name: str | None = None
    ring_addrs: dict[int, str] = {}
    quorum_votes: int | None = None


class KnetLinkStats(BaseModel):
    """``stats.knet.node<N>.link<L>.*`` (``corosync-cmapctl -m stats``)."""

    model_config = ConfigDict(frozen=True)

    nodeid: int
    link_id: int
    enabled: bool | None = None
    connected: bool | None = None
    mtu: int | None = None
    latency_min: int | None = None
    """Microseconds; 4294967295 (UINT32_MAX) until the first pong, see ``has_latency``."""
    latency_max: int | None = None
    latency_ave: int | None = None
    latency_samples: int | None = None
    down_count: int | None = None
    up_count: int | None = None
    counters: dict[str, int] = {}
    """Every numeric key of the link by its last name (rx_*, tx_*, …), the above included."""

    @property
    def has_latency(self) -> bool:
        return bool(self.latency_samples) and self.latency_min != _U32_MAX


class SrpStats(BaseModel):
    """``stats.srp.*``: totem's counters since start (or ``corosync-cmapctl -C totem``)."""

    model_config = ConfigDict(frozen=True)

    operational_token_lost: int | None = None
    consensus_timeouts: int | None = None
    continuous_gather: int | None = None
    """Non-zero while totem cannot leave gather: the firewall signature (main.c)."""
    firewall_enabled_or_nic_failure: int | None = None
    mtt_rx_token: int | None = None
    avg_token_workload: int | None = None
    time_since_token_last_received: int | None = None
    rx_msg_dropped: int | None = None
    mcast_retx: int | None = None
    counters: dict[str, int] = {}
    """Every numeric ``stats.srp.*`` key by its last name."""


class CmapDump(BaseModel):
    """A ``corosync-cmapctl`` dump: its entries in order, and lines that were not entries."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["cmap-dump"] = "cmap-dump"
    entries: tuple[CmapEntry, ...] = ()
    unparsed_lines: tuple[str, ...] = ()

    def get(self, key: str) -> CmapEntry | None:
        """The entry for ``key`` (the last one, should a capture repeat it)."""
        return next((e for e in reversed(self.entries) if e.key == key), None)

    def value(self, key: str) -> CmapValue:
        entry = self.get(key)
        return entry.value if entry is not None else None

    def with_prefix(self, prefix: str) -> dict[str, CmapValue]:
        """Values of the keys under ``prefix`` (which should end in ``.``), by the key's rest."""
        return {e.key[len(prefix) :]: e.value for e in self.entries if e.key.startswith(prefix)}

    def config_version(self) -> int | None:
        """``totem.config_version``: the version of the corosync.conf this node loaded."""
        return _int(self.value("totem.config_version"))

    def runtime_totem(self) -> dict[str, CmapValue]:
        """``runtime.config.totem.*``: the timeouts corosync derived and uses, e.g. ``token``."""
        return self.with_prefix("runtime.config.totem.")

    def votequorum(self) -> dict[str, CmapValue]:
        """``runtime.votequorum.*``, e.g. ``this_node_id``, ``two_node``, ``ev_barrier``."""
        return self.with_prefix("runtime.votequorum.")

    def members(self) -> tuple[CmapMember, ...]:
        """Totem's members by nodeid, joined and left."""
        groups = self._grouped(_MEMBER_KEY)
        return tuple(_member(nodeid, values) for (nodeid,), values in sorted(groups.items()))

    def nodelist(self) -> tuple[NodelistNode, ...]:
        """The loaded nodelist, by position (``nodelist.local_node_pos`` is this node's)."""
        groups = self._grouped(_NODELIST_KEY)
        return tuple(_nodelist_node(pos, values) for (pos,), values in sorted(groups.items()))

    def knet_links(self) -> tuple[KnetLinkStats, ...]:
        """Per node and link knet statistics, sorted by (nodeid, link)."""
        groups = self._grouped(_KNET_KEY)
        return tuple(_knet_link(ids, values) for ids, values in sorted(groups.items()))

    def _grouped(self, pattern: re.Pattern[str]) -> dict[tuple[int, ...], dict[str, CmapValue]]:
        """Entries whose key matches ``pattern``, grouped by its numbers, by its last group."""
        groups: dict[tuple[int, ...], dict[str, CmapValue]] = {}
        for entry in self.entries:
            found = pattern.match(entry.key)
            if found is not None:
                *numbers, field = found.groups()
                groups.setdefault(tuple(map(int, numbers)), {})[field] = entry.value
        return groups

    def srp_stats(self) -> SrpStats | None:
        """``stats.srp.*``, or None when the dump has none (not ``-m stats``)."""
        values = self.with_prefix("stats.srp.")
        if not values:
            return None
        counters = _counters(values)
        known = {k: counters.get(k) for k in SrpStats.model_fields if k != "counters"}
        return SrpStats(**known, counters=counters)


def _int(value: CmapValue) -> int | None:
    return value if isinstance(value, int) else None


def _str(value: CmapValue) -> str | None:
    return value if isinstance(value, str) else None


def _counters(values: dict[str, CmapValue]) -> dict[str, int]:
    return {k: v for k, v in values.items() if isinstance(v, int)}


def _member(nodeid: int, values: dict[str, CmapValue]) -> CmapMember:
    ip = _str(values.get("ip"))
    addresses = {int(m["ring"]): m["ip"] for m in _RING_IP.finditer(ip or "")}
    return CmapMember(
        nodeid=nodeid,
        ip=ip,
        addresses=addresses,
        join_count=_int(values.get("join_count")),
        status=_str(values.get("status")),
        config_version=_int(values.get("config_version")),
    )


def _nodelist_node(position: int, values: dict[str, CmapValue]) -> NodelistNode:
    rings = {}
    for field, value in values.items():
        found = _RING_ADDR.match(field)
        if found is not None and isinstance(value, str):
            rings[int(found["link"])] = value
    return NodelistNode(
        position=position,
        nodeid=_int(values.get("nodeid")),
        name=_str(values.get("name")),
        ring_addrs=rings,
        quorum_votes=_int(values.get("quorum_votes")),
    )


def _knet_link(ids: tuple[int, ...], values: dict[str, CmapValue]) -> KnetLinkStats:
    nodeid, link_id = ids
    counters = _counters(values)
    enabled, connected = counters.get("enabled"), counters.get("connected")
    return KnetLinkStats(
        nodeid=nodeid,
        link_id=link_id,
        enabled=bool(enabled) if enabled is not None else None,
        connected=bool(connected) if connected is not None else None,
        mtu=counters.get("mtu"),
        latency_min=counters.get("latency_min"),
        latency_max=counters.get("latency_max"),
        latency_ave=counters.get("latency_ave"),
        latency_samples=counters.get("latency_samples"),
        down_count=counters.get("down_count"),
        up_count=counters.get("up_count"),
        counters=counters,
    )


def _entry(line: str) -> CmapEntry | None:
    found = _LINE.match(line)
    if found is None:
        return None
    kind, raw = _TYPES[found["type"]], found["value"]
    value: CmapValue
    if kind == "bin":
        value = raw  # None unless -b printed the bytes
    elif kind == "str":
        value = raw or ""
    elif kind in _INT_TYPES and raw is not None and _INT.match(raw):
        value = int(raw)
    elif kind in ("flt", "dbl") and raw is not None and _FLOAT.match(raw):
        value = float(raw)
    else:
        return None
    return CmapEntry(key=found["key"], type=kind, value=value)


def parse_cmap(text: str) -> CmapDump:
    """Read a ``corosync-cmapctl`` dump; lines that are not ``key (type) = value`` are kept."""
    entries: list[CmapEntry] = []
    unread: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        entry = _entry(line)
        if entry is None:
            unread.append(line)
        else:
            entries.append(entry)
    return CmapDump(entries=tuple(entries), unparsed_lines=tuple(unread))


def parse_cmap_output(
    stdout: str, stderr: str = "", exit_status: int = 0
) -> CmapDump | CorosyncNotRunning | Unparsed:
    """``parse_cmap`` for a finished command: its "cannot connect" message becomes a value."""
    tool = "corosync-cmapctl"
    dump = parse_cmap(stdout)
    if dump.entries:
        return dump
    unavailable = api_unavailable(tool, _NOT_RUNNING, stdout, stderr, exit_status)
    if unavailable is not None:
        return unavailable
    if exit_status != 0:
        return failure(tool, stdout, stderr, exit_status, "no key (type) = value line")
    return dump
