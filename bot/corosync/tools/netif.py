"""Network interfaces as ``ip -j addr``, ``ip -s -j link`` and ``ethtool -S IFACE`` show them.

``ip -j`` prints one JSON array of interface objects (iproute2 ``ip/ipaddress.c``); with ``-s``
each object has ``stats64.rx`` and ``stats64.tx`` counters (``stats`` on old iproute2). Keys an
interface does not support are missing, so every field here may be None. Whatever JSON arrives
(truncated, deeply nested, wrong types) gives a value, never an exception: entries that are not
interface objects are listed in ``unparsed_entries``.

Counters only grow until the interface is re-created or its driver reloaded, so
``counter_delta`` treats a drop as a reset rather than as a negative count.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict

from bot.corosync.unparsed import Unparsed

__all__ = [
    "CounterDelta",
    "EthtoolStats",
    "Interface",
    "InterfaceStats",
    "IpAddrShow",
    "IpAddress",
    "IpLinkStats",
    "LinkCounters",
    "counter_delta",
    "parse_ethtool_stats",
    "parse_ip_addr_json",
    "parse_ip_link_stats_json",
]


class IpAddress(BaseModel):
    """One ``addr_info`` entry."""

    model_config = ConfigDict(frozen=True)

    family: str
    """``inet`` or ``inet6`` (other families are kept as printed)."""
    local: str
    prefixlen: int | None = None
    scope: str | None = None
    label: str | None = None
    secondary: bool = False
    broadcast: str | None = None


class Interface(BaseModel):
    """One interface of ``ip -j addr``."""

    model_config = ConfigDict(frozen=True)

    ifindex: int | None = None
    name: str
    flags: tuple[str, ...] = ()
    mtu: int | None = None
    operstate: str | None = None
    """``UP``, ``DOWN``, ``LOWERLAYERDOWN``, ``UNKNOWN`` (loopback, tunnels)…"""
    link_type: str | None = None
    mac: str | None = None
    master: str | None = None
    """The bridge or bond this interface is enslaved to."""
    addresses: tuple[IpAddress, ...] = ()

    @property
    def admin_up(self) -> bool:
        return "UP" in self.flags

    @property
    def lower_up(self) -> bool:
        """The link layer is up: carrier present (``LOWER_UP``)."""
        return "LOWER_UP" in self.flags


class IpAddrShow(BaseModel):
    """``ip -j addr``."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["ip-addr"] = "ip-addr"
    interfaces: tuple[Interface, ...] = ()
    unparsed_entries: tuple[str, ...] = ()
    """What was skipped and why, e.g. ``entry 3: no ifname``."""

    def interfaces_with_address(self, ip: str) -> tuple[Interface, ...]:
        """The interfaces holding ``ip`` (``%scope`` and ``/prefix`` ignored); () if none or
        ``ip`` is not an address."""
        wanted = _address(ip)
        if wanted is None:
            return ()
        return tuple(
            iface
            for iface in self.interfaces
            if any(_address(addr.local) == wanted for addr in iface.addresses)
        )


class LinkCounters(BaseModel):
    """One direction of ``stats64``."""

    model_config = ConfigDict(frozen=True)

    bytes: int | None = None
    packets: int | None = None
    errors: int | None = None
    dropped: int | None = None
    extra: dict[str, int] = {}
    """The other counters, e.g. ``over_errors``, ``carrier_errors``, ``missed_errors``."""

    def as_dict(self) -> dict[str, int]:
        named = {
            "bytes": self.bytes,
            "packets": self.packets,
            "errors": self.errors,
            "dropped": self.dropped,
        }
        return {k: v for k, v in named.items() if v is not None} | self.extra


class InterfaceStats(BaseModel):
    """One interface of ``ip -s -j link``."""

    model_config = ConfigDict(frozen=True)

    ifindex: int | None = None
    name: str
    flags: tuple[str, ...] = ()
    mtu: int | None = None
    operstate: str | None = None
    rx: LinkCounters = LinkCounters()
    tx: LinkCounters = LinkCounters()

    def counters(self) -> dict[str, int]:
        """Flat ``rx_bytes``/``tx_dropped``… names, as ``ethtool -S`` spells them."""
        return {f"rx_{k}": v for k, v in self.rx.as_dict().items()} | {
            f"tx_{k}": v for k, v in self.tx.as_dict().items()
        }


class IpLinkStats(BaseModel):
    """``ip -s -j link``."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["ip-link-stats"] = "ip-link-stats"
    interfaces: tuple[InterfaceStats, ...] = ()
    unparsed_entries: tuple[str, ...] = ()

    def interface(self, name: str) -> InterfaceStats | None:
        return next((i for i in self.interfaces if i.name == name), None)


class EthtoolStats(BaseModel):
    """``ethtool -S IFACE``: the driver's own counters, names as the driver chose them."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["ethtool-stats"] = "ethtool-stats"
    counters: dict[str, int] = {}
    unparsed_lines: tuple[str, ...] = ()
    """Lines that are not ``name: value``, and repeats of a name already read."""


class CounterDelta(BaseModel):
    """How much one counter grew between two readings."""

    model_config = ConfigDict(frozen=True)

    before: int
    after: int
    delta: int
    reset: bool
    """The counter went down, so it was reset; ``delta`` is then ``after``, a lower bound."""


def counter_delta(before: Mapping[str, int], after: Mapping[str, int]) -> dict[str, CounterDelta]:
    """Growth of every counter present in both readings, in ``after``'s order."""
    deltas: dict[str, CounterDelta] = {}
    for name, now in after.items():
        if name not in before:
            continue
        then = before[name]
        reset = now < then
        deltas[name] = CounterDelta(
            before=then, after=now, delta=now if reset else now - then, reset=reset
        )
    return deltas


def parse_ip_addr_json(text: str) -> IpAddrShow | Unparsed:
    """Read ``ip -j addr`` (also ``ip -j -p addr``)."""
    entries = _json_array(text, "ip -j addr")
    if isinstance(entries, Unparsed):
        return entries
    interfaces: list[Interface] = []
    skipped: list[str] = []
    for position, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(name := entry.get("ifname"), str):
            skipped.append(f"entry {position}: not an interface object with an ifname")
            continue
        addresses: list[IpAddress] = []
        raw_addresses = entry.get("addr_info")
        for index, info in enumerate(raw_addresses if isinstance(raw_addresses, list) else []):
            address = _ip_address(info)
            if address is None:
                skipped.append(f"{name} addr_info {index}: no family and local address")
            else:
                addresses.append(address)
        interfaces.append(
            Interface(
                ifindex=_count(entry.get("ifindex")),
                name=name,
                flags=_strings(entry.get("flags")),
                mtu=_count(entry.get("mtu")),
                operstate=_text(entry.get("operstate")),
                link_type=_text(entry.get("link_type")),
                mac=_text(entry.get("address")),
                master=_text(entry.get("master")),
                addresses=tuple(addresses),
            )
        )
    return IpAddrShow(interfaces=tuple(interfaces), unparsed_entries=tuple(skipped))


def parse_ip_link_stats_json(text: str) -> IpLinkStats | Unparsed:
    """Read ``ip -s -j link`` (``-s -s`` adds counters, kept in ``extra``)."""
    entries = _json_array(text, "ip -s -j link")
    if isinstance(entries, Unparsed):
        return entries
    interfaces: list[InterfaceStats] = []
    skipped: list[str] = []
    for position, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(name := entry.get("ifname"), str):
            skipped.append(f"entry {position}: not an interface object with an ifname")
            continue
        stats = entry.get("stats64", entry.get("stats"))
        if not isinstance(stats, dict):
            skipped.append(f"{name}: no stats64 object (was -s given?)")
            stats = {}
        interfaces.append(
            InterfaceStats(
                ifindex=_count(entry.get("ifindex")),
                name=name,
                flags=_strings(entry.get("flags")),
                mtu=_count(entry.get("mtu")),
                operstate=_text(entry.get("operstate")),
                rx=_link_counters(stats.get("rx")),
                tx=_link_counters(stats.get("tx")),
            )
        )
    return IpLinkStats(interfaces=tuple(interfaces), unparsed_entries=tuple(skipped))


_ETHTOOL_HEADER = re.compile(r"^NIC statistics:\s*$")
_ETHTOOL_COUNTER = re.compile(r"^\s+(?P<name>\S.*?):\s+(?P<value>[0-9]{1,20})\s*$")


def parse_ethtool_stats(text: str) -> EthtoolStats | Unparsed:
    """Read ``ethtool -S IFACE``; Unparsed without the ``NIC statistics:`` header (the driver
    has none: ethtool then prints ``no stats available`` on stderr)."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines or not _ETHTOOL_HEADER.match(lines[0]):
        return Unparsed(tool="ethtool -S", reason="no 'NIC statistics:' header", raw=text)
    counters: dict[str, int] = {}
    unparsed: list[str] = []
    for line in lines[1:]:
        match = _ETHTOOL_COUNTER.match(line)
        if match is None or match["name"] in counters:
            unparsed.append(line)
        else:
            counters[match["name"]] = int(match["value"])
    return EthtoolStats(counters=counters, unparsed_lines=tuple(unparsed))


def _json_array(text: str, tool: str) -> list[object] | Unparsed:
    if not text.strip():
        return Unparsed(tool=tool, reason="no output", raw=text)
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:
        # ValueError covers JSONDecodeError and integers past Python's digit limit.
        return Unparsed(tool=tool, reason=f"not JSON: {str(error)[:200]}", raw=text)
    if not isinstance(data, list):
        return Unparsed(tool=tool, reason="the JSON is not an array of interfaces", raw=text)
    return data


def _ip_address(info: object) -> IpAddress | None:
    if not isinstance(info, dict):
        return None
    family, local = info.get("family"), info.get("local")
    if not isinstance(family, str) or not isinstance(local, str):
        return None
    return IpAddress(
        family=family,
        local=local,
        prefixlen=_count(info.get("prefixlen")),
        scope=_text(info.get("scope")),
        label=_text(info.get("label")),
        secondary=info.get("secondary") is True,
        broadcast=_text(info.get("broadcast")),
    )


def _link_counters(raw: object) -> LinkCounters:
    if not isinstance(raw, dict):
        return LinkCounters()
    values = {k: v for k, v in raw.items() if isinstance(k, str) and _count(v) is not None}
    named = ("bytes", "packets", "errors", "dropped")
    return LinkCounters(
        bytes=values.get("bytes"),
        packets=values.get("packets"),
        errors=values.get("errors"),
        dropped=values.get("dropped"),
        extra={k: v for k, v in values.items() if k not in named},
    )


def _count(value: object) -> int | None:
    """A non-negative JSON integer (bool is an int in Python, and never a count)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _strings(value: object) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.split("%", 1)[0].split("/", 1)[0].strip())
    except ValueError:
        return None
