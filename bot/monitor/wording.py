"""Every sentence the monitor says about an incident, in one place. Pure.

Plain words, not mrkdwn: renderers escape them. Summaries lead with what happened and end with
where the cluster stands ("lab3 left the membership; 2 of 3 nodes, quorate").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Final

from bot.corosync.logs import LogEvent
from bot.monitor.assessment import Assessment
from bot.monitor.incident import LinkDown, PartitionSide

LISTED_MAX: Final = 6


def listing(names: Sequence[str]) -> str:
    """``lab3`` / ``lab2 and lab3`` / ``lab1, lab2 and lab3`` / ``a, b, c, d, e, f and 3 more``."""
    names = list(names)
    if len(names) > LISTED_MAX:
        return f"{', '.join(names[:LISTED_MAX])} and {len(names) - LISTED_MAX} more"
    if len(names) <= 1:
        return "".join(names) or "no node"
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def span(seconds: float) -> str:
    """``45 s``, ``2 min``, ``1 h 5 min``, ``3 d 4 h``."""
    total = round(seconds)
    if total < 120:
        return f"{total} s"
    minutes, hours = total // 60, total // 3600
    if hours < 2:
        return f"{minutes} min"
    if hours < 48:
        return f"{hours} h {minutes % 60} min" if minutes % 60 else f"{hours} h"
    return f"{hours // 24} d {hours % 24} h" if hours % 24 else f"{hours // 24} d"


def utc(at: datetime) -> str:
    return (
        (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    )


def standing(a: Assessment) -> str:
    """``2 of 3 nodes, quorate`` (and the risk, when one more loss would lose quorum)."""
    count = a.member_count
    if count is None:
        return f"no quorate membership among {len(a.inventory)} nodes"
    text = f"{count} of {len(a.inventory)} nodes, quorate"
    if a.at_risk:
        text += (
            f"; one more lost vote would lose quorum ({a.total_votes} present, quorum {a.quorum})"
        )
    return text


def side_phrase(side: PartitionSide) -> str:
    """What one side sees: ``lab3 sees only itself``, ``lab1 and lab2 see lab1, lab2, lab3``."""
    who = listing(side.seen_by)
    one = len(side.seen_by) == 1
    if set(side.members) == set(side.seen_by):
        if one:
            return f"{who} sees only itself"
        return f"{who} see only each other"
    return f"{who} {'sees' if one else 'see'} {listing(side.members)}"


def _sides(sides: Sequence[PartitionSide]) -> str:
    alone = [s for s in sides if len(s.seen_by) == 1 and s.members == s.seen_by]
    rest = [side_phrase(s) for s in sides if s not in alone]
    if len(alone) > 1:
        rest.insert(0, f"{listing([s.seen_by[0] for s in alone])} see only themselves")
    elif alone:
        rest.insert(0, side_phrase(alone[0]))
    return "; ".join(rest)


def membership_summary(a: Assessment) -> str:
    """Who is out of the membership or out of reach, the partition if any, and the standing."""
    on_sides = {n for side in a.sides[1:] for n in side.seen_by}
    stopped = [n for n in a.missing if n in a.stopped]
    left = [n for n in a.missing if n not in a.stopped and n not in on_sides]
    parts = []
    if a.partitioned and a.quorate_side is not None:
        quorate = [s for s in a.sides if s.quorate]
        holds = "holds" if len(a.sides[0].seen_by) == 1 else "hold"
        lead = f"partition: {listing(a.sides[0].seen_by)} {holds} quorum"
        if len(quorate) > 1:
            lead = "split brain: more than one side claims quorum; " + lead
        parts.append(f"{lead}; {_sides(a.sides[1:])}")
    if left:
        parts.append(f"{listing(left)} left the membership")
    if stopped:
        parts.append(f"corosync is not running on {listing(stopped)}")
    members_out = [n for n in a.unreachable if n not in a.missing]
    if members_out:
        parts.append(f"the bot cannot reach {listing(members_out)} over SSH (still a member)")
    return f"{'; '.join(parts) or 'the membership is whole'}; {standing(a)}"


def unreachable_all(inventory: Sequence[str]) -> str:
    return (
        f"the bot cannot reach any of the {_plural(len(inventory), 'node')} over SSH: the "
        "cluster may be down or the bot cut off from it; its state is unknown"
    )


def quorum_summary(a: Assessment) -> str:
    """``quorum lost: lab1 and lab2 see only themselves`` (and who could not be asked)."""
    parts = [_sides(a.sides)] if a.sides else ["no node is quorate"]
    if a.stopped:
        parts.append(f"corosync is not running on {listing(a.stopped)}")
    if a.unreachable:
        parts.append(f"the bot cannot reach {listing(a.unreachable)}")
    return "quorum lost: " + "; ".join(parts)


def quorum_lost_everywhere() -> str:
    return "quorum lost: every node reported it is in a non-primary component"


def minority_saw(reporter: str, left: Sequence[str]) -> str:
    return f"{reporter} lost sight of {listing(left)}, which leaves it in a minority"


def left_seen(left: Sequence[str], reporter: str) -> str:
    return f"{listing(left)} left the membership (seen by {reporter})"


def links_summary(links: Sequence[LinkDown], flaps: int, recent: int, window_s: float) -> str:
    """``knet link down: lab1–lab3 link 0; flapping: 10 down/up cycles in the last 2 min``."""
    if links:
        noun = "link" if len(links) == 1 else "links"
        text = f"knet {noun} down: {listing([link.label for link in links])}"
    else:
        text = "every knet link is back up"
    if recent >= 3:
        text += f"; flapping: {_plural(recent, 'down/up cycle')} in the last {span(window_s)}"
    elif flaps:
        text += f"; {_plural(flaps, 'down/up cycle')} so far"
    return text


def streams_summary(errors: Mapping[str, str | None], node_count: int) -> str:
    """No journal from any node: the bot is slower to see trouble, not blind (the poll goes on)."""
    reason = next(((n, e) for n, e in errors.items() if e), None)
    why = f" ({reason[0]}: {reason[1]})" if reason else ""
    return (
        f"the bot gets no corosync journal from any of the {_plural(node_count, 'node')}{why}; "
        "alerts now rely on the poll alone"
    )


def streams_back(nodes: Sequence[str]) -> str:
    return f"journal stream from {listing(nodes)} is back"


def votes_summary(expected: int, total: int) -> str:
    quorum = expected // 2 + 1
    text = f"expected votes {expected}, but {total} votes present (quorum {quorum})"
    if total > expected:
        return text + ": expected votes are lower than the votes present, as after `pvecm expected`"
    return text + ": every node is a member, so some node's votes or the configuration differ"


def more_left(nodes: Sequence[str]) -> str:
    return f"{listing(nodes)} also {'drops' if len(nodes) == 1 else 'drop'} out; now: "


def some_back(back: Sequence[str], still: Sequence[str]) -> str:
    return f"{listing(back)} {'is' if len(back) == 1 else 'are'} back; still out: {listing(still)}"


def relapse(flaps: int, summary: str) -> str:
    return f"it failed again after recovering (flapped {_plural(flaps, 'time')}): {summary}"


def link_cycles(flaps: int, recent: int, window_s: float) -> str:
    return (
        f"the knet links went down and came back up again: {_plural(flaps, 'down/up cycle')} "
        f"so far, {recent} in the last {span(window_s)}"
    )


def at_risk(a: Assessment) -> str:
    return (
        f"quorum at risk: one more lost vote would lose quorum ({a.total_votes} votes present, "
        f"quorum {a.quorum})"
    )


def acknowledged(by: str) -> str:
    return f"acknowledged by {by}; updates continue here"


def snoozed(by: str, until: datetime) -> str:
    return f"snoozed by {by} until {utc(until)}: no replies until then, the root stays current"


def snooze_over(held: int, summary: str) -> str:
    return f"snooze over ({_plural(held, 'update')} held back); now: {summary}"


def still_failing_after_maintenance(summary: str) -> str:
    return f"maintenance is over and this is still going on: {summary}"


def resolving(hold_down_s: float) -> str:
    return (
        f"healthy again; resolves if it stays so for {span(hold_down_s)} and a fresh check agrees"
    )


def resolved(seconds: float) -> str:
    return f"resolved after {span(seconds)}"


def event_text(event: LogEvent, name: Mapping[int, str]) -> str | None:
    """A journal event in a few words, or None for events the timeline does not keep."""

    def who(ids: Sequence[int]) -> str:
        return listing([name.get(i, f"nodeid {i}") for i in ids])

    kind = event.kind
    if kind == "membership":
        moves = [f"{who(event.left)} left"] if event.left else []
        moves += [f"{who(event.joined)} joined"] if event.joined else []
        return f"new membership {event.ring_id}: {', '.join(moves) or 'no change'}"
    if kind in ("link-down", "link-up"):
        state = "down" if kind == "link-down" else "up"
        return f"knet link {event.link} to {who(event.nodes)} is {state}"
    texts = {
        "no-active-links": f"no active knet link to {who(event.nodes)}",
        "quorum-lost": "lost quorum (non-primary component)",
        "quorum-regained": "regained quorum (primary component)",
        "token-not-received": f"token not received for {event.value} ms",
        "processor-failed": "a processor failed: forming a new membership",
        "node-shutdown": f"{who(event.nodes)} was shut down by its admin",
        "leave-message-missing": f"no leave message from {who(event.nodes)}",
    }
    return texts.get(kind)
