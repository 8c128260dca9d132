"""The summary of ``ping``: how many echo requests came back, and how fast.

Three layouts are read, all ending in a ``--- X ping statistics ---`` block:

* Linux iputils: ``N packets transmitted, M received[, +D duplicates][, +C corrupted]
  [, +E errors], L% packet loss, time Tms`` then ``rtt min/avg/max/mdev = a/b/c/d ms``, which
  may end in ``, pipe P`` or ``, ipg/ewma x/y ms``. With no reply at all the rtt line is missing
  and a lone ``pipe P`` line may follow (iputils ``ping_common.c`` ``finish()``).
* busybox: ``N packets transmitted, M packets received, L% packet loss`` and
  ``round-trip min/avg/max = a/b/c ms``.
* BSD and macOS: as busybox, with ``round-trip min/avg/max/stddev`` and a loss like ``33.3%``.

iputils prints ``From <router> icmp_seq=N Destination Host Unreachable`` for ICMP errors; their
distinct texts are kept in ``icmp_errors`` because they say *why* packets were lost.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict

from bot.corosync.unparsed import Unparsed

__all__ = ["PingSummary", "parse_ping"]

TOOL = "ping"

PingVariant = Literal["iputils", "busybox", "bsd"]


class PingSummary(BaseModel):
    """What one ``ping -c N`` run reported."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["ping"] = "ping"
    variant: PingVariant
    destination: str | None = None
    """As printed in the statistics header: a name or an address."""
    sent: int
    received: int
    loss_pct: float
    duplicates: int = 0
    corrupted: int = 0
    errors: int = 0
    """ICMP errors received instead of replies (iputils ``+E errors``)."""
    time_ms: int | None = None
    pipe: int | None = None
    """iputils' largest number of requests in flight at once, printed when above one."""
    rtt_min_ms: float | None = None
    rtt_avg_ms: float | None = None
    rtt_max_ms: float | None = None
    rtt_mdev_ms: float | None = None
    """iputils' mean deviation, or BSD's standard deviation; None for busybox."""
    icmp_errors: tuple[str, ...] = ()
    """Distinct ICMP error texts, e.g. ``Destination Host Unreachable``."""
    unparsed_lines: tuple[str, ...] = ()

    @property
    def all_lost(self) -> bool:
        return self.sent > 0 and self.received == 0


_COUNT = r"[0-9]{1,18}"
_STATS_HEADER = re.compile(r"^--- (?P<dest>.+) ping statistics ---\s*$")
_PIECE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("sent", re.compile(rf"^(?P<n>{_COUNT}) packets transmitted$")),
    ("received", re.compile(rf"^(?P<n>{_COUNT}) (?:packets )?received$")),
    ("duplicates", re.compile(rf"^\+?(?P<n>{_COUNT}) duplicates$")),
    ("corrupted", re.compile(rf"^\+?(?P<n>{_COUNT}) corrupted$")),
    ("errors", re.compile(rf"^\+(?P<n>{_COUNT}) errors$")),
    ("loss", re.compile(r"^(?P<n>[0-9]{1,3}(?:\.[0-9]{1,12})?)% packet loss$")),
    ("time", re.compile(rf"^time (?P<n>{_COUNT})ms$")),
)
_RTT = re.compile(
    r"^(?P<label>rtt|round-trip) (?P<names>[a-z]+(?:/[a-z]+){2,3}) = "
    r"(?P<values>[0-9]{1,12}\.[0-9]{1,9}(?:/[0-9]{1,12}\.[0-9]{1,9}){2,3}) ms"
    r"(?P<tail>.*)$"
)
_PIPE = re.compile(r"(?:^|, )pipe (?P<n>[0-9]{1,9})")
_PING_HEADER = re.compile(r"^PING \S+")
_REPLY = re.compile(r"^[0-9]+ bytes from .*(?:icmp_)?seq=[0-9]+")
_ICMP_ERROR = re.compile(r"^From \S+(?: \([^)]*\))?:? icmp_seq=[0-9]+ (?P<text>.+?)\s*$")
_BSD_TIMEOUT = re.compile(r"^Request timeout for icmp_seq [0-9]+\s*$")


def parse_ping(text: str) -> PingSummary | Unparsed:
    """Read ``ping`` output; Unparsed when it has no statistics block (ping never ran)."""
    lines = text.splitlines()
    header_at = next((i for i, line in enumerate(lines) if _STATS_HEADER.match(line)), None)
    if header_at is None or header_at + 1 >= len(lines):
        return Unparsed(tool=TOOL, reason="no '--- … ping statistics ---' summary", raw=text)
    header = _STATS_HEADER.match(lines[header_at])
    destination = header.group("dest") if header else None
    counts = _read_summary(lines[header_at + 1])
    if counts is None or "sent" not in counts or "received" not in counts:
        return Unparsed(tool=TOOL, reason="the summary line is not one ping prints", raw=text)

    rtt: dict[str, float] = {}
    pipe: int | None = None
    variant = _variant(lines[header_at + 1], counts)
    icmp_errors: list[str] = []
    unparsed: list[str] = []
    for line in (*lines[:header_at], *lines[header_at + 2 :]):
        if not line.strip() or _PING_HEADER.match(line) or _REPLY.match(line):
            continue
        if _BSD_TIMEOUT.match(line):
            variant = "bsd"
            continue
        if error := _ICMP_ERROR.match(line):
            if error.group("text") not in icmp_errors:
                icmp_errors.append(error.group("text"))
            continue
        if match := _RTT.match(line):
            rtt = _read_rtt(match)
            if "stddev" in match.group("names"):
                variant = "bsd"
            if piped := _PIPE.search(match.group("tail")):
                pipe = int(piped.group("n"))
            continue
        if piped := _PIPE.match(line.strip()):
            pipe = int(piped.group("n"))
            continue
        unparsed.append(line)

    sent = int(counts["sent"])
    received = int(counts["received"])
    return PingSummary(
        variant=variant,
        destination=destination,
        sent=sent,
        received=received,
        loss_pct=float(counts["loss"]) if "loss" in counts else _loss(sent, received),
        duplicates=int(counts.get("duplicates", "0")),
        corrupted=int(counts.get("corrupted", "0")),
        errors=int(counts.get("errors", "0")),
        time_ms=int(counts["time"]) if "time" in counts else None,
        pipe=pipe,
        rtt_min_ms=rtt.get("min"),
        rtt_avg_ms=rtt.get("avg"),
        rtt_max_ms=rtt.get("max"),
        rtt_mdev_ms=rtt.get("mdev", rtt.get("stddev")),
        icmp_errors=tuple(icmp_errors),
        unparsed_lines=tuple(unparsed),
    )


def _read_summary(line: str) -> dict[str, str] | None:
    """The comma-separated pieces of the summary line by name, or None if one is foreign."""
    found: dict[str, str] = {}
    for piece in line.strip().split(", "):
        for name, pattern in _PIECE_PATTERNS:
            if (match := pattern.match(piece)) and name not in found:
                found[name] = match.group("n")
                break
        else:
            return None
    return found


def _variant(summary: str, counts: dict[str, str]) -> PingVariant:
    """iputils says ``M received`` and adds ``time``; busybox and BSD say ``M packets received``
    and only BSD prints a fractional loss such as ``33.3%``."""
    if "time" in counts or "packets received" not in summary:
        return "iputils"
    return "bsd" if "." in counts.get("loss", "") else "busybox"


def _read_rtt(match: re.Match[str]) -> dict[str, float]:
    names = match.group("names").split("/")
    values = match.group("values").split("/")
    if len(names) != len(values):
        return {}
    return {name: float(value) for name, value in zip(names, values, strict=True)}


def _loss(sent: int, received: int) -> float:
    return 0.0 if sent == 0 else max(0.0, (sent - received) * 100.0 / sent)
