"""Does one part of a firewall rule match a corosync UDP packet? Yes, no, or maybe.

"Maybe" carries what we would need to know (an ipset's members, the interface, a rate limit)
so the verdict can say why it is unsure. A random match (``-m statistic``, nft ``meta random``)
is a maybe with a ``chance``: the share of packets it catches.

The packet is what knet sends on link L: UDP from port 5405+L to port 5405+L (it binds one port
per link and sends from it), between two unicast host addresses; ``in`` means the source is the
peer and the destination this node.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Direction = Literal["in", "out"]


@dataclass(frozen=True)
class Match:
    """Whether a rule, or one of its conditions, matches the packet."""

    value: Literal["yes", "no", "maybe"]
    why: str | None = None
    """For ``maybe``: what is unknown, in words for the verdict's reason."""
    chance: float | None = None
    """For a ``maybe`` that only depends on chance: the probability it matches."""


YES = Match("yes")
NO = Match("no")
ESTABLISHED_NOTE = "flows already established may keep passing"
"""Said when a skipped ``ESTABLISHED`` accept rule would let a flow older than a DROP through."""


def maybe(why: str) -> Match:
    return Match("maybe", why)


def by_chance(probability: float, why: str) -> Match:
    """A random match; a probability that is not a number is an unknown, not a chance."""
    if math.isnan(probability):
        return maybe(f"{why}: the probability is not a number")
    if probability >= 1.0:
        return YES
    if probability <= 0.0:
        return NO
    return Match("maybe", why, chance=probability)


def is_yes(condition: bool) -> Match:
    return YES if condition else NO


def all_of(parts: Iterable[Match]) -> Match:
    """All parts must match: any ``no`` wins, then an unknown, then chances multiply."""
    chance = 1.0
    random_why: list[str] = []
    unknown: Match | None = None
    for part in parts:
        if part.value == "no":
            return NO
        if part.value == "maybe":
            if part.chance is None:
                unknown = unknown or part
            else:
                chance *= part.chance
                random_why.append(part.why or "random")
    if unknown is not None:
        return unknown
    return by_chance(chance, "; ".join(random_why)) if random_why else YES


def any_of(parts: Iterable[Match], *, unknown_why: str | None = None) -> Match:
    """One part must match: any ``yes`` wins; else the first unknown; else no."""
    first_maybe: Match | None = None
    for part in parts:
        if part.value == "yes":
            return YES
        if part.value == "maybe" and first_maybe is None:
            first_maybe = part
    if first_maybe is not None and unknown_why is not None:
        return maybe(unknown_why)
    return first_maybe or NO


def negate(part: Match) -> Match:
    if part.value == "yes":
        return NO
    if part.value == "no":
        return YES
    if part.chance is not None:
        return by_chance(1.0 - part.chance, f"not ({part.why})")
    return maybe(f"not ({part.why})")


@dataclass(frozen=True)
class Packet:
    """The corosync packet a verdict is about."""

    port: int
    src: IPAddress | None
    dst: IPAddress | None
    direction: Direction
    interface: str | None = None
    """The interface it arrives on (``in``) or leaves by (``out``), when the caller knows it."""

    @property
    def family(self) -> Literal[4, 6] | None:
        known = self.src or self.dst
        if known is None:
            return None
        return 4 if known.version == 4 else 6

    @property
    def remote(self) -> IPAddress | None:
        return self.src if self.direction == "in" else self.dst


def parse_address(text: str) -> IPAddress | None:
    """An address from a caller or a file, ``%scope`` dropped; None if it is not one."""
    try:
        return ipaddress.ip_address(text.split("%", 1)[0].strip())
    except ValueError:
        return None


def address_in(spec: str, address: IPAddress | None, *, what: str) -> Match:
    """``address`` against one address, CIDR or ``a-b`` range as a rule spells it."""
    spec = spec.strip()
    if "-" in spec and "/" not in spec:
        first, _, last = spec.partition("-")
        low, high = parse_address(first), parse_address(last)
        if low is None or high is None or low.version != high.version:
            return maybe(f"{what} range {spec!r} is not understood")
        if address is None:
            return maybe(f"the {what} address is not given")
        if address.version != low.version:
            return NO
        return is_yes(int(low) <= int(address) <= int(high))
    try:
        network = ipaddress.ip_network(spec, strict=False)
    except ValueError:
        return maybe(f"{what} {spec!r} is not an address")
    if address is None:
        return maybe(f"the {what} address is not given")
    return is_yes(address.version == network.version and address in network)


_RANGE = re.compile(r"^(?P<low>[0-9]{0,5})(?P<sep>[:-])(?P<high>[0-9]{0,5})$")
_SINGLE = re.compile(r"^[0-9]{1,5}$")


def port_in(spec: str, port: int) -> Match:
    """``port`` against ``5405``, ``5405:5412``/``5405-5412`` or open ranges like ``:5412``."""
    spec = spec.strip()
    if _SINGLE.match(spec):
        return is_yes(int(spec) == port)
    if range_ := _RANGE.match(spec):
        low = int(range_["low"]) if range_["low"] else 0
        high = int(range_["high"]) if range_["high"] else 65535
        return is_yes(low <= port <= high)
    return maybe(f"port {spec!r} is not a number (a service name?)")


def port_in_list(spec: str, port: int) -> Match:
    """``port`` against a comma-separated list of ports and ranges."""
    return any_of(port_in(item, port) for item in spec.split(",") if item.strip())


def interface_matches(pattern: str, packet: Packet, *, wildcard: str) -> Match:
    """An interface name, ``eth+`` (iptables) or ``eth*`` (nft) style, against the packet's."""
    pattern = pattern.strip().strip('"')
    if packet.interface is not None:
        if pattern.endswith(wildcard):
            return is_yes(packet.interface.startswith(pattern[: -len(wildcard)]))
        return is_yes(packet.interface == pattern)
    if pattern == "lo" and _not_loopback(packet):
        return NO
    return maybe(f"the interface is not given (rule wants {pattern})")


def _not_loopback(packet: Packet) -> bool:
    """Traffic between two different non-loopback addresses never crosses ``lo``."""
    if packet.src is None or packet.dst is None or packet.src == packet.dst:
        return False
    return not (packet.src.is_loopback or packet.dst.is_loopback)


def conntrack_state(names: Iterable[str], untracked: Match) -> Match:
    """``--ctstate``/``ct state`` against the first packet of a corosync flow.

    That packet is ``NEW``, or ``UNTRACKED`` when a raw-table rule (``-j CT --notrack``,
    nft ``notrack``) told conntrack to skip it, which corosync tuning guides recommend.
    """
    wanted = {name.strip().lower() for name in names}
    new = all_of([is_yes("new" in wanted), negate(untracked)])
    untracked_part = all_of([is_yes("untracked" in wanted), untracked])
    return any_of([new, untracked_part])


AddressType = Literal["src", "dst"]


def address_type_is(kinds: str, packet: Packet, side: AddressType) -> Match:
    """``-m addrtype --src-type/--dst-type`` and nft ``fib … type``, for unicast host peers.

    In ``in`` the destination is this node (LOCAL) and the source a remote unicast host; in
    ``out`` the other way round. Only MULTICAST needs the address itself.
    """
    address = packet.src if side == "src" else packet.dst
    local_side = "dst" if packet.direction == "in" else "src"
    results: list[Match] = []
    for kind in (k.strip().upper() for k in kinds.split(",") if k.strip()):
        if kind == "MULTICAST":
            results.append(
                maybe(f"the {side} address is not given")
                if address is None
                else is_yes(address.is_multicast)
            )
        elif kind == "LOCAL":
            results.append(is_yes(side == local_side))
        elif kind == "UNICAST":
            # The kernel types this node's own addresses LOCAL, not UNICAST.
            remote = side != local_side
            results.append(is_yes(remote and not (address is not None and address.is_multicast)))
        elif kind in {"BROADCAST", "ANYCAST", "BLACKHOLE", "UNREACHABLE", "PROHIBIT", "NAT"}:
            results.append(NO)
        else:
            results.append(maybe(f"address type {kind} is not understood"))
    return any_of(results)
