"""What one poll says about a cluster as a whole: who is in the quorate membership, who is not,
whether nodes disagree (a partition), and how the votes stand. Pure.

Only nodes that answered with a membership count as a view. The quorate side is the one some
node of it calls quorate; when more than one side claims quorum (expected votes lowered by
hand) the larger one is taken and the summary says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.model import Cluster
from bot.monitor.incident import PartitionSide
from bot.monitor.observations import Poll


@dataclass(frozen=True)
class Assessment:
    inventory: tuple[str, ...]
    unreachable: tuple[str, ...]
    """Nodes the bot could not reach over SSH."""
    stopped: tuple[str, ...]
    """Reachable nodes where corosync is not running."""
    sides: tuple[PartitionSide, ...]
    """One per distinct membership view, the quorate side first, then larger sides."""
    missing: tuple[str, ...]
    """Inventory nodes not in the quorate membership (empty when no side is quorate)."""
    quorum_lost: bool
    """No node is quorate, and at least one node said it is not."""
    expected_votes: int | None
    total_votes: int | None

    @property
    def quorate_side(self) -> PartitionSide | None:
        return self.sides[0] if self.sides and self.sides[0].quorate else None

    @property
    def member_count(self) -> int | None:
        side = self.quorate_side
        return None if side is None else sum(m in self.inventory for m in side.members)

    @property
    def partitioned(self) -> bool:
        return len(self.sides) > 1

    @property
    def quorum(self) -> int | None:
        return None if self.expected_votes is None else self.expected_votes // 2 + 1

    @property
    def at_risk(self) -> bool:
        """Quorate, but losing one more vote would lose quorum."""
        quorum, total = self.quorum, self.total_votes
        if self.quorate_side is None or quorum is None or total is None:
            return False
        return total - 1 < quorum

    @property
    def affected(self) -> tuple[str, ...]:
        """Who the membership incident is about: out of the membership or out of the bot's reach."""
        out = set(self.missing) | set(self.unreachable)
        return tuple(n for n in self.inventory if n in out)

    @property
    def whole(self) -> bool:
        """Every inventory node reachable and in one quorate membership that all views share."""
        return (
            self.quorate_side is not None
            and not self.missing
            and not self.unreachable
            and not self.partitioned
        )

    @property
    def votes_mismatch(self) -> bool:
        """Expected votes differ from the votes present in a way missing nodes do not explain."""
        expected, total = self.expected_votes, self.total_votes
        if expected is None or total is None or expected == total:
            return False
        return total > expected or not self.missing


def assess(cluster: Cluster, poll: Poll) -> Assessment:
    """``poll`` read against the inventory of ``cluster``."""
    inventory = tuple(n.name for n in cluster.nodes)
    views = [v for v in poll.views if v.node in inventory]
    unreachable = tuple(n for n in inventory if any(v.node == n and not v.reachable for v in views))
    stopped = tuple(
        n for n in inventory if any(v.node == n and v.corosync_running is False for v in views)
    )
    groups: dict[frozenset[str], list[str]] = {}
    quorate_by_group: dict[frozenset[str], bool] = {}
    for view in views:
        if not view.reachable or view.members is None or view.quorate is None:
            continue
        groups.setdefault(view.members, []).append(view.node)
        quorate_by_group[view.members] = quorate_by_group.get(view.members, False) or view.quorate

    def order(members: frozenset[str]) -> tuple[str, ...]:
        known = [n for n in inventory if n in members]
        return (*known, *sorted(members - set(known)))

    ranked = sorted(groups, key=lambda m: (not quorate_by_group[m], -len(m), order(m)))
    sides = tuple(
        PartitionSide(
            seen_by=tuple(n for n in inventory if n in groups[m]),
            members=order(m),
            quorate=quorate_by_group[m],
        )
        for m in ranked
    )
    quorate = bool(sides) and sides[0].quorate
    missing = tuple(n for n in inventory if n not in sides[0].members) if quorate else ()
    expected = total = None
    if quorate:
        chosen = [v for v in views if v.node in sides[0].seen_by and v.quorate]
        expected = next((v.expected_votes for v in chosen if v.expected_votes is not None), None)
        total = next((v.total_votes for v in chosen if v.total_votes is not None), None)
    return Assessment(
        inventory=inventory,
        unreachable=unreachable,
        stopped=stopped,
        sides=sides,
        missing=missing,
        quorum_lost=not quorate and any(v.quorate is False for v in views),
        expected_votes=expected,
        total_votes=total,
    )
