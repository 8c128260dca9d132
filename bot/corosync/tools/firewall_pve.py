"""Proxmox VE firewall files, ``/etc/pve/firewall/cluster.fw`` and ``/etc/pve/nodes/N/host.fw``.

The format is the one ``PVE::Firewall::generic_fw_config_parser`` reads: lines are trimmed,
``#`` starts a comment line, ``[OPTIONS]``, ``[RULES]``, ``[ALIASES]``, ``[IPSET name]`` and
``[group name]`` open sections (case does not matter, names are lowercased). Options are
``key: value``; aliases ``name cidr``; IP set entries ``[!]cidr-or-alias`` (``!`` = nomatch).
A rule is ``[|]DIRECTION ACTION [options] [# comment]`` (``parse_fw_rule``): ``|`` disables it,
DIRECTION is ``IN``, ``OUT`` or ``GROUP`` (whose ACTION is the group's name), ACTION is
``ACCEPT``, ``DROP``, ``REJECT`` or a macro ``Name(ACTION)``, and the options are ``-i``, ``-p``,
``-dport``, ``-sport``, ``-source``, ``-dest``, ``-log`` and ``-icmp-type``. pve-firewall skips a
rule it cannot parse; here such a rule keeps an ``error`` and counts as *maybe*, because a newer
pve-firewall may know the option.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict

from bot.corosync.unparsed import Unparsed

__all__ = ["PveFirewallFile", "PveIpsetEntry", "PveRule", "parse_pve_firewall"]

TOOL = "pve firewall config"

RuleOption = Literal["iface", "proto", "dport", "sport", "source", "dest", "log", "icmp-type"]


class PveRule(BaseModel):
    """One line of ``[RULES]`` or ``[group name]``."""

    model_config = ConfigDict(frozen=True)

    line: str
    enabled: bool = True
    """False for a rule written with a leading ``|``."""
    direction: str
    """``in``, ``out`` or ``group`` (lowercased); other words are kept and never apply."""
    action: str
    """``ACCEPT``/``DROP``/``REJECT``; for ``group`` the group's name (lowercased)."""
    macro: str | None = None
    """``SSH`` for ``SSH(ACCEPT)``."""
    options: dict[RuleOption, str] = {}
    comment: str | None = None
    error: str | None = None
    """What this parser could not read (pve-firewall would skip the rule, or know more)."""


class PveIpsetEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    address: str
    """An address, a CIDR or an alias name."""
    nomatch: bool = False
    """Written with ``!``: addresses in it are left out of the set."""


class PveFirewallFile(BaseModel):
    """One ``cluster.fw`` or ``host.fw``."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["pve-firewall"] = "pve-firewall"
    options: dict[str, str] = {}
    """Keys lowercased, values as written (``enable`` -> ``1``, ``policy_in`` -> ``DROP``)."""
    rules: tuple[PveRule, ...] = ()
    aliases: dict[str, str] = {}
    """Lowercased name -> address or CIDR."""
    ipsets: dict[str, tuple[PveIpsetEntry, ...]] = {}
    groups: dict[str, tuple[PveRule, ...]] = {}
    unparsed_lines: tuple[str, ...] = ()


_SECTION = re.compile(
    r"^\[(?P<kind>options|rules|aliases|ipset|group)(?:\s+(?P<name>\S+))?\]\s*(?:#.*)?$",
    re.IGNORECASE,
)
_OPTION = re.compile(r"^(?P<key>[A-Za-z_]+):\s*(?P<value>.*?)\s*$")
_ALIAS = re.compile(r"^(?P<name>\S+)\s+(?P<cidr>\S+)$")
_MACRO = re.compile(r"^(?P<macro>\S+)\((?P<action>ACCEPT|DROP|REJECT)\)$")
# parse_fw_rule accepts "-dport" and, in older versions, "--dport" and "--proto".
_RULE_OPTIONS: dict[str, RuleOption] = {
    "i": "iface",
    "p": "proto",
    "proto": "proto",
    "dport": "dport",
    "sport": "sport",
    "source": "source",
    "dest": "dest",
    "log": "log",
    "icmp-type": "icmp-type",
}


def parse_pve_firewall(text: str) -> PveFirewallFile | Unparsed:
    """Read a ``cluster.fw`` or ``host.fw``; an empty file is an empty configuration (the
    firewall then stays disabled)."""
    reader = _Reader()
    for raw in text.splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            reader.feed(line)
    parsed = reader.result()
    if not reader.sections and parsed.unparsed_lines:
        return Unparsed(tool=TOOL, reason="no [OPTIONS], [RULES] or other section", raw=text)
    return parsed


class _Reader:
    def __init__(self) -> None:
        self.sections = 0
        self.section: str | None = None
        self.name = ""
        self.options: dict[str, str] = {}
        self.rules: list[PveRule] = []
        self.aliases: dict[str, str] = {}
        self.ipsets: dict[str, list[PveIpsetEntry]] = {}
        self.groups: dict[str, list[PveRule]] = {}
        self.unparsed: list[str] = []

    def feed(self, line: str) -> None:
        if section := _SECTION.match(line):
            self._open(section["kind"].lower(), (section["name"] or "").lower(), line)
        elif self.section == "options":
            self._option(line)
        elif self.section == "aliases":
            self._alias(line)
        elif self.section == "ipset":
            self._ipset_entry(line)
        elif self.section == "rules":
            self.rules.append(parse_rule(line))
        elif self.section == "group":
            self.groups[self.name].append(parse_rule(line))
        else:
            self.unparsed.append(line)

    def result(self) -> PveFirewallFile:
        return PveFirewallFile(
            options=self.options,
            rules=tuple(self.rules),
            aliases=self.aliases,
            ipsets={name: tuple(entries) for name, entries in self.ipsets.items()},
            groups={name: tuple(rules) for name, rules in self.groups.items()},
            unparsed_lines=tuple(self.unparsed),
        )

    def _open(self, kind: str, name: str, line: str) -> None:
        if kind in ("ipset", "group") and not name:
            self.section = None
            self.unparsed.append(line)
            return
        self.sections += 1
        self.section, self.name = kind, name
        if kind == "ipset":
            self.ipsets.setdefault(name, [])
        elif kind == "group":
            self.groups.setdefault(name, [])

    def _option(self, line: str) -> None:
        if option := _OPTION.match(line):
            self.options[option["key"].lower()] = option["value"]
        else:
            self.unparsed.append(line)

    def _alias(self, line: str) -> None:
        body = line.split("#", 1)[0].strip()
        if alias := _ALIAS.match(body):
            self.aliases[alias["name"].lower()] = alias["cidr"]
        else:
            self.unparsed.append(line)

    def _ipset_entry(self, line: str) -> None:
        body = line.split("#", 1)[0].strip()
        if not body or " " in body:
            self.unparsed.append(line)
            return
        nomatch = body.startswith("!")
        self.ipsets[self.name].append(PveIpsetEntry(address=body.lstrip("!"), nomatch=nomatch))


def parse_rule(line: str) -> PveRule:
    """One rule line, as ``parse_fw_rule`` splits it."""
    body, _, comment = line.partition("#")
    body = body.strip()
    enabled = not body.startswith("|")
    words = body.lstrip("|").split()
    if len(words) < 2:
        return PveRule(
            line=line, enabled=enabled, direction="", action="", error="no DIRECTION ACTION"
        )
    direction, action = words[0].lower(), words[1]
    macro: str | None = None
    if direction in ("in", "out") and (found := _MACRO.match(action)):
        macro, action = found["macro"], found["action"]
    elif direction == "group":
        action = action.lower()
    options: dict[RuleOption, str] = {}
    error: str | None = None
    rest = words[2:]
    while rest and error is None:
        key = _RULE_OPTIONS.get(rest[0].lstrip("-")) if rest[0].startswith("-") else None
        if key is None or len(rest) < 2 or (direction == "group" and key != "iface"):
            error = f"option {rest[0]!r} is not understood"
        else:
            options[key] = rest[1]
            rest = rest[2:]
    return PveRule(
        line=line,
        enabled=enabled,
        direction=direction,
        action=action,
        macro=macro,
        options=options,
        comment=comment.strip() or None,
        error=error,
    )
