"""What the rules of an ``iptables-save`` listing do to one corosync packet, as verdict hooks.

Each built-in chain the packet passes becomes a ``Hook`` for ``firewall_verdict.decide``, with
every rule matched against the packet: yes, no or maybe (an ipset, an interface not given, a
module this check cannot evaluate). Targets that rewrite the destination (``DNAT``,
``REDIRECT``) or hand the packet to a program (``NFQUEUE``) give ``unknown``, never a guess.
"""

from __future__ import annotations

from bot.corosync.tools.firewall_iptables import IptablesRule, IptablesRuleset, IptablesTable
from bot.corosync.tools.firewall_match import (
    ESTABLISHED_NOTE,
    NO,
    YES,
    Match,
    Packet,
    address_in,
    address_type_is,
    all_of,
    any_of,
    by_chance,
    conntrack_state,
    interface_matches,
    maybe,
    negate,
    port_in,
    port_in_list,
)
from bot.corosync.tools.firewall_verdict import Hook, Step, StepAction

__all__ = ["iptables_hooks"]

# Netfilter hook order for a packet to this node (in) or from it (out); each table's built-in
# chain at that hook, lowest priority first (raw -300, mangle -150, nat -100, filter 0,
# security 50, nat INPUT/POSTROUTING 100).
_HOOKS: dict[str, tuple[tuple[str, str], ...]] = {
    "in": (
        ("raw", "PREROUTING"),
        ("mangle", "PREROUTING"),
        ("nat", "PREROUTING"),
        ("mangle", "INPUT"),
        ("filter", "INPUT"),
        ("security", "INPUT"),
        ("nat", "INPUT"),
    ),
    "out": (
        ("raw", "OUTPUT"),
        ("mangle", "OUTPUT"),
        ("nat", "OUTPUT"),
        ("filter", "OUTPUT"),
        ("security", "OUTPUT"),
        ("mangle", "POSTROUTING"),
        ("nat", "POSTROUTING"),
    ),
}
_LEGACY_LINE = "# Warning: iptables-legacy tables present, use iptables-legacy-save to see them"


def iptables_hooks(ruleset: IptablesRuleset, packet: Packet) -> list[Hook]:
    """The built-in chains the packet passes, with their rules matched against it.

    The caller checks that the listing's address family is the packet's (``iptables-save``
    for IPv4, ``ip6tables-save`` for IPv6): the rules of one say nothing about the other.
    """
    untracked = _untracked(ruleset.table("raw"), packet)
    hooks: list[Hook] = []
    for table_name, chain_name in _HOOKS[packet.direction]:
        table = ruleset.table(table_name)
        base = table.chain(chain_name) if table else None
        if table is None or base is None:
            continue
        names = {c.name for c in table.chains}
        chains = {
            c.name: [_step(rule, packet, names, untracked) for rule in c.rules]
            for c in table.chains
        }
        policy = (base.policy or "ACCEPT").upper()
        hooks.append(
            Hook(
                name=f"{table_name} {chain_name}",
                chains=chains,
                start=chain_name,
                policy="drop" if policy == "DROP" else "accept",
                policy_line=base.policy_line,
            )
        )
    if ruleset.legacy_tables_present:
        # The rules of the other backend are not in this listing and may drop the packet.
        why = "iptables-legacy tables are present and not in this listing (iptables-legacy-save)"
        unseen = Step(line=_LEGACY_LINE, match=YES, action="unknown", why=why)
        hooks.append(
            Hook(
                name="iptables-legacy",
                chains={"legacy": [unseen]},
                start="legacy",
                policy="accept",
                policy_line=None,
            )
        )
    return hooks


def _untracked(raw: IptablesTable | None, packet: Packet) -> Match:
    """Whether a raw-table rule exempts the packet from conntrack (``-j CT --notrack``)."""
    if raw is None:
        return NO
    base = "PREROUTING" if packet.direction == "in" else "OUTPUT"
    found: list[Match] = []
    for chain in raw.chains:
        for rule in chain.rules:
            if not _is_notrack(rule.arguments):
                continue
            reader = _RuleReader(rule.arguments, packet, NO)
            matched = reader.read()
            # A rule in a user chain only counts if something jumps there: not followed here.
            found.append(matched if chain.name == base else all_of([matched, maybe(_USER)]))
    return any_of(found)


_USER = "whether a user chain of the raw table is reached"


def _is_notrack(words: tuple[str, ...]) -> bool:
    for index, word in enumerate(words[:-1]):
        if word in ("-j", "--jump"):
            target = words[index + 1]
            return target == "NOTRACK" or (target == "CT" and "--notrack" in words[index + 2 :])
    return False


# Targets that do something and let the packet go on to the next rule.
_NON_TERMINAL = frozenset(
    [
        *("LOG", "NFLOG", "ULOG", "MARK", "CONNMARK", "CT", "NOTRACK", "TRACE", "SET"),
        *("AUDIT", "TOS", "DSCP", "TTL", "HL", "CLASSIFY", "CHECKSUM", "TCPMSS", "TEE"),
        *("SECMARK", "CONNSECMARK", "IDLETIMER", "LED", "RATEEST", "HMARK"),
    ]
)
# Source NAT ends the nat chain and lets the packet through unchanged in its destination.
_SOURCE_NAT = frozenset({"SNAT", "MASQUERADE"})
# Destination NAT sends the packet somewhere else: corosync on this node may never see it.
_DESTINATION_NAT = frozenset({"DNAT", "REDIRECT", "NETMAP", "TPROXY"})
_QUEUE = frozenset({"QUEUE", "NFQUEUE"})
_ENDING: dict[str, StepAction] = {"DROP": "drop", "REJECT": "reject", "RETURN": "return"}
_UNDERSTOOD_MODULES = frozenset(
    {"udp", "multiport", "conntrack", "state", "statistic", "addrtype", "iprange", "set", "comment"}
)
_OTHER_PROTOCOLS = frozenset({"tcp", "icmp", "icmpv6", "icmp6", "sctp", "dccp", "esp", "ah"})


def _step(rule: IptablesRule, packet: Packet, chains: set[str], untracked: Match) -> Step:
    reader = _RuleReader(rule.arguments, packet, untracked)
    match = reader.read()
    action, target, why = _target(reader.target, reader.goto, chains)
    note = ESTABLISHED_NOTE if reader.established and action == "accept" else None
    return Step(
        line=rule.line, match=match, action=action, target=target, why=why, skipped_note=note
    )


def _target(
    target: str | None, goto: bool, chains: set[str]
) -> tuple[StepAction, str | None, str | None]:
    if target is None:
        return "continue", None, None
    if target in chains:
        return ("goto" if goto else "jump"), target, None
    if target == "ACCEPT" or target in _SOURCE_NAT:
        return "accept", None, None
    if target in _ENDING:
        return _ENDING[target], None, None
    if target in _NON_TERMINAL:
        return "continue", None, None
    if target in _DESTINATION_NAT:
        return "unknown", None, f"{target} rewrites where the packet goes"
    if target in _QUEUE:
        return "unknown", None, f"{target} hands the packet to a program that decides"
    return "unknown", None, f"target {target} is not understood"


class _RuleReader:
    """Reads one rule's arguments into a Match, noting its target."""

    def __init__(self, words: tuple[str, ...], packet: Packet, untracked: Match) -> None:
        self.words = words
        self.packet = packet
        self.untracked = untracked
        self.position = 0
        self.target: str | None = None
        self.goto = False
        self.established = False
        self.parts: list[Match] = []
        self.module: str | None = None
        self.statistic: dict[str, str] = {}

    def read(self) -> Match:
        negated = False
        while self.position < len(self.words):
            word = self._next()
            if word == "!":
                negated = True
                continue
            if word in ("-j", "--jump", "-g", "--goto"):
                self.target = self._next()
                self.goto = word in ("-g", "--goto")
                break  # the rest are the target's own options
            part = self._option(word, negated)
            self.parts.append(negate(part) if negated else part)
            negated = False
        if self.statistic:
            self.parts.append(_statistic(self.statistic))
        return all_of(self.parts)

    def _next(self) -> str:
        word = self.words[self.position] if self.position < len(self.words) else ""
        self.position += 1
        return word

    def _option(self, option: str, negated: bool) -> Match:
        packet = self.packet
        if option in ("-p", "--protocol"):
            return _protocol(self._next())
        if option in ("-s", "--source", "--src"):
            return address_in(self._next(), packet.src, what="source")
        if option in ("-d", "--destination", "--dst"):
            return address_in(self._next(), packet.dst, what="destination")
        if option in ("-i", "--in-interface", "-o", "--out-interface"):
            value = self._next()
            inbound = option in ("-i", "--in-interface")
            # INPUT/PREROUTING have no out-interface and OUTPUT/POSTROUTING no in-interface.
            wrong_way = inbound != (packet.direction == "in")
            return NO if wrong_way else interface_matches(value, packet, wildcard="+")
        if option in ("-f", "--fragment"):
            return maybe("the rule only matches IP fragments")
        if option in ("-m", "--match"):
            self.module = self._next()
            return _module(self.module)
        if option in ("--ctstate", "--state"):
            states = self._next().split(",")
            known = {s.strip().upper() for s in states}
            self.established = self.established or (
                not negated and bool(known & {"RELATED", "ESTABLISHED"})
            )
            return conntrack_state(states, self.untracked)
        return self._module_option(option)

    def _module_option(self, option: str) -> Match:
        packet = self.packet
        if option in ("--dport", "--destination-port", "--sport", "--source-port"):
            # knet sends from the port it listens on, so source and destination are alike.
            return port_in(self._next(), packet.port)
        if option in ("--dports", "--destination-ports", "--sports", "--source-ports", "--ports"):
            return port_in_list(self._next(), packet.port)
        if option in ("--mode", "--probability", "--every", "--packet"):
            self.statistic[option] = self._next()
            return YES
        if option in ("--src-type", "--dst-type"):
            return address_type_is(self._next(), packet, "src" if "src" in option else "dst")
        if option in ("--src-range", "--dst-range"):
            address = packet.src if option == "--src-range" else packet.dst
            return address_in(self._next(), address, what=option[2:5])
        if option == "--comment":
            self._next()
            return YES
        if option == "--match-set":
            name = self._next()
            self._next()
            return maybe(f"membership of ipset {name} is not known")
        return self._unknown_option(option)

    def _unknown_option(self, option: str) -> Match:
        # Its arity is unknown: skip its values up to the next option.
        while self.position < len(self.words) and not self.words[self.position].startswith(
            ("-", "!")
        ):
            self.position += 1
        where = f" of -m {self.module}" if self.module else ""
        return maybe(f"option {option}{where} is not understood")


def _protocol(value: str) -> Match:
    # Any other name or number is some other protocol.
    return YES if value.lower() in ("udp", "17", "all", "0") else NO


def _module(name: str) -> Match:
    if name in _UNDERSTOOD_MODULES:
        return YES
    if name in _OTHER_PROTOCOLS:
        return NO  # -m tcp and friends only match their own protocol
    if name == "limit":
        return maybe("a rate limit (-m limit) decides")
    return maybe(f"-m {name} decides, which this check cannot evaluate")


def _statistic(options: dict[str, str]) -> Match:
    mode = options.get("--mode", "random")
    try:
        if mode == "random":
            return by_chance(float(options["--probability"]), "random (-m statistic)")
        if mode == "nth":
            return by_chance(1.0 / int(options["--every"]), "every nth packet (-m statistic)")
    except (KeyError, ValueError, ZeroDivisionError, OverflowError):
        pass
    return maybe("-m statistic options are not understood")
