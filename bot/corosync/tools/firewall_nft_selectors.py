"""The selectors of an nft rule (``ip saddr``, ``udp dport``, ``ct state``, ``fib daddr type``…)
and how the value after each is judged against the corosync packet."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bot.corosync.tools.firewall_match import (
    NO,
    YES,
    AddressType,
    Match,
    Packet,
    address_in,
    address_type_is,
    by_chance,
    conntrack_state,
    interface_matches,
    is_yes,
    maybe,
    port_in,
)
from bot.corosync.tools.firewall_nft_values import Item

__all__ = ["OTHER_L4", "Cursor", "Selector", "compare_port", "selector_for"]

OTHER_L4 = frozenset(
    {"tcp", "sctp", "dccp", "icmp", "icmpv6", "igmp", "esp", "ah", "comp", "udplite", "gre"}
)
"""Protocols whose expressions never match a UDP packet, whatever their operator."""


class Cursor(Protocol):
    """The rule being read, as a selector needs it."""

    packet: Packet
    untracked: Match
    established: bool

    def take(self) -> Item: ...

    def peek(self) -> Item: ...


@dataclass
class Selector:
    """How to judge a value read after a selector such as ``ip saddr``."""

    judge: Callable[[str], Match]
    requires: Match = YES
    """The header the selector reads: NO when the packet lacks it, whatever the operator."""
    kind: str = "value"


def selector_for(reader: Cursor, word: str) -> Selector | Match | None:
    """The selector starting with ``word``, its field words consumed; a Match when the whole
    expression was read; None when it is not understood."""
    packet = reader.packet
    meta = word == "meta"
    if meta:
        field = reader.take()
        word = field if isinstance(field, str) else ""
        if word == "random":
            return _meta_random(reader)
    if word in ("ip", "ip6"):
        return _ip(reader, word)
    if word in ("udp", "th"):
        field = reader.take()
        if field in ("dport", "sport"):
            return Selector(lambda v: _port(v, packet.port), kind="port")
        return Selector(lambda v: maybe(f"{word} {field} is not checked"))
    if word in OTHER_L4:
        reader.take()
        return Selector(lambda v: NO, requires=NO)
    if word in ("l4proto", "nfproto", "protocol"):
        return Selector(lambda v: _protocol(v, word, packet))
    if word in ("iifname", "oifname", "iif", "oif"):
        inbound = word.startswith("i")
        available = YES if inbound == (packet.direction == "in") else NO
        return Selector(
            lambda v: interface_matches(v.strip('"'), packet, wildcard="*"), requires=available
        )
    if word == "pkttype":
        return Selector(lambda v: _pkttype(v, packet))
    if word == "ct":
        field = reader.take()
        if field == "state":
            return Selector(lambda v: _ct_state(reader, v))
        return Selector(lambda v: maybe(f"ct {field} decides"))
    if word == "fib":
        return _fib(reader)
    if meta or word in ("mark", "priority", "skuid", "skgid", "cpu", "cgroup", "iiftype"):
        return Selector(lambda v: maybe(f"meta {word} decides"))
    return None


def _ip(reader: Cursor, word: str) -> Selector:
    packet = reader.packet
    version = 4 if word == "ip" else 6
    family = packet.family
    requires = (
        maybe("the address family is not given") if family is None else is_yes(family == version)
    )
    field = reader.take()
    if field in ("saddr", "daddr"):
        address = packet.src if field == "saddr" else packet.dst
        what = "source" if field == "saddr" else "destination"
        return Selector(lambda v: address_in(v, address, what=what), requires, kind="address")
    if field in ("protocol", "nexthdr"):
        return Selector(lambda v: _protocol(v, "l4proto", packet), requires)
    return Selector(lambda v: maybe(f"{word} {field} decides"), requires)


def _meta_random(reader: Cursor) -> Match | None:
    # iptables-nft writes -m statistic --probability p as: meta random & 2147483647 < p*2^31
    words = [reader.take() for _ in range(4)]
    limit = words[3]
    if words[:3] == ["&", "2147483647", "<"] and isinstance(limit, str) and limit.isdigit():
        return by_chance(int(limit) / 2147483648, "random (meta random)")
    return None


def _fib(reader: Cursor) -> Selector | None:
    keys: list[str] = []
    while isinstance(peek := reader.peek(), str) and peek not in ("type", "oif", "oifname", ""):
        keys.append(str(reader.take()))
    result = reader.take()
    if result != "type" or not keys or keys[0] not in ("saddr", "daddr"):
        return None
    side: AddressType = "src" if keys[0] == "saddr" else "dst"
    return Selector(lambda v: address_type_is(v, reader.packet, side))


def _port(value: str, port: int) -> Match:
    return port_in(value.replace(" ", ""), port)


def compare_port(port: int, operator: str, value: str) -> Match:
    if not value.isdigit():
        return maybe(f"port {value!r} is not a number")
    bound = int(value)
    checks = {
        "<": port < bound,
        "lt": port < bound,
        ">": port > bound,
        "gt": port > bound,
        "<=": port <= bound,
        "le": port <= bound,
        ">=": port >= bound,
        "ge": port >= bound,
    }
    return is_yes(checks[operator])


def _protocol(value: str, what: str, packet: Packet) -> Match:
    value = value.lower()
    if what == "l4proto":
        return is_yes(value in ("udp", "17"))
    wanted = {"ipv4": 4, "ip": 4, "ipv6": 6, "ip6": 6}.get(value)
    if wanted is None:
        return NO if what == "protocol" else maybe(f"protocol {value} is not understood")
    if packet.family is None:
        return maybe("the address family is not given")
    return is_yes(packet.family == wanted)


def _pkttype(value: str, packet: Packet) -> Match:
    if packet.direction == "in" and value in ("host", "unicast"):
        return YES
    if value in ("broadcast", "multicast"):
        return NO
    return maybe(f"meta pkttype {value} decides")


def _ct_state(reader: Cursor, value: str) -> Match:
    names = [name for name in value.split(",") if name]
    if {"established", "related"} & set(names):
        reader.established = True
    return conntrack_state(names, reader.untracked)
