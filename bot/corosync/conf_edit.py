"""Edits to a parsed corosync.conf that leave every other byte alone, and the diff an operator sees.

Each edit takes a ``ConfDocument`` and returns a new one; the input is never changed. Edits touch
only the lines they must: a changed value keeps the key, separator and trailing blanks of its
line; a new line copies the indentation and line ending of its neighbours. Every result is parsed
again with corosync's grammar and checked to say what was asked, so an edit either does exactly
that or raises ``ConfEditError`` (bad input, or a file shape we will not guess about).

``unified_diff`` shows the serialized bytes before and after, so the preview is what lands on disk.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping

from bot.corosync.conf import (
    ConfDocument,
    ConfItem,
    ConfLine,
    ConfParseError,
    ConfSection,
    parse_conf,
    split_lines,
)
from bot.corosync.conf_model import MAX_LINKS, CorosyncConf, NodeConfig
from bot.corosync.conf_values import U64_MAX, CType, c_integer
from bot.errors import BotError

NodeRef = str | int
"""A node by name (``str``) or by nodeid (``int``)."""

_KEY = re.compile(r"[A-Za-z0-9_-]+")
# What corosync strips around values (coroparse.c); "\udca0" is a lone 0xA0 byte read with
# errors="surrogateescape".
_BLANKS = " \t\udca0"
_DEFAULT_INDENT_UNIT = "  "  # pve-cluster's write_conf indents by two spaces


class ConfEditError(BotError):
    """An edit was refused; nothing was changed and the message says why."""


def set_totem_key(doc: ConfDocument, key: str, value: str) -> ConfDocument:
    """Set ``totem.<key>``: rewrite the value corosync uses, or add the key to the last totem."""
    _check_key(key)
    _check_value(value, f"totem.{key}")
    texts = _texts(doc)
    occurrences = _totem_items(doc, key)
    if occurrences:
        target = occurrences[-1]  # later keys overwrite earlier ones in cmap
        texts[target.index] = _with_value(doc.lines[target.index], value)
    else:
        totems = doc.sections("totem")
        if not totems:
            raise ConfEditError(f"corosync.conf has no totem section to add {key!r} to")
        texts = _insert_item(doc, texts, totems[-1], key, value)
    new = _reparse(texts)
    if CorosyncConf.from_document(new).totem.raw.get(key) != value:
        raise ConfEditError(f"totem.{key}: {value!r} would not read back as written")
    return new


def remove_totem_key(doc: ConfDocument, key: str) -> ConfDocument:
    """Remove every ``totem.<key>`` line (all of them, so no earlier one takes over)."""
    drop = {item.index for item in _totem_items(doc, key)}
    return _reparse([t for i, t in enumerate(_texts(doc)) if i not in drop])


def set_ring_addr(doc: ConfDocument, node: NodeRef, link: int, address: str) -> ConfDocument:
    """Set ``ring<link>_addr`` of one node, found by name or nodeid."""
    _check_link(link)
    _check_address(address)
    section = _find_node(doc, node)
    for other in CorosyncConf.from_document(doc).nodes:
        if other.line != section.number and address in other.ring_addrs.values():
            raise ConfEditError(f"address {address} is already used by {other.label}")
    key = f"ring{link}_addr"
    texts = _texts(doc)
    item = section.last_item(key)
    if item is not None:
        texts[item.index] = _with_value(doc.lines[item.index], address)
    else:
        texts = _insert_item(doc, texts, section, key, address)
    new = _reparse(texts)
    # Found again by position: a node known by its ring0_addr changes identity here.
    if _node_at(new, section.open_index).ring_addr(link) != address:
        raise ConfEditError(f"{key} of node {node!r} would not read back as {address!r}")
    return new


def add_node(
    doc: ConfDocument,
    name: str,
    nodeid: int,
    ring_addrs: Mapping[int, str],
    quorum_votes: int | None = None,
) -> ConfDocument:
    """Append a ``node { }`` block to the last nodelist, in the style of the nodes already there."""
    _check_word(name, "node name")
    if not 1 <= nodeid <= CType.UINT32.high or isinstance(nodeid, bool):
        raise ConfEditError(f"nodeid must be between 1 and {CType.UINT32.high}, not {nodeid!r}")
    if quorum_votes is not None and not 0 <= quorum_votes <= CType.UINT32.high:
        raise ConfEditError(f"quorum_votes must be between 0 and {CType.UINT32.high}")
    if 0 not in ring_addrs:
        raise ConfEditError("a node needs at least ring0_addr")
    for link, address in ring_addrs.items():
        _check_link(link)
        _check_address(address)
    conf = CorosyncConf.from_document(doc)
    for other in conf.nodes:
        if other.name == name:
            raise ConfEditError(f"a node named {name!r} already exists (line {other.line})")
        if other.nodeid == nodeid:
            raise ConfEditError(f"nodeid {nodeid} is already used by {other.label}")
        for address in set(other.ring_addrs.values()) & set(ring_addrs.values()):
            # pve-cluster refuses this too: two nodes on one address can crash the cluster.
            raise ConfEditError(f"address {address} is already used by {other.label}")
    nodelists = doc.sections("nodelist")
    if not nodelists:
        raise ConfEditError("corosync.conf has no nodelist section to add a node to")
    texts = _texts(doc)
    at = _after_last_node(nodelists[-1])
    texts[at:at] = _node_block(doc, nodelists[-1], name, nodeid, ring_addrs, quorum_votes)
    new = _reparse(texts)
    added = _node_at(new, _find_node(new, name).open_index)
    if added.nodeid != nodeid or added.ring_addrs != dict(sorted(ring_addrs.items())):
        raise ConfEditError(f"node {name!r} would not read back as written")
    return new


def remove_node(doc: ConfDocument, node: NodeRef) -> ConfDocument:
    """Remove one node's ``node { … }`` block, found by name or nodeid."""
    section = _find_node(doc, node)
    texts = _texts(doc)
    del texts[section.open_index : section.close_index + 1]
    return _reparse(texts)


def bump_config_version(doc: ConfDocument) -> ConfDocument:
    """Raise ``totem.config_version`` by one (to 1 when missing); never lowers it."""
    occurrences = _totem_items(doc, "config_version")
    if not occurrences:
        return set_totem_key(doc, "config_version", "1")
    written = occurrences[-1].value
    current = c_integer(written, CType.UINT64)
    if current is None:
        raise ConfEditError(
            f"config_version is {written!r}, which corosync cannot read as a number; "
            "correct it by hand before changing anything else"
        )
    if current == U64_MAX:
        raise ConfEditError(f"config_version is already the largest possible value ({U64_MAX})")
    return set_totem_key(doc, "config_version", str(current + 1))


def unified_diff(
    before: ConfDocument | str, after: ConfDocument | str, path: str, context: int = 3
) -> str:
    """The unified diff of the two serialized files; empty when nothing changes."""
    old = split_lines(before if isinstance(before, str) else before.text)
    new = split_lines(after if isinstance(after, str) else after.text)
    out: list[str] = []
    for line in difflib.unified_diff(old, new, fromfile=path, tofile=path, n=context):
        out.append(line)
        if not line.endswith("\n"):
            out.append("\n\\ No newline at end of file\n")  # as GNU diff marks it
    return "".join(out)


# --- finding things ------------------------------------------------------------------------


def _texts(doc: ConfDocument) -> list[str]:
    return [line.text for line in doc.lines]


def _reparse(texts: Iterable[str]) -> ConfDocument:
    parsed = parse_conf("".join(texts))
    if isinstance(parsed, ConfParseError):
        reason = parsed.corosync_style("corosync.conf")
        raise ConfEditError(f"the edit would make corosync.conf unreadable: {reason}")
    return parsed


def _totem_items(doc: ConfDocument, key: str) -> list[ConfItem]:
    return [item for totem in doc.sections("totem") for item in totem.items if item.key == key]


def _node_sections(doc: ConfDocument) -> list[ConfSection]:
    return [node for nodelist in doc.sections("nodelist") for node in nodelist.sections("node")]


def _matches(section: ConfSection, ref: NodeRef) -> bool:
    if isinstance(ref, str):
        # Like pve-cluster's parse_conf, a node without a name is known by its ring0_addr.
        return (section.get("name") or section.get("ring0_addr")) == ref
    return c_integer(section.get("nodeid") or "", CType.UINT32) == ref


def _find_node(doc: ConfDocument, ref: NodeRef) -> ConfSection:
    if isinstance(ref, bool) or not isinstance(ref, str | int):
        raise ConfEditError(f"a node is named by its name or nodeid, not {ref!r}")
    found = [section for section in _node_sections(doc) if _matches(section, ref)]
    what = f"name {ref!r}" if isinstance(ref, str) else f"nodeid {ref}"
    if not found:
        raise ConfEditError(f"no node with {what} in corosync.conf")
    if len(found) > 1:
        lines = ", ".join(str(s.number) for s in found)
        raise ConfEditError(f"{len(found)} nodes have {what} (lines {lines}); fix that first")
    return found[0]


def _node_at(doc: ConfDocument, open_index: int) -> NodeConfig:
    """The typed view of the node whose ``node {`` line is at ``open_index``."""
    number = doc.lines[open_index].number
    return next(n for n in CorosyncConf.from_document(doc).nodes if n.line == number)


# --- writing lines in the file's own style ---------------------------------------------------


def _check_key(key: str) -> None:
    if not _KEY.fullmatch(key):
        raise ConfEditError(f"{key!r} is not a corosync key (letters, digits, _ and - only)")


def _check_value(value: str, what: str) -> None:
    if any(c in value for c in "\n\r\0"):
        raise ConfEditError(f"{what}: a value must fit on one line")
    if "{" in value:
        raise ConfEditError(f"{what}: corosync would read a '{{' in a value as a new section")
    if value != value.strip(_BLANKS + "\xa0"):
        raise ConfEditError(f"{what}: corosync strips blanks around values; leave them out")


def _check_word(value: str, what: str) -> None:
    _check_value(value, what)
    if not value or any(c.isspace() or c in ":}#" for c in value):
        raise ConfEditError(f"{what} {value!r} must be one word without ':', '}}' or '#'")


def _check_address(address: str) -> None:
    _check_word(address, "address")


def _check_link(link: int) -> None:
    if isinstance(link, bool) or not 0 <= link < MAX_LINKS:
        raise ConfEditError(f"link must be 0..{MAX_LINKS - 1}, not {link!r}")


def _with_value(line: ConfLine, value: str) -> str:
    """``line`` with its value replaced; key, separator, trailing blanks and ending kept."""
    eol = line.eol
    body = line.text[: len(line.text) - len(eol)]
    cr = ""
    if not eol and body.endswith("\r"):  # corosync drops a last "\r" even without "\n"
        body, cr = body[:-1], "\r"
    start = body.index(":") + 1
    while start < len(body) and body[start] in _BLANKS:
        start += 1
    kept = body.rstrip(_BLANKS)
    if start > len(kept):  # the old value was empty: "key:" or "key:   "
        return f"{kept} {value}{cr}{eol}"
    return f"{body[:start]}{value}{body[len(kept) :]}{cr}{eol}"


def _dominant_eol(doc: ConfDocument) -> str:
    crlf = sum(1 for line in doc.lines if line.eol == "\r\n")
    lf = sum(1 for line in doc.lines if line.eol == "\n")
    return "\r\n" if crlf > lf else "\n"


def _eol_near(doc: ConfDocument, index: int) -> str:
    """The line ending of the line before ``index`` (or after it), else the file's usual one."""
    for candidate in (index - 1, index):
        if 0 <= candidate < len(doc.lines) and doc.lines[candidate].eol:
            return doc.lines[candidate].eol
    return _dominant_eol(doc)


def _first_line(child: ConfItem | ConfSection) -> int:
    return child.index if isinstance(child, ConfItem) else child.open_index


def _last_line(child: ConfItem | ConfSection) -> int:
    return child.index if isinstance(child, ConfItem) else child.close_index


def _name(child: ConfItem | ConfSection) -> str:
    return child.key if isinstance(child, ConfItem) else child.name


def _indent_unit(doc: ConfDocument) -> str:
    """How much deeper a child is indented than its section, as seen in this file."""
    saw_nested = False
    pending = list(doc.sections())
    while pending:
        section = pending.pop(0)
        parent = doc.lines[section.open_index].indent
        for child in section.children:
            saw_nested = True
            indent = doc.lines[_first_line(child)].indent
            if indent != parent and indent.startswith(parent):
                return indent[len(parent) :]
        pending.extend(section.sections())
    return "" if saw_nested else _DEFAULT_INDENT_UNIT


def _child_indent(doc: ConfDocument, section: ConfSection) -> str:
    if section.children:
        return doc.lines[_first_line(section.children[0])].indent
    return doc.lines[section.open_index].indent + _indent_unit(doc)


def _insert_position(section: ConfSection, key: str) -> int:
    """Where a new ``key`` goes: its sorted place if the section is sorted (pve-cluster writes
    sorted keys), else after the last key, else right after ``name {``."""
    children = section.children
    names = [_name(c) for c in children]
    if children and names == sorted(names):
        for child in children:
            if _name(child) > key:
                return _first_line(child)
        return _last_line(children[-1]) + 1
    if section.items:
        return section.items[-1].index + 1
    return section.open_index + 1


def _insert_item(
    doc: ConfDocument, texts: list[str], section: ConfSection, key: str, value: str
) -> list[str]:
    position = _insert_position(section, key)
    line = f"{_child_indent(doc, section)}{key}: {value}{_eol_near(doc, position)}"
    return [*texts[:position], line, *texts[position:]]


def _after_last_node(nodelist: ConfSection) -> int:
    nodes = nodelist.sections("node")
    return nodes[-1].close_index + 1 if nodes else nodelist.close_index


def _node_block(
    doc: ConfDocument,
    nodelist: ConfSection,
    name: str,
    nodeid: int,
    ring_addrs: Mapping[int, str],
    quorum_votes: int | None,
) -> list[str]:
    siblings = nodelist.sections("node")
    eol = _eol_near(doc, _after_last_node(nodelist))
    if siblings:
        outer = doc.lines[siblings[-1].open_index].indent
        inner = _child_indent(doc, siblings[-1])
    else:
        outer = _child_indent(doc, nodelist)
        inner = outer + _indent_unit(doc)
    keys: list[tuple[str, str]] = [("name", name), ("nodeid", str(nodeid))]
    if quorum_votes is not None:
        keys.append(("quorum_votes", str(quorum_votes)))
    keys += [(f"ring{link}_addr", addr) for link, addr in sorted(ring_addrs.items())]
    return [
        f"{outer}node {{{eol}",
        *(f"{inner}{key}: {value}{eol}" for key, value in keys),
        f"{outer}}}{eol}",
    ]
