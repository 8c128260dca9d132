"""The pieces of an nft rule: words, quoted strings and ``{ … }`` sets, and named set lookups."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.corosync.tools.firewall_match import Match, any_of, maybe
from bot.corosync.tools.firewall_nft import NftTable, split_top_level

__all__ = ["Group", "Item", "Values", "parse_items", "split_vmap_element"]


@dataclass(frozen=True)
class Group:
    """An anonymous set ``{ a, b, c-d }``: each element's text, blanks collapsed."""

    elements: tuple[str, ...]


Item = str | Group


def parse_items(text: str) -> list[Item] | None:
    """Words (quotes kept) and brace groups; None when braces or quotes do not balance."""
    items: list[Item] = []
    position, end = 0, len(text)
    while position < end:
        char = text[position]
        if char.isspace():
            position += 1
        elif char == "{":
            closing = _closing_brace(text, position)
            if closing < 0:
                return None
            inner = split_top_level(text[position + 1 : closing])
            items.append(Group(tuple(" ".join(e.split()) for e in inner if e.strip())))
            position = closing + 1
        elif char == "}":
            return None
        elif char == '"':
            closing = text.find('"', position + 1)
            if closing < 0:
                return None
            items.append(text[position : closing + 1])
            position = closing + 1
        else:
            start = position
            while position < end and not text[position].isspace() and text[position] not in '{}"':
                position += 1
            items.append(text[start:position])
    return items


def _closing_brace(text: str, opening: int) -> int:
    depth = 0
    quoted = False
    for position in range(opening, len(text)):
        char = text[position]
        if char == '"':
            quoted = not quoted
        elif not quoted and char == "{":
            depth += 1
        elif not quoted and char == "}":
            depth -= 1
            if depth == 0:
                return position
    return -1


def split_vmap_element(element: str) -> tuple[str, str]:
    """``key : verdict`` -> (key, verdict); a key without a verdict maps to ``""``."""
    key, _, verdict = element.partition(" : ")
    return key.strip(), verdict.strip()


class Values:
    """Named sets and maps of one table, looked up by ``@name``."""

    def __init__(self, table: NftTable) -> None:
        self.table = table

    def in_set(self, name: str, judge: Callable[[str], Match]) -> Match:
        """Whether the packet's value is in set ``name``, each element judged by ``judge``."""
        found = self.table.set(name)
        if found is None:
            return maybe(f"set {name} is not in the listing")
        if found.kind == "map" or " . " in (found.type or "") or ":" in (found.type or ""):
            return maybe(f"set {name} holds {found.type or 'values'} this check cannot compare")
        if found.changes_at_run_time:
            return maybe(f"set {name} changes at run time (flags {', '.join(found.flags)})")
        keys = [element.split(" ", 1)[0] for element in found.elements]
        return any_of(judge(key) for key in keys)

    def map_elements(self, name: str) -> tuple[str, ...] | None:
        """The ``key : verdict`` elements of verdict map ``name``; None when not usable."""
        found = self.table.set(name)
        if found is None or found.kind != "map" or found.changes_at_run_time:
            return None
        if not (found.type or "").endswith(": verdict") or " . " in (found.type or ""):
            return None
        return found.elements
