"""What the rules of an ``nft list ruleset`` listing do to one corosync packet, as verdict hooks.

Every base chain on the packet's path (``ingress``/``prerouting``/``input`` in,
``output``/``postrouting``/``egress`` out) becomes a ``Hook``, ordered by stage and priority:
nftables lets a packet through only if every base chain accepts it, and a drop anywhere is final.
A rule is read left to right; its expressions are ANDed, so the first that cannot match ends
it, and the first that is not understood makes the whole rule a *maybe* (with ``unknown`` as
its verdict when none follows). Expressions on a header the packet does not have (``ip saddr``
on IPv6, ``iifname`` in ``output``) never match, whatever their operator: nftables breaks off
the rule when the data is missing.
"""

from __future__ import annotations

from bot.corosync.tools.firewall_match import (
    ESTABLISHED_NOTE,
    NO,
    YES,
    Match,
    Packet,
    all_of,
    any_of,
    by_chance,
    interface_matches,
    is_yes,
    maybe,
    negate,
)
from bot.corosync.tools.firewall_nft import NftRule, NftRuleset, NftTable
from bot.corosync.tools.firewall_nft_selectors import (
    OTHER_L4,
    Selector,
    compare_port,
    selector_for,
)
from bot.corosync.tools.firewall_nft_values import (
    Group,
    Item,
    Values,
    parse_items,
    split_vmap_element,
)
from bot.corosync.tools.firewall_verdict import Hook, Step, StepAction

__all__ = ["nft_hooks"]

_STAGES = {"in": ("ingress", "prerouting", "input"), "out": ("output", "postrouting", "egress")}
_CONNTRACK_PRIORITY = -200  # NF_IP_PRI_CONNTRACK: notrack only works in chains before it
_TERMINAL = {"accept": "accept", "drop": "drop", "return": "return", "continue": "continue"}
_OPERATORS = frozenset({"==", "!=", "eq", "ne", "<", ">", "<=", ">=", "lt", "gt", "le", "ge"})
_SET_STATEMENT = frozenset({"add", "update", "delete"})


def nft_hooks(ruleset: NftRuleset, packet: Packet) -> list[Hook]:
    """The base chains the packet passes, in order, with their rules matched against it."""
    untracked = _untracked(ruleset, packet)
    ordered: list[tuple[int, int, int, Hook]] = []
    stages = _STAGES[packet.direction]
    for position, table in enumerate(ruleset.tables):
        applies = _table_applies(table, packet)
        if applies.value == "no" or "dormant" in table.flags:
            continue
        chains = {
            chain.name: [_step(rule, packet, table, untracked) for rule in chain.rules]
            for chain in table.chains
        }
        for chain in table.chains:
            if chain.hook not in stages or chain.type is None:
                continue
            device = interface_matches(chain.device, packet, wildcard="*") if chain.device else YES
            hook = Hook(
                name=f"{table.family} {table.name} {chain.name}",
                chains=chains,
                start=chain.name,
                policy=chain.policy or "accept",
                policy_line=chain.definition,
                applies=all_of([applies, device]),
            )
            ordered.append((stages.index(chain.hook), chain.priority or 0, position, hook))
    return [hook for *_, hook in sorted(ordered, key=lambda o: o[:3])]


def _table_applies(table: NftTable, packet: Packet) -> Match:
    family = packet.family
    if table.family in ("ip", "ip6"):
        if family is None:
            return maybe("the address family is not given")
        return is_yes(family == (4 if table.family == "ip" else 6))
    if table.family == "bridge":
        return maybe("bridge-family rules see the packet only when it crosses a bridge")
    return NO if table.family == "arp" else YES


def _untracked(ruleset: NftRuleset, packet: Packet) -> Match:
    """Whether a ``notrack`` rule that runs before conntrack exempts the packet from it."""
    first_hook = "prerouting" if packet.direction == "in" else "output"
    found: list[Match] = []
    for table in ruleset.tables:
        if _table_applies(table, packet).value == "no" or "dormant" in table.flags:
            continue
        for chain in table.chains:
            early = chain.hook == first_hook and (chain.priority or 0) < _CONNTRACK_PRIORITY
            if chain.hook is not None and not early:
                continue
            for rule in chain.rules:
                reader = _RuleReader(rule, packet, table, NO)
                reader.read()
                if reader.notrack:
                    reached = YES if chain.hook else maybe(f"whether {chain.name} is reached")
                    found.append(all_of([reader.match(), reached]))
    return any_of(found)


def _step(rule: NftRule, packet: Packet, table: NftTable, untracked: Match) -> Step:
    reader = _RuleReader(rule, packet, table, untracked)
    reader.read()
    action = reader.action
    note = ESTABLISHED_NOTE if reader.established and action == "accept" else None
    return Step(
        line=rule.line,
        match=reader.match(),
        action=action,
        target=reader.target,
        why=reader.why,
        skipped_note=note,
    )


class _RuleReader:
    """Reads one rule's items into a match and a verdict."""

    def __init__(self, rule: NftRule, packet: Packet, table: NftTable, untracked: Match) -> None:
        items = parse_items(rule.text)
        self.items: list[Item] = items or []
        self.parsed = items is not None
        self.values = Values(table)
        self.packet = packet
        self.table = table
        self.untracked = untracked
        self.position = 0
        self.parts: list[Match] = []
        self.action: StepAction = "continue"
        self.target: str | None = None
        self.why: str | None = None
        self.established = False
        self.notrack = False
        self.done = False

    def match(self) -> Match:
        return all_of(self.parts)

    def read(self) -> None:
        if not self.parsed:
            self._give_up("the rule's braces or quotes do not balance")
            return
        while self.position < len(self.items) and not self.done:
            if any(part.value == "no" for part in self.parts):
                # It can never match; only its verdict is still wanted, for the notes.
                self._verdict_ahead()
                return
            item = self.take()
            if isinstance(item, Group):
                self._give_up("a set where an expression was expected")
            elif item in _TERMINAL:
                self._verdict(_TERMINAL[item])
            else:
                self._word(item)

    def take(self) -> Item:
        item = self.items[self.position] if self.position < len(self.items) else ""
        self.position += 1
        return item

    def peek(self) -> Item:
        return self.items[self.position] if self.position < len(self.items) else ""

    def _word(self, word: str) -> None:
        if word in ("jump", "goto"):
            target = self.take()
            self._verdict(word, target.strip('"') if isinstance(target, str) else None)
        elif word == "reject":
            self._verdict("reject")
        elif word in ("masquerade", "snat"):
            self._verdict("accept")  # source NAT ends the chain and lets the packet through
        elif word in ("dnat", "redirect", "tproxy", "fwd"):
            self._verdict("unknown", why=f"{word} sends the packet somewhere else")
        elif word in ("queue", "synproxy"):
            self._verdict("unknown", why=f"{word} hands the packet to something that decides")
        elif word == "notrack":
            self.notrack = True
        elif word in ("counter", "log", "comment", "limit", "quota", "dup"):
            self._statement(word)
        elif word in _SET_STATEMENT and str(self.peek()).startswith("@"):
            self.take()
            if isinstance(self.peek(), Group):
                self.take()
        elif word == "numgen":
            self.parts.append(self._numgen())
        else:
            self._expression(word)

    def _statement(self, word: str) -> None:
        """Skip a statement's arguments; ``limit`` and ``quota`` also decide on matching."""
        if word == "limit":
            self.parts.append(maybe("a rate limit (limit rate) decides"))
        if word == "quota":
            self.parts.append(maybe("a quota decides"))
        arguments = {
            "counter": {"packets", "bytes", "name"},
            "log": {"prefix", "level", "flags", "group", "snaplen", "queue-threshold"},
            "comment": set(),
            "limit": {"rate", "over", "burst", "until", "name"},
            "quota": {"over", "until", "used", "name"},
            "dup": {"to", "device"},
        }[word]
        if word == "comment":
            self.take()
            return
        while (peek := self.peek()) and isinstance(peek, str) and peek in arguments:
            self.take()
            while (value := self.peek()) and not _is_keyword(value):
                self.take()
        if word in ("limit", "quota"):
            while (value := self.peek()) and not _is_keyword(value):
                self.take()

    def _expression(self, word: str) -> None:
        selector = selector_for(self, word)
        if selector is None:
            self._give_up(f"'{word}'")
            return
        if isinstance(selector, Match):
            self.parts.append(selector)
            return
        if self.peek() == ".":
            self._give_up("a concatenation of several fields")
            return
        operator = "=="
        if isinstance(peek := self.peek(), str) and peek in _OPERATORS:
            operator = str(self.take())
        if self.peek() == "set":
            self.take()
            self.take()  # a statement that changes the packet, e.g. meta mark set 0x1
            return
        if self.peek() == "vmap":
            self.take()
            self._vmap(selector, self.take())
            return
        value = self.take()
        self.parts.append(self._judge(selector, operator, value))

    def _judge(self, selector: Selector, operator: str, value: Item) -> Match:
        if selector.requires.value == "no":
            return NO
        if isinstance(value, Group):
            matched = any_of(selector.judge(element) for element in value.elements)
        elif value.startswith("@"):
            matched = self.values.in_set(value[1:], selector.judge)
        elif operator in ("==", "eq", "!=", "ne"):
            matched = selector.judge(value)
        elif selector.kind == "port":
            matched = compare_port(self.packet.port, operator, value)
        else:
            matched = maybe(f"'{operator} {value}' is not understood")
        if operator in ("!=", "ne"):
            matched = negate(matched)
        return all_of([selector.requires, matched])

    def _vmap(self, selector: Selector, value: Item) -> None:
        if isinstance(value, str) and value.startswith("@"):
            elements = self.values.map_elements(value[1:])
        else:
            elements = value.elements if isinstance(value, Group) else None
        if elements is None or selector.requires.value == "maybe":
            self._verdict("unknown", why="a verdict map decides")
            self.parts.append(maybe("which entry of a verdict map applies"))
            return
        if selector.requires.value == "no":
            self.parts.append(NO)
            return
        results = [
            (selector.judge(key), verdict) for key, verdict in map(split_vmap_element, elements)
        ]
        hits = [verdict for matched, verdict in results if matched.value == "yes"]
        if any(matched.value == "maybe" for matched, _ in results) or len(hits) > 1:
            self._verdict("unknown", why="a verdict map decides")
            self.parts.append(maybe("which entry of a verdict map applies"))
        elif not hits:
            self.parts.append(NO)
        else:
            verdict = hits[0].split()
            if verdict and verdict[0] in ("jump", "goto") and len(verdict) > 1:
                self._verdict(verdict[0], verdict[1].strip('"'))
            elif verdict and verdict[0] in (*_TERMINAL, "reject"):
                self._verdict(_TERMINAL.get(verdict[0], "reject"))
            else:
                self._verdict("unknown", why=f"verdict {hits[0]!r} is not understood")

    def _verdict(self, action: str, target: str | None = None, why: str | None = None) -> None:
        allowed: dict[str, StepAction] = {
            "accept": "accept",
            "drop": "drop",
            "reject": "reject",
            "return": "return",
            "continue": "continue",
            "jump": "jump",
            "goto": "goto",
        }
        self.action = allowed.get(action, "unknown")
        self.target = target
        self.why = why
        self.done = True

    def _give_up(self, why: str) -> None:
        """Make the rule a maybe, keeping the verdict it ends with when one can be seen."""
        self.parts.append(maybe(f"{why} is not understood"))
        if not self._verdict_ahead():
            self._verdict("unknown", why=f"{why} is not understood")

    def _verdict_ahead(self) -> bool:
        """Take the verdict found among the items not read yet; False when there is none."""
        rest = self.items[self.position :]
        for index, item in enumerate(rest):
            if item in _TERMINAL or item == "reject":
                self._verdict(_TERMINAL.get(str(item), "reject"))
                return True
            if item in ("jump", "goto") and index + 1 < len(rest):
                target = rest[index + 1]
                self._verdict(str(item), target.strip('"') if isinstance(target, str) else None)
                return True
        return False

    def _numgen(self) -> Match:
        words = [self.take() for _ in range(5)]
        if words[0] == "random" and words[1] == "mod" and words[3] == "<":
            try:
                return by_chance(int(str(words[4])) / int(str(words[2])), "random (numgen)")
            except (ValueError, ZeroDivisionError):
                pass
        return maybe("numgen decides")


def _is_keyword(item: Item) -> bool:
    """Words that start the next expression or statement."""
    if not isinstance(item, str):
        return False
    return item in _TERMINAL or item in _KEYWORDS


_KEYWORDS = frozenset(
    {
        *("ip", "ip6", "udp", "th", "meta", "ct", "fib", "iifname", "oifname", "iif", "oif"),
        *("counter", "log", "comment", "limit", "quota", "notrack", "numgen", "reject"),
        *("jump", "goto", "masquerade", "snat", "dnat", "redirect", "queue", "dup", "fwd"),
        *OTHER_L4,
    }
)
