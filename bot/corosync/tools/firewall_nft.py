"""``nft list ruleset`` (also ``nft -a``, with ``# handle N``) read into tables, sets and chains.

The listing (nftables ``src/rule.c``) nests blocks: ``table FAMILY NAME {`` holds ``set`` and
``map`` blocks (``type``, ``flags``, ``elements = { … }`` that may wrap over lines), ``chain``
blocks whose first line says ``type filter hook input priority filter; policy drop;`` for a base
chain, and one rule per line. Rules are kept as text: ``firewall_nft_hooks`` reads them against a
packet. Lines starting with ``#`` are comments, such as the ``# Warning: table ip filter is
managed by iptables-nft, do not touch!`` nft 1.0.6 prints on stderr when stderr is merged.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict

from bot.corosync.unparsed import Unparsed

__all__ = [
    "NftChain",
    "NftRule",
    "NftRuleset",
    "NftSet",
    "NftTable",
    "parse_nft_ruleset",
    "split_top_level",
]

TOOL = "nft list ruleset"


class NftRule(BaseModel):
    """One rule line of a chain."""

    model_config = ConfigDict(frozen=True)

    text: str
    """The rule without its ``# handle N`` comment."""
    handle: int | None = None
    line: str
    """As printed (stripped), for showing a human which rule decided."""


class NftSet(BaseModel):
    """A named ``set`` or ``map``."""

    model_config = ConfigDict(frozen=True)

    name: str
    kind: Literal["set", "map"]
    type: str | None = None
    """E.g. ``ipv4_addr``, ``inet_service``, ``ipv4_addr . inet_service``, ``ipv4_addr : verdict``."""
    flags: tuple[str, ...] = ()
    elements: tuple[str, ...] = ()
    """Each element's text, e.g. ``192.0.2.64/26``, ``5405-5412``, ``192.0.2.66 : drop``."""
    handle: int | None = None

    @property
    def changes_at_run_time(self) -> bool:
        """Rules add elements (``dynamic``) or elements expire: the listing is a snapshot."""
        return bool({"dynamic", "timeout"} & set(self.flags))


class NftChain(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    handle: int | None = None
    type: str | None = None
    """``filter``, ``nat`` or ``route`` for a base chain; None for a regular chain."""
    hook: str | None = None
    """``prerouting``, ``input``, ``output``, ``postrouting``, ``forward``, ``ingress``, ``egress``."""
    device: str | None = None
    """The device of a ``netdev`` ingress/egress chain."""
    priority: int | None = None
    """Resolved from names such as ``filter`` (0) or ``raw`` (-300); None if not understood."""
    policy: Literal["accept", "drop"] | None = None
    definition: str | None = None
    """The ``type … hook … priority …; policy …;`` line as printed."""
    rules: tuple[NftRule, ...] = ()


class NftTable(BaseModel):
    model_config = ConfigDict(frozen=True)

    family: str
    """``ip``, ``ip6``, ``inet``, ``arp``, ``bridge`` or ``netdev``."""
    name: str
    handle: int | None = None
    flags: tuple[str, ...] = ()
    """``dormant`` switches the whole table off."""
    sets: tuple[NftSet, ...] = ()
    chains: tuple[NftChain, ...] = ()

    def chain(self, name: str) -> NftChain | None:
        return next((c for c in self.chains if c.name == name), None)

    def set(self, name: str) -> NftSet | None:
        return next((s for s in self.sets if s.name == name), None)


class NftRuleset(BaseModel):
    """``nft list ruleset``; empty output is an empty ruleset (no table filters anything)."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["nft-ruleset"] = "nft-ruleset"
    tables: tuple[NftTable, ...] = ()
    unparsed_lines: tuple[str, ...] = ()


_HANDLE = re.compile(r"\s+# handle (?P<handle>[0-9]{1,10})$")
_TABLE = re.compile(r"^table (?P<family>ip|ip6|inet|arp|bridge|netdev) (?P<name>\S+) \{$")
_BLOCK = re.compile(r"^(?P<kind>set|map|chain) (?P<name>\S+) \{$")
# Other blocks a table may hold; their content does not filter packets.
_OTHER_BLOCK = re.compile(
    r"^(?:flowtable|counter|quota|limit|secmark|synproxy|ct (?:helper|timeout|expectation)) "
    r"\S+ \{$"
)
_BASE = re.compile(
    r"^type (?P<type>\w+) hook (?P<hook>\w+)(?: device \"?(?P<device>[^\";\s]+)\"?)?"
    r"(?: devices = \{[^}]*\})? priority (?P<priority>[^;]+);(?: policy (?P<policy>\w+);)?$"
)
_PRIORITY = re.compile(r"^(?P<base>[a-z]+|-?[0-9]{1,10})(?: (?P<sign>[+-]) (?P<n>[0-9]{1,10}))?$")
# Standard priority names (nft(8) "PRIORITY"); the bridge family numbers them differently.
_PRIORITIES = {
    "raw": -300,
    "mangle": -150,
    "dstnat": -100,
    "filter": 0,
    "security": 50,
    "srcnat": 100,
}
_BRIDGE_PRIORITIES = {"dstnat": -300, "filter": -200, "out": 100, "srcnat": 300}


def parse_nft_ruleset(text: str) -> NftRuleset | Unparsed:
    """Read ``nft list ruleset`` or ``nft -a list ruleset``; Unparsed when text is there but no
    ``table`` block is."""
    reader = _Reader()
    for line in _logical_lines(text):
        reader.feed(line)
    ruleset = reader.result()
    if not ruleset.tables and ruleset.unparsed_lines:
        return Unparsed(tool=TOOL, reason="no 'table FAMILY NAME {' block found", raw=text)
    return ruleset


def _logical_lines(text: str) -> list[str]:
    """Stripped lines, with a line that opens more braces than it closes (a set's elements
    wrapped over lines) joined to the lines that close them."""
    lines: list[str] = []
    pending: list[str] = []
    depth = 0
    for raw in text.splitlines():
        line = raw.strip()
        if not line or (line.startswith("#") and not pending):
            continue
        body = _HANDLE.sub("", line)
        depth += _brace_depth(body)
        if pending:
            pending.append(line)
            if depth <= 0:
                lines.append(" ".join(pending))
                pending, depth = [], 0
            continue
        opens_block = depth == 1 and body.endswith("{") and not body.startswith("elements")
        if depth > 0 and not opens_block:
            pending = [line]
            continue
        lines.append(line)
        depth = 0
    if pending:
        lines.append(" ".join(pending))
    return lines


def _brace_depth(text: str) -> int:
    """``{`` minus ``}`` outside double quotes."""
    depth = 0
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif not quoted and char == "{":
            depth += 1
        elif not quoted and char == "}":
            depth -= 1
    return depth


class _TableDraft:
    def __init__(self, family: str, name: str, handle: int | None) -> None:
        self.family = family
        self.name = name
        self.handle = handle
        self.flags: tuple[str, ...] = ()
        self.sets: list[NftSet] = []
        self.chains: list[NftChain] = []

    def freeze(self) -> NftTable:
        return NftTable(
            family=self.family,
            name=self.name,
            handle=self.handle,
            flags=self.flags,
            sets=tuple(self.sets),
            chains=tuple(self.chains),
        )


class _BlockDraft:
    """A set, map or chain while it is being read."""

    def __init__(self, kind: str, name: str, handle: int | None) -> None:
        self.kind = kind
        self.name = name
        self.handle = handle
        self.type: str | None = None
        self.flags: tuple[str, ...] = ()
        self.elements: tuple[str, ...] = ()
        self.base: re.Match[str] | None = None
        self.policy: str | None = None
        self.rules: list[NftRule] = []

    def freeze_set(self) -> NftSet:
        return NftSet(
            name=self.name,
            kind="map" if self.kind == "map" else "set",
            type=self.type,
            flags=self.flags,
            elements=self.elements,
            handle=self.handle,
        )

    def freeze_chain(self, family: str) -> NftChain:
        base = self.base
        priority = base["priority"].strip() if base else None
        policy = self.policy
        return NftChain(
            name=self.name,
            handle=self.handle,
            type=base["type"] if base else None,
            hook=base["hook"] if base else None,
            device=base["device"] if base else None,
            priority=_priority(priority, family) if priority else None,
            policy="drop" if policy == "drop" else "accept" if policy == "accept" else None,
            definition=base.group() if base else None,
            rules=tuple(self.rules),
        )


_SET_ATTRIBUTES = ("size ", "timeout ", "gc-interval ", "policy ", "auto-merge", "counter")


class _Reader:
    def __init__(self) -> None:
        self.tables: list[NftTable] = []
        self.unparsed: list[str] = []
        self.table: _TableDraft | None = None
        self.block: _BlockDraft | None = None
        self.skipping = 0

    def feed(self, line: str) -> None:
        handle: int | None = None
        body = line
        if found := _HANDLE.search(line):
            handle = int(found["handle"])
            body = line[: found.start()].strip()
        if self.skipping:
            self.skipping += _brace_depth(body)
        elif self.table is None:
            self._top(body, handle, line)
        elif self.block is None:
            self._in_table(self.table, body, handle, line)
        elif body == "}":
            self._close_block(self.table, self.block)
        elif self.block.kind == "chain":
            self._in_chain(self.block, body, handle, line)
        else:
            self._in_set(self.block, body, line)

    def result(self) -> NftRuleset:
        if self.table is not None:
            if self.block is not None:
                self._close_block(self.table, self.block)
            self.tables.append(self.table.freeze())
            self.table = None
        return NftRuleset(tables=tuple(self.tables), unparsed_lines=tuple(self.unparsed))

    def _top(self, body: str, handle: int | None, line: str) -> None:
        if table := _TABLE.match(body):
            self.table = _TableDraft(table["family"], table["name"], handle)
        else:
            self.unparsed.append(line)

    def _in_table(self, table: _TableDraft, body: str, handle: int | None, line: str) -> None:
        if body == "}":
            self.tables.append(table.freeze())
            self.table = None
        elif block := _BLOCK.match(body):
            self.block = _BlockDraft(block["kind"], block["name"], handle)
        elif _OTHER_BLOCK.match(body):
            self.skipping = 1
        elif body.startswith("flags "):
            table.flags = _words(body.removeprefix("flags "))
        elif not body.startswith("comment "):
            self.unparsed.append(line)

    def _in_chain(self, chain: _BlockDraft, body: str, handle: int | None, line: str) -> None:
        if (base := _BASE.match(body)) and chain.base is None and not chain.rules:
            chain.base = base
            chain.policy = base["policy"]
        elif body.startswith("policy ") and body.endswith(";") and not chain.rules:
            chain.policy = body.removeprefix("policy ").rstrip(";").strip()
        elif body.startswith("comment ") and not chain.rules:
            return  # the chain's own comment
        else:
            chain.rules.append(NftRule(text=body, handle=handle, line=line))

    def _in_set(self, block: _BlockDraft, body: str, line: str) -> None:
        if body.startswith("type "):
            block.type = body.removeprefix("type ").strip()
        elif body.startswith("flags "):
            block.flags = _words(body.removeprefix("flags "))
        elif body.startswith("elements = {") and body.endswith("}"):
            inner = body.removeprefix("elements = {")[:-1]
            block.elements = tuple(e.strip() for e in split_top_level(inner) if e.strip())
        elif not body.startswith((*_SET_ATTRIBUTES, "comment ")):
            self.unparsed.append(line)

    def _close_block(self, table: _TableDraft, block: _BlockDraft) -> None:
        self.block = None
        if block.kind == "chain":
            table.chains.append(block.freeze_chain(table.family))
        else:
            table.sets.append(block.freeze_set())


def _priority(text: str, family: str) -> int | None:
    found = _PRIORITY.match(text)
    if found is None:
        return None
    base = found["base"]
    names = _BRIDGE_PRIORITIES if family == "bridge" else _PRIORITIES
    if base.lstrip("-").isdigit():
        value = int(base)
    elif base in names:
        value = names[base]
    else:
        return None
    if found["sign"]:
        value += int(found["n"]) if found["sign"] == "+" else -int(found["n"])
    return value


def split_top_level(text: str) -> list[str]:
    """Split on commas that are outside braces and quotes."""
    parts: list[str] = []
    depth = 0
    quoted = False
    current: list[str] = []
    for char in text:
        if char == '"':
            quoted = not quoted
        elif not quoted and char == "{":
            depth += 1
        elif not quoted and char == "}":
            depth -= 1
        elif not quoted and depth == 0 and char == ",":
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.strip() for w in text.split(",") if w.strip())
