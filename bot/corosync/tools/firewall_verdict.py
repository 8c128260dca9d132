"""Follow one packet through firewall chains to a verdict that never claims more than it knows.

Each ruleset format (iptables-save, nft, Proxmox ``*.fw``) is turned into ``Hook`` objects: the
base chains the packet passes, in order, made of ``Step`` objects whose match is yes, no or
maybe. Where a step may or may not match, both ways are followed; the verdict is definite only
when every way ends alike (or differs only by chance, as with ``-m statistic``). Otherwise it is
``unknown``, naming the rule that may drop the packet and what that depends on.

Verdicts are about a *new* flow. Rules such as ``--ctstate RELATED,ESTABLISHED -j ACCEPT`` do
not match its first packet, but they let a flow that existed before a DROP rule was added go on
passing: the reason says so when such a rule was stepped over.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from pydantic import BaseModel, ConfigDict

from bot.corosync.tools.firewall_match import YES, Match

__all__ = ["Hook", "PortVerdict", "Step", "decide"]

Action = Literal["accept", "drop", "reject", "unknown"]
StepAction = Literal["accept", "drop", "reject", "unknown", "continue", "return", "jump", "goto"]
Policy = Literal["accept", "drop", "reject"]

# Bounds that keep a hostile or huge ruleset from costing more than a moment.
_MAX_STEPS = 50_000
_MAX_FORKS = 256
_MAX_DEPTH = 64


class PortVerdict(BaseModel):
    """What a ruleset does to corosync's UDP packets on one port."""

    model_config = ConfigDict(frozen=True)

    action: Action
    rule: str | None = None
    """The deciding line as the ruleset spells it (a rule, or the chain policy line)."""
    reason: str
    """One line a human can act on."""
    probability: float | None = None
    """For a random drop (``-m statistic``): the share of packets dropped."""

    @property
    def blocked(self) -> bool:
        return self.action in ("drop", "reject")


@dataclass(frozen=True)
class Step:
    """One rule, already matched against the packet."""

    line: str
    match: Match
    action: StepAction
    target: str | None = None
    """The chain of a ``jump`` or ``goto``."""
    why: str | None = None
    """For ``unknown``: why this target's effect cannot be known."""
    skipped_note: str | None = None
    """Said in the reason when the packet passes this step without matching."""


@dataclass(frozen=True)
class Hook:
    """A base chain the packet passes, with every chain it can jump to."""

    name: str
    chains: Mapping[str, Sequence[Step]]
    start: str
    policy: Policy
    policy_line: str | None
    applies: Match = YES
    """Whether this chain sees the packet at all (nft tables are per address family)."""


@dataclass(frozen=True)
class _Path:
    chain: str
    index: int
    calls: tuple[tuple[str, int], ...] = ()
    chance: float = 1.0
    conditions: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Outcome:
    action: Action
    rule: str | None
    chance: float
    conditions: tuple[str, ...]
    notes: tuple[str, ...] = ()
    why: str | None = None
    by_policy: bool = False


def decide(hooks: Sequence[Hook]) -> PortVerdict:
    """The verdict over base chains passed in order: a packet must be accepted by each."""
    ended: list[_Outcome] = []
    passing = [_Outcome("accept", None, 1.0, ())]
    accept_rule: str | None = None
    policy_rule: str | None = None
    for hook in hooks:
        carried_chance = sum(o.chance for o in passing)
        carried = _shared_conditions(passing)
        passing = []
        for outcome in _walk(hook):
            scaled = replace(
                outcome,
                chance=outcome.chance * carried_chance,
                conditions=_unique(carried + outcome.conditions),
            )
            if scaled.action == "accept":
                passing.append(scaled)
                if scaled.by_policy:
                    policy_rule = scaled.rule or policy_rule
                else:
                    accept_rule = accept_rule or scaled.rule
            else:
                ended.append(scaled)
        if not passing:
            break
    if accept_rule:
        accepted_by = f"accepted by {accept_rule}"
    elif policy_rule:
        accepted_by = f"the chain policy accepts it ({policy_rule})"
    else:
        accepted_by = "nothing filters it"
    return _verdict(ended, passing, accept_rule or policy_rule, accepted_by)


def _verdict(
    ended: list[_Outcome], passing: list[_Outcome], accept_rule: str | None, accepted_by: str
) -> PortVerdict:
    unknowns = [o for o in ended if o.action == "unknown"]
    blocking = [o for o in ended if o.action != "unknown"]
    if unknowns:
        first = min(unknowns, key=lambda o: len(o.conditions))
        return PortVerdict(
            action="unknown", rule=first.rule, reason=_with_conditions(first.why or "", first)
        )
    if not blocking:
        return PortVerdict(
            action="accept", rule=accept_rule, reason=f"no rule drops it; {accepted_by}"
        )
    first = min(blocking, key=lambda o: len(o.conditions))
    notes = _notes(blocking)
    if not passing:
        reason = f"{_past(first.action)} by {first.rule}"
        if len({(o.action, o.rule) for o in blocking}) > 1:
            reason += " (other rules would block it too, depending on details not known)"
        return PortVerdict(action=first.action, rule=first.rule, reason=reason + notes)
    if all(not o.conditions for o in (*blocking, *passing)):
        total = sum(o.chance for o in (*blocking, *passing)) or 1.0
        share = sum(o.chance for o in blocking) / total
        likeliest = max(blocking, key=lambda o: o.chance)
        return PortVerdict(
            action=likeliest.action,
            rule=likeliest.rule,
            reason=f"{_past(likeliest.action)} at random ({share:.0%} of packets) by "
            f"{likeliest.rule}{notes}",
            probability=share,
        )
    return PortVerdict(
        action="unknown",
        rule=first.rule,
        reason=_with_conditions(f"may be {_past(first.action)} by {first.rule}", first) + notes,
    )


def _walk(hook: Hook) -> list[_Outcome]:
    """Every way through one hook, each ending in accept, drop, reject or unknown; one
    accept when every way accepts, as then what they depended on does not matter."""
    outcomes = _ways(hook)
    if outcomes and all(o.action == "accept" for o in outcomes):
        # Name what accepts it on a way that depends on nothing; else the policy, which a
        # rule that may not match (an interface not given) should not be credited over.
        definite = [o for o in outcomes if not o.conditions and o.chance == 1.0]
        by_rule = next((o for o in definite if not o.by_policy and o.rule), None) or next(
            (o for o in (*definite, *outcomes) if o.by_policy), outcomes[0]
        )
        return [_Outcome("accept", by_rule.rule, 1.0, (), by_policy=by_rule.by_policy)]
    return outcomes


def _ways(hook: Hook) -> list[_Outcome]:
    if hook.applies.value == "no":
        return [_Outcome("accept", None, 1.0, (), by_policy=True)]
    start = _Path(hook.start, 0)
    outcomes: list[_Outcome] = []
    if hook.applies.value == "maybe":
        why = hook.applies.why or "whether this table applies"
        start = replace(start, conditions=(why,))
        outcomes.append(_Outcome("accept", None, 1.0, (why,), by_policy=True))
    pending = [start]
    steps = forks = 0
    while pending:
        path: _Path | None = pending.pop()
        while path is not None:
            steps += 1
            if steps > _MAX_STEPS:
                return [*outcomes, _unknown(path, "too many rules to follow")]
            chain = hook.chains.get(path.chain)
            if chain is None:
                outcomes.append(
                    _unknown(path, f"a rule jumps to {path.chain}, which is not listed")
                )
                break
            if path.index >= len(chain):
                path = _leave_chain(path, hook, outcomes)
                continue
            step = chain[path.index]
            following = replace(path, index=path.index + 1)
            if step.action == "continue":
                # LOG, MARK, counters: whether it matches changes nothing, so do not fork.
                path = following
                continue
            if step.match.value == "no":
                path = _noted(following, step.skipped_note)
                continue
            if step.match.value == "maybe":
                forks += 1
                if forks > _MAX_FORKS:
                    return [*outcomes, _unknown(path, "too many rules depend on unknown details")]
                taken, skipped = _fork(path, following, step.match)
                pending.append(skipped)
                path = taken
            path = _apply(step, path, hook, outcomes)
    return outcomes


def _fork(path: _Path, following: _Path, match: Match) -> tuple[_Path, _Path]:
    if match.chance is not None:
        return (
            replace(path, chance=path.chance * match.chance),
            replace(following, chance=following.chance * (1.0 - match.chance)),
        )
    why = match.why or "a detail not known"
    return (
        replace(path, conditions=(*path.conditions, why)),
        replace(following, conditions=(*following.conditions, why)),
    )


def _apply(step: Step, path: _Path, hook: Hook, outcomes: list[_Outcome]) -> _Path | None:
    """Do what a matching step says; the path to go on with, or None when it ended."""
    action = step.action
    if action in ("accept", "drop", "reject", "unknown"):
        outcomes.append(
            _Outcome(action, step.line, path.chance, path.conditions, path.notes, step.why)
        )
        return None
    if action == "continue":
        return replace(path, index=path.index + 1)
    if action == "return":
        return _leave_chain(path, hook, outcomes)
    if action == "goto" and step.target is not None:
        return replace(path, chain=step.target, index=0)
    if action == "jump" and step.target is not None:
        if len(path.calls) >= _MAX_DEPTH:
            outcomes.append(_unknown(path, "chains jump to each other in a loop"))
            return None
        return replace(
            path,
            chain=step.target,
            index=0,
            calls=(*path.calls, (path.chain, path.index + 1)),
        )
    outcomes.append(_unknown(path, f"{step.line} has no target chain"))
    return None


def _leave_chain(path: _Path, hook: Hook, outcomes: list[_Outcome]) -> _Path | None:
    """End of a chain (or RETURN): back to the caller, or the base chain's policy."""
    if path.calls:
        chain, index = path.calls[-1]
        return replace(path, chain=chain, index=index, calls=path.calls[:-1])
    outcomes.append(
        _Outcome(
            hook.policy,
            hook.policy_line,
            path.chance,
            path.conditions,
            path.notes,
            by_policy=True,
        )
    )
    return None


def _noted(path: _Path, note: str | None) -> _Path:
    if note is None or note in path.notes:
        return path
    return replace(path, notes=(*path.notes, note))


def _unknown(path: _Path, why: str) -> _Outcome:
    return _Outcome("unknown", None, path.chance, path.conditions, path.notes, why)


def _shared_conditions(passing: list[_Outcome]) -> tuple[str, ...]:
    """Conditions that carry into the next hook: only when every way through had some."""
    if not passing or any(not o.conditions for o in passing):
        return ()
    return _unique(tuple(c for o in passing for c in o.conditions))


def _unique(items: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _with_conditions(text: str, outcome: _Outcome) -> str:
    if not outcome.conditions:
        return text
    return f"{text}; it depends on: {'; '.join(outcome.conditions)}"


def _notes(outcomes: list[_Outcome]) -> str:
    notes = _unique(tuple(n for o in outcomes for n in o.notes))
    return "".join(f" ({note})" for note in notes)


def _past(action: Action) -> str:
    return {"drop": "dropped", "reject": "rejected", "accept": "accepted"}.get(action, action)
