"""Is corosync running, is the cluster quorate, and does every node see the same membership?

Each node's own view is compared with the inventory and with the other nodes' views, so a
partition is named as such, with which side holds quorum.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.diagnostics.checks.base import finding, unknown
from bot.diagnostics.commands import Probe
from bot.diagnostics.facts import ClusterFacts, NodeFacts
from bot.diagnostics.views import QuorumView, corosync_version, quorum_view, service_state
from bot.model import Finding, Severity

SERVICE = "corosync.service"
QUORUM = "quorum.state"
MEMBERSHIP = "membership.inventory"
PARTITION = "membership.partition"
REJOIN = "rejoin-node"
QDEVICE_BAD_FLAGS = ("NA", "NV", "NR")  # not alive / not voting / not registered


def check_service(facts: ClusterFacts) -> Iterator[Finding]:
    """corosync is active on every reachable node."""
    active = []
    for node in facts.reachable():
        state = service_state(node)
        if state is None:
            yield unknown(SERVICE, facts, node, Probe.COROSYNC_ACTIVE)
        elif state == "active":
            active.append(node.node.name)
        else:
            yield finding(
                SERVICE,
                facts,
                Severity.CRITICAL,
                f"corosync is {state} on {node.node.name}: it is not part of the cluster",
                nodes=[node.node.name],
                evidence=[f"systemctl is-active corosync: {state}"],
                runbook=REJOIN,
            )
    versions = {}
    for node in facts.reachable():
        version = corosync_version(node)
        if version is not None:
            versions[node.node.name] = ".".join(str(v) for v in version)
    if len(set(versions.values())) > 1:
        # Mixed versions are fine during a rolling upgrade only; `corosync-cfgtool -R` across
        # mixed versions is unsupported (corosync-cfgtool(8)).
        yield finding(
            SERVICE,
            facts,
            Severity.WARNING,
            "nodes run different corosync versions: "
            + ", ".join(f"{n} {v}" for n, v in sorted(versions.items())),
            nodes=sorted(versions),
        )
    if active and len(active) == len(facts.nodes):
        running = (
            f" (corosync {next(iter(versions.values()))})"
            if len(set(versions.values())) == 1
            else ""
        )
        yield finding(
            SERVICE, facts, Severity.OK, f"corosync is active on all {len(active)} nodes{running}"
        )


def _views(facts: ClusterFacts) -> tuple[dict[str, QuorumView], list[NodeFacts]]:
    """Quorum views of nodes running corosync, and the running nodes we could not read."""
    views: dict[str, QuorumView] = {}
    unreadable = []
    for node in facts.reachable():
        if service_state(node) != "active":
            continue
        view = quorum_view(node)
        if view is None:
            unreadable.append(node)
        else:
            views[node.node.name] = view
    return views, unreadable


def check_quorum(facts: ClusterFacts) -> Iterator[Finding]:
    """Each node is quorate, votes are complete, one more loss would not lose quorum, Qdevice."""
    views, unreadable = _views(facts)
    for node in unreadable:
        yield unknown(QUORUM, facts, node, Probe.QUORUMTOOL)
    for name, view in sorted(views.items()):
        evidence = [line for line in view.raw.splitlines() if line.strip()][:24]
        if not view.quorate:
            yield finding(
                QUORUM,
                facts,
                Severity.CRITICAL,
                f"{name} is NOT quorate: it sees members {_ids(view.members)} and blocks activity",
                nodes=[name],
                evidence=evidence,
                runbook=REJOIN,
            )
            continue
        if view.qdevice and any(flag in view.qdevice.split(",") for flag in QDEVICE_BAD_FLAGS):
            yield finding(
                QUORUM,
                facts,
                Severity.WARNING,
                f"{name}: the Qdevice is not voting ({view.qdevice})",
                nodes=[name],
                evidence=evidence,
            )
    quorate = [v for v in views.values() if v.quorate]
    if not quorate:
        return
    view = max(quorate, key=lambda v: len(v.members))
    if view.expected_votes and view.total_votes is not None:
        if view.total_votes < view.expected_votes:
            missing = view.expected_votes - view.total_votes
            yield finding(
                QUORUM,
                facts,
                Severity.WARNING,
                f"{view.total_votes} of {view.expected_votes} expected votes present "
                f"({missing} missing)",
                evidence=[
                    f"Expected votes: {view.expected_votes}",
                    f"Total votes: {view.total_votes}",
                ],
            )
        if view.quorum is not None and view.total_votes - 1 < view.quorum:
            yield finding(
                QUORUM,
                facts,
                Severity.WARNING,
                f"quorum at risk: {view.total_votes} votes for a quorum of {view.quorum}, "
                "so losing one more node would stop the cluster",
                evidence=[f"Quorum: {view.quorum}", f"Total votes: {view.total_votes}"],
            )
        elif view.total_votes >= view.expected_votes:
            yield finding(
                QUORUM,
                facts,
                Severity.OK,
                f"quorate with {view.total_votes}/{view.expected_votes} votes (quorum {view.quorum})",
            )


def check_membership(facts: ClusterFacts) -> Iterator[Finding]:
    """Every inventory node is a member; views that disagree are a partition."""
    views, _ = _views(facts)
    if not views:
        yield finding(
            MEMBERSHIP,
            facts,
            Severity.UNKNOWN,
            "no node could report the membership (none reachable with corosync running)",
        )
        return
    by_id = {n.nodeid: n.name for n in facts.cluster.nodes if n.nodeid is not None}
    groups: dict[tuple[int, ...], list[str]] = {}
    for name, view in views.items():
        groups.setdefault(view.members, []).append(name)
    if len(groups) > 1:
        sides = []
        for members, seen_by in sorted(groups.items(), key=lambda g: -len(g[0])):
            quorate = any(views[n].quorate for n in seen_by)
            sides.append(
                f"{', '.join(sorted(seen_by))} see {_names(members, by_id)} "
                f"({'quorate' if quorate else 'NOT quorate'})"
            )
        yield finding(
            PARTITION,
            facts,
            Severity.CRITICAL,
            "the cluster is partitioned: " + "; ".join(sides),
            nodes=sorted(views),
            evidence=sides,
            runbook=REJOIN,
        )
    majority = max(groups, key=lambda m: (any(views[n].quorate for n in groups[m]), len(m)))
    seen_by = sorted(groups[majority])
    missing = [by_id[i] for i in sorted(by_id) if i not in majority]
    for name in missing:
        yield finding(
            MEMBERSHIP,
            facts,
            Severity.CRITICAL,
            f"{name} is not in the corosync membership (seen from {', '.join(seen_by)})",
            nodes=[name],
            evidence=[f"members seen by {', '.join(seen_by)}: {_names(majority, by_id)}"],
            runbook=REJOIN,
        )
    strangers = [i for i in majority if i not in by_id]
    if strangers:
        yield finding(
            MEMBERSHIP,
            facts,
            Severity.WARNING,
            f"node id(s) {_ids(tuple(strangers))} are members but not in the inventory "
            "(run `quorumbot inventory refresh`)",
        )
    if not missing and not strangers and len(groups) == 1:
        yield finding(
            MEMBERSHIP,
            facts,
            Severity.OK,
            f"all {len(by_id)} inventory nodes are members, and every node agrees",
        )


def membership_complete(facts: ClusterFacts) -> bool | None:
    """Whether every inventory node is in the quorate membership now (None: cannot tell)."""
    views, _ = _views(facts)
    quorate = [v for v in views.values() if v.quorate]
    if not quorate:
        return None if not views else False
    members = set(max(quorate, key=lambda v: len(v.members)).members)
    return all(n.nodeid in members for n in facts.cluster.nodes if n.nodeid is not None)


def _ids(members: tuple[int, ...]) -> str:
    return " ".join(str(m) for m in members) or "none"


def _names(members: tuple[int, ...], by_id: dict[int, str]) -> str:
    return ", ".join(by_id.get(m, f"nodeid {m}") for m in members) or "nobody"
