"""What the monitor sees: poll rounds, corosync journal events, stream health, time passing. Pure.

Sources turn the outside world into these values; the incident tracker consumes nothing else,
so it can be tested on plain data with time given, never read from a clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.corosync.logs import LogEvent


@dataclass(frozen=True)
class NodeView:
    """One node's own account of the cluster, from one poll (or why there is none)."""

    node: str
    at: datetime
    reachable: bool
    """False: SSH failed (see ``error``); every other field is then None."""
    corosync_running: bool | None = None
    quorate: bool | None = None
    members: frozenset[str] | None = None
    """The node names in this node's current membership (corosync-quorumtool -l)."""
    expected_votes: int | None = None
    total_votes: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class Poll:
    """One round of the active poll: every inventory node asked at about the same time."""

    cluster: str
    at: datetime
    views: tuple[NodeView, ...]


@dataclass(frozen=True)
class JournalSeen:
    """A corosync journal record streamed from `node` (its time is the record's own)."""

    cluster: str
    node: str
    event: LogEvent
    at: datetime


@dataclass(frozen=True)
class StreamState:
    """A journal stream from `node` connected or was lost (with why)."""

    cluster: str
    node: str
    at: datetime
    connected: bool
    error: str | None = None


@dataclass(frozen=True)
class Tick:
    """Time has passed (hold-downs, snoozes and maintenance windows end on ticks)."""

    at: datetime


Observation = Poll | JournalSeen | StreamState | Tick
