"""Builders for tracker tests: a cluster like the lab's, polls, and journal lines read by the real
parser (in the format of tests/fixtures/lab/*/journal-short-precise.out), all at given times."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.corosync.logs import LogRecord, classify, events, parse_journal_text
from bot.model import Cluster, Node
from bot.monitor.effects import Effect, Note
from bot.monitor.observations import JournalSeen, NodeView, Poll, StreamState

LAB = Path(__file__).resolve().parent.parent / "fixtures" / "lab"
T0 = datetime(2026, 11, 25, 8, 25, tzinfo=UTC)
NAME = "qbcap"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def cluster(size: int = 3) -> Cluster:
    """The lab's cluster (qbcap1..3, nodeids 1..3), or a larger one named the same way."""
    nodes = tuple(
        Node(cluster=NAME, name=f"qbcap{i}", nodeid=i, address=f"198.18.0.{10 + i}")
        for i in range(1, size + 1)
    )
    return Cluster(name=NAME, nodes=nodes)


def names(size: int = 3) -> tuple[str, ...]:
    return tuple(f"qbcap{i}" for i in range(1, size + 1))


def view(
    node: str,
    members: Iterable[str],
    when: datetime,
    *,
    quorate: bool,
    expected: int = 3,
    total: int | None = None,
) -> NodeView:
    members = frozenset(members)
    return NodeView(
        node=node,
        at=when,
        reachable=True,
        corosync_running=True,
        quorate=quorate,
        members=members,
        expected_votes=expected,
        total_votes=len(members) if total is None else total,
    )


def unreachable(node: str, when: datetime) -> NodeView:
    return NodeView(node=node, at=when, reachable=False, error=f"{node}: connection timed out")


def poll(when: datetime, *views: NodeView) -> Poll:
    return Poll(cluster=NAME, at=when, views=views)


def healthy(when: datetime, size: int = 3) -> Poll:
    """Every node sees every node and is quorate."""
    everyone = names(size)
    return poll(when, *(view(n, everyone, when, quorate=True, expected=size) for n in everyone))


def without(when: datetime, *gone: str, size: int = 3) -> Poll:
    """The nodes in ``gone`` are out of reach (SSH fails); the others see one another."""
    rest = [n for n in names(size) if n not in gone]
    quorate = 2 * len(rest) > size
    views = [view(n, rest, when, quorate=quorate, expected=size) for n in rest]
    return poll(when, *views, *(unreachable(n, when) for n in gone))


def split(when: datetime, *sides: Sequence[str], size: int = 3) -> Poll:
    """Every node reachable; each side sees only its own members."""
    views = [
        view(n, side, when, quorate=2 * len(side) > size, expected=size)
        for side in sides
        for n in side
    ]
    return poll(when, *views)


def line(when: datetime, node: str, subsystem: str, message: str) -> str:
    """A journal line as `journalctl -o short-precise` prints corosync's."""
    return f"{when:%b %d %H:%M:%S.%f} {node} corosync[32]:   [{subsystem:<6}] {message}"


def seen(text: str) -> JournalSeen:
    """A journal line through the real parser, as the stream would deliver it."""
    record = parse_journal_text(text, 2026)
    assert isinstance(record, LogRecord)
    assert record.host is not None
    assert record.at is not None
    return JournalSeen(cluster=NAME, node=record.host, event=classify(record), at=record.at)


def left(when: datetime, reporter: str, ring: str, *nodeids: int) -> JournalSeen:
    ids = " ".join(str(i) for i in nodeids)
    message = f"A new membership ({ring}) was formed. Members left: {ids}"
    return seen(line(when, reporter, "TOTEM", message))


def joined(when: datetime, reporter: str, ring: str, *nodeids: int) -> JournalSeen:
    ids = " ".join(str(i) for i in nodeids)
    message = f"A new membership ({ring}) was formed. Members joined: {ids}"
    return seen(line(when, reporter, "TOTEM", message))


def link(when: datetime, reporter: str, host: int, state: str, link_id: int = 0) -> JournalSeen:
    prefix = "link" if state == "down" else "rx"
    message = f"{prefix}: host: {host} link: {link_id} is {state}"
    return seen(line(when, reporter, "KNET", message))


def quorum_lost(when: datetime, reporter: str) -> JournalSeen:
    message = "This node is within the non-primary component and will NOT provide any services."
    return seen(line(when, reporter, "QUORUM", message))


def stream(when: datetime, node: str, *, connected: bool) -> StreamState:
    error = None if connected else "journalctl exited: connection lost"
    return StreamState(cluster=NAME, node=node, at=when, connected=connected, error=error)


def captured(scenario: str) -> list[JournalSeen]:
    """Every node's captured journal of a lab scenario, merged in time order."""
    out = []
    for node_dir in sorted((LAB / scenario).iterdir()):
        lines = (node_dir / "journal-short-precise.out").read_text().splitlines()
        for event in events(parse_journal_text(text, 2026) for text in lines):
            record = event.record
            assert record.host is not None
            assert record.at is not None
            out.append(JournalSeen(cluster=NAME, node=record.host, event=event, at=record.at))
    return sorted(out, key=lambda s: s.at)


def kinds(effects: Iterable[Effect]) -> list[str]:
    return [type(e).__name__ for e in effects]


def notes(effects: Iterable[Effect]) -> list[Note]:
    return [e for e in effects if isinstance(e, Note)]
